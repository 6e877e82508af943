// Table-driven edge semantics: host-network pods, node traffic, outside addresses (IPv4 and IPv6), self traffic,
// a CNI that does not enforce, Service/workload/IP targets, named query ports, invalid policies, bad queries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, PolicyQueryError } from './targets.js';
import { validateNetworkPolicy } from './netpol.js';
import { podMatrix } from './matrix.js';
import { e2eObjects, loadModel, np } from './testing.js';
import { hostNetworkNote } from './hostnet.js';

type Obj = Record<string, any>;
const hostPod = (node: string): Obj => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `agent-${node}`, namespace: 'kube-system', labels: { app: 'agent' } }, spec: { hostNetwork: true, nodeName: node, containers: [{ name: 'agent', image: 'agent', ports: [{ containerPort: 9100, name: 'metrics' }] }] } });
const denyAll = (ns: string) => np(ns, 'deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
const web = (ns = 'web'): Obj[] => [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
  { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: ns }, spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 8080, name: 'http' }] }] } } } },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: ns }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } },
];

// x/a runs on node-1 (10.0.1.10), x/b on node-2 (10.0.2.10) in the e2e model.
const CASES: { name: string; objs: Obj[]; config?: Obj; from: string; to: string; port?: number | string; protocol?: 'TCP' | 'UDP' | 'SCTP'; allowed: boolean; egress?: string; ingress?: string; warning?: RegExp }[] = [
  { name: 'a host-network pod is not isolated by a namespace deny-all', objs: [hostPod('node-1'), denyAll('kube-system')], from: 'x/a', to: 'kube-system/agent-node-1', port: 9100, allowed: true, ingress: 'host-network', warning: /uses the host network/ },
  { name: 'a host-network pod is not matched by podSelector peers', objs: [hostPod('node-2'), np('x', 'from-all-pods', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {} }] }] })], from: 'kube-system/agent-node-2', to: 'x/a', port: 80, allowed: false, ingress: 'NetworkPolicy', warning: /uses the host network/ },
  { name: 'a host-network pod on the pod\'s own node counts as the node: allowed', objs: [hostPod('node-1'), denyAll('x')], from: 'kube-system/agent-node-1', to: 'x/a', port: 80, allowed: true, ingress: 'node', warning: /own node/ },
  { name: 'a host-network pod is matched by an ipBlock holding its node IP', objs: [hostPod('node-2'), np('x', 'nodes', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/16' } }] }] })], from: 'kube-system/agent-node-2', to: 'x/a', port: 80, allowed: true, ingress: 'NetworkPolicy', warning: /uses the host network/ },
  { name: 'the node a pod runs on always reaches it (kubelet probes)', objs: [denyAll('x')], from: '10.0.1.10', to: 'x/a', port: 80, allowed: true, egress: 'not-a-pod', ingress: 'node', warning: /kubelet probes/ },
  { name: 'another node is just an address', objs: [denyAll('x')], from: '10.0.2.10', to: 'x/a', port: 80, allowed: false, ingress: 'NetworkPolicy' },
  { name: 'a pod reaches its own node even when egress is isolated', objs: [denyAll('x')], from: 'x/a', to: '10.0.1.10', port: 10250, allowed: true, egress: 'node', warning: /own node/ },
  { name: 'deny-all egress blocks an outside address', objs: [denyAll('x')], from: 'x/a', to: '8.8.8.8', port: 53, protocol: 'UDP', allowed: false, egress: 'NetworkPolicy', ingress: 'not-a-pod' },
  { name: 'ipBlock 0.0.0.0/0 except 10.0.0.0/8 allows the internet', objs: [np('x', 'internet', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }] }] })], from: 'x/a', to: '1.1.1.1', port: 443, allowed: true, egress: 'NetworkPolicy' },
  { name: '... but not the excepted range', objs: [np('x', 'internet', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }] }] })], from: 'x/a', to: '10.9.9.9', port: 443, allowed: false, egress: 'NetworkPolicy' },
  { name: 'an IPv6 ipBlock matches an IPv6 address', objs: [np('x', 'v6', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '2001:db8::/32', except: ['2001:db8:0:1::/64'] } }] }] })], from: 'x/a', to: '2001:db8::1', port: 443, allowed: true, egress: 'NetworkPolicy' },
  { name: '... and its except', objs: [np('x', 'v6', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '2001:db8::/32', except: ['2001:db8:0:1::/64'] } }] }] })], from: 'x/a', to: '2001:db8:0:1::5', port: 443, allowed: false, egress: 'NetworkPolicy' },
  { name: 'an IPv4 ipBlock never matches an IPv6 address', objs: [np('x', 'all-v4', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }] })], from: 'x/a', to: '2001:db8::1', port: 443, allowed: false, egress: 'NetworkPolicy' },
  { name: 'an outside source is matched only by ipBlock', objs: [np('x', 'lb', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '203.0.113.0/24' } }], ports: [{ port: 80 }] }] })], from: '203.0.113.7', to: 'x/b', port: 80, allowed: true, ingress: 'NetworkPolicy' },
  { name: 'a policy without podSelector isolates every pod of its namespace (the API server reads it as {})', objs: [np('x', 'no-selector', { policyTypes: ['Ingress'] })], from: 'y/a', to: 'x/c', port: 80, allowed: false, ingress: 'NetworkPolicy' },
  { name: 'a null podSelector too, and its rules apply to every pod', objs: [np('x', 'null-selector', { podSelector: null, ingress: [{ ports: [{ port: 80 }] }] })], from: 'y/a', to: 'x/b', port: 80, allowed: true, ingress: 'NetworkPolicy' },
  { name: 'a pod always reaches itself', objs: [denyAll('x')], from: 'x/a', to: 'x/a', port: 80, allowed: true, egress: 'self', ingress: 'self', warning: /to itself/ },
  { name: 'flannel does not enforce: allowed, with what an enforcing CNI would do', objs: [denyAll('x')], config: { cni: 'flannel' }, from: 'y/a', to: 'x/a', port: 80, allowed: true, ingress: 'NetworkPolicy', warning: /flannel\) does not enforce NetworkPolicy: the connection is allowed; with an enforcing CNI it would be denied/ },
  { name: 'a named query port resolves on the destination, per protocol', objs: [np('x', 'udp80', { podSelector: {}, ingress: [{ ports: [{ port: 80, protocol: 'UDP' }] }] })], from: 'y/a', to: 'x/a', port: 'serve-80-udp', protocol: 'UDP', allowed: true },
  { name: 'a Service target means its endpoints on the targetPort', objs: [...web(), np('web', 'http-only', { podSelector: {}, ingress: [{ ports: [{ port: 8080 }] }] })], from: 'x/a', to: 'web/svc/web', port: 80, allowed: true, ingress: 'NetworkPolicy' },
  { name: 'a ClusterIP is its Service', objs: [...web(), np('web', 'deny', { podSelector: {} })], from: 'x/a', to: '10.96.0.10', port: 53, protocol: 'UDP', allowed: true, ingress: 'not-isolated' },
  { name: 'a LoadBalancer address from inside is its Service too', objs: [...web().map((o) => (o.kind === 'Service' ? { ...o, spec: { ...o.spec, type: 'LoadBalancer' } } : o)), np('web', 'deny', { podSelector: {} })], from: 'x/a', to: '172.18.255.200', port: 80, allowed: false, ingress: 'NetworkPolicy' },
  { name: 'a workload target means all its pods', objs: [...web(), np('web', 'from-x', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'x' } } }] }] })], from: 'web/deploy/web', to: 'x/b', port: 80, allowed: true },
];

