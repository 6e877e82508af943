// kube-proxy's packet-flow tables replayed against podnet's decisions: same inputs (testdata/flows.yaml), same
// expected output and masq bit as pkg/proxy/nftables/proxier_test.go (TestLoadBalancer, TestExternalTrafficPolicy*,
// TestNoEndpointsReject, TestClusterIPGeneral, TestNodePorts). Addresses differ only where one cluster holds several
// of those tests (ClusterIPs, LB IPs and NodePorts are distinct per namespace).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Cluster } from '../cluster/cluster.js';
import { servicesModel } from './model.js';
import { packetFlow } from './packet-flow.js';

const cluster = Cluster.load([fileURLToPath(new URL('../../../src/services/testdata/flows.yaml', import.meta.url))]);
const model = servicesModel(cluster);
const NODE = '192.168.0.2';
const POD = '10.0.0.2';
const EXTERNAL = '203.0.113.2';
const BLOCKED = '203.0.113.130';
const BOTH = '10.180.0.1:80, 10.180.2.1:80';

const FLOWS: [string, string, string, number, string, boolean?, string?][] = [
  // TestLoadBalancer
  ['LB: pod to cluster IP', POD, '172.30.0.41', 80, '10.180.0.1:80', false],
  ['LB: external to nodePort', EXTERNAL, NODE, 3001, '10.180.0.1:80', true],
  ['LB: nodePort bypasses LoadBalancerSourceRanges', BLOCKED, NODE, 3001, '10.180.0.1:80', true],
  ['LB: accepted external to LB1', EXTERNAL, '1.2.3.4', 80, '10.180.0.1:80', true],
  ['LB: accepted external to LB2', EXTERNAL, '5.6.7.8', 80, '10.180.0.1:80', true],
  ['LB: blocked external to LB1', BLOCKED, '1.2.3.4', 80, 'DROP'],
  ['LB: blocked external to LB2', BLOCKED, '5.6.7.8', 80, 'DROP'],
  ['LB: pod to LB1 (blocked by LoadBalancerSourceRanges)', POD, '1.2.3.4', 80, 'DROP'],
  ['LB: node to LB1 (allowed by LoadBalancerSourceRanges)', NODE, '1.2.3.4', 80, '10.180.0.1:80', true],
  ['LB: same node to LB1, SNATted to LB1 (implicitly allowed)', '1.2.3.4', '1.2.3.4', 80, '10.180.0.1:80', true],
  ['LB: same node to LB2, SNATted to LB2 (implicitly allowed)', '5.6.7.8', '5.6.7.8', 80, '10.180.0.1:80', true],
  // TestExternalTrafficPolicyLocal
  ['ETP Local: pod to cluster IP hits both endpoints, unmasqueraded', POD, '172.30.0.42', 80, BOTH, false],
  ['ETP Local: pod to external IP hits both endpoints, unmasqueraded', POD, '192.168.99.11', 80, BOTH, false],
  ['ETP Local: external to external IP hits only local endpoint, unmasqueraded', EXTERNAL, '192.168.99.11', 80, '10.180.2.1:80', false],
  ['ETP Local: pod to LB IP hits both endpoints, unmasqueraded', POD, '1.2.3.5', 80, BOTH, false],
  ['ETP Local: external to LB IP hits only local endpoint, unmasqueraded', EXTERNAL, '1.2.3.5', 80, '10.180.2.1:80', false],
  ['ETP Local: pod to NodePort hits both endpoints, unmasqueraded', POD, NODE, 3002, BOTH, false],
  ['ETP Local: external to NodePort hits only local endpoint, unmasqueraded', EXTERNAL, NODE, 3002, '10.180.2.1:80', false],
  // TestExternalTrafficPolicyCluster
  ['ETP Cluster: pod to cluster IP hits both endpoints, unmasqueraded', POD, '172.30.0.43', 80, BOTH, false],
  ['ETP Cluster: pod to external IP hits both endpoints, masqueraded', POD, '192.168.99.12', 80, BOTH, true],
  ['ETP Cluster: external to external IP hits both endpoints, masqueraded', EXTERNAL, '192.168.99.12', 80, BOTH, true],
  ['ETP Cluster: pod to LB IP hits both endpoints, masqueraded', POD, '1.2.3.6', 80, BOTH, true],
  ['ETP Cluster: external to LB IP hits both endpoints, masqueraded', EXTERNAL, '1.2.3.6', 80, BOTH, true],
  ['ETP Cluster: pod to NodePort hits both endpoints, masqueraded', POD, NODE, 3003, BOTH, true],
  ['ETP Cluster: external to NodePort hits both endpoints, masqueraded', EXTERNAL, NODE, 3003, BOTH, true],
  ['TestNodePorts: node to nodePort', NODE, NODE, 3003, BOTH, true],
  // TestNoEndpointsReject
  ['no endpoints: pod to cluster IP', POD, '172.30.0.44', 80, 'REJECT'],
  ['no endpoints: external to external IP', EXTERNAL, '192.168.99.13', 80, 'REJECT'],
  ['no endpoints: pod to NodePort', POD, NODE, 3004, 'REJECT'],
  ['no endpoints: external to NodePort', EXTERNAL, NODE, 3004, 'REJECT'],
  ['no endpoints: pod to LoadBalancer IP', POD, '1.2.3.7', 80, 'REJECT'],
  ['no endpoints: external to LoadBalancer IP', EXTERNAL, '1.2.3.7', 80, 'REJECT'],
  // TestClusterIPGeneral (the multi-port service)
  ['general: clusterIP with multiple endpoints', '10.180.0.2', '172.30.0.45', 80, BOTH, false],
  ['general: clusterIP with TargetPort', '10.180.0.2', '172.30.0.45', 443, '10.180.0.1:8443, 10.180.2.1:8443', false],
  ['general: TCP on a port shared with UDP and SCTP', '10.180.0.2', '172.30.0.45', 53, '10.180.0.1:5353, 10.180.2.1:5353', false, 'TCP'],
  ['general: UDP on that port', '10.180.0.2', '172.30.0.45', 53, '10.180.0.1:53, 10.180.2.1:53', false, 'UDP'],
  ['general: SCTP on that port', '10.180.0.2', '172.30.0.45', 53, '10.180.0.1:53, 10.180.2.1:53', false, 'SCTP'],
];

