// NetworkPolicy, AdminNetworkPolicy and BaselineAdminNetworkPolicy enforced in netfilter: the nft transaction for one
// node, rendered from the compiled policy model (the classes, compiled selectors and isolation `check` decides with).
// Calico-like: per pod and direction, chains entered by the pod's host-side interface (routed veths) or, for bridge
// CNIs, by its IP (br_netfilter shows the bridge, not the port, to the inet hooks; weave-npc matches IPs too), walking
// the tiers AdminNetworkPolicy (priority order, first match) -> NetworkPolicy -> BaselineAdminNetworkPolicy.
// Verdicts: `return` = this direction allows (the other direction is checked next), `drop` = denied.
import type { NodeInfo } from '../cluster/nodes.js';
import { cniProfile, hostVethName } from '../net/cni.js';
import type { Family } from '../net/cidr.js';
import type { AdminRule, CompiledAdminPolicy } from './admin.js';
import { podIPs, podKey, type PodClass, type PodObj } from './classes.js';
import type { PolicyModel } from './model.js';
import type { CompiledNetworkPolicy, CompiledPeer, CompiledRule, Direction } from './netpol.js';
import {
  adminRuleAddresses, familySuffix, FAMILIES, ipKeyword, namedPortElements, networkPolicyRuleAddresses, nftComment, nftName,
  planPorts, portMatches, rangesToCidrs, type Addresses, type NftSet, type SetRegistry,
} from './nft-match.js';
import type { Bitset } from './bitset.js';
import type { PortSpec } from './ports.js';
import { describeSelector, parseIP } from './select.js';
import { pushAll } from '../util/arrays.js';

/** The table every node's policy rules live in (one transaction replaces it whole). */
export const POLICY_TABLE = 'inet podnet-policy';
const T = POLICY_TABLE;

type Action = 'allow' | 'deny' | 'pass';
interface PlannedRule { matches: string[]; action: Action; comment: string }
type TierKind = 'anp' | 'np' | 'banp';
interface Tier { kind: TierKind; rules: PlannedRule[]; isolatedBy: string[] }

const DIRECTIONS: readonly Direction[] = ['Egress', 'Ingress'];
const addrType = (f: Family) => (f === 'IPv4' ? 'ipv4_addr' : 'ipv6_addr');

/**
 * The `nft -f` transaction that enforces the model's policy decisions on `nodeName`: empty of rules (comments only)
 * when the CNI does not enforce NetworkPolicy. Throws on an unknown node.
 */
export function renderPolicyNftables(model: PolicyModel, nodeName: string): string {
  const node = model.nodes.find((n) => n.name === nodeName);
  if (!node) throw new Error(`node "${nodeName}" not found (nodes: ${model.nodes.map((n) => n.name).join(', ')})`);
  const head = `# NetworkPolicy / AdminNetworkPolicy / BaselineAdminNetworkPolicy on node ${node.name} (${model.cni}): the transaction for nft -f.`;
  if (!model.enforced) return `${head}\n# ${model.cni} does not enforce NetworkPolicy: nothing is rendered (podnet check shows what an enforcing CNI would do).\n`;
  return new NodeRenderer(model, node).render(head);
}

class NodeRenderer {
  private readonly sets: SetRegistry = new Map();
  private readonly plans = new Map<string, Tier[]>();
  private readonly byIP: boolean;

  constructor(private readonly model: PolicyModel, private readonly node: NodeInfo) {
    this.byIP = cniProfile(model.cni, model.cluster.config.cniOptions).podAttachment === 'bridge';
  }

