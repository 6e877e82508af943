import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../cluster/cluster.js';
import { compileMesh } from './index.js';
import { withObjects } from './testdata/fixture.js';

const pa = (ns: string, name: string, spec: string, ts?: string) => `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: ${name}, namespace: ${ns}${ts ? `, creationTimestamp: "${ts}"` : ''}}
spec: ${spec}`;

interface Case { name: string; docs: string[]; pod?: string; port?: number; mode: string; policy?: string; level: string }

const CASES: Case[] = [
  { name: 'nothing: PERMISSIVE default', docs: [], mode: 'PERMISSIVE', level: 'default' },
  { name: 'mesh-wide STRICT', docs: [pa('istio-system', 'default', '{mtls: {mode: STRICT}}')], mode: 'STRICT', policy: 'istio-system/default', level: 'mesh' },
  { name: 'mesh-wide policy outside the root namespace is namespace-wide only', docs: [pa('legacy', 'default', '{mtls: {mode: STRICT}}')], mode: 'PERMISSIVE', level: 'default' },
  { name: 'namespace beats mesh', docs: [pa('istio-system', 'default', '{mtls: {mode: STRICT}}'), pa('shop', 'default', '{mtls: {mode: PERMISSIVE}}')], mode: 'PERMISSIVE', policy: 'shop/default', level: 'namespace' },
  { name: 'namespace UNSET inherits mesh', docs: [pa('istio-system', 'default', '{mtls: {mode: STRICT}}'), pa('shop', 'default', '{mtls: {mode: UNSET}}')], mode: 'STRICT', policy: 'istio-system/default', level: 'mesh' },
  { name: 'workload beats namespace', docs: [pa('shop', 'default', '{mtls: {mode: STRICT}}'), pa('shop', 'backend', '{selector: {matchLabels: {app: backend}}, mtls: {mode: DISABLE}}')], mode: 'DISABLE', policy: 'shop/backend', level: 'workload' },
  { name: 'workload selector not matching', docs: [pa('shop', 'default', '{mtls: {mode: STRICT}}'), pa('shop', 'fe', '{selector: {matchLabels: {app: frontend}}, mtls: {mode: DISABLE}}')], mode: 'STRICT', policy: 'shop/default', level: 'namespace' },
  { name: 'workload without mode inherits namespace', docs: [pa('shop', 'default', '{mtls: {mode: STRICT}}'), pa('shop', 'backend', '{selector: {matchLabels: {app: backend}}}')], mode: 'STRICT', policy: 'shop/default', level: 'namespace' },
  { name: 'port-level on the target port', docs: [pa('shop', 'backend', '{selector: {matchLabels: {app: backend}}, mtls: {mode: STRICT}, portLevelMtls: {"8080": {mode: DISABLE}}}')], mode: 'DISABLE', policy: 'shop/backend', level: 'port' },
  { name: 'port-level keyed by the Service port (80) does not apply to 8080', docs: [pa('shop', 'backend', '{selector: {matchLabels: {app: backend}}, mtls: {mode: STRICT}, portLevelMtls: {"80": {mode: DISABLE}}}')], mode: 'STRICT', policy: 'shop/backend', level: 'workload' },
  { name: 'port-level ignored for a port no Service exposes', docs: [pa('shop', 'backend', '{selector: {matchLabels: {app: backend}}, mtls: {mode: STRICT}, portLevelMtls: {"9090": {mode: DISABLE}}}')], port: 9090, mode: 'STRICT', policy: 'shop/backend', level: 'workload' },
  { name: 'port-level without selector is ignored', docs: [pa('shop', 'default', '{mtls: {mode: STRICT}, portLevelMtls: {"8080": {mode: DISABLE}}}')], mode: 'STRICT', policy: 'shop/default', level: 'namespace' },
  { name: 'port-level UNSET inherits the workload mode', docs: [pa('shop', 'backend', '{selector: {matchLabels: {app: backend}}, mtls: {mode: STRICT}, portLevelMtls: {"8080": {mode: UNSET}}}')], mode: 'STRICT', policy: 'shop/backend', level: 'workload' },
  { name: 'two namespace policies: the oldest wins', docs: [pa('shop', 'b', '{mtls: {mode: DISABLE}}', '2024-02-01T00:00:00Z'), pa('shop', 'a', '{mtls: {mode: STRICT}}', '2024-01-01T00:00:00Z')], mode: 'STRICT', policy: 'shop/a', level: 'namespace' },
  { name: 'two namespace policies without timestamps: first applied wins', docs: [pa('shop', 'z', '{mtls: {mode: DISABLE}}'), pa('shop', 'a', '{mtls: {mode: STRICT}}')], mode: 'DISABLE', policy: 'shop/z', level: 'namespace' },
  { name: 'selector policy in the root namespace does not reach other namespaces', docs: [pa('istio-system', 'sel', '{selector: {matchLabels: {app: backend}}, mtls: {mode: STRICT}}')], mode: 'PERMISSIVE', level: 'default' },
  { name: 'other namespace policy does not apply', docs: [pa('legacy', 'default', '{mtls: {mode: DISABLE}}'), pa('istio-system', 'default', '{mtls: {mode: STRICT}}')], mode: 'STRICT', policy: 'istio-system/default', level: 'mesh' },
];

