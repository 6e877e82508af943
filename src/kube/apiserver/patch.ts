// The three patch formats of PATCH requests: JSON Patch (RFC 6902), JSON merge patch (RFC 7386) and strategic merge
// patch (apimachinery/pkg/util/strategicpatch: lists merged by their patchMergeKey, primitive merge lists as sets,
// the $patch (replace|delete|merge), $retainKeys, $setElementOrder/<list> and $deleteFromPrimitiveList/<list>
// directives kubectl's three-way patch sends). Pure functions over plain JSON; the schema says which lists merge.
import { fieldShape, itemShape, type Shape } from './schema.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

export class PatchError extends Error {}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => structuredClone(v);
const MAX_OPS = 10_000;

/** RFC 7386. */
export function mergePatch(target: Json, patch: Json): Json {
  if (!isObj(patch)) return clone(patch);
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k] ?? null, v);
  }
  return out;
}

/** RFC 6901 pointer → path segments. */
function pointer(p: unknown): string[] {
  if (typeof p !== 'string' || (p !== '' && !p.startsWith('/'))) throw new PatchError(`invalid JSON pointer: ${JSON.stringify(p)}`);
  return p === '' ? [] : p.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: Json, path: string[], op: string): { parent: Obj | Json[]; last: string } {
  let cur: Json = doc;
  for (const seg of path.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(seg, cur.length - 1, op)];
    else if (isObj(cur) && Object.hasOwn(cur, seg)) cur = cur[seg];
    else throw new PatchError(`${op} operation does not apply: doc is missing path: /${path.join('/')}`);
  }
  if (!Array.isArray(cur) && !isObj(cur)) throw new PatchError(`${op} operation does not apply: doc is missing path: /${path.join('/')}`);
  return { parent: cur, last: path[path.length - 1] };
}

function arrayIndex(seg: string, max: number, op: string): number {
  if (!/^(0|[1-9]\d*)$/.test(seg) || Number(seg) > max) throw new PatchError(`${op} operation does not apply: index out of range: ${seg}`);
  return Number(seg);
}

function getAt(doc: Json, path: string[], op: string): Json {
  if (path.length === 0) return doc;
  const { parent, last } = parentOf(doc, path, op);
  if (Array.isArray(parent)) return parent[arrayIndex(last, parent.length - 1, op)];
  if (!Object.hasOwn(parent, last)) throw new PatchError(`${op} operation does not apply: doc is missing key: /${path.join('/')}`);
  return parent[last];
}

/** RFC 6902: add, remove, replace, move, copy, test, applied in order to a copy. */
export function jsonPatch(doc: Json, ops: unknown): Json {
  if (!Array.isArray(ops)) throw new PatchError('json patch must be a list of operations');
  if (ops.length > MAX_OPS) throw new PatchError(`json patch has ${ops.length} operations; at most ${MAX_OPS} are applied`);
  let out = clone(doc);
  for (const raw of ops) {
    if (!isObj(raw) || typeof raw.op !== 'string') throw new PatchError('json patch operation must be an object with "op"');
    const op = raw.op;
    const path = pointer(raw.path);
    const put = (value: Json, replace: boolean) => {
      if (path.length === 0) { out = clone(value); return; }
      const { parent, last } = parentOf(out, path, op);
      if (Array.isArray(parent)) {
        if (last === '-' && !replace) parent.push(clone(value));
        else if (replace) parent[arrayIndex(last, parent.length - 1, op)] = clone(value);
        else parent.splice(arrayIndex(last, parent.length, op), 0, clone(value));
      } else {
        if (replace && !Object.hasOwn(parent, last)) throw new PatchError(`replace operation does not apply: doc is missing key: /${path.join('/')}`);
        parent[last] = clone(value);
      }
    };
    const remove = (p: string[]): Json => {
      if (p.length === 0) throw new PatchError('remove operation does not apply: cannot remove the whole document');
      const { parent, last } = parentOf(out, p, 'remove');
      if (Array.isArray(parent)) return parent.splice(arrayIndex(last, parent.length - 1, 'remove'), 1)[0];
      if (!Object.hasOwn(parent, last)) throw new PatchError(`remove operation does not apply: doc is missing key: /${p.join('/')}`);
      const v = parent[last];
      delete parent[last];
      return v;
    };
    switch (op) {
      case 'add': put(raw.value ?? null, false); break;
      case 'replace': put(raw.value ?? null, true); break;
      case 'remove': remove(path); break;
      case 'move': { const v = remove(pointer(raw.from)); put(v, false); break; }
      case 'copy': put(getAt(out, pointer(raw.from), 'copy'), false); break;
      case 'test':
        if (JSON.stringify(getAt(out, path, 'test')) !== JSON.stringify(raw.value ?? null)) throw new PatchError(`testing value /${path.join('/')} failed`);
        break;
      default: throw new PatchError(`Unexpected kind: ${op}`);
    }
  }
  return out;
}

