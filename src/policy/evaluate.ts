// One connection's verdict with its reasons: egress at the source pod, ingress at the destination pod, each decided
// by the Admin tier (AdminNetworkPolicies and Admin ClusterNetworkPolicies, priority order, first matching rule) ->
// NetworkPolicy (union of the isolating policies' rules) -> the Baseline tier (Baseline ClusterNetworkPolicies, then
// the BaselineAdminNetworkPolicy) -> allowed. Reply traffic of an allowed connection is allowed implicitly.
import type { NodeInfo } from '../cluster/nodes.js';
import type { AdminAction, AdminPeer, AdminRule, CompiledAdminPolicy } from './admin.js';
import { podIPs, podKey, type ContainerPortInfo, type PodClass, type PodObj, type Protocol } from './classes.js';
import { IMPLEMENTS_ADMIN_POLICY, IMPLEMENTS_CLUSTER_NETWORK_POLICY, type PolicyModel } from './model.js';
import type { CompiledPeer, CompiledRule, Direction } from './netpol.js';
import { hostNetworkEnd, type HostNetworkEnd } from './hostnet.js';
import { portsMatch } from './ports.js';
import { ipBlockHas, parseIP, type ParsedIP } from './select.js';

/** One end of a connection: a pod of the cluster, or an address (a node, or outside the cluster). */
export type FlowEnd =
  | { kind: 'pod'; key: string; pod: PodObj; cls: PodClass; ip?: ParsedIP }
  | { kind: 'ip'; key: string; ip: ParsedIP; node?: NodeInfo };

export type DecidedBy =
  | 'not-a-pod' | 'host-network' | 'self' | 'node'
  | 'AdminNetworkPolicy' | 'NetworkPolicy' | 'BaselineAdminNetworkPolicy' | 'ClusterNetworkPolicy' | 'not-isolated';

export interface RuleRef {
  /** `ns/name` for NetworkPolicies, `AdminNetworkPolicy/NAME`, `BaselineAdminNetworkPolicy/default` or `ClusterNetworkPolicy/NAME`. */
  policy: string;
  direction: Direction;
  /** Index in spec.ingress / spec.egress. */
  rule: number;
  /** ANP/BANP/CNP rule name. */
  name?: string;
  /** Allow, Deny or Pass (a ClusterNetworkPolicy's Accept is Allow here; writtenAction says Accept). */
  action: AdminAction;
  writtenAction?: string;
  /** For ANP/BANP/CNP rules: the tier the policy belongs to. */
  tier?: 'Admin' | 'Baseline';
}

export interface DirectionVerdict {
  allowed: boolean;
  /** A NetworkPolicy selects the pod for this direction. */
  isolated: boolean;
  /** Policies whose rules allowed this direction, or, when denied, the policies that isolate the pod / denied it. */
  policies: string[];
  decidedBy: DecidedBy;
  /** When a ClusterNetworkPolicy, AdminNetworkPolicy or BaselineAdminNetworkPolicy decided: its tier. */
  tier?: 'Admin' | 'Baseline';
  /** The matching rules, in the order they were considered. */
  rules: RuleRef[];
  /** One sentence. */
  reason: string;
  /** The reason without pod names (`allowed by NetworkPolicy ns/a`), the same for every pod of a group. */
  summary: string;
}

export interface Verdict {
  /** What happens on this cluster (with a CNI that does not enforce policy: always true). */
  allowed: boolean;
  egress: DirectionVerdict;
  ingress: DirectionVerdict;
  warnings: string[];
  from: string;
  to: string;
  port: number;
  protocol: Protocol;
  /** The named port the query gave, resolved on the destination pod. */
  portName?: string;
  /** Whether the CNI enforces policy; when false, `wouldBeAllowed` is what an enforcing CNI would do. */
  enforced: boolean;
  wouldBeAllowed: boolean;
  /** Present when an end uses the host network: which, and what this cluster's CNI does with it. */
  hostNetwork?: HostNetworkEnd[];
}

