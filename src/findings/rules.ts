// The rules behind the findings: one entry per diagnostic code of every component (the codes objects are the source of
// truth for the numbers; a test keeps the two in step). SARIF's tool.driver.rules and GitHub annotation titles are
// made from here: a name in the code's own words, its usual level, and a help text that says what it means.
import { Codes } from '../api/diagnostics.js';
import { PolicyCodes } from '../policy/codes.js';
import { DnsCodes } from '../dns/codes.js';
import { IngressCodes } from '../ingress/codes.js';
import { ServiceCodes } from '../services/codes.js';
import { MeshCodes } from '../mesh/codes.js';
import type { FindingComponent } from './index.js';

export interface Rule {
  /** The PN code. */
  id: string;
  /** The code's key in its component's catalogue, in PascalCase (SARIF's rule name). */
  name: string;
  component: FindingComponent;
  /** The level the component reports it at (a few rules also report at another level in some cases). */
  level: 'error' | 'warning' | 'info';
  /** One sentence: what the finding says. */
  help: string;
}

type Entry = [level: Rule['level'], help: string];

const MANIFESTS: Record<keyof typeof Codes, Entry> = {
  yamlSyntax: ['error', 'The file is not valid YAML or JSON; the document is skipped, as kubectl apply refuses it.'],
  notAnObject: ['error', 'A document is not a Kubernetes object (a mapping with apiVersion and kind), so nothing is created from it.'],
  invalidField: ['error', 'The API server\'s validation refuses a field (kubectl\'s "is invalid" message); the object is left out of the model.'],
  duplicateObject: ['error', 'Two documents define the same kind, namespace and name; the later one is refused, as a create would be.'],
  kindNotModelled: ['warning', 'A kind podnet keeps but does not model: it has no effect on the network model.'],
  unknownApiVersion: ['error', 'The apiVersion is not one the API server serves for this kind.'],
  readFailed: ['error', 'A path given with -f cannot be read.'],
  namespaceMissing: ['warning', 'An object is in a namespace no manifest defines; podnet creates the namespace, the API server would refuse the object.'],
  podIPExhausted: ['error', 'The node\'s pod CIDR has no free address left (host-local IPAM): the pod stays ContainerCreating.'],
  clusterIPConflict: ['error', 'A Service asks for a ClusterIP that is taken or outside the service CIDR.'],
  nodePortConflict: ['error', 'A Service asks for a NodePort that is taken or outside the node port range.'],
  loadBalancerPending: ['warning', 'A LoadBalancer Service gets no address (no pool configured or the pool is exhausted): EXTERNAL-IP stays <pending>.'],
  unschedulable: ['warning', 'No node fits the pod (nodeName, nodeSelector, affinity or taints): it stays Pending.'],
  podIPConflict: ['error', 'A pod carries an IP another pod on the node already holds.'],
  configInvalid: ['error', 'The ClusterConfig is invalid (CIDRs, node list, CNI options).'],
  endpointsIgnored: ['warning', 'A hand-written Endpoints object for a Service with a selector is replaced by what the endpoint controllers compute.'],
  statusIgnored: ['warning', 'A status field in the manifest cannot be used and is recomputed.'],
  tooManyReplicas: ['error', 'A workload asks for more replicas than podnet models.'],
  endpointSliceRefused: ['warning', 'The EndpointSlice controller cannot create a slice for the Service (as its events would say).'],
  deprecatedApiVersion: ['warning', 'The apiVersion is deprecated upstream: still served, with the warning the API server returns, and due to be removed.'],
  kindNotListed: ['warning', 'A live cluster\'s listing could not read a modelled kind (RBAC forbids it, or the server does not serve it): the model has none of it.'],
};

