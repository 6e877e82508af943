// Connectivity of two snapshots compared by workload: for every pair of workloads (and every workload and external
// peer), the ports per protocol on which connections are allowed before and after. Computed per equivalence class of
// pods (src/policy/classes.ts) and per probe interval, then folded to workloads: classes × classes per port, never
// pods × pods. Rows of identical classes are folded once (a row's hash picks them out).
import type { PolicyModel, Protocol } from '../policy/index.js';
import { classVerdicts, evaluateFlow, groupOfPod, ipEnd, podEnd, probePorts, type PodClass, type Verdict } from '../policy/index.js';
import { Bitset } from '../policy/bitset.js';
import type { PodObj } from '../policy/classes.js';
import { changedWorkloads } from './dirty.js';
import { externalPeers, type ExternalPeer } from './peers.js';
import { externalStates } from './external.js';
import type { PortSpec } from '../policy/ports.js';
import { combine, isNone, minus, portGrid, portSets, type PortGrid } from './ports.js';

export type PortSets = Partial<Record<Protocol, string>>;

export interface ConnectivityChange {
  /** `namespace/kind/name` of the workload (`ns/pod/name` for a bare pod), or an external peer (`192.168.3.0/24`, `internet`). */
  from: string;
  to: string;
  /** Set when one end is outside the cluster: which end. */
  external?: 'from' | 'to';
  /** Ports on which some connection is allowed, per protocol (`all`, `80,8000-9000`). */
  before: PortSets;
  after: PortSets;
  /** Allowed after and not before, and the other way round. */
  opened: PortSets;
  closed: PortSets;
  /** Of `before` / `after`, the ports where only some pod pairs are allowed (present when there are any). */
  partial?: { before: PortSets; after: PortSets };
  /** The policies that decided on the first changed port (`port`/`protocol`), per side. */
  port: number;
  protocol: Protocol;
  policies: { before: string[]; after: string[] };
  /** Where the first deciding policy is written (after the change, else before), for annotations. */
  source?: { file: string; line: number };
}

export interface ConnectivityDiff {
  added: ConnectivityChange[];
  removed: ConnectivityChange[];
  changed: ConnectivityChange[];
}

/** Per side, per workload: the ports open to the internet, and to pods of every namespace (its ingress side admits every pod). */
export interface WorkloadExposure { internet: Map<string, PortSets>; allNamespaces: Map<string, PortSets> }

interface SideIndex {
  model: PolicyModel;
  /** Per common workload: this side's classes holding its pods (with repetition removed), and its pod count. */
  classesOf: number[][];
  pods: number[];
  /** A pod of the workload of each class (for verdicts with reasons). */
  podOf: Map<string, PodObj[]>;
}

function indexSide(model: PolicyModel, names: Map<string, number>, groupOf: Map<PodObj, string>): SideIndex {
  const n = names.size;
  const classesOf: number[][] = Array.from({ length: n }, () => []);
  const pods = new Array<number>(n).fill(0);
  const podOf = new Map<string, PodObj[]>();
  for (const cls of model.index.classes) {
    for (const pod of cls.pods) {
      const g = groupOf.get(pod)!;
      const w = names.get(g)!;
      pods[w]++;
      const l = classesOf[w];
      if (l[l.length - 1] !== cls.id && !l.includes(cls.id)) l.push(cls.id);
      let ps = podOf.get(g);
      if (!ps) podOf.set(g, (ps = []));
      if (ps.length < 2) ps.push(pod);
    }
  }
  return { model, classesOf, pods, podOf };
}

/** Fixed random words for membership hashing (deterministic: the same inputs always fold the same way). */
const ZOBRIST = (() => {
  const out = new Uint32Array(4096);
  let x = 0x2545f491;
  for (let i = 0; i < out.length; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; out[i] = x >>> 0; }
  return out;
})();

/**
 * For each grid interval, the first interval on which every port spec of every policy rule matches alike (numbers,
 * ranges, and the names container ports give that port): policy cannot tell the two apart, so verdicts are equal.
 */