/** Pod ends are immutable: built once per pod and model (a `check` at 10k pods is mostly this lookup). */
const podEnds = new WeakMap<PolicyModel, WeakMap<PodObj, FlowEnd>>();

export function podEnd(model: PolicyModel, pod: PodObj, ip?: string): FlowEnd {
  let cache = podEnds.get(model);
  if (!cache) podEnds.set(model, (cache = new WeakMap()));
  const hit = cache.get(pod);
  if (hit && (ip === undefined || hit.ip?.text === ip)) return hit;
  const key = podKey(pod);
  const end: FlowEnd = { kind: 'pod', key, pod, cls: model.index.classes[model.index.classOfPod.get(key)!], ip: parseIP(ip ?? podIPs(pod)[0]) };
  if (ip === undefined) cache.set(pod, end);
  return end;
}

export function ipEnd(model: PolicyModel, ip: ParsedIP): FlowEnd {
  return { kind: 'ip', key: ip.text, ip, node: model.nodeByIP.get(ip.text) };
}

function endIP(e: FlowEnd): ParsedIP | undefined { return e.ip; }

function npPeerMatches(peer: CompiledPeer, other: FlowEnd): boolean {
  if (peer.ipBlock) return ipBlockHas(peer.ipBlock, endIP(other));
  return other.kind === 'pod' && peer.classes!.has(other.cls.id);
}

function npRuleMatches(rule: CompiledRule, other: FlowEnd, protocol: Protocol, port: number, destPorts: readonly ContainerPortInfo[] | undefined): boolean {
  if (!portsMatch(rule.ports, protocol, port, destPorts)) return false;
  return rule.allPeers || rule.peers.some((p) => npPeerMatches(p, other));
}

function adminPeerMatches(peer: AdminPeer, other: FlowEnd, action: AdminAction): boolean {
  if (peer.failClosed) return action !== 'Allow';
  if (other.kind === 'pod' && peer.classes.has(other.cls.id)) return true;
  if (peer.networks) return peer.networks.some((b) => ipBlockHas(b, other.ip));
  if (peer.nodeIPs && other.ip) return peer.nodeIPs.has(other.ip.text);
  return false;
}

function adminRuleMatches(rule: AdminRule, other: FlowEnd, protocol: Protocol, port: number, destPorts: readonly ContainerPortInfo[] | undefined): boolean {
  if (!portsMatch(rule.ports, protocol, port, destPorts)) return false;
  return rule.peers.some((p) => adminPeerMatches(p, other, rule.action));
}

function firstAdminMatch(policies: readonly CompiledAdminPolicy[], dir: Direction, other: FlowEnd, protocol: Protocol, port: number, destPorts: readonly ContainerPortInfo[] | undefined): { policy: CompiledAdminPolicy; rule: AdminRule } | undefined {
  for (const policy of policies) {
    for (const rule of policy.rules[dir]) if (adminRuleMatches(rule, other, protocol, port, destPorts)) return { policy, rule };
  }
  return undefined;
}

function ruleRef(policy: CompiledAdminPolicy, dir: Direction, rule: AdminRule): RuleRef {
  const ref: RuleRef = { policy: policy.key, direction: dir, rule: rule.index, name: rule.name || undefined, action: rule.action, tier: policy.tier };
  if (rule.writtenAction !== rule.action) ref.writtenAction = rule.writtenAction;
  return ref;
}

/** `rule "x" of AdminNetworkPolicy a (priority 10)`, `rule #0 of ClusterNetworkPolicy b (Baseline tier, priority 5)`. */
function adminRuleText(policy: CompiledAdminPolicy, rule: AdminRule): string {
  const which = `rule ${rule.name ? `"${rule.name}"` : `#${rule.index}`} of ${policy.kind} ${policy.name}`;
  if (policy.kind === 'ClusterNetworkPolicy') return `${which} (${policy.tier} tier, priority ${policy.priority})`;
  return policy.kind === 'AdminNetworkPolicy' ? `${which} (priority ${policy.priority})` : which;
}

