// Per side: the rows of the connectivity diff, folded from class verdicts to workloads (every source workload to
// every destination workload). dirty-rows.ts folds only the rows and columns a change can touch.
import type { PolicyModel } from '../policy/index.js';
import { ruleFacts, verdictsAt } from '../policy/index.js';
import { Bitset } from '../policy/bitset.js';
import type { PodObj } from '../policy/classes.js';
import type { PortGrid } from './ports.js';

/**
 * Per grid interval and source workload: ANY (some pod pair to workload w allowed) and ALL (every pair), as bit rows
 * over the common workloads, flattened: row (slot, workload) at words * (slot * n + workload), where slot[interval]
 * is shared by the intervals policy cannot tell apart. openToAll: per workload, per interval, '2' when every class of
 * it admits every pod-network pod ('' for a workload left out: no pods, or the same on both sides).
 */
export interface WorkloadRows { any: Uint32Array; all: Uint32Array; words: number; slot: Int32Array; openToAll: string[] }

/** The port probed for each of the given grid intervals. */
export const probesOf = (grid: PortGrid, intervals: readonly number[]) => intervals.map((iv) => ({ protocol: grid.protocolOf[iv], port: grid.starts[iv] }));

/** Intervals on which every rule matches alike share one slot of rows. */
export function slotsOf(model: PolicyModel, grid: PortGrid): { slot: Int32Array; distinct: number[] } {
  const same = sameVerdictIntervals(model, grid);
  const slot = new Int32Array(grid.size);
  const distinct: number[] = [];
  for (let iv = 0; iv < grid.size; iv++) slot[iv] = same[iv] === iv ? distinct.push(iv) - 1 : slot[same[iv]];
  return { slot, distinct };
}

export type Destinations = ReturnType<typeof flattenDestinations>;

/** The destination workloads holding pods, flattened: workload w[h] has the classes d[start[h]..start[h+1]]. */
export function flattenDestinations(hs: readonly { w: number; cs: readonly number[] }[], words: number) {
  const w = Int32Array.from(hs.map((x) => x.w));
  const start = new Int32Array(hs.length + 1);
  hs.forEach((x, h) => { start[h + 1] = start[h] + x.cs.length; });
  const d = Int32Array.from(hs.flatMap((x) => x.cs));
  const mask = new Uint32Array(words);
  for (const x of w) mask[x >>> 5] |= 1 << (x & 31);
  return { w, start, d, word: Int32Array.from(d, (x) => x >>> 5), bit: Int32Array.from(d, (x) => x & 31), mask };
}

/** Per interval, '2' when every class of a workload admits every pod-network pod there (closed[slot * nc + c] = 0). */
export function openIntervals(cs: readonly number[], grid: PortGrid, slot: Int32Array, closed: Uint8Array, nc: number): string {
  if (cs.length === 0) return '';
  let t = '';
  for (let iv = 0; iv < grid.size; iv++) t += cs.every((c) => closed[slot[iv] * nc + c] === 0) ? '2' : '0';
  return t;
}

export interface SideIndex {
  model: PolicyModel;
  /** Per common workload: this side's classes holding its pods (with repetition removed), and its pod count. */
  classesOf: number[][];
  pods: number[];
  /** A pod of the workload of each class (for verdicts with reasons). */
  podOf: Map<string, PodObj[]>;
}

export function indexSide(model: PolicyModel, names: Map<string, number>, groupOf: Map<PodObj, string>): SideIndex {
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
  const specs = ruleFacts(model).ports.filter((sp) => sp.name === undefined);
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

/** Every source workload to every destination workload. */
export function workloadRows(side: SideIndex, grid: PortGrid, nW: number): WorkloadRows {
  const words = (nW + 31) >>> 5;
  const model = side.model;
  const { slot, distinct } = slotsOf(model, grid);
  const any = new Uint32Array(distinct.length * nW * words);
  const all = new Uint32Array(distinct.length * nW * words);
  const nc = model.index.classes.length;
  const holders = side.classesOf.map((cs, w) => ({ w, cs })).filter((x) => x.cs.length > 0);
  const everyDst = flattenDestinations(holders, words);
  const podNetwork = Bitset.of(nc, model.index.classes.filter((c) => !c.hostNetwork).map((c) => c.id));
  const closed = new Uint8Array(distinct.length * nc);
  const perSlot = model.enforced ? verdictsAt(model, probesOf(grid, distinct)) : undefined;
  for (let si = 0; si < distinct.length; si++) {
    const verdicts = perSlot?.[si];
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
    for (let k = 0; k < sets.length; k++) {
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
      const dst = everyDst;
      if (dst.w.length === 0) continue;
      const at = words * (si * nW + a);
      for (let k = 0; k < cs.length; k++) {
        const [fAny, fAll] = verdicts ? foldClass(cs[k], dst) : [dst.mask, dst.mask];
        for (let i = 0; i < words; i++) {
          any[at + i] |= fAny[i];
          all[at + i] = k === 0 ? fAll[i] : all[at + i] & fAll[i];
        }
      }
    }
  }
  return { any, all, words, slot, openToAll: side.classesOf.map((cs) => openIntervals(cs, grid, slot, closed, nc)) };
}

