// `lint`: policies that do not do what their author likely meant. Each finding has a stable code (codes.ts), a
// severity, the object and where it was written, a message and a fix hint.
import { listSome } from '../util/text.js';
import { compileLabelSelector } from '../api/labels.js';
import type { LabelSelector, ObjectRef, SourceRef } from '../api/types.js';
import { cidrsOverlap, type Cidr } from '../net/cidr.js';
import type { CompiledAdminPolicy } from './admin.js';
import { PolicyCodes } from './codes.js';
import { evaluateDirection, podEnd } from './evaluate.js';
import { podsOf } from './explain.js';
import { clusterCidrs, IMPLEMENTS_ADMIN_POLICY, IMPLEMENTS_CLUSTER_NETWORK_POLICY, type PolicyModel } from './model.js';
import { samePriority } from './evaluate.js';
import type { CompiledNetworkPolicy, CompiledRule, Direction } from './netpol.js';
import { resolveNamedPort, type PortSpec } from './ports.js';
import { ipBlockHas, parseIP } from './select.js';

const METADATA_IP = parseIP('169.254.169.254');

export type Severity = 'error' | 'warning' | 'info';

export interface LintFinding {
  code: string;
  severity: Severity;
  object: ObjectRef;
  source?: SourceRef;
  message: string;
  hint: string;
}

const npRef = (p: CompiledNetworkPolicy): ObjectRef => p.ref;
const adminRef = (a: CompiledAdminPolicy): ObjectRef => ({ kind: a.kind, namespace: '', name: a.name });
const ruleName = (dir: Direction, i: number) => `${dir === 'Ingress' ? 'ingress' : 'egress'}[${i}]`;

export function lintPolicies(model: PolicyModel): LintFinding[] {
  const out: LintFinding[] = [];
  for (const d of model.diagnostics) {
    out.push({ code: d.code, severity: d.level, object: d.object ?? { kind: '', namespace: '', name: '' }, source: d.source, message: d.message, hint: d.code === PolicyCodes.invalidPolicy ? 'fix the field named in the message' : 'use only peer fields of the installed API version' });
  }
  const { pods: podCidrs, services: serviceCidrs } = clusterCidrs(model.cluster);

  if (!model.enforced && model.networkPolicies.length > 0) {
    const first = model.networkPolicies[0];
    out.push({ code: PolicyCodes.cniDoesNotEnforce, severity: 'warning', object: npRef(first), source: first.source, message: `the cluster's CNI (${model.cni}) does not enforce NetworkPolicy: none of the ${model.networkPolicies.length} NetworkPolicies has any effect`, hint: 'use a CNI that enforces NetworkPolicy (calico, cilium, weave), or run Calico for policy next to flannel (canal)' });
  }
  const admins = [...model.adminPolicies, ...model.baselinePolicies].filter((a) => a.kind !== 'ClusterNetworkPolicy');
  if (admins.length > 0 && !IMPLEMENTS_ADMIN_POLICY[model.cni]) {
    out.push({ code: PolicyCodes.adminNotSupported, severity: 'warning', object: adminRef(admins[0]), source: admins[0].source, message: `the cluster's CNI (${model.cni}) does not implement AdminNetworkPolicy/BaselineAdminNetworkPolicy: ${admins.length} such polic${admins.length === 1 ? 'y has' : 'ies have'} no effect`, hint: 'use an implementation (e.g. Calico >= 3.29, OVN-Kubernetes, kube-network-policies)' });
  }
  const cnps = [...model.adminPolicies, ...model.baselinePolicies].filter((a) => a.kind === 'ClusterNetworkPolicy');
  if (cnps.length > 0 && !IMPLEMENTS_CLUSTER_NETWORK_POLICY[model.cni]) {
    out.push({ code: PolicyCodes.adminNotSupported, severity: 'warning', object: adminRef(cnps[0]), source: cnps[0].source, message: `the cluster's CNI (${model.cni}) does not implement ClusterNetworkPolicy (policy.networking.k8s.io/v1alpha2) yet: ${cnps.length} such polic${cnps.length === 1 ? 'y has' : 'ies have'} no effect there (podnet shows what an implementation of the API would do)`, hint: 'check that your network plugin serves ClusterNetworkPolicy before relying on it' });
  }
  if (cnps.length > 0 && admins.length > 0) {
    out.push({ code: PolicyCodes.adminApisMixed, severity: 'info', object: adminRef(cnps[0]), source: cnps[0].source, message: `ClusterNetworkPolicy (v1alpha2) and AdminNetworkPolicy/BaselineAdminNetworkPolicy (v1alpha1) are used together: no implementation is known to serve both; podnet merges them into one Admin and one Baseline tier by priority (the BANP last)`, hint: 'ClusterNetworkPolicy replaces both: move the v1alpha1 policies to it (tier Admin for an ANP, Baseline for the BANP)' });
  }

  for (const p of model.networkPolicies) {
    const ref = npRef(p);
    if (p.selected.isEmpty()) out.push({ code: PolicyCodes.selectsNoPod, severity: 'warning', object: ref, source: p.source, message: `NetworkPolicy ${p.key} selects no pod: its podSelector matches nothing in namespace ${p.namespace}`, hint: 'check the podSelector labels against the pods\' labels (kubectl get pods --show-labels)' });
    const hostPods = model.index.byNamespace.get(p.namespace)?.map((id) => model.index.classes[id]).filter((c) => c.hostNetwork && matches(p, c.labels)) ?? [];
    if (hostPods.length > 0) out.push({ code: PolicyCodes.hostNetworkIgnored, severity: 'info', object: ref, source: p.source, message: `NetworkPolicy ${p.key} selects host-network pods (${hostPods.flatMap((c) => c.pods.map((x) => x.metadata.name)).join(', ')}): it does not apply to them; their traffic is their node's`, hint: 'protect host-network pods with host firewall rules, or run them on the pod network' });
    for (const dir of ['Ingress', 'Egress'] as const) {
      if (!p.isolates[dir]) continue;
      p.rules[dir].forEach((r, ri) => {
        lintPeers(model, p, dir, r, ri, out);
        lintNamedPorts(model, p, dir, r, ri, out);
        lintIpBlocks(p, dir, r, ri, podCidrs, serviceCidrs, out);
      });
      lintDuplicates(p, dir, out);
    }
  }
  lintCrossPolicyDuplicates(model, out);
  lintDns(model, out);
  lintAdmin(model, out);
  return out.sort((a, b) => compareText(a.source?.file ?? '', b.source?.file ?? '') || (a.source?.line ?? 0) - (b.source?.line ?? 0) || compareText(a.code, b.code));
}