const POLICY: Record<keyof typeof PolicyCodes, Entry> = {
  invalidPolicy: ['error', 'The API server would refuse the policy; it is left out of the model, so it isolates and allows nothing.'],
  selectsNoPod: ['warning', 'The policy\'s podSelector (or subject) matches no pod: it has no effect until such pods exist.'],
  peerMatchesNothing: ['warning', 'A from/to peer matches no pod or namespace: the rule admits nothing.'],
  namedPortMissing: ['warning', 'A rule names a port that no selected pod declares: the port matches nothing.'],
  egressWithoutDns: ['warning', 'Egress is isolated and DNS (port 53 to kube-dns) is not allowed: name lookups time out.'],
  ipBlockOverlapsPods: ['warning', 'An ipBlock covers pod addresses: CNIs disagree on whether ipBlock matches pod traffic, so select pods by labels.'],
  ipBlockOverlapsServices: ['warning', 'An ipBlock covers Service ClusterIPs: policy sees the backend pod after DNAT, never the ClusterIP.'],
  cniDoesNotEnforce: ['warning', 'The cluster\'s CNI does not enforce NetworkPolicy: every policy is ignored.'],
  duplicateRule: ['warning', 'A rule repeats another rule of the same policy.'],
  shadowedRule: ['warning', 'A rule admits nothing that an earlier rule did not already admit (or, for admin policies, decide).'],
  adminPriorityTie: ['warning', 'Two admin policies have the same priority and overlap: which decides is undefined.'],
  adminNotSupported: ['warning', 'AdminNetworkPolicy is not supported by the cluster\'s CNI: it is ignored.'],
  hostNetworkIgnored: ['info', 'The policy selects host-network pods, which NetworkPolicy does not isolate.'],
  adminPeerFailClosed: ['warning', 'An admin policy peer cannot be evaluated (unsupported or empty) and fails closed.'],
  metadataReachable: ['warning', 'Egress allows the cloud metadata address 169.254.169.254.'],
  adminApisMixed: ['info', 'ClusterNetworkPolicy (v1alpha2) is used beside AdminNetworkPolicy/BaselineAdminNetworkPolicy (v1alpha1).'],
};

const DNS: Record<keyof typeof DnsCodes, Entry> = {
  corefileSyntax: ['error', 'The Corefile does not parse: CoreDNS would not start with it.'],
  pluginNotModelled: ['warning', 'A Corefile plugin podnet does not model is ignored.'],
  optionNotModelled: ['warning', 'A plugin option podnet does not model is ignored.'],
  pluginArgument: ['error', 'A plugin argument is invalid: CoreDNS would refuse the Corefile.'],
  corefileMissing: ['warning', 'No coredns ConfigMap: the default Corefile of kubeadm is used.'],
  noServerBlock: ['error', 'The Corefile has no server block for the cluster zone.'],
  tooManyNameservers: ['warning', 'More than three nameservers: the resolver uses the first three only.'],
  noneWithoutNameservers: ['error', 'dnsPolicy None without dnsConfig.nameservers: the pod has no resolver.'],
  searchTruncated: ['warning', 'The search list is longer than the resolver keeps: the last domains are dropped.'],
  hostNetworkFallback: ['warning', 'A host-network pod with dnsPolicy ClusterFirst gets the node\'s DNS: Service names do not resolve (use ClusterFirstWithHostNet).'],
};

