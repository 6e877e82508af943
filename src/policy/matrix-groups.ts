// The connectivity matrix aggregated by workload or namespace, for clusters too large to read pod by pod. A group's
// pods fall into a few equivalence classes, so a cell is computed from class verdicts weighted by how many pods of
// each class the two groups hold: the work is classes × classes, never pods × pods, and rows are made one at a time
// so a caller can stream them.
import { controllerOf } from '../cluster/refs.js';
import type { PodObj } from './classes.js';
import type { PolicyModel } from './model.js';
import type { PodMatrix } from './matrix.js';

export type MatrixGrouping = 'workload' | 'namespace';

/** true: every connection between different pods of the two groups is allowed; false: none is; 'partial': some are. */
export type GroupCell = boolean | 'partial';

export interface MatrixGroup {
  /** `namespace/kind/name` for a workload (`production/deployment/backend`, `ns/pod/name` for a bare pod), or the namespace. */
  name: string;
  pods: number;
}

export interface GroupMatrix {
  by: MatrixGrouping;
  groups: MatrixGroup[];
  podCount: number;
  /** The cells of row i; `would` gives what an enforcing CNI would do (the same when the CNI enforces). */
  row(i: number, would?: boolean): GroupCell[];
}

/** The group a pod belongs to, by workload (its top controller) or namespace. */
export function groupOfPod(model: PolicyModel, pod: PodObj, by: MatrixGrouping): string {
  const ns = pod.metadata.namespace ?? 'default';
  if (by === 'namespace') return ns;
  const c = controllerOf(model.cluster, pod);
  return c ? `${ns}/${c.kind.toLowerCase()}/${c.name}` : `${ns}/pod/${pod.metadata.name}`;
}

export function groupMatrix(model: PolicyModel, m: PodMatrix, by: MatrixGrouping): GroupMatrix {
  const n = m.pods.length;
  const groupIndex = new Map<string, number>();
  const names: string[] = [];
  const groupOf = new Int32Array(n);
  const keyOf = m.pods.map((k) => groupOfPod(model, model.index.podsByKey.get(k) as PodObj, by));
  for (const k of [...new Set(keyOf)].sort()) { groupIndex.set(k, names.length); names.push(k); }
  keyOf.forEach((k, i) => { groupOf[i] = groupIndex.get(k)!; });
  // Per group: its classes and how many of its pods each holds; per class: the groups holding it, with how many.
  const members = names.map(() => new Map<number, number>());
  for (let i = 0; i < n; i++) { const g = members[groupOf[i]]; g.set(m.classOf[i], (g.get(m.classOf[i]) ?? 0) + 1); }
  const classes = members.map((g) => ({ ids: Int32Array.from(g.keys()), counts: Int32Array.from(g.values()) }));
  const size = classes.map((c) => c.counts.reduce((s, x) => s + x, 0));
  const holders = new Map<number, { group: number; count: number }[]>();
  classes.forEach((c, g) => c.ids.forEach((id, k) => { let l = holders.get(id); if (!l) holders.set(id, (l = [])); l.push({ group: g, count: c.counts[k] }); }));
  const present = [...holders.entries()];
  // Pod pairs decided pod by pod: how far each moves its cell's allowed count from the class verdict.
  const delta = new Map<number, Map<number, number>>();
  for (const [i, j, ok] of m.exceptions()) {
    const d = Number(ok) - Number(m.classAllowed(m.classOf[i], m.classOf[j]));
    if (d === 0) continue;
    let row = delta.get(groupOf[i]);
    if (!row) delta.set(groupOf[i], (row = new Map()));
    row.set(groupOf[j], (row.get(groupOf[j]) ?? 0) + d);
  }
  /** Allowed pod pairs from group g to every group: per source class of g, over the classes present (classes², not pods²). */
  const row = (g: number, would = false): GroupCell[] => {
    const out: GroupCell[] = new Array(names.length);
    if (!m.enforced && !would) return out.fill(true);
    const allowed = new Float64Array(names.length);
    const src = classes[g];
    for (let a = 0; a < src.ids.length; a++) {
      const c = src.ids[a], ca = src.counts[a];
      for (const [d, hs] of present) {
        if (!m.classAllowed(c, d)) continue;
        for (const x of hs) allowed[x.group] += ca * x.count;
      }
      // A pod's connection to itself is not counted.
      if (m.classAllowed(c, c)) allowed[g] -= ca;
    }
    for (const [h, d] of delta.get(g) ?? []) allowed[h] += d;
    for (let h = 0; h < names.length; h++) {
      const total = size[g] * size[h] - (g === h ? size[g] : 0);
      out[h] = total === 0 || allowed[h] === total ? true : allowed[h] === 0 ? false : 'partial';
    }
    return out;
  };
  return { by, groups: names.map((name, i) => ({ name, pods: size[i] })), podCount: n, row };
}
