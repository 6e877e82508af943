import { test } from 'node:test';
import assert from 'node:assert/strict';
import { app, ask, gatewayWith, load, tlsSecret } from './test-fixtures.js';

const grant = (version: string) => `---
apiVersion: gateway.networking.k8s.io/${version}
kind: ReferenceGrant
metadata: {name: g-${version}, namespace: other}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: default}]
  to: [{group: "", kind: Service}]
`;

test('Gateway API v1.5 served versions: ReferenceGrant and TLSRoute v1 load; deprecated versions load with the CRD warning', () => {
  const text = gatewayWith('  - {name: tls, port: 443, protocol: TLS, tls: {mode: Passthrough}}\n  - {name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}\n') +
    app('db') + app('web', 'other') + grant('v1') + `---
apiVersion: gateway.networking.k8s.io/v1
kind: TLSRoute
metadata: {name: t1}
spec: {parentRefs: [{name: gw}], hostnames: [db.example.com], rules: [{backendRefs: [{name: db, port: 80}]}]}
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TLSRoute
metadata: {name: t2}
spec: {parentRefs: [{name: gw}], hostnames: [old.example.com], rules: [{backendRefs: [{name: db, port: 80}]}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: h}
spec: {parentRefs: [{name: gw}], rules: [{backendRefs: [{name: web, namespace: other, port: 80}]}]}
`;
  const { cluster, model } = load(text);
  assert.deepEqual(cluster.diagnostics.filter((d) => d.level === 'error').map((d) => d.message), []);
  const warn = cluster.diagnostics.filter((d) => d.code === 'PN1021');
  assert.deepEqual(warn.map((d) => d.message), ['gateway.networking.k8s.io/v1alpha2 TLSRoute "t2": The v1alpha2 version of TLSRoute has been deprecated and will be removed in a future release of the API. Please upgrade to v1.']);
  assert.equal(cluster.list('TLSRoute').length, 2);
  assert.equal(cluster.list('ReferenceGrant', 'other').length, 1);
  // The v1 grant permits the cross-namespace backend.
  const r = ask(model, 'http://any.example.com/');
  assert.equal(r.status, 200);
  assert.equal(r.backend?.service, 'web');
});

test('XListenerSet is refused with what replaced it; ListenerSet v1 is a known kind', () => {
  const { cluster } = load(`---
apiVersion: gateway.networking.x-k8s.io/v1alpha1
kind: XListenerSet
metadata: {name: old}
spec: {parentRef: {name: gw}, listeners: [{name: a, port: 80, protocol: HTTP}]}
` + tlsSecret('unused'));
  const d = cluster.diagnostics.find((x) => x.object?.kind === 'XListenerSet');
  assert.equal(d?.level, 'error');
  assert.equal(d?.code, 'PN1006');
  assert.match(d!.message, /no matches for kind "XListenerSet" in version "gateway.networking.x-k8s.io\/v1alpha1": XListenerSet \(gateway.networking.x-k8s.io\/v1alpha1\) was removed in Gateway API v1.5: ListenerSet \(gateway.networking.k8s.io\/v1\) replaces it/);
});
