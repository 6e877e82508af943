// The connectivity matrix, computed per equivalence class with set algebra and expanded to pods on output.
// For a fixed port/protocol: ingressFrom[d] = source classes the destination class d accepts, egressTo[c] = the
// destination classes class c may reach; allowed(c, d) = egressTo[c] ∋ d ∧ ingressFrom[d] ∋ c. ANP rules are taken
// in order over the still-undecided classes (first match wins), exactly as evaluateDirection does for one flow.
import { Bitset } from './bitset.js';
import { podKey, type PodClass, type PodObj, type Protocol } from './classes.js';
import { evaluateFlow, podEnd } from './evaluate.js';
import type { PolicyModel } from './model.js';
import type { Direction } from './netpol.js';
import { portMatchClasses, PROTOCOLS, type PortSpec } from './ports.js';

interface AnyRule { ports: PortSpec[] | null; peerClasses: Bitset }

/** Per source class: the destination classes it may open a connection to on port/protocol (both directions agree). */
export function classMatrix(model: PolicyModel, protocol: Protocol, port: number): Bitset[] {
  const classes = model.index.classes;
  const n = classes.length;
  const portCache = new Map<AnyRule, Bitset | 'all' | 'none'>();
  const portSet = (r: AnyRule) => {
    let s = portCache.get(r);
    if (s === undefined) portCache.set(r, (s = portMatchClasses(r.ports, protocol, port, classes)));
    return s;
  };
  /** The classes a rule matches as peers on this port; for Ingress the port is resolved on the subject class. */
  const ruleMatch = (r: AnyRule, dir: Direction, subject: PodClass): Bitset | undefined => {
    const s = portSet(r);
    if (s === 'none') return undefined;
    if (s === 'all') return r.peerClasses;
    if (dir === 'Ingress') return s.has(subject.id) ? r.peerClasses : undefined;
    return r.peerClasses.clone().and(s);
  };
  const side = (dir: Direction): Bitset[] => classes.map((subject) => {
    if (subject.hostNetwork) return Bitset.full(n);
    const decided = new Bitset(n);
    const allow = new Bitset(n);
    const pass = new Bitset(n);
    for (const ai of model.adminFor[subject.id]) {
      for (const r of model.adminPolicies[ai].rules[dir]) {
        const m0 = ruleMatch(r, dir, subject);
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
      for (const pi of isolating) for (const r of model.networkPolicies[pi].rules[dir]) { const m = ruleMatch(r, dir, subject); if (m) np.or(m); }
      return allow.or(np.and(open));
    }
    const b = model.baseline;
    const closed = open.clone().not();
    if (b && b.subject.has(subject.id)) {
      for (const r of b.rules[dir]) {
        const m0 = ruleMatch(r, dir, subject);
        if (!m0) continue;
        const m = m0.clone().andNot(closed);
        if (r.action === 'Allow') allow.or(m);
        closed.or(m);
      }
    }
    return allow.or(closed.not());
  });
  const ingressFrom = side('Ingress');
  const egressTo = side('Egress');
  const ingressT = classes.map(() => new Bitset(n));
  ingressFrom.forEach((srcs, d) => { for (const c of srcs) ingressT[c].add(d); });
  return egressTo.map((dsts, c) => dsts.and(ingressT[c]));
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
}

/** The ports at which some verdict may change, per protocol: probing one port per interval covers every port. */
export function probePorts(model: PolicyModel): { protocol: Protocol; port: number }[] {
  const marks = new Map<Protocol, Set<number>>(PROTOCOLS.map((p) => [p, new Set([1])]));
  const addSpec = (s: PortSpec) => {
    const set = marks.get(s.protocol)!;
    if (s.port !== undefined) { set.add(s.port); set.add((s.endPort ?? s.port) + 1); }
  };
  for (const p of model.networkPolicies) for (const dir of ['Ingress', 'Egress'] as const) for (const r of p.rules[dir]) for (const s of r.ports ?? []) addSpec(s);
  for (const a of [...model.adminPolicies, ...(model.baseline ? [model.baseline] : [])]) for (const dir of ['Ingress', 'Egress'] as const) for (const r of a.rules[dir]) for (const s of r.ports ?? []) addSpec(s);
  for (const c of model.index.classes) for (const cp of c.ports) { marks.get(cp.protocol)!.add(cp.containerPort); marks.get(cp.protocol)!.add(cp.containerPort + 1); }
  const out: { protocol: Protocol; port: number }[] = [];
  for (const [protocol, set] of marks) for (const port of [...set].sort((a, b) => a - b)) if (port >= 1 && port <= 65535) out.push({ protocol, port });
  return out;
}

export function podMatrix(model: PolicyModel, opts: MatrixOptions = {}): PodMatrix {
  const nsFilter = opts.namespaces && opts.namespaces.length > 0 ? new Set(opts.namespaces) : undefined;
  const pods = (model.cluster.pods() as PodObj[]).filter((p) => !nsFilter || nsFilter.has(p.metadata.namespace ?? 'default'));
  const keys = pods.map(podKey);
  const cls = Int32Array.from(keys, (k) => model.index.classOfPod.get(k)!);
  let byClass: Bitset[];
  if (opts.port !== undefined) byClass = classMatrix(model, opts.protocol ?? 'TCP', opts.port);
  else {
    const probes = probePorts(model).filter((p) => opts.protocol === undefined || p.protocol === opts.protocol);
    byClass = model.index.classes.map(() => new Bitset(model.index.classes.length));
    for (const pr of probes) classMatrix(model, pr.protocol, pr.port).forEach((row, c) => byClass[c].or(row));
  }
  // Traffic between a host-network pod and a pod on the same node is node traffic: decided pod by pod.
  const fixes = new Map<number, boolean>();
  const n = pods.length;
  const hostIdx = pods.map((p, i) => (p.spec?.hostNetwork === true ? i : -1)).filter((i) => i >= 0);
  if (hostIdx.length > 0) {
    const probes = opts.port !== undefined ? [{ protocol: opts.protocol ?? 'TCP', port: opts.port }] : probePorts(model).filter((p) => opts.protocol === undefined || p.protocol === opts.protocol);
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
  const would = (i: number, j: number): boolean => i === j || (fixes.get(i * n + j) ?? byClass[cls[i]].has(cls[j]));
  const allowed = (i: number, j: number): boolean => !model.enforced || would(i, j);
  return {
    pods: keys, port: opts.port, protocol: opts.port !== undefined ? (opts.protocol ?? 'TCP') : opts.protocol,
    classCount: model.index.classes.length, enforced: model.enforced,
    allowed, wouldBeAllowed: would,
    rows: () => Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => allowed(i, j))),
    packed: () => {
      const words = (n + 31) >>> 5;
      const out = new Uint32Array(n * words);
      const rowOfClass = new Map<number, Uint32Array>();
      for (let i = 0; i < n; i++) {
        let row = rowOfClass.get(cls[i]);
        if (!row) {
          row = new Uint32Array(words);
          const set = byClass[cls[i]];
          for (let j = 0; j < n; j++) if (!model.enforced || set.has(cls[j])) row[j >>> 5] |= 1 << (j & 31);
          rowOfClass.set(cls[i], row);
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
