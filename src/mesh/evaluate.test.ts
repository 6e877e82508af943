import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../cluster/cluster.js';
import { compileMesh, type MeshRequest } from './index.js';
import { withObjects } from './testdata/fixture.js';

const pod = (ns: string, name: string) => ({ kind: 'Pod' as const, namespace: ns, name });
const svc = (ns: string, name: string) => ({ kind: 'Service' as const, namespace: ns, name });

const AUTHZ = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: backend, namespace: shop}
spec:
  selector: {matchLabels: {app: backend}}
  rules:
  - from: [{source: {principals: ["cluster.local/ns/shop/sa/frontend"]}}]
    to: [{operation: {methods: [GET], paths: ["/api/*"]}}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-legacy, namespace: istio-system}
spec:
  action: DENY
  rules: [{from: [{source: {ipBlocks: ["10.244.0.0/16"], notPrincipals: ["*"]}}], to: [{operation: {paths: ["/admin*"]}}]}]`;

interface Case { name: string; req: MeshRequest; allowed: boolean; status?: number; mtls: boolean; policy?: string; action?: string }

const CASES: Case[] = [
  { name: 'frontend (mTLS) GET /api/x via the Service', req: { from: pod('shop', 'frontend'), to: svc('shop', 'backend'), port: 80, method: 'GET', path: '/api/x' }, allowed: true, mtls: true, policy: 'shop/backend', action: 'ALLOW' },
  { name: 'frontend POST /api/x: method not allowed', req: { from: pod('shop', 'frontend'), to: svc('shop', 'backend'), port: 80, method: 'POST', path: '/api/x' }, allowed: false, status: 403, mtls: true, policy: 'shop/backend', action: 'ALLOW' },
  { name: 'frontend to the pod IP: passthrough plaintext, no principal, denied', req: { from: pod('shop', 'frontend'), to: pod('shop', 'backend-v1'), port: 8080, method: 'GET', path: '/api/x' }, allowed: false, status: 403, mtls: false, policy: 'shop/backend', action: 'ALLOW' },
  { name: 'legacy plaintext client: no principal', req: { from: pod('legacy', 'client'), to: svc('shop', 'backend'), port: 80, method: 'GET', path: '/api/x' }, allowed: false, status: 403, mtls: false, policy: 'shop/backend', action: 'ALLOW' },
  { name: 'legacy plaintext client /admin: root-namespace DENY first', req: { from: pod('legacy', 'client'), to: svc('shop', 'backend'), port: 80, method: 'GET', path: '/admin' }, allowed: false, status: 403, mtls: false, policy: 'istio-system/deny-legacy', action: 'DENY' },
  { name: 'TCP from frontend: ALLOW rule needs HTTP fields, denied', req: { from: pod('shop', 'frontend'), to: svc('shop', 'backend'), port: 80 }, allowed: false, mtls: true, policy: 'shop/backend', action: 'ALLOW' },
  { name: 'frontend itself has no ALLOW policy: allowed', req: { from: pod('shop', 'backend-v1'), to: svc('shop', 'frontend'), port: 80, method: 'GET', path: '/' }, allowed: true, mtls: true },
  { name: 'ambient client to a sidecar: HBONE mTLS with its identity, path not allowed for amb', req: { from: pod('amb', 'amb-client'), to: svc('shop', 'backend'), port: 80, method: 'GET', path: '/api/x' }, allowed: false, status: 403, mtls: true, policy: 'shop/backend', action: 'ALLOW' },
  { name: 'to a pod outside the mesh: no checks', req: { from: pod('shop', 'frontend'), to: svc('legacy', 'web'), port: 80, method: 'GET', path: '/' }, allowed: true, mtls: false },
];

for (const c of CASES) {
  test(`evaluate: ${c.name}`, () => {
    const mesh = compileMesh(Cluster.load({ text: withObjects(AUTHZ) }));
    const e = mesh.evaluate(c.req);
    assert.deepEqual({ allowed: e.allowed, status: e.status, mtls: e.mtls, policy: e.authz.policy, action: e.authz.action }, { allowed: c.allowed, status: c.status, mtls: c.mtls, policy: c.policy, action: c.action });
  });
}

const LINKERD = `apiVersion: policy.linkerd.io/v1beta3
kind: Server
metadata: {name: ld-http, namespace: ld}
spec: {podSelector: {matchLabels: {app: ld-server}}, port: 8080, proxyProtocol: HTTP/1}
---
apiVersion: policy.linkerd.io/v1alpha1
kind: MeshTLSAuthentication
metadata: {name: clients, namespace: ld}
spec: {identityRefs: [{kind: ServiceAccount, name: client}]}
---
apiVersion: policy.linkerd.io/v1alpha1
kind: AuthorizationPolicy
metadata: {name: ld-http-clients, namespace: ld}
spec:
  targetRef: {group: policy.linkerd.io, kind: Server, name: ld-http}
  requiredAuthenticationRefs: [{group: policy.linkerd.io, kind: MeshTLSAuthentication, name: clients}]`;

test('Linkerd: Server + AuthorizationPolicy + MeshTLSAuthentication', () => {
  const mesh = compileMesh(Cluster.load({ text: withObjects(LINKERD) }));
  const ok = mesh.evaluate({ from: pod('ld', 'ld-client'), to: pod('ld', 'ld-server'), port: 8080, method: 'GET', path: '/' });
  assert.deepEqual({ allowed: ok.allowed, mtls: ok.mtls, principal: ok.sourcePrincipal, authz: ok.linkerd?.authorization }, { allowed: true, mtls: true, principal: 'client.ld.serviceaccount.identity.linkerd.cluster.local', authz: 'AuthorizationPolicy ld/ld-http-clients' });
  const plain = mesh.evaluate({ from: pod('legacy', 'client'), to: pod('ld', 'ld-server'), port: 8080, method: 'GET', path: '/' });
  assert.deepEqual({ allowed: plain.allowed, status: plain.status }, { allowed: false, status: 403 });
  assert.equal(plain.reason, 'no authorization for Server ld/ld-http admits the client (accessPolicy deny): 403');
  const tcp = mesh.evaluate({ from: pod('legacy', 'client'), to: pod('ld', 'ld-server'), port: 8080 });
  assert.equal(tcp.reason, 'no authorization for Server ld/ld-http admits the client (accessPolicy deny): connection refused');
  const noServer = compileMesh(Cluster.load({ text: withObjects() })).evaluate({ from: pod('legacy', 'client'), to: pod('ld', 'ld-server'), port: 8080 });
  assert.deepEqual({ allowed: noServer.allowed, reason: noServer.reason }, { allowed: true, reason: 'no Server for port 8080: default inbound policy all-unauthenticated allows' });
});

test('Linkerd: a missing authentication reference makes the policy ignored; namespace default-inbound-policy', () => {
  const broken = LINKERD.replace('name: clients}]', 'name: missing}]');
  const e = compileMesh(Cluster.load({ text: withObjects(broken) })).evaluate({ from: pod('ld', 'ld-client'), to: pod('ld', 'ld-server'), port: 8080, method: 'GET', path: '/' });
  assert.equal(e.allowed, false);
  const deny = withObjects().replace('annotations: {linkerd.io/inject: enabled}', 'annotations: {linkerd.io/inject: enabled, config.linkerd.io/default-inbound-policy: all-authenticated}');
  const m = compileMesh(Cluster.load({ text: deny }));
  assert.equal(m.evaluate({ from: pod('legacy', 'client'), to: pod('ld', 'ld-server'), port: 8080 }).allowed, false);
  assert.equal(m.evaluate({ from: pod('ld', 'ld-client'), to: pod('ld', 'ld-server'), port: 8080 }).allowed, true);
});

test('bad input is a clear error', () => {
  const mesh = compileMesh(Cluster.load({ text: withObjects() }));
  assert.throws(() => mesh.evaluate({ from: pod('shop', 'nope'), to: svc('shop', 'backend'), port: 80 }), /pod shop\/nope not found/);
  assert.throws(() => mesh.evaluate({ from: pod('shop', 'frontend'), to: svc('shop', 'nope'), port: 80 }), /service shop\/nope not found/);
});

test('the client proxy never picks an ejected endpoint, prefers a host not tried yet, and answers 503 UH when all are ejected', () => {
  const m = compileMesh(Cluster.load({ text: withObjects() }));
  const base = { from: pod('shop', 'frontend'), to: svc('shop', 'backend'), port: 80, method: 'GET', path: '/' };
  const at = (endpoint: number, extra: Partial<MeshRequest> = {}) => m.evaluate({ ...base, random: { endpoint }, ...extra });
  assert.deepEqual(at(0).candidates, ['shop/backend-v1', 'shop/backend-v2']);
  assert.equal(at(0).destination?.pod, 'shop/backend-v1');
  assert.equal(at(0.9).destination?.pod, 'shop/backend-v2');
  assert.equal(at(0, { ejected: new Set(['shop/backend-v1']) }).destination?.pod, 'shop/backend-v2');
  assert.equal(at(0, { previousHosts: new Set(['shop/backend-v1']) }).destination?.pod, 'shop/backend-v2');
  // Every host tried already: any healthy one may be picked again.
  assert.equal(at(0.9, { previousHosts: new Set(['shop/backend-v1', 'shop/backend-v2']) }).destination?.pod, 'shop/backend-v2');
  const none = at(0, { ejected: new Set(['shop/backend-v1', 'shop/backend-v2']) });
  assert.equal(none.allowed, false);
  assert.equal(none.status, 503);
  assert.equal(none.destination, undefined);
  assert.equal(none.reason, 'every endpoint of backend.shop.svc.cluster.local is ejected by outlier detection: 503 (UH, no healthy upstream)');
});

test('a mirror copy goes straight to its cluster: the host\'s VirtualService does not apply', () => {
  const m = compileMesh(Cluster.load({ text: withObjects(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: backend, namespace: shop}
spec:
  hosts: [backend]
  http: [{route: [{destination: {host: backend, subset: v1}}]}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: backend, namespace: shop}
spec:
  host: backend
  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]`) }));
  const base = { from: pod('shop', 'frontend'), to: svc('shop', 'backend'), port: 80, method: 'GET', path: '/' };
  assert.equal(m.evaluate(base).destination?.pod, 'shop/backend-v1');
  const copy = m.evaluate({ ...base, cluster: { host: 'backend.shop.svc.cluster.local', subset: 'v2' } });
  assert.deepEqual({ pod: copy.destination?.pod, subset: copy.subset, vs: copy.route?.virtualService, attempts: copy.route?.retries.attempts, reason: copy.route?.reason, mtls: copy.mtls },
    { pod: 'shop/backend-v2', subset: 'v2', vs: undefined, attempts: 0, reason: 'mirror copy straight to subset v2 of backend.shop.svc.cluster.local (no VirtualService)', mtls: true });
});