for (const c of CASES) {
  test(`semantics: ${c.name}`, () => {
    const model = loadModel([...e2eObjects(), ...c.objs], c.config);
    assert.deepEqual(model.diagnostics, []);
    const r = check(model, { from: c.from, to: c.to, port: c.port, protocol: c.protocol });
    assert.equal(r.allowed, c.allowed, JSON.stringify(r.targets.map((t) => [t.egress.reason, t.ingress.reason])));
    if (c.egress) assert.deepEqual([...new Set(r.targets.map((t) => t.egress.decidedBy))], [c.egress]);
    if (c.ingress) assert.deepEqual([...new Set(r.targets.map((t) => t.ingress.decidedBy))], [c.ingress]);
    if (c.warning) assert.ok(r.warnings.some((w) => c.warning!.test(w)), JSON.stringify(r.warnings));
    else assert.deepEqual(r.warnings, []);
  });
}

test('semantics: a Service target maps the Service port to each endpoint\'s targetPort and lists every pair', () => {
  const model = loadModel([...e2eObjects(), ...web()]);
  const r = check(model, { from: 'x/a', to: 'web/svc/web', port: 'http' });
  assert.equal(r.targets.length, 2);
  assert.deepEqual(r.targets.map((t) => [t.port, t.protocol, t.portName]), [[8080, 'TCP', 'http'], [8080, 'TCP', 'http']]);
  assert.deepEqual(r.targets.map((t) => t.to.split('-')[0]), ['web/web', 'web/web']);
});

