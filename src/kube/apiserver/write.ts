// create, update, patch (JSON, merge, strategic, server-side apply), delete and deletecollection. Every write is the
// lab's change: the object is checked as the API server's front door checks it (kind and version of the path, the
// namespace exists, the engine's own validation with kubectl's messages, resourceVersion preconditions), then handed
// to the lab (`lab.write` / `lab.remove`: store → controllers → new snapshot). The answer is the object as stored now;
// the rebuild follows (a Service waits for it: its addresses are allocated at write). Writes are serialised, as etcd's
// transactions are. `dryRun=All` stops before the lab.
import type { IncomingMessage, ServerResponse } from 'node:http';
import YAML from 'yaml';
import { applyDefaults } from '../../api/defaults.js';
import type { KubeObject } from '../../api/types.js';
import { validateObject } from '../../api/validate.js';
import { objectKey } from '../../serve/lab/snapshot.js';
import { readBody, sendJSON } from './http.js';
import { ApplyConflicts, printPath, serverSideApply, updateManagedFields } from './managed.js';
import { jsonPatch, mergePatch, PatchError, strategicMergePatch, type Json } from './patch.js';
import { filtersOf, parseBool, type Scope } from './read.js';
import { groupVersion, resourceOfStoreKind, type ApiResource } from './resources.js';
import { RequestTooLarge, type EphemeralContainers } from './ephemeral.js';
import { rfc3339 } from './revisions.js';
import { definitionOfKind, shapeOfDefinition, unknownFields, type Shape } from './schema.js';
import { ApiError, errors, qualifiedResource } from './status.js';
import { OWN_KINDS, present, storeKindOf } from './store.js';

type Obj = Record<string, any>;

/** Where the lab's desired state says an object came from when it was written through this API. */
export const WRITTEN_HERE = '<kube-api>';
const SOURCE = WRITTEN_HERE;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export class Writes {
  private queue: Promise<unknown> = Promise.resolve();

  /** Runs writes one at a time: each sees the state the previous one left. */
  serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function shapeOf(r: ApiResource, version: string): Shape {
  return shapeOfDefinition(definitionOfKind(r.group, version, r.kind));
}

/** Parses a JSON or YAML body (YAML with a small alias budget: a body is at most 3 MiB and never expands further). */
export function parseBody(buf: Buffer, contentType: string | undefined): unknown {
  const type = (contentType ?? 'application/json').split(';')[0].trim().toLowerCase();
  // client-go's typed clients (kubectl create deployment|namespace|secret…) send protobuf; this server reads JSON and YAML.
  if (type.includes('protobuf') || type === 'application/cbor') {
    throw new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'UnsupportedMediaType', code: 415, message: `the lab's Kubernetes API reads JSON and YAML bodies, not ${type}: create the object from a manifest (kubectl apply -f / kubectl create -f), which kubectl sends as JSON` });
  }
  const text = buf.toString('utf8');
  try {
    if (type.endsWith('yaml')) return YAML.parse(text, { maxAliasCount: 100, uniqueKeys: false });
    return JSON.parse(text);
  } catch (e) {
    throw errors.badRequest(`the body of the request could not be decoded as ${type.endsWith('yaml') ? 'YAML' : 'JSON'}: ${(e as Error).message.split('\n')[0].slice(0, 300)}`);
  }
}

