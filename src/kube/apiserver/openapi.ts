// /openapi/v3 as kube-apiserver serves it: an index of group-versions (`paths`, each with a serverRelativeURL and a
// content hash) and one OpenAPI 3.0 document per group-version, with the schemas of its kinds and of everything they
// reference (components.schemas, upstream names and documentation, the x-kubernetes list/patch markers of schema.ts,
// x-kubernetes-group-version-kind on each kind) and the resource paths with their operations. kubectl reads it for
// `explain` and to see that PATCH/POST take `fieldValidation` (then the server validates, not the client).
// Kinds without a built-in schema (Gateway API, Istio, Linkerd, network-policy-api CRDs) get what an unstructured
// CRD schema gives: apiVersion, kind, metadata, and spec/status that keep any field.
// /openapi/v2 is not served: client-go asks for it as protobuf only, and kubectl works without it (404).
import { createHash } from 'node:crypto';
import { apiGroups, groupVersion, resourcesIn, type ApiResource } from './resources.js';
import { DEFINITIONS, definitionOfKind, extensionsOf, isAtomicStructDef } from './schema.js';

type Schema = Record<string, any>;

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

/** `#/definitions/X` → `#/components/schemas/X`, a described reference as upstream writes it (allOf + default). */
function toV3(s: Schema): Schema {
  if (s.$ref) return { $ref: String(s.$ref).replace('#/definitions/', '#/components/schemas/') };
  const out: Schema = { ...s };
  if (s.items) out.items = wrapRef(toV3(s.items));
  if (s.additionalProperties) out.additionalProperties = wrapRef(toV3(s.additionalProperties));
  return out;
}

function wrapRef(s: Schema, description?: string): Schema {
  if (!s.$ref) return description ? { description, ...s } : s;
  return { ...(description ? { description } : {}), allOf: [s], default: {} };
}

function definitionV3(name: string, gvk?: { group: string; version: string; kind: string }[]): Schema {
  const d = DEFINITIONS[name] as Schema;
  const out: Schema = { ...d };
  if (d.properties) {
    out.properties = Object.fromEntries(Object.entries(d.properties as Record<string, Schema>).map(([field, p]) => {
      const { description, ...rest } = p;
      const v3 = rest.$ref ? wrapRef(toV3(rest), description) : { ...(description ? { description } : {}), ...toV3(rest) };
      return [field, { ...v3, ...extensionsOf(name, field) }];
    }));
  }
  if (isAtomicStructDef(name)) out['x-kubernetes-map-type'] = 'atomic';
  if (gvk) out['x-kubernetes-group-version-kind'] = gvk;
  return out;
}

/** Every definition reachable from `roots`. */
function closure(roots: string[]): string[] {
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name) || !DEFINITIONS[name]) return;
    seen.add(name);
    JSON.stringify(DEFINITIONS[name], (k, v) => { if (k === '$ref' && typeof v === 'string') visit(v.replace('#/definitions/', '')); return v; });
  };
  roots.forEach(visit);
  return [...seen].sort();
}

const param = (name: string, description: string, schema: Schema = { type: 'string' }): Schema => ({ name, in: 'query', description, schema, uniqueItems: true });
const WRITE_PARAMS = [
  param('dryRun', 'When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed'),
  param('fieldManager', 'fieldManager is a name associated with the actor or entity that is making these changes.'),
  param('fieldValidation', 'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore - Warn - Strict'),
];

function crdSchemaName(r: ApiResource, version: string): string {
  return `${r.group.split('.').reverse().join('.')}.${version}.${r.kind}`;
}

