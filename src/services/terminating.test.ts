// kube-proxy's TestTerminatingEndpointsTrafficPolicyLocal / …Cluster (pkg/proxy/nftables/proxier_test.go) replayed:
// the same Service (LoadBalancer 1.2.3.4, ClusterIP 172.30.1.1) and EndpointSlices, the same expected outputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../cluster/cluster.js';
import { servicesModel } from './model.js';
import { packetFlow } from './packet-flow.js';

type Ep = [ip: string, ready: boolean, serving: boolean, terminating: boolean, node: string];
const HERE = 'test-hostname';

function cluster(policy: 'Local' | 'Cluster', eps: Ep[]): Cluster {
  const text = `apiVersion: podnet.dev/v1alpha1
kind: ClusterConfig
metadata: {name: terminating}
spec:
  podCIDR: 10.0.0.0/8
  serviceCIDR: 172.30.0.0/16
  nodePortRange: "3000-32767"
  nodes: [{name: ${HERE}, internalIP: 192.168.0.2}]
---
apiVersion: v1
kind: Service
metadata: {name: svc1, namespace: ns1}
spec:
  type: LoadBalancer
  externalTrafficPolicy: ${policy}
  clusterIP: 172.30.1.1
  ports: [{port: 80, targetPort: 80, protocol: TCP}]
status:
  loadBalancer: {ingress: [{ip: 1.2.3.4}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: svc1-1, namespace: ns1, labels: {kubernetes.io/service-name: svc1}}
addressType: IPv4
ports: [{name: "", port: 80, protocol: TCP}]
endpoints:
${eps.map(([ip, r, s, t, n]) => `- {addresses: [${ip}], nodeName: ${n}, conditions: {ready: ${r}, serving: ${s}, terminating: ${t}}}`).join('\n')}
`;
  return Cluster.load({ text, textName: 'terminating.yaml' });
}

const flows = (c: Cluster) => {
  const m = servicesModel(c);
  return {
    pod: packetFlow(m, HERE, { sourceIP: '10.0.0.2', destIP: '172.30.1.1', destPort: 80 }),
    external: packetFlow(m, HERE, { sourceIP: '203.0.113.2', destIP: '1.2.3.4', destPort: 80 }),
  };
};

const CASES: { name: string; policy: 'Local' | 'Cluster'; eps: Ep[]; pod: string; external: string; externalMasq?: boolean }[] = [
  { name: 'Local: ready endpoints exist', policy: 'Local', eps: [['10.0.1.1', true, true, false, HERE], ['10.0.1.2', true, true, false, HERE], ['10.0.1.3', false, true, true, HERE], ['10.0.1.4', false, false, true, HERE], ['10.0.1.5', true, true, false, 'node-1']],
    pod: '10.0.1.1:80, 10.0.1.2:80, 10.0.1.5:80', external: '10.0.1.1:80, 10.0.1.2:80', externalMasq: false },
  { name: 'Local: only terminating endpoints exist', policy: 'Local', eps: [['10.0.1.2', false, true, true, HERE], ['10.0.1.3', false, true, true, HERE], ['10.0.1.4', false, false, true, HERE], ['10.0.1.5', true, true, false, 'node-1']],
    pod: '10.0.1.5:80', external: '10.0.1.2:80, 10.0.1.3:80', externalMasq: false },
  { name: 'Local: terminating endpoints on remote node', policy: 'Local', eps: [['10.0.1.5', false, true, true, 'node-1']], pod: '10.0.1.5:80', external: 'DROP' },
  { name: 'Local: no usable endpoints on any node', policy: 'Local', eps: [['10.0.1.5', false, false, true, HERE], ['10.0.1.5', false, false, true, 'node-1']], pod: 'REJECT', external: 'REJECT' },
  { name: 'Cluster: ready endpoints exist', policy: 'Cluster', eps: [['10.0.1.1', true, true, false, HERE], ['10.0.1.2', true, true, false, HERE], ['10.0.1.3', false, true, true, 'another-node'], ['10.0.1.4', false, false, true, 'another-node'], ['10.0.1.5', true, true, false, 'another-node']],
    pod: '10.0.1.1:80, 10.0.1.2:80, 10.0.1.5:80', external: '10.0.1.1:80, 10.0.1.2:80, 10.0.1.5:80', externalMasq: true },
  { name: 'Cluster: only terminating endpoints exist', policy: 'Cluster', eps: [['10.0.1.2', false, true, true, HERE], ['10.0.1.3', false, true, true, HERE], ['10.0.1.4', false, false, true, 'another-node'], ['10.0.1.5', false, true, true, 'another-node']],
    pod: '10.0.1.2:80, 10.0.1.3:80, 10.0.1.5:80', external: '10.0.1.2:80, 10.0.1.3:80, 10.0.1.5:80', externalMasq: true },
  // Upstream's expectation for this case is not in the excerpt read; it follows CategorizeEndpoints (cluster set falls back to serving+terminating anywhere).
  { name: 'Cluster: terminating endpoints on remote node', policy: 'Cluster', eps: [['10.0.1.5', false, true, true, 'node-1']], pod: '10.0.1.5:80', external: '10.0.1.5:80', externalMasq: true },
];

for (const c of CASES) {
  test(`terminating endpoints, externalTrafficPolicy ${c.name}`, () => {
    const f = flows(cluster(c.policy, c.eps));
    assert.equal(f.pod.output, c.pod);
    if (f.pod.output.includes(':')) assert.equal(f.pod.masq, false);
    assert.equal(f.external.output, c.external);
    if (c.externalMasq !== undefined) assert.equal(f.external.masq, c.externalMasq);
  });
}
