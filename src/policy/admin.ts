// policy.networking.k8s.io/v1alpha1 AdminNetworkPolicy and BaselineAdminNetworkPolicy, and v1alpha2
// ClusterNetworkPolicy (cnp.ts validates it): validation and compilation into one shape, CompiledAdminPolicy.
// Admin tier rules (ANPs and Admin CNPs) come before NetworkPolicy (lower priority number first, first matching rule
// wins, Pass hands the decision to NetworkPolicy); Baseline tier rules (Baseline CNPs, then the BANP) after it, only
// for traffic NetworkPolicy does not decide (Pass there skips to the default, allow).
// Source: network-policy-api apis/v1alpha1/{adminnetworkpolicy,baselineadminnetworkpolicy,shared}_types.go,
// apis/v1alpha2/clusternetworkpolicy_types.go.
import type { Diagnostic } from '../api/diagnostics.js';
import type { KubeObject, SourceRef } from '../api/types.js';
import { parseCidr, type Cidr } from '../net/cidr.js';
import type { NodeInfo } from '../cluster/nodes.js';
import { Bitset } from './bitset.js';
import type { ClassIndex, Protocol } from './classes.js';
import { protocolPortSpecs, validateClusterNetworkPolicy } from './cnp.js';
import { PolicyCodes } from './codes.js';
import type { Direction } from './netpol.js';
import { PROTOCOLS, type PortSpec } from './ports.js';
import { classesIn, classesInIpBlock, matchingNamespaces, selectorMatcher, type IpBlock } from './select.js';

type Obj = Record<string, any>;
/** The compiled action: ClusterNetworkPolicy's `Accept` is `Allow` here (`writtenAction` keeps the word). */
export type AdminAction = 'Allow' | 'Deny' | 'Pass';
export type AdminKind = 'AdminNetworkPolicy' | 'BaselineAdminNetworkPolicy' | 'ClusterNetworkPolicy';
export type AdminTier = 'Admin' | 'Baseline';

export interface AdminPeer {
  /** Pod classes matched (namespaces / pods peers, or host-network pods on matched nodes). */
  classes: Bitset;
  networks?: IpBlock[];
  /** Node IPs of a `nodes` peer. */
  nodeIPs?: Set<string>;
  /** A peer with no field podnet knows: fails closed (matches all for Deny/Pass, nothing for Allow). */
  failClosed?: boolean;
  domainNames?: string[];
  text: string;
}

export interface AdminRule {
  index: number;
  name: string;
  action: AdminAction;
  /** The action as the manifest writes it (`Accept` for a ClusterNetworkPolicy's Allow). */
  writtenAction: string;
  peers: AdminPeer[];
  ports: PortSpec[] | null;
  peerClasses: Bitset;
  /** Matches every IP (a fail-closed Deny/Pass peer). */
  matchesAll: boolean;
}

export interface CompiledAdminPolicy {
  kind: AdminKind;
  name: string;
  /** `AdminNetworkPolicy/NAME`, `ClusterNetworkPolicy/NAME`: cluster-scoped, so no namespace. */
  key: string;
  /** Admin: before NetworkPolicy (ANPs, Admin CNPs); Baseline: after it (Baseline CNPs, the BANP). */
  tier: AdminTier;
  /** Within its tier, lower first; the BANP has none (Infinity: after every Baseline CNP). */
  priority: number;
  source?: SourceRef;
  object: KubeObject;
  subject: Bitset;
  rules: Record<Direction, AdminRule[]>;
}

const PEER_FIELDS = { Ingress: ['namespaces', 'pods'], Egress: ['namespaces', 'pods', 'nodes', 'networks', 'domainNames'] } as const;

