// The flows `podnet verify` asks about, enumerated from the compiled model alone (no kernel, no live cluster), so that
// any referee — the kernel realisation, a live cluster — can be asked the same questions:
//   pod pairs: every pod to every other pod's IP on every port a Service targets or a policy names (named ports
//     resolved on the destination), and on every UDP port it declares, sampled with `sample`;
//   services: every TCP and UDP Service port's ClusterIP from every pod (sampled: from one pod of each node);
//   external: every NodePort on every node, every LoadBalancer ingress IP and external IP, from the outside client;
//   dns: from each pod, each Service's name in its full, `svc.ns` and (same namespace) short forms, and a name that
//     does not exist, sampled with `sample`;
//   ingress: every path of every served Ingress, requested from the outside client (ingress-flows.ts).
// An edge proxy's pods (the ingress controller's) answer with the proxy, not netexec: only the verdict says something there.
import type { Cluster } from '../cluster/cluster.js';
import { containerPorts, policyModelOf, type PodObj } from '../policy/index.js';
import { servicesModel } from '../services/index.js';
import { activeProxyPods } from '../ingress/index.js';
import { enumerateIngressFlows } from './ingress-flows.js';

export type Family = 'pod-pair' | 'service' | 'external' | 'dns' | 'ingress';

export interface ConnectFlow {
  kind: 'connect';
  /** Stable and readable: `FROM -> HOST:PORT/TCP`. */
  id: string;
  family: Exclude<Family, 'dns'>;
  /** `NS/POD` or `external`. */
  from: string;
  host: string;
  port: number;
  /** UDP: a datagram the agent echoes (it says no name, so only the verdict counts). */
  protocol: 'TCP' | 'UDP';
  /** `NS/NAME:PORT` of the Service the address belongs to. */
  service?: string;
  via?: 'clusterIP' | 'nodePort' | 'loadBalancer' | 'externalIP';
  /** For an outside client: the node whose address it connects to (NodePort). */
  node?: string;
  /** The answering process is the netexec agent (it says /hostname and /clientip); false for the cluster DNS's port. */
  identify: boolean;
  /** An HTTP request sent over the connection (family ingress): the answer's status and the pod that answered count. */
  request?: { scheme: 'http' | 'https'; host: string; path: string; method?: string; headers?: Record<string, string> };
}

export interface DnsFlow {
  kind: 'dns';
  id: string;
  family: 'dns';
  from: string;
  name: string;
  type: 'A';
}

export type Flow = ConnectFlow | DnsFlow;

export interface FlowOptions {
  /** At most this many flows of each sampled family (pod pairs, DNS), spread evenly over the full list. */
  sample?: number;
  /** Only flows from these pods (`NS/NAME`): a live cluster's referee connects from its own probe pods. */
  from?: (pod: string) => boolean;
  /** Flows from the outside client (NodePorts, LoadBalancer and external IPs); default true. */
  outside?: boolean;
}

/** The port netexec listens on when a pod declares none (agnhost's --http-port default), as the lab's agents do. */
export const DEFAULT_AGENT_PORT = 8080;

type Pod = PodObj & { metadata: { name: string; namespace?: string }; spec: Record<string, any>; status?: Record<string, any> };

const keyOf = (p: Pod) => `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`;
const running = (p: Pod) => Boolean(p.status?.podIP) && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';

/** Every `take` of a list, evenly spread, in order (deterministic). */
export function spread<T>(items: readonly T[], take: number | undefined): T[] {
  if (take === undefined || items.length <= take) return [...items];
  if (take <= 0) return [];
  const out: T[] = [];
  for (let i = 0; i < take; i++) out.push(items[Math.floor((i * items.length) / take)]);
  return out;
}

/** The TCP ports policies and Services name, per destination pod (named ports resolved on it). */
function portsOf(pod: Pod, named: { numbers: Set<number>; names: Set<string> }): number[] {
  const declared = containerPorts(pod).filter((c) => c.protocol === 'TCP');
  // Nothing declared: the agent listens on its default port only, so only that port says something about the kernel.
  if (declared.length === 0) return [DEFAULT_AGENT_PORT];
  const out = new Set<number>();
  for (const n of named.numbers) out.add(n);
  for (const c of declared) if (c.name && named.names.has(c.name)) out.add(c.containerPort);
  for (const c of declared) out.add(c.containerPort);
  return [...out].sort((a, b) => a - b);
}

/** The UDP container ports a pod declares. */
function udpPorts(pod: Pod): number[] {
  return [...new Set(containerPorts(pod).filter((c) => c.protocol === 'UDP').map((c) => c.containerPort))].sort((a, b) => a - b);
}

function namedPorts(cluster: Cluster): { numbers: Set<number>; names: Set<string> } {
  const numbers = new Set<number>();
  const names = new Set<string>();
  const policy = policyModelOf(cluster);
  for (const p of [...policy.networkPolicies, ...policy.adminPolicies, ...policy.baselinePolicies]) {
    for (const dir of ['Ingress', 'Egress'] as const) {
      for (const r of p.rules[dir] as { ports?: { protocol: string; port?: number; endPort?: number; name?: string }[] }[]) {
        for (const s of r.ports ?? []) {
          if (s.name) names.add(s.name);
          if (s.protocol !== 'TCP' || s.port === undefined) continue;
          numbers.add(s.port);
          if (s.endPort !== undefined) { numbers.add(s.endPort); numbers.add(s.endPort + 1); }
        }
      }
    }
  }
  for (const sp of servicesModel(cluster).ports) if (sp.protocol === 'TCP') for (const e of sp.endpoints) numbers.add(e.port);
  return { numbers, names };
}

