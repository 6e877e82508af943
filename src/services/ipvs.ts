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

export function renderIpvs(model: ServicesModel, node: NodeInfo, opts: IpvsOptions = {}): string {
  const scheduler = opts.scheduler ?? DEFAULT_IPVS_SCHEDULER;
  const family = familyOf(node.internalIPs[0] ?? '0.0.0.0');
  const lines = [
    `# kube-proxy (ipvs mode) on node ${node.name}: ipvsadm -Ln`,
    'IP Virtual Server version 1.2.1 (size=4096)',
    'Prot LocalAddress:Port Scheduler Flags',
    '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
  ];
  const bound = new Set<string>();
  for (const sp of model.ports.filter((p) => p.family === family && (!opts.only || opts.only(p)))) {
    const plan = planServicePort(sp, node);
    const flags = sp.affinityTimeoutSeconds !== undefined ? ` persistent ${sp.affinityTimeoutSeconds}` : '';
    const vs = (addr: string, port: number, eps: ServiceEndpoint[]) => {
      lines.push(`${sp.protocol.padEnd(4)} ${`${addr}:${port}`} ${scheduler}${flags}`);
      for (const e of eps) lines.push(`  -> ${e.key.padEnd(28)} Masq    1      0          0`);
    };
    bound.add(sp.clusterIP);
    vs(sp.clusterIP, sp.port, plan.hasInternalEndpoints ? plan.internalEndpoints : []);
    const ext = plan.hasExternalEndpoints ? plan.externalEndpoints : [];
    for (const ip of sp.externalIPs) { bound.add(ip); vs(ip, sp.port, ext); }
    for (const ip of sp.loadBalancerIPs) { bound.add(ip); vs(ip, sp.port, ext); }
    if (sp.nodePort) for (const ip of node.internalIPs.filter((i) => familyOf(i) === family)) vs(ip, sp.nodePort, ext);
  }
  lines.push('', `# ip addr show kube-ipvs0 (dummy device holding every VIP): ${[...bound].join(' ')}`);
  return lines.join('\n') + '\n';
}