function sameVerdictIntervals(model: PolicyModel, grid: PortGrid): Int32Array {
  const specs: PortSpec[] = [];
  for (const p of model.networkPolicies) for (const dir of ['Ingress', 'Egress'] as const) for (const r of p.rules[dir]) for (const sp of r.ports ?? []) if (sp.name === undefined) specs.push(sp);
  for (const a of [...model.adminPolicies, ...model.baselinePolicies]) for (const dir of ['Ingress', 'Egress'] as const) for (const r of a.rules[dir]) for (const sp of r.ports ?? []) if (sp.name === undefined) specs.push(sp);
  const names = new Map<string, Set<string>>();
  for (const c of model.index.classes) for (const cp of c.ports) {
    const k = `${cp.protocol}/${cp.containerPort}`;
    let l = names.get(k);
    if (!l) names.set(k, (l = new Set()));
    l.add(cp.name ?? '');
  }
  const first = new Map<string, number>();
  const out = new Int32Array(grid.size);
  for (let iv = 0; iv < grid.size; iv++) {
    const proto = grid.protocolOf[iv], port = grid.starts[iv];
    let sig = `${proto}|${[...(names.get(`${proto}/${port}`) ?? [])].sort().join(',')}|`;
    for (const sp of specs) sig += sp.protocol === proto && (sp.port === undefined || (port >= sp.port && port <= (sp.endPort ?? sp.port))) ? '1' : '0';
    const f = first.get(sig);
    if (f === undefined) first.set(sig, iv);
    out[iv] = f ?? iv;
  }
  return out;
}

/**
 * Per grid interval and source workload: ANY (some pod pair to workload w allowed) and ALL (every pair), as bit rows
 * over the common workloads, flattened: row (slot, workload) at words * (slot * n + workload), where slot[interval]
 * is shared by the intervals policy cannot tell apart.
 */
