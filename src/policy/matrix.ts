// The connectivity matrix, computed per equivalence class with set algebra and expanded to pods on output.
// For a fixed port/protocol: ingressFrom[d] = source classes the destination class d accepts, egressTo[c] = the
// destination classes class c may reach; allowed(c, d) = egressTo[c] ∋ d ∧ ingressFrom[d] ∋ c. Admin and Baseline
// tier rules are taken in order over the still-undecided classes (first match wins), as evaluateDirection does.
import { Bitset } from './bitset.js';
import { podKey, type PodClass, type PodObj, type Protocol } from './classes.js';
import { evaluateFlow, podEnd } from './evaluate.js';
import { hostNetworkEnd, type HostNetworkEnd } from './hostnet.js';
import type { PolicyModel } from './model.js';
import type { Direction } from './netpol.js';
import { portMatchClasses, PROTOCOLS, type PortSpec } from './ports.js';
import type { IpBlock } from './select.js';
import { pushAll } from '../util/arrays.js';

interface AnyRule { ports: PortSpec[] | null; peerClasses: Bitset }

/** Verdicts per class pair on one port: allowed(c, d) = egressTo[c] ∋ d ∧ ingressFrom[d] ∋ c. */
export interface ClassVerdicts {
  /** Per source class: the destination classes its egress side allows. Shared between classes: never mutate. */
  egressTo: Bitset[];
  /** Per destination class: the source classes its ingress side allows. Shared: never mutate. */
  ingressFrom: Bitset[];
  allowed(c: number, d: number): boolean;
}

/**
 * Both sides for every class on port/protocol. Classes with the same isolating policies, admin policies (and, for
 * ingress, the same container ports, which named ports resolve on) get the same answer, so each distinct
 * combination is computed once.
 */
export function classVerdicts(model: PolicyModel, protocol: Protocol, port: number, scope?: ReadonlySet<number>): ClassVerdicts {
  const { egressTo, ingressFrom } = verdictsAt(model, [{ protocol, port }], { scope })[0];
  return { egressTo, ingressFrom, allowed: (c, d) => egressTo[c].has(d) && ingressFrom[d].has(c) };
}

export interface VerdictOptions {
  /** Only these subject classes are computed; the others get a placeholder that must not be read. */
  scope?: ReadonlySet<number>;
  /**
   * Each verdict set narrowed to a few peer classes: bit i says whether the subject allows peer class `columns[i]`.
   * Asking about a handful of peers (the classes a change touched) keeps every set one word long.
   */
  columns?: readonly number[];
}

/**
 * The verdict sets of every subject class (egressTo, ingressFrom) at each of several ports. A subject's answer can
 * change between two ports only when some rule of its own policies matches one and not the other, so each distinct
 * set of policies is computed once per group of ports its rules cannot tell apart, not once per port.
 */