for (const [name, sourceIP, destIP, destPort, output, masq, protocol] of FLOWS) {
  test(`packet flow: ${name}`, () => {
    const r = packetFlow(model, 'test-hostname', { sourceIP, destIP, destPort, protocol }, 'nftables');
    assert.equal(r.output, output);
    if (masq !== undefined) assert.equal(r.masq, masq);
  });
}

test('packet flow: unmatched ClusterIP traffic differs by mode, as in TestClusterIPGeneral', () => {
  const flow = (destIP: string, destPort: number, protocol = 'TCP') => ({ sourceIP: '10.180.0.2', destIP, destPort, protocol });
  assert.deepEqual(packetFlow(model, 'test-hostname', flow('172.30.0.45', 80, 'UDP'), 'nftables'), { output: 'REJECT', masq: false });
  assert.deepEqual(packetFlow(model, 'test-hostname', flow('172.30.0.45', 8080), 'nftables'), { output: 'REJECT', masq: false });
  assert.deepEqual(packetFlow(model, 'test-hostname', flow('172.30.0.50', 80), 'nftables'), { output: 'DROP', masq: false });
  assert.deepEqual(packetFlow(model, 'test-hostname', flow('172.30.0.45', 8080), 'iptables'), { output: '', masq: false });
});

test('packet flow: hairpin to cluster IP is masqueraded', () => {
  assert.deepEqual(packetFlow(model, 'test-hostname', { sourceIP: '10.180.0.1', destIP: '172.30.0.41', destPort: 80 }), { output: '10.180.0.1:80', masq: true });
});
