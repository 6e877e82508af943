// `endpoints` as a query: the endpoints kube-proxy would use for a Service port from a vantage point (a pod, a node,
// or an outside client entering through a node's NodePort, the LoadBalancer IP or an external IP), with the
// probability of each. The JSON contract: {service, port, vip, endpoints: [{pod, ip, port, probability}], snat, reason}.
import { listSome } from '../util/text.js';
import type { Cluster } from '../cluster/cluster.js';
import { decideService, type Entry, type ServiceDecision, type TrafficSource } from './decision.js';
import { servicesModel, type ServicePortInfo } from './model.js';

export interface EndpointsQuery {
  /** `namespace/name`. */
  service: string;
  /** Service port number or name; required when the Service has several ports. */
  port?: string | number;
  protocol?: string;
  /** `namespace/pod`. */
  from?: string;
  node?: string;
  external?: boolean;
  /** For external clients: nodePort, loadBalancer or externalIP (default: LoadBalancer IP, else NodePort, else external IP). */
  via?: 'nodePort' | 'loadBalancer' | 'externalIP';
  clientIP?: string;
}

export interface EndpointsAnswer {
  service: string;
  port: number;
  vip: string | null;
  endpoints: { pod?: string; ip: string; port: number; probability: number; node?: string; zone?: string; terminating?: boolean }[];
  snat: boolean;
  reason: string;
  verdict: 'dnat' | 'reject' | 'drop' | 'none';
  entry?: Entry;
  node?: string;
  protocol?: string;
  portName?: string;
  chains?: string[];
  affinity?: { type: 'ClientIP'; timeoutSeconds: number };
  vantage: string;
}

export class EndpointsQueryError extends Error {}

export const DEFAULT_EXTERNAL_CLIENT_IP = '203.0.113.10';

