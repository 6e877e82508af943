// Exposure through a NodePort or a LoadBalancer: which of a Service's ports an outside client actually reaches, and
// the workloads behind them. Not the Service's type alone: the connection goes through kube-proxy (the entry node,
// externalTrafficPolicy, SNAT) and the backends' ingress policy, as src/trace follows it. With Cluster, the client
// may enter on the endpoint's own node or another one (there policy sees the node's address after SNAT); with Local
// only the endpoint's own node serves it, with the client's address kept.
import { joinHostPort } from '../util/text.js';
import type { Cluster } from '../cluster/cluster.js';
import type { PolicyModel } from '../policy/index.js';
import type { PodObj } from '../policy/classes.js';
import { servicesModel, type ServicePortInfo } from '../services/model.js';
import { defaultComponents } from '../trace/components.js';
import { trace } from '../trace/trace.js';
import { workloadOfPod, type Value } from './sections.js';

type Obj = Record<string, any>;

const hostPort = joinHostPort;

interface Endpoint { ip: string; port: number; pod: PodObj; node: string }

/** The ready pod endpoints of one Service port, from its EndpointSlices (one address family: the port's). */
function endpointsOf(cluster: Cluster, sp: ServicePortInfo): Endpoint[] {
  const out: Endpoint[] = [];
  for (const slice of cluster.slicesOfService(sp.namespace, sp.name) as Obj[]) {
    if (slice.addressType !== sp.family) continue;
    const port = ((slice.ports ?? []) as Obj[]).find((p) => (p.name ?? '') === sp.portName && (p.protocol ?? 'TCP') === sp.protocol)?.port;
    if (typeof port !== 'number') continue;
    for (const ep of (slice.endpoints ?? []) as Obj[]) {
      if (ep.conditions?.ready === false || ep.targetRef?.kind !== 'Pod') continue;
      const pod = cluster.get<PodObj>('Pod', ep.targetRef.namespace ?? sp.namespace, ep.targetRef.name);
      const ip = (ep.addresses ?? [])[0];
      if (pod && typeof ip === 'string' && typeof pod.spec.nodeName === 'string') out.push({ ip, port, pod, node: pod.spec.nodeName });
    }
  }
  return out;
}

/**
 * Per NodePort / LoadBalancer Service (`NodePort ns/name`), what a client at `clientIP` reaches: the Service's ports
 * (as the services section writes them) on which some connection is delivered, and the workloads it reaches; no
 * record when it reaches nothing. `records` are the services section's records of the same side; the `same`
 * Services reach the same on both sides and are left out.
 */
export function serviceExposure(model: PolicyModel, records: ReadonlyMap<string, Value>, clientIP: string, same: ReadonlySet<string> = new Set()): Map<string, Value> {
  const cluster = model.cluster;
  const services = servicesModel(cluster);
  const components = defaultComponents();
  const out = new Map<string, Value>();
  for (const [name, v] of records) {
    if ((v.type !== 'NodePort' && v.type !== 'LoadBalancer') || same.has(name)) continue;
    const [ns, svcName] = name.split('/', 2);
    const svc = cluster.get<Obj>('Service', ns, svcName);
    if (!svc) continue;
    const specPorts = (svc.spec?.ports ?? []) as Obj[];
    const ports = new Set<number>(), workloads = new Set<string>();
    for (const sp of services.ports.filter((p) => p.namespace === ns && p.name === svcName)) {
      const lb = v.type === 'LoadBalancer' ? sp.loadBalancerIPs[0] : undefined;
      if (!lb && !sp.nodePort) continue;
      const index = specPorts.findIndex((p) => p.port === sp.port && (p.protocol ?? 'TCP') === sp.protocol);
      const tried = new Set<string>();
      for (const ep of endpointsOf(cluster, sp)) {
        const workload = workloadOfPod(model, ep.pod.metadata.namespace ?? ns, ep.pod.metadata.name);
        // Pods of one class on one node are alike to kube-proxy and to policy.
        const key = `${model.index.classOfPod.get(`${ep.pod.metadata.namespace}/${ep.pod.metadata.name}`)}|${ep.node}`;
        if (tried.has(key) || (ports.has(index) && workloads.has(workload))) continue;
        tried.add(key);
        const entries = [ep.node, ...(sp.externalPolicyLocal ? [] : [model.nodes.find((n) => n.name !== ep.node)?.name].filter((n): n is string => n !== undefined))];
        for (const node of entries) {
          const nodeIP = model.nodes.find((n) => n.name === node)?.internalIPs[0];
          if (!lb && !nodeIP) continue;
          const to = lb ? hostPort(lb, sp.port) : hostPort(nodeIP!, sp.nodePort);
          const r = trace(cluster, { from: `external:${clientIP}`, to, node, endpoint: `${ep.ip}:${ep.port}`, protocol: sp.protocol, components });
          if (r.verdict !== 'delivered') continue;
          ports.add(index);
          workloads.add(workload);
          break;
        }
      }
    }
    if (ports.size === 0) continue;
    const texts = (v.ports as string[]).filter((_, i) => ports.has(i));
    out.set(`${v.type} ${name}`, { via: v.type, ports: texts, ...(v.loadBalancer ? { addresses: v.loadBalancer } : {}), workloads: [...workloads].sort() });
  }
  return out;
}