function fieldManager(scope: Scope, req: IncomingMessage, required: boolean): string {
  const given = scope.query.get('fieldManager');
  if (given) {
    if (given.length > 128) throw errors.badRequest(`fieldManager: Too long: may not be more than 128 bytes`);
    return given;
  }
  if (required) throw errors.badRequest('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
  // The API server's default: the User-Agent up to its first '/'.
  return (req.headers['user-agent'] ?? 'unknown').split('/')[0].slice(0, 128) || 'unknown';
}

/** The checks of the API server's decoding and admission that come before validation. */
function admit(scope: Scope, body: unknown, name: string | undefined): Obj {
  const { r, version } = scope;
  if (!isObj(body)) throw errors.badRequest(`the body of the request must be a ${r.kind} object`);
  const apiVersion = groupVersion(r.group, version);
  if (body.apiVersion !== undefined && body.apiVersion !== apiVersion) throw errors.badRequest(`the API version in the data (${body.apiVersion}) does not match the expected API version (${apiVersion})`);
  if (body.kind !== undefined && body.kind !== r.kind) throw errors.badRequest(`the kind in the data (${body.kind}) does not match the expected kind (${r.kind})`);
  const meta = isObj(body.metadata) ? { ...body.metadata } : {};
  if (r.namespaced) {
    if (meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== scope.namespace) throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    meta.namespace = scope.namespace;
  } else delete meta.namespace;
  if (name !== undefined) {
    if (meta.name !== undefined && meta.name !== name) throw errors.badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
    meta.name = name;
  }
  return { ...body, apiVersion, kind: r.kind, metadata: meta };
}

/**
 * fieldValidation: fields the schema does not know (and the live object did not already have) fail the request with
 * Strict (kubectl's default), become a Warning header with Warn (the API server's default), pass with Ignore.
 */
function checkFields(scope: Scope, res: ServerResponse, obj: Obj, live: Obj | undefined, creating: boolean): void {
  const mode = scope.query.get('fieldValidation') ?? 'Warn';
  if (mode === 'Ignore') return;
  if (mode !== 'Strict' && mode !== 'Warn') throw errors.badRequest(`fieldValidation: Unsupported value: ${JSON.stringify(mode)}: supported values: "Ignore", "Strict", "Warn"`);
  const shape = shapeOf(scope.r, scope.version);
  const { status: _s, ...body } = obj;
  const had = new Set(live ? unknownFields({ ...live, status: undefined }, shape) : []);
  const unknown = unknownFields(body, shape).filter((f) => !had.has(f));
  if (unknown.length === 0) return;
  const list = unknown.map((f) => `unknown field ${JSON.stringify(f)}`);
  if (mode === 'Warn') { res.setHeader('Warning', list.map((l) => `299 - ${JSON.stringify(l)}`)); return; }
  const what = `strict decoding error: ${list.join(', ')}`;
  throw errors.badRequest(creating ? `${scope.r.kind} in version "${scope.version}" cannot be handled as a ${scope.r.kind}: ${what}` : what);
}

/** The engine's validation, answered as 422 Invalid with kubectl's message. */
function validate(r: ApiResource, obj: Obj): void {
  const errs = validateObject(obj as KubeObject);
  if (errs.length) throw errors.invalid(r, String(obj.metadata?.name ?? ''), errs);
}

function namespaceExists(scope: Scope): void {
  if (!scope.r.namespaced) return;
  const ns = resourceOfStoreKind('Namespace')!;
  if (!scope.store.get(ns, '', scope.namespace)) throw errors.namespaceNotFound(scope.namespace);
}

const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
function generatedName(prefix: string): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += GENERATE_ALPHABET[Math.floor(Math.random() * GENERATE_ALPHABET.length)];
  return `${prefix}${s}`;
}

const dryRun = (scope: Scope) => scope.query.getAll('dryRun').includes('All');

/** The key the lab's desired state keeps an object under. */
const keyOf = (r: ApiResource, namespace: string, name: string) => objectKey({ kind: r.kind, metadata: { ...(r.namespaced ? { namespace } : {}), name } });

/**
 * What the lab stores for an object written through the API: the object without its resourceVersion (the store's
 * business) and without status (controllers write status; a status given in the manifests stays as it was).
 */
function desiredOf(obj: Obj, keepStatus: unknown): Obj {
  const { resourceVersion: _rv, ...metadata } = obj.metadata ?? {};
  const { status: _status, ...rest } = obj;
  return { ...rest, metadata, ...(keepStatus !== undefined ? { status: keepStatus } : {}) };
}

/**
 * Kinds whose write the API server finishes itself before storing it: a Service's ClusterIP and NodePorts are
 * allocated by its registry (a clash is a 422), so the answer waits for the engine's build, and carries them.
 */
const ALLOCATED_AT_WRITE = new Set(['Service']);

/**
 * Hands the object to the lab's desired state. Most kinds are stored at once (watchers see them now) and the engine's
 * rebuild follows; an object the rebuild refuses is undone with a Warning Event saying why.
 */