const ROUTING: Record<keyof typeof IngressCodes, Entry> = {
  ingressClassMissing: ['warning', 'An Ingress names a class no IngressClass defines (or none, without a single default class): no controller serves it.'],
  multipleDefaultClasses: ['warning', 'Several IngressClasses are marked default: the admission plugin rejects Ingresses without a class.'],
  tlsSecretInvalid: ['warning', 'A TLS Secret is missing or not a valid kubernetes.io/tls Secret: the controller serves its fallback certificate.'],
  ingressPathConflict: ['warning', 'Two Ingresses declare the same host, path and pathType: the oldest wins.'],
  invalidRegex: ['warning', 'A path is not a valid regular expression for the regex locations ingress-nginx renders.'],
  canaryWithoutPrimary: ['warning', 'A canary Ingress has no primary Ingress with the same host and path to attach to.'],
  ingressBackendNotFound: ['warning', 'An Ingress backend names a Service or port that does not exist: requests get 503.'],
  annotationInvalid: ['warning', 'An annotation value cannot be understood and is ignored, as the controller would.'],
  resourceBackendUnsupported: ['warning', 'A resource backend: ingress-nginx does not serve them.'],
  tlsHostWithoutRule: ['warning', 'A TLS host that no rule of the Ingress uses.'],
  gatewayFieldInvalid: ['error', 'A Gateway API field is invalid (what the CRD\'s OpenAPI or CEL validation rejects).'],
  gatewayClassMissing: ['warning', 'A Gateway names a GatewayClass that does not exist: no controller picks it up.'],
  listenerNotValid: ['warning', 'A listener is not accepted or conflicts with another.'],
  routeNotAccepted: ['warning', 'A Route is not accepted by a parent (NotAllowedByListeners, NoMatchingListenerHostname, NoMatchingParent...).'],
  routeRefNotResolved: ['warning', 'A Route\'s backendRef does not resolve (BackendNotFound, RefNotPermitted, InvalidKind).'],
  listenerCertificateInvalid: ['warning', 'A listener\'s certificateRef does not resolve.'],
};

const SERVICES: Record<keyof typeof ServiceCodes, Entry> = {
  noEndpoints: ['warning', 'A Service has no ready or serving endpoint: kube-proxy rejects its traffic.'],
  namedPortMissing: ['warning', 'A Service targets a named port some selected pods do not declare: they are left out of the endpoints.'],
  externalLocalNodesDrop: ['warning', 'externalTrafficPolicy Local: nodes without a local endpoint drop external traffic.'],
  internalLocalNodesDrop: ['warning', 'internalTrafficPolicy Local: clients on nodes without a local endpoint have their ClusterIP traffic dropped.'],
  sourceRangesIgnored: ['warning', 'loadBalancerSourceRanges on a Service that is not a LoadBalancer does nothing.'],
};

