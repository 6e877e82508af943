// The rows of both sides when only a few workloads changed (dirty.ts): a pair can differ only when one end is dirty,
// so rows are folded for dirty sources (to every destination) and for every source to dirty destinations. Those need
// the full verdict sets of the dirty classes only, and of every other class just the bits for the dirty classes:
// verdicts narrowed to those columns (policy/matrix.ts verdictsAt).
import { verdictsAt } from '../policy/index.js';
import { Bitset } from '../policy/bitset.js';
import type { PortGrid } from './ports.js';
import { flattenDestinations, openIntervals, probesOf, slotsOf, type Destinations, type SideIndex, type WorkloadRows } from './rows.js';

interface Prepared {
  slot: Int32Array;
  distinct: number[];
  /** The classes holding a dirty workload's pods, sorted; col[c] is c's position among them (or -1). */
  dirtyClasses: number[];
  col: Int32Array;
  /** The dirty classes on the pod network (not host-network), as columns. */
  podNetwork: Bitset;
  /** Per slot, every class's verdicts towards / from the dirty classes (undefined: the CNI enforces nothing). */
  projected?: { egressTo: Bitset[]; ingressFrom: Bitset[] }[];
}

function prepare(side: SideIndex, grid: PortGrid, dirty: Uint8Array): Prepared {
  const model = side.model;
  const { slot, distinct } = slotsOf(model, grid);
  const set = new Set<number>();
  side.classesOf.forEach((cs, w) => { if (dirty[w]) for (const c of cs) set.add(c); });
  const dirtyClasses = [...set].sort((a, b) => a - b);
  const col = new Int32Array(model.index.classes.length).fill(-1);
  dirtyClasses.forEach((c, i) => { col[c] = i; });
  const projected = model.enforced ? verdictsAt(model, probesOf(grid, distinct), { columns: dirtyClasses }) : undefined;
  const classes = model.index.classes;
  const podNetwork = Bitset.of(dirtyClasses.length, dirtyClasses.flatMap((c, i) => (classes[c].hostNetwork ? [] : [i])));
  return { slot, distinct, dirtyClasses, col, podNetwork, projected };
}

/**
 * Per interval, '2' when every class of the workload admits every pod-network pod of the dirty classes. A clean
 * workload's pods and policies are the same on both sides, and so is what they say of every clean pod: its "open to
 * every pod" record can differ between the sides only when this differs.
 */
function openToDirty(side: SideIndex, p: Prepared, grid: PortGrid, w: number): string {
  const cs = side.classesOf[w];
  if (cs.length === 0) return '';
  if (!p.projected) return '2'.repeat(grid.size);
  const podNetwork = p.podNetwork;
  let t = '';
  for (let iv = 0; iv < grid.size; iv++) {
    const v = p.projected[p.slot[iv]];
    t += cs.every((c) => holdsAll(v.ingressFrom[c], podNetwork)) ? '2' : '0';
  }
  return t;
}

const holdsAll = (set: Bitset, of: Bitset): boolean => {
  for (let i = 0; i < of.words.length; i++) if ((set.words[i] & of.words[i]) !== of.words[i]) return false;
  return true;
};

/**
 * ORs one source class's verdicts into its workload's row (ANY) and ANDs them into ALL: for each destination workload,
 * whether some / every class d of it is allowed, egress[at(d)] ∧ ingress[d] ∋ bit. A dirty source (foldDirtySource)
 * reads its egress in full (at(d) = d) and each destination's ingress narrowed to the dirty columns; a clean one
 * (foldCleanSource) its egress narrowed (at(d) = d's column) and each dirty destination's ingress in full. Two
 * functions rather than one with an optional column map: each stays monomorphic in the fold's innermost loop.
 */
function foldDirtySource(any: Uint32Array, all: Uint32Array, at: number, first: boolean, dst: Destinations, egress: Uint32Array, ingress: readonly Bitset[], bit: number): void {
  const { w: dw, start, d: dd } = dst;
  const cw = bit >>> 5, cb = bit & 31;
  for (let h = 0; h < dw.length; h++) {
    let some = 0, every = 1;
    for (let j = start[h]; j < start[h + 1]; j++) {
      const d = dd[j];
      const ok = (egress[d >>> 5] >>> (d & 31)) & (ingress[d].words[cw] >>> cb) & 1;
      some |= ok;
      every &= ok;
    }
    setCell(any, all, at, first, dw[h], some, every);
  }
}

