// The DNS component's diagnostics (PN3xxx): stable codes a user can search for.
export const DnsCodes = {
  corefileSyntax: 'PN3001',
  pluginNotModelled: 'PN3002',
  optionNotModelled: 'PN3003',
  pluginArgument: 'PN3004',
  corefileMissing: 'PN3005',
  noServerBlock: 'PN3006',
  tooManyNameservers: 'PN3007',
  noneWithoutNameservers: 'PN3008',
  searchTruncated: 'PN3009',
  hostNetworkFallback: 'PN3010',
} as const;