const decidedByOf = (policy: CompiledAdminPolicy): DecidedBy => policy.kind;

/** Whether `other` is the node the subject pod runs on: such traffic is always allowed by NetworkPolicy. */
function isOwnNode(subject: Extract<FlowEnd, { kind: 'pod' }>, other: FlowEnd): boolean {
  const node = subject.pod.spec?.nodeName;
  if (!node || !other.ip) return false;
  if (other.kind === 'ip') return other.node?.name === node;
  return other.cls.hostNetwork && other.pod.spec?.nodeName === node;
}

/** The verdict for one direction at a pod-network pod: `subject` is the destination (Ingress) or source (Egress). */
export function evaluateDirection(model: PolicyModel, dir: Direction, subject: Extract<FlowEnd, { kind: 'pod' }>, other: FlowEnd, protocol: Protocol, port: number): DirectionVerdict {
  const destPorts = dir === 'Ingress' ? subject.cls.ports : other.kind === 'pod' ? other.cls.ports : undefined;
  const whatText = () => (dir === 'Ingress' ? `ingress to ${subject.key}` : `egress from ${subject.key}`);
  const isolating = model.isolatedBy[dir][subject.cls.id];
  const isolated = isolating.length > 0;
  const rules: RuleRef[] = [];

  // 1. The Admin tier, by priority; the first matching rule decides, Pass hands over to NetworkPolicy.
  const anpIdx = model.adminFor[subject.cls.id];
  const anpHit = anpIdx.length === 0 ? undefined : firstAdminMatch(anpIdx.map((i) => model.adminPolicies[i]), dir, other, protocol, port, destPorts);
  let passed: string | undefined;
  if (anpHit) {
    rules.push(ruleRef(anpHit.policy, dir, anpHit.rule));
    const ruleText = adminRuleText(anpHit.policy, anpHit.rule);
    if (anpHit.rule.action !== 'Pass') {
      const allowed = anpHit.rule.action === 'Allow';
      return { allowed, isolated, policies: [anpHit.policy.key], decidedBy: decidedByOf(anpHit.policy), tier: 'Admin', rules, get reason() { return `${whatText()} is ${allowed ? 'allowed' : 'denied'} by ${ruleText}, before any NetworkPolicy`; }, get summary() { return `${allowed ? 'allowed' : 'denied'} by ${ruleText}`; } };
    }
    passed = `${ruleText} passes it on; `;
  }
  const prefix = passed ?? '';

  // 2. NetworkPolicy: isolated pods accept only what some isolating policy's rule allows (and their own node).
  if (isolated) {
    if (isOwnNode(subject, other)) {
      return { allowed: true, isolated, policies: [], decidedBy: 'node', rules, get reason() { return `${prefix}${whatText()} is allowed: traffic between a pod and the node it runs on is always allowed`; }, get summary() { return `${prefix}allowed: traffic between a pod and its own node is always allowed`; } };
    }
    const allowing: string[] = [];
    for (const pi of isolating) {
      const p = model.networkPolicies[pi];
      let hit = false;
      for (const r of p.rules[dir]) {
        if (npRuleMatches(r, other, protocol, port, destPorts)) { rules.push({ policy: p.key, direction: dir, rule: r.index, action: 'Allow' }); hit = true; }
      }
      if (hit) allowing.push(p.key);
    }
    if (allowing.length > 0) return { allowed: true, isolated, policies: allowing, decidedBy: 'NetworkPolicy', rules, get reason() { return `${prefix}${whatText()} is allowed by NetworkPolicy ${allowing.join(', ')}`; }, get summary() { return `${prefix}allowed by NetworkPolicy ${allowing.join(', ')}`; } };
    const keys = isolating.map((i) => model.networkPolicies[i].key);
    const none = keys.length > 1 ? 'none of their rules allows' : 'none of its rules allows';
    return { allowed: false, isolated, policies: keys, decidedBy: 'NetworkPolicy', rules, get reason() { return `${prefix}${whatText()} is denied: ${subject.key} is isolated for ${dir.toLowerCase()} by ${keys.join(', ')}, and ${none} ${other.key} on ${port}/${protocol}`; }, get summary() { return `${prefix}denied: isolated for ${dir.toLowerCase()} by ${keys.join(', ')}, and ${none} this ${dir === 'Ingress' ? 'source' : 'destination'} on ${port}/${protocol}`; } };
  }

  // 3. The Baseline tier, for traffic neither the Admin tier nor NetworkPolicy decided; Pass skips to the default.
  const baseIdx = model.baselineFor[subject.cls.id];
  const hit = baseIdx.length === 0 ? undefined : firstAdminMatch(baseIdx.map((i) => model.baselinePolicies[i]), dir, other, protocol, port, destPorts);
  let basePrefix = prefix;
  if (hit) {
    rules.push(ruleRef(hit.policy, dir, hit.rule));
    const ruleText = adminRuleText(hit.policy, hit.rule);
    if (hit.rule.action !== 'Pass') {
      const allowed = hit.rule.action === 'Allow';
      return { allowed, isolated, policies: [hit.policy.key], decidedBy: decidedByOf(hit.policy), tier: 'Baseline', rules, get reason() { return `${prefix}${whatText()} is ${allowed ? 'allowed' : 'denied'} by ${ruleText} (no NetworkPolicy isolates ${subject.key})`; }, get summary() { return `${prefix}${allowed ? 'allowed' : 'denied'} by ${ruleText} (no NetworkPolicy isolates the pod)`; } };
    }
    basePrefix = `${prefix}${ruleText} passes it on; `;
  }
  return { allowed: true, isolated: false, policies: [], decidedBy: 'not-isolated', rules, get reason() { return `${basePrefix}${whatText()} is allowed: no NetworkPolicy selects ${subject.key} for ${dir.toLowerCase()}`; }, get summary() { return `${basePrefix}allowed: no NetworkPolicy isolates the pod for ${dir.toLowerCase()}`; } };
}

