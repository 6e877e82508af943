// The API resources the lab serves, as kube-apiserver's discovery names them: every kind podnet models (src/api/kinds)
// under its group and versions, plus Events (core v1 and events.k8s.io/v1), which the lab derives from what the
// controllers did. Verbs, short names, categories and subresources follow the upstream registry
// (pkg/registry/*/rest storage and the CRDs of Gateway API, network-policy-api, Istio and Linkerd).
import { allKinds, type KindInfo } from '../../api/kinds.js';

export interface ApiResource {
  /** The kind as clients see it (`Gateway`). */
  kind: string;
  /** The kind the cluster store keeps it under (`Gateway.networking.istio.io` for Istio's). */
  storeKind: string;
  group: string;
  /** Served versions; the first is the preferred (storage) one. */
  versions: string[];
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  subresources: Subresource[];
}

export interface Subresource { name: string; kind: string; group?: string; version?: string; verbs: string[] }

export const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const STATUS: Subresource = { name: 'status', kind: '', verbs: ['get', 'patch', 'update'] };
const SCALE: Subresource = { name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] };

/** The `all` category upstream: pods, replicationcontrollers, services, daemonsets, deployments, replicasets, statefulsets, horizontalpodautoscalers, cronjobs, jobs. */
const ALL = new Set(['Pod', 'Service', 'DaemonSet', 'Deployment', 'ReplicaSet', 'StatefulSet', 'Job']);

function categoriesOf(info: KindInfo, group: string): string[] {
  if (ALL.has(info.kind)) return ['all'];
  if (group === 'gateway.networking.k8s.io') return ['gateway-api'];
  if (group.endsWith('.istio.io')) return ['istio-io', `${group.split('.')[0]}-istio-io`];
  if (group === 'policy.linkerd.io') return ['policy'];
  return [];
}

function subresourcesOf(kind: string): Subresource[] {
  switch (kind) {
    case 'Pod': return [
      { name: 'attach', kind: 'PodAttachOptions', verbs: ['create', 'get'] },
      { name: 'ephemeralcontainers', kind: 'Pod', verbs: ['get', 'patch', 'update'] },
      { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
      { name: 'log', kind: 'Pod', verbs: ['get'] },
      { name: 'portforward', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
      STATUS,
    ];
    case 'Deployment': case 'ReplicaSet': case 'StatefulSet': return [SCALE, STATUS];
    case 'Namespace': return [{ name: 'finalize', kind: '', verbs: ['update'] }, STATUS];
    case 'Node': case 'Service': case 'DaemonSet': case 'Job': case 'Ingress':
    case 'Gateway': case 'GatewayClass': case 'ListenerSet': case 'HTTPRoute': case 'GRPCRoute': case 'TLSRoute': case 'TCPRoute': case 'UDPRoute': case 'BackendTLSPolicy':
    case 'AdminNetworkPolicy': case 'BaselineAdminNetworkPolicy':
      return [STATUS];
    default: return [];
  }
}

function fromKind(info: KindInfo): ApiResource {
  const groups = info.apiVersions.map((v) => (v.includes('/') ? v.slice(0, v.indexOf('/')) : ''));
  const group = groups[0];
  const kind = info.kind.includes('.') ? info.kind.slice(0, info.kind.indexOf('.')) : info.kind;
  return {
    kind, storeKind: info.kind, group,
    versions: info.apiVersions.map((v) => (v.includes('/') ? v.slice(v.indexOf('/') + 1) : v)),
    plural: info.plural, singular: kind.toLowerCase(), namespaced: info.namespaced,
    shortNames: info.shortNames, categories: categoriesOf(info, group),
    // Namespaces are deleted one by one (no deletecollection), as upstream.
    verbs: info.kind === 'Namespace' ? ALL_VERBS.filter((v) => v !== 'deletecollection') : ALL_VERBS,
    subresources: subresourcesOf(kind),
  };
}

const EVENT_V1: ApiResource = {
  kind: 'Event', storeKind: 'Event', group: '', versions: ['v1'], plural: 'events', singular: 'event', namespaced: true,
  shortNames: ['ev'], categories: [], verbs: ALL_VERBS, subresources: [],
};
const EVENT_EVENTS: ApiResource = { ...EVENT_V1, storeKind: 'Event.events.k8s.io', group: 'events.k8s.io', shortNames: ['ev'] };

const RESOURCES: ApiResource[] = [
  ...allKinds().filter((k) => k.kind !== 'ClusterConfig').map(fromKind),
  EVENT_V1, EVENT_EVENTS,
];

export function apiResources(): readonly ApiResource[] {
  return RESOURCES;
}

/** kube-apiserver's group order for the built-in groups (its aggregator's priorities); CRD groups follow by name. */
const BUILTIN_GROUP_ORDER = ['apps', 'events.k8s.io', 'batch', 'networking.k8s.io', 'discovery.k8s.io'];

/** The API groups with their served versions, preferred first, in the order /apis lists them. */
export function apiGroups(): { name: string; versions: string[] }[] {
  const out = new Map<string, Set<string>>();
  for (const r of RESOURCES) {
    if (r.group === '') continue;
    const vs = out.get(r.group) ?? new Set<string>();
    for (const v of r.versions) vs.add(v);
    out.set(r.group, vs);
  }
  const rank = (g: string) => { const i = BUILTIN_GROUP_ORDER.indexOf(g); return i < 0 ? BUILTIN_GROUP_ORDER.length : i; };
  return [...out].sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0)).map(([name, vs]) => ({ name, versions: sortVersions([...vs]) }));
}

/** Kubernetes' version priority: GA before beta before alpha, higher numbers first (apimachinery version.CompareKubeAwareVersionStrings). */
export function sortVersions(versions: string[]): string[] {
  const rank = (v: string): [number, number, number] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [0, 0, 0];
    return [m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1, Number(m[1]), Number(m[3] ?? 0)];
  };
  return [...versions].sort((a, b) => {
    const [ra, rb] = [rank(a), rank(b)];
    return rb[0] - ra[0] || rb[1] - ra[1] || rb[2] - ra[2];
  });
}

/** The resource served at `/api/v1/<plural>` or `/apis/<group>/<version>/<plural>`. */
export function findResource(group: string, version: string, plural: string): ApiResource | undefined {
  return RESOURCES.find((r) => r.group === group && r.plural === plural && r.versions.includes(version));
}

export function resourcesIn(group: string, version: string): ApiResource[] {
  return RESOURCES.filter((r) => r.group === group && r.versions.includes(version));
}

export function resourceOfStoreKind(storeKind: string): ApiResource | undefined {
  return RESOURCES.find((r) => r.storeKind === storeKind);
}

export function groupVersion(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}
