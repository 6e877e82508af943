// The shape of the modelled built-in kinds, for the three things that need more than JSON: strategic merge patch
// (patchStrategy / patchMergeKey), server-side apply (listType map/set/atomic, listMapKeys, atomic structs and maps)
// and the OpenAPI documents (x-kubernetes-* extensions). Types and documentation come from openapi/definitions.json
// (generated from kubernetes-types by scripts/gen-openapi.ts); the markers below are the struct tags and +list/+struct
// comments of k8s.io/api and k8s.io/apimachinery release-1.32 types.go, for the fields the modelled kinds reach.
import defs from './openapi/definitions.json' with { type: 'json' };

export interface FieldMeta {
  patchStrategy?: 'merge' | 'retainKeys' | 'merge,retainKeys';
  patchMergeKey?: string;
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: string[];
  mapType?: 'atomic';
}

const map = (keys: string[], smpKey = keys[0], retainKeys = false): FieldMeta => ({ patchStrategy: retainKeys ? 'merge,retainKeys' : 'merge', patchMergeKey: smpKey, listType: 'map', listMapKeys: keys });
const ATOMIC: FieldMeta = { listType: 'atomic' };
const CONDITIONS = map(['type']);

const CORE = 'io.k8s.api.core.v1';
const META_V1 = 'io.k8s.apimachinery.pkg.apis.meta.v1';

/** `Definition.field` → markers (release-1.32). Lists not named here are atomic for apply and replaced by patches. */
const FIELDS: Record<string, FieldMeta> = {
  [`${META_V1}.ObjectMeta.ownerReferences`]: map(['uid']),
  [`${META_V1}.ObjectMeta.finalizers`]: { patchStrategy: 'merge', listType: 'set' },
  [`${CORE}.PodSpec.volumes`]: map(['name'], 'name', true),
  [`${CORE}.PodSpec.initContainers`]: map(['name']),
  [`${CORE}.PodSpec.containers`]: map(['name']),
  [`${CORE}.PodSpec.ephemeralContainers`]: map(['name']),
  [`${CORE}.PodSpec.imagePullSecrets`]: map(['name']),
  [`${CORE}.PodSpec.hostAliases`]: map(['ip']),
  [`${CORE}.PodSpec.topologySpreadConstraints`]: map(['topologyKey', 'whenUnsatisfiable'], 'topologyKey'),
  [`${CORE}.PodSpec.schedulingGates`]: map(['name']),
  [`${CORE}.PodSpec.resourceClaims`]: map(['name'], 'name', true),
  [`${CORE}.PodSpec.nodeSelector`]: { mapType: 'atomic' },
  [`${CORE}.Container.ports`]: map(['containerPort', 'protocol'], 'containerPort'),
  [`${CORE}.Container.env`]: map(['name']),
  [`${CORE}.Container.volumeMounts`]: map(['mountPath']),
  [`${CORE}.Container.volumeDevices`]: map(['devicePath']),
  [`${CORE}.EphemeralContainer.ports`]: map(['containerPort', 'protocol'], 'containerPort'),
  [`${CORE}.EphemeralContainer.env`]: map(['name']),
  [`${CORE}.EphemeralContainer.volumeMounts`]: map(['mountPath']),
  [`${CORE}.ResourceRequirements.claims`]: { listType: 'map', listMapKeys: ['name'] },
  [`${CORE}.PodStatus.conditions`]: CONDITIONS,
  [`${CORE}.PodStatus.podIPs`]: map(['ip']),
  [`${CORE}.PodStatus.hostIPs`]: { patchStrategy: 'merge', patchMergeKey: 'ip', listType: 'atomic' },
  [`${CORE}.ServiceSpec.ports`]: map(['port', 'protocol'], 'port'),
  [`${CORE}.ServiceSpec.selector`]: { mapType: 'atomic' },
  [`${CORE}.ServiceStatus.conditions`]: { listType: 'map', listMapKeys: ['type'], patchStrategy: 'merge', patchMergeKey: 'type' },
  [`${CORE}.NodeSpec.podCIDRs`]: { patchStrategy: 'merge', listType: 'set' },
  [`${CORE}.NodeStatus.conditions`]: CONDITIONS,
  [`${CORE}.NodeStatus.addresses`]: map(['type']),
  [`${CORE}.NamespaceStatus.conditions`]: CONDITIONS,
  [`${CORE}.ServiceAccount.secrets`]: map(['name']),
  'io.k8s.api.apps.v1.DeploymentSpec.strategy': { patchStrategy: 'retainKeys' },
  'io.k8s.api.apps.v1.DeploymentStatus.conditions': CONDITIONS,
  'io.k8s.api.apps.v1.ReplicaSetStatus.conditions': CONDITIONS,
  'io.k8s.api.apps.v1.StatefulSetStatus.conditions': CONDITIONS,
  'io.k8s.api.apps.v1.DaemonSetStatus.conditions': CONDITIONS,
  'io.k8s.api.batch.v1.JobStatus.conditions': { patchStrategy: 'merge', patchMergeKey: 'type', listType: 'atomic' },
  'io.k8s.api.discovery.v1.Endpoint.addresses': { listType: 'set' },
};

