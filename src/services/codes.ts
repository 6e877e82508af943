// PN49xx: what podnet tells about Services (the kube-proxy sub-range of PN4xxx, whose low numbers are Ingress/Gateway's). Stable codes; messages say what kube-proxy will do.
export const ServiceCodes = {
  noEndpoints: 'PN4901',
  namedPortMissing: 'PN4902',
  externalLocalNodesDrop: 'PN4903',
  internalLocalNodesDrop: 'PN4904',
  sourceRangesIgnored: 'PN4905',
} as const;