const SET_ORDER = '$setElementOrder/';
const DELETE_PRIMITIVE = '$deleteFromPrimitiveList/';

/** Strategic merge patch of `original` by `patch` at `shape` (the kind's definition). */
export function strategicMergePatch(original: Obj, patch: Obj, shape: Shape): Obj {
  const r = mergeMap(original, patch, shape);
  if (r === undefined) throw new PatchError('a strategic merge patch may not delete the whole object');
  return r;
}

function mergeMap(original: Obj, patch: Obj, shape: Shape): Obj | undefined {
  const directive = patch.$patch;
  if (directive === 'delete') return undefined;
  if (directive === 'replace') return stripDirectives(patch) as Obj;
  if (directive !== undefined && directive !== 'merge') throw new PatchError(`Unknown patch type: ${JSON.stringify(directive)} in map: ${JSON.stringify(patch).slice(0, 200)}`);
  let out: Obj = { ...original };
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set(patch.$retainKeys.map(String));
    out = Object.fromEntries(Object.entries(out).filter(([k]) => keep.has(k)));
  }
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith(SET_ORDER) || k.startsWith(DELETE_PRIMITIVE)) continue;
    if (v === null) { delete out[k]; continue; }
    const child = fieldShape(shape, k);
    const old = out[k];
    if (isObj(v)) {
      const merged = mergeMap(isObj(old) ? old : {}, v, child);
      if (merged === undefined) delete out[k]; else out[k] = merged;
    } else if (Array.isArray(v)) {
      out[k] = mergeList(Array.isArray(old) ? old : [], v, child);
    } else {
      out[k] = v;
    }
  }
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith(DELETE_PRIMITIVE) && Array.isArray(v)) {
      const field = k.slice(DELETE_PRIMITIVE.length);
      const gone = new Set(v.map((x) => JSON.stringify(x)));
      if (Array.isArray(out[field])) out[field] = (out[field] as Json[]).filter((x) => !gone.has(JSON.stringify(x)));
    }
  }
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith(SET_ORDER) && Array.isArray(v)) {
      const field = k.slice(SET_ORDER.length);
      if (Array.isArray(out[field])) out[field] = reorder(out[field] as Json[], v, fieldShape(shape, field).meta?.patchMergeKey);
    }
  }
  return out;
}

function mergeList(original: Json[], patch: Json[], shape: Shape): Json[] {
  const replaceAll = patch.findIndex((e) => isObj(e) && e.$patch === 'replace' && Object.keys(e).length === 1);
  if (replaceAll >= 0) return stripDirectives(patch.filter((_, i) => i !== replaceAll)) as Json[];
  const strategy = shape.meta?.patchStrategy ?? '';
  if (!strategy.includes('merge')) return stripDirectives(patch) as Json[];
  const key = shape.meta?.patchMergeKey;
  if (!key) {
    // A primitive list that merges: the union, in the original's order then the patch's new values.
    const seen = new Set(original.map((x) => JSON.stringify(x)));
    return [...original, ...patch.filter((x) => !seen.has(JSON.stringify(x)) && (seen.add(JSON.stringify(x)), true))];
  }
  const item = itemShape(shape);
  const out = [...original];
  for (const pe of patch) {
    if (!isObj(pe)) throw new PatchError(`${JSON.stringify(pe)}: a list merged by ${key} holds objects`);
    if (!(key in pe)) throw new PatchError(`map: ${JSON.stringify(stripDirectives(pe))} does not contain declared merge key: ${key}`);
    const i = out.findIndex((e) => isObj(e) && JSON.stringify(e[key]) === JSON.stringify(pe[key]));
    if (pe.$patch === 'delete') { if (i >= 0) out.splice(i, 1); continue; }
    const merged = mergeMap(i >= 0 && isObj(out[i]) ? (out[i] as Obj) : {}, pe, item);
    if (merged === undefined) { if (i >= 0) out.splice(i, 1); continue; }
    if (i >= 0) out[i] = merged; else out.push(merged);
  }
  return out;
}

/** $setElementOrder: the listed elements in that order, then the others in the order they had. */
function reorder(list: Json[], order: Json[], key: string | undefined): Json[] {
  const id = (e: Json) => JSON.stringify(key && isObj(e) ? e[key] : e);
  const rank = new Map(order.map((e, i) => [id(e), i]));
  const ranked = list.filter((e) => rank.has(id(e))).sort((a, b) => rank.get(id(a))! - rank.get(id(b))!);
  return [...ranked, ...list.filter((e) => !rank.has(id(e)))];
}

function stripDirectives(v: Json): Json {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith(SET_ORDER) || k.startsWith(DELETE_PRIMITIVE)) continue;
    out[k] = stripDirectives(x);
  }
  return out;
}

export type { Json, Obj };