  render(head: string): string {
    const { model, node } = this;
    const onNode = (model.cluster.pods() as PodObj[]).filter((p) => p.spec?.nodeName === node.name).sort((a, b) => (podKey(a) < podKey(b) ? -1 : 1));
    const pods = onNode.filter((p) => p.spec?.hostNetwork !== true && podIPs(p).length > 0);
    const hostNetwork = onNode.filter((p) => p.spec?.hostNetwork === true).map(podKey);
    const families = FAMILIES.filter((f) => pods.some((p) => podIPs(p).some((ip) => parseIP(ip)?.family === f)));
    if (families.length === 0) families.push('IPv4');

    const podLines: string[][] = [];
    const dispatch: Record<Direction, string[]> = { Egress: [], Ingress: [] };
    const self: string[] = [];
    for (const pod of pods) {
      const cls = model.index.classes[model.index.classOfPod.get(podKey(pod))!];
      const iface = hostVethName(model.cni, pod.metadata.namespace ?? 'default', pod.metadata.name);
      const ips = podIPs(pod);
      const summary: string[] = [];
      const chains: string[] = [];
      const rules: string[] = [];
      for (const dir of DIRECTIONS) {
        const tiers = this.plan(dir, cls);
        summary.push(`${dir.toLowerCase()}: ${tiers.length === 0 ? 'no policy applies' : tiers.map(describeTier).join(' -> ')}`);
        if (tiers.length === 0) continue;
        const names = tiers.map((t) => nftName(`${t.kind}-${dir.toLowerCase()}-${iface}`));
        names.forEach((n) => chains.push(`add chain ${T} ${n}`));
        tiers.forEach((t, i) => pushAll(rules, renderTier(t, dir, names[i], names[i + 1])));
        if (this.byIP) for (const ip of ips) dispatch[dir].push(`${familyOf(ip)}|${ip} : jump ${names[0]}`);
        else dispatch[dir].push(`"${iface}" : jump ${names[0]}`);
      }
      if (chains.length === 0) { podLines.push([`# ${podKey(pod)} (${iface}, ${ips.join(', ')}): no policy applies`]); continue; }
      if (this.byIP) for (const ip of ips) self.push(`${familyOf(ip)}|${ip} . ${ip}`);
      else self.push(`"${iface}" . "${iface}"`);
      podLines.push([`# ${podKey(pod)} (${iface}, ${ips.join(', ')}): ${summary.join('; ')}`, ...chains, ...rules]);
    }

    const out: string[] = [
      head,
      `# Per pod and direction: AdminNetworkPolicy (priority order) -> NetworkPolicy -> BaselineAdminNetworkPolicy; return = allowed, drop = denied.`,
      `# Pods are matched by ${this.byIP ? `their IP (${model.cni} bridges its pods: the inet hooks see the bridge, not the pod's veth)` : `their host-side interface (${model.cni}'s routed veths)`}; replies pass through conntrack.`,
      ...(hostNetwork.length > 0 ? [`# hostNetwork pods are untouched: ${hostNetwork.join(', ')}`] : []),
      `add table ${T}`,
      `delete table ${T}`,
      `add table ${T} { comment "NetworkPolicy, AdminNetworkPolicy, BaselineAdminNetworkPolicy" ; }`,
      // Just before kube-proxy's filter rules (priority filter), as Calico and weave-npc insert their chains at the top
      // of FORWARD: an egress-denied connection to a Service without endpoints is dropped, not REJECTed.
      `add chain ${T} forward { type filter hook forward priority filter - 1 ; }`,
      `add chain ${T} input { type filter hook input priority filter - 1 ; }`,
      `add chain ${T} output { type filter hook output priority filter - 1 ; }`,
    ];
    const keys = this.byIP ? families.map((f) => ({ f, type: addrType(f), src: `${ipKeyword(f)} saddr`, dst: `${ipKeyword(f)} daddr`, sfx: `-${familySuffix(f)}` })) : [{ f: undefined, type: 'ifname', src: 'iifname', dst: 'oifname', sfx: '' }];
    for (const k of keys) {
      out.push(`add map ${T} from-pod${k.sfx} { type ${k.type} : verdict ; comment "egress chains of the pods on this node" ; }`);
      out.push(`add map ${T} to-pod${k.sfx} { type ${k.type} : verdict ; comment "ingress chains of the pods on this node" ; }`);
      out.push(`add set ${T} self${k.sfx} { type ${k.type} . ${k.type} ; comment "a pod's own traffic back to itself" ; }`);
    }
    out.push(`add rule ${T} forward ct state established,related accept`, `add rule ${T} forward ct state invalid drop`);
    for (const k of keys) out.push(`add rule ${T} forward ${k.src} . ${k.dst} @self${k.sfx} accept comment "a pod cannot block traffic to itself (hairpin through a Service)"`);
    for (const k of keys) out.push(`add rule ${T} forward ${k.src} vmap @from-pod${k.sfx}`);
    for (const k of keys) out.push(`add rule ${T} forward ${k.dst} vmap @to-pod${k.sfx}`);
    out.push(`add rule ${T} input ct state established,related accept`);
    for (const k of keys) out.push(`add rule ${T} input ${k.src} vmap @from-pod${k.sfx}`);
    out.push(`add rule ${T} output ct state established,related accept`);
    for (const k of keys) out.push(`add rule ${T} output ${k.dst} vmap @to-pod${k.sfx}`);

    const sets = [...this.sets.values()];
    if (sets.length > 0) out.push('', '# Peers, one set per policy rule and address family.');
    for (const s of sets) {
      out.push(`add set ${T} ${s.name} { type ${s.type} ;${s.interval ? ' flags interval ;' : ''} comment "${nftComment(s.comment)}" ; }`);
      if (s.elements.length > 0) out.push(`add element ${T} ${s.name} { ${s.elements.join(', ')} }`);
    }
    if (podLines.length > 0) out.push('', '# Pods on this node.');
    podLines.forEach((block, i) => {
      if (i > 0 && (block.length > 1 || podLines[i - 1].length > 1)) out.push('');
      pushAll(out, block);
    });
    const elements = (name: string, list: string[]) => {
      for (const k of keys) {
        const mine = list.filter((e) => !this.byIP || e.startsWith(`${k.f}|`)).map((e) => (this.byIP ? e.slice(e.indexOf('|') + 1) : e));
        if (mine.length > 0) out.push(`add element ${T} ${name}${k.sfx} { ${mine.join(', ')} }`);
      }
    };
    if (dispatch.Egress.length + dispatch.Ingress.length > 0) out.push('', '# Which chains a packet enters: from a pod (egress), to a pod (ingress).');
    elements('from-pod', dispatch.Egress);
    elements('to-pod', dispatch.Ingress);
    elements('self', self);
    return out.join('\n') + '\n';
  }

