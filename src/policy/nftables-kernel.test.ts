// The kernel as the referee of the policy renderer: for every example and the e2e battery (upstream NetworkPolicy
// families, AdminNetworkPolicy/BaselineAdminNetworkPolicy tiers, and node/ipBlock/named-port cases of our own), the
// `podnet policy-rules` text of each node is loaded with `nft -f` into a tiny topology of network namespaces, and real
// TCP/UDP connections between every pair of pods and nodes, on every port where a verdict may change (probePorts),
// must agree 100% with the model's verdict (evaluateFlow). SCTP is not probed where the kernel has no SCTP sockets.
// One topology per case family; between cases only the rules are reloaded.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { Cluster } from '../cluster/cluster.js';
import { listNamespaces } from '../realize/netns.js';
import { runOk } from '../realize/run.js';
import { kernelTest } from '../realize/testing.js';
import { ADMIN_CASES, NETPOL_CASES } from './e2e-cases.js';
import { evaluateFlow, ipEnd, podEnd, type FlowEnd } from './evaluate.js';
import { PolicyTopology, removeStaleGroups, type ProbeSpec } from './kernel-testing.js';
import { resolveNamedPort } from './ports.js';
import { compilePolicies, type PolicyModel } from './model.js';
import { parseIP } from './select.js';
import { anp, banp, e2eObjects, loadModel, np, type Case } from './testing.js';
import type { PodObj } from './classes.js';
import type { Direction } from './netpol.js';

type Obj = Record<string, any>;
const FAST_MS = 300;
const SLOW_MS = 3000;
/** Probes in flight over the topology: each agent's share of the drops is waited out in one round of FAST_MS, not two. */
const IN_FLIGHT = 320;
const example = (...p: string[]) => p.map((d) => new URL(`../../../examples/${d}`, import.meta.url).pathname);
const nsName = (n: string) => ({ matchLabels: { 'kubernetes.io/metadata.name': n } });
const X = { namespaces: nsName('x') };
const A = { matchLabels: { pod: 'a' } };

