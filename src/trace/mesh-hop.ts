// The service-mesh hops of a trace, through src/mesh's public API: the client sidecar's outbound Envoy (route, subset,
// retries/timeout, the endpoint it connects to) and the server side (mTLS identity, authorization). Nothing when the
// cluster has no mesh.
import type { Cluster } from '../cluster/cluster.js';
import { meshModelOf } from '../mesh/index.js';
import type { MeshQuery, MeshStep } from './hooks.js';

export function meshHops(cluster: Cluster, q: MeshQuery): MeshStep | undefined {
  const mesh = meshModelOf(cluster);
  if (!mesh.active) return undefined;
  const [ns, name] = q.srcPod.split('/', 2);
  const to = q.service ? { kind: 'Service' as const, ...q.service } : q.dstPod ? { kind: 'Pod' as const, namespace: q.dstPod.split('/')[0], name: q.dstPod.split('/')[1] } : undefined;
  if (!to) return undefined;
  const e = mesh.evaluate({ from: { kind: 'Pod', namespace: ns, name }, to, port: q.port, method: q.http?.method, path: q.http?.path, random: q.random === undefined ? undefined : { weight: q.random, endpoint: q.random } });
  // PassthroughCluster (a host the Sidecar resource hides): the sidecar forwards to the ClusterIP as dialled, so
  // kube-proxy DNATs it as usual; the inbound side is then evaluated for the pod kube-proxy picks.
  if (q.service && e.passthrough) return undefined;
  const out = e.hops.find((h) => h.proxy === 'envoy-outbound');
  const inb = e.hops.find((h) => h.proxy !== 'envoy-outbound');
  const dst = e.destination;
  const step: MeshStep = { allowed: e.allowed, reason: e.reason };
  if (q.service && out) {
    const pod = dst ? mesh.pods.get(dst.pod) : undefined;
    step.outbound = {
      text: `sidecar (outbound Envoy) of ${q.srcPod}: ${out.lines.join('; ')}${dst ? `; connects to ${dst.pod} ${dst.ip}:${dst.targetPort} itself (kube-proxy's DNAT is not used)` : ''}`,
      detail: { proxy: 'envoy-outbound', route: e.route ?? null, subset: e.subset ?? null, tls: e.clientTls, ...(e.status !== undefined && !inb ? { status: e.status } : {}) },
      ...(dst && pod?.status?.podIP ? { endpoint: { ip: pod.status.podIP, port: dst.targetPort, pod: dst.pod } } : {}),
    };
    if (!e.allowed && !inb) step.deniedAt = 'mesh-outbound';
  }
  if (inb) {
    step.inbound = {
      text: `${inb.proxy === 'ztunnel' ? 'ztunnel' : inb.proxy === 'linkerd-proxy' ? 'linkerd-proxy' : 'sidecar (inbound Envoy)'} of ${inb.pod}: ${inb.lines.join('; ')}${e.allowed ? '' : ` → ${e.reason}`}`,
      detail: { proxy: inb.proxy, mtls: e.mtls, sourcePrincipal: e.sourcePrincipal ?? null, authz: e.authz, ...(e.status !== undefined ? { status: e.status } : {}) },
    };
    if (!e.allowed) step.deniedAt = 'mesh-inbound';
  } else if (!e.allowed && q.dstPod) {
    step.inbound = { text: `mesh: ${e.reason}`, detail: { status: e.status ?? null } };
  }
  return step;
}