  /** The tiers a class walks for one direction (pod-agnostic: pods of a class share them). */
  private plan(dir: Direction, cls: PodClass): Tier[] {
    const key = `${dir}|${cls.id}`;
    let tiers = this.plans.get(key);
    if (tiers) return tiers;
    const { model } = this;
    tiers = [];
    const anps = model.adminFor[cls.id].map((i) => model.adminPolicies[i]).filter((a) => a.rules[dir].length > 0);
    if (anps.length > 0) tiers.push({ kind: 'anp', isolatedBy: [], rules: anps.flatMap((a) => a.rules[dir].map((r) => this.adminRule(a, dir, r, cls))) });
    const isolating = model.isolatedBy[dir][cls.id].map((i) => model.networkPolicies[i]);
    // The Baseline tier: Baseline ClusterNetworkPolicies by priority, then the BANP; first match wins, and a Pass there
    // ends the tier as an allow (renderTier: the last tier's pass returns).
    const baseline = model.baselineFor[cls.id].map((i) => model.baselinePolicies[i]).filter((a) => a.rules[dir].length > 0);
    if (isolating.length > 0) tiers.push({ kind: 'np', isolatedBy: isolating.map((p) => p.key), rules: isolating.flatMap((p) => p.rules[dir].map((r) => this.networkPolicyRule(p, dir, r, cls))) });
    else if (baseline.length > 0) tiers.push({ kind: 'banp', isolatedBy: baseline.map((a) => a.key), rules: baseline.flatMap((a) => a.rules[dir].map((r) => this.adminRule(a, dir, r, cls))) });
    this.plans.set(key, tiers);
    return tiers;
  }

  private networkPolicyRule(p: CompiledNetworkPolicy, dir: Direction, r: CompiledRule, cls: PodClass): PlannedRule {
    const d = dir.toLowerCase();
    const base = `np/${p.namespace}/${p.ref.name}/${d}/${r.index}`;
    const peers = r.allPeers ? 'everyone' : r.peers.map(describePeer).join('; ');
    return { action: 'allow', comment: `${p.key} ${d}[${r.index}]`, matches: this.matches(base, `${p.key} ${d}[${r.index}]: ${peers}`, dir, networkPolicyRuleAddresses(this.model, r), r.ports, r.peerClasses, cls) };
  }

  private adminRule(a: CompiledAdminPolicy, dir: Direction, r: AdminRule, cls: PodClass): PlannedRule {
    const d = dir.toLowerCase();
    const base = `${a.kind === 'AdminNetworkPolicy' ? 'anp' : a.kind === 'BaselineAdminNetworkPolicy' ? 'banp' : `cnp-${a.tier.toLowerCase()}`}/${a.name}/${d}/${r.index}`;
    const comment = `${a.key} ${d}[${r.index}]${r.name ? ` ${r.name}` : ''}: ${r.action}`;
    return { action: r.action === 'Allow' ? 'allow' : r.action === 'Deny' ? 'deny' : 'pass', comment, matches: this.matches(base, `${a.key} ${d}[${r.index}]: ${r.peers.map((p) => p.text).join('; ')}`, dir, adminRuleAddresses(this.model, r), r.ports, r.peerClasses, cls) };
  }

