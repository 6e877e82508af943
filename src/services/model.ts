// The service model kube-proxy builds from the API: one ServicePortInfo per (Service, port) with its VIPs and the
// endpoints of its EndpointSlices (pkg/proxy/serviceport.go, endpointslicecache.go). Compiled once per cluster and
// shared by every renderer and query, so iptables, IPVS, nftables and traces all read the same facts.
import type { Cluster } from '../cluster/cluster.js';
import type { NodeInfo } from '../cluster/nodes.js';
import { cidrContains, familyOf, isValidIP, parseCidr, type Cidr, type Family } from '../net/cidr.js';

type Obj = Record<string, any>;

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

/** One endpoint as kube-proxy sees it (pkg/proxy/endpoint.go BaseEndpointInfo). */
export interface ServiceEndpoint {
  ip: string;
  port: number;
  /** `ip:port`, the endpoint string kube-proxy hashes into chain names and sorts by. */
  key: string;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  nodeName?: string;
  zone?: string;
  zoneHints?: string[];
  nodeHints?: string[];
  /** `namespace/name` of the pod behind the endpoint, when the slice says. */
  pod?: string;
}

export interface ServicePortInfo {
  namespace: string;
  name: string;
  /** The Service's port name ('' when unnamed). */
  portName: string;
  protocol: Protocol;
  port: number;
  /** `ns/svc:port` (or `ns/svc` when the port is unnamed): ServicePortName.String(). */
  nameString: string;
  type: string;
  family: Family;
  clusterIP: string;
  externalIPs: string[];
  /** status.loadBalancer.ingress IPs kube-proxy captures (ipMode VIP or unset). */
  loadBalancerIPs: string[];
  /** Ingress IPs with ipMode Proxy: the load balancer proxies, kube-proxy does not capture them. */
  proxyModeLoadBalancerIPs: string[];
  loadBalancerSourceRanges: Cidr[];
  nodePort: number;
  /** Only set when externalTrafficPolicy is Local (kube-proxy ignores it otherwise). */
  healthCheckNodePort: number;
  externalPolicyLocal: boolean;
  internalPolicyLocal: boolean;
  affinityTimeoutSeconds?: number;
  /** Endpoints of the slices for this port, deduplicated and sorted by `ip:port` as kube-proxy sorts them. */
  endpoints: ServiceEndpoint[];
}

/** Services kube-proxy skips, kept so that queries can say why. */
export interface UnproxiedService {
  namespace: string;
  name: string;
  why: 'ExternalName' | 'headless';
  externalName?: string;
}

export interface ServicesModel {
  ports: ServicePortInfo[];
  unproxied: UnproxiedService[];
  nodes: readonly NodeInfo[];
  /** The cluster (pod) CIDRs: kube-proxy's local-traffic detector (--cluster-cidr). */
  clusterCIDRs: Cidr[];
  serviceCIDRs: Cidr[];
  /** `ip|proto|port` → service port and how that address reaches it. */
  byVIP: Map<string, { sp: ServicePortInfo; entry: 'clusterIP' | 'externalIP' | 'loadBalancer' }[]>;
  /** `proto|nodePort` → service port. */
  byNodePort: Map<string, ServicePortInfo>;
  nodeByIP: Map<string, NodeInfo>;
  nodeByName: Map<string, NodeInfo>;
}

export const DEFAULT_AFFINITY_TIMEOUT_SECONDS = 10800;

export function vipKey(ip: string, protocol: string, port: number): string {
  return `${ip}|${protocol}|${port}`;
}

const cache = new WeakMap<Cluster, ServicesModel>();

/** The model for a cluster, built once per Cluster object (clusters are immutable snapshots). */
export function servicesModel(cluster: Cluster): ServicesModel {
  let m = cache.get(cluster);
  if (!m) cache.set(cluster, (m = compileServices(cluster)));
  return m;
}