export function validateAdminPolicy(kind: AdminKind, obj: Obj): string[] {
  const errs: string[] = [];
  const spec = obj.spec;
  if (!spec || typeof spec !== 'object') return ['spec: Required value'];
  if (kind === 'BaselineAdminNetworkPolicy' && obj.metadata?.name !== 'default') errs.push(`metadata.name: Invalid value: ${JSON.stringify(obj.metadata?.name)}: Only one baseline admin network policy with metadata.name="default" can be created in the cluster`);
  if (kind === 'AdminNetworkPolicy' && (typeof spec.priority !== 'number' || !Number.isInteger(spec.priority) || spec.priority < 0 || spec.priority > 1000)) {
    errs.push(`spec.priority: Invalid value: ${JSON.stringify(spec.priority)}: must be an integer between 0 and 1000, inclusive`);
  }
  const subj = spec.subject;
  const subjFields = subj && typeof subj === 'object' ? ['namespaces', 'pods'].filter((k) => subj[k] !== undefined && subj[k] !== null) : [];
  if (subjFields.length !== 1) errs.push('spec.subject: Invalid value: exactly one of `namespaces` or `pods` must be set');
  const actions = kind === 'AdminNetworkPolicy' ? ['Allow', 'Deny', 'Pass'] : ['Allow', 'Deny'];
  for (const [dir, field, peerField] of [['Ingress', 'ingress', 'from'], ['Egress', 'egress', 'to']] as const) {
    const rules = spec[field];
    if (rules === undefined || rules === null) continue;
    if (!Array.isArray(rules)) { errs.push(`spec.${field}: Invalid value: must be a list`); continue; }
    if (rules.length > 100) errs.push(`spec.${field}: Too many: ${rules.length}: must have at most 100 items`);
    rules.forEach((r: Obj, i: number) => {
      const path = `spec.${field}[${i}]`;
      if (!r || typeof r !== 'object') { errs.push(`${path}: Invalid value: must be an object`); return; }
      if (!actions.includes(r.action)) errs.push(`${path}.action: Unsupported value: ${JSON.stringify(r.action)}: supported values: ${actions.map((a) => `"${a}"`).join(', ')}`);
      const peers = r[peerField];
      if (!Array.isArray(peers) || peers.length === 0) errs.push(`${path}.${peerField}: Required value: at least one peer`);
      else peers.forEach((p: Obj, pi: number) => {
        const known = PEER_FIELDS[dir].filter((k) => p?.[k] !== undefined && p?.[k] !== null);
        if (known.length > 1) errs.push(`${path}.${peerField}[${pi}]: Invalid value: exactly one of ${PEER_FIELDS[dir].join(', ')} may be set`);
        for (const [ni, n] of (Array.isArray(p?.networks) ? p.networks : []).entries()) {
          try { parseCidr(String(n)); } catch { errs.push(`${path}.${peerField}[${pi}].networks[${ni}]: Invalid value: ${JSON.stringify(n)}: must be a valid CIDR`); }
        }
        if (p?.domainNames !== undefined && r.action !== 'Allow') errs.push(`${path}.${peerField}[${pi}].domainNames: Invalid value: domainNames peers are only allowed in rules with action Allow`);
      });
      for (const [pi, p] of (Array.isArray(r.ports) ? r.ports : []).entries()) {
        const forms = ['portNumber', 'namedPort', 'portRange'].filter((k) => p?.[k] !== undefined && p?.[k] !== null);
        if (forms.length !== 1) errs.push(`${path}.ports[${pi}]: Invalid value: exactly one of portNumber, namedPort or portRange must be set`);
        const proto = p?.portNumber?.protocol ?? p?.portRange?.protocol ?? 'TCP';
        if (!PROTOCOLS.includes(proto)) errs.push(`${path}.ports[${pi}].protocol: Unsupported value: ${JSON.stringify(proto)}`);
        if (p?.portRange && !(Number.isInteger(p.portRange.start) && Number.isInteger(p.portRange.end) && p.portRange.start < p.portRange.end)) errs.push(`${path}.ports[${pi}].portRange: Invalid value: start must be less than end`);
        if (p?.portNumber && !(Number.isInteger(p.portNumber.port) && p.portNumber.port >= 1 && p.portNumber.port <= 65535)) errs.push(`${path}.ports[${pi}].portNumber.port: Invalid value: ${JSON.stringify(p.portNumber.port)}: must be between 1 and 65535`);
      }
    });
  }
  return errs;
}

export function adminPortSpecs(ports: unknown): PortSpec[] | null {
  if (!Array.isArray(ports) || ports.length === 0) return null;
  const out: PortSpec[] = [];
  for (const p of ports as Obj[]) {
    if (p.portNumber) out.push({ protocol: (p.portNumber.protocol ?? 'TCP') as Protocol, port: p.portNumber.port });
    else if (p.portRange) out.push({ protocol: (p.portRange.protocol ?? 'TCP') as Protocol, port: p.portRange.start, endPort: p.portRange.end });
    // A named port carries no protocol: it matches the container port of that name, whatever its protocol.
    else if (typeof p.namedPort === 'string') for (const protocol of PROTOCOLS) out.push({ protocol, name: p.namedPort, anyProtocol: true });
  }
  return out;
}

export function adminCidrs(obj: Obj): Cidr[] {
  const out: Cidr[] = [];
  for (const r of obj.spec?.egress ?? []) for (const p of r?.to ?? []) for (const n of p?.networks ?? []) {
    try { out.push(parseCidr(String(n))); } catch { /* reported by validation */ }
  }
  return out;
}

function podsPeer(index: ClassIndex, p: Obj): Bitset {
  return classesIn(index, matchingNamespaces(index, selectorMatcher(p.namespaceSelector)), selectorMatcher(p.podSelector));
}

