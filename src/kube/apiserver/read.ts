// get, list and watch, as kube-apiserver answers them: resourceVersion on every object and list, label and field
// selectors, limit/continue paging (the continue token is the API server's base64 JSON {v, rv, start}), and the
// meta.k8s.io conversions kubectl asks for: server-side printing (Table, with the columns `podnet get` prints, from
// src/cli/printers) and PartialObjectMetadata.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tableData } from '../../cli/printers/table.js';
import type { KubeObject } from '../../api/types.js';
import { negotiate, sendJSON, type Conversion } from './http.js';
import type { ApiResource } from './resources.js';
import { groupVersion } from './resources.js';
import { both, fieldFilter, labelFilter, type ObjectFilter } from './selectors.js';
import { errors } from './status.js';
import { present, type ApiStore } from './store.js';
import type { StoredObject } from './revisions.js';
import { watch } from './watch.js';

type Obj = Record<string, any>;

export interface Scope {
  store: ApiStore;
  r: ApiResource;
  version: string;
  /** The request's namespace ('' for cluster-scoped kinds or all namespaces). */
  namespace: string;
  name?: string;
  query: URLSearchParams;
  now: () => Date;
}

export function getObject(scope: Scope, req: IncomingMessage, res: ServerResponse): void {
  const conv = negotiate(req.headers.accept);
  const stored = scope.store.get(scope.r, scope.namespace, scope.name!);
  if (!stored) throw errors.notFound(scope.r, scope.name!);
  const obj = present(scope.r, scope.version, stored.object);
  if (conv?.as === 'Table') return sendJSON(res, 200, toTable(scope, [obj], conv.version, String(stored.rv)));
  if (conv?.as === 'PartialObjectMetadata') return sendJSON(res, 200, partial(obj, conv.version));
  sendJSON(res, 200, obj);
}

export function filtersOf(scope: Scope): ObjectFilter | undefined {
  return both(labelFilter(scope.query.get('labelSelector')), fieldFilter(scope.r.kind, scope.query.get('fieldSelector')));
}

interface ContinueToken { v: string; rv: number; start: string }

function decodeContinue(text: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(text, 'base64').toString('utf8')) as ContinueToken;
    if (t.v === 'meta.k8s.io/v1' && typeof t.start === 'string' && typeof t.rv === 'number') return t;
  } catch { /* below */ }
  throw errors.badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}

const keyOf = (s: StoredObject) => `${s.namespace}/${s.name}`;

/** The first index past a continue token's `namespace/name`, in the list's (namespace, name) order. */
function after(all: readonly StoredObject[], start: string): number {
  const i = start.indexOf('/');
  const ns = start.slice(0, i);
  const name = start.slice(i + 1);
  let lo = 0;
  let hi = all.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const s = all[mid];
    if (s.namespace < ns || (s.namespace === ns && s.name <= name)) lo = mid + 1; else hi = mid;
  }
  return lo;
}

export function listObjects(scope: Scope, req: IncomingMessage, res: ServerResponse): void {
  const q = scope.query;
  if (parseBool(q.get('watch'))) return watch(scope, req, res);
  const conv = negotiate(req.headers.accept);
  const filter = filtersOf(scope);
  const limitText = q.get('limit');
  const limit = limitText ? Number(limitText) : 0;
  if (!Number.isInteger(limit) || limit < 0) throw errors.badRequest(`invalid value for limit: ${JSON.stringify(limitText)}`);
  const cont = q.get('continue');
  const start = cont ? decodeContinue(cont).start : undefined;
  const all = scope.store.list(scope.r, scope.namespace || undefined);
  const listRV = String(scope.store.revisions.resourceVersion);
  const items: StoredObject[] = [];
  let next: string | undefined;
  let remaining = 0;
  for (let i = start === undefined ? 0 : after(all, start); i < all.length; i++) {
    const s = all[i];
    if (filter && !filter(s.object)) continue;
    if (limit > 0 && items.length === limit) { next ??= keyOf(items[items.length - 1]); remaining++; continue; }
    items.push(s);
  }
  const metadata: Obj = { resourceVersion: listRV };
  if (next !== undefined) {
    metadata.continue = Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: Number(listRV), start: next })).toString('base64');
    // Upstream counts the rest only when no selector filters them.
    if (!filter) metadata.remainingItemCount = remaining;
  }
  const objects = items.map((s) => present(scope.r, scope.version, s.object));
  if (conv?.as === 'Table') return sendJSON(res, 200, { ...toTable(scope, objects, conv.version, listRV), metadata });
  if (conv?.as === 'PartialObjectMetadataList' || conv?.as === 'PartialObjectMetadata') {
    return sendJSON(res, 200, { kind: 'PartialObjectMetadataList', apiVersion: `meta.k8s.io/${conv.version}`, metadata, items: objects.map((o) => partial(o, conv.version)) });
  }
  sendJSON(res, 200, { kind: `${scope.r.kind}List`, apiVersion: groupVersion(scope.r.group, scope.version), metadata, items: objects });
}

/** Go's strconv.ParseBool, as the API server reads boolean query parameters (Python's client sends `True`). */
export function parseBool(v: string | null): boolean {
  return v !== null && ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v);
}

export function partial(o: Obj, version: string): Obj {
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: o.metadata };
}

const NAME_DESCRIPTION = 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';

/**
 * A meta.k8s.io Table: kubectl's column definitions (Name with format `name`, wide columns at priority 1) and one row
 * per object with its cells and, as includeObject=Metadata (the default) asks, the object's metadata.
 */
export function toTable(scope: Scope, objects: Obj[], version: string, rv: string, headers = true): Obj {
  if (scope.query.get('includeObject') && !['None', 'Metadata', 'Object'].includes(scope.query.get('includeObject')!)) {
    throw errors.badRequest(`Unable to convert to Table as requested: includeObject: Unsupported value: ${JSON.stringify(scope.query.get('includeObject'))}: supported values: "Metadata", "None", "Object"`);
  }
  const include = scope.query.get('includeObject') ?? 'Metadata';
  // Server-side printing always generates the wide columns; kubectl shows them with -o wide.
  const data = tableData(scope.r.kind, objects as KubeObject[], { wide: true, now: scope.now() });
  const noHeaders = !headers || scope.query.get('noHeaders') === 'true';
  return {
    kind: 'Table', apiVersion: `meta.k8s.io/${version}`, metadata: { resourceVersion: rv },
    ...(noHeaders ? {} : {
      columnDefinitions: data.columns.map((c, i) => ({
        name: c.name, type: 'string', format: i === 0 && c.name === 'Name' ? 'name' : '',
        description: i === 0 && c.name === 'Name' ? NAME_DESCRIPTION : '', priority: c.priority,
      })),
    }),
    rows: objects.map((o, i) => ({
      cells: data.rows[i],
      ...(include === 'None' ? {} : { object: include === 'Object' ? o : partial(o, version) }),
    })),
  };
}

export type { Conversion };
