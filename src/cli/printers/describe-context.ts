// What a describer may look up besides the object itself: the cluster's other objects (a Service's EndpointSlices,
// a Deployment's ReplicaSets, a Node's pods) and the clock for ages.
import type { KubeObject } from '../../api/types.js';

export interface DescribeContext {
  now: Date;
  /** Objects of a kind, in a namespace or all, sorted by namespace and name. */
  list(kind: string, namespace?: string): KubeObject[];
}
