// The Service allocation controller: ClusterIPs per ipFamilyPolicy, NodePorts, healthCheckNodePort and LoadBalancer
// status, for every Service in the store. A Service the API server would refuse (conflicting IP or port) is reported
// with the API server's message and left out of the cluster, as a failed `kubectl apply` would leave it.
import { Codes, type Diagnostic } from '../api/diagnostics.js';
import type { KubeObject } from '../api/types.js';
import { familyOf, isValidIP, type Family } from '../net/cidr.js';
import type { ClusterConfig } from './config.js';
import { LoadBalancerPool, NodePortAllocator, ServiceIPAllocator } from './service-alloc.js';
import { refOfObject, type ClusterStore } from './store.js';

type Obj = Record<string, any>;
type ServiceObj = KubeObject & { spec: Obj; status?: Obj };

export interface ServiceAllocators {
  ips: Map<Family, ServiceIPAllocator>;
  nodePorts: NodePortAllocator;
  pool: LoadBalancerPool;
}

export function newAllocators(config: ClusterConfig): ServiceAllocators {
  const ips = new Map<Family, ServiceIPAllocator>();
  for (const c of config.serviceCIDRs) {
    const a = new ServiceIPAllocator(c);
    ips.set(a.family, a);
  }
  return { ips, nodePorts: new NodePortAllocator(config.nodePortRange.base, config.nodePortRange.size), pool: new LoadBalancerPool(config.loadBalancerIPPool) };
}

/** `[]string{"10.96.0.10"}`, the way the API server prints the clusterIPs value in its messages. */
function goStringSlice(values: string[]): string {
  return `[]string{${values.map((v) => JSON.stringify(v)).join(', ')}}`;
}

