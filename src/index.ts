// podnet's library API: `import { Cluster } from 'podnet'`.
export { Cluster, type LoadInput } from './cluster/cluster.js';
export { ClusterStore } from './cluster/store.js';
export { DEFAULT_CONFIG, parseClusterConfig, type ClusterConfig, type NodeConfig, type CniName, type KubeProxyMode } from './cluster/config.js';
export type { NodeInfo } from './cluster/nodes.js';
export { formatDiagnostic, type Diagnostic, Codes } from './api/diagnostics.js';
export { loadPaths, parseManifestText, type LoadedObject, type LoadResult } from './api/load.js';
export { compileLabelSelector, matchesLabelSelector, matchesMapSelector, parseSelectorString } from './api/labels.js';
export type * from './api/types.js';
