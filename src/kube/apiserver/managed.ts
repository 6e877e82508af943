// Field management, as sigs.k8s.io/structured-merge-diff does it for the API server: the fields an object sets, as
// paths (`f:` fields, `k:` items of associative lists by their keys, `v:` members of sets, `.` an item itself),
// written as metadata.managedFields (FieldsV1); who owns which field after a create, update, patch or server-side
// apply; the conflicts an apply meets; and the merge of an applied configuration into the live object (maps merge,
// associative lists merge by their keys, sets unite, atomic lists and structs are replaced; fields the applier owned
// before and no longer sets are removed unless someone else owns them).
import { isDeepStrictEqual } from 'node:util';
import { fieldShape, isAtomicStruct, itemShape, type Shape } from './schema.js';

type Obj = Record<string, any>;

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Obj;
  subresource?: string;
}

const SEP = '\u0000';
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Object metadata that is identity or bookkeeping, never owned. */
const UNOWNED_META = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink', 'generateName']);

const sortedJSON = (o: Obj) => JSON.stringify(Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]])));

/** List-map keys the API server defaults (a port's protocol), as structured-merge-diff fills them in before matching. */
const KEY_DEFAULTS: Record<string, unknown> = { protocol: 'TCP' };

function itemKey(item: unknown, keys: string[]): string | undefined {
  if (!isObj(item)) return undefined;
  const k: Obj = {};
  for (const key of keys) { const v = item[key] ?? KEY_DEFAULTS[key]; if (v !== undefined) k[key] = v; }
  return `k:${sortedJSON(k)}`;
}

/** The leaf paths an object (or an applied configuration) sets, each joined by NUL. */
export function fieldPaths(obj: Obj, shape: Shape): Set<string> {
  const out = new Set<string>();
  const walk = (v: unknown, s: Shape, path: string[]): void => {
    if (Array.isArray(v)) {
      const meta = s.meta;
      if (meta?.listType === 'map' && meta.listMapKeys) {
        for (const item of v) {
          const k = itemKey(item, meta.listMapKeys);
          if (!k) continue;
          out.add([...path, k, '.'].join(SEP));
          walkObject(item as Obj, itemShape(s), [...path, k]);
        }
      } else if (meta?.listType === 'set') {
        for (const item of v) out.add([...path, `v:${JSON.stringify(item)}`].join(SEP));
      } else if (path.length) out.add(path.join(SEP));
      return;
    }
    if (isObj(v) && !isAtomicStruct(s) && s.meta?.mapType !== 'atomic' && Object.keys(v).length > 0) { walkObject(v, s, path); return; }
    if (path.length) out.add(path.join(SEP));
  };
  const walkObject = (o: Obj, s: Shape, path: string[]): void => {
    for (const [k, v] of Object.entries(o)) {
      if (v === undefined) continue;
      walk(v, fieldShape(s, k), [...path, `f:${k}`]);
    }
  };
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind' || k === 'status' || v === undefined) continue;
    if (k === 'metadata' && isObj(v)) {
      for (const [mk, mv] of Object.entries(v)) if (!UNOWNED_META.has(mk) && mv !== undefined) walk(mv, fieldShape(fieldShape(shape, 'metadata'), mk), ['f:metadata', `f:${mk}`]);
      continue;
    }
    walk(v, fieldShape(shape, k), [`f:${k}`]);
  }
  return out;
}

/** FieldsV1 (nested `{"f:spec": {"f:replicas": {}}}`) from paths, and back. */
export function toFieldsV1(paths: Iterable<string>): Obj {
  const root: Obj = {};
  for (const p of paths) {
    let node = root;
    for (const el of p.split(SEP)) node = (node[el] ??= {});
  }
  return root;
}

export function fromFieldsV1(tree: unknown): Set<string> {
  const out = new Set<string>();
  const walk = (node: unknown, path: string[]) => {
    if (!isObj(node)) return;
    const keys = Object.keys(node);
    if (keys.length === 0 && path.length) { out.add(path.join(SEP)); return; }
    for (const k of keys) walk(node[k], [...path, k]);
  };
  walk(tree, []);
  return out;
}

