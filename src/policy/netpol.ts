// networking.k8s.io/v1 NetworkPolicy: validation (as the API server's ValidateNetworkPolicy, so a policy kubectl would
// reject never enters the model) and compilation into per-direction rules over pod classes.
import type { Diagnostic } from '../api/diagnostics.js';
import type { KubeObject, LabelSelector, ObjectRef, SourceRef } from '../api/types.js';
import { parseCidr, type Cidr } from '../net/cidr.js';
import { Bitset } from './bitset.js';
import type { ClassIndex, Protocol } from './classes.js';
import { PolicyCodes } from './codes.js';
import { isValidPortName, PROTOCOLS, type PortSpec } from './ports.js';
import { classesIn, classesInIpBlock, matchingNamespaces, selectorMatcher, type IpBlock } from './select.js';
import { pushAll } from '../util/arrays.js';

type Obj = Record<string, any>;
export type Direction = 'Ingress' | 'Egress';

export interface CompiledPeer {
  /** Pod peers: the classes the selectors match (namespaceSelector AND podSelector). */
  classes?: Bitset;
  ipBlock?: IpBlock;
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
}

export interface CompiledRule {
  /** Position in spec.ingress / spec.egress. */
  index: number;
  /** `from`/`to` missing or empty: every peer (pods and IPs alike). */
  allPeers: boolean;
  peers: CompiledPeer[];
  /** `ports` missing or empty: every port and protocol. */
  ports: PortSpec[] | null;
  /** Union of the peers' classes, for the matrix. */
  peerClasses: Bitset;
}

export interface CompiledNetworkPolicy {
  ref: ObjectRef;
  /** `namespace/name`, the form verdicts list. */
  key: string;
  namespace: string;
  source?: SourceRef;
  object: KubeObject;
  selected: Bitset;
  podSelector: LabelSelector;
  isolates: Record<Direction, boolean>;
  rules: Record<Direction, CompiledRule[]>;
}

/** Field errors the API server would return for this NetworkPolicy (empty when valid). */
export function validateNetworkPolicy(np: Obj): string[] {
  const errs: string[] = [];
  const spec = np.spec;
  if (!spec || typeof spec !== 'object') return ['spec: Required value'];
  for (const [i, t] of (Array.isArray(spec.policyTypes) ? spec.policyTypes : []).entries()) {
    if (t !== 'Ingress' && t !== 'Egress') errs.push(`spec.policyTypes[${i}]: Unsupported value: ${JSON.stringify(t)}: supported values: "Ingress", "Egress"`);
  }
  for (const dir of ['ingress', 'egress'] as const) {
    const rules = spec[dir];
    if (rules === undefined || rules === null) continue;
    if (!Array.isArray(rules)) { errs.push(`spec.${dir}: Invalid value: must be a list`); continue; }
    const peerField = dir === 'ingress' ? 'from' : 'to';
    rules.forEach((rule: Obj, ri: number) => {
      const path = `spec.${dir}[${ri}]`;
      if (rule === null || typeof rule !== 'object') { errs.push(`${path}: Invalid value: must be an object`); return; }
      const ports = rule.ports ?? [];
      if (!Array.isArray(ports)) errs.push(`${path}.ports: Invalid value: must be a list`);
      else ports.forEach((p: Obj, pi: number) => validatePort(p, `${path}.ports[${pi}]`, errs));
      const peers = rule[peerField] ?? [];
      if (!Array.isArray(peers)) errs.push(`${path}.${peerField}: Invalid value: must be a list`);
      else peers.forEach((peer: Obj, pi: number) => validatePeer(peer, `${path}.${peerField}[${pi}]`, errs));
    });
  }
  return errs;
}