const compareText = (a: string, b: string) => (a === b ? 0 : a.localeCompare(b));

function matches(p: CompiledNetworkPolicy, labels: Record<string, string>): boolean {
  return compileLabelSelector(p.podSelector)(labels);
}

function lintPeers(model: PolicyModel, p: CompiledNetworkPolicy, dir: Direction, r: CompiledRule, ri: number, out: LintFinding[]): void {
  r.peers.forEach((peer, pi) => {
    if (peer.ipBlock || !peer.classes || !peer.classes.isEmpty()) return;
    const where = `${ruleName(dir, ri)}.${dir === 'Ingress' ? 'from' : 'to'}[${pi}]`;
    const nsCount = peer.namespaceSelector ? [...model.index.namespaceLabels.values()].filter((l) => matchesSel(peer.namespaceSelector!, l)).length : 1;
    const why = peer.namespaceSelector && nsCount === 0 ? 'its namespaceSelector matches no namespace' : 'its selectors match no pod';
    out.push({ code: PolicyCodes.peerMatchesNothing, severity: 'warning', object: p.ref, source: p.source, message: `NetworkPolicy ${p.key} ${where} matches nothing: ${why}`, hint: peer.namespaceSelector && !peer.podSelector ? 'namespaces are matched by their labels; every namespace has kubernetes.io/metadata.name=<name>' : 'a podSelector without namespaceSelector only looks in the policy\'s own namespace; add a namespaceSelector for pods elsewhere' });
  });
}

function matchesSel(sel: LabelSelector, labels: Record<string, string>): boolean {
  return compileLabelSelector(sel)(labels);
}

function lintNamedPorts(model: PolicyModel, p: CompiledNetworkPolicy, dir: Direction, r: CompiledRule, ri: number, out: LintFinding[]): void {
  for (const spec of r.ports ?? []) {
    if (spec.name === undefined) continue;
    // Ingress: resolved on the selected pods; egress: on the destination pods (the peers, or any pod).
    const candidates = dir === 'Ingress' ? [...p.selected] : r.allPeers ? model.index.classes.map((c) => c.id) : [...r.peerClasses];
    const has = candidates.filter((id) => resolveNamedPort(model.index.classes[id].ports, spec.name!, spec.protocol) !== undefined);
    // Ingress: every selected pod should have it. Egress: a port name only some destinations use is normal.
    if (has.length === candidates.length || (dir === 'Egress' && has.length > 0)) continue;
    const missing = candidates.filter((id) => !has.includes(id)).flatMap((id) => model.index.classes[id].pods.map((x) => `${x.metadata.namespace}/${x.metadata.name}`));
    out.push({
      code: PolicyCodes.namedPortMissing, severity: 'warning', object: p.ref, source: p.source,
      message: has.length === 0
        ? `NetworkPolicy ${p.key} ${ruleName(dir, ri)} names port "${spec.name}"/${spec.protocol}, but no ${dir === 'Ingress' ? 'selected' : 'destination'} pod has a container port of that name: the rule allows nothing`
        : `NetworkPolicy ${p.key} ${ruleName(dir, ri)} names port "${spec.name}"/${spec.protocol}, which ${listSome(missing, 5)} do not have: the rule allows nothing to them`,
      hint: `name the container port "${spec.name}" (protocol ${spec.protocol}) in those pods, or use the port number`,
    });
  }
}