async function commit(scope: Scope, obj: Obj, code: number, res: ServerResponse): Promise<void> {
  const { r, store } = scope;
  const name = String(obj.metadata.name);
  if (OWN_KINDS.has(storeKindOf(r))) {
    const s = store.revisions.put(storeKindOf(r), obj);
    return sendJSON(res, code, present(r, scope.version, s.object));
  }
  const key = keyOf(r, scope.namespace, name);
  const written = store.lab.write([{ object: obj as KubeObject, source: { file: SOURCE, line: 1 } }]);
  if (ALLOCATED_AT_WRITE.has(r.kind) || written.results.every((x) => x.action === 'unchanged')) {
    const refused = (await written.built).errors.get(key);
    if (refused) throw new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Invalid', code: 422, message: refused.map((m) => m.replace(/^<kube-api>:1: /, '')).join('\n') });
    const stored = store.get(r, scope.namespace, name);
    if (!stored) throw errors.internal(`the lab did not keep ${qualifiedResource(r)} "${name}"`);
    return sendJSON(res, code, present(r, scope.version, stored.object));
  }
  const stored = store.accept(r, obj);
  written.built.then((o) => { const m = o.errors.get(key); if (m) store.refused(r, stored.object, m.map((x) => x.replace(/^<kube-api>:1: /, ''))); }, () => undefined);
  sendJSON(res, code, present(r, scope.version, stored.object));
}

/** Objects the lab's controllers or the lab itself made (a Deployment's pods, EndpointSlices, kube-dns): not writable. */
function ownedElsewhere(scope: Scope, name: string): ApiError | undefined {
  if (OWN_KINDS.has(storeKindOf(scope.r))) return undefined;
  if (scope.store.lab.desired(keyOf(scope.r, scope.namespace, name))) return undefined;
  const live = scope.store.get(scope.r, scope.namespace, name)?.object;
  if (!live) return undefined;
  const owner = (live.metadata?.ownerReferences as Obj[] | undefined)?.find((o) => o.controller);
  const why = owner
    ? `the lab's ${owner.kind} controller makes it from ${owner.kind} "${owner.name}" and would make it again as it is: change the ${owner.kind} instead`
    : 'the lab makes it itself (it is not in the manifests nor written through the API)';
  return errors.forbidden(scope.r, name, why);
}

export async function create(scope: Scope, writes: Writes, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = parseBody(await readBody(req), req.headers['content-type']);
  const manager = fieldManager(scope, req, false);
  await writes.serial(async () => {
    const obj = admit(scope, body, undefined);
    if (!obj.metadata.name && obj.metadata.generateName) obj.metadata.name = generatedName(String(obj.metadata.generateName));
    if (!obj.metadata.name) throw errors.invalid(scope.r, '', [{ type: 'Required', field: 'metadata.name', detail: 'name or generateName is required' }]);
    namespaceExists(scope);
    if (scope.store.get(scope.r, scope.namespace, obj.metadata.name)) throw errors.alreadyExists(scope.r, obj.metadata.name);
    checkFields(scope, res, obj, undefined, true);
    validate(scope.r, obj);
    const time = rfc3339(scope.now());
    obj.metadata.creationTimestamp = time;
    delete obj.metadata.resourceVersion;
    obj.metadata.managedFields = updateManagedFields(undefined, obj, shapeOf(scope.r, scope.version), { manager, apiVersion: obj.apiVersion, time });
    const stored = desiredOf(obj, undefined);
    if (dryRun(scope)) return sendJSON(res, 201, applyDefaults(stored as KubeObject));
    await commit(scope, stored, 201, res);
  });
}

/** The live object for a write, after the checks every write of an existing object makes. */
function existing(scope: Scope): Obj {
  const name = scope.name!;
  const stored = scope.store.get(scope.r, scope.namespace, name);
  if (!stored) throw errors.notFound(scope.r, name);
  const elsewhere = ownedElsewhere(scope, name);
  if (elsewhere) throw elsewhere;
  return present(scope.r, scope.version, stored.object);
}

/** A write naming a resourceVersion must name the live one (optimistic concurrency), else 409 Conflict. */
function sameVersion(scope: Scope, live: Obj, next: Obj): void {
  const rv = next.metadata?.resourceVersion;
  if (rv !== undefined && rv !== '' && rv !== live.metadata.resourceVersion) throw errors.conflict(scope.r, scope.name!, 'the object has been modified; please apply your changes to the latest version and try again');
}

