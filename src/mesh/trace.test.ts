import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Cluster } from '../cluster/cluster.js';
import { trace } from '../trace/trace.js';
import { defaultComponents } from '../trace/components.js';
import { withObjects } from './testdata/fixture.js';

const DIR = fileURLToPath(new URL('../../../src/mesh/testdata/analyze', import.meta.url));

test('trace: the sidecar routes and picks the endpoint (no kube-proxy DNAT); inbound shows the mTLS identity', () => {
  const cluster = Cluster.load([DIR]);
  const r = trace(cluster, { from: 'shop/frontend', to: 'http://backend.shop/api/x', seed: 1, components: defaultComponents() });
  assert.equal(r.verdict, 'delivered');
  assert.deepEqual(r.hops.map((h) => h.step), ['dns', 'route', 'mesh-outbound', 'policy-egress', 'route', 'policy-ingress', 'mesh-inbound', 'deliver', 'reply']);
  const out = r.hops[2];
  assert.match(out.text, /^sidecar \(outbound Envoy\) of shop\/frontend: http\[0\] of VirtualService shop\/backend; cluster outbound\|80\|v1\|backend\.shop\.svc\.cluster\.local; /);
  assert.equal((out.detail as { subset: string }).subset, 'v1');
  assert.deepEqual((r.hops[6].detail as Record<string, unknown>).sourcePrincipal, 'spiffe://cluster.local/ns/shop/sa/frontend');
});

test('trace: a plaintext client is reset at the STRICT inbound sidecar', () => {
  const r = trace(Cluster.load([DIR]), { from: 'legacy/client', to: 'http://backend.shop/', seed: 1, components: defaultComponents() });
  assert.deepEqual({ verdict: r.verdict, at: r.dropAt }, { verdict: 'dropped', at: 'mesh-inbound' });
  assert.match(r.dropReason!, /requires mTLS \(STRICT, shop\/default\): connection reset$/);
  assert.ok(r.hops.some((h) => h.step === 'dnat'), 'an unmeshed client still goes through kube-proxy');
});

test('trace: without mesh objects or meshed pods, no mesh hops', () => {
  const plain = withObjects().replace('labels: {istio-injection: enabled}', 'labels: {}').replace('labels: {istio.io/dataplane-mode: ambient}', 'labels: {}').replace('labels: {istio.io/rev: canary}', 'labels: {}').replace('annotations: {linkerd.io/inject: enabled}', 'annotations: {}');
  const r = trace(Cluster.load({ text: plain }), { from: 'shop/frontend', to: 'http://backend.shop/', seed: 1, components: defaultComponents() });
  assert.equal(r.hops.some((h) => h.step.startsWith('mesh')), false);
  assert.equal(r.verdict, 'delivered');
});

test('trace: VirtualService 404 stops at the outbound sidecar', () => {
  const vs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: backend, namespace: shop}
spec: {hosts: [backend], http: [{match: [{uri: {prefix: /only}}], route: [{destination: {host: backend}}]}]}`;
  const r = trace(Cluster.load({ text: withObjects(vs) }), { from: 'shop/frontend', to: 'http://backend.shop/other', seed: 1, components: defaultComponents() });
  assert.deepEqual({ verdict: r.verdict, at: r.dropAt }, { verdict: 'dropped', at: 'mesh-outbound' });
  assert.equal(r.dropReason, 'no http rule of VirtualService shop/backend matches GET /other: 404 (NR)');
});

test('trace: a host hidden by the Sidecar resource goes through kube-proxy and arrives in plaintext', () => {
  const docs = [`apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: rev}
spec: {egress: [{hosts: ["./*"]}]}`, `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: istio-system}
spec: {mtls: {mode: STRICT}}`];
  const r = trace(Cluster.load({ text: withObjects(...docs) }), { from: 'rev/rev-pod', to: 'http://backend.shop/', seed: 1, components: defaultComponents() });
  assert.deepEqual({ verdict: r.verdict, at: r.dropAt }, { verdict: 'dropped', at: 'mesh-inbound' });
  assert.ok(r.hops.some((h) => h.step === 'dnat'));
  assert.equal(r.hops.some((h) => h.step === 'mesh-outbound'), false);
  assert.match(r.dropReason!, /^to a pod IP: PassthroughCluster, plaintext; shop\/backend-v\d port 8080 requires mTLS/);
});