test('semantics: the flannel verdict still reports what an enforcing CNI would do, per direction', () => {
  const model = loadModel([...e2eObjects(), denyAll('x')], { cni: 'flannel' });
  const r = check(model, { from: 'y/a', to: 'x/a', port: 80 });
  assert.deepEqual({ allowed: r.allowed, enforced: r.enforced, wouldBeAllowed: r.wouldBeAllowed, ingress: r.ingress }, { allowed: true, enforced: false, wouldBeAllowed: false, ingress: { allowed: false, isolated: true, policies: ['x/deny-all'] } });
});

const BAD_QUERIES: [string, Parameters<typeof check>[1], string][] = [
  ['unknown pod, with a hint', { from: 'x/a', to: 'web/web', port: 80 }, 'pods "web" not found in namespace "web" (did you mean web/web-'],
  ['unreadable target', { from: 'x/a/b/c', to: 'x/b', port: 80 }, 'cannot read "x/a/b/c": use NAMESPACE/POD, an IP address, NAMESPACE/deploy/NAME (or sts, ds, rs, job) or NAMESPACE/svc/NAME'],
  ['unknown workload kind', { from: 'x/cronjob/a', to: 'x/b', port: 80 }, '"cronjob" in x/cronjob/a is not a workload kind: use deploy, sts, ds, rs, job or svc'],
  ['missing port', { from: 'x/a', to: 'x/b' }, 'give --port: a number, or a container port name of the destination'],
  ['named port the destination lacks', { from: 'x/a', to: 'x/b', port: 'http' }, 'x/b has no container port named "http" with protocol TCP'],
  ['named port to an address', { from: 'x/a', to: '8.8.8.8', port: 'dns' }, '--port dns is a name, but 8.8.8.8 is not a pod: give a number'],
  ['port out of range', { from: 'x/a', to: 'x/b', port: 70000 }, 'port 70000 is out of range: must be between 1 and 65535'],
  ['Service without that port', { from: 'x/a', to: 'web/svc/web', port: 443 }, 'Service web/svc/web has no port 443 (it has 80/TCP "http")'],
  ['unknown Service', { from: 'x/a', to: 'web/svc/nope', port: 80 }, 'services "nope" not found in namespace "web"'],
  ['ExternalName Service', { from: 'x/a', to: 'web/svc/db', port: 5432 }, 'Service web/db is an ExternalName Service (a DNS alias for db.example.com): it has no endpoints; check the address it resolves to instead'],
  ['bad protocol', { from: 'x/a', to: 'x/b', port: 80, protocol: 'ICMP' as never }, 'protocol "ICMP" is not supported: use TCP, UDP or SCTP'],
];
for (const [name, q, message] of BAD_QUERIES) {
  test(`semantics: bad query: ${name}`, () => {
    const model = loadModel([...e2eObjects(), ...web(), { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'web' }, spec: { type: 'ExternalName', externalName: 'db.example.com' } }]);
    assert.throws(() => check(model, q), (e: unknown) => e instanceof PolicyQueryError && e.message.startsWith(message));
  });
}

const INVALID: [string, Obj, string][] = [
  ['endPort without port', { podSelector: {}, ingress: [{ ports: [{ endPort: 90 }] }] }, 'spec.ingress[0].ports[0].endPort: Required value: may not be specified when `port` is not specified'],
  ['endPort with a named port', { podSelector: {}, ingress: [{ ports: [{ port: 'http', endPort: 90 }] }] }, 'spec.ingress[0].ports[0].endPort: Invalid value: 90: may not be specified when `port` is non-numeric'],
  ['endPort below port', { podSelector: {}, ingress: [{ ports: [{ port: 90, endPort: 80 }] }] }, 'spec.ingress[0].ports[0].endPort: Invalid value: 80: must be greater than or equal to `port`'],
  ['an empty peer', { podSelector: {}, ingress: [{ from: [{}] }] }, 'spec.ingress[0].from[0]: Required value: must specify a peer'],
  ['ipBlock with a selector', { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }] }] }, 'spec.egress[0].to[0]: Forbidden: may not specify both ipBlock and another peer'],
  ['except outside cidr', { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['192.168.0.0/16'] } }] }] }, 'spec.egress[0].to[0].ipBlock.except[0]: Invalid value: "192.168.0.0/16": must be a strict subset of `cidr`'],
  ['bad protocol', { podSelector: {}, ingress: [{ ports: [{ protocol: 'ICMP', port: 1 }] }] }, 'spec.ingress[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"'],
];
for (const [name, spec, message] of INVALID) {
  test(`semantics: invalid NetworkPolicy is left out: ${name}`, () => {
    // The loader's validation (src/api) rejects these first; the policy compiler checks again for objects that come
    // another way (e.g. built in code), so both paths are exercised.
    const model = loadModel([...e2eObjects(), np('x', 'bad', spec)]);
    assert.equal(model.networkPolicies.length, 0);
    assert.ok(model.cluster.diagnostics.some((d) => d.level === 'error' && d.object?.name === 'bad'), 'the loader reports it');
    const direct = validateNetworkPolicy(np('x', 'bad', spec));
    assert.deepEqual(direct, [message]);
  });
}