function lintIpBlocks(p: CompiledNetworkPolicy, dir: Direction, r: CompiledRule, ri: number, podCidrs: Cidr[], serviceCidrs: Cidr[], out: LintFinding[]): void {
  for (const peer of r.peers) {
    const b = peer.ipBlock;
    if (!b) continue;
    // Broad blocks (0.0.0.0/0, 10.0.0.0/8) that hold the whole range mean "everything"; a block inside or across it
    // targets particular pods or ClusterIPs, which is what goes wrong.
    const pod = podCidrs.find((c) => targetsPartOf(b, c));
    if (pod) out.push({ code: PolicyCodes.ipBlockOverlapsPods, severity: 'warning', object: p.ref, source: p.source, message: `NetworkPolicy ${p.key} ${ruleName(dir, ri)} ipBlock ${b.text} overlaps the pod CIDR ${pod.text}: it matches pods by IP, which change whenever a pod is recreated`, hint: 'select pods with podSelector/namespaceSelector; keep ipBlock for addresses outside the cluster' });
    if (dir === 'Egress' && ipBlockHas(b, METADATA_IP)) out.push({ code: PolicyCodes.metadataReachable, severity: 'warning', object: p.ref, source: p.source, message: `NetworkPolicy ${p.key} ${ruleName(dir, ri)} ipBlock ${b.text} includes 169.254.169.254, the cloud metadata service: the selected pods can ask it for the node's credentials`, hint: `add 169.254.169.254/32 to the ipBlock's except list` });
    const svc = serviceCidrs.find((c) => targetsPartOf(b, c));
    if (svc) out.push({ code: PolicyCodes.ipBlockOverlapsServices, severity: 'warning', object: p.ref, source: p.source, message: `NetworkPolicy ${p.key} ${ruleName(dir, ri)} ipBlock ${b.text} overlaps the Service CIDR ${svc.text}: policy sees traffic after kube-proxy rewrote ClusterIPs to pod IPs, so this part matches nothing`, hint: 'allow the Service\'s backend pods with a podSelector instead of its ClusterIP' });
  }
}

/** The block overlaps `range` (after its excepts) without holding all of it. */
function targetsPartOf(b: { cidr: Cidr; except: Cidr[] }, range: Cidr): boolean {
  if (!cidrsOverlap(b.cidr, range)) return false;
  if (b.except.some((e) => e.family === range.family && e.base <= range.base && e.base + e.size >= range.base + range.size)) return false;
  const holdsAll = b.cidr.base <= range.base && b.cidr.base + b.cidr.size >= range.base + range.size;
  return !holdsAll;
}

const ruleKey = (r: CompiledRule, raw: unknown) => JSON.stringify(raw ?? {}) + (r.allPeers ? '*' : '');

function subsumes(a: CompiledRule, b: CompiledRule): boolean {
  const peersOk = a.allPeers || (!b.allPeers && b.peers.every((bp) => bp.ipBlock ? a.peers.some((ap) => ap.ipBlock?.text === bp.ipBlock!.text) : !bp.classes!.isEmpty() && bp.classes!.clone().andNot(a.peerClasses).isEmpty()));
  const portsOk = a.ports === null || (b.ports !== null && b.ports.every((bp) => a.ports!.some((ap) => portCovers(ap, bp))));
  return peersOk && portsOk;
}

function portCovers(a: PortSpec, b: PortSpec): boolean {
  if (a.protocol !== b.protocol) return false;
  if (a.port === undefined && a.name === undefined) return true;
  if (a.name !== undefined || b.name !== undefined) return a.name === b.name;
  if (b.port === undefined) return false;
  return b.port >= a.port! && (b.endPort ?? b.port) <= (a.endPort ?? a.port!);
}

