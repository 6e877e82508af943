// The kinds podnet knows: their API group/version, scope, plural and short names (as `kubectl api-resources` lists them).

export interface KindInfo {
  kind: string;
  /** apiVersion values accepted for this kind; the first is the one podnet writes. */
  apiVersions: string[];
  namespaced: boolean;
  plural: string;
  shortNames: string[];
  /** True when podnet computes network state from this kind (others are kept and reported as not modelled). */
  modelled: boolean;
}

const KINDS: KindInfo[] = [
  { kind: 'Namespace', apiVersions: ['v1'], namespaced: false, plural: 'namespaces', shortNames: ['ns'], modelled: true },
  { kind: 'Node', apiVersions: ['v1'], namespaced: false, plural: 'nodes', shortNames: ['no'], modelled: true },
  { kind: 'Pod', apiVersions: ['v1'], namespaced: true, plural: 'pods', shortNames: ['po'], modelled: true },
  { kind: 'Service', apiVersions: ['v1'], namespaced: true, plural: 'services', shortNames: ['svc'], modelled: true },
  { kind: 'Endpoints', apiVersions: ['v1'], namespaced: true, plural: 'endpoints', shortNames: ['ep'], modelled: true },
  { kind: 'Secret', apiVersions: ['v1'], namespaced: true, plural: 'secrets', shortNames: [], modelled: true },
  { kind: 'ConfigMap', apiVersions: ['v1'], namespaced: true, plural: 'configmaps', shortNames: ['cm'], modelled: true },
  { kind: 'Deployment', apiVersions: ['apps/v1'], namespaced: true, plural: 'deployments', shortNames: ['deploy'], modelled: true },
  { kind: 'ReplicaSet', apiVersions: ['apps/v1'], namespaced: true, plural: 'replicasets', shortNames: ['rs'], modelled: true },
  { kind: 'StatefulSet', apiVersions: ['apps/v1'], namespaced: true, plural: 'statefulsets', shortNames: ['sts'], modelled: true },
  { kind: 'DaemonSet', apiVersions: ['apps/v1'], namespaced: true, plural: 'daemonsets', shortNames: ['ds'], modelled: true },
  { kind: 'Job', apiVersions: ['batch/v1'], namespaced: true, plural: 'jobs', shortNames: [], modelled: true },
  { kind: 'EndpointSlice', apiVersions: ['discovery.k8s.io/v1'], namespaced: true, plural: 'endpointslices', shortNames: [], modelled: true },
  { kind: 'NetworkPolicy', apiVersions: ['networking.k8s.io/v1'], namespaced: true, plural: 'networkpolicies', shortNames: ['netpol'], modelled: true },
  { kind: 'Ingress', apiVersions: ['networking.k8s.io/v1'], namespaced: true, plural: 'ingresses', shortNames: ['ing'], modelled: true },
  { kind: 'IngressClass', apiVersions: ['networking.k8s.io/v1'], namespaced: false, plural: 'ingressclasses', shortNames: [], modelled: true },
  { kind: 'AdminNetworkPolicy', apiVersions: ['policy.networking.k8s.io/v1alpha1'], namespaced: false, plural: 'adminnetworkpolicies', shortNames: ['anp'], modelled: true },
  { kind: 'BaselineAdminNetworkPolicy', apiVersions: ['policy.networking.k8s.io/v1alpha1'], namespaced: false, plural: 'baselineadminnetworkpolicies', shortNames: ['banp'], modelled: true },
  { kind: 'GatewayClass', apiVersions: ['gateway.networking.k8s.io/v1', 'gateway.networking.k8s.io/v1beta1'], namespaced: false, plural: 'gatewayclasses', shortNames: ['gc'], modelled: true },
  { kind: 'Gateway', apiVersions: ['gateway.networking.k8s.io/v1', 'gateway.networking.k8s.io/v1beta1'], namespaced: true, plural: 'gateways', shortNames: ['gtw'], modelled: true },
  { kind: 'HTTPRoute', apiVersions: ['gateway.networking.k8s.io/v1', 'gateway.networking.k8s.io/v1beta1'], namespaced: true, plural: 'httproutes', shortNames: [], modelled: true },
  { kind: 'GRPCRoute', apiVersions: ['gateway.networking.k8s.io/v1', 'gateway.networking.k8s.io/v1alpha2'], namespaced: true, plural: 'grpcroutes', shortNames: [], modelled: true },
  { kind: 'TLSRoute', apiVersions: ['gateway.networking.k8s.io/v1alpha2', 'gateway.networking.k8s.io/v1alpha3'], namespaced: true, plural: 'tlsroutes', shortNames: [], modelled: true },
  { kind: 'ReferenceGrant', apiVersions: ['gateway.networking.k8s.io/v1beta1', 'gateway.networking.k8s.io/v1alpha2'], namespaced: true, plural: 'referencegrants', shortNames: ['refgrant'], modelled: true },
  { kind: 'ClusterConfig', apiVersions: ['podnet.dev/v1alpha1'], namespaced: false, plural: 'clusterconfigs', shortNames: [], modelled: true },
];

const byKind = new Map(KINDS.map((k) => [k.kind, k]));
const byAnyName = new Map<string, KindInfo>();
for (const k of KINDS) {
  for (const n of [k.kind.toLowerCase(), k.plural, ...k.shortNames]) byAnyName.set(n, k);
}

export function kindInfo(kind: string): KindInfo | undefined {
  return byKind.get(kind);
}

/** Resolves what a user types after `get`/`describe` (pod, pods, po, Pod, deployment.apps, ...) to a kind. */
export function resolveKindName(name: string): KindInfo | undefined {
  const lower = name.toLowerCase();
  return byAnyName.get(lower) ?? byAnyName.get(lower.split('.')[0]);
}

export function allKinds(): readonly KindInfo[] {
  return KINDS;
}

/**
 * Kinds that are namespaced in Kubernetes but not modelled here; used to default their namespace like the API server
 * would. Anything else unknown is assumed namespaced when it carries a namespace.
 */
export function isNamespacedKind(kind: string, hasNamespace: boolean): boolean {
  const info = byKind.get(kind);
  return info ? info.namespaced : hasNamespace;
}