/** `AdminNetworkPolicies a and b`, `ClusterNetworkPolicy a and AdminNetworkPolicy b`. */
export function samePriority(a: CompiledAdminPolicy, b: CompiledAdminPolicy): string {
  return a.kind === b.kind ? `${a.kind.replace(/y$/, 'ie')}s ${a.name} and ${b.name}` : `${a.kind} ${a.name} and ${b.kind} ${b.name}`;
}

function exempt(decidedBy: DecidedBy, reason: string, summary: string): DirectionVerdict {
  return { allowed: true, isolated: false, policies: [], decidedBy, rules: [], reason, summary };
}

/** The verdict for a connection from `from` to `to` on `port`/`protocol` (after Service DNAT: pod IP and targetPort). */
export function evaluateFlow(model: PolicyModel, from: FlowEnd, to: FlowEnd, port: number, protocol: Protocol, portName?: string): Verdict {
  const warnings: string[] = [];
  let egress: DirectionVerdict;
  let ingress: DirectionVerdict;
  if (from.kind === 'pod' && to.kind === 'pod' && from.key === to.key) {
    egress = exempt('self', `${from.key} talks to itself: a pod cannot block traffic to itself`, 'allowed: a pod cannot block traffic to itself');
    ingress = egress;
    warnings.push('traffic from a pod to itself is always allowed by NetworkPolicy; whether it is seen at all (loopback, or hairpin through a Service) depends on the CNI');
  } else {
    if (from.kind === 'ip') egress = exempt('not-a-pod', `${from.key} is ${from.node ? `node ${from.node.name}` : 'not in the cluster'}: no egress policy applies`, `no egress policy applies (the source is ${from.node ? 'a node' : 'outside the cluster'})`);
    else if (from.cls.hostNetwork) egress = exempt('host-network', `${from.key} uses the host network: NetworkPolicy does not apply to it, its traffic is its node's`, 'no egress policy applies (the source uses the host network)');
    else egress = evaluateDirection(model, 'Egress', from, to, protocol, port);
    if (to.kind === 'ip') ingress = exempt('not-a-pod', `${to.key} is ${to.node ? `node ${to.node.name}` : 'not in the cluster'}: no ingress policy applies`, `no ingress policy applies (the destination is ${to.node ? 'a node' : 'outside the cluster'})`);
    else if (to.cls.hostNetwork) ingress = exempt('host-network', `${to.key} uses the host network: NetworkPolicy does not apply to it`, 'no ingress policy applies (the destination uses the host network)');
    else ingress = evaluateDirection(model, 'Ingress', to, from, protocol, port);
  }
  const hostNetwork: HostNetworkEnd[] = [];
  for (const [e, role] of [[from, 'source'], [to, 'destination']] as const) {
    if (e.kind === 'pod' && e.cls.hostNetwork) {
      const h = hostNetworkEnd(model.cni, e.pod, role);
      hostNetwork.push(h);
      warnings.push(`${e.key} uses the host network (node ${h.node ?? 'unknown'}): ${h.note}`);
    }
    if (e.kind === 'pod' && !e.ip) warnings.push(`${e.key} has no IP (not scheduled or not running): the verdict assumes it had one`);
  }
  if (egress.decidedBy === 'node' || ingress.decidedBy === 'node') warnings.push('traffic between a pod and its own node (kubelet probes, host-network pods) is always allowed, whatever the policies say');
  const wouldBeAllowed = egress.allowed && ingress.allowed;
  if (!model.enforced) warnings.push(`the CNI (${model.cni}) does not enforce NetworkPolicy: the connection is allowed; with an enforcing CNI it would be ${wouldBeAllowed ? 'allowed' : 'denied'}`);
  const adminRules = [egress, ingress].flatMap((d) => d.rules.filter((r) => r.tier !== undefined));
  if (model.enforced && adminRules.some((r) => !r.policy.startsWith('ClusterNetworkPolicy/')) && !IMPLEMENTS_ADMIN_POLICY[model.cni]) warnings.push(`${model.cni} does not implement AdminNetworkPolicy/BaselineAdminNetworkPolicy: podnet shows what an implementation (e.g. Calico, OVN-Kubernetes) would do`);
  if (model.enforced && adminRules.some((r) => r.policy.startsWith('ClusterNetworkPolicy/')) && !IMPLEMENTS_CLUSTER_NETWORK_POLICY[model.cni]) warnings.push(`${model.cni} does not implement ClusterNetworkPolicy (policy.networking.k8s.io/v1alpha2) yet: podnet shows what an implementation of the API would do`);
  for (const [d, subject] of [[egress, from], [ingress, to]] as const) {
    if (subject.kind !== 'pod' || d.decidedBy === 'self') continue;
    for (const [list, all] of [[model.adminFor[subject.cls.id], model.adminPolicies], [model.baselineFor[subject.cls.id], model.baselinePolicies]] as const) {
      const prios = list.map((i) => all[i]);
      for (let i = 1; i < prios.length; i++) {
        if (prios[i].priority === prios[i - 1].priority) warnings.push(`${samePriority(prios[i - 1], prios[i])} both have priority ${prios[i].priority}${prios[i].kind === 'ClusterNetworkPolicy' || prios[i - 1].kind === 'ClusterNetworkPolicy' ? ` in the ${prios[i].tier} tier` : ''} and select ${subject.key}: which one wins is up to the implementation (podnet takes them by name)`);
      }
    }
  }
  const v: Verdict = { allowed: model.enforced ? wouldBeAllowed : true, egress, ingress, warnings: [...new Set(warnings)], from: from.key, to: to.key, port, protocol, portName, enforced: model.enforced, wouldBeAllowed };
  if (hostNetwork.length > 0) v.hostNetwork = hostNetwork;
  return v;
}