export function verdictsAt(model: PolicyModel, probes: readonly { protocol: Protocol; port: number }[], opts: VerdictOptions = {}): { egressTo: Bitset[]; ingressFrom: Bitset[] }[] {
  const { scope, columns } = opts;
  const classes = model.index.classes;
  const n = columns ? columns.length : classes.length;
  const narrowed = new Map<Bitset, Bitset>();
  const narrow = (b: Bitset): Bitset => {
    if (!columns) return b;
    let p = narrowed.get(b);
    if (!p) { p = new Bitset(n); for (let i = 0; i < n; i++) if (b.has(columns[i])) p.add(i); narrowed.set(b, p); }
    return p;
  };
  // Per probe, per rule: the classes whose ports the rule's port list matches there. Equal sets are one object (the
  // same at every probe), so a rule's value at two probes compares by identity.
  const interned = new Map<string, Bitset>();
  const portSets = probes.map(({ protocol, port }) => {
    const byKey = new Map<string, Bitset | 'all' | 'none'>();
    const byRule = new Map<AnyRule, Bitset | 'all' | 'none'>();
    return (r: AnyRule): Bitset | 'all' | 'none' => {
      let s = byRule.get(r);
      if (s !== undefined) return s;
      const key = portsKey(r.ports);
      s = byKey.get(key);
      if (s === undefined) {
        s = portMatchClasses(r.ports, protocol, port, classes);
        if (typeof s !== 'string') {
          const k = s.words.join(',');
          s = interned.get(k) ?? (interned.set(k, s), s);
        }
        byKey.set(key, s);
      }
      byRule.set(r, s);
      return s;
    };
  });
  /** The classes a rule matches as peers on probe pi; for Ingress the port is resolved on the subject class. */
  const ruleMatch = (pi: number, r: AnyRule, dir: Direction, subject: PodClass): Bitset | undefined => {
    const s = portSets[pi](r);
    if (s === 'none') return undefined;
    if (s === 'all') return narrow(r.peerClasses);
    if (dir === 'Ingress') return s.has(subject.id) ? narrow(r.peerClasses) : undefined;
    return narrow(r.peerClasses).clone().and(narrow(s));
  };
  const full = Bitset.full(n);
  const compute = (pi: number, dir: Direction, subject: PodClass): Bitset => {
    const decided = new Bitset(n);
    const allow = new Bitset(n);
    const pass = new Bitset(n);
    for (const ai of model.adminFor[subject.id]) {
      for (const r of model.adminPolicies[ai].rules[dir]) {
        const m0 = ruleMatch(pi, r, dir, subject);
        if (!m0) continue;
        const m = m0.clone().andNot(decided);
        if (r.action === 'Allow') allow.or(m);
        else if (r.action === 'Pass') pass.or(m);
        decided.or(m);
      }
    }
    const open = decided.clone().andNot(pass).not(); // undecided by ANP, or passed on
    const isolating = model.isolatedBy[dir][subject.id];
    if (isolating.length > 0) {
      const np = new Bitset(n);
      for (const i of isolating) for (const r of model.networkPolicies[i].rules[dir]) { const m = ruleMatch(pi, r, dir, subject); if (m) np.or(m); }
      return allow.or(np.and(open));
    }
    // The Baseline tier, in order; Pass skips the rest of the tier, to the default (allowed).
    const closed = open.clone().not();
    for (const bi of model.baselineFor[subject.id]) {
      for (const r of model.baselinePolicies[bi].rules[dir]) {
        const m0 = ruleMatch(pi, r, dir, subject);
        if (!m0) continue;
        const m = m0.clone().andNot(closed);
        if (r.action !== 'Deny') allow.or(m);
        closed.or(m);
      }
    }
    return allow.or(closed.not());
  };
  /** One subject's sets at every probe: probes at which each of its rules matches alike share one computation. */
  const atEveryProbe = (dir: Direction, subject: PodClass): Bitset[] => {
    if (probes.length === 1) return [compute(0, dir, subject)];
    const rules: AnyRule[] = [
      ...model.adminFor[subject.id].flatMap((i) => model.adminPolicies[i].rules[dir]),
      ...model.isolatedBy[dir][subject.id].flatMap((i) => model.networkPolicies[i].rules[dir]),
      ...model.baselineFor[subject.id].flatMap((i) => model.baselinePolicies[i].rules[dir]),
    ];
    const groups = new Map<string, Bitset>();
    return probes.map((_, pi) => {
      let sig = '';
      for (const r of rules) {
        const v = portSets[pi](r);
        sig += v === 'none' ? 'n' : v === 'all' ? 'a' : dir === 'Ingress' ? (v.has(subject.id) ? 'a' : 'n') : `#${bitsetId(v)}`;
      }
      let b = groups.get(sig);
      if (!b) groups.set(sig, (b = compute(pi, dir, subject)));
      return b;
    });
  };
  const ids = new Map<Bitset, number>();
  const bitsetId = (b: Bitset) => ids.get(b) ?? (ids.set(b, ids.size), ids.size - 1);
  const side = (dir: Direction): Bitset[][] => {
    const memo = new Map<string, Bitset[]>();
    const keys = subjectKeys(model, dir);
    const out = probes.map(() => new Array<Bitset>(classes.length));
    for (const subject of classes) {
      const key = subject.hostNetwork || (scope && !scope.has(subject.id)) ? undefined : keys[subject.id]; // out of scope: never read
      let r: Bitset[] | undefined;
      if (key !== undefined) {
        r = memo.get(key);
        if (!r) memo.set(key, (r = atEveryProbe(dir, subject)));
      }
      for (let pi = 0; pi < probes.length; pi++) out[pi][subject.id] = r ? r[pi] : full;
    }
    return out;
  };
  const egress = side('Egress'), ingress = side('Ingress');
  return probes.map((_, pi) => ({ egressTo: egress[pi], ingressFrom: ingress[pi] }));
}

