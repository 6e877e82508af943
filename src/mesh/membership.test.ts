import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../cluster/cluster.js';
import { compileMesh } from './index.js';
import { membershipOf } from './membership.js';
import { withObjects } from './testdata/fixture.js';

test('membership and identities of the fixture pods', () => {
  const mesh = compileMesh(Cluster.load({ text: withObjects() }));
  const rows = [...mesh.memberships.values()].filter((m) => m.namespace !== 'kube-system').map((m) => [`${m.namespace}/${m.pod}`, m.dataPlane, m.identity ?? '-', m.revision ?? '-']);
  assert.deepEqual(rows, [
    ['amb/amb-client', 'ambient', 'spiffe://cluster.local/ns/amb/sa/amb', '-'],
    ['ld/ld-client', 'linkerd', 'client.ld.serviceaccount.identity.linkerd.cluster.local', '-'],
    ['ld/ld-server', 'linkerd', 'server.ld.serviceaccount.identity.linkerd.cluster.local', '-'],
    ['legacy/client', 'none', '-', '-'],
    ['legacy/web', 'none', '-', '-'],
    ['rev/rev-pod', 'sidecar', 'spiffe://cluster.local/ns/rev/sa/default', 'canary'],
    ['shop/backend-v1', 'sidecar', 'spiffe://cluster.local/ns/shop/sa/backend', 'default'],
    ['shop/backend-v2', 'sidecar', 'spiffe://cluster.local/ns/shop/sa/backend', 'default'],
    ['shop/frontend', 'sidecar', 'spiffe://cluster.local/ns/shop/sa/frontend', 'default'],
    ['shop/no-sidecar', 'none', '-', '-'],
  ]);
  assert.equal(mesh.membership('kube-system', [...mesh.memberships.values()].find((m) => m.namespace === 'kube-system')!.pod)?.dataPlane, 'none');
});

test('injection precedence table', () => {
  const pod = (labels: Record<string, string> = {}, extra: Record<string, unknown> = {}) => ({ metadata: { name: 'p', namespace: 'n', labels }, spec: { containers: [], ...extra } });
  const ns = (labels: Record<string, string> = {}, annotations: Record<string, string> = {}) => ({ metadata: { name: 'n', labels, annotations } });
  const cases: [string, ReturnType<typeof pod>, ReturnType<typeof ns>, string][] = [
    ['namespace enabled', pod(), ns({ 'istio-injection': 'enabled' }), 'sidecar'],
    ['pod false beats namespace enabled', pod({ 'sidecar.istio.io/inject': 'false' }), ns({ 'istio-injection': 'enabled' }), 'none'],
    ['namespace disabled beats pod true', pod({ 'sidecar.istio.io/inject': 'true' }), ns({ 'istio-injection': 'disabled' }), 'none'],
    ['pod true alone', pod({ 'sidecar.istio.io/inject': 'true' }), ns(), 'sidecar'],
    ['revision label', pod(), ns({ 'istio.io/rev': '1-22' }), 'sidecar'],
    ['hostNetwork never injected', pod({}, { hostNetwork: true }), ns({ 'istio-injection': 'enabled' }), 'none'],
    ['ambient namespace', pod(), ns({ 'istio.io/dataplane-mode': 'ambient' }), 'ambient'],
    ['ambient opt-out', pod({ 'istio.io/dataplane-mode': 'none' }), ns({ 'istio.io/dataplane-mode': 'ambient' }), 'none'],
    ['sidecar wins over ambient', pod(), ns({ 'istio-injection': 'enabled', 'istio.io/dataplane-mode': 'ambient' }), 'sidecar'],
    ['linkerd namespace annotation', pod(), ns({}, { 'linkerd.io/inject': 'enabled' }), 'linkerd'],
    ['nothing', pod(), ns(), 'none'],
  ];
  for (const [name, p, n, want] of cases) assert.equal(membershipOf(p, n, 'cluster.local').dataPlane, want, name);
});
