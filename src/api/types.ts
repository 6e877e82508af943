// Plain Kubernetes object shapes, typed with kubernetes-types where the API defines them.
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';

export type { ObjectMeta, LabelSelector, LabelSelectorRequirement, OwnerReference, Condition } from 'kubernetes-types/meta/v1.js';
export type {
  Namespace, Node, Pod, PodSpec, Container, ContainerPort, Service, ServiceSpec, ServicePort, Endpoints,
  EndpointSubset, EndpointAddress, Secret, ConfigMap, PodTemplateSpec,
} from 'kubernetes-types/core/v1.js';
export type { Deployment, ReplicaSet, StatefulSet, DaemonSet } from 'kubernetes-types/apps/v1.js';
export type { Job } from 'kubernetes-types/batch/v1.js';
export type { EndpointSlice, Endpoint as SliceEndpoint, EndpointPort } from 'kubernetes-types/discovery/v1.js';
export type { NetworkPolicy, Ingress, IngressClass } from 'kubernetes-types/networking/v1.js';

/** Any Kubernetes object as it appears in a manifest: apiVersion, kind, metadata, and the rest. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta & { name: string };
  [field: string]: unknown;
}

/** Where an object came from: a file (or `<stdin>`, `<text>`, `<builtin>`) and the 1-based line it starts on. */
export interface SourceRef {
  file: string;
  line: number;
  /** 1-based column, where the reader knows it (spec files; manifests' objects start at their document's line). */
  column?: number;
}

/** kind/namespace/name of an object; namespace is '' for cluster-scoped kinds. */
export interface ObjectRef {
  kind: string;
  namespace: string;
  name: string;
}

export function objectKey(ref: ObjectRef): string {
  return `${ref.kind}/${ref.namespace}/${ref.name}`;
}

export function refOf(obj: KubeObject): ObjectRef {
  return { kind: obj.kind, namespace: obj.metadata.namespace ?? '', name: obj.metadata.name };
}

export function formatSource(src: SourceRef | undefined): string {
  return src ? `${src.file}:${src.line}${src.column !== undefined ? `:${src.column}` : ''}` : '';
}