/** Finishes an update of `live` to `next`: resourceVersion precondition, validation, managed fields, the lab. */
async function replace(scope: Scope, live: Obj, next: Obj, manager: string | undefined, res: ServerResponse, checkVersion: boolean): Promise<void> {
  if (checkVersion) sameVersion(scope, live, next);
  const obj = admit(scope, next, scope.name);
  for (const k of ['uid', 'creationTimestamp'] as const) if (live.metadata[k] !== undefined) obj.metadata[k] = live.metadata[k];
  checkFields(scope, res, obj, live, false);
  validate(scope.r, obj);
  if (manager !== undefined) obj.metadata.managedFields = updateManagedFields(live, obj, shapeOf(scope.r, scope.version), { manager, apiVersion: obj.apiVersion, time: rfc3339(scope.now()) });
  const before = scope.store.lab.desired(keyOf(scope.r, scope.namespace, scope.name!))?.object as Obj | undefined;
  const stored = desiredOf(obj, before?.status);
  if (dryRun(scope)) return sendJSON(res, 200, { ...obj, metadata: { ...obj.metadata, resourceVersion: live.metadata.resourceVersion } });
  await commit(scope, stored, 200, res);
}

export async function update(scope: Scope, writes: Writes, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = parseBody(await readBody(req), req.headers['content-type']);
  const manager = fieldManager(scope, req, false);
  await writes.serial(async () => {
    const live = existing(scope);
    await replace(scope, live, body as Obj, manager, res, true);
  });
}

export async function patch(scope: Scope, writes: Writes, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  const raw = await readBody(req);
  const shape = shapeOf(scope.r, scope.version);
  if (type === 'application/apply-patch+yaml') return apply(scope, writes, req, res, parseBody(raw, 'yaml'), shape);
  const body = parseBody(raw, 'application/json');
  const manager = fieldManager(scope, req, false);
  await writes.serial(async () => {
    const live = existing(scope);
    await replace(scope, live, patchedObject(live, type, body, shape), manager, res, true);
  });
}

/** The live object with a JSON, merge or strategic merge patch applied; a patch that does not apply is a 422. */
function patchedObject(live: Obj, type: string, body: unknown, shape: Shape): Obj {
  try {
    switch (type) {
      case 'application/json-patch+json': return jsonPatch(live as Json, body) as Obj;
      case 'application/merge-patch+json': return mergePatch(live as Json, body as Json) as Obj;
      case 'application/strategic-merge-patch+json':
        // Custom resources have no Go struct to take patch strategies from: the API server refuses SMP for them.
        if (!shape.def) throw errors.unsupportedMediaType(type);
        if (!isObj(body)) throw new PatchError('a strategic merge patch must be a JSON object');
        return strategicMergePatch(live as never, body as never, shape) as Obj;
      default: throw errors.unsupportedMediaType(type);
    }
  } catch (e) {
    if (e instanceof PatchError) throw new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Invalid', code: 422, message: e.message });
    throw e;
  }
}

/**
 * PUT or PATCH of pods/NAME/ephemeralcontainers: the change is made to the pod as served, and only its
 * spec.ephemeralContainers is kept (ephemeral.ts), whoever made the pod — a Deployment's pods take them too.
 */
export async function writeEphemeralContainers(scope: Scope, writes: Writes, ephemeral: EphemeralContainers, refresh: () => void, method: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  const body = parseBody(await readBody(req), method === 'PUT' ? req.headers['content-type'] : 'application/json');
  await writes.serial(async () => {
    const name = scope.name!;
    const stored = scope.store.get(scope.r, scope.namespace, name);
    if (!stored) throw errors.notFound(scope.r, name);
    const live = present(scope.r, scope.version, stored.object);
    let next: Obj;
    if (method === 'PUT') {
      next = admit(scope, body, name);
      sameVersion(scope, live, next);
    } else next = patchedObject(live, type, body, shapeOf(scope.r, scope.version));
    let done;
    try { done = ephemeral.update(live, next, dryRun(scope)); } catch (e) { if (e instanceof RequestTooLarge) throw errors.tooLarge(e.message); throw e; }
    if (done.errors.length) throw errors.invalid(scope.r, name, done.errors);
    if (dryRun(scope)) return sendJSON(res, 200, { ...live, spec: { ...live.spec, ephemeralContainers: done.containers } });
    refresh();
    sendJSON(res, 200, present(scope.r, scope.version, scope.store.get(scope.r, scope.namespace, name)!.object));
  });
}

