// The policy component's diagnostics (PN2xxx): stable codes for what `lint`, `check` and the compiler tell users.

export const PolicyCodes = {
  /** The API server would reject the object (validation); it is left out of the model. */
  invalidPolicy: 'PN2001',
  selectsNoPod: 'PN2002',
  peerMatchesNothing: 'PN2003',
  namedPortMissing: 'PN2004',
  egressWithoutDns: 'PN2005',
  ipBlockOverlapsPods: 'PN2006',
  ipBlockOverlapsServices: 'PN2007',
  cniDoesNotEnforce: 'PN2008',
  duplicateRule: 'PN2009',
  shadowedRule: 'PN2010',
  adminPriorityTie: 'PN2011',
  adminNotSupported: 'PN2012',
  hostNetworkIgnored: 'PN2013',
  adminPeerFailClosed: 'PN2014',
  metadataReachable: 'PN2015',
  /** ClusterNetworkPolicy (v1alpha2) beside AdminNetworkPolicy/BaselineAdminNetworkPolicy (v1alpha1). */
  adminApisMixed: 'PN2016',
} as const;

export type PolicyCode = (typeof PolicyCodes)[keyof typeof PolicyCodes];
