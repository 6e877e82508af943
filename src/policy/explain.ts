// Plain-language descriptions of policies (like policy-assistant's explain table): whom a policy selects, which
// directions it isolates, and what each rule lets through, with the pods the selectors match today.
import type { SourceRef } from '../api/types.js';
import type { AdminPeer, AdminRule, CompiledAdminPolicy } from './admin.js';
import type { Bitset } from './bitset.js';
import type { PolicyModel } from './model.js';
import type { CompiledNetworkPolicy, CompiledPeer, CompiledRule, Direction } from './netpol.js';
import { formatPortSpec, type PortSpec } from './ports.js';
import { describeSelector } from './select.js';

export interface PolicyExplanation {
  kind: 'NetworkPolicy' | 'AdminNetworkPolicy' | 'BaselineAdminNetworkPolicy' | 'ClusterNetworkPolicy';
  /** `ns/name`, or the name of a cluster-scoped policy. */
  name: string;
  source?: SourceRef;
  /** Whom it applies to, in words. */
  selects: string;
  /** The pods it selects now (`ns/pod`). */
  pods: string[];
  /** NetworkPolicy: directions it isolates. */
  isolates: Direction[];
  priority?: number;
  /** ClusterNetworkPolicy: Admin or Baseline. */
  tier?: 'Admin' | 'Baseline';
  /** One sentence per rule, per direction; for ANP/BANP in evaluation order. */
  ingress: string[];
  egress: string[];
}

export function podsOf(model: PolicyModel, classes: Bitset): string[] {
  const out: string[] = [];
  for (const id of classes) for (const p of model.index.classes[id].pods) out.push(`${p.metadata.namespace}/${p.metadata.name}`);
  return out.sort();
}