function validatePort(p: Obj, path: string, errs: string[]): void {
  if (p === null || typeof p !== 'object') { errs.push(`${path}: Invalid value: must be an object`); return; }
  const proto = p.protocol ?? 'TCP';
  if (!PROTOCOLS.includes(proto)) errs.push(`${path}.protocol: Unsupported value: ${JSON.stringify(proto)}: supported values: "SCTP", "TCP", "UDP"`);
  if (p.port !== undefined && p.port !== null) {
    if (typeof p.port === 'number') {
      if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) errs.push(`${path}.port: Invalid value: ${p.port}: must be between 1 and 65535, inclusive`);
    } else if (typeof p.port === 'string') {
      if (!isValidPortName(p.port)) errs.push(`${path}.port: Invalid value: ${JSON.stringify(p.port)}: must be a valid port name (IANA_SVC_NAME)`);
    } else errs.push(`${path}.port: Invalid value: ${JSON.stringify(p.port)}: must be an integer or a port name`);
  }
  if (p.endPort !== undefined && p.endPort !== null) {
    if (p.port === undefined || p.port === null) errs.push(`${path}.endPort: Required value: may not be specified when \`port\` is not specified`);
    else if (typeof p.port === 'string') errs.push(`${path}.endPort: Invalid value: ${p.endPort}: may not be specified when \`port\` is non-numeric`);
    else if (typeof p.endPort !== 'number' || !Number.isInteger(p.endPort) || p.endPort < 1 || p.endPort > 65535) errs.push(`${path}.endPort: Invalid value: ${JSON.stringify(p.endPort)}: must be between 1 and 65535, inclusive`);
    else if (typeof p.port === 'number' && p.endPort < p.port) errs.push(`${path}.endPort: Invalid value: ${p.endPort}: must be greater than or equal to \`port\``);
  }
}

function validatePeer(peer: Obj, path: string, errs: string[]): void {
  if (peer === null || typeof peer !== 'object') { errs.push(`${path}: Invalid value: must be an object`); return; }
  const n = ['podSelector', 'namespaceSelector', 'ipBlock'].filter((k) => peer[k] !== undefined && peer[k] !== null).length;
  if (n === 0) { errs.push(`${path}: Required value: must specify a peer`); return; }
  if (peer.ipBlock !== undefined && peer.ipBlock !== null) {
    if (n > 1) { errs.push(`${path}: Forbidden: may not specify both ipBlock and another peer`); return; }
    const b = peer.ipBlock;
    let cidr: Cidr | undefined;
    try { cidr = parseCidr(String(b.cidr ?? '')); } catch { errs.push(`${path}.ipBlock.cidr: Invalid value: ${JSON.stringify(b.cidr ?? '')}: must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)`); }
    (Array.isArray(b.except) ? b.except : []).forEach((e: unknown, i: number) => {
      let ex: Cidr;
      try { ex = parseCidr(String(e)); } catch { errs.push(`${path}.ipBlock.except[${i}]: Invalid value: ${JSON.stringify(e)}: must be a valid CIDR value`); return; }
      if (cidr && !(ex.family === cidr.family && ex.prefix > cidr.prefix && ex.base >= cidr.base && ex.base + ex.size <= cidr.base + cidr.size)) {
        errs.push(`${path}.ipBlock.except[${i}]: Invalid value: ${JSON.stringify(e)}: must be a strict subset of \`cidr\``);
      }
    });
  }
}

export function parsePortSpecs(ports: unknown): PortSpec[] | null {
  if (!Array.isArray(ports) || ports.length === 0) return null;
  return ports.map((p: Obj) => {
    const protocol = (p.protocol ?? 'TCP') as Protocol;
    if (typeof p.port === 'string') return { protocol, name: p.port };
    if (typeof p.port === 'number') return { protocol, port: p.port, endPort: typeof p.endPort === 'number' ? p.endPort : undefined };
    return { protocol };
  });
}

export function ipBlockOf(b: Obj): IpBlock {
  const cidr = parseCidr(String(b.cidr));
  const except = (Array.isArray(b.except) ? b.except : []).map((e: unknown) => parseCidr(String(e)));
  return { cidr, except, text: except.length > 0 ? `${b.cidr} except ${b.except.join(', ')}` : String(b.cidr) };
}

/** The CIDRs a policy names (cidr and except), so pod classes can be split by them. */
export function networkPolicyCidrs(np: Obj): Cidr[] {
  const out: Cidr[] = [];
  for (const rule of [...(np.spec?.ingress ?? []), ...(np.spec?.egress ?? [])]) {
    for (const peer of [...(rule?.from ?? []), ...(rule?.to ?? [])]) {
      if (peer?.ipBlock) { const b = ipBlockOf(peer.ipBlock); out.push(b.cidr); pushAll(out, b.except); }
    }
  }
  return out;
}

