// The endpoint-choice table: for each Service shape, vantage point and entry, the endpoints kube-proxy would use
// (ip:port and probability), the verdict and the masquerade bit. Expectations follow pkg/proxy/topology.go
// (CategorizeEndpoints) and the packet-flow tables of pkg/proxy/iptables/proxier_test.go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Cluster } from '../cluster/cluster.js';
import { decideService } from './decision.js';
import { servicesModel } from './model.js';
import { endpointsFor, EndpointsQueryError, type EndpointsQuery } from './query.js';

const cluster = Cluster.load([fileURLToPath(new URL('../../../src/services/testdata/services.yaml', import.meta.url))]);

interface Case { name: string; q: Omit<EndpointsQuery, 'service'> & { service: string }; verdict: string; eps: string[]; snat?: boolean; vip?: string | null; reason?: RegExp; extra?: (a: ReturnType<typeof endpointsFor>) => void }

const third = 1 / 3;
const p = (ip: string, prob: number) => `${ip} ${prob.toFixed(4)}`;

const CASES: Case[] = [
  { name: 'ClusterIP from a pod: all ready endpoints, uniform', q: { service: 't/web', from: 't/client' }, verdict: 'dnat', eps: [p('10.244.1.101:8080', third), p('10.244.2.101:8080', third), p('10.244.3.101:8080', third)], snat: false, vip: '10.96.100.1' },
  { name: 'ClusterIP from a node: masqueraded (source outside the cluster CIDR)', q: { service: 't/web', node: 'node-2' }, verdict: 'dnat', eps: [p('10.244.1.101:8080', third), p('10.244.2.101:8080', third), p('10.244.3.101:8080', third)], snat: true },
  { name: 'ClusterIP Service from outside: not reachable', q: { service: 't/web', external: true }, verdict: 'none', eps: [], vip: null, reason: /not reachable from outside/ },
  { name: 'NodePort Cluster via node-1: any endpoint, SNAT', q: { service: 't/np-cluster', external: true, node: 'node-1' }, verdict: 'dnat', eps: [p('10.244.1.102:8080', 0.5), p('10.244.2.102:8080', 0.5)], snat: true, vip: '10.0.1.10' },
  { name: 'NodePort Cluster via node-2', q: { service: 't/np-cluster', external: true, node: 'node-2' }, verdict: 'dnat', eps: [p('10.244.1.102:8080', 0.5), p('10.244.2.102:8080', 0.5)], snat: true, vip: '10.0.2.10' },
  { name: 'NodePort Cluster via node-3 (no local endpoint): still any endpoint', q: { service: 't/np-cluster', external: true, node: 'node-3' }, verdict: 'dnat', eps: [p('10.244.1.102:8080', 0.5), p('10.244.2.102:8080', 0.5)], snat: true, vip: '10.0.3.10' },
  { name: 'NodePort Service via its ClusterIP from a pod', q: { service: 't/np-cluster', from: 't/client' }, verdict: 'dnat', eps: [p('10.244.1.102:8080', 0.5), p('10.244.2.102:8080', 0.5)], snat: false, vip: '10.96.100.2' },
  { name: 'NodePort Local via node-1: local endpoint, client IP kept', q: { service: 't/np-local', external: true, node: 'node-1' }, verdict: 'dnat', eps: [p('10.244.1.103:8080', 1)], snat: false, reason: /preserved/ },
  { name: 'NodePort Local via node-2: no local endpoint, DROP', q: { service: 't/np-local', external: true, node: 'node-2' }, verdict: 'drop', eps: [], snat: false, reason: /no local endpoint/ },
  { name: 'NodePort Local via node-3: DROP', q: { service: 't/np-local', external: true, node: 'node-3' }, verdict: 'drop', eps: [] },
  { name: 'NodePort Local Service via ClusterIP from a pod: cluster-wide (ITP Cluster)', q: { service: 't/np-local', from: 't/client' }, verdict: 'dnat', eps: [p('10.244.1.103:8080', 1)], snat: false },
  { name: 'LoadBalancer Local via node-2: its two local endpoints', q: { service: 't/lb-local', external: true, node: 'node-2' }, verdict: 'dnat', eps: [p('10.244.2.104:8080', 0.5), p('10.244.2.105:8080', 0.5)], snat: false, vip: '172.18.255.210' },
  { name: 'LoadBalancer Local via node-1', q: { service: 't/lb-local', external: true, node: 'node-1' }, verdict: 'dnat', eps: [p('10.244.1.104:8080', 1)], snat: false },
  { name: 'LoadBalancer Local via node-3: DROP, health check fails', q: { service: 't/lb-local', external: true, node: 'node-3' }, verdict: 'drop', eps: [], reason: /healthCheckNodePort 30090 answers 503/ },
  { name: 'LoadBalancer Local through its NodePort on node-2', q: { service: 't/lb-local', external: true, node: 'node-2', via: 'nodePort' }, verdict: 'dnat', eps: [p('10.244.2.104:8080', 0.5), p('10.244.2.105:8080', 0.5)], snat: false, vip: '10.0.2.10' },
  { name: 'LoadBalancer with source ranges: allowed client', q: { service: 't/lb-ranges', external: true, node: 'node-1', clientIP: '198.51.100.7' }, verdict: 'dnat', eps: [p('10.244.1.106:8080', 1)], snat: true },
  { name: 'LoadBalancer with source ranges: other client DROPped', q: { service: 't/lb-ranges', external: true, node: 'node-1', clientIP: '203.0.113.10' }, verdict: 'drop', eps: [], reason: /loadBalancerSourceRanges \(198\.51\.100\.0\/24\)/ },
  { name: 'NodePort bypasses loadBalancerSourceRanges', q: { service: 't/lb-ranges', external: true, node: 'node-1', via: 'nodePort', clientIP: '203.0.113.10' }, verdict: 'dnat', eps: [p('10.244.1.106:8080', 1)], snat: true },
  { name: 'internalTrafficPolicy Local, no endpoint on the pod\'s node: DROP', q: { service: 't/itp-local', from: 't/client' }, verdict: 'drop', eps: [], reason: /internalTrafficPolicy is Local/ },
  { name: 'internalTrafficPolicy Local from the node with the endpoint', q: { service: 't/itp-local', node: 'node-2' }, verdict: 'dnat', eps: [p('10.244.2.107:8080', 1)], snat: true },
  { name: 'internalTrafficPolicy Local from a pod on that node', q: { service: 't/itp-local', from: 't/named-b' }, verdict: 'dnat', eps: [p('10.244.2.107:8080', 1)], snat: false },
  { name: 'sessionAffinity ClientIP with timeoutSeconds 600', q: { service: 't/affinity', from: 't/client' }, verdict: 'dnat', eps: [p('10.244.1.108:8080', 0.5), p('10.244.2.108:8080', 0.5)], snat: false, extra: (a) => assert.deepEqual(a.affinity, { type: 'ClientIP', timeoutSeconds: 600 }) },
  { name: 'sessionAffinity ClientIP defaults to 10800 s', q: { service: 't/affinity-default', from: 't/client' }, verdict: 'dnat', eps: [p('10.244.1.109:8080', 1)], extra: (a) => assert.deepEqual(a.affinity, { type: 'ClientIP', timeoutSeconds: 10800 }) },
  { name: 'no ready endpoint: serving+terminating fallback, non-serving never used', q: { service: 't/term', from: 't/client' }, verdict: 'dnat', eps: [p('10.244.1.110:8080', 1)], reason: /serving\+terminating/, extra: (a) => assert.equal(a.endpoints[0].terminating, true) },
  { name: 'ready beats terminating', q: { service: 't/term-ready', from: 't/client' }, verdict: 'dnat', eps: [p('10.244.2.111:8080', 1)] },
  { name: 'only non-serving endpoints: REJECT', q: { service: 't/nonserving', from: 't/client' }, verdict: 'reject', eps: [], reason: /connection refused/ },
  { name: 'only non-serving endpoints, via NodePort: REJECT', q: { service: 't/nonserving', external: true, node: 'node-1' }, verdict: 'reject', eps: [] },
  { name: 'no endpoints, ClusterIP: REJECT', q: { service: 't/empty', from: 't/client' }, verdict: 'reject', eps: [], reason: /has no endpoints/ },
  { name: 'no endpoints, LoadBalancer IP: REJECT', q: { service: 't/empty', external: true }, verdict: 'reject', eps: [], vip: '172.18.255.212' },
  { name: 'no endpoints, NodePort: REJECT', q: { service: 't/empty', external: true, via: 'nodePort', node: 'node-2' }, verdict: 'reject', eps: [], vip: '10.0.2.10' },
  { name: 'externalIPs: external traffic, masqueraded', q: { service: 't/ext-ip', external: true, node: 'node-1' }, verdict: 'dnat', eps: [p('10.244.1.113:8080', 0.5), p('10.244.2.113:8080', 0.5)], snat: true, vip: '192.0.2.50' },
  { name: 'PreferClose from zone-a: only zone-a endpoints', q: { service: 't/topo', from: 't/client' }, verdict: 'dnat', eps: [p('10.244.1.114:8080', 1)], reason: /zone zone-a/ },
  { name: 'PreferClose from zone-b', q: { service: 't/topo', node: 'node-2' }, verdict: 'dnat', eps: [p('10.244.2.114:8080', 0.5), p('10.244.2.115:8080', 0.5)] },
  { name: 'PreferClose from node-3 (zone-a, no local endpoint): zone-a endpoints elsewhere', q: { service: 't/topo', node: 'node-3' }, verdict: 'dnat', eps: [p('10.244.1.114:8080', 1)] },
  { name: 'hints missing on one endpoint: topology ignored', q: { service: 't/topo-partial', from: 't/client' }, verdict: 'dnat', eps: [p('10.244.1.116:8080', 0.5), p('10.244.2.116:8080', 0.5)] },
  { name: 'multi-port: http by number', q: { service: 't/multi', port: 80, from: 't/client' }, verdict: 'dnat', eps: [p('10.244.1.117:8080', 0.5), p('10.244.2.117:8080', 0.5)] },
  { name: 'multi-port: metrics by name, slice port matched by name', q: { service: 't/multi', port: 'metrics', from: 't/client' }, verdict: 'dnat', eps: [p('10.244.1.117:9100', 0.5), p('10.244.2.117:9100', 0.5)] },
  { name: 'named targetPort resolved per pod', q: { service: 't/named', from: 't/client' }, verdict: 'dnat', eps: [p('10.244.1.3:8080', 0.5), p('10.244.2.2:9090', 0.5)], extra: (a) => assert.deepEqual(a.endpoints.map((e) => e.pod), ['t/named-a', 't/named-b']) },
  { name: 'ExternalName: DNS only, no proxying', q: { service: 't/ext', from: 't/client' }, verdict: 'none', eps: [], vip: null, reason: /CNAME to db\.example\.com/ },
  { name: 'headless: no VIP, DNS gives the pods', q: { service: 't/headless', from: 't/client' }, verdict: 'none', eps: [p('10.244.1.3:8080', 0.5), p('10.244.2.2:9090', 0.5)], vip: null, reason: /headless/ },
  { name: 'LoadBalancer ipMode Proxy: the LB IP is not captured, NodePort is used', q: { service: 't/lb-proxy', external: true, node: 'node-1' }, verdict: 'dnat', eps: [p('10.244.1.118:8080', 1)], snat: true, vip: '10.0.1.10' },
  { name: 'ETP Local: local serving+terminating fallback on node-1', q: { service: 't/np-local-term', external: true, node: 'node-1' }, verdict: 'dnat', eps: [p('10.244.1.119:8080', 1)], snat: false },
  { name: 'ETP Local: ready local endpoint on node-2', q: { service: 't/np-local-term', external: true, node: 'node-2' }, verdict: 'dnat', eps: [p('10.244.2.119:8080', 1)] },
  { name: 'ETP Local Service via ClusterIP: the cluster set has the ready endpoint only', q: { service: 't/np-local-term', from: 't/client' }, verdict: 'dnat', eps: [p('10.244.2.119:8080', 1)] },
  { name: 'same port number, UDP', q: { service: 't/dns-like', port: 53, protocol: 'UDP', from: 't/client' }, verdict: 'dnat', eps: [p('10.244.1.120:53', 1)] },
  { name: 'same port number, TCP with its own targetPort', q: { service: 't/dns-like', port: 53, protocol: 'TCP', from: 't/client' }, verdict: 'dnat', eps: [p('10.244.1.120:5353', 1)] },
];

