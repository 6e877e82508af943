// `kubectl describe` for one object: the describer kubectl registers for its kind, else the generic one.
import type { DescribeContext } from './describe-context.js';
import { describeConfigMap, describeEndpoints, describeEndpointSlice, describeNamespace, describeNode, describeSecret, describeService } from './describe-core.js';
import { describeGeneric, describeIngress, describeIngressClass, describeNetworkPolicy } from './describe-networking.js';
import { describePod } from './describe-pod.js';
import { describeDaemonSet, describeDeployment, describeJob, describeReplicaSet, describeStatefulSet } from './describe-workloads.js';

type Obj = Record<string, any>;

const DESCRIBERS: Record<string, (obj: Obj, ctx: DescribeContext) => string> = {
  Pod: describePod,
  Service: describeService,
  Endpoints: describeEndpoints,
  EndpointSlice: describeEndpointSlice,
  Namespace: describeNamespace,
  Node: describeNode,
  Secret: describeSecret,
  ConfigMap: describeConfigMap,
  Deployment: describeDeployment,
  ReplicaSet: describeReplicaSet,
  StatefulSet: describeStatefulSet,
  DaemonSet: describeDaemonSet,
  Job: describeJob,
  NetworkPolicy: describeNetworkPolicy,
  Ingress: describeIngress,
  IngressClass: describeIngressClass,
};

export function describeObject(obj: Obj, ctx: DescribeContext): string {
  return (DESCRIBERS[obj.kind] ?? describeGeneric)(obj, ctx);
}

export type { DescribeContext };