  /** The alternatives (one nft rule each) that together match what the policy rule matches for this subject class. */
  private matches(base: string, setComment: string, dir: Direction, addrs: Addresses, ports: readonly PortSpec[] | null, peerClasses: Bitset, cls: PodClass): string[] {
    const field = dir === 'Ingress' ? 'saddr' : 'daddr';
    const plan = planPorts(ports, dir, cls);
    const portAlts = plan === null ? [''] : portMatches(plan);
    const addrAlts = addrs === 'all' ? [''] : portAlts.length === 0 ? [] : FAMILIES.filter((f) => (addrs.get(f)?.length ?? 0) > 0).map((f) => {
      const name = this.useSet({ name: nftName(`${base}/${familySuffix(f)}`), type: addrType(f), interval: true, comment: setComment, elements: rangesToCidrs(addrs.get(f)!, f) });
      return `${ipKeyword(f)} ${field} @${name}`;
    });
    const out: string[] = [];
    for (const a of addrAlts) for (const p of portAlts) out.push([a, p].filter((x) => x !== '').join(' '));
    if (plan && plan.named.length > 0) {
      for (const [f, elements] of namedPortElements(this.model, plan.named, peerClasses)) {
        if (elements.length === 0) continue;
        const name = this.useSet({ name: nftName(`${base}/ports/${familySuffix(f)}`), type: `${addrType(f)} . inet_proto . inet_service`, interval: false, comment: `${setComment} (named ports, resolved per destination pod)`, elements });
        out.push(`${ipKeyword(f)} daddr . meta l4proto . th dport @${name}`);
      }
    }
    return out;
  }

  private useSet(s: NftSet): string {
    if (!this.sets.has(s.name)) this.sets.set(s.name, s);
    return s.name;
  }
}

function familyOf(ip: string): Family { return parseIP(ip)?.family ?? 'IPv4'; }

function describePeer(p: CompiledPeer): string {
  if (p.ipBlock) return `ipBlock ${p.ipBlock.text}`;
  const parts = [];
  if (p.namespaceSelector) parts.push(`namespaceSelector {${describeSelector(p.namespaceSelector)}}`);
  if (p.podSelector || !p.namespaceSelector) parts.push(`podSelector {${describeSelector(p.podSelector)}}`);
  return parts.join(' ');
}

function describeTier(t: Tier): string {
  if (t.kind === 'anp') return 'AdminNetworkPolicy';
  if (t.kind === 'banp') return t.isolatedBy.every((k) => k.startsWith('BaselineAdminNetworkPolicy/')) ? 'BaselineAdminNetworkPolicy' : `the Baseline tier (${t.isolatedBy.join(', ')})`;
  return `isolated by ${t.isolatedBy.join(', ')}`;
}

function renderTier(t: Tier, dir: Direction, chain: string, next: string | undefined): string[] {
  const out: string[] = [];
  const verdict = (a: Action) => (a === 'allow' ? 'return' : a === 'deny' ? 'drop' : next ? `goto ${next}` : 'return');
  if (t.kind === 'np') {
    const local = dir === 'Egress' ? 'fib daddr type local' : 'fib saddr type local';
    out.push(`add rule ${T} ${chain} ${local} counter return comment "traffic between a pod and its own node is always allowed"`);
  }
  for (const r of t.rules) {
    if (r.matches.length === 0) { out.push(`# ${r.comment}: matches nothing for this pod (no peer address, or no port it resolves)`); continue; }
    for (const m of r.matches) out.push(`add rule ${T} ${chain} ${m === '' ? '' : `${m} `}counter ${verdict(r.action)} comment "${nftComment(r.comment)}"`);
  }
  if (t.kind === 'np') out.push(`add rule ${T} ${chain} counter drop comment "${nftComment(isolationComment(t.isolatedBy, dir))}"`);
  else if (t.kind === 'anp' && next) out.push(`add rule ${T} ${chain} goto ${next} comment "no AdminNetworkPolicy rule matched"`);
  return out;
}

/**
 * `production/deny-all ingress: isolated, no rule allows`; several policies (always of the pod's namespace) as
 * `production/{allow-dns, deny-all}`, shortened to the comment limit by naming fewer of them.
 */
function isolationComment(keys: readonly string[], dir: Direction): string {
  const tail = ` ${dir.toLowerCase()}: isolated, no rule allows`;
  const ns = keys[0].slice(0, keys[0].indexOf('/'));
  const names = keys.map((k) => k.slice(k.indexOf('/') + 1));
  if (names.length === 1) return `${keys[0]}${tail}`;
  for (let n = names.length; n >= 1; n--) {
    const text = `${ns}/{${names.slice(0, n).join(', ')}${n < names.length ? ` and ${names.length - n} more` : ''}}${tail}`;
    if (text.length <= 128 || n === 1) return text;
  }
  return tail.trim();
}