for (const c of CASES) {
  test(`endpoints: ${c.name}`, () => {
    const a = endpointsFor(cluster, c.q);
    assert.equal(a.verdict, c.verdict, a.reason);
    assert.deepEqual(a.endpoints.map((e) => p(`${e.ip}:${e.port}`, e.probability)), c.eps);
    if (c.snat !== undefined) assert.equal(a.snat, c.snat);
    if (c.vip !== undefined) assert.equal(a.vip, c.vip);
    if (c.reason) assert.match(a.reason, c.reason);
    c.extra?.(a);
  });
}

test('endpoints: a multi-port Service needs --port', () => {
  assert.throws(() => endpointsFor(cluster, { service: 't/multi', from: 't/client' }), (e: Error) => e instanceof EndpointsQueryError && /has 2 ports \(http 80\/TCP, metrics 9090\/TCP\): choose one with --port/.test(e.message));
});

test('endpoints: unknown Service and pod are clear errors', () => {
  assert.throws(() => endpointsFor(cluster, { service: 't/nope' }), /services "nope" not found in namespace t/);
  assert.throws(() => endpointsFor(cluster, { service: 't/web', from: 't/ghost' }), /pods "ghost" not found in namespace t/);
});

const model = servicesModel(cluster);
const sp = (name: string) => model.ports.find((x) => x.name === name)!;

