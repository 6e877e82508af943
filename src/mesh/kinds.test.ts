import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../cluster/cluster.js';
import { resolveKindName } from '../api/kinds.js';

const MANIFESTS = `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: shop}
spec: {selector: {istio: ingressgateway}, servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: shop}
spec: {gatewayClassName: eg, listeners: [{name: http, port: 80, protocol: HTTP}]}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: shop}
spec: {}
---
apiVersion: policy.linkerd.io/v1alpha1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: shop}
spec: {targetRef: {kind: Namespace, name: shop}, requiredAuthenticationRefs: []}
---
apiVersion: policy.linkerd.io/v1beta3
kind: HTTPRoute
metadata: {name: r, namespace: shop}
spec: {parentRefs: [{kind: Server, group: policy.linkerd.io, name: web}]}
---
apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata: {name: vs, namespace: shop}
spec: {hosts: [web]}
---
apiVersion: networking.istio.io/v9
kind: DestinationRule
metadata: {name: bad, namespace: shop}
spec: {host: web}
`;

test('mesh kinds are modelled and the two Gateways (and AuthorizationPolicies, HTTPRoutes) are kept apart', () => {
  const c = Cluster.load({ text: MANIFESTS, textName: 'mesh.yaml' });
  assert.deepEqual(c.list('Gateway', 'shop').map((o) => o.apiVersion), ['gateway.networking.k8s.io/v1']);
  assert.deepEqual(c.list('Gateway.networking.istio.io', 'shop').map((o) => o.apiVersion), ['networking.istio.io/v1']);
  assert.deepEqual(c.list('AuthorizationPolicy', 'shop').map((o) => o.apiVersion), ['security.istio.io/v1']);
  assert.deepEqual(c.list('AuthorizationPolicy.policy.linkerd.io', 'shop').map((o) => o.apiVersion), ['policy.linkerd.io/v1alpha1']);
  assert.deepEqual(c.list('HTTPRoute.policy.linkerd.io', 'shop').map((o) => o.metadata.name), ['r']);
  assert.deepEqual(c.list('HTTPRoute', 'shop'), []);
  assert.deepEqual(c.list('VirtualService', 'shop').map((o) => o.metadata.name), ['vs']);
  assert.equal(c.unmodelled.length, 0);
  const gw = c.list('Gateway.networking.istio.io', 'shop')[0];
  assert.deepEqual(c.sourceOf(gw), { file: 'mesh.yaml', line: 2 });
  const bad = c.diagnostics.filter((d) => d.level === 'error');
  assert.equal(bad.length, 1);
  assert.match(bad[0].message, /no matches for kind "DestinationRule" in version "networking.istio.io\/v9" \(use networking.istio.io\/v1\)/);
});

test('kubectl-style names resolve to the right group', () => {
  const cases: [string, string | undefined][] = [
    ['gateways', 'Gateway'], ['gtw', 'Gateway'], ['gateways.networking.istio.io', 'Gateway.networking.istio.io'], ['gw', 'Gateway.networking.istio.io'],
    ['vs', 'VirtualService'], ['dr', 'DestinationRule'], ['pa', 'PeerAuthentication'], ['authorizationpolicies', 'AuthorizationPolicy'],
    ['authorizationpolicies.policy.linkerd.io', 'AuthorizationPolicy.policy.linkerd.io'], ['httproutes', 'HTTPRoute'], ['srv', 'Server'],
  ];
  for (const [name, kind] of cases) assert.equal(resolveKindName(name)?.kind, kind, name);
});
