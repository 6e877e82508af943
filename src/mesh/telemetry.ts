// Istio's standard metrics: names, labels and buckets, so the lab's /metrics reads like a real mesh's
// (istio.io/latest/docs/reference/config/metrics). Pure: the lab counts and renders (Prometheus text), this file only
// says what to label a request with.
import type { MeshEvaluation } from './evaluate.js';
import type { CompiledMesh } from './model.js';

type Obj = Record<string, any>;

export const ISTIO_METRICS = {
  requestsTotal: 'istio_requests_total',
  requestDuration: 'istio_request_duration_milliseconds',
  tcpConnectionsOpened: 'istio_tcp_connections_opened_total',
} as const;

/** Istio's default histogram buckets for istio_request_duration_milliseconds (ms). */
export const DURATION_BUCKETS_MS = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];

/** The workload a pod belongs to, as Istio names it: its top owner (Deployment through its ReplicaSet), else the pod. */
export function workloadOf(mesh: CompiledMesh, pod: Obj | undefined): string {
  if (!pod) return 'unknown';
  const owner = pod.metadata.ownerReferences?.find((o: Obj) => o.controller) ?? pod.metadata.ownerReferences?.[0];
  if (!owner) return pod.metadata.name;
  if (owner.kind === 'ReplicaSet') {
    const rs = mesh.cluster.get<Obj>('ReplicaSet', pod.metadata.namespace, owner.name);
    const dep = rs?.metadata?.ownerReferences?.find((o: Obj) => o.kind === 'Deployment');
    return dep?.name ?? owner.name;
  }
  return owner.name;
}

/** Labels of istio_requests_total / istio_request_duration_milliseconds for one request (reporter = destination). */
export function requestLabels(mesh: CompiledMesh, e: MeshEvaluation, responseCode: number, responseFlags = '-'): Record<string, string> {
  const src = e.source.pod ? mesh.pods.get(e.source.pod) : undefined;
  const dst = e.destination ? mesh.pods.get(e.destination.pod) : undefined;
  const host = e.route?.chosen?.host;
  const [svcName, svcNs] = host ? host.split('.') : ['unknown', 'unknown'];
  return {
    reporter: 'destination',
    source_workload: src ? workloadOf(mesh, src) : 'unknown',
    source_workload_namespace: src?.metadata.namespace ?? 'unknown',
    source_principal: e.mtls && e.sourcePrincipal ? e.sourcePrincipal : 'unknown',
    source_app: src?.metadata.labels?.app ?? 'unknown',
    source_version: src?.metadata.labels?.version ?? 'unknown',
    destination_workload: dst ? workloadOf(mesh, dst) : 'unknown',
    destination_workload_namespace: dst?.metadata.namespace ?? 'unknown',
    destination_principal: e.mtls && e.destination ? mesh.memberships.get(e.destination.pod)?.identity ?? 'unknown' : 'unknown',
    destination_app: dst?.metadata.labels?.app ?? 'unknown',
    destination_version: dst?.metadata.labels?.version ?? 'unknown',
    destination_service: host ?? 'unknown',
    destination_service_name: svcName ?? 'unknown',
    destination_service_namespace: svcNs ?? 'unknown',
    request_protocol: e.protocol ?? 'http',
    response_code: String(responseCode),
    response_flags: responseFlags,
    connection_security_policy: e.mtls ? 'mutual_tls' : 'none',
  };
}
