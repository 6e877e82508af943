// kube-proxy's nftables mode, rendered as the transaction it sends to `nft -f` on one node (pkg/proxy/nftables/
// proxier.go): the `ip kube-proxy` table, its base chains and verdict maps, then per service port its service-/
// local-/external-/endpoint-/firewall- chains and the map elements that lead to them. Same plan as the iptables
// renderer, so the two modes never disagree about endpoints.
import type { NodeInfo } from '../cluster/nodes.js';
import { familyOf } from '../net/cidr.js';
import { nftablesChains as N } from './chains.js';
import type { ServiceEndpoint, ServicePortInfo, ServicesModel } from './model.js';
import { planServicePort } from './plan.js';
import { pushAll } from '../util/arrays.js';

export interface NftablesOptions {
  only?: (sp: ServicePortInfo) => boolean;
}

export function renderNftables(model: ServicesModel, node: NodeInfo, opts: NftablesOptions = {}): string {
  const nodeIP = node.internalIPs[0] ?? '0.0.0.0';
  const family = familyOf(nodeIP);
  const ipf = family === 'IPv4' ? 'ip' : 'ip6';
  const addrType = family === 'IPv4' ? 'ipv4_addr' : 'ipv6_addr';
  const T = `${ipf} kube-proxy`;
  const clusterCIDR = model.clusterCIDRs.find((c) => c.family === family)?.text;
  const serviceCIDRs = model.serviceCIDRs.filter((c) => c.family === family).map((c) => c.text);
  const out: string[] = [
    `# kube-proxy (nftables mode) on node ${node.name} (${nodeIP}): the transaction it sends to nft -f.`,
    `add table ${T} { comment "rules for kube-proxy" ; }`,
    '',
    `add set ${T} cluster-ips { type ${addrType} ; comment "Active ClusterIPs" ; }`,
    `add set ${T} nodeport-ips { type ${addrType} ; comment "IPs that accept NodePort traffic" ; }`,
    '',
    `add map ${T} firewall-ips { type ${addrType} . inet_proto . inet_service : verdict ; comment "destinations that are subject to LoadBalancerSourceRanges" ; }`,
    `add map ${T} no-endpoint-nodeports { type inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to service nodeports with no endpoints" ; }`,
    `add map ${T} no-endpoint-services { type ${addrType} . inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to services with no endpoints" ; }`,
    `add map ${T} service-ips { type ${addrType} . inet_proto . inet_service : verdict ; comment "ClusterIP, ExternalIP and LoadBalancer IP traffic" ; }`,
    `add map ${T} service-nodeports { type inet_proto . inet_service : verdict ; comment "NodePort traffic" ; }`,
    '',
    `add chain ${T} cluster-ips-check`,
    `add chain ${T} filter-prerouting-pre-dnat { type filter hook prerouting priority -110 ; }`,
    `add chain ${T} filter-output-pre-dnat { type filter hook output priority -110 ; }`,
    `add chain ${T} filter-forward { type filter hook forward priority 0 ; }`,
    `add chain ${T} filter-input { type filter hook input priority 0 ; }`,
    `add chain ${T} filter-output { type filter hook output priority 0 ; }`,
    `add chain ${T} firewall-check`,
    `add chain ${T} mark-for-masquerade`,
    `add chain ${T} masquerading`,
    `add chain ${T} nat-output { type nat hook output priority -100 ; }`,
    `add chain ${T} nat-postrouting { type nat hook postrouting priority 100 ; }`,
    `add chain ${T} nat-prerouting { type nat hook prerouting priority -100 ; }`,
    `add chain ${T} nodeport-endpoints-check`,
    `add chain ${T} reject-chain { comment "helper for @no-endpoint-services / @no-endpoint-nodeports" ; }`,
    `add chain ${T} services`,
    `add chain ${T} service-endpoints-check`,
    '',
    `add rule ${T} cluster-ips-check ${ipf} daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"`,
    `add rule ${T} cluster-ips-check ${ipf} daddr { ${serviceCIDRs.join(', ')} } drop comment "Drop traffic to unallocated ClusterIPs"`,
    `add rule ${T} filter-prerouting-pre-dnat ct state new jump firewall-check`,
    `add rule ${T} filter-forward ct state new jump service-endpoints-check`,
    `add rule ${T} filter-forward ct state new jump cluster-ips-check`,
    `add rule ${T} filter-input ct state new jump nodeport-endpoints-check`,
    `add rule ${T} filter-input ct state new jump service-endpoints-check`,
    `add rule ${T} filter-output ct state new jump service-endpoints-check`,
    `add rule ${T} filter-output-pre-dnat ct state new jump firewall-check`,
    `add rule ${T} filter-output ct state new jump cluster-ips-check`,
    `add rule ${T} firewall-check ${ipf} daddr . meta l4proto . th dport vmap @firewall-ips`,
    `add rule ${T} mark-for-masquerade mark set mark or 0x4000`,
    `add rule ${T} masquerading mark and 0x4000 == 0 return`,
    `add rule ${T} masquerading mark set mark xor 0x4000`,
    `add rule ${T} masquerading masquerade fully-random`,
    `add rule ${T} nat-output jump services`,
    `add rule ${T} nat-postrouting jump masquerading`,
    `add rule ${T} nat-prerouting jump services`,
    `add rule ${T} nodeport-endpoints-check ${ipf} daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports`,
    `add rule ${T} reject-chain reject`,
    `add rule ${T} services ${ipf} daddr . meta l4proto . th dport vmap @service-ips`,
    `add rule ${T} services ${ipf} daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports`,
    '',
    ...node.internalIPs.filter((ip) => familyOf(ip) === family).map((ip) => `add element ${T} nodeport-ips { ${ip} }`),
    `add rule ${T} service-endpoints-check ${ipf} daddr . meta l4proto . th dport vmap @no-endpoint-services`,
  ];

  for (const sp of model.ports.filter((p) => p.family === family && (!opts.only || opts.only(p)))) {
    const plan = planServicePort(sp, node);
    const p = sp.protocol.toLowerCase();
    const block: string[] = ['', `# ${sp.nameString}`];
    const rule = (chain: string, text: string) => block.push(`add rule ${T} ${chain} ${text}`);
    const clusterChain = N.cluster(sp);
    const localChain = N.local(sp);
    const extChain = N.external(sp);
    const fwChain = N.firewall(sp);
    const internalChain = sp.internalPolicyLocal ? localChain : clusterChain;
    const reachable = new Map<string, ServiceEndpoint>();
    for (const e of [...(plan.usesClusterPolicyChain ? plan.clusterEndpoints : []), ...(plan.usesLocalPolicyChain ? plan.localEndpoints : [])]) reachable.set(e.key, e);
    const epChains = [...reachable.values()].sort((a, b) => (N.endpoint(sp, a) < N.endpoint(sp, b) ? -1 : 1));
    if (sp.affinityTimeoutSeconds !== undefined) {
      for (const e of epChains) block.push(`add set ${T} ${N.affinity(sp, e)} { type ${addrType} ; flags dynamic,timeout ; timeout ${sp.affinityTimeoutSeconds}s ; }`);
    }
    // knftables sends a chain's `add chain` before any rule that jumps to it (nft -f refuses a goto to a chain it has
    // not seen yet), so every chain this service port uses is declared first, endpoint chains leading as in
    // syncProxyRules, then the rules chain by chain.
    const chains = [
      ...epChains.map((e) => N.endpoint(sp, e)),
      ...(plan.usesClusterPolicyChain ? [clusterChain] : []),
      ...(plan.usesLocalPolicyChain ? [localChain] : []),
      ...(plan.usesExternalTrafficChain ? [extChain] : []),
      ...(plan.usesFWChain ? [fwChain] : []),
    ];
    for (const chain of chains) block.push(`add chain ${T} ${chain}`);
    const writePolicyChain = (chain: string, eps: ServiceEndpoint[]) => {
      if (chain === internalChain && clusterCIDR) rule(chain, `${ipf} daddr ${sp.clusterIP} ${ipf} saddr != ${clusterCIDR} jump mark-for-masquerade`);
      if (sp.affinityTimeoutSeconds !== undefined) for (const e of eps) rule(chain, `${ipf} saddr @${N.affinity(sp, e)} goto ${N.endpoint(sp, e)}`);
      rule(chain, `numgen random mod ${eps.length} vmap { ${eps.map((e, i) => `${i} : goto ${N.endpoint(sp, e)}`).join(' , ')} }`);
    };
    if (plan.usesClusterPolicyChain) writePolicyChain(clusterChain, plan.clusterEndpoints);
    if (plan.usesLocalPolicyChain) writePolicyChain(localChain, plan.localEndpoints);
    if (plan.usesExternalTrafficChain) {
      if (!sp.externalPolicyLocal) rule(extChain, 'jump mark-for-masquerade');
      else {
        if (clusterCIDR) rule(extChain, `${ipf} saddr ${clusterCIDR} goto ${clusterChain} comment "short-circuit pod traffic"`);
        rule(extChain, 'fib saddr type local jump mark-for-masquerade comment "masquerade local traffic"');
        rule(extChain, `fib saddr type local goto ${clusterChain} comment "short-circuit local traffic"`);
      }
      if (plan.hasExternalEndpoints) rule(extChain, `goto ${sp.externalPolicyLocal ? localChain : clusterChain}`);
    }
    for (const e of epChains) {
      const chain = N.endpoint(sp, e);
      rule(chain, `${ipf} saddr ${e.ip} jump mark-for-masquerade`);
      if (sp.affinityTimeoutSeconds !== undefined) rule(chain, `update @${N.affinity(sp, e)} { ${ipf} saddr }`);
      rule(chain, `meta l4proto ${p} dnat to ${e.key}`);
    }
    if (plan.usesFWChain) rule(fwChain, `${ipf} saddr != { ${sp.loadBalancerSourceRanges.map((c) => c.text).join(', ')} } drop`);
    const el = (set: string, text: string) => block.push(`add element ${T} ${set} { ${text} }`);
    el('cluster-ips', sp.clusterIP);
    if (plan.hasInternalEndpoints) el('service-ips', `${sp.clusterIP} . ${p} . ${sp.port} : goto ${internalChain}`);
    if (plan.hasEndpoints) {
      for (const ip of sp.externalIPs) el('service-ips', `${ip} . ${p} . ${sp.port} : goto ${extChain}`);
      for (const ip of sp.loadBalancerIPs) el('service-ips', `${ip} . ${p} . ${sp.port} : goto ${extChain}`);
      if (sp.nodePort) el('service-nodeports', `${p} . ${sp.nodePort} : goto ${extChain}`);
    }
    if (plan.usesFWChain) for (const ip of sp.loadBalancerIPs) el('firewall-ips', `${ip} . ${p} . ${sp.port} : goto ${fwChain}`);
    const verdict = (t: 'REJECT' | 'DROP' | undefined) => (t === 'REJECT' ? 'goto reject-chain' : 'drop');
    const noEp: string[] = [];
    if (!plan.hasInternalEndpoints) noEp.push(`add element ${T} no-endpoint-services { ${sp.clusterIP} . ${p} . ${sp.port} comment "${sp.nameString}" : ${verdict(plan.internalFilterTarget)} }`);
    if (!plan.hasExternalEndpoints) {
      if (sp.nodePort) noEp.push(`add element ${T} no-endpoint-nodeports { ${p} . ${sp.nodePort} comment "${sp.nameString}" : ${verdict(plan.externalFilterTarget)} }`);
      for (const ip of [...sp.externalIPs, ...sp.loadBalancerIPs]) noEp.push(`add element ${T} no-endpoint-services { ${ip} . ${p} . ${sp.port} comment "${sp.nameString}" : ${verdict(plan.externalFilterTarget)} }`);
    }
    pushAll(block, noEp.sort());
    pushAll(out, block);
  }
  return out.join('\n') + '\n';
}

/** A later sync as one atomic `nft -f` transaction: the table is emptied and rewritten whole (conntrack entries, and so
 * established connections and their NAT, stay). */
export function nftablesResync(next: string): string {
  const table = next.match(/^add table (ip6? kube-proxy)/m)?.[1] ?? 'ip kube-proxy';
  return `add table ${table}\ndelete table ${table}\n${next}`;
}