const portsKeys = new WeakMap<readonly PortSpec[], string>();

/** A rule's port list as text, once per list (rules are immutable): rules with equal lists match alike. */
function portsKey(ports: readonly PortSpec[] | null): string {
  if (ports === null) return '*';
  let k = portsKeys.get(ports);
  if (k === undefined) portsKeys.set(ports, (k = ports.map((p) => `${p.protocol}/${p.name ?? ''}/${p.port ?? ''}/${p.endPort ?? ''}`).join(',')));
  return k;
}

const keyCache = new WeakMap<PolicyModel, Partial<Record<Direction, (string | undefined)[]>>>();

/**
 * Per class, what decides its side of a flow: its admin, isolating and baseline policies (and, for ingress, its
 * container ports, which named ports resolve on); undefined when no policy does (everything allowed). The same for
 * every port, so built once per model.
 */
function subjectKeys(model: PolicyModel, dir: Direction): (string | undefined)[] {
  let m = keyCache.get(model);
  if (!m) keyCache.set(model, (m = {}));
  return (m[dir] ??= model.index.classes.map((subject) => {
    const anps = model.adminFor[subject.id];
    const isolating = model.isolatedBy[dir][subject.id];
    const baseline = model.baselineFor[subject.id];
    if (anps.length === 0 && isolating.length === 0 && baseline.length === 0) return undefined;
    const portsKey = dir === 'Ingress' ? subject.ports.map((p) => `${p.name ?? ''}/${p.protocol}/${p.containerPort}`).join(',') : '';
    return `${anps.join(',')}|${isolating.join(',')}|${baseline.join(',')}|${portsKey}`;
  }));
}

/**
 * Per source class: the destination classes it may open a connection to on port/protocol (both sides agree):
 * row(c) = egressTo[c] ∩ {d : ingressFrom[d] ∋ c}. The second set is the transpose of ingressFrom, built from the few
 * distinct ingress sets (destinations with the same policies share one) rather than pair by pair: each distinct set
 * adds its destinations to the sources it holds, or, when it holds most of them, to a common base minus those it does
 * not hold. At 6,500 classes that is milliseconds where testing every pair took seconds per port.
 */
export function classMatrix(model: PolicyModel, protocol: Protocol, port: number, scope?: ReadonlySet<number>, v: ClassVerdicts = classVerdicts(model, protocol, port, scope)): Bitset[] {
  const n = model.index.classes.length;
  const holders = new Map<Bitset, Bitset>(); // a distinct ingress set -> the destinations that have it (disjoint)
  for (let d = 0; d < n; d++) {
    if (scope && !scope.has(d)) continue;
    let dsts = holders.get(v.ingressFrom[d]);
    if (!dsts) holders.set(v.ingressFrom[d], (dsts = new Bitset(n)));
    dsts.add(d);
  }
  const accepts = Array.from({ length: n }, () => new Bitset(n)); // accepts[c] = {d : ingressFrom[d] ∋ c}
  const base = new Bitset(n);
  const missing = new Map<number, Bitset>();
  for (const [sources, dsts] of holders) {
    if (sources.count() * 2 <= n) { for (const c of sources) accepts[c].or(dsts); continue; }
    base.or(dsts);
    for (const c of sources.clone().not()) {
      let m = missing.get(c);
      if (!m) missing.set(c, (m = new Bitset(n)));
      m.or(dsts);
    }
  }
  return v.egressTo.map((dsts, c) => {
    if (scope && !scope.has(c)) return new Bitset(n);
    const from = base.clone();
    const m = missing.get(c);
    if (m) from.andNot(m);
    return from.or(accepts[c]).and(dsts);
  });
}

export interface MatrixOptions {
  /** Only pods of these namespaces (rows and columns); all when empty. */
  namespaces?: string[];
  /** A port number; when absent, `allowed` means "on at least one port" (every port range is probed). */
  port?: number;
  protocol?: Protocol;
}