async function apply(scope: Scope, writes: Writes, req: IncomingMessage, res: ServerResponse, body: unknown, shape: Shape): Promise<void> {
  const manager = fieldManager(scope, req, true);
  const force = parseBool(scope.query.get('force'));
  await writes.serial(async () => {
    if (!isObj(body)) throw errors.badRequest('an apply patch must be an object');
    if (body.apiVersion === undefined || body.kind === undefined) throw errors.badRequest('apiVersion and kind must be set in an apply patch');
    const applied = admit(scope, body, scope.name);
    const stored = scope.store.get(scope.r, scope.namespace, scope.name!);
    const time = rfc3339(scope.now());
    let result: Obj;
    try {
      if (!stored) {
        namespaceExists(scope);
        result = serverSideApply(undefined, applied, shape, { manager, apiVersion: applied.apiVersion, force, time });
        result.metadata.creationTimestamp = time;
      } else {
        const live = existing(scope);
        result = serverSideApply(live, applied, shape, { manager, apiVersion: applied.apiVersion, force, time });
      }
    } catch (e) {
      if (e instanceof ApplyConflicts) {
        throw new ApiError({
          kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: e.message, reason: 'Conflict', code: 409,
          details: { causes: e.conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${JSON.stringify(c.manager)} using ${c.apiVersion}`, field: printPath(c.path) })) },
        });
      }
      throw e;
    }
    if (!stored) {
      checkFields(scope, res, result, undefined, true);
      validate(scope.r, result);
      const obj = desiredOf(result, undefined);
      if (dryRun(scope)) return sendJSON(res, 201, applyDefaults(obj as KubeObject));
      return commit(scope, obj, 201, res);
    }
    await replace(scope, present(scope.r, scope.version, stored.object), result, undefined, res, false);
  });
}

export async function remove(scope: Scope, writes: Writes, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const raw = await readBody(req);
  const options = raw.length ? parseBody(raw, 'application/json') as Obj : {};
  await writes.serial(async () => {
    const live = existing(scope);
    const pre = isObj(options.preconditions) ? options.preconditions : {};
    if (pre.uid && pre.uid !== live.metadata.uid) throw errors.conflict(scope.r, scope.name!, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${live.metadata.uid}`);
    if (pre.resourceVersion && pre.resourceVersion !== live.metadata.resourceVersion) throw errors.conflict(scope.r, scope.name!, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${live.metadata.resourceVersion}`);
    if (dryRun(scope) || (Array.isArray(options.dryRun) && options.dryRun.includes('All'))) return sendJSON(res, 200, live);
    await deleteObjects(scope, [live]);
    sendJSON(res, 200, live);
  });
}

/** Deletes objects through the lab; a Namespace takes everything written into it along (the namespace controller). */
async function deleteObjects(scope: Scope, objects: Obj[]): Promise<void> {
  if (OWN_KINDS.has(storeKindOf(scope.r))) {
    for (const o of objects) scope.store.revisions.remove(storeKindOf(scope.r), String(o.metadata.namespace ?? ''), String(o.metadata.name));
    return;
  }
  const keys = objects.map((o) => keyOf(scope.r, String(o.metadata.namespace ?? ''), String(o.metadata.name)));
  if (scope.r.kind === 'Namespace') {
    const doomed = new Set(objects.map((o) => String(o.metadata.name)));
    for (const key of scope.store.lab.desiredKeys()) if (doomed.has(key.split('/')[1])) keys.push(key);
  }
  // Gone from the store at once, as etcd deletes it; what it owned (a Deployment's pods) goes with the next snapshot.
  scope.store.lab.remove(keys);
  for (const o of objects) scope.store.forget(scope.r, String(o.metadata.namespace ?? ''), String(o.metadata.name));
}

export async function removeCollection(scope: Scope, writes: Writes, req: IncomingMessage, res: ServerResponse): Promise<void> {
  await readBody(req);
  await writes.serial(async () => {
    const filter = filtersOf(scope);
    const matching = scope.store.list(scope.r, scope.namespace || undefined).map((s) => present(scope.r, scope.version, s.object)).filter((o) => !filter || filter(o));
    const writable = matching.filter((o) => !ownedElsewhere({ ...scope, namespace: String(o.metadata.namespace ?? '') }, String(o.metadata.name)));
    if (!dryRun(scope)) await deleteObjects(scope, writable);
    sendJSON(res, 200, { kind: `${scope.r.kind}List`, apiVersion: groupVersion(scope.r.group, scope.version), metadata: { resourceVersion: String(scope.store.revisions.resourceVersion) }, items: writable });
  });
}
