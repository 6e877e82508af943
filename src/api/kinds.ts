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
  /** Versions still accepted but deprecated upstream: the warning the API server returns for each (CRD deprecationWarning). */
  deprecated?: Record<string, string>;
}

// Gateway API v1.5/v1.6 (kubernetes-sigs/gateway-api config/crd/{standard,experimental}, commit 4564255): the served
// versions per CRD. Versions the experimental channel still serves as `deprecated: true` are accepted with its warning.
const GW = 'gateway.networking.k8s.io';
const upgrade = (kind: string, version: string): string => `The ${version} version of ${kind} has been deprecated and will be removed in a future release of the API. Please upgrade to v1.`;
const deprecatedGateway = (kind: string, ...versions: string[]): Record<string, string> => Object.fromEntries(versions.map((v) => [`${GW}/${v}`, upgrade(kind, v)]));

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
  { kind: 'ClusterNetworkPolicy', apiVersions: ['policy.networking.k8s.io/v1alpha2'], namespaced: false, plural: 'clusternetworkpolicies', shortNames: ['cnp'], modelled: true },
  { kind: 'GatewayClass', apiVersions: [`${GW}/v1`, `${GW}/v1beta1`], namespaced: false, plural: 'gatewayclasses', shortNames: ['gc'], modelled: true },
  { kind: 'Gateway', apiVersions: [`${GW}/v1`, `${GW}/v1beta1`], namespaced: true, plural: 'gateways', shortNames: ['gtw'], modelled: true },
  { kind: 'ListenerSet', apiVersions: [`${GW}/v1`], namespaced: true, plural: 'listenersets', shortNames: ['lset'], modelled: true },
  { kind: 'HTTPRoute', apiVersions: [`${GW}/v1`, `${GW}/v1beta1`], namespaced: true, plural: 'httproutes', shortNames: [], modelled: true },
  { kind: 'GRPCRoute', apiVersions: [`${GW}/v1`, `${GW}/v1alpha2`], namespaced: true, plural: 'grpcroutes', shortNames: [], modelled: true, deprecated: { [`${GW}/v1alpha2`]: 'GRPCRoute v1alpha2 is no longer served by Gateway API v1.5; use gateway.networking.k8s.io/v1.' } },
  { kind: 'TLSRoute', apiVersions: [`${GW}/v1`, `${GW}/v1alpha2`, `${GW}/v1alpha3`], namespaced: true, plural: 'tlsroutes', shortNames: [], modelled: true, deprecated: deprecatedGateway('TLSRoute', 'v1alpha2', 'v1alpha3') },
  { kind: 'TCPRoute', apiVersions: [`${GW}/v1`, `${GW}/v1alpha2`], namespaced: true, plural: 'tcproutes', shortNames: [], modelled: true, deprecated: deprecatedGateway('TCPRoute', 'v1alpha2') },
  { kind: 'UDPRoute', apiVersions: [`${GW}/v1`, `${GW}/v1alpha2`], namespaced: true, plural: 'udproutes', shortNames: [], modelled: true, deprecated: deprecatedGateway('UDPRoute', 'v1alpha2') },
  { kind: 'ReferenceGrant', apiVersions: [`${GW}/v1`, `${GW}/v1beta1`, `${GW}/v1alpha2`], namespaced: true, plural: 'referencegrants', shortNames: ['refgrant'], modelled: true, deprecated: { [`${GW}/v1alpha2`]: 'ReferenceGrant v1alpha2 is no longer served by Gateway API v1.5; use gateway.networking.k8s.io/v1.' } },
  { kind: 'BackendTLSPolicy', apiVersions: [`${GW}/v1`, `${GW}/v1alpha3`], namespaced: true, plural: 'backendtlspolicies', shortNames: ['btlspolicy'], modelled: true, deprecated: { [`${GW}/v1alpha3`]: 'The v1alpha3 version of BackendTLSPolicy has been deprecated and will be removed in a future release of the API. Please upgrade to v1.' } },
  { kind: 'ClusterConfig', apiVersions: ['podnet.dev/v1alpha1'], namespaced: false, plural: 'clusterconfigs', shortNames: [], modelled: true },
  // Service mesh (src/mesh). Istio's CRDs (istio/istio manifests/charts/base/files/crd-all.gen.yaml) and Linkerd's policy
  // CRDs (linkerd/linkerd2 charts/linkerd-crds/templates/policy). Kinds whose name another group already uses
  // (Gateway, HTTPRoute, Linkerd's AuthorizationPolicy) are stored under a group-qualified kind, `Kind.group`, as
  // kubectl spells them, so that components listing `Gateway` never see Istio's.
  { kind: 'PeerAuthentication', apiVersions: ['security.istio.io/v1', 'security.istio.io/v1beta1'], namespaced: true, plural: 'peerauthentications', shortNames: ['pa'], modelled: true },
  { kind: 'AuthorizationPolicy', apiVersions: ['security.istio.io/v1', 'security.istio.io/v1beta1'], namespaced: true, plural: 'authorizationpolicies', shortNames: ['ap'], modelled: true },
  { kind: 'RequestAuthentication', apiVersions: ['security.istio.io/v1', 'security.istio.io/v1beta1'], namespaced: true, plural: 'requestauthentications', shortNames: ['ra'], modelled: true },
  { kind: 'VirtualService', apiVersions: ['networking.istio.io/v1', 'networking.istio.io/v1beta1', 'networking.istio.io/v1alpha3'], namespaced: true, plural: 'virtualservices', shortNames: ['vs'], modelled: true },
  { kind: 'DestinationRule', apiVersions: ['networking.istio.io/v1', 'networking.istio.io/v1beta1', 'networking.istio.io/v1alpha3'], namespaced: true, plural: 'destinationrules', shortNames: ['dr'], modelled: true },
  { kind: 'Gateway.networking.istio.io', apiVersions: ['networking.istio.io/v1', 'networking.istio.io/v1beta1', 'networking.istio.io/v1alpha3'], namespaced: true, plural: 'gateways', shortNames: ['gw'], modelled: true },
  { kind: 'ServiceEntry', apiVersions: ['networking.istio.io/v1', 'networking.istio.io/v1beta1', 'networking.istio.io/v1alpha3'], namespaced: true, plural: 'serviceentries', shortNames: ['se'], modelled: true },
  { kind: 'Sidecar', apiVersions: ['networking.istio.io/v1', 'networking.istio.io/v1beta1', 'networking.istio.io/v1alpha3'], namespaced: true, plural: 'sidecars', shortNames: [], modelled: true },
  { kind: 'Server', apiVersions: ['policy.linkerd.io/v1beta3', 'policy.linkerd.io/v1beta2', 'policy.linkerd.io/v1beta1', 'policy.linkerd.io/v1alpha1'], namespaced: true, plural: 'servers', shortNames: ['srv'], modelled: true },
  { kind: 'ServerAuthorization', apiVersions: ['policy.linkerd.io/v1beta1', 'policy.linkerd.io/v1alpha1'], namespaced: true, plural: 'serverauthorizations', shortNames: ['saz', 'serverauthz'], modelled: true },
  { kind: 'AuthorizationPolicy.policy.linkerd.io', apiVersions: ['policy.linkerd.io/v1alpha1'], namespaced: true, plural: 'authorizationpolicies', shortNames: ['authzpolicy'], modelled: true },
  { kind: 'MeshTLSAuthentication', apiVersions: ['policy.linkerd.io/v1alpha1'], namespaced: true, plural: 'meshtlsauthentications', shortNames: ['meshtlsauthn'], modelled: true },
  { kind: 'NetworkAuthentication', apiVersions: ['policy.linkerd.io/v1alpha1'], namespaced: true, plural: 'networkauthentications', shortNames: ['netauthn', 'networkauthn'], modelled: true },
  { kind: 'HTTPRoute.policy.linkerd.io', apiVersions: ['policy.linkerd.io/v1beta3', 'policy.linkerd.io/v1beta2', 'policy.linkerd.io/v1beta1', 'policy.linkerd.io/v1alpha1'], namespaced: true, plural: 'httproutes', shortNames: [], modelled: true },
];