/** Our own cases: traffic to and from nodes, ipBlocks of node IPs, egress named ports, ANP Pass down to BANP egress. */
const KERNEL_CASES: Case[] = [
  { name: 'K1 ANP Deny egress to every node', policies: () => [anp('no-nodes', { priority: 5, subject: X, egress: [{ name: 'deny-nodes', action: 'Deny', to: [{ nodes: {} }] }] })], probes: [] },
  { name: 'K2 default deny ingress: the own node still reaches its pods', policies: () => [np('x', 'deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] })], probes: [] },
  { name: 'K3 ingress from an ipBlock holding node-2', policies: () => [np('x', 'from-node-2', { podSelector: A, ingress: [{ from: [{ ipBlock: { cidr: '10.0.2.0/24' } }] }] })], probes: [] },
  { name: 'K4 egress named port to an ipBlock', policies: () => [np('x', 'named-egress', { podSelector: A, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.244.0.0/16', except: ['10.244.2.0/24'] } }], ports: [{ port: 'serve-81-udp', protocol: 'UDP' }, { port: 'serve-80-tcp' }] }] })], probes: [] },
  { name: 'K5 ANP Pass to a BANP egress Deny, Allow for y', policies: () => [anp('pass-z', { priority: 3, subject: X, egress: [{ name: 'pass-z', action: 'Pass', to: [{ namespaces: nsName('z') }] }, { name: 'allow-y-81', action: 'Allow', to: [{ namespaces: nsName('y') }], ports: [{ portRange: { start: 80, end: 81 } }] }] }), banp({ subject: X, egress: [{ name: 'deny-all', action: 'Deny', to: [{ networks: ['0.0.0.0/0'] }] }] })], probes: [] },
  { name: 'K6 ANP Deny with networks over pod IPs beats NetworkPolicy allow', policies: () => [np('y', 'allow', { podSelector: {}, ingress: [{}] }), anp('no-node-1-pods', { priority: 1, subject: { namespaces: nsName('z') }, egress: [{ name: 'deny', action: 'Deny', to: [{ networks: ['10.244.1.0/24'] }] }] })], probes: [] },
];

interface End { netns?: string; ip: string; end: FlowEnd; label: string }

function ends(model: PolicyModel, topo: PolicyTopology): End[] {
  const out: End[] = [];
  for (const p of topo.pods) {
    const [ns, name] = p.key.split('/');
    const pod = model.cluster.get<PodObj>('Pod', ns, name);
    if (!pod) throw new Error(`the topology's pod ${p.key} is not in this case's model`);
    out.push({ netns: p.netns, ip: p.ip, end: podEnd(model, pod), label: p.key });
  }
  for (const n of topo.nodes) out.push({ netns: n.netns, ip: n.ip, end: ipEnd(model, parseIP(n.ip)!), label: `node ${n.name}` });
  return out;
}

/**
 * Where a verdict may change, per protocol (TCP and UDP: this kernel has no SCTP sockets): port 1, 80 (the e2e
 * servers' port), and each rule port's start and end + 1, named ports where some pod resolves them.
 */
function kernelPorts(model: PolicyModel): { protocol: 'TCP' | 'UDP'; port: number }[] {
  const marks = { TCP: new Set([1, 80]), UDP: new Set([1, 80]) };
  const specs = [...model.networkPolicies, ...model.adminPolicies, ...(model.baseline ? [model.baseline] : [])].flatMap((p) => [...p.rules.Ingress, ...p.rules.Egress]).flatMap((r) => r.ports ?? []);
  for (const s of specs) {
    if (s.protocol === 'SCTP') continue;
    const add = (from: number, to: number) => { marks[s.protocol as 'TCP' | 'UDP'].add(from); if (to < 65535) marks[s.protocol as 'TCP' | 'UDP'].add(to + 1); };
    if (s.name !== undefined) for (const c of model.index.classes) { const port = resolveNamedPort(c.ports, s.name, s.protocol); if (port !== undefined) add(port, port); }
    else if (s.port !== undefined) add(s.port, s.endPort ?? s.port);
  }
  return (['TCP', 'UDP'] as const).flatMap((protocol) => [...marks[protocol]].sort((a, b) => a - b).map((port) => ({ protocol, port })));
}

/** Whether some tier (ANP, an isolating NetworkPolicy, BANP) applies to this end for the direction. */
function subject(model: PolicyModel, e: FlowEnd, dir: Direction): boolean {
  if (e.kind !== 'pod' || e.cls.hostNetwork) return false;
  const id = e.cls.id;
  return model.isolatedBy[dir][id].length > 0 || model.adminFor[id].some((i) => model.adminPolicies[i].rules[dir].length > 0) || (model.baseline?.subject.has(id) === true && model.baseline.rules[dir].length > 0);
}

/** Probes every pair on every probe port; returns the flows counted and a line per disagreement. */
async function compare(model: PolicyModel, topo: PolicyTopology): Promise<{ flows: number; disagreements: string[] }> {
  const all = ends(model, topo);
  const flows: { spec: ProbeSpec; want: boolean; text: string; reason: () => string }[] = [];
  for (const src of all) for (const dst of all) {
    if (src === dst || (src.end.kind === 'ip' && dst.end.kind === 'ip')) continue;
    // A pair no tier touches (no chain for the source's egress nor the destination's ingress) is probed once.
    const ports = subject(model, src.end, 'Egress') || subject(model, dst.end, 'Ingress') ? kernelPorts(model) : [{ protocol: 'TCP' as const, port: 80 }];
    for (const { protocol, port } of ports) {
      const v = evaluateFlow(model, src.end, dst.end, port, protocol);
      flows.push({ spec: { from: src.netns!, ip: dst.ip, port, protocol }, want: v.allowed, text: `${src.label} -> ${dst.label} (${dst.ip}) ${port}/${protocol}`, reason: () => `${v.egress.reason}; ${v.ingress.reason}` });
    }
  }
  const got = await topo.probe(flows.map((f) => f.spec), FAST_MS, IN_FLIGHT);
  // A connection the model allows that timed out under load gets one slow retry; a drop never turns into an allow.
  const slow = flows.map((f, i) => i).filter((i) => flows[i].want && !got[i].ok && got[i].error === 'timeout');
  if (slow.length > 0) (await topo.probe(slow.map((i) => flows[i].spec), SLOW_MS)).forEach((r, k) => { got[slow[k]] = r; });
  const disagreements = flows.flatMap((f, i) => (f.want === got[i].ok ? [] : [`${f.text}: model ${f.want ? 'allowed' : 'denied'}, kernel ${got[i].ok ? 'connected' : got[i].error} — ${f.reason()}`]));
  return { flows: flows.length, disagreements };
}

/** One topology for every model of the family (same pods, IPs and nodes), the rules reloaded per model. */
async function family(t: TestContext, label: string, models: { name: string; model: PolicyModel }[]): Promise<void> {
  const tcp = new Set<number>(), udp = new Set<number>();
  for (const { model } of models) for (const p of kernelPorts(model)) (p.protocol === 'TCP' ? tcp : udp).add(p.port);
  const start = Date.now();
  const topo = await PolicyTopology.build(models[0].model, { tcp: [...tcp], udp: [...udp] });
  const built = Date.now() - start;
  let flows = 0;
  const disagreements: string[] = [];
  try {
    for (const { name, model } of models) {
      for (const p of topo.pods) {
        const [ns, n] = p.key.split('/');
        const pod = model.cluster.get<PodObj>('Pod', ns, n);
        assert.equal(pod?.status?.podIP, p.ip, `${name}: ${p.key} has the topology's IP`);
        assert.equal(pod?.spec?.nodeName, p.node, `${name}: ${p.key} is on the topology's node`);
      }
      await topo.load(model);
      const r = await compare(model, topo);
      flows += r.flows;
      disagreements.push(...r.disagreements.map((d) => `${name}: ${d}`));
    }
  } finally {
    await topo.destroy();
    assert.deepEqual((await listNamespaces()).filter((n) => n.startsWith(topo.prefix)), [], 'every namespace of the topology is gone');
  }
  t.diagnostic(`${label}: ${flows - disagreements.length}/${flows} flows agree (${models.length} cases, ${topo.pods.length} pods, ${topo.nodes.length} nodes; topology ${built} ms, total ${Date.now() - start} ms)`);
  assert.deepEqual(disagreements.slice(0, 40), [], `${disagreements.length} disagreements`);
}

function caseModels(cases: readonly Case[], config?: Obj): { name: string; model: PolicyModel }[] {
  return cases.map((c) => {
    const objs = e2eObjects({ nsLabels: c.nsLabels, podLabels: c.podLabels });
    const base = loadModel(objs, config);
    const ip = (key: string) => { const [ns, name] = key.split('/'); return String((base.cluster.get<Obj>('Pod', ns, name)!.status as Obj).podIP); };
    return { name: c.name, model: loadModel([...objs, ...c.policies(ip)], config) };
  });
}

/**
 * The kernel battery: one or more e2e cases per family whose rules reach the renderer differently (variants that differ
 * only in how a selector is written — matchExpressions, label updates, the default namespace label, a second policy
 * of the same shape — are left to the model's own tests, which run all 50), every ANP/BANP case, and ours.
 */
const NETPOL_FAMILIES = new Set(['1', '2', '3', '6', '9', '10', '13', '14', '16', '17', '18', '19', '25', '26', '27', '29', '30', '31', '34', '35', '36', '40', '43', '44', '47', '48', '49', '50']);
const BATTERY = [...NETPOL_CASES.filter((c) => NETPOL_FAMILIES.has(c.name.split(' ')[0])), ...ADMIN_CASES, ...KERNEL_CASES];
/** A cross-section for the bridge CNI: deny, selectors AND, named ports, endPort, ipBlock/except, DNS, tiers, nodes. */
const CROSS_SECTION = ['2 ', '10 ', '17 ', '19 ', '35 ', '47 ', '49 ', '50 ', 'ANP 3 ', 'BANP 2 ', 'K1 ', 'K2 ', 'K4 ', 'K5 '];
const crossSection = BATTERY.filter((c) => CROSS_SECTION.some((s) => c.name.startsWith(s)));

kernelTest('kernel: the e2e battery on calico (routed cali veths) agrees with the model', (t) => family(t, 'calico e2e battery', caseModels(BATTERY)), { timeout: 300_000 });
kernelTest('kernel: a cross-section on weave (bridge, pods matched by IP) and flannel (nothing rendered) agree with the model', (t) => family(t, 'weave cross-section + flannel', [
  ...caseModels(crossSection, { cni: 'weave' }),
  ...caseModels(BATTERY.filter((c) => c.name.startsWith('2 ')), { cni: 'flannel' }).map((m) => ({ ...m, name: `flannel ${m.name}` })),
]), { timeout: 180_000 });
kernelTest('kernel: every example (and the golden tiers.yaml) agrees with the model', async (t) => {
  const load = (...paths: string[]) => compilePolicies(Cluster.load({ paths: example(...paths) }));
  await family(t, 'examples/shop, examples/shop/app + seed-policies', [{ name: 'examples/shop', model: load('shop') }, { name: 'examples/shop/app + examples/seed-policies', model: load('shop/app', 'seed-policies') }]);
  await family(t, 'examples/mesh-canary', [{ name: 'examples/mesh-canary', model: load('mesh-canary') }]);
  const tiers = compilePolicies(Cluster.load({ paths: [new URL('../../../src/policy/testdata/tiers.yaml', import.meta.url).pathname] }));
  await family(t, 'the golden tiers.yaml (weave, one node)', [{ name: 'tiers.yaml', model: tiers }]);
}, { timeout: 240_000 });

kernelTest('kernel: namespaces left by a killed run are removed, those of a live run are kept', async () => {
  const dead = 'pnkpdead-stale', live = 'pnkpbeef-live';
  writeFileSync(join(tmpdir(), 'pnkp-beef.pid'), String(process.pid));
  try {
    await runOk('ip', ['-batch', '-'], { input: `netns add ${dead}\nnetns add ${live}\n` });
    assert.deepEqual(await removeStaleGroups(), [dead]);
    assert.deepEqual((await listNamespaces()).filter((n) => n === dead || n === live), [live]);
  } finally {
    await runOk('ip', ['-batch', '-'], { input: (await listNamespaces()).filter((n) => n === dead || n === live).map((n) => `netns delete ${n}`).join('\n') + '\n' });
    rmSync(join(tmpdir(), 'pnkp-beef.pid'), { force: true });
  }
});