export interface PodMatrix {
  pods: string[];
  port?: number;
  protocol?: Protocol;
  classCount: number;
  enforced: boolean;
  /** Whether pods[i] may connect to pods[j] (self is always allowed; with a non-enforcing CNI everything is). */
  allowed(i: number, j: number): boolean;
  /** What an enforcing CNI would do. */
  wouldBeAllowed(i: number, j: number): boolean;
  rows(): boolean[][];
  /** The whole matrix bit-packed, one row of ceil(n/32) words per source pod. */
  packed(): Uint32Array;
  /** The host-network pods among `pods` (their index there), with what the CNI does with them. */
  hostNetwork: (HostNetworkEnd & { index: number })[];
  /** The equivalence class of each pod (index into model.index.classes). */
  classOf: Int32Array;
  /** What an enforcing CNI does between two classes (pods[i] → pods[j] is this, but for `exceptions`). */
  classAllowed(c: number, d: number): boolean;
  /** Pod pairs decided pod by pod instead (a host-network pod and a pod on its node): [i, j, wouldBeAllowed]. */
  exceptions(): Iterable<[number, number, boolean]>;
}

export interface RuleFacts {
  /** Every port spec a rule names, in every tier and direction. */
  ports: readonly PortSpec[];
  /** Every ipBlock a rule's peers name: NetworkPolicy ipBlocks, Admin/Baseline tier `networks`. */
  blocks: readonly IpBlock[];
}

const factsCache = new WeakMap<PolicyModel, RuleFacts>();

/** What the rules of every policy name (ports, CIDRs), gathered in one walk per model. */
export function ruleFacts(model: PolicyModel): RuleFacts {
  let f = factsCache.get(model);
  if (f) return f;
  const ports: PortSpec[] = [], blocks: IpBlock[] = [];
  for (const dir of ['Ingress', 'Egress'] as const) {
    for (const p of model.networkPolicies) for (const r of p.rules[dir]) { pushAll(ports, r.ports ?? []); for (const peer of r.peers) if (peer.ipBlock) blocks.push(peer.ipBlock); }
    for (const a of [...model.adminPolicies, ...model.baselinePolicies]) for (const r of a.rules[dir]) { pushAll(ports, r.ports ?? []); for (const peer of r.peers) pushAll(blocks, peer.networks ?? []); }
  }
  factsCache.set(model, (f = { ports, blocks }));
  return f;
}

/** The ports at which some verdict may change, per protocol: probing one port per interval covers every port. */
export function probePorts(model: PolicyModel, scope?: ReadonlySet<number>): { protocol: Protocol; port: number }[] {
  const marks = new Map<Protocol, Set<number>>(PROTOCOLS.map((p) => [p, new Set([1])]));
  for (const s of ruleFacts(model).ports) {
    const set = marks.get(s.protocol)!;
    if (s.port !== undefined) { set.add(s.port); set.add((s.endPort ?? s.port) + 1); }
  }
  // Container ports matter where named ports resolve: on the destinations in scope.
  for (const c of model.index.classes) if (!scope || scope.has(c.id)) for (const cp of c.ports) { marks.get(cp.protocol)!.add(cp.containerPort); marks.get(cp.protocol)!.add(cp.containerPort + 1); }
  const out: { protocol: Protocol; port: number }[] = [];
  for (const [protocol, set] of marks) for (const port of [...set].sort((a, b) => a - b)) if (port >= 1 && port <= 65535) out.push({ protocol, port });
  return out;
}

