// Istio's analyzer message catalogue (istio/istio pkg/config/analysis/msg/messages.yaml): the code, name and level of
// each message a `podnet mesh analyze` finding mirrors, so that a user can look the finding up in Istio's docs
// (istio.io/latest/docs/reference/config/analysis/istNNNN). Only the messages podnet emits are listed.

export type IstioLevel = 'error' | 'warning' | 'info';

export interface IstioMessage { code: string; name: string; level: IstioLevel }

const m = (code: string, name: string, level: IstioLevel): IstioMessage => ({ code, name, level });

export const IstioMessages = {
  Deprecated: m('IST0002', 'Deprecated', 'warning'),
  ReferencedResourceNotFound: m('IST0101', 'ReferencedResourceNotFound', 'error'),
  NamespaceNotInjected: m('IST0102', 'NamespaceNotInjected', 'info'),
  PodMissingProxy: m('IST0103', 'PodMissingProxy', 'warning'),
  ConflictingMeshGatewayVirtualServiceHosts: m('IST0109', 'ConflictingMeshGatewayVirtualServiceHosts', 'error'),
  ConflictingSidecarWorkloadSelectors: m('IST0110', 'ConflictingSidecarWorkloadSelectors', 'error'),
  MultipleSidecarsWithoutWorkloadSelectors: m('IST0111', 'MultipleSidecarsWithoutWorkloadSelectors', 'error'),
  VirtualServiceDestinationPortSelectorRequired: m('IST0112', 'VirtualServiceDestinationPortSelectorRequired', 'error'),
  NamespaceMultipleInjectionLabels: m('IST0123', 'NamespaceMultipleInjectionLabels', 'warning'),
  NoMatchingWorkloadsFound: m('IST0127', 'NoMatchingWorkloadsFound', 'warning'),
  NoServerCertificateVerificationDestinationLevel: m('IST0128', 'NoServerCertificateVerificationDestinationLevel', 'warning'),
  NoServerCertificateVerificationPortLevel: m('IST0129', 'NoServerCertificateVerificationPortLevel', 'warning'),
  VirtualServiceUnreachableRule: m('IST0130', 'VirtualServiceUnreachableRule', 'warning'),
  VirtualServiceIneffectiveMatch: m('IST0131', 'VirtualServiceIneffectiveMatch', 'info'),
  VirtualServiceHostNotFoundInGateway: m('IST0132', 'VirtualServiceHostNotFoundInGateway', 'warning'),
  ServiceEntryAddressesRequired: m('IST0134', 'ServiceEntryAddressesRequired', 'warning'),
  IngressRouteRulesNotAffected: m('IST0140', 'IngressRouteRulesNotAffected', 'warning'),
  ConflictingGateways: m('IST0145', 'ConflictingGateways', 'error'),
  NamespaceInjectionEnabledByDefault: m('IST0148', 'NamespaceInjectionEnabledByDefault', 'info'),
  JwtClaimBasedRoutingWithoutRequestAuthN: m('IST0149', 'JwtClaimBasedRoutingWithoutRequestAuthN', 'error'),
  GatewayPortNotDefinedOnService: m('IST0162', 'GatewayPortNotDefinedOnService', 'warning'),
  ReferencedInternalGateway: m('IST0165', 'ReferencedInternalGateway', 'warning'),
  IneffectivePolicy: m('IST0167', 'IneffectivePolicy', 'warning'),
  DestinationRuleSubsetNotSelectPods: m('IST0173', 'DestinationRuleSubsetNotSelectPods', 'error'),
  UnknownDestinationRuleHost: m('IST0174', 'UnknownDestinationRuleHost', 'warning'),
  ConflictingServiceEntryProtocol: m('IST0177', 'ConflictingServiceEntryProtocol', 'warning'),
} as const;

/** `PN5001 (IST0101 ReferencedResourceNotFound)`: how text output names a finding. */
export function codeWithIstio(code: string, istio: { code: string; name: string } | undefined): string {
  return istio ? `${code} (${istio.code} ${istio.name})` : code;
}