/** The value at a path (undefined when absent); `.` is the item itself. */
function valueAt(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const el of path.split(SEP)) {
    if (el === '.') continue;
    if (el.startsWith('f:')) { cur = isObj(cur) ? cur[el.slice(2)] : undefined; continue; }
    if (el.startsWith('k:')) {
      const want = JSON.parse(el.slice(2)) as Obj;
      cur = Array.isArray(cur) ? cur.find((i) => isObj(i) && Object.entries(want).every(([k, v]) => isDeepStrictEqual(i[k] ?? KEY_DEFAULTS[k], v))) : undefined;
      continue;
    }
    if (el.startsWith('v:')) { const v = JSON.parse(el.slice(2)); cur = Array.isArray(cur) && cur.some((x) => isDeepStrictEqual(x, v)) ? v : undefined; continue; }
  }
  return cur;
}

/** `.spec.template.spec.containers[name="web"].image`, as structured-merge-diff prints a path. */
export function printPath(path: string): string {
  return path.split(SEP).filter((el) => el !== '.').map((el) => {
    if (el.startsWith('f:')) return `.${el.slice(2)}`;
    if (el.startsWith('k:')) return `[${Object.entries(JSON.parse(el.slice(2)) as Obj).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`;
    return `[=${el.slice(2)}]`;
  }).join('');
}

function removeAt(obj: Obj, path: string): void {
  const els = path.split(SEP);
  let last = els.pop()!;
  // `k:…/.` is the item itself: removing it removes the item from its list.
  if (last === '.') last = els.pop()!;
  const parent = els.length ? valueAt(obj, els.join(SEP)) : obj;
  if (last.startsWith('f:')) { if (isObj(parent)) delete parent[last.slice(2)]; return; }
  if (!Array.isArray(parent)) return;
  const want = JSON.parse(last.slice(2)) as unknown;
  const i = parent.findIndex((x) => (last.startsWith('k:') ? isObj(x) && Object.entries(want as Obj).every(([k, v]) => isDeepStrictEqual(x[k] ?? KEY_DEFAULTS[k], v)) : isDeepStrictEqual(x, want)));
  if (i >= 0) parent.splice(i, 1);
}

/** Merges an applied configuration into a copy of the live object by the schema. */
export function mergeApplied(live: unknown, applied: unknown, shape: Shape): unknown {
  if (Array.isArray(applied)) {
    const meta = shape.meta;
    if (meta?.listType === 'map' && meta.listMapKeys && Array.isArray(live)) {
      const out = [...live];
      for (const item of applied) {
        const k = itemKey(item, meta.listMapKeys);
        const i = out.findIndex((x) => itemKey(x, meta.listMapKeys!) === k);
        if (i >= 0) out[i] = mergeApplied(out[i], item, itemShape(shape)); else out.push(structuredClone(item));
      }
      return out;
    }
    if (meta?.listType === 'set' && Array.isArray(live)) return [...live, ...applied.filter((x) => !live.some((y) => isDeepStrictEqual(x, y)))];
    return structuredClone(applied);
  }
  if (isObj(applied) && isObj(live) && !isAtomicStruct(shape) && shape.meta?.mapType !== 'atomic') {
    const out: Obj = { ...live };
    for (const [k, v] of Object.entries(applied)) out[k] = mergeApplied(live[k], v, fieldShape(shape, k));
    return out;
  }
  return structuredClone(applied);
}

export interface Conflict { manager: string; apiVersion: string; path: string }

export class ApplyConflicts extends Error {
  constructor(readonly conflicts: Conflict[]) {
    const byManager = new Map<string, Conflict[]>();
    for (const c of conflicts) byManager.set(`${c.manager}\u0000${c.apiVersion}`, [...(byManager.get(`${c.manager}\u0000${c.apiVersion}`) ?? []), c]);
    const n = conflicts.length;
    const parts = [...byManager.values()].map((cs) => cs.length === 1
      ? `conflict with ${JSON.stringify(cs[0].manager)} using ${cs[0].apiVersion}: ${printPath(cs[0].path)}`
      : `conflicts with ${JSON.stringify(cs[0].manager)} using ${cs[0].apiVersion}:\n${cs.map((c) => `- ${printPath(c.path)}`).join('\n')}`);
    super(`Apply failed with ${n} conflict${n === 1 ? '' : 's'}: ${parts.join('\n')}`);
  }
}