/** How many pods a class set holds (no list: explain counts peers for 2,000 policies). */
export function countPods(model: PolicyModel, classes: Bitset): number {
  let n = 0;
  for (const id of classes) n += model.index.classes[id].pods.length;
  return n;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function portsText(ports: readonly PortSpec[] | null): string {
  if (ports === null) return 'on every port';
  const seenNamed = new Set<string>();
  const parts: string[] = [];
  for (const p of ports) {
    if (p.name !== undefined) {
      if (seenNamed.has(p.name)) continue;
      seenNamed.add(p.name);
    }
    parts.push(formatPortSpec(p));
  }
  return `on ${parts.join(', ')}`;
}

export function describePeer(model: PolicyModel, namespace: string, peer: CompiledPeer): string {
  if (peer.ipBlock) return `IPs in ${peer.ipBlock.text}`;
  const pods = peer.podSelector ? describeSelector(peer.podSelector) : '';
  const count = peer.classes ? ` (${plural(countPods(model, peer.classes), 'pod')})` : '';
  if (!peer.namespaceSelector) return `${pods ? `pods with ${pods}` : 'every pod'} in namespace ${namespace}${count}`;
  const ns = describeSelector(peer.namespaceSelector);
  const where = ns ? `namespaces with ${ns}` : 'every namespace';
  return `${pods ? `pods with ${pods}` : 'every pod'} in ${where}${count}`;
}

function describeRule(model: PolicyModel, np: CompiledNetworkPolicy, dir: Direction, r: CompiledRule): string {
  const word = dir === 'Ingress' ? 'from' : 'to';
  const peers = r.allPeers ? `${word} anywhere (every pod, every IP)` : `${word} ${r.peers.map((p) => describePeer(model, np.namespace, p)).join(', or ')}`;
  return `allow ${peers}, ${portsText(r.ports)}`;
}

export function explainNetworkPolicy(model: PolicyModel, np: CompiledNetworkPolicy): PolicyExplanation {
  const sel = describeSelector(np.podSelector);
  const pods = podsOf(model, np.selected);
  const isolates = (['Ingress', 'Egress'] as const).filter((d) => np.isolates[d]);
  const rules = (dir: Direction): string[] => {
    if (!np.isolates[dir]) return np.rules[dir].length > 0 ? [`(${np.rules[dir].length} ${dir.toLowerCase()} rule(s) ignored: policyTypes does not list ${dir})`] : [];
    if (np.rules[dir].length === 0) return [`deny all ${dir.toLowerCase()} (no rules: nothing is allowed)`];
    return np.rules[dir].map((r) => describeRule(model, np, dir, r));
  };
  return {
    kind: 'NetworkPolicy', name: np.key, source: np.source,
    selects: `${sel ? `pods with ${sel}` : 'every pod'} in namespace ${np.namespace} (${plural(pods.length, 'pod')})`,
    pods, isolates, ingress: rules('Ingress'), egress: rules('Egress'),
  };
}

function describeAdminPeer(model: PolicyModel, p: AdminPeer): string {
  if (p.failClosed || p.domainNames || p.networks || p.nodeIPs) return p.text;
  return `${p.text} (${plural(countPods(model, p.classes), 'pod')})`;
}

function describeAdminRule(model: PolicyModel, dir: Direction, r: AdminRule): string {
  const word = dir === 'Ingress' ? 'from' : 'to';
  const raw = (r.peers.length > 0 ? r.peers : []).map((p) => describeAdminPeer(model, p)).join(', or ');
  return `${r.name ? `${r.name}: ` : ''}${r.writtenAction} ${word} ${raw}, ${portsText(r.ports)}`;
}

export function explainAdminPolicy(model: PolicyModel, a: CompiledAdminPolicy): PolicyExplanation {
  const pods = podsOf(model, a.subject);
  const subj = (a.object as Record<string, any>).spec?.subject ?? {};
  const selects = subj.namespaces
    ? `every pod in ${describeSelector(subj.namespaces) ? `namespaces with ${describeSelector(subj.namespaces)}` : 'every namespace'} (${plural(pods.length, 'pod')})`
    : `pods with ${describeSelector(subj.pods?.podSelector) || 'any labels'} in ${describeSelector(subj.pods?.namespaceSelector) ? `namespaces with ${describeSelector(subj.pods?.namespaceSelector)}` : 'every namespace'} (${plural(pods.length, 'pod')})`;
  return {
    kind: a.kind, name: a.name, source: a.source, selects, pods, isolates: [], priority: a.kind === 'BaselineAdminNetworkPolicy' ? undefined : a.priority,
    tier: a.kind === 'ClusterNetworkPolicy' ? a.tier : undefined,
    ingress: a.rules.Ingress.map((r) => describeAdminRule(model, 'Ingress', r)),
    egress: a.rules.Egress.map((r) => describeAdminRule(model, 'Egress', r)),
  };
}

/** Every policy (or those whose name matches) in evaluation order: the Admin tier, NetworkPolicies, the Baseline tier. */
export function explainPolicies(model: PolicyModel, filter: { namespace?: string; name?: string } = {}): PolicyExplanation[] {
  const out: PolicyExplanation[] = [];
  const nameOk = (n: string) => filter.name === undefined || filter.name === n;
  if (filter.namespace === undefined) for (const a of model.adminPolicies) if (nameOk(a.name)) out.push(explainAdminPolicy(model, a));
  for (const np of model.networkPolicies) {
    if ((filter.namespace === undefined || np.namespace === filter.namespace) && nameOk(np.ref.name)) out.push(explainNetworkPolicy(model, np));
  }
  if (filter.namespace === undefined) for (const b of model.baselinePolicies) if (nameOk(b.name)) out.push(explainAdminPolicy(model, b));
  return out;
}

/** The explanation as text: a heading line, then indented facts. */
export function formatExplanation(e: PolicyExplanation): string {
  const where = e.source ? `  (${e.source.file}:${e.source.line})` : '';
  const lines = [`${e.kind} ${e.name}${e.tier !== undefined ? ` (${e.tier} tier, priority ${e.priority})` : e.priority !== undefined ? ` (priority ${e.priority})` : ''}${where}`];
  lines.push(`  ${e.kind === 'NetworkPolicy' ? 'Selects' : 'Subject'}: ${e.selects}${e.pods.length > 0 && e.pods.length <= 10 ? `: ${e.pods.join(', ')}` : ''}`);
  if (e.kind === 'NetworkPolicy') lines.push(`  Isolates: ${e.isolates.length === 0 ? 'nothing' : e.isolates.map((d) => d.toLowerCase()).join(' and ')}`);
  const order = e.kind === 'NetworkPolicy' ? '' : ' (in order; the first matching rule decides)';
  for (const [dir, list] of [['Ingress', e.ingress], ['Egress', e.egress]] as const) {
    if (list.length === 0) continue;
    lines.push(`  ${dir}${order}:`);
    for (const s of list) lines.push(`    - ${s}`);
  }
  return lines.join('\n');
}
