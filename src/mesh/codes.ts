// The mesh component's diagnostics (PN5xxx), modelled on istioctl analyze's message catalogue
// (istio/istio pkg/config/analysis/msg/messages.yaml); the IST code each one mirrors is given.
export const MeshCodes = {
  /** IST0101 ReferencedResourceNotFound: a route destination host. */
  hostNotFound: 'PN5001',
  /** IST0101: a subset no DestinationRule defines (503 NR at runtime). */
  subsetNotFound: 'PN5002',
  /** IST0101: a gateway the VirtualService binds to. */
  gatewayNotFound: 'PN5003',
  /** Several PeerAuthentications at one level for the same workloads: only the oldest applies. */
  conflictingPeerAuthentications: 'PN5004',
  /** IST0127 NoMatchingWorkloadsFound (AuthorizationPolicy). */
  authzNoWorkload: 'PN5005',
  /** IST0127 NoMatchingWorkloadsFound (PeerAuthentication). */
  peerAuthnNoWorkload: 'PN5006',
  /** Route weights that do not sum to 100 (Istio normalizes them; usually a mistake). */
  weightsNot100: 'PN5007',
  /** STRICT mTLS while pods outside the mesh exist: their plaintext is rejected. */
  strictWithPlaintextClients: 'PN5008',
  /** IST0173 DestinationRuleSubsetNotSelectPods (503 UH at runtime). */
  subsetSelectsNoPods: 'PN5009',
  /** IST0174 UnknownDestinationRuleHost. */
  unknownDestinationRuleHost: 'PN5010',
  /** IST0130 VirtualServiceUnreachableRule: a rule after a catch-all. */
  unreachableRule: 'PN5011',
  /** IST0109 ConflictingMeshGatewayVirtualServiceHosts. */
  conflictingVirtualServiceHosts: 'PN5012',
  /** IST0167 IneffectivePolicy: principals/namespaces on workloads whose mTLS is DISABLE. */
  principalsWithoutMtls: 'PN5013',
  /** IST0167: portLevelMtls on a policy without selector, or on a port no Service exposes. */
  ineffectivePortLevelMtls: 'PN5014',
  /** AuthorizationPolicy with an unknown `when` key or CUSTOM without provider. */
  invalidAuthorizationPolicy: 'PN5015',
  /** IST0103 PodMissingProxy-like: a mesh policy selects workloads that have no proxy. */
  policyOnUnmeshedWorkload: 'PN5016',
  /** IST0112 VirtualServiceDestinationPortSelectorRequired: a gateway route to a multi-port Service without a port. */
  destinationPortRequired: 'PN5017',
  /** IST0128/IST0129 NoServerCertificateVerification: DestinationRule tls SIMPLE/MUTUAL without caCertificates. */
  noServerCertificateVerification: 'PN5018',
  /** IST0002 Deprecated: fault.delay.percent, Sidecar outboundTrafficPolicy.egressProxy. */
  deprecated: 'PN5019',
  /** IST0102 NamespaceNotInjected (info). */
  namespaceNotInjected: 'PN5020',
  /** IST0103 PodMissingProxy: a running pod in an injected namespace without istio-proxy. */
  podMissingProxy: 'PN5021',
  /** IST0110 ConflictingSidecarWorkloadSelectors. */
  conflictingSidecarSelectors: 'PN5022',
  /** IST0111 MultipleSidecarsWithoutWorkloadSelectors. */
  multipleSidecarsWithoutSelector: 'PN5023',
  /** IST0123 NamespaceMultipleInjectionLabels. */
  namespaceMultipleInjectionLabels: 'PN5024',
  /** IST0131 VirtualServiceIneffectiveMatch (info): a match a previous one already covers. */
  ineffectiveMatch: 'PN5025',
  /** IST0132 VirtualServiceHostNotFoundInGateway. */
  hostNotInGateway: 'PN5026',
  /** IST0134 ServiceEntryAddressesRequired. */
  serviceEntryAddressesRequired: 'PN5027',
  /** IST0140 IngressRouteRulesNotAffected. */
  ingressRouteRulesNotAffected: 'PN5028',
  /** IST0145 ConflictingGateways. */
  conflictingGateways: 'PN5029',
  /** IST0148 NamespaceInjectionEnabledByDefault (info). */
  namespaceInjectionEnabledByDefault: 'PN5030',
  /** IST0149 JwtClaimBasedRoutingWithoutRequestAuthN. */
  jwtClaimRoutingWithoutRequestAuthn: 'PN5031',
  /** IST0162 GatewayPortNotDefinedOnService. */
  gatewayPortNotOnService: 'PN5032',
  /** IST0165 ReferencedInternalGateway. */
  referencedInternalGateway: 'PN5033',
  /** IST0167 IneffectivePolicy: a Sidecar for ambient workloads. */
  sidecarInAmbient: 'PN5034',
  /** IST0177 ConflictingServiceEntryProtocol. */
  conflictingServiceEntryProtocol: 'PN5035',
  /** IST0101: a Gateway selector that matches no pod. */
  gatewaySelectorNotFound: 'PN5036',
  /** IST0101: a Sidecar workloadSelector that matches no pod of its namespace. */
  sidecarSelectorNotFound: 'PN5037',
  /** IST0101: an AuthorizationPolicy source namespace no Namespace matches. */
  authzNamespaceNotFound: 'PN5038',
} as const;