for (const c of CASES) {
  test(`PeerAuthentication: ${c.name}`, () => {
    const mesh = compileMesh(Cluster.load({ text: withObjects(...c.docs) }));
    const d = mesh.peerAuthentication('shop', c.pod ?? 'backend-v1', c.port ?? 8080);
    assert.deepEqual(d, c.policy ? { mode: c.mode, policy: c.policy, level: c.level } : { mode: c.mode, level: c.level });
  });
}

test('STRICT server: a plaintext client is rejected, a sidecar client gets mTLS with its identity', () => {
  const mesh = compileMesh(Cluster.load({ text: withObjects(pa('istio-system', 'default', '{mtls: {mode: STRICT}}')) }));
  const plain = mesh.evaluate({ from: { kind: 'Pod', namespace: 'legacy', name: 'client' }, to: { kind: 'Service', namespace: 'shop', name: 'backend' }, port: 80, method: 'GET', path: '/' });
  assert.equal(plain.allowed, false);
  assert.equal(plain.mtls, false);
  assert.equal(plain.clientTls, 'DISABLE');
  assert.match(plain.reason, /requires mTLS \(STRICT, istio-system\/default\): connection reset/);
  const meshed = mesh.evaluate({ from: { kind: 'Pod', namespace: 'shop', name: 'frontend' }, to: { kind: 'Service', namespace: 'shop', name: 'backend' }, port: 80, method: 'GET', path: '/' });
  assert.deepEqual({ allowed: meshed.allowed, mtls: meshed.mtls, principal: meshed.sourcePrincipal, tls: meshed.clientTls }, { allowed: true, mtls: true, principal: 'spiffe://cluster.local/ns/shop/sa/frontend', tls: 'ISTIO_MUTUAL' });
});

test('PERMISSIVE accepts plaintext; pod IP dial from a sidecar is passthrough plaintext', () => {
  const mesh = compileMesh(Cluster.load({ text: withObjects() }));
  const direct = mesh.evaluate({ from: { kind: 'Pod', namespace: 'shop', name: 'frontend' }, to: { kind: 'Pod', namespace: 'shop', name: 'backend-v1' }, port: 8080, method: 'GET', path: '/' });
  assert.deepEqual({ allowed: direct.allowed, mtls: direct.mtls, principal: direct.sourcePrincipal, tls: direct.clientTls }, { allowed: true, mtls: false, principal: undefined, tls: 'DISABLE' });
});

test('DISABLE server: auto-mTLS falls back to plaintext; an explicit ISTIO_MUTUAL DestinationRule fails the handshake', () => {
  const dis = pa('shop', 'backend', '{selector: {matchLabels: {app: backend}}, mtls: {mode: DISABLE}}');
  const auto = compileMesh(Cluster.load({ text: withObjects(dis) })).evaluate({ from: { kind: 'Pod', namespace: 'shop', name: 'frontend' }, to: { kind: 'Service', namespace: 'shop', name: 'backend' }, port: 80, method: 'GET', path: '/' });
  assert.deepEqual({ allowed: auto.allowed, mtls: auto.mtls, tls: auto.clientTls }, { allowed: true, mtls: false, tls: 'DISABLE' });
  const dr = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: backend, namespace: shop}
spec: {host: backend, trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}}`;
  const forced = compileMesh(Cluster.load({ text: withObjects(dis, dr) })).evaluate({ from: { kind: 'Pod', namespace: 'shop', name: 'frontend' }, to: { kind: 'Service', namespace: 'shop', name: 'backend' }, port: 80, method: 'GET', path: '/' });
  assert.deepEqual({ allowed: forced.allowed, status: forced.status, tls: forced.clientTls }, { allowed: false, status: 503, tls: 'ISTIO_MUTUAL' });
});