function operations(r: ApiResource, version: string, schemaName: string): Record<string, Schema> {
  const gvk = { group: r.group, version, kind: r.kind };
  const ref = { $ref: `#/components/schemas/${schemaName}` };
  const body = (required = true) => ({ requestBody: { content: { '*/*': { schema: ref } }, required } });
  const ok = { responses: { 200: { description: 'OK', content: { 'application/json': { schema: ref } } } } };
  const op = (action: string, id: string, extra: Schema = {}) => ({ operationId: `${id}${r.kind}`, 'x-kubernetes-action': action, 'x-kubernetes-group-version-kind': gvk, ...ok, ...extra });
  const base = `/${r.group ? `apis/${r.group}` : 'api'}/${version}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.plural}`;
  const ns = r.namespaced ? [{ name: 'namespace', in: 'path', required: true, schema: { type: 'string' } }] : [];
  return {
    [base]: {
      get: op('list', 'list', { parameters: [param('labelSelector', 'A selector to restrict the list of returned objects by their labels.'), param('fieldSelector', 'A selector to restrict the list of returned objects by their fields.'), param('watch', 'Watch for changes to the described resources.', { type: 'boolean' })] }),
      post: op('post', 'create', { ...body(), parameters: WRITE_PARAMS }),
      delete: op('deletecollection', 'deleteCollection'),
      parameters: ns,
    },
    [`${base}/{name}`]: {
      get: op('get', 'read'),
      put: op('put', 'replace', { ...body(), parameters: WRITE_PARAMS }),
      patch: op('patch', 'patch', { requestBody: { content: Object.fromEntries(['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'].map((t) => [t, { schema: { type: 'object' } }])), required: true }, parameters: [...WRITE_PARAMS, param('force', 'Force is going to "force" Apply requests.', { type: 'boolean' })] }),
      delete: op('delete', 'delete', { parameters: [param('dryRun', 'When present, indicates that modifications should not be persisted.')] }),
      parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }, ...ns],
    },
  };
}

/** The OpenAPI 3.0 document of one group-version, or undefined when it is not served. */
function groupVersionDocument(group: string, version: string): Schema | undefined {
  const rs = resourcesIn(group, version);
  if (rs.length === 0) return undefined;
  const schemas: Record<string, Schema> = {};
  const paths: Record<string, Schema> = {};
  const builtin: { r: ApiResource; def: string }[] = [];
  for (const r of rs) {
    const def = definitionOfKind(r.group, version, r.kind);
    if (def) builtin.push({ r, def });
    else {
      schemas[crdSchemaName(r, version)] = {
        type: 'object', description: `${r.kind} (${groupVersion(r.group, version)}): a custom resource the lab models; its fields are not described here.`,
        properties: {
          apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' },
          kind: { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' },
          metadata: { allOf: [{ $ref: `#/components/schemas/${META}.ObjectMeta` }], default: {}, description: "Standard object's metadata." },
          spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        },
        'x-kubernetes-group-version-kind': [{ group: r.group, kind: r.kind, version }],
      };
    }
    Object.assign(paths, operations(r, version, def ?? crdSchemaName(r, version)));
  }
  const gvkOf = new Map(builtin.map((b) => [b.def, [{ group: b.r.group, kind: b.r.kind, version }]]));
  for (const name of closure([...builtin.map((b) => b.def), `${META}.ObjectMeta`])) schemas[name] = definitionV3(name, gvkOf.get(name));
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.0+podnet' }, paths, components: { schemas } };
}

interface Served { text: string; hash: string }
const cache = new Map<string, Served | null>();

function served(gvPath: string): Served | undefined {
  if (!cache.has(gvPath)) {
    const [root, a, b] = gvPath.split('/');
    const doc = root === 'api' && a ? groupVersionDocument('', a) : root === 'apis' && a && b ? groupVersionDocument(a, b) : undefined;
    const text = doc ? JSON.stringify(doc) : undefined;
    cache.set(gvPath, text ? { text, hash: createHash('sha512').update(text).digest('hex').toUpperCase() } : null);
  }
  return cache.get(gvPath) ?? undefined;
}

function gvPaths(): string[] {
  return ['api/v1', ...apiGroups().flatMap((g) => g.versions.map((v) => `apis/${g.name}/${v}`))];
}

/** `/openapi/v3`: the index. */
export function openapiIndex(): object {
  return { paths: Object.fromEntries(gvPaths().map((p) => [p, { serverRelativeURL: `/openapi/v3/${p}?hash=${served(p)!.hash}` }])) };
}

/** `/openapi/v3/<gv path>`: the document's JSON text, or undefined. */
export function openapiDocument(gvPath: string): string | undefined {
  return served(gvPath)?.text;
}
