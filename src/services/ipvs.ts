// kube-proxy's IPVS mode, rendered as `ipvsadm -Ln` would list it on one node (pkg/proxy/ipvs/proxier.go): a virtual
// server per ClusterIP, external IP, LoadBalancer IP and node-IP NodePort, scheduler rr by default, persistence for
// ClientIP affinity, real servers from the same PortPlan as the other modes (Local policy → local endpoints only).
// VIPs are bound to the dummy device kube-ipvs0; masquerade and filtering still go through iptables + ipset.
import type { NodeInfo } from '../cluster/nodes.js';
import { familyOf } from '../net/cidr.js';
import type { ServiceEndpoint, ServicePortInfo, ServicesModel } from './model.js';
import { planServicePort } from './plan.js';

export const DEFAULT_IPVS_SCHEDULER = 'rr';

export interface IpvsOptions {
  scheduler?: string;
  only?: (sp: ServicePortInfo) => boolean;
}

export interface IpvsVirtualServer {
  protocol: string;
  address: string;
  port: number;
  scheduler: string;
  persistentSeconds?: number;
  /** Real servers as ip:port. */
  reals: string[];
}

export interface IpvsTable { servers: IpvsVirtualServer[]; boundVIPs: string[] }

/** The virtual servers kube-proxy's ipvs mode keeps on the node, in the order it visits the service ports. */
export function ipvsTable(model: ServicesModel, node: NodeInfo, opts: IpvsOptions = {}): IpvsTable {
  const scheduler = opts.scheduler ?? DEFAULT_IPVS_SCHEDULER;
  const family = familyOf(node.internalIPs[0] ?? '0.0.0.0');
  const servers: IpvsVirtualServer[] = [];
  const bound = new Set<string>();
  for (const sp of model.ports.filter((p) => p.family === family && (!opts.only || opts.only(p)))) {
    const plan = planServicePort(sp, node);
    const vs = (address: string, port: number, eps: ServiceEndpoint[]) => servers.push({
      protocol: sp.protocol, address, port, scheduler,
      ...(sp.affinityTimeoutSeconds !== undefined ? { persistentSeconds: sp.affinityTimeoutSeconds } : {}),
      reals: eps.map((e) => e.key),
    });
    bound.add(sp.clusterIP);
    vs(sp.clusterIP, sp.port, plan.hasInternalEndpoints ? plan.internalEndpoints : []);
    const ext = plan.hasExternalEndpoints ? plan.externalEndpoints : [];
    for (const ip of sp.externalIPs) { bound.add(ip); vs(ip, sp.port, ext); }
    for (const ip of sp.loadBalancerIPs) { bound.add(ip); vs(ip, sp.port, ext); }
    if (sp.nodePort) for (const ip of node.internalIPs.filter((i) => familyOf(i) === family)) vs(ip, sp.nodePort, ext);
  }
  return { servers, boundVIPs: [...bound] };
}

export function renderIpvs(model: ServicesModel, node: NodeInfo, opts: IpvsOptions = {}): string {
  const { servers, boundVIPs } = ipvsTable(model, node, opts);
  const lines = [
    `# kube-proxy (ipvs mode) on node ${node.name}: ipvsadm -Ln`,
    'IP Virtual Server version 1.2.1 (size=4096)',
    'Prot LocalAddress:Port Scheduler Flags',
    '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
  ];
  for (const v of servers) {
    lines.push(`${v.protocol.padEnd(4)} ${v.address}:${v.port} ${v.scheduler}${v.persistentSeconds !== undefined ? ` persistent ${v.persistentSeconds}` : ''}`);
    for (const r of v.reals) lines.push(`  -> ${r.padEnd(28)} Masq    1      0          0`);
  }
  lines.push('', `# ip addr show kube-ipvs0 (dummy device holding every VIP): ${boundVIPs.join(' ')}`);
  return lines.join('\n') + '\n';
}

/** The same table in `ipvsadm -S -n` form, which `ipvsadm -R` loads (masquerading forwarder, weight 1). */
export function renderIpvsRestore(model: ServicesModel, node: NodeInfo, opts: IpvsOptions = {}): string {
  const flag = (p: string) => (p === 'UDP' ? '-u' : p === 'SCTP' ? '--sctp-service' : '-t');
  const lines: string[] = [];
  for (const v of ipvsTable(model, node, opts).servers) {
    const svc = `${flag(v.protocol)} ${v.address}:${v.port}`;
    lines.push(`-A ${svc} -s ${v.scheduler}${v.persistentSeconds !== undefined ? ` -p ${v.persistentSeconds}` : ''}`);
    for (const r of v.reals) lines.push(`-a ${svc} -r ${r} -m -w 1`);
  }
  return lines.join('\n') + '\n';
}