test('semantics: the matrix agrees with check for host-network pods, on their node and off it', () => {
  const model = loadModel([...e2eObjects(), hostPod('node-1'), hostPod('node-2'), denyAll('x'), np('y', 'from-nodes', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.2.0/24' } }] }] })]);
  const m = podMatrix(model, { namespaces: ['x', 'y', 'kube-system'], port: 80 });
  const ks = m.pods.filter((k) => !k.includes('coredns'));
  for (const from of ks) for (const to of ks) {
    const want = check(model, { from, to, port: 80 }).allowed;
    assert.equal(m.allowed(m.pods.indexOf(from), m.pods.indexOf(to)), want, `${from} -> ${to}`);
  }
  // agent-node-1 reaches x/a (same node) but not x/b; y accepts only node-2's address range.
  const at = (a: string, b: string) => m.allowed(m.pods.indexOf(a), m.pods.indexOf(b));
  assert.deepEqual([at('kube-system/agent-node-1', 'x/a'), at('kube-system/agent-node-1', 'x/b'), at('kube-system/agent-node-2', 'y/a'), at('kube-system/agent-node-1', 'y/b')], [true, false, true, false]);
});

test('semantics: an IPv6 single-stack cluster: ipBlocks over pod IPv6 addresses', () => {
  const base = loadModel(e2eObjects(), { ipFamilies: ['IPv6'] });
  const ipOf = (ns: string, name: string) => String((base.cluster.get<Obj>('Pod', ns, name)!.status as Obj).podIP);
  assert.match(ipOf('x', 'b'), /^fd00:10:244:/);
  const model = loadModel([...e2eObjects(), np('x', 'v6', { podSelector: { matchLabels: { pod: 'a' } }, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: `${ipOf('x', 'b')}/128` } }] }] })], { ipFamilies: ['IPv6'] });
  assert.deepEqual(['x/a', 'x/b', 'x/c', 'y/b'].map((to) => check(model, { from: 'x/a', to, port: 80 }).allowed), [true, true, false, false]);
  const m = podMatrix(model, { namespaces: ['x'], port: 80 });
  assert.deepEqual(m.rows(), [[true, true, false], [true, true, true], [true, true, true]]);
});

test('semantics: a host-network end is named in the verdict, with what each CNI does with it', () => {
  for (const cni of ['calico', 'cilium', 'weave', 'flannel'] as const) {
    const model = loadModel([...e2eObjects(), hostPod('node-1'), denyAll('x')], { cni });
    const r = check(model, { from: 'kube-system/agent-node-1', to: 'x/b', port: 80 });
    const note = hostNetworkNote(cni);
    assert.deepEqual(r.hostNetwork, [{ pod: 'kube-system/agent-node-1', node: 'node-1', ip: '10.0.1.10', role: 'source', cni, note }], cni);
    assert.deepEqual(r.targets[0].hostNetwork, r.hostNetwork, cni);
    assert.ok(r.warnings.includes(`kube-system/agent-node-1 uses the host network (node node-1): ${note}`), cni);
    const m = podMatrix(model, { namespaces: ['kube-system', 'x'], port: 80 });
    assert.deepEqual(m.hostNetwork.map((h) => [h.pod, h.index === m.pods.indexOf(h.pod), h.note]), [['kube-system/agent-node-1', true, note]], cni);
  }
  assert.match(hostNetworkNote('calico'), /Calico host endpoints are the exception: a HostEndpoint for the node with a GlobalNetworkPolicy does police this traffic/);
  assert.match(hostNetworkNote('cilium'), /by default an ipBlock does not match node IPs either \(only with policy-cidr-match-mode: nodes\)/);
  const plain = check(loadModel([...e2eObjects(), denyAll('x')]), { from: 'x/a', to: 'x/b', port: 80 });
  assert.equal('hostNetwork' in plain, false);
  assert.equal('hostNetwork' in plain.targets[0], false);
});