function workloadRows(side: SideIndex, grid: PortGrid, nW: number, dirty?: Uint8Array): { any: Uint32Array; all: Uint32Array; words: number; slot: Int32Array; openToAll: string[] } {
  const words = (nW + 31) >>> 5;
  const model = side.model;
  // Intervals on which every rule matches alike share one slot of rows.
  const same = sameVerdictIntervals(model, grid);
  const slot = new Int32Array(grid.size);
  const distinct: number[] = [];
  for (let iv = 0; iv < grid.size; iv++) slot[iv] = same[iv] === iv ? distinct.push(iv) - 1 : slot[same[iv]];
  const any = new Uint32Array(distinct.length * nW * words);
  const all = new Uint32Array(distinct.length * nW * words);
  const nc = model.index.classes.length;
  const holders = side.classesOf.map((cs, w) => ({ w, cs })).filter((x) => x.cs.length > 0);
  // The destination side flattened: per workload holding pods, its classes (d[start[h]..start[h+1]]); a clean source
  // is folded only over the changed destinations (see dirty.ts).
  const flatten = (hs: typeof holders) => {
    const w = Int32Array.from(hs.map((x) => x.w));
    const start = new Int32Array(hs.length + 1);
    hs.forEach((x, h) => { start[h + 1] = start[h] + x.cs.length; });
    const d = Int32Array.from(hs.flatMap((x) => x.cs));
    const mask = new Uint32Array(words);
    for (const x of w) mask[x >>> 5] |= 1 << (x & 31);
    return { w, start, d, word: Int32Array.from(d, (x) => x >>> 5), bit: Int32Array.from(d, (x) => x & 31), mask };
  };
  const everyDst = flatten(holders);
  const changedDst = dirty ? flatten(holders.filter((x) => dirty[x.w])) : everyDst;
  const podNetwork = Bitset.of(nc, model.index.classes.filter((c) => !c.hostNetwork).map((c) => c.id));
  const closed = new Uint8Array(distinct.length * nc);
  for (const [si, iv] of distinct.entries()) {
    const verdicts = model.enforced ? classVerdicts(model, grid.protocolOf[iv], grid.starts[iv]) : undefined;
    // A class whose ingress side admits every pod-network class on this interval.
    if (verdicts) {
      const open = new Map<Bitset, boolean>();
      for (let c = 0; c < nc; c++) {
        const set = verdicts.ingressFrom[c];
        let o = open.get(set);
        if (o === undefined) { o = true; for (let i = 0; i < set.words.length && o; i++) if ((set.words[i] & podNetwork.words[i]) !== podNetwork.words[i]) o = false; open.set(set, o); }
        if (!o) closed[si * nc + c] = 1;
      }
    }
    // allowed(c, d) = egressTo[c] ∋ d ∧ ingressFrom[d] ∋ c, read straight from the class verdicts: destinations
    // share a few distinct ingress sets, so c's membership is looked up once per set.
    const setIdx = new Int32Array(nc);
    const sets: Uint32Array[] = [];
    if (verdicts) {
      const ids = new Map<Bitset, number>();
      for (let d = 0; d < nc; d++) {
        const set = verdicts.ingressFrom[d];
        let k = ids.get(set);
        if (k === undefined) { ids.set(set, (k = sets.length)); sets.push(set.words); }
        setIdx[d] = k;
      }
    }
    // A source class's row depends only on its egress set and on which ingress sets hold it: folded once per such
    // pair. Membership is hashed Zobrist-style (two random 32-bit sums over the sets holding the class, walking each
    // set's members or, for a dense set, its non-members), so telling classes apart costs the sets' sizes, not
    // classes × sets; two 32-bit sums make a collision among a few thousand classes a 1-in-10^11 event.
    const h1 = new Uint32Array(nc), h2 = new Uint32Array(nc);
    let base1 = 0, base2 = 0;
    for (let k = 0; k < (dirty ? 0 : sets.length); k++) {
      const sw = sets[k];
      const r1 = ZOBRIST[(2 * k) % ZOBRIST.length] ^ k, r2 = ZOBRIST[(2 * k + 1) % ZOBRIST.length] ^ (k * 0x9e3779b1);
      let count = 0;
      for (let i = 0; i < sw.length; i++) { let x = sw[i]; while (x) { x &= x - 1; count++; } }
      const dense = count * 2 > nc;
      if (dense) { base1 = (base1 + r1) >>> 0; base2 = (base2 + r2) >>> 0; }
      for (let i = 0; i < sw.length; i++) {
        let x = dense ? ~sw[i] : sw[i];
        if (dense && i === sw.length - 1 && (nc & 31) !== 0) x &= (1 << (nc & 31)) - 1;
        while (x) {
          const c = (i << 5) + (31 - Math.clz32(x & -x));
          x &= x - 1;
          if (dense) { h1[c] -= r1; h2[c] -= r2; } else { h1[c] += r1; h2[c] += r2; }
        }
      }
    }
    const egressIds = new Map<Bitset, number>();
    const inBit = new Uint8Array(sets.length);
    const caches = new Map<object, Map<string, Uint32Array[]>>();
    const foldClass = (c: number, dst: typeof everyDst): Uint32Array[] => {
      const eSet = verdicts!.egressTo[c];
      let e = egressIds.get(eSet);
      if (e === undefined) egressIds.set(eSet, (e = egressIds.size));
      const cw = c >>> 5, cb = c & 31;
      const sig = `${e}:${(h1[c] + base1) >>> 0}:${(h2[c] + base2) >>> 0}`;
      let cache = caches.get(dst);
      if (!cache) caches.set(dst, (cache = new Map()));
      const hit = cache.get(sig);
      if (hit) return hit;
      for (let i = 0; i < sets.length; i++) inBit[i] = (sets[i][cw] >>> cb) & 1;
      const fAny = new Uint32Array(words), fAll = new Uint32Array(words);
      const eW = eSet.words;
      const { w: dw, start, d: dd, word, bit } = dst;
      for (let k = 0; k < dw.length; k++) {
        let some = 0, every = 1;
        for (let j = start[k]; j < start[k + 1]; j++) {
          const ok = (eW[word[j]] >>> bit[j]) & inBit[setIdx[dd[j]]] & 1;
          some |= ok;
          every &= ok;
        }
        const w = dw[k];
        if (some) fAny[w >>> 5] |= 1 << (w & 31);
        if (every) fAll[w >>> 5] |= 1 << (w & 31);
      }
      const f = [fAny, fAll];
      cache.set(sig, f);
      return f;
    };
    for (const { w: a, cs } of holders) {
      const dst = !dirty || dirty[a] ? everyDst : changedDst;
      if (dst.w.length === 0) continue;
      const at = words * (si * nW + a);
      if (dirty && verdicts) {
        // Few destinations, or one source row among few: the bits are written in place, nothing is allocated.
        for (let k = 0; k < cs.length; k++) {
          const c = cs[k], cw = c >>> 5, cb = c & 31;
          const eW = verdicts.egressTo[c].words;
          const { w: dw, start, d: dd, word, bit } = dst;
          for (let h = 0; h < dw.length; h++) {
            let some = 0, every = 1;
            for (let j = start[h]; j < start[h + 1]; j++) {
              const ok = (eW[word[j]] >>> bit[j]) & (sets[setIdx[dd[j]]][cw] >>> cb) & 1;
              some |= ok;
              every &= ok;
            }
            const w = dw[h], wi = at + (w >>> 5), b = 1 << (w & 31);
            if (some) any[wi] |= b;
            if (every && (k === 0 || (all[wi] & b) !== 0)) all[wi] |= b; else all[wi] &= ~b;
          }
        }
        continue;
      }
      for (let k = 0; k < cs.length; k++) {
        const [fAny, fAll] = verdicts ? foldClass(cs[k], dst) : [dst.mask, dst.mask];
        for (let i = 0; i < words; i++) {
          any[at + i] |= fAny[i];
          all[at + i] = k === 0 ? fAll[i] : all[at + i] & fAll[i];
        }
      }
    }
  }
  // Per workload: the intervals on which every class of it admits every pod of the cluster.
  const openToAll = side.classesOf.map((cs) => {
    if (cs.length === 0) return '';
    let t = '';
    for (let iv = 0; iv < grid.size; iv++) t += cs.every((c) => closed[slot[iv] * nc + c] === 0) ? '2' : '0';
    return t;
  });
  return { any, all, words, slot, openToAll };
}