export function compileServices(cluster: Cluster): ServicesModel {
  const ports: ServicePortInfo[] = [];
  const unproxied: UnproxiedService[] = [];
  for (const svc of cluster.services() as (Obj & { metadata: Obj })[]) {
    const spec = (svc.spec ?? {}) as Obj;
    const ns = svc.metadata.namespace ?? 'default';
    const name = svc.metadata.name as string;
    if (spec.type === 'ExternalName') { unproxied.push({ namespace: ns, name, why: 'ExternalName', externalName: spec.externalName }); continue; }
    const clusterIPs: string[] = (spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : []).filter((ip: string) => ip !== 'None' && isValidIP(ip));
    if (clusterIPs.length === 0) { unproxied.push({ namespace: ns, name, why: 'headless' }); continue; }
    const slices = indexSlices(cluster.slicesOfService(ns, name) as Obj[]);
    for (const clusterIP of clusterIPs) {
      const family = familyOf(clusterIP);
      for (const p of (spec.ports ?? []) as Obj[]) ports.push(servicePortInfo(svc, p, clusterIP, family, slices));
    }
  }
  ports.sort((a, b) => a.nameString.localeCompare(b.nameString) || a.protocol.localeCompare(b.protocol) || a.family.localeCompare(b.family));
  const byVIP = new Map<string, { sp: ServicePortInfo; entry: 'clusterIP' | 'externalIP' | 'loadBalancer' }[]>();
  const add = (ip: string, sp: ServicePortInfo, entry: 'clusterIP' | 'externalIP' | 'loadBalancer') => {
    const k = vipKey(ip, sp.protocol, sp.port);
    let list = byVIP.get(k);
    if (!list) byVIP.set(k, (list = []));
    list.push({ sp, entry });
  };
  const byNodePort = new Map<string, ServicePortInfo>();
  for (const sp of ports) {
    add(sp.clusterIP, sp, 'clusterIP');
    for (const ip of sp.externalIPs) add(ip, sp, 'externalIP');
    for (const ip of sp.loadBalancerIPs) add(ip, sp, 'loadBalancer');
    if (sp.nodePort && sp.family === primaryFamily(cluster)) byNodePort.set(`${sp.protocol}|${sp.nodePort}`, sp);
  }
  const nodeByIP = new Map<string, NodeInfo>();
  for (const n of cluster.nodes) for (const ip of n.internalIPs) nodeByIP.set(ip, n);
  return {
    ports, unproxied, nodes: cluster.nodes,
    clusterCIDRs: cluster.config.podCIDRs.map(parseCidr),
    serviceCIDRs: cluster.config.serviceCIDRs.map(parseCidr),
    byVIP, byNodePort, nodeByIP,
    nodeByName: new Map(cluster.nodes.map((n) => [n.name, n])),
  };
}

function primaryFamily(cluster: Cluster): Family {
  return familyOf(cluster.config.serviceCIDRs[0].split('/')[0]);
}

function servicePortInfo(svc: Obj, p: Obj, clusterIP: string, family: Family, slices: IndexedSlice[]): ServicePortInfo {
  const spec = svc.spec as Obj;
  const ns = svc.metadata.namespace ?? 'default';
  const portName = (p.name ?? '') as string;
  const protocol = (p.protocol ?? 'TCP') as Protocol;
  const externallyAccessible = Boolean(p.nodePort) || (svc.status?.loadBalancer?.ingress ?? []).length > 0 || (spec.externalIPs ?? []).length > 0;
  const ingress = (svc.status?.loadBalancer?.ingress ?? []) as Obj[];
  const etpLocal = spec.externalTrafficPolicy === 'Local' && externallyAccessible;
  const ranges: Cidr[] = [];
  for (const r of (spec.loadBalancerSourceRanges ?? []) as string[]) {
    try { const c = parseCidr(String(r).trim()); if (c.family === family) ranges.push(c); } catch { /* kube-proxy ignores bad ranges */ }
  }
  return {
    namespace: ns,
    name: svc.metadata.name,
    portName,
    protocol,
    port: p.port,
    nameString: `${ns}/${svc.metadata.name}${portName ? `:${portName}` : ''}`,
    type: spec.type ?? 'ClusterIP',
    family,
    clusterIP,
    externalIPs: ((spec.externalIPs ?? []) as string[]).filter((ip) => isValidIP(ip) && familyOf(ip) === family),
    loadBalancerIPs: ingress.filter((i) => i.ip && i.ipMode !== 'Proxy' && familyOf(i.ip) === family).map((i) => i.ip),
    proxyModeLoadBalancerIPs: ingress.filter((i) => i.ip && i.ipMode === 'Proxy').map((i) => i.ip),
    loadBalancerSourceRanges: ranges,
    nodePort: p.nodePort ?? 0,
    healthCheckNodePort: etpLocal ? (spec.healthCheckNodePort ?? 0) : 0,
    externalPolicyLocal: etpLocal,
    internalPolicyLocal: spec.internalTrafficPolicy === 'Local',
    affinityTimeoutSeconds: spec.sessionAffinity === 'ClientIP' ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_TIMEOUT_SECONDS) : undefined,
    endpoints: endpointsOf(slices, portName, protocol, family),
  };
}