/** Allocates addresses and ports for all Services; returns the refused ones' diagnostics (they are removed). */
export function allocateServices(store: ClusterStore, config: ClusterConfig, diags: Diagnostic[]): ServiceAllocators {
  const alloc = newAllocators(config);
  const families = config.serviceCIDRs.map((c) => familyOf(c.split('/')[0]));
  // Requests are served in apply order (files by name, documents in order), as the API server would see them; the
  // built-in Services (kubernetes, kube-dns) existed before anything was applied, so they come first.
  const builtin = (s: ServiceObj) => store.sourceOf(refOfObject(s))?.file === '<builtin>';
  const services = store.listInApplyOrder<ServiceObj>('Service').sort((a, b) => Number(builtin(b)) - Number(builtin(a)));
  const refuse = (svc: ServiceObj, detail: string) => {
    const ref = refOfObject(svc);
    diags.push({ code: detail.includes('nodePort') || detail.includes('healthCheckNodePort') ? Codes.nodePortConflict : Codes.clusterIPConflict, level: 'error', object: ref, source: store.sourceOf(ref), message: `The Service ${JSON.stringify(svc.metadata.name)} is invalid: ${detail}` });
    store.delete(ref);
  };

  // Pass 1: families and requested ClusterIPs (a Service asking for a specific IP takes it before dynamic picks).
  const accepted: ServiceObj[] = [];
  for (const svc of services) {
    const spec = svc.spec;
    if (spec.type === 'ExternalName') { delete spec.clusterIP; delete spec.clusterIPs; accepted.push(svc); continue; }
    const requested: string[] = spec.clusterIPs?.length ? [...spec.clusterIPs] : spec.clusterIP ? [spec.clusterIP] : [];
    const headless = requested[0] === 'None';
    const famErr = resolveFamilies(spec, requested, families, headless);
    if (famErr) { refuse(svc, famErr); continue; }
    if (headless) { spec.clusterIP = 'None'; spec.clusterIPs = ['None']; accepted.push(svc); continue; }
    let failed = false;
    for (const ip of requested) {
      const a = alloc.ips.get(familyOf(ip));
      const result = a ? a.reserve(ip) : 'out-of-range';
      if (result === 'out-of-range') {
        refuse(svc, `spec.clusterIPs: Invalid value: ${goStringSlice(requested)}: failed to allocate IP ${ip}: the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${a ? a.rangeText() : config.serviceCIDRs.join(',')}`);
        failed = true; break;
      }
      if (result === 'allocated') {
        refuse(svc, `spec.clusterIPs: Invalid value: ${goStringSlice(requested)}: failed to allocate IP ${ip}: provided IP is already allocated`);
        failed = true; break;
      }
    }
    if (!failed) accepted.push(svc);
  }

  // Pass 2: dynamic ClusterIPs for the families not yet covered.
  for (const svc of accepted) {
    const spec = svc.spec;
    if (spec.type === 'ExternalName' || spec.clusterIP === 'None') continue;
    const ips: string[] = spec.clusterIPs?.length ? [...spec.clusterIPs] : spec.clusterIP ? [spec.clusterIP] : [];
    for (const fam of spec.ipFamilies as Family[]) {
      if (ips.some((ip) => familyOf(ip) === fam)) continue;
      const ip = alloc.ips.get(fam)!.allocate(`${svc.metadata.namespace}/${svc.metadata.name}`);
      if (ip === undefined) { refuse(svc, `spec.clusterIPs: Internal error: failed to allocate a serviceIP: range is full`); break; }
      ips.push(ip);
    }
    spec.clusterIPs = ips;
    spec.clusterIP = ips[0];
  }

  // Pass 3: NodePorts, requested ones first, then dynamic; health check ports for ETP=Local LoadBalancers.
  const live = accepted.filter((s) => store.has('Service', s.metadata.namespace ?? '', s.metadata.name));
  const wantsNodePorts = (s: ServiceObj) => s.spec.type === 'NodePort' || (s.spec.type === 'LoadBalancer' && s.spec.allocateLoadBalancerNodePorts !== false);
  const withPorts: ServiceObj[] = [];
  for (const svc of live) {
    const spec = svc.spec;
    if (!wantsNodePorts(svc) && !(spec.type === 'LoadBalancer')) continue;
    let failed = false;
    const mine = new Set<number>();
    for (const [i, p] of (spec.ports ?? []).entries()) {
      if (!wantsNodePorts(svc) || p.nodePort === undefined || p.nodePort === null || p.nodePort === 0) continue;
      if (mine.has(p.nodePort)) continue; // the same NodePort may serve one port number over TCP and UDP
      const r = alloc.nodePorts.reserve(p.nodePort);
      if (r !== 'ok') { refuse(svc, nodePortMessage(`spec.ports[${i}].nodePort`, p.nodePort, r, alloc.nodePorts)); failed = true; break; }
      mine.add(p.nodePort);
    }
    if (!failed && spec.healthCheckNodePort) {
      const r = alloc.nodePorts.reserve(spec.healthCheckNodePort);
      if (r !== 'ok') { refuse(svc, nodePortMessage('spec.healthCheckNodePort', spec.healthCheckNodePort, r, alloc.nodePorts)); failed = true; }
    }
    if (!failed) withPorts.push(svc);
  }
  for (const svc of withPorts) {
    const spec = svc.spec;
    const key = `${svc.metadata.namespace}/${svc.metadata.name}`;
    if (wantsNodePorts(svc)) {
      const byPortNumber = new Map<number, number>();
      for (const p of spec.ports ?? []) if (p.nodePort) byPortNumber.set(p.port, p.nodePort);
      for (const p of spec.ports ?? []) {
        if (p.nodePort) continue;
        const shared = byPortNumber.get(p.port);
        const np = shared ?? alloc.nodePorts.allocate(`${key}/${p.name ?? ''}/${p.port}/${p.protocol}`);
        if (np === undefined) { diags.push({ code: Codes.nodePortConflict, level: 'error', object: refOfObject(svc), source: store.sourceOf(refOfObject(svc)), message: `The Service ${JSON.stringify(svc.metadata.name)} is invalid: spec.ports: Internal error: failed to allocate a nodePort: range is full` }); break; }
        p.nodePort = np;
        byPortNumber.set(p.port, np);
      }
    }
    if (spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local' && !spec.healthCheckNodePort) {
      spec.healthCheckNodePort = alloc.nodePorts.allocate(`${key}/healthCheckNodePort`);
    }
  }

  // Pass 4: LoadBalancer ingress addresses.
  const lbs = live.filter((s) => s.spec.type === 'LoadBalancer');
  const needLB: ServiceObj[] = [];
  for (const svc of lbs) {
    const ingress = (svc.status?.loadBalancer?.ingress ?? []) as Obj[];
    if (ingress.length > 0) { for (const i of ingress) if (i.ip) alloc.pool.reserve(i.ip); continue; }
    const wanted = svc.spec.loadBalancerIP as string | undefined;
    if (wanted && isValidIP(wanted)) {
      if (alloc.pool.reserve(wanted)) { svc.status = { loadBalancer: { ingress: [{ ip: wanted, ipMode: 'VIP' }] } }; continue; }
      diags.push({ code: Codes.loadBalancerPending, level: 'warning', object: refOfObject(svc), source: store.sourceOf(refOfObject(svc)), message: `Service ${svc.metadata.namespace}/${svc.metadata.name}: spec.loadBalancerIP ${wanted} is already in use; the load balancer stays <pending>` });
      svc.status = { loadBalancer: {} };
      continue;
    }
    needLB.push(svc);
  }
  for (const svc of needLB) {
    const ingress: Obj[] = [];
    for (const fam of svc.spec.ipFamilies as Family[]) {
      const ip = alloc.pool.allocate(fam);
      if (ip) ingress.push({ ip, ipMode: 'VIP' });
    }
    if (ingress.length === 0) {
      diags.push({ code: Codes.loadBalancerPending, level: 'warning', object: refOfObject(svc), source: store.sourceOf(refOfObject(svc)), message: `Service ${svc.metadata.namespace}/${svc.metadata.name}: no address left in the LoadBalancer pool (${config.loadBalancerIPPool.join(', ')}); EXTERNAL-IP stays <pending>` });
    }
    svc.status = { loadBalancer: ingress.length ? { ingress } : {} };
  }
  for (const svc of live) if (svc.spec.type !== 'LoadBalancer') svc.status = { loadBalancer: {} };
  return alloc;
}