/** Shadowing is checked pairwise, so only among a policy direction's first rules; past them a finding says so. */
export const SHADOW_CHECKED_RULES = 200;

function lintDuplicates(p: CompiledNetworkPolicy, dir: Direction, out: LintFinding[]): void {
  const raw = ((p.object as Record<string, any>).spec?.[dir === 'Ingress' ? 'ingress' : 'egress'] ?? []) as unknown[];
  const rules = p.rules[dir];
  const firstOfKey = new Map<string, number>();
  const checked = Math.min(rules.length, SHADOW_CHECKED_RULES);
  rules.forEach((b, bi) => {
    const key = ruleKey(b, raw[bi]);
    const dup = firstOfKey.get(key);
    if (dup !== undefined) {
      out.push({ code: PolicyCodes.duplicateRule, severity: 'warning', object: p.ref, source: p.source, message: `NetworkPolicy ${p.key} ${ruleName(dir, bi)} repeats ${ruleName(dir, dup)}`, hint: `delete ${ruleName(dir, bi)}` });
      return;
    }
    firstOfKey.set(key, bi);
    if (bi >= checked) return;
    let by = -1;
    for (let ai = 0; ai < checked && by < 0; ai++) if (ai !== bi && subsumes(rules[ai], b) && !(subsumes(b, rules[ai]) && ai > bi)) by = ai;
    if (by >= 0) out.push({ code: PolicyCodes.shadowedRule, severity: 'info', object: p.ref, source: p.source, message: `NetworkPolicy ${p.key} ${ruleName(dir, bi)} allows nothing that ${ruleName(dir, by)} does not already allow (for the pods that exist now)`, hint: `merge or delete ${ruleName(dir, bi)}` });
  });
  if (rules.length > checked) out.push({ code: PolicyCodes.shadowedRule, severity: 'info', object: p.ref, source: p.source, message: `NetworkPolicy ${p.key} has ${rules.length} ${dir.toLowerCase()} rules: only the first ${checked} were compared with each other for shadowing`, hint: 'split the policy, or merge rules that differ only in ports' });
}

/** The same rule in two policies that select the same pods: one copy is dead weight (and drifts on edits). */
function lintCrossPolicyDuplicates(model: PolicyModel, out: LintFinding[]): void {
  // Only policies sharing a namespace and podSelector can repeat each other's rules: group first, key rules only there.
  const groups = new Map<string, CompiledNetworkPolicy[]>();
  for (const p of model.networkPolicies) {
    const key = `${p.namespace}\u0000${JSON.stringify(p.podSelector)}`;
    const group = groups.get(key);
    if (group) group.push(p); else groups.set(key, [p]);
  }
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    const seen = new Map<string, { policy: CompiledNetworkPolicy; index: number }>();
    for (const p of group) {
      const spec = (p.object as Record<string, any>).spec ?? {};
      for (const dir of ['Ingress', 'Egress'] as const) {
        if (!p.isolates[dir]) continue;
        ((spec[dir === 'Ingress' ? 'ingress' : 'egress'] ?? []) as unknown[]).forEach((rule, i) => {
          const key = `${dir}\u0000${JSON.stringify(rule)}`;
          const first = seen.get(key);
          if (!first) { seen.set(key, { policy: p, index: i }); return; }
          if (first.policy === p) return; // reported by lintDuplicates
          out.push({ code: PolicyCodes.duplicateRule, severity: 'warning', object: p.ref, source: p.source, message: `NetworkPolicy ${p.key} ${ruleName(dir, i)} repeats ${ruleName(dir, first.index)} of ${first.policy.key}, which selects the same pods`, hint: `keep the rule in one of the two policies` });
        });
      }
    }
  }
}

