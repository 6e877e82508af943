// PN4xxx: what podnet tells about Services and routing. Stable codes; messages say what kube-proxy will do.
export const ServiceCodes = {
  noEndpoints: 'PN4001',
  namedPortMissing: 'PN4002',
  externalLocalNodesDrop: 'PN4003',
  internalLocalNodesDrop: 'PN4004',
  sourceRangesIgnored: 'PN4005',
} as const;