function nodePortMessage(field: string, port: number, r: 'allocated' | 'out-of-range', a: NodePortAllocator): string {
  return r === 'allocated'
    ? `${field}: Invalid value: ${port}: provided port is already allocated`
    : `${field}: Invalid value: ${port}: provided port is not in the valid range. The range of valid ports is ${a.rangeText()}`;
}

/**
 * Sets spec.ipFamilyPolicy and spec.ipFamilies as the API server defaults them (pkg/registry/core/service/storage:
 * initIPFamilyFields). Returns an error detail when the request cannot be met on this cluster.
 */
function resolveFamilies(spec: Obj, requested: string[], clusterFamilies: Family[], headless: boolean): string | undefined {
  const dual = clusterFamilies.length === 2;
  spec.ipFamilyPolicy ??= requested.filter((ip) => ip !== 'None').length === 2 ? 'RequireDualStack' : 'SingleStack';
  const policy = spec.ipFamilyPolicy as string;
  const fromIPs = requested.filter((ip) => ip !== 'None').map(familyOf);
  let fams: Family[] = (spec.ipFamilies?.length ? spec.ipFamilies : fromIPs.length ? fromIPs : []) as Family[];
  if (policy === 'RequireDualStack' && !dual) return `spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services`;
  for (const [i, f] of fams.entries()) {
    if (!clusterFamilies.includes(f) && !headless) return `spec.ipFamilies[${i}]: Invalid value: ${JSON.stringify(f)}: not configured on this cluster`;
  }
  if (fams.length === 0) fams = [clusterFamilies[0]];
  if ((policy === 'PreferDualStack' || policy === 'RequireDualStack') && dual && fams.length === 1) {
    fams = [fams[0], clusterFamilies.find((f) => f !== fams[0])!];
  }
  if (policy === 'SingleStack') fams = [fams[0]];
  spec.ipFamilies = fams;
  return undefined;
}