/** Endpoints for one service port: slices of the VIP's family, the slice port with the same name and protocol. */
interface IndexedSlice { slice: Obj; portsByNameProtocol: Map<string, Obj> }

/** Each slice with its ports by `name|protocol`: a Service may have 20,000 ports, each looked up once per port. */
function indexSlices(slices: Obj[]): IndexedSlice[] {
  return slices.map((slice) => {
    const portsByNameProtocol = new Map<string, Obj>();
    for (const x of (slice.ports ?? []) as Obj[]) {
      const key = `${x?.name ?? ''}|${x?.protocol ?? 'TCP'}`;
      if (!portsByNameProtocol.has(key)) portsByNameProtocol.set(key, x);
    }
    return { slice, portsByNameProtocol };
  });
}

function endpointsOf(slices: IndexedSlice[], portName: string, protocol: Protocol, family: Family): ServiceEndpoint[] {
  const seen = new Map<string, ServiceEndpoint>();
  for (const { slice, portsByNameProtocol } of slices) {
    if (slice.addressType !== family) continue;
    const sp = portsByNameProtocol.get(`${portName}|${protocol}`);
    if (!sp || typeof sp.port !== 'number' || sp.port <= 0) continue;
    for (const e of (slice.endpoints ?? []) as Obj[]) {
      const ip = e.addresses?.[0];
      if (typeof ip !== 'string' || !isValidIP(ip)) continue;
      const key = family === 'IPv6' ? `[${ip}]:${sp.port}` : `${ip}:${sp.port}`;
      if (seen.has(key)) continue;
      const c = (e.conditions ?? {}) as Obj;
      // discovery/v1: a nil ready means ready; nil serving reads as ready; nil terminating as false.
      const ready = c.ready !== false;
      const serving = c.serving === undefined || c.serving === null ? ready : c.serving === true;
      const ep: ServiceEndpoint = {
        ip, port: sp.port, key, ready, serving, terminating: c.terminating === true,
        ...(e.nodeName ? { nodeName: e.nodeName } : {}),
        ...(e.zone ? { zone: e.zone } : {}),
        ...(e.hints?.forZones ? { zoneHints: (e.hints.forZones as Obj[]).map((z) => z.name) } : {}),
        ...(e.hints?.forNodes ? { nodeHints: (e.hints.forNodes as Obj[]).map((z) => z.name) } : {}),
        ...(e.targetRef?.kind === 'Pod' ? { pod: `${e.targetRef.namespace ?? slice.metadata?.namespace}/${e.targetRef.name}` } : {}),
      };
      seen.set(key, ep);
    }
  }
  // endpointslicecache sorts each port's endpoints by their string so that rules are stable.
  return [...seen.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export function isClusterLocal(model: ServicesModel, ip: string): boolean {
  return model.clusterCIDRs.some((c) => cidrContains(c, ip));
}

export function inServiceCIDR(model: ServicesModel, ip: string): boolean {
  return model.serviceCIDRs.some((c) => cidrContains(c, ip));
}

export function findServicePort(model: ServicesModel, namespace: string, name: string, port?: number | string, protocol?: string): ServicePortInfo[] {
  return model.ports.filter((sp) => sp.namespace === namespace && sp.name === name &&
    (port === undefined || sp.port === Number(port) || sp.portName === String(port)) &&
    (protocol === undefined || sp.protocol === protocol.toUpperCase()));
}