export function podMatrix(model: PolicyModel, opts: MatrixOptions = {}): PodMatrix {
  const nsFilter = opts.namespaces && opts.namespaces.length > 0 ? new Set(opts.namespaces) : undefined;
  const pods = (model.cluster.pods() as PodObj[]).filter((p) => !nsFilter || nsFilter.has(p.metadata.namespace ?? 'default'));
  const keys = pods.map(podKey);
  const cls = Int32Array.from(keys, (k) => model.index.classOfPod.get(k)!);
  // Only the classes of the pods shown are computed (a namespace's matrix in a 10k-pod cluster stays fast).
  const scope = nsFilter ? new Set(cls) : undefined;
  let classAllowed: (c: number, d: number) => boolean;
  let verdicts: ClassVerdicts | undefined;
  if (opts.port !== undefined) classAllowed = (verdicts = classVerdicts(model, opts.protocol ?? 'TCP', opts.port, scope)).allowed;
  else {
    // Any port: allowed on at least one probe port (one per interval where no verdict can change).
    const probes = probePorts(model, scope).filter((p) => opts.protocol === undefined || p.protocol === opts.protocol);
    const byClass = model.index.classes.map(() => new Bitset(model.index.classes.length));
    for (const pr of probes) classMatrix(model, pr.protocol, pr.port, scope).forEach((row, c) => byClass[c].or(row));
    classAllowed = (c, d) => byClass[c].has(d);
  }
  // Traffic between a host-network pod and a pod on the same node is node traffic: decided pod by pod.
  const fixes = new Map<number, boolean>();
  const n = pods.length;
  const hostIdx = pods.map((p, i) => (p.spec?.hostNetwork === true ? i : -1)).filter((i) => i >= 0);
  if (hostIdx.length > 0) {
    const probes = opts.port !== undefined ? [{ protocol: opts.protocol ?? 'TCP', port: opts.port }] : probePorts(model, scope).filter((p) => opts.protocol === undefined || p.protocol === opts.protocol);
    for (const h of hostIdx) {
      for (let j = 0; j < n; j++) {
        if (j === h || pods[j].spec?.nodeName !== pods[h].spec?.nodeName) continue;
        for (const [a, b] of [[h, j], [j, h]]) {
          const ok = probes.some((pr) => evaluateFlow(model, podEnd(model, pods[a]), podEnd(model, pods[b]), pr.port, pr.protocol).wouldBeAllowed);
          fixes.set(a * n + b, ok);
        }
      }
    }
  }
  const would = (i: number, j: number): boolean => i === j || (fixes.get(i * n + j) ?? classAllowed(cls[i], cls[j]));
  const allowed = (i: number, j: number): boolean => !model.enforced || would(i, j);
  return {
    pods: keys, port: opts.port, protocol: opts.port !== undefined ? (opts.protocol ?? 'TCP') : opts.protocol,
    classCount: new Set(cls).size, enforced: model.enforced,
    hostNetwork: hostIdx.map((i) => ({ ...hostNetworkEnd(model.cni, pods[i]), index: i })),
    allowed, wouldBeAllowed: would,
    classOf: cls, classAllowed,
    exceptions: function* () { for (const [k, ok] of fixes) yield [Math.floor(k / n), k % n, ok] as [number, number, boolean]; },
    rows: () => Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => allowed(i, j))),
    packed: () => {
      const words = (n + 31) >>> 5;
      const out = new Uint32Array(n * words);
      const rowOfClass = new Map<number, Uint32Array>();
      const inW = verdicts?.ingressFrom.map((b) => b.words) ?? [];
      for (let i = 0; i < n; i++) {
        let row = rowOfClass.get(cls[i]);
        if (!row) {
          row = new Uint32Array(words);
          const c = cls[i];
          if (!model.enforced) row.fill(0xffffffff);
          else if (verdicts) {
            // The hot loop of a 10k-pod matrix: plain typed-array reads, no calls.
            fillRow(row, verdicts.egressTo[c].words, inW, cls, c);
          } else for (let j = 0; j < n; j++) if (classAllowed(c, cls[j])) row[j >>> 5] |= 1 << (j & 31);
          rowOfClass.set(c, row);
        }
        out.set(row, i * words);
        out[i * words + (i >>> 5)] |= 1 << (i & 31);
      }
      for (const [k, ok] of fixes) {
        const i = Math.floor(k / n), j = k % n;
        if (ok || !model.enforced) out[i * words + (j >>> 5)] |= 1 << (j & 31);
        else out[i * words + (j >>> 5)] &= ~(1 << (j & 31));
      }
      return out;
    },
  };
}

/** Row of source class c over the pods: bit j set when c may reach pod j's class and that class accepts c. */
function fillRow(row: Uint32Array, eW: Uint32Array, inW: Uint32Array[], cls: Int32Array, c: number): void {
  // First over classes (few), then over pods through that small, cache-resident row.
  const nc = inW.length;
  const byClass = new Uint32Array((nc + 31) >>> 5);
  const cw = c >>> 5, cb = c & 31;
  for (let d = 0; d < nc; d++) if ((((eW[d >>> 5] >>> (d & 31)) & (inW[d][cw] >>> cb)) & 1) !== 0) byClass[d >>> 5] |= 1 << (d & 31);
  const n = cls.length;
  for (let base = 0; base < n; base += 32) {
    let word = 0;
    const end = Math.min(32, n - base);
    for (let k = 0; k < end; k++) {
      const d = cls[base + k];
      word |= ((byClass[d >>> 5] >>> (d & 31)) & 1) << k;
    }
    row[base >>> 5] = word;
  }
}