/** Structs that apply replaces whole (+structType=atomic). */
const ATOMIC_STRUCTS = new Set([
  `${META_V1}.LabelSelector`, `${CORE}.ObjectReference`, `${CORE}.LocalObjectReference`, `${CORE}.TypedLocalObjectReference`,
  `${CORE}.NodeSelector`, `${CORE}.NodeSelectorTerm`, `${CORE}.ObjectFieldSelector`, `${CORE}.ResourceFieldSelector`,
  `${CORE}.ConfigMapKeySelector`, `${CORE}.SecretKeySelector`, `${CORE}.SecretReference`, `${CORE}.EndpointAddress`, `${CORE}.EndpointPort`,
  'io.k8s.api.networking.v1.ServiceBackendPort', 'io.k8s.api.discovery.v1.EndpointPort',
]);

type Schema = { type?: string; $ref?: string; items?: Schema; additionalProperties?: Schema; properties?: Record<string, Schema>; description?: string; required?: string[]; format?: string };
export const DEFINITIONS = defs as unknown as Record<string, Schema>;

/** The definition of each served built-in kind, by `group/version/Kind`. */
const KIND_DEFS: Record<string, string> = {};
for (const name of Object.keys(DEFINITIONS)) {
  const m = /^io\.k8s\.api\.([a-z]+)\.(v\w+)\.([A-Z]\w+)$/.exec(name);
  const schema = DEFINITIONS[name];
  if (!m || !schema.properties?.apiVersion || !schema.properties?.kind || !schema.properties?.metadata) continue;
  const group = m[1] === 'core' ? '' : ['networking', 'discovery', 'events'].includes(m[1]) ? `${m[1]}.k8s.io` : m[1];
  KIND_DEFS[`${group}/${m[2]}/${m[3]}`] = name;
}

export function definitionOfKind(group: string, version: string, kind: string): string | undefined {
  return KIND_DEFS[`${group}/${version}/${kind}`];
}

export function servedDefinitions(): { name: string; group: string; version: string; kind: string }[] {
  return Object.entries(KIND_DEFS).map(([k, name]) => { const [group, version, kind] = k.split('/'); return { name, group, version, kind }; });
}

/** A position in the schema: a definition (object with properties), or an inline schema (maps, lists, scalars). */
export interface Shape { def?: string; schema?: Schema; meta?: FieldMeta }

const resolve = (s: Schema | undefined): Shape => {
  if (!s) return {};
  if (s.$ref) { const def = s.$ref.replace('#/definitions/', ''); return { def, schema: DEFINITIONS[def] }; }
  return { schema: s };
};

export function shapeOfDefinition(def: string | undefined): Shape {
  return def ? { def, schema: DEFINITIONS[def] } : {};
}

/** The shape of field `name` of an object at `at` (unknown fields: an empty shape, treated as schemaless). */
export function fieldShape(at: Shape, name: string): Shape {
  if (at.schema?.properties) {
    const child = resolve(at.schema.properties[name]);
    return { ...child, ...(at.def && FIELDS[`${at.def}.${name}`] ? { meta: FIELDS[`${at.def}.${name}`] } : {}) };
  }
  if (at.schema?.additionalProperties) return resolve(at.schema.additionalProperties);
  return {};
}

/** The shape of a list's items. */
export function itemShape(list: Shape): Shape {
  return resolve(list.schema?.items);
}

export function isAtomicStruct(s: Shape): boolean {
  return s.def !== undefined && ATOMIC_STRUCTS.has(s.def);
}

/** The extensions the upstream spec carries for a field (served in /openapi). */
export function extensionsOf(def: string, field: string): Record<string, unknown> {
  const m = FIELDS[`${def}.${field}`];
  if (!m) return {};
  return {
    ...(m.listType ? { 'x-kubernetes-list-type': m.listType } : {}),
    ...(m.listMapKeys ? { 'x-kubernetes-list-map-keys': m.listMapKeys } : {}),
    ...(m.mapType ? { 'x-kubernetes-map-type': m.mapType } : {}),
    ...(m.patchStrategy ? { 'x-kubernetes-patch-strategy': m.patchStrategy } : {}),
    ...(m.patchMergeKey ? { 'x-kubernetes-patch-merge-key': m.patchMergeKey } : {}),
  };
}

export function isAtomicStructDef(def: string): boolean {
  return ATOMIC_STRUCTS.has(def);
}

export { ATOMIC };

/** Fields an object sets that its schema does not know (`spec.ports[0].foo`), as strict decoding reports them. */
export function unknownFields(obj: unknown, shape: Shape, path = ''): string[] {
  const out: string[] = [];
  const walk = (v: unknown, s: Shape, p: string): void => {
    if (out.length >= 100 || !s.schema) return;
    if (Array.isArray(v)) { v.forEach((x, i) => walk(x, itemShape(s), `${p}[${i}]`)); return; }
    if (typeof v !== 'object' || v === null) return;
    for (const [k, x] of Object.entries(v)) {
      // FieldsV1 and RawExtension are free-form: their definitions list no properties.
      if (s.schema.properties && Object.keys(s.schema.properties).length > 0) {
        if (!Object.hasOwn(s.schema.properties, k)) { out.push(p ? `${p}.${k}` : k); continue; }
        walk(x, fieldShape(s, k), p ? `${p}.${k}` : k);
      } else if (s.schema.additionalProperties) walk(x, fieldShape(s, k), `${p}[${JSON.stringify(k)}]`);
    }
  };
  walk(obj, shape, path);
  return out;
}