function foldCleanSource(any: Uint32Array, all: Uint32Array, at: number, first: boolean, dst: Destinations, egress: Uint32Array, columnOf: Int32Array, ingress: readonly Bitset[], bit: number): void {
  const { w: dw, start, d: dd } = dst;
  const cw = bit >>> 5, cb = bit & 31;
  for (let h = 0; h < dw.length; h++) {
    let some = 0, every = 1;
    for (let j = start[h]; j < start[h + 1]; j++) {
      const d = dd[j], e = columnOf[d];
      const ok = (egress[e >>> 5] >>> (e & 31)) & (ingress[d].words[cw] >>> cb) & 1;
      some |= ok;
      every &= ok;
    }
    setCell(any, all, at, first, dw[h], some, every);
  }
}

function setCell(any: Uint32Array, all: Uint32Array, at: number, first: boolean, w: number, some: number, every: number): void {
  const wi = at + (w >>> 5), b = 1 << (w & 31);
  if (some) any[wi] |= b;
  if (every && (first || (all[wi] & b) !== 0)) all[wi] |= b; else all[wi] &= ~b;
}

/** Both sides' rows; a workload's openToAll is '' where it is the same on both sides (it is then left out). */
export function dirtyRows(sides: readonly SideIndex[], grid: PortGrid, nW: number, dirty: Uint8Array): WorkloadRows[] {
  const words = (nW + 31) >>> 5;
  const prepared = sides.map((side) => prepare(side, grid, dirty));
  // Clean workloads whose "open to every pod" may differ: computed in full, like the dirty ones.
  const inFull = Uint8Array.from(dirty);
  for (let w = 0; w < nW; w++) if (!dirty[w] && openToDirty(sides[0], prepared[0], grid, w) !== openToDirty(sides[1], prepared[1], grid, w)) inFull[w] = 1;
  return sides.map((side, s) => {
    const p = prepared[s];
    const model = side.model;
    const nc = model.index.classes.length;
    const scope = new Set<number>(p.dirtyClasses);
    side.classesOf.forEach((cs, w) => { if (inFull[w]) for (const c of cs) scope.add(c); });
    const holders = side.classesOf.map((cs, w) => ({ w, cs })).filter((x) => x.cs.length > 0);
    const everyDst = flattenDestinations(holders, words);
    const dirtyDst = flattenDestinations(holders.filter((x) => dirty[x.w]), words);
    const any = new Uint32Array(p.distinct.length * nW * words);
    const all = new Uint32Array(p.distinct.length * nW * words);
    const podNetwork = Bitset.of(nc, model.index.classes.filter((c) => !c.hostNetwork).map((c) => c.id));
    const closed = new Uint8Array(p.distinct.length * nc);
    const fulls = p.projected ? verdictsAt(model, probesOf(grid, p.distinct), { scope }) : undefined;
    for (let si = 0; si < p.distinct.length; si++) {
      const full = fulls?.[si];
      const proj = p.projected?.[si];
      if (full) for (const c of scope) if (!holdsAll(full.ingressFrom[c], podNetwork)) closed[si * nc + c] = 1;
      for (const { w: a, cs } of holders) {
        const dst = dirty[a] ? everyDst : dirtyDst;
        if (dst.w.length === 0) continue;
        const at = words * (si * nW + a);
        if (!full || !proj) {
          for (let i = 0; i < words; i++) { any[at + i] = dst.mask[i]; all[at + i] = dst.mask[i]; }
          continue;
        }
        for (let k = 0; k < cs.length; k++) {
          const c = cs[k];
          // A dirty source: its own egress in full, each destination's ingress at c's bit. A clean one (towards dirty
          // destinations only): its egress at each destination's bit, each destination's ingress in full.
          if (dirty[a]) foldDirtySource(any, all, at, k === 0, dst, full.egressTo[c].words, proj.ingressFrom, p.col[c]);
          else foldCleanSource(any, all, at, k === 0, dst, proj.egressTo[c].words, p.col, full.ingressFrom, c);
        }
      }
    }
    const openToAll = side.classesOf.map((cs, w) => (inFull[w] ? openIntervals(cs, grid, p.slot, closed, nc) : ''));
    return { any, all, words, slot: p.slot, openToAll };
  });
}
