// The compiled mesh model: an immutable snapshot of every mesh object and pod membership, built once per cluster.
import type { Cluster } from '../cluster/cluster.js';
import { findPort } from '../cluster/endpointslices.js';
import { matchesMapSelector } from '../api/labels.js';
import type { LinkerdObjects } from './linkerd.js';
import { computeMemberships, type Membership } from './membership.js';
import type { PeerAuthnInput } from './peer-authn.js';

type Obj = Record<string, any>;

export interface MeshOptions {
  /** Istio's root (config) namespace: mesh-wide policies live there. Default istio-system. */
  rootNamespace?: string;
  /** SPIFFE trust domain. Default cluster.local. */
  trustDomain?: string;
  /** What each CUSTOM (ext-authz) provider answers; unlisted providers deny. */
  customProviderAllows?: Record<string, boolean>;
}

export interface MeshObjects {
  peerAuthentications: Obj[];
  authorizationPolicies: Obj[];
  requestAuthentications: Obj[];
  virtualServices: Obj[];
  destinationRules: Obj[];
  gateways: Obj[];
  serviceEntries: Obj[];
  sidecars: Obj[];
  linkerd: LinkerdObjects;
}

export interface CompiledMesh {
  readonly cluster: Cluster;
  readonly rootNamespace: string;
  readonly trustDomain: string;
  readonly clusterDomain: string;
  readonly options: MeshOptions;
  readonly objects: MeshObjects;
  readonly memberships: ReadonlyMap<string, Membership>;
  readonly peerAuthnInput: PeerAuthnInput;
  readonly pods: ReadonlyMap<string, Obj>;
  readonly namespaces: ReadonlyMap<string, Obj>;
  /** Derived lookups (VirtualService per host, endpoints per Service port, policies per workload), filled on first use. */
  readonly memo: Map<string, unknown>;
}

/** Caches a derived value on the (immutable) compiled mesh. */
export function memo<T>(mesh: CompiledMesh, key: string, fn: () => T): T {
  if (mesh.memo.has(key)) return mesh.memo.get(key) as T;
  const v = fn();
  mesh.memo.set(key, v);
  return v;
}

function inApplyOrder(cluster: Cluster, kind: string): Obj[] {
  return cluster.store.listInApplyOrder<Obj>(kind);
}

export function buildMesh(cluster: Cluster, options: MeshOptions = {}): CompiledMesh {
  const rootNamespace = options.rootNamespace ?? 'istio-system';
  const trustDomain = options.trustDomain ?? 'cluster.local';
  const objects: MeshObjects = {
    peerAuthentications: inApplyOrder(cluster, 'PeerAuthentication'),
    authorizationPolicies: inApplyOrder(cluster, 'AuthorizationPolicy'),
    requestAuthentications: inApplyOrder(cluster, 'RequestAuthentication'),
    virtualServices: inApplyOrder(cluster, 'VirtualService'),
    destinationRules: inApplyOrder(cluster, 'DestinationRule'),
    gateways: inApplyOrder(cluster, 'Gateway.networking.istio.io'),
    serviceEntries: inApplyOrder(cluster, 'ServiceEntry'),
    sidecars: inApplyOrder(cluster, 'Sidecar'),
    linkerd: {
      servers: inApplyOrder(cluster, 'Server'),
      serverAuthorizations: inApplyOrder(cluster, 'ServerAuthorization'),
      authorizationPolicies: inApplyOrder(cluster, 'AuthorizationPolicy.policy.linkerd.io'),
      meshTLSAuthentications: inApplyOrder(cluster, 'MeshTLSAuthentication'),
      networkAuthentications: inApplyOrder(cluster, 'NetworkAuthentication'),
      httpRoutes: inApplyOrder(cluster, 'HTTPRoute.policy.linkerd.io'),
    },
  };
  return Object.freeze({
    cluster, rootNamespace, trustDomain, clusterDomain: cluster.config.clusterDomain, options, objects,
    memberships: computeMemberships(cluster, trustDomain),
    peerAuthnInput: { policies: objects.peerAuthentications, rootNamespace },
    pods: new Map(cluster.pods().map((p) => [`${p.metadata.namespace}/${p.metadata.name}`, p as Obj])),
    namespaces: new Map(cluster.namespaces().map((n) => [n.metadata.name, n as Obj])),
    memo: new Map<string, unknown>(),
  });
}

/** Services in the pod's namespace that select it. */
export function servicesSelecting(mesh: CompiledMesh, pod: Obj): Obj[] {
  return mesh.cluster.services(pod.metadata.namespace).filter((s) => {
    const sel = (s as Obj).spec?.selector;
    return sel && Object.keys(sel).length > 0 && matchesMapSelector(sel, pod.metadata.labels ?? {});
  }) as Obj[];
}

/** Does a Service selecting the pod expose this container port? (Istio's port-level mTLS needs it.) */
export function portExposedByService(mesh: CompiledMesh, pod: Obj, targetPort: number): boolean {
  return servicesSelecting(mesh, pod).some((s) => (s.spec?.ports ?? []).some((p: Obj) => findPort(pod as never, p) === targetPort));
}

export function podIP(pod: Obj): string | undefined {
  return pod.status?.podIP;
}

/**
 * The labels Istio matches subsets against: the pod's own, plus the locality and host labels istiod adds from its node
 * (pilot/pkg/serviceregistry/util/label AugmentLabels: topology.kubernetes.io/region and zone,
 * topology.istio.io/subzone, kubernetes.io/hostname).
 */
export function workloadLabels(mesh: CompiledMesh, pod: Obj): Record<string, string> {
  const own: Record<string, string> = pod.metadata?.labels ?? {};
  const nodeName = pod.spec?.nodeName;
  if (typeof nodeName !== 'string' || nodeName === '') return own;
  const node = mesh.cluster.get<Obj>('Node', '', nodeName);
  const nl: Record<string, string> = node?.metadata?.labels ?? {};
  const out: Record<string, string> = { ...own };
  for (const k of ['topology.kubernetes.io/region', 'topology.kubernetes.io/zone', 'topology.istio.io/subzone']) if (nl[k]) out[k] = nl[k];
  out['kubernetes.io/hostname'] = nodeName;
  return out;
}
