// Where a client reaches an entry point's data-plane pods (the ingress-nginx controller's, a Gateway's): the Service
// whose selector matches them and that serves the port. From outside the cluster that is its LoadBalancer IP, else a
// node's InternalIP and the NodePort (`podnet test --kernel`); from a pod inside it, its ClusterIP (`podnet test
// --context`, which sends the request from a probe pod).
import { matchesMapSelector } from '../api/labels.js';
import type { Cluster } from '../cluster/cluster.js';
import { proxyPods } from './dataplane-policy.js';
import { joinHostPort } from '../util/text.js';

type Obj = Record<string, any>;

export interface EntryPointAddress { host: string; port: number; how: string }

/** The Services in front of the entry point's pods that serve `port` (the first pod with an IP decides). */
function frontingServices(cluster: Cluster, entryPoint: string, port: number): { ns: string; svc: Obj; servicePort: Obj }[] {
  const pods = proxyPods(cluster, entryPoint) as Obj[];
  const pod = pods.find((p) => p.status?.podIP) ?? pods[0];
  if (!pod) return [];
  const ns = pod.metadata.namespace ?? 'default';
  const out = [];
  for (const svc of cluster.services(ns) as Obj[]) {
    if (!svc.spec?.selector || !matchesMapSelector(svc.spec.selector, pod.metadata.labels)) continue;
    const servicePort = ((svc.spec.ports ?? []) as Obj[]).find((p) => p.port === port);
    if (servicePort) out.push({ ns, svc, servicePort });
  }
  return out;
}

/** Where a client outside reaches an entry point's pods on `port`: the fronting Service's LoadBalancer IP, else a NodePort. */
export function entryPointAddress(cluster: Cluster, entryPoint: string, port: number): EntryPointAddress | undefined {
  for (const { ns, svc, servicePort } of frontingServices(cluster, entryPoint, port)) {
    const lb = ((svc.status?.loadBalancer?.ingress ?? []) as Obj[]).find((i) => i.ip)?.ip as string | undefined;
    if (lb) return { host: lb, port, how: `Service ${ns}/${svc.metadata.name} LoadBalancer ${lb}:${port}` };
    if (servicePort.nodePort) {
      const node = (cluster.nodeObjects() as Obj[]).map((n) => ({ name: n.metadata.name, ip: ((n.status?.addresses ?? []) as Obj[]).find((a) => a.type === 'InternalIP')?.address as string | undefined })).find((n) => n.ip);
      if (node) return { host: node.ip!, port: servicePort.nodePort, how: `Service ${ns}/${svc.metadata.name} NodePort ${node.ip}:${servicePort.nodePort} (node ${node.name})` };
    }
  }
  return undefined;
}

/** Where a pod reaches an entry point's pods on `port`: the fronting Service's ClusterIP (a headless one has none). */
export function entryPointClusterAddress(cluster: Cluster, entryPoint: string, port: number): EntryPointAddress | undefined {
  for (const { ns, svc } of frontingServices(cluster, entryPoint, port)) {
    const ip = svc.spec.clusterIP as string | undefined;
    if (ip && ip !== 'None') return { host: ip, port, how: `Service ${ns}/${svc.metadata.name} ClusterIP ${joinHostPort(ip, port)}` };
  }
  return undefined;
}