const MESH: Record<keyof typeof MeshCodes, Entry> = {
  hostNotFound: ['error', 'A route destination host matches no Service or ServiceEntry (IST0101).'],
  subsetNotFound: ['error', 'A route names a subset no DestinationRule defines: 503 NR at runtime (IST0101).'],
  gatewayNotFound: ['error', 'A VirtualService binds to a Gateway that does not exist (IST0101).'],
  conflictingPeerAuthentications: ['warning', 'Several PeerAuthentications at one level select the same workloads: only the oldest applies.'],
  authzNoWorkload: ['warning', 'An AuthorizationPolicy selects no workload (IST0127).'],
  peerAuthnNoWorkload: ['warning', 'A PeerAuthentication selects no workload (IST0127).'],
  weightsNot100: ['warning', 'Route weights do not sum to 100: Istio normalizes them, which is usually a mistake.'],
  strictWithPlaintextClients: ['warning', 'STRICT mTLS while workloads without a mesh proxy exist: their plaintext requests are rejected.'],
  subsetSelectsNoPods: ['error', 'A DestinationRule subset selects no pods: 503 UH at runtime (IST0173).'],
  unknownDestinationRuleHost: ['warning', 'A DestinationRule host matches no Service (IST0174).'],
  unreachableRule: ['warning', 'A VirtualService rule after a catch-all can never match (IST0130).'],
  conflictingVirtualServiceHosts: ['error', 'Several VirtualServices claim the same host on the mesh gateway (IST0109).'],
  principalsWithoutMtls: ['warning', 'principals or namespaces on workloads whose mTLS is DISABLE never match (IST0167).'],
  ineffectivePortLevelMtls: ['warning', 'portLevelMtls on a policy without selector, or on a port no Service exposes, has no effect (IST0167).'],
  invalidAuthorizationPolicy: ['error', 'An AuthorizationPolicy with an unknown `when` key, or CUSTOM without a provider.'],
  policyOnUnmeshedWorkload: ['warning', 'A mesh policy selects workloads without a mesh proxy: nothing enforces it.'],
  destinationPortRequired: ['error', 'A route to a multi-port Service or ServiceEntry names no port (IST0112).'],
  noServerCertificateVerification: ['warning', 'A DestinationRule with tls SIMPLE or MUTUAL has no caCertificates: the server certificate is not verified (IST0128/IST0129).'],
  deprecated: ['warning', 'A deprecated field: fault.delay.percent, or a Sidecar\'s outboundTrafficPolicy.egressProxy (IST0002).'],
  namespaceNotInjected: ['info', 'A namespace has no injection label: its pods get no sidecar (IST0102).'],
  podMissingProxy: ['warning', 'A pod in an injected namespace runs without its istio-proxy: it was created before injection (IST0103).'],
  conflictingSidecarSelectors: ['error', 'Several Sidecar resources select the same pod: which one applies is undefined (IST0110).'],
  multipleSidecarsWithoutSelector: ['error', 'More than one Sidecar without workloadSelector in a namespace: which one applies is undefined (IST0111).'],
  namespaceMultipleInjectionLabels: ['warning', 'A namespace carries more than one kind of injection label (IST0123).'],
  ineffectiveMatch: ['info', 'A VirtualService match that an earlier match already covers is never used (IST0131).'],
  hostNotInGateway: ['warning', 'A VirtualService bound to a Gateway names no host that Gateway serves (IST0132).'],
  serviceEntryAddressesRequired: ['warning', 'A ServiceEntry TCP port without addresses: the sidecar cannot tell its traffic apart (IST0134).'],
  ingressRouteRulesNotAffected: ['warning', 'A gateway route without subset to a host whose mesh VirtualService splits by subset: the split does not apply (IST0140).'],
  conflictingGateways: ['error', 'Gateways on the same workload and port claim the same host (IST0145).'],
  namespaceInjectionEnabledByDefault: ['info', 'A namespace without injection label is injected because enableNamespacesByDefault is on (IST0148).'],
  jwtClaimRoutingWithoutRequestAuthn: ['error', 'Routing on a JWT claim with no RequestAuthentication on the gateway pods: the rule never matches (IST0149).'],
  gatewayPortNotOnService: ['warning', 'A Gateway listens on a port its workload\'s Service does not expose (IST0162).'],
  referencedInternalGateway: ['warning', 'A VirtualService references a Gateway generated for a Kubernetes Gateway (IST0165).'],
  sidecarInAmbient: ['warning', 'A Sidecar for ambient workloads has no effect (IST0167).'],
  conflictingServiceEntryProtocol: ['warning', 'ServiceEntries define the same host and port with different protocols (IST0177).'],
  gatewaySelectorNotFound: ['error', 'A Gateway selector matches no pod (IST0101).'],
  sidecarSelectorNotFound: ['error', 'A Sidecar workloadSelector matches no pod of its namespace (IST0101).'],
  authzNamespaceNotFound: ['error', 'An AuthorizationPolicy source namespace matches no Namespace (IST0101).'],
};

const pascal = (key: string) => key[0].toUpperCase() + key.slice(1);

function rulesOf(component: FindingComponent, codes: Record<string, string>, entries: Record<string, Entry>): Rule[] {
  return Object.entries(codes).map(([key, id]) => ({ id, name: pascal(key), component, level: entries[key][0], help: entries[key][1] }));
}

/** Every rule, by code. */
export const RULES: readonly Rule[] = [
  ...rulesOf('manifests', Codes, MANIFESTS),
  ...rulesOf('policy', PolicyCodes, POLICY),
  ...rulesOf('dns', DnsCodes, DNS),
  ...rulesOf('routing', IngressCodes, ROUTING),
  ...rulesOf('services', ServiceCodes, SERVICES),
  ...rulesOf('mesh', MeshCodes, MESH),
].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

const BY_ID = new Map(RULES.map((r) => [r.id, r]));

export function ruleOf(code: string): Rule | undefined {
  return BY_ID.get(code);
}