export function endpointsFor(cluster: Cluster, q: EndpointsQuery): EndpointsAnswer {
  const [ns, name] = q.service.includes('/') ? q.service.split('/', 2) : ['default', q.service];
  const svc = cluster.get<Record<string, any>>('Service', ns, name);
  if (!svc) {
    const names = cluster.services(ns).map((s) => s.metadata.name);
    throw new EndpointsQueryError(`services "${name}" not found in namespace ${ns}${names.length ? ` (services there: ${names.join(', ')})` : ''}`);
  }
  if (svc.spec.type === 'ExternalName') {
    return { service: `${ns}/${name}`, port: Number(q.port ?? svc.spec.ports?.[0]?.port ?? 0), vip: null, endpoints: [], snat: false, verdict: 'none', vantage: q.from ? `pod ${q.from}` : q.external ? 'an outside client' : `node ${q.node ?? ''}`.trim(),
      reason: `ExternalName Service: cluster DNS answers a CNAME to ${svc.spec.externalName}; it has no ClusterIP and kube-proxy does not proxy it` };
  }
  const ports = (svc.spec.ports ?? []) as Record<string, any>[];
  const portSpec = q.port === undefined ? (ports.length === 1 ? ports[0] : undefined)
    : ports.find((p) => (String(p.port) === String(q.port) || p.name === String(q.port)) && (!q.protocol || p.protocol === q.protocol.toUpperCase()));
  if (!portSpec) {
    throw new EndpointsQueryError(q.port === undefined
      ? `Service ${ns}/${name} has ${ports.length} ports (${listSome(ports, 10, (p) => `${p.name ?? ''} ${p.port}/${p.protocol}`.trim())}): choose one with --port`
      : `Service ${ns}/${name} has no port ${q.port}${q.protocol ? `/${q.protocol}` : ''} (ports: ${listSome(ports, 10, (p) => `${p.name ? `${p.name}=` : ''}${p.port}/${p.protocol}`)})`);
  }
  const model = servicesModel(cluster);

  // The vantage point.
  let src: TrafficSource;
  let nodeName: string;
  let vantage: string;
  if (q.from) {
    const [pns, pname] = q.from.includes('/') ? q.from.split('/', 2) : ['default', q.from];
    const pod = cluster.get<Record<string, any>>('Pod', pns, pname);
    if (!pod) throw new EndpointsQueryError(`pods "${pname}" not found in namespace ${pns}`);
    if (!pod.status?.podIP || !pod.spec.nodeName) throw new EndpointsQueryError(`pod ${pns}/${pname} is not running on a node with an IP`);
    src = { kind: pod.spec.hostNetwork ? 'node' : 'pod', ip: pod.status.podIP, node: pod.spec.nodeName, pod: `${pns}/${pname}` };
    nodeName = pod.spec.nodeName;
    vantage = `pod ${pns}/${pname} (${pod.status.podIP}) on ${nodeName}`;
  } else {
    const node = q.node ? model.nodeByName.get(q.node) : model.nodes[0];
    if (!node) throw new EndpointsQueryError(q.node ? `node ${JSON.stringify(q.node)} not found (nodes: ${model.nodes.map((n) => n.name).join(', ')})` : 'the cluster has no nodes');
    nodeName = node.name;
    if (q.external) {
      const ip = q.clientIP ?? DEFAULT_EXTERNAL_CLIENT_IP;
      src = { kind: 'external', ip };
      vantage = `outside client ${ip} entering through node ${nodeName}`;
    } else {
      src = { kind: 'node', ip: node.internalIPs[0], node: node.name };
      vantage = `node ${nodeName} (${node.internalIPs[0]})`;
    }
  }

  const base = { service: `${ns}/${name}`, port: portSpec.port as number, protocol: portSpec.protocol as string, ...(portSpec.name ? { portName: portSpec.name as string } : {}), node: nodeName, vantage };
  const sp = model.ports.find((p) => p.namespace === ns && p.name === name && p.port === portSpec.port && p.protocol === portSpec.protocol);
  if (!sp) {
    const eps = cluster.slicesOfService(ns, name).flatMap((s: Record<string, any>) => {
      const port = ((s.ports ?? []) as Record<string, any>[]).find((x) => (x.name ?? '') === (portSpec.name ?? '') && (x.protocol ?? 'TCP') === portSpec.protocol)?.port;
      if (port === undefined) return [];
      return ((s.endpoints ?? []) as Record<string, any>[]).filter((e) => e.conditions?.ready !== false).map((e) => ({ ...(e.targetRef?.name ? { pod: `${ns}/${e.targetRef.name}` } : {}), ip: e.addresses[0] as string, port: port as number }));
    });
    return { ...base, vip: null, snat: false, verdict: 'none', endpoints: eps.map((e) => ({ ...e, probability: 1 / eps.length })),
      reason: `headless Service (clusterIP: None): no VIP and no kube-proxy rules; DNS returns one A record per ready endpoint and the client connects to the pod directly${eps.length ? '' : ' (there is no ready endpoint)'}` };
  }
  let entry: Entry = 'clusterIP';
  let vip = sp.clusterIP;
  if (src.kind === 'external') {
    const via = q.via ?? (sp.loadBalancerIPs.length ? 'loadBalancer' : sp.nodePort ? 'nodePort' : sp.externalIPs.length ? 'externalIP' : undefined);
    if (!via) return { ...base, vip: null, endpoints: [], snat: false, verdict: 'none', reason: `Service ${ns}/${name} is type ${sp.type} with no NodePort, LoadBalancer IP or external IP: it is not reachable from outside the cluster` };
    entry = via;
    vip = externalVIP(sp, via, model.nodeByName.get(nodeName)!.internalIPs[0]);
    if (!vip) throw new EndpointsQueryError(`Service ${ns}/${name} has no ${via === 'nodePort' ? 'NodePort' : via === 'loadBalancer' ? 'LoadBalancer IP' : 'external IP'}`);
  }
  return fromDecision(base, decideService(model, sp, entry, vip, src, nodeName));
}

function externalVIP(sp: ServicePortInfo, via: string, nodeIP: string): string {
  return via === 'nodePort' ? (sp.nodePort ? nodeIP : '') : via === 'loadBalancer' ? (sp.loadBalancerIPs[0] ?? '') : (sp.externalIPs[0] ?? '');
}

function fromDecision(base: Omit<EndpointsAnswer, 'vip' | 'endpoints' | 'snat' | 'reason' | 'verdict'>, d: ServiceDecision): EndpointsAnswer {
  return {
    ...base, vip: d.vip, entry: d.entry, verdict: d.verdict, snat: d.snat, reason: d.reason, chains: d.chains,
    ...(d.entry === 'nodePort' ? { nodePort: d.dport } : {}),
    ...(d.affinity ? { affinity: d.affinity } : {}),
    endpoints: d.endpoints.map((e) => ({ ...(e.pod ? { pod: e.pod } : {}), ip: e.ip, port: e.port, probability: e.probability, ...(e.nodeName ? { node: e.nodeName } : {}), ...(e.zone ? { zone: e.zone } : {}), ...(e.terminating ? { terminating: true } : {}) })),
  };
}
