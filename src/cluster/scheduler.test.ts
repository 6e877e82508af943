import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from './cluster.js';
import { RangeAllocator } from './ipam.js';
import { podBindingsOf } from './scheduler.js';
import * as loadModule from '../api/load.js';

const pod = (name: string, extraSpec = '', meta = '') => `---
apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: default${meta}}
spec:${extraSpec}
  containers: [{name: c, image: nginx}]
`;

test('host-local: gateway .1 reserved, first pod gets .2, then .3; network and broadcast never', () => {
  const a = new RangeAllocator('10.244.1.0/29');
  assert.deepEqual([a.allocate(), a.allocate(), a.allocate(), a.allocate(), a.allocate(), a.allocate()],
    ['10.244.1.2', '10.244.1.3', '10.244.1.4', '10.244.1.5', '10.244.1.6', undefined]);
  a.release('10.244.1.3');
  assert.equal(a.allocate(), '10.244.1.3');
  assert.equal(a.reserve('10.244.1.4'), false);
});

test('IPv6 ranges have no broadcast address', () => {
  const a = new RangeAllocator('fd00:10:244:1::/126');
  assert.deepEqual([a.allocate(), a.allocate(), a.allocate()], ['fd00:10:244:1::2', 'fd00:10:244:1::3', undefined]);
});

test('pods spread over the default nodes in name order and get IPs from their node range', () => {
  const c = Cluster.load(pod('a') + pod('b') + pod('c') + pod('d', '\n  nodeName: node-1'));
  // CoreDNS (two pods in kube-system) is scheduled too: kube-system sorts after default.
  assert.deepEqual(c.pods('default').map((p) => [p.metadata.name, p.spec?.nodeName, p.status?.podIP, p.status?.hostIP]), [
    ['a', 'node-2', '10.244.2.2', '10.0.2.10'],
    ['b', 'node-1', '10.244.1.3', '10.0.1.10'],
    ['c', 'node-2', '10.244.2.3', '10.0.2.10'],
    ['d', 'node-1', '10.244.1.2', '10.0.1.10'],
  ]);
  const p = c.get<any>('Pod', 'default', 'a');
  assert.equal(p.status.phase, 'Running');
  assert.deepEqual(p.status.podIPs, [{ ip: '10.244.2.2' }]);
  assert.deepEqual(p.status.conditions.find((x: any) => x.type === 'Ready'), { type: 'Ready', status: 'True' });
});

test('hostNetwork pods take the node IP and use no pod address', () => {
  const c = Cluster.load(pod('h', '\n  hostNetwork: true\n  nodeName: node-2') + pod('x', '\n  nodeName: node-2'));
  assert.equal(c.get<any>('Pod', 'default', 'h').status.podIP, '10.0.2.10');
  assert.equal(c.get<any>('Pod', 'default', 'x').status.podIP, '10.244.2.2');
});

test('a pod given with status.podIP keeps it, even without nodeName: it lands on the node owning the address', () => {
  const c = Cluster.load(pod('kept', '', '') + 'status:\n  podIP: 10.244.2.2\n' + pod('new', '\n  nodeName: node-2'));
  assert.deepEqual([c.get<any>('Pod', 'default', 'kept').spec.nodeName, c.get<any>('Pod', 'default', 'kept').status.podIP], ['node-2', '10.244.2.2']);
  assert.equal(c.get<any>('Pod', 'default', 'new').status.podIP, '10.244.2.3');
});

test('IPAM exhaustion is an error on that pod only, which stays Pending', () => {
  const cfg = `apiVersion: podnet.dev/v1alpha1
kind: ClusterConfig
metadata: {name: tiny}
spec:
  nodes: [{name: only, internalIP: 10.0.1.10, podCIDR: 10.244.1.0/30}]
`;
  // A /30 has one usable pod address (.2); CoreDNS takes none here because a pod sorts first by namespace.
  const c = Cluster.load(cfg + pod('p1') + pod('p2'));
  assert.equal(c.get<any>('Pod', 'default', 'p1').status.podIP, '10.244.1.2');
  assert.equal(c.get<any>('Pod', 'default', 'p2').status.phase, 'Pending');
  const errs = c.diagnostics.filter((d) => d.code === 'PN1010').map((d) => d.message);
  assert.ok(errs.includes('Pod default/p2: failed to allocate for range 10.244.1.0/30 on node only: no IP addresses available in range set'), errs.join('\n'));
  assert.equal(errs.length, 3); // p2 and both CoreDNS pods
});

