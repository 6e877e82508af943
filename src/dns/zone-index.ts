// What the CoreDNS kubernetes plugin keeps in its informer caches, built once from the cluster store: exposed
// namespaces, Services by name, endpoints per Service (from EndpointSlices, the way object/endpoint.go reads them),
// reverse indexes by IP, and pods by IP for `pods verified`. A compiled snapshot: never mutated after build.
import { compileLabelSelector, type LabelMatcher } from '../api/labels.js';
import type { Cluster } from '../cluster/cluster.js';
import { familyOf } from '../net/cidr.js';

type Obj = Record<string, any>;

export interface ServicePortInfo { name: string; port: number; protocol: string }

export interface ServiceInfo {
  name: string;
  namespace: string;
  type: string;
  headless: boolean;
  clusterIPs: string[];
  externalName?: string;
  ports: ServicePortInfo[];
  /** spec.externalIPs, then status.loadBalancer.ingress IPs or hostnames (object/service.go): what k8s_external serves. */
  externalIPs: string[];
}

/** One ready address of an endpoint (object.EndpointAddress) with the ports of its slice (object.EndpointPort). */
export interface EndpointAddress {
  ip: string;
  hostname: string;
  targetRefName: string;
  nodeName: string;
  /** Slice ports; a slice without ports gets CoreDNS's sentinel port -1 (A/AAAA yes, SRV no). */
  ports: ServicePortInfo[];
  slice: string;
}

export interface PodInfo { name: string; namespace: string; ip: string }

export interface ZoneIndex {
  namespaces: Set<string>;
  services: Map<string, ServiceInfo>;
  endpoints: Map<string, EndpointAddress[]>;
  servicesByClusterIP: Map<string, ServiceInfo[]>;
  endpointsByIP: Map<string, { service: ServiceInfo; address: EndpointAddress }[]>;
  podsByIP: Map<string, PodInfo[]>;
  /** Services whose endpoints are CoreDNS itself (what nsAddrs finds from the pod's local IPs). */
  dnsServices: ServiceInfo[];
  /** The CoreDNS pods' own IPs (for ns.dns.<zone> when no Service fronts them). */
  dnsPodIPs: string[];
}

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export function serviceKey(namespace: string, name: string): string {
  return `${name.toLowerCase()}.${namespace.toLowerCase()}`;
}

export interface IndexFilters {
  /** `labels SELECTOR`: only Services (and their endpoints) with matching labels are served. */
  labels?: LabelMatcher;
  /** `namespace_labels SELECTOR`: only namespaces with matching labels are exposed. */
  namespaceLabels?: LabelMatcher;
}

export function buildZoneIndex(cluster: Cluster, filters: IndexFilters = {}): ZoneIndex {
  const namespaces = new Set<string>();
  for (const ns of cluster.namespaces()) {
    if (filters.namespaceLabels && !filters.namespaceLabels(ns.metadata.labels)) continue;
    namespaces.add(ns.metadata.name.toLowerCase());
  }
  const services = new Map<string, ServiceInfo>();
  const servicesByClusterIP = new Map<string, ServiceInfo[]>();
  for (const svc of cluster.services() as Obj[]) {
    if (filters.labels && !filters.labels(svc.metadata.labels)) continue;
    const spec = svc.spec ?? {};
    const clusterIPs: string[] = (spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : []).filter((ip: string) => ip && ip !== 'None');
    const info: ServiceInfo = {
      name: svc.metadata.name, namespace: svc.metadata.namespace ?? 'default', type: spec.type ?? 'ClusterIP',
      headless: spec.clusterIP === 'None', clusterIPs: spec.type === 'ExternalName' ? [] : clusterIPs,
      ...(spec.type === 'ExternalName' && typeof spec.externalName === 'string' ? { externalName: spec.externalName } : {}),
      ports: ((spec.ports ?? []) as Obj[]).map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' })),
      externalIPs: [...((spec.externalIPs ?? []) as string[]), ...((svc.status?.loadBalancer?.ingress ?? []) as Obj[]).map((i) => i?.ip || i?.hostname).filter((x): x is string => typeof x === 'string' && x !== '')],
    };
    services.set(serviceKey(info.namespace, info.name), info);
    for (const ip of info.clusterIPs) push(servicesByClusterIP, ip, info);
  }
  const endpoints = new Map<string, EndpointAddress[]>();
  const endpointsByIP = new Map<string, { service: ServiceInfo; address: EndpointAddress }[]>();
  for (const slice of cluster.endpointSlices() as Obj[]) {
    const svcName = slice.metadata.labels?.[SERVICE_NAME_LABEL];
    if (typeof svcName !== 'string') continue;
    const service = services.get(serviceKey(slice.metadata.namespace ?? 'default', svcName));
    if (!service) continue;
    const slicePorts: ServicePortInfo[] = ((slice.ports ?? []) as Obj[]).map((p) => ({ name: p.name ?? '', port: p.port ?? -1, protocol: p.protocol ?? 'TCP' }));
    const ports = slicePorts.length > 0 ? slicePorts : [{ name: '', port: -1, protocol: '' }];
    for (const ep of (slice.endpoints ?? []) as Obj[]) {
      // endpointsliceReady: ready unset counts as ready.
      if (ep.conditions?.ready === false) continue;
      for (const ip of (ep.addresses ?? []) as string[]) {
        const address: EndpointAddress = {
          ip, hostname: ep.hostname ?? '', targetRefName: ep.targetRef?.name ?? '', nodeName: ep.nodeName ?? '', ports,
          slice: slice.metadata.name,
        };
        push(endpoints, serviceKey(service.namespace, service.name), address);
        push(endpointsByIP, ip, { service, address });
      }
    }
  }
  const podsByIP = new Map<string, PodInfo[]>();
  const dnsPodNames = new Set<string>();
  const dnsPodIPs: string[] = [];
  for (const pod of cluster.pods() as Obj[]) {
    const ip = pod.status?.podIP;
    if (typeof ip === 'string' && ip) push(podsByIP, ip, { name: pod.metadata.name, namespace: pod.metadata.namespace ?? 'default', ip });
    if (pod.metadata.namespace === 'kube-system' && pod.metadata.labels?.['k8s-app'] === 'kube-dns') {
      dnsPodNames.add(pod.metadata.name);
      if (typeof ip === 'string' && ip) dnsPodIPs.push(ip);
    }
  }
  const dnsServices: ServiceInfo[] = [];
  for (const [key, list] of endpoints) {
    const svc = services.get(key)!;
    if (svc.namespace === 'kube-system' && list.some((a) => dnsPodNames.has(a.targetRefName))) dnsServices.push(svc);
  }
  return { namespaces, services, endpoints, servicesByClusterIP, endpointsByIP, podsByIP, dnsServices, dnsPodIPs };
}

export function selectorMatcher(sel: Obj | undefined): LabelMatcher | undefined {
  return sel ? compileLabelSelector(sel) : undefined;
}

export function isIPv4(ip: string): boolean {
  return familyOf(ip) === 'IPv4';
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}