/** Pods isolated for egress must still reach kube-dns on 53/UDP and 53/TCP, or every name lookup fails. */
function lintDns(model: PolicyModel, out: LintFinding[]): void {
  const dnsPods = model.cluster.pods('kube-system').filter((p) => p.metadata.labels?.['k8s-app'] === 'kube-dns');
  if (dnsPods.length === 0) return;
  const dnsEnd = podEnd(model, dnsPods[0] as never);
  const reported = new Set<string>();
  // A pod-network source's egress to kube-dns is decided by its class's policies alone (its own node matters only
  // for a host-network kube-dns): classes deciding by the same policies are asked once.
  const bySubject = new Map<string, ('UDP' | 'TCP')[]>();
  for (const cls of model.index.classes) {
    const isolating = model.isolatedBy.Egress[cls.id];
    if (isolating.length === 0 || cls.hostNetwork) continue;
    const key = dnsEnd.kind === 'pod' && !dnsEnd.cls.hostNetwork ? `${model.adminFor[cls.id].join(',')}|${isolating.join(',')}|${model.baselineFor[cls.id].join(',')}` : undefined;
    let missing = key === undefined ? undefined : bySubject.get(key);
    if (!missing) {
      const src = podEnd(model, cls.pods[0]);
      missing = (['UDP', 'TCP'] as const).filter((proto) => !evaluateDirection(model, 'Egress', src as never, dnsEnd, proto, 53).allowed);
      if (key !== undefined) bySubject.set(key, missing);
    }
    if (missing.length === 0) continue;
    for (const pi of isolating) {
      const p = model.networkPolicies[pi];
      const key = `${p.key}/${missing.join()}`;
      if (reported.has(key)) continue;
      reported.add(key);
      const pods = podsOf(model, p.selected).filter((k) => model.isolatedBy.Egress[model.index.classOfPod.get(k)!].length > 0);
      out.push({
        code: PolicyCodes.egressWithoutDns, severity: 'warning', object: p.ref, source: p.source,
        message: `NetworkPolicy ${p.key} isolates egress of ${pods.length === 1 ? pods[0] : `${pods.length} pods`}, and no policy lets ${pods.length === 1 ? 'it' : 'them'} reach kube-dns on 53/${missing.join(' and 53/')}: ${missing.includes('UDP') ? 'name lookups fail' : 'DNS over TCP (large answers, truncation retries) fails'}`,
        hint: 'add an egress rule to {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}} on ports 53/UDP and 53/TCP',
      });
    }
  }
}

function lintAdmin(model: PolicyModel, out: LintFinding[]): void {
  for (const a of [...model.adminPolicies, ...model.baselinePolicies]) {
    if (a.subject.isEmpty()) out.push({ code: PolicyCodes.selectsNoPod, severity: 'warning', object: adminRef(a), source: a.source, message: `${a.kind} ${a.name} selects no pod: its subject matches nothing`, hint: 'check the subject\'s namespace and pod selectors' });
    for (const dir of ['Ingress', 'Egress'] as const) {
      a.rules[dir].forEach((r, ri) => {
        r.peers.forEach((peer, pi) => {
          if (peer.failClosed || peer.networks || peer.domainNames || !peer.classes.isEmpty() || (peer.nodeIPs && peer.nodeIPs.size > 0)) return;
          out.push({ code: PolicyCodes.peerMatchesNothing, severity: 'warning', object: adminRef(a), source: a.source, message: `${a.kind} ${a.name} ${ruleName(dir, ri)}.${dir === 'Ingress' ? 'from' : 'to'}[${pi}] (${r.name || 'unnamed'}) matches nothing: no ${peer.nodeIPs ? 'node' : 'pod'} fits its selectors`, hint: 'namespaces are matched by their labels; every namespace has kubernetes.io/metadata.name=<name>' });
        });
        const earlier = a.rules[dir].slice(0, ri).find((e) => e.ports === null && !r.peers.some((p) => p.networks || p.nodeIPs || p.domainNames) && !r.peerClasses.isEmpty() && r.peerClasses.clone().andNot(e.peerClasses).isEmpty());
        if (earlier) out.push({ code: PolicyCodes.shadowedRule, severity: 'warning', object: adminRef(a), source: a.source, message: `${a.kind} ${a.name} ${ruleName(dir, ri)} (${r.name || 'unnamed'}) never decides anything: the earlier rule ${earlier.name || `#${earlier.index}`} (${earlier.writtenAction}) matches all its peers first (for the pods that exist now)`, hint: 'rules are evaluated in order; move the more specific rule first' });
      });
    }
  }
  for (const tier of [model.adminPolicies, model.baselinePolicies]) {
    for (let i = 0; i < tier.length; i++) {
      for (let j = i + 1; j < tier.length && tier[j].priority === tier[i].priority; j++) {
        if (tier[i].subject.clone().and(tier[j].subject).isEmpty()) continue;
        const cnp = tier[i].kind === 'ClusterNetworkPolicy' || tier[j].kind === 'ClusterNetworkPolicy';
        out.push({ code: PolicyCodes.adminPriorityTie, severity: 'warning', object: adminRef(tier[j]), source: tier[j].source, message: `${samePriority(tier[i], tier[j])} have the same priority (${tier[i].priority})${cnp ? ` in the ${tier[i].tier} tier` : ''} and select the same pods: which one wins is up to the implementation`, hint: cnp ? 'give every policy of a tier its own priority' : 'give every AdminNetworkPolicy its own priority' });
      }
    }
  }
}