test('decision: hairpin — the pod reaches itself through its Service and is masqueraded', () => {
  const d = decideService(model, sp('named'), 'clusterIP', '10.96.100.20', { kind: 'pod', ip: '10.244.1.3', node: 'node-1' }, 'node-1');
  assert.deepEqual(d.endpoints.map((e) => [e.ip, e.hairpin]), [['10.244.1.3', true], ['10.244.2.2', false]]);
  assert.equal(d.snat, false);
  assert.match(d.reason, /hairpin/);
});

test('decision: ETP Local short-circuits pod traffic to the cluster set without SNAT', () => {
  const d = decideService(model, sp('np-local'), 'nodePort', '10.0.3.10', { kind: 'pod', ip: '10.244.3.50', node: 'node-3' }, 'node-3');
  assert.deepEqual([d.verdict, d.endpoints.map((e) => e.ip), d.snat, d.endpointSet], ['dnat', ['10.244.1.103'], false, 'cluster']);
});

test('decision: ETP Local from the node itself (src-type LOCAL) goes cluster-wide and is masqueraded', () => {
  const d = decideService(model, sp('np-local'), 'nodePort', '10.0.3.10', { kind: 'node', ip: '10.0.3.10', node: 'node-3' }, 'node-3');
  assert.deepEqual([d.verdict, d.endpoints.map((e) => e.ip), d.snat], ['dnat', ['10.244.1.103'], true]);
});

test('decision: chain walk names kube-proxy\'s chains', () => {
  const d = decideService(model, sp('np-cluster'), 'nodePort', '10.0.1.10', { kind: 'external', ip: '203.0.113.10' }, 'node-1');
  assert.equal(d.chains.length, 4);
  assert.deepEqual(d.chains.slice(0, 2), ['KUBE-SERVICES', 'KUBE-NODEPORTS']);
  assert.match(d.chains[2], /^KUBE-EXT-[A-Z2-7]{16}$/);
  assert.equal(d.chains[3], d.chains[2].replace('KUBE-EXT-', 'KUBE-SVC-'));
});
