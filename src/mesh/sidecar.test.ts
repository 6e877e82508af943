import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../cluster/cluster.js';
import { compileMesh } from './index.js';
import { sidecarFor, sidecarKnowsHost } from './sidecar.js';
import { withObjects } from './testdata/fixture.js';

type Obj = Record<string, any>;
const sc = (name: string, ns: string, spec: Obj): Obj => ({ metadata: { name, namespace: ns }, spec });

test('Sidecar selection: workload selector, then namespace default, then root default', () => {
  const all = [sc('root', 'istio-system', {}), sc('ns', 'shop', {}), sc('fe', 'shop', { workloadSelector: { labels: { app: 'frontend' } } })];
  assert.equal(sidecarFor(all, 'shop', { app: 'frontend' }, 'istio-system')?.metadata.name, 'fe');
  assert.equal(sidecarFor(all, 'shop', { app: 'backend' }, 'istio-system')?.metadata.name, 'ns');
  assert.equal(sidecarFor(all, 'legacy', {}, 'istio-system')?.metadata.name, 'root');
  assert.equal(sidecarFor([], 'shop', {}, 'istio-system'), undefined);
});

test('Sidecar egress hosts', () => {
  const s = sc('default', 'shop', { egress: [{ hosts: ['./*', 'istio-system/*', 'legacy/web.legacy.svc.cluster.local'] }] });
  const cases: [string, string, boolean][] = [
    ['backend.shop.svc.cluster.local', 'shop', true],
    ['web.legacy.svc.cluster.local', 'legacy', true],
    ['other.legacy.svc.cluster.local', 'legacy', false],
    ['istiod.istio-system.svc.cluster.local', 'istio-system', true],
  ];
  for (const [host, ns, want] of cases) assert.equal(sidecarKnowsHost(s, host, ns), want, host);
  assert.equal(sidecarKnowsHost(sc('none', 'shop', { egress: [{ hosts: ['~/*'] }] }), 'backend.shop.svc.cluster.local', 'shop'), false);
  assert.equal(sidecarKnowsHost(undefined, 'x', 'y'), true);
});

const SIDECAR = (mode: string) => `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: shop}
spec:
  egress: [{hosts: ["./*"]}]
  outboundTrafficPolicy: {mode: ${mode}}`;

test('a Service outside the Sidecar egress: PassthroughCluster (plaintext) or BlackHoleCluster 502', () => {
  const req = { from: { kind: 'Pod' as const, namespace: 'shop', name: 'frontend' }, to: { kind: 'Service' as const, namespace: 'legacy', name: 'web' }, port: 80, method: 'GET', path: '/' };
  const allowAny = compileMesh(Cluster.load({ text: withObjects(SIDECAR('ALLOW_ANY')) })).evaluate(req);
  assert.deepEqual({ allowed: allowAny.allowed, tls: allowAny.clientTls, vs: allowAny.route?.virtualService }, { allowed: true, tls: 'DISABLE', vs: undefined });
  assert.equal(allowAny.hops[0].lines[0], 'web.legacy.svc.cluster.local is not in the egress hosts of Sidecar shop/default: PassthroughCluster (no VirtualService, no DestinationRule, plaintext)');
  const registryOnly = compileMesh(Cluster.load({ text: withObjects(SIDECAR('REGISTRY_ONLY')) })).evaluate(req);
  assert.deepEqual({ allowed: registryOnly.allowed, status: registryOnly.status }, { allowed: false, status: 502 });
  const inside = compileMesh(Cluster.load({ text: withObjects(SIDECAR('REGISTRY_ONLY')) })).evaluate({ ...req, to: { kind: 'Service', namespace: 'shop', name: 'backend' } });
  assert.deepEqual({ allowed: inside.allowed, tls: inside.clientTls }, { allowed: true, tls: 'ISTIO_MUTUAL' });
});

test('passthrough to a meshed Service loses auto-mTLS (a STRICT server then resets it)', () => {
  const revSidecar = SIDECAR('ALLOW_ANY').replace('namespace: shop', 'namespace: rev');
  const req = { from: { kind: 'Pod' as const, namespace: 'rev', name: 'rev-pod' }, to: { kind: 'Service' as const, namespace: 'shop', name: 'backend' }, port: 80, method: 'GET', path: '/' };
  const without = compileMesh(Cluster.load({ text: withObjects() })).evaluate(req);
  assert.deepEqual({ tls: without.clientTls, mtls: without.mtls }, { tls: 'ISTIO_MUTUAL', mtls: true });
  const withSc = compileMesh(Cluster.load({ text: withObjects(revSidecar) })).evaluate(req);
  assert.deepEqual({ allowed: withSc.allowed, tls: withSc.clientTls, mtls: withSc.mtls, passthrough: withSc.passthrough }, { allowed: true, tls: 'DISABLE', mtls: false, passthrough: true });
  assert.equal(without.passthrough, undefined);
  const strict = `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: istio-system}
spec: {mtls: {mode: STRICT}}`;
  const reset = compileMesh(Cluster.load({ text: withObjects(revSidecar, strict) })).evaluate(req);
  assert.deepEqual({ allowed: reset.allowed, status: reset.status }, { allowed: false, status: 503 });
});