/** A group-qualified stored kind (`Gateway.networking.istio.io`): the kind as written and its group. */
function splitQualified(kind: string): { base: string; group: string } | undefined {
  const dot = kind.indexOf('.');
  return dot < 0 ? undefined : { base: kind.slice(0, dot), group: kind.slice(dot + 1) };
}

const byKind = new Map(KINDS.map((k) => [k.kind, k]));
const byAnyName = new Map<string, KindInfo>();
for (const k of KINDS) {
  const q = splitQualified(k.kind);
  // A group-qualified kind answers only to its full names (`gateways.networking.istio.io`) and its own short names, so
  // `gateways` keeps meaning the Gateway API.
  const names = q ? [k.kind.toLowerCase(), `${k.plural}.${q.group}`, ...k.shortNames] : [k.kind.toLowerCase(), k.plural, ...k.shortNames];
  for (const n of names) byAnyName.set(n, k);
}

/**
 * The kind under which an object is stored: `Kind.group` when a group-qualified entry exists for its apiVersion's group
 * (Istio's Gateway is `Gateway.networking.istio.io`), else its kind as written.
 */
export function storeKindOf(kind: string, apiVersion: unknown): string {
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return kind;
  const slash = apiVersion.indexOf('/');
  if (slash < 0) return kind;
  const qualified = `${kind}.${apiVersion.slice(0, slash)}`;
  return byKind.has(qualified) ? qualified : kind;
}

/** The kind entry for an object as written (kind + apiVersion); see storeKindOf. */
export function kindInfoOf(kind: string, apiVersion: unknown): KindInfo | undefined {
  return byKind.get(storeKindOf(kind, apiVersion));
}

export function kindInfo(kind: string): KindInfo | undefined {
  return byKind.get(kind);
}

/** Resolves what a user types after `get`/`describe` (pod, pods, po, Pod, deployment.apps, ...) to a kind. */
export function resolveKindName(name: string): KindInfo | undefined {
  const lower = name.toLowerCase();
  return byAnyName.get(lower) ?? byAnyName.get(lower.split('.')[0]);
}

/** Kinds Gateway API removed: an object of one is refused with what replaced it. */
const REMOVED: Record<string, string> = {
  XListenerSet: 'XListenerSet (gateway.networking.x-k8s.io/v1alpha1) was removed in Gateway API v1.5: ListenerSet (gateway.networking.k8s.io/v1) replaces it',
};

export function removedKind(kind: string, apiVersion: unknown): string | undefined {
  return typeof apiVersion === 'string' && apiVersion.startsWith('gateway.networking.x-k8s.io/') ? REMOVED[kind] : undefined;
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
