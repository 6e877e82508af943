// Resource types as `kubectl get` names them: what a user types (po, svc, deploy, deployment.apps, all) resolved to a
// kind, its plural and API group (for `deployment.apps/frontend` and `deployments.apps "x" not found`), and the
// objects of that kind the cluster holds, including kinds podnet keeps but does not model.
import { kindInfo, resolveKindName } from '../../api/kinds.js';
import { ROUTING_STATUS_KINDS, withComputedStatus } from '../../ingress/index.js';
import type { Cluster } from '../../cluster/cluster.js';
import { compareObjects } from '../../cluster/store.js';
import type { KubeObject } from '../../api/types.js';
import { groupOf } from './format.js';

export interface ResourceType {
  kind: string;
  group: string;
  plural: string;
  namespaced: boolean;
  /** `pods`, `deployments.apps`: the resource as API errors name it. */
  resource: string;
  /** `pod`, `deployment.apps`: the prefix of `-o name` and of multi-kind tables. */
  singular: string;
}

/** The `all` category, in the order this command prints it (the kinds of it podnet models). */
export const ALL_CATEGORY = ['Pod', 'Service', 'DaemonSet', 'Deployment', 'ReplicaSet', 'StatefulSet', 'Job'];

function typeOf(kind: string, apiVersion: string, plural: string, namespaced: boolean): ResourceType {
  const group = groupOf(apiVersion);
  const lower = kind.toLowerCase();
  return {
    kind, group, plural, namespaced,
    resource: group ? `${plural}.${group}` : plural,
    singular: group ? `${lower}.${group}` : lower,
  };
}

export function resourceTypeOfKind(kind: string, cluster?: Cluster): ResourceType | undefined {
  const info = kindInfo(kind);
  if (info) return typeOf(info.kind, info.apiVersions[0], info.plural, info.namespaced);
  const sample = cluster?.unmodelled.find((o) => o.object.kind === kind);
  if (!sample) return undefined;
  const namespaced = cluster!.unmodelled.some((o) => o.object.kind === kind && typeof o.object.metadata?.namespace === 'string');
  return typeOf(kind, String(sample.object.apiVersion ?? ''), `${kind.toLowerCase()}s`, namespaced);
}

/**
 * Resolves one resource name as typed (`pods`, `po`, `Pod`, `deployments.apps`, or a kind the manifests hold that
 * podnet does not model, by kind, `kinds` or `kind.group`). `all` is expanded by the caller.
 */
export function resolveResourceType(name: string, cluster?: Cluster): ResourceType | undefined {
  const info = resolveKindName(name);
  if (info) {
    // `deployment.apps` must name the kind's own group; `deployment.foo` is another resource.
    const dot = name.indexOf('.');
    const group = groupOf(info.apiVersions[0]);
    if (dot >= 0 && name.slice(dot + 1).toLowerCase() !== group) return undefined;
    return resourceTypeOfKind(info.kind);
  }
  const lower = name.toLowerCase();
  const [base, ...rest] = lower.split('.');
  const group = rest.join('.');
  for (const { object } of cluster?.unmodelled ?? []) {
    const kind = String(object.kind ?? '');
    const k = kind.toLowerCase();
    if ((base === k || base === `${k}s`) && (group === '' || group === groupOf(String(object.apiVersion ?? '')).toLowerCase())) {
      return resourceTypeOfKind(kind, cluster);
    }
  }
  return undefined;
}

/**
 * The objects of a type, in one namespace (namespaced kinds) or all, sorted by namespace then name as the API server
 * lists them. Unmodelled objects without a namespace are in `default`, where `kubectl apply` would put them.
 */

export function listObjects(cluster: Cluster, type: ResourceType, namespace: string | undefined): KubeObject[] {
  const ns = type.namespaced ? namespace : undefined;
  if (kindInfo(type.kind)) {
    const objs = cluster.list<KubeObject>(type.kind, ns);
    // Routing objects carry the status their controllers would write (conditions, attached routes, addresses).
    return ROUTING_STATUS_KINDS.has(type.kind) ? objs.map((o) => withComputedStatus(cluster, o)) : objs;
  }
  const objs: KubeObject[] = [];
  for (const { object } of cluster?.unmodelled ?? []) {
    if (object.kind !== type.kind || typeof object.metadata?.name !== 'string') continue;
    const o = object as KubeObject;
    const objNs = type.namespaced ? (o.metadata.namespace || 'default') : undefined;
    if (ns !== undefined && objNs !== ns) continue;
    objs.push(type.namespaced && !o.metadata.namespace ? { ...o, metadata: { ...o.metadata, namespace: 'default' } } : o);
  }
  return objs.sort(compareObjects);
}