/** Peers repeat across policies (the same selectors in many namespaces): each distinct one is computed once. */
export type PeerCache = Map<string, CompiledPeer>;

function compilePeer(index: ClassIndex, namespace: string, peer: Obj, cache: PeerCache): CompiledPeer {
  const key = `${peer.ipBlock || peer.namespaceSelector ? '' : namespace}\u0000${JSON.stringify(peer)}`;
  let c = cache.get(key);
  if (!c) cache.set(key, (c = compilePeerUncached(index, namespace, peer)));
  return c;
}

function compilePeerUncached(index: ClassIndex, namespace: string, peer: Obj): CompiledPeer {
  if (peer.ipBlock) {
    const ipBlock = ipBlockOf(peer.ipBlock);
    return { ipBlock, classes: classesInIpBlock(index, ipBlock) };
  }
  const pods = selectorMatcher(peer.podSelector);
  const namespaces = peer.namespaceSelector ? matchingNamespaces(index, selectorMatcher(peer.namespaceSelector)) : [namespace];
  return { podSelector: peer.podSelector ?? undefined, namespaceSelector: peer.namespaceSelector ?? undefined, classes: classesIn(index, namespaces, pods) };
}

function compileRules(index: ClassIndex, namespace: string, rules: unknown, peerField: 'from' | 'to', cache: PeerCache): CompiledRule[] {
  if (!Array.isArray(rules)) return [];
  return rules.map((rule: Obj, i: number) => {
    const rawPeers = Array.isArray(rule[peerField]) ? rule[peerField] : [];
    const allPeers = rawPeers.length === 0;
    const peers = rawPeers.map((p: Obj) => compilePeer(index, namespace, p, cache));
    const peerClasses = allPeers ? Bitset.full(index.classes.length) : new Bitset(index.classes.length);
    if (!allPeers) for (const p of peers) if (p.classes) peerClasses.or(p.classes);
    return { index: i, allPeers, peers, ports: parsePortSpecs(rule.ports), peerClasses };
  });
}

/** Compiles valid policies; invalid ones produce a PN2001 error and are left out, as the API server would refuse them. */
export function compileNetworkPolicies(index: ClassIndex, policies: readonly KubeObject[], sourceOf: (o: KubeObject) => SourceRef | undefined, diags: Diagnostic[]): CompiledNetworkPolicy[] {
  const out: CompiledNetworkPolicy[] = [];
  const cache: PeerCache = new Map();
  const selectedCache = new Map<string, Bitset>();
  for (const np of policies as (KubeObject & { spec: Obj })[]) {
    const namespace = np.metadata.namespace ?? 'default';
    const ref = { kind: 'NetworkPolicy', namespace, name: np.metadata.name };
    const errors = validateNetworkPolicy(np);
    if (errors.length > 0) {
      for (const e of errors) diags.push({ code: PolicyCodes.invalidPolicy, level: 'error', object: ref, source: sourceOf(np), message: `The NetworkPolicy "${np.metadata.name}" is invalid: ${e} (kubectl apply would reject it; podnet leaves it out)` });
      continue;
    }
    const spec = np.spec;
    const types: string[] = Array.isArray(spec.policyTypes) && spec.policyTypes.length > 0 ? spec.policyTypes : (spec.egress ? ['Ingress', 'Egress'] : ['Ingress']);
    out.push({
      ref, key: `${namespace}/${np.metadata.name}`, namespace, source: sourceOf(np), object: np,
      podSelector: spec.podSelector ?? {},
      selected: selectedIn(index, namespace, spec.podSelector, selectedCache),
      isolates: { Ingress: types.includes('Ingress'), Egress: types.includes('Egress') },
      rules: { Ingress: compileRules(index, namespace, spec.ingress, 'from', cache), Egress: compileRules(index, namespace, spec.egress, 'to', cache) },
    });
  }
  return out;
}

function selectedIn(index: ClassIndex, namespace: string, sel: LabelSelector | undefined, cache: Map<string, Bitset>): Bitset {
  const key = `${namespace}\u0000${JSON.stringify(sel ?? {})}`;
  let b = cache.get(key);
  if (!b) cache.set(key, (b = classesIn(index, [namespace], selectorMatcher(sel))));
  return b;
}