export function enumerateFlows(cluster: Cluster, opts: FlowOptions = {}): Flow[] {
  const pods = (cluster.pods() as Pod[]).filter(running).sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
  const sources = opts.from ? pods.filter((p) => opts.from!(keyOf(p))) : pods;
  const outside = opts.outside ?? true;
  const flows: Flow[] = [];
  const connect = (f: Omit<ConnectFlow, 'kind' | 'id' | 'protocol'>, protocol: 'TCP' | 'UDP' = 'TCP'): ConnectFlow => ({ kind: 'connect', id: `${f.from} -> ${f.host}:${f.port}/${protocol}`, protocol, ...f, ...(protocol === 'UDP' ? { identify: false } : {}) });

  const named = namedPorts(cluster);
  const model = servicesModel(cluster);
  // The cluster DNS's pods answer DNS on port 53, not netexec's HTTP: only the connection's verdict says something there.
  const dnsServers = new Set(model.ports.filter((sp) => sp.namespace === 'kube-system' && sp.name === 'kube-dns' && sp.port === 53).flatMap((sp) => sp.endpoints.map((e) => e.ip)));
  const proxies = activeProxyPods(cluster);
  const edge = new Set(pods.filter((p) => proxies.has(keyOf(p))).map((p) => p.status!.podIP as string));
  const pairs: Flow[] = [];
  for (const dst of pods) {
    if (dst.spec.hostNetwork) continue;
    const ports = portsOf(dst, named);
    for (const src of sources) {
      if (src === dst || src.spec.hostNetwork) continue;
      for (const port of ports) pairs.push(connect({ family: 'pod-pair', from: keyOf(src), host: dst.status!.podIP, port, identify: !(port === 53 && dnsServers.has(dst.status!.podIP)) && !edge.has(dst.status!.podIP) }));
      // The UDP ports the pod declares (the agent echoes there); the cluster DNS's 53 is asked by the DNS flows.
      for (const port of udpPorts(dst)) if (!(port === 53 && dnsServers.has(dst.status!.podIP))) pairs.push(connect({ family: 'pod-pair', from: keyOf(src), host: dst.status!.podIP, port, identify: false }, 'UDP'));
    }
  }
  flows.push(...spread(pairs, opts.sample));

  const dnsPort = (ns: string, name: string, port: number) => ns === 'kube-system' && name === 'kube-dns' && port === 53;
  const clients = sources.filter((p) => !p.spec.hostNetwork && p.spec.nodeName);
  const nodesOfClients = [...new Set(clients.map((p) => p.spec.nodeName as string))];
  let turn = 0;
  for (const sp of model.ports) {
    if ((sp.protocol !== 'TCP' && sp.protocol !== 'UDP') || sp.family !== 'IPv4') continue;
    if (sp.protocol === 'UDP' && dnsPort(sp.namespace, sp.name, sp.port)) continue; // the DNS flows ask it
    const service = `${sp.namespace}/${sp.name}:${sp.port}`;
    const identify = !dnsPort(sp.namespace, sp.name, sp.port) && !sp.endpoints.some((e) => edge.has(e.ip));
    // The API server's endpoint (the `kubernetes` Service) is not a pod: nothing of the lab answers there.
    if (sp.namespace === 'default' && sp.name === 'kubernetes') continue;
    // Every pod, or, sampled, one pod of each node (a different one for each Service port).
    const from = opts.sample === undefined ? clients : nodesOfClients.map((n) => { const mine = clients.filter((p) => p.spec.nodeName === n); return mine[turn % mine.length]; });
    turn++;
    const proto = sp.protocol as 'TCP' | 'UDP';
    for (const src of from) flows.push(connect({ family: 'service', from: keyOf(src), host: sp.clusterIP, port: sp.port, service, via: 'clusterIP', identify }, proto));
    if (!outside) continue;
    if (sp.nodePort) for (const node of cluster.nodes) flows.push(connect({ family: 'external', from: 'external', host: node.internalIPs[0], port: sp.nodePort, service, via: 'nodePort', node: node.name, identify }, proto));
    for (const ip of sp.loadBalancerIPs) flows.push(connect({ family: 'external', from: 'external', host: ip, port: sp.port, service, via: 'loadBalancer', identify }, proto));
    for (const ip of sp.externalIPs) flows.push(connect({ family: 'external', from: 'external', host: ip, port: sp.port, service, via: 'externalIP', identify }, proto));
  }

  const domain = cluster.config.clusterDomain;
  const services = (cluster.services() as { metadata: { name: string; namespace?: string } }[]).map((s) => ({ name: s.metadata.name, ns: s.metadata.namespace ?? 'default' }));
  const dns: Flow[] = [];
  for (const src of sources) {
    if (src.spec.hostNetwork) continue;
    const from = keyOf(src);
    const own = src.metadata.namespace ?? 'default';
    const names = services.flatMap((s) => [`${s.name}.${s.ns}.svc.${domain}`, `${s.name}.${s.ns}`, ...(s.ns === own ? [s.name] : [])]);
    names.push(`no-such-service.${own}.svc.${domain}`);
    // dnsPolicy Default asks the node's resolver, which the lab does not run: every name gets the same silence, so
    // one name shows it (each unanswered dig waits out its timeout).
    const asked = (src.spec as { dnsPolicy?: string }).dnsPolicy === 'Default' ? names.slice(0, 1) : names;
    for (const name of asked) dns.push({ kind: 'dns', id: `${from} dig ${name} A`, family: 'dns', from, name, type: 'A' });
  }
  flows.push(...spread(dns, opts.sample));
  flows.push(...enumerateIngressFlows(cluster));
  return flows;
}