const entrySet = (e: ManagedFieldsEntry) => fromFieldsV1(e.fieldsV1);
const withFields = (e: ManagedFieldsEntry, paths: Set<string>, time?: string): ManagedFieldsEntry => ({ ...e, fieldsV1: toFieldsV1(paths), ...(time ? { time } : {}) });

/**
 * Server-side apply: the live object (or undefined for a create) merged with the applied configuration by
 * `manager`, and the managedFields after it. Throws ApplyConflicts when another manager owns a field the
 * configuration sets to a different value, unless `force`.
 */
export function serverSideApply(live: Obj | undefined, applied: Obj, shape: Shape, o: { manager: string; apiVersion: string; force: boolean; time: string }): Obj {
  const entries: ManagedFieldsEntry[] = (live?.metadata?.managedFields ?? []) as ManagedFieldsEntry[];
  const mine = entries.find((e) => e.manager === o.manager && e.operation === 'Apply' && !e.subresource);
  const before = mine ? entrySet(mine) : new Set<string>();
  const now = fieldPaths(applied, shape);
  const conflicts: Conflict[] = [];
  const others = entries.filter((e) => e !== mine && !e.subresource);
  const taken = new Set<string>();
  for (const e of others) {
    for (const p of entrySet(e)) {
      if (!now.has(p) || p.endsWith(`${SEP}.`) || p.split(SEP).at(-1)!.startsWith('v:')) continue;
      if (live && isDeepStrictEqual(valueAt(live, p), valueAt(applied, p))) continue;
      conflicts.push({ manager: e.manager, apiVersion: e.apiVersion, path: p });
      taken.add(p);
    }
  }
  if (conflicts.length && !o.force) throw new ApplyConflicts(conflicts);
  let result = structuredClone(live ?? {}) as Obj;
  const ownedByOthers = new Set(others.flatMap((e) => [...entrySet(e)].filter((p) => !taken.has(p))));
  const dropped = [...before].filter((p) => !now.has(p) && !ownedByOthers.has(p)).sort((a, b) => b.length - a.length);
  for (const p of dropped) removeAt(result, p);
  result = mergeApplied(result, applied, shape) as Obj;
  const nextOthers = others.map((e) => withFields(e, new Set([...entrySet(e)].filter((p) => !taken.has(p))))).filter((e) => Object.keys(e.fieldsV1).length);
  const entry: ManagedFieldsEntry = { manager: o.manager, operation: 'Apply', apiVersion: o.apiVersion, time: o.time, fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(now) };
  result.metadata = { ...(result.metadata ?? {}), managedFields: [...entries.filter((e) => e.subresource), ...nextOthers, entry] };
  return result;
}

/**
 * After a create, update or patch by `manager` (operation Update): it owns the fields it set or changed, others lose
 * them; fields the write removed are nobody's. Returns the managedFields for the new object.
 */
export function updateManagedFields(old: Obj | undefined, next: Obj, shape: Shape, o: { manager: string; apiVersion: string; time: string }): ManagedFieldsEntry[] {
  const entries: ManagedFieldsEntry[] = (old?.metadata?.managedFields ?? []) as ManagedFieldsEntry[];
  const was = old ? fieldPaths(old, shape) : new Set<string>();
  const is = fieldPaths(next, shape);
  const changed = new Set([...is].filter((p) => !was.has(p) || !isDeepStrictEqual(valueAt(old, p), valueAt(next, p))));
  const removed = new Set([...was].filter((p) => !is.has(p)));
  const mine = entries.find((e) => e.manager === o.manager && e.operation === 'Update' && !e.subresource);
  const out: ManagedFieldsEntry[] = [];
  for (const e of entries) {
    if (e === mine) continue;
    const keep = new Set([...entrySet(e)].filter((p) => !changed.has(p) && !removed.has(p)));
    if (keep.size) out.push(keep.size === entrySet(e).size ? e : withFields(e, keep));
  }
  const owned = new Set([...(mine ? entrySet(mine) : []), ...changed].filter((p) => !removed.has(p) && is.has(p)));
  if (owned.size) out.push({ manager: o.manager, operation: 'Update', apiVersion: o.apiVersion, time: changed.size || !mine ? o.time : mine.time, fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(owned) });
  return out;
}