test('nodeSelector and taints restrict scheduling; no feasible node leaves the pod Pending with a warning', () => {
  const cfg = `apiVersion: podnet.dev/v1alpha1
kind: ClusterConfig
metadata: {name: c}
spec:
  nodes:
  - {name: a, internalIP: 10.0.1.10, labels: {gpu: "true"}, taints: [{key: gpu, value: "true", effect: NoSchedule}]}
  - {name: b, internalIP: 10.0.2.10}
`;
  const c = Cluster.load(cfg +
    pod('gpu-ok', '\n  nodeSelector: {gpu: "true"}\n  tolerations: [{key: gpu, operator: Equal, value: "true", effect: NoSchedule}]') +
    pod('gpu-untolerated', '\n  nodeSelector: {gpu: "true"}') + pod('plain'));
  assert.equal(c.get<any>('Pod', 'default', 'gpu-ok').spec.nodeName, 'a');
  assert.equal(c.get<any>('Pod', 'default', 'plain').spec.nodeName, 'b');
  const stuck = c.get<any>('Pod', 'default', 'gpu-untolerated');
  assert.equal(stuck.status.phase, 'Pending');
  assert.equal(stuck.status.podIP, undefined);
  assert.ok(c.diagnostics.some((d) => d.code === 'PN1014' && d.level === 'warning' && d.message.startsWith('Pod default/gpu-untolerated: 0/2 nodes are available')));
  // Nodes carved from the cluster CIDR in order: a = 10.244.1.0/24, b = 10.244.2.0/24.
  assert.deepEqual(c.nodes.map((n) => [n.name, n.podCIDRs]), [['a', ['10.244.1.0/24']], ['b', ['10.244.2.0/24']]]);
});

test('readiness from the podnet.dev/ready annotation, and terminating from deletionTimestamp', () => {
  const c = Cluster.load(pod('slow', '', ', annotations: {podnet.dev/ready: "false"}'));
  const p = c.get<any>('Pod', 'default', 'slow');
  assert.equal(p.status.phase, 'Running');
  assert.equal(p.status.conditions.find((x: any) => x.type === 'Ready').status, 'False');
  assert.equal(p.status.containerStatuses[0].ready, false);
});

test('dual-stack: pods get one address per family, primary first', () => {
  const cfg = `apiVersion: podnet.dev/v1alpha1
kind: ClusterConfig
metadata: {name: ds}
spec:
  ipFamilies: [IPv4, IPv6]
`;
  const c = Cluster.load(cfg + pod('p', '\n  nodeName: node-1'));
  const p = c.get<any>('Pod', 'default', 'p');
  assert.deepEqual(p.status.podIPs, [{ ip: '10.244.1.2' }, { ip: 'fd00:10:244:1::2' }]);
  assert.deepEqual(c.nodes[0].podCIDRs, ['10.244.1.0/24', 'fd00:10:244:1::/64']);
});

test('bindings from an earlier build: running pods keep node and IPs when a pod that sorts first is added', () => {
  const { parseManifestText } = loadModule;
  const three = pod('b') + pod('c') + pod('d');
  const first = Cluster.build(parseManifestText(three, 'f').objects);
  const at = (c: Cluster) => c.pods('default').map((p) => [p.metadata.name, p.spec?.nodeName, p.status?.podIP]);
  assert.deepEqual(at(first), [['b', 'node-1', '10.244.1.2'], ['c', 'node-2', '10.244.2.2'], ['d', 'node-1', '10.244.1.3']]);
  const more = parseManifestText(pod('a') + three, 'f').objects;
  // From scratch, `a` takes b's place and every later pod moves.
  assert.deepEqual(at(Cluster.build(more)), [['a', 'node-1', '10.244.1.2'], ['b', 'node-2', '10.244.2.2'], ['c', 'node-1', '10.244.1.3'], ['d', 'node-2', '10.244.2.3']]);
  const bindings = podBindingsOf(first.pods() as never);
  // With them, b, c and d stay; `a` goes to the least-loaded node and takes its first free address (a CoreDNS pod
  // holds 10.244.2.3).
  assert.deepEqual(at(Cluster.build(more, [], undefined, { bindings })), [['a', 'node-2', '10.244.2.4'], ['b', 'node-1', '10.244.1.2'], ['c', 'node-2', '10.244.2.2'], ['d', 'node-1', '10.244.1.3']]);
  // A binding to a node that is gone, or to an address another pod was given, is dropped: the pod is scheduled afresh.
  const moved = new Map([['default/b', { nodeName: 'node-9', ips: ['10.244.9.2'] }], ['default/c', { nodeName: 'node-2', ips: ['10.244.2.2'] }]]);
  const given = parseManifestText(pod('a', '\n  nodeName: node-2') + 'status:\n  podIP: 10.244.2.2\n' + three, 'f').objects;
  assert.deepEqual(at(Cluster.build(given, [], undefined, { bindings: moved })), [['a', 'node-2', '10.244.2.2'], ['b', 'node-1', '10.244.1.2'], ['c', 'node-1', '10.244.1.3'], ['d', 'node-2', '10.244.2.3']]);
});