function verdictPolicies(v: Verdict | undefined): string[] {
  if (!v) return [];
  return [...new Set([...(v.egress.policies ?? []), ...(v.ingress.policies ?? [])])];
}

export function diffConnectivity(before: PolicyModel, after: PolicyModel, opts: { everyWorkload?: boolean } = {}): ConnectivityDiff & { exposure: [WorkloadExposure, WorkloadExposure] } {
  // The common workload index: every workload of either side, sorted.
  const groupOf = new Map<PodObj, string>();
  for (const m of [before, after]) for (const c of m.index.classes) for (const p of c.pods) groupOf.set(p, groupOfPod(m, p, 'workload'));
  const nameList = [...new Set(groupOf.values())].sort();
  const names = new Map(nameList.map((n, i) => [n, i]));
  const nW = nameList.length;
  const sides = [before, after].map((m) => indexSide(m, names, groupOf));
  const grid = portGrid([...probePorts(before), ...probePorts(after)]);
  const dirty = opts.everyWorkload ? undefined : changedWorkloads(before, after, names, groupOf);
  const rows = sides.map((s) => workloadRows(s, grid, nW, dirty));
  const words = rows[0].words;
  const out: ConnectivityDiff = { added: [], removed: [], changed: [] };
  const exposure: [WorkloadExposure, WorkloadExposure] = [{ internet: new Map(), allNamespaces: new Map() }, { internet: new Map(), allNamespaces: new Map() }];
  for (let s = 0; s < 2; s++) rows[s].openToAll.forEach((t, w) => { if (t && !isNone(t)) exposure[s].allNamespaces.set(nameList[w], portSets(grid, t)); });
  const verdictMemo = sides.map(() => new Map<string, Verdict | undefined>());
  const policiesAt = (s: number, a: string, b: string, port: number, protocol: Protocol, external?: ExternalPeer, dir?: 'from' | 'to'): string[] => {
    const side = sides[s];
    const key = `${a}|${b}|${port}/${protocol}`;
    if (!verdictMemo[s].has(key)) {
      let v: Verdict | undefined;
      const pa = side.podOf.get(a), pb = side.podOf.get(b);
      if (external && dir === 'to' && pa) v = evaluateFlow(side.model, podEnd(side.model, pa[0]), ipEnd(side.model, external.ip), port, protocol);
      else if (external && dir === 'from' && pb) v = evaluateFlow(side.model, ipEnd(side.model, external.ip), podEnd(side.model, pb[0]), port, protocol);
      else if (pa && pb) v = evaluateFlow(side.model, podEnd(side.model, pa[0]), podEnd(side.model, a === b && pb.length > 1 ? pb[1] : pb[0]), port, protocol);
      verdictMemo[s].set(key, v);
    }
    return verdictPolicies(verdictMemo[s].get(key));
  };
  const sources = [before, after].map((m) => {
    const map = new Map<string, { file: string; line: number }>();
    for (const p of [...m.networkPolicies, ...m.adminPolicies, ...m.baselinePolicies]) if (p.source && !map.has(p.key)) map.set(p.key, { file: p.source.file, line: p.source.line });
    return map;
  });
  const record = (from: string, to: string, was: string, now: string, external?: ExternalPeer, end?: 'from' | 'to') => {
    if (was === now) return;
    const first = [...was].findIndex((c, i) => c !== now[i]);
    const port = grid.starts[first], protocol = grid.protocolOf[first];
    const change: ConnectivityChange = {
      from, to, ...(end ? { external: end } : {}),
      before: portSets(grid, was), after: portSets(grid, now), opened: portSets(grid, minus(now, was)), closed: portSets(grid, minus(was, now)),
      port, protocol,
      policies: { before: policiesAt(0, from, to, port, protocol, external, end), after: policiesAt(1, from, to, port, protocol, external, end) },
    };
    const src = change.policies.after.map((k) => sources[1].get(k)).find(Boolean) ?? change.policies.before.map((k) => sources[0].get(k)).find(Boolean);
    if (src) change.source = src;
    if (was.includes('1') || now.includes('1')) change.partial = { before: portSets(grid, was, 2), after: portSets(grid, now, 2) };
    (isNone(was) ? out.added : isNone(now) ? out.removed : out.changed).push(change);
  };
  const state = (s: number, a: number, b: number): string => {
    if (sides[s].pods[a] === 0 || sides[s].pods[b] === 0) return '0'.repeat(grid.size);
    let t = '';
    const { any, all, slot } = rows[s];
    for (let iv = 0; iv < grid.size; iv++) {
      const at = words * (slot[iv] * nW + a) + (b >>> 5), bit = 1 << (b & 31);
      t += (all[at] & bit) !== 0 ? '2' : (any[at] & bit) !== 0 ? '1' : '0';
    }
    return t;
  };
  const slotPairs = [...new Set(Array.from({ length: grid.size }, (_, iv) => `${rows[0].slot[iv]},${rows[1].slot[iv]}`))].map((k) => k.split(',').map(Number));
  for (let a = 0; a < nW; a++) {
    // The workloads whose cell changed on some interval: XOR of the rows, word by word.
    const changed = new Uint32Array(words);
    for (const [s0, s1] of slotPairs) {
      const p = words * (s0 * nW + a), q = words * (s1 * nW + a);
      for (let i = 0; i < words; i++) changed[i] |= (rows[0].any[p + i] ^ rows[1].any[q + i]) | (rows[0].all[p + i] ^ rows[1].all[q + i]);
    }
    for (let i = 0; i < words; i++) {
      let x = changed[i];
      while (x) {
        const b = (i << 5) + (31 - Math.clz32(x & -x));
        x &= x - 1;
        // A workload's pods among themselves: only when it has two pods to talk to each other.
        if (a === b && Math.max(sides[0].pods[a], sides[1].pods[a]) < 2) continue;
        record(nameList[a], nameList[b], state(0, a, b), state(1, a, b));
      }
    }
  }
  // External peers, per workload: egress to each, ingress from each.
  const peers = externalPeers([before, after]);
  const ext = [before, after].map((m) => externalStates(m, grid, peers));
  const none = '0'.repeat(grid.size);
  for (let w = 0; w < nW; w++) {
    if (dirty && !dirty[w]) continue; // its own policies and pods decide, and they are the same on both sides
    for (const [d, end] of [[0, 'to'], [1, 'from']] as const) {
      for (const peer of peers) {
        const st = [0, 1].map((s) => (sides[s].classesOf[w].length === 0 ? none : combine(sides[s].classesOf[w].map((c) => ext[s][c][d].get(peer.name)!))));
        if (end === 'from' && peer.name === 'internet') for (const s of [0, 1]) if (!isNone(st[s])) exposure[s].internet.set(nameList[w], portSets(grid, st[s]));
        if (st[0] === st[1]) continue;
        if (end === 'to') record(nameList[w], peer.name, st[0], st[1], peer, 'to');
        else record(peer.name, nameList[w], st[0], st[1], peer, 'from');
      }
    }
  }
  const order = (x: ConnectivityChange, y: ConnectivityChange) => (x.from < y.from ? -1 : x.from > y.from ? 1 : x.to < y.to ? -1 : x.to > y.to ? 1 : 0);
  for (const l of [out.added, out.removed, out.changed]) l.sort(order);
  return { ...out, exposure };
}