function compilePeer(index: ClassIndex, nodes: readonly NodeInfo[], nodeLabels: Map<string, Record<string, string>>, dir: Direction, p: Obj): AdminPeer {
  const empty = new Bitset(index.classes.length);
  if (p.namespaces) return { classes: classesIn(index, matchingNamespaces(index, selectorMatcher(p.namespaces)), () => true), text: 'namespaces' };
  if (p.pods) return { classes: podsPeer(index, p.pods), text: 'pods' };
  if (dir === 'Egress' && Array.isArray(p.networks)) {
    const networks = p.networks.map((n: string) => ({ cidr: parseCidr(String(n)), except: [], text: String(n) }));
    const classes = empty.clone();
    for (const b of networks) classes.or(classesInIpBlock(index, b));
    return { classes, networks, text: `networks ${p.networks.join(', ')}` };
  }
  if (dir === 'Egress' && p.nodes) {
    const sel = selectorMatcher(p.nodes);
    const matched = nodes.filter((n) => sel(nodeLabels.get(n.name) ?? n.labels));
    const names = new Set(matched.map((n) => n.name));
    const classes = empty.clone();
    for (const c of index.classes) if (c.hostNetwork && c.nodeName && names.has(c.nodeName)) classes.add(c.id);
    return { classes, nodeIPs: new Set(matched.flatMap((n) => n.internalIPs)), text: `nodes ${matched.map((n) => n.name).join(', ') || '(none)'}` };
  }
  if (dir === 'Egress' && Array.isArray(p.domainNames)) return { classes: empty, domainNames: p.domainNames, text: `domainNames ${p.domainNames.join(', ')}` };
  return { classes: empty, failClosed: true, text: 'a peer of a kind podnet does not know' };
}

/** Compiles ANPs (sorted by priority, then name) and the BANP; invalid ones are reported (PN2001) and left out. */
export function compileAdminPolicies(index: ClassIndex, kind: AdminKind, objects: readonly KubeObject[], nodes: readonly NodeInfo[], nodeLabels: Map<string, Record<string, string>>, sourceOf: (o: KubeObject) => SourceRef | undefined, diags: Diagnostic[]): CompiledAdminPolicy[] {
  const out: CompiledAdminPolicy[] = [];
  for (const obj of objects as (KubeObject & { spec: Obj })[]) {
    const ref = { kind, namespace: '', name: obj.metadata.name };
    const errors = kind === 'ClusterNetworkPolicy' ? validateClusterNetworkPolicy(obj) : validateAdminPolicy(kind, obj);
    if (errors.length > 0) {
      for (const e of errors) diags.push({ code: PolicyCodes.invalidPolicy, level: 'error', object: ref, source: sourceOf(obj), message: `The ${kind} "${obj.metadata.name}" is invalid: ${e} (kubectl apply would reject it; podnet leaves it out)` });
      continue;
    }
    const spec = obj.spec;
    const subject = spec.subject.namespaces
      ? classesIn(index, matchingNamespaces(index, selectorMatcher(spec.subject.namespaces)), () => true)
      : podsPeer(index, spec.subject.pods);
    const rules = {} as Record<Direction, AdminRule[]>;
    for (const [dir, field, peerField] of [['Ingress', 'ingress', 'from'], ['Egress', 'egress', 'to']] as const) {
      rules[dir] = ((spec[field] ?? []) as Obj[]).map((r, i) => {
        const peers = (r[peerField] as Obj[]).map((p) => compilePeer(index, nodes, nodeLabels, dir, p));
        const action = (r.action === 'Accept' ? 'Allow' : r.action) as AdminAction;
        const matchesAll = action !== 'Allow' && peers.some((p) => p.failClosed);
        const peerClasses = matchesAll ? Bitset.full(index.classes.length) : new Bitset(index.classes.length);
        for (const p of peers) peerClasses.or(p.classes);
        if (peers.some((p) => p.failClosed)) diags.push({ code: PolicyCodes.adminPeerFailClosed, level: 'warning', object: ref, source: sourceOf(obj), message: `${kind} ${obj.metadata.name}: ${field}[${i}] (${r.name ?? 'unnamed'}) has a peer with no field podnet knows; it fails closed (${action === 'Allow' ? 'the Allow rule matches nothing' : `the ${action} rule matches every peer`})` });
        const ports = kind === 'ClusterNetworkPolicy' ? protocolPortSpecs(r.protocols) : adminPortSpecs(r.ports);
        return { index: i, name: String(r.name ?? ''), action, writtenAction: String(r.action), peers, ports, peerClasses, matchesAll };
      });
    }
    const tier: AdminTier = kind === 'ClusterNetworkPolicy' ? spec.tier : kind === 'AdminNetworkPolicy' ? 'Admin' : 'Baseline';
    out.push({ kind, name: obj.metadata.name, key: `${kind}/${obj.metadata.name}`, tier, priority: kind === 'BaselineAdminNetworkPolicy' ? Infinity : spec.priority, source: sourceOf(obj), object: obj, subject, rules });
  }
  return sortTier(out);
}

/** Evaluation order within a tier: priority, then name (ties are the implementation's choice), then kind. */
export function sortTier(policies: CompiledAdminPolicy[]): CompiledAdminPolicy[] {
  return policies.sort((a, b) => a.priority - b.priority || a.name.localeCompare(b.name) || a.kind.localeCompare(b.kind));
}
