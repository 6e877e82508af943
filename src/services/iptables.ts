// kube-proxy's iptables mode, rendered as the iptables-restore text it writes on one node (pkg/proxy/iptables/
// proxier.go syncProxyRules). Rule order within each chain is kube-proxy's; chains are listed the way kube-proxy's
// own golden tests normalise a dump (sortIPTablesRules: KUBE-NODEPORTS, KUBE-SERVICES, then by name), so that two
// dumps compare line by line.
import type { NodeInfo } from '../cluster/nodes.js';
import { cidrContains, familyOf } from '../net/cidr.js';
import { iptablesChains, probabilityText } from './chains.js';
import type { ServiceEndpoint, ServicePortInfo, ServicesModel } from './model.js';
import { planServicePort } from './plan.js';
import { pushAll } from '../util/arrays.js';

export const MASQUERADE_MARK = '0x4000';
/** Above this many endpoint chains kube-proxy drops per-rule comments (largeClusterEndpointsThreshold). */
export const LARGE_CLUSTER_ENDPOINTS_THRESHOLD = 1000;

class Table {
  readonly rules = new Map<string, string[]>();
  readonly chains = new Set<string>();
  chain(name: string): void { this.chains.add(name); }
  add(chain: string, rule: string): void {
    this.chains.add(chain);
    let list = this.rules.get(chain);
    if (!list) this.rules.set(chain, (list = []));
    list.push(`-A ${chain} ${rule}`.trimEnd());
  }
}

export interface IptablesOptions {
  /** Render only these service ports (all by default). */
  only?: (sp: ServicePortInfo) => boolean;
  /** kube-proxy --masquerade-all. */
  masqueradeAll?: boolean;
}

/** The iptables-restore text (filter and nat tables) kube-proxy writes on `node`. */
export function renderIptables(model: ServicesModel, node: NodeInfo, opts: IptablesOptions = {}): string {
  const nodeIP = node.internalIPs[0] ?? '';
  const family = familyOf(nodeIP || '0.0.0.0');
  const clusterCIDR = model.clusterCIDRs.find((c) => c.family === family);
  const ifLocal = clusterCIDR ? `-s ${clusterCIDR.text}` : '';
  const ifNotLocal = clusterCIDR ? `! -s ${clusterCIDR.text}` : '';
  const filter = new Table();
  const nat = new Table();
  for (const c of ['KUBE-NODEPORTS', 'KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-FIREWALL', 'KUBE-FORWARD', 'KUBE-PROXY-FIREWALL']) filter.chain(c);
  for (const c of ['KUBE-NODEPORTS', 'KUBE-SERVICES', 'KUBE-MARK-MASQ', 'KUBE-POSTROUTING']) nat.chain(c);

  const ports = model.ports.filter((sp) => sp.family === family && (!opts.only || opts.only(sp)));
  const plans = ports.map((sp) => planServicePort(sp, node));
  const endpointChains = plans.reduce((n, p) => n + p.sp.endpoints.length, 0);
  const comment = (text: string) => (endpointChains > LARGE_CLUSTER_ENDPOINTS_THRESHOLD ? '' : `-m comment --comment ${text} `);

  nat.add('KUBE-POSTROUTING', `-m mark ! --mark ${MASQUERADE_MARK}/${MASQUERADE_MARK} -j RETURN`);
  nat.add('KUBE-POSTROUTING', `-j MARK --xor-mark ${MASQUERADE_MARK}`);
  nat.add('KUBE-POSTROUTING', '-m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE');
  nat.add('KUBE-MARK-MASQ', `-j MARK --or-mark ${MASQUERADE_MARK}`);

  for (const plan of plans) {
    const sp = plan.sp;
    const name = sp.nameString;
    const p = sp.protocol.toLowerCase();
    const match = (ip: string) => `-m ${p} -p ${p} -d ${ip} --dport ${sp.port}`;
    const clusterChain = iptablesChains.cluster(sp);
    const localChain = iptablesChains.local(sp);
    const extChain = iptablesChains.external(sp);
    const fwChain = iptablesChains.firewall(sp);
    const internalChain = sp.internalPolicyLocal ? localChain : clusterChain;
    const externalPolicyChain = sp.externalPolicyLocal ? localChain : clusterChain;
    const lbChain = plan.usesFWChain ? fwChain : extChain;
    const internalComment = !plan.hasEndpoints ? `"${name} has no endpoints"` : `"${name} has no local endpoints"`;
    const externalComment = internalComment;

    if (plan.hasInternalEndpoints) nat.add('KUBE-SERVICES', `-m comment --comment "${name} cluster IP" ${match(sp.clusterIP)} -j ${internalChain}`);
    else filter.add('KUBE-SERVICES', `-m comment --comment ${internalComment} ${match(sp.clusterIP)} -j ${plan.internalFilterTarget}`);

    for (const ip of sp.externalIPs) {
      if (plan.hasEndpoints) nat.add('KUBE-SERVICES', `-m comment --comment "${name} external IP" ${match(ip)} -j ${extChain}`);
      if (!plan.hasExternalEndpoints) filter.add('KUBE-EXTERNAL-SERVICES', `-m comment --comment ${externalComment} ${match(ip)} -j ${plan.externalFilterTarget}`);
    }
    for (const ip of sp.loadBalancerIPs) {
      if (plan.hasEndpoints) nat.add('KUBE-SERVICES', `-m comment --comment "${name} loadbalancer IP" ${match(ip)} -j ${lbChain}`);
      if (plan.usesFWChain) filter.add('KUBE-PROXY-FIREWALL', `-m comment --comment "${name} traffic not accepted by ${fwChain}" ${match(ip)} -j DROP`);
    }
    if (!plan.hasExternalEndpoints) {
      for (const ip of sp.loadBalancerIPs) filter.add('KUBE-EXTERNAL-SERVICES', `-m comment --comment ${externalComment} ${match(ip)} -j ${plan.externalFilterTarget}`);
    }
    if (sp.nodePort) {
      if (plan.hasEndpoints) nat.add('KUBE-NODEPORTS', `-m comment --comment ${name} -m ${p} -p ${p} --dport ${sp.nodePort} -j ${extChain}`);
      if (!plan.hasExternalEndpoints) filter.add('KUBE-EXTERNAL-SERVICES', `-m comment --comment ${externalComment} -m addrtype --dst-type LOCAL -m ${p} -p ${p} --dport ${sp.nodePort} -j ${plan.externalFilterTarget}`);
    }
    if (sp.healthCheckNodePort) {
      filter.add('KUBE-NODEPORTS', `-m comment --comment "${name} health check node port" -m tcp -p tcp --dport ${sp.healthCheckNodePort} -j ACCEPT`);
    }

    if (plan.hasInternalEndpoints) {
      const args = `-m comment --comment "${name} cluster IP" ${match(sp.clusterIP)}`;
      if (opts.masqueradeAll) nat.add(internalChain, `${args} -j KUBE-MARK-MASQ`);
      else if (ifNotLocal) nat.add(internalChain, `${args} ${ifNotLocal} -j KUBE-MARK-MASQ`);
    }
    if (plan.usesExternalTrafficChain) {
      nat.chain(extChain);
      if (!sp.externalPolicyLocal) {
        nat.add(extChain, `-m comment --comment "masquerade traffic for ${name} external destinations" -j KUBE-MARK-MASQ`);
      } else {
        if (ifLocal) nat.add(extChain, `-m comment --comment "pod traffic for ${name} external destinations" ${ifLocal} -j ${clusterChain}`);
        nat.add(extChain, `-m comment --comment "masquerade LOCAL traffic for ${name} external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`);
        nat.add(extChain, `-m comment --comment "route LOCAL traffic for ${name} external destinations" -m addrtype --src-type LOCAL -j ${clusterChain}`);
      }
      if (plan.hasExternalEndpoints) nat.add(extChain, `-j ${externalPolicyChain}`);
    }
    if (plan.usesFWChain) {
      nat.chain(fwChain);
      let allowFromNode = false;
      for (const cidr of sp.loadBalancerSourceRanges) {
        nat.add(fwChain, `-m comment --comment "${name} loadbalancer IP" -s ${cidr.text} -j ${extChain}`);
        if (node.internalIPs.some((ip) => cidrContains(cidr, ip))) allowFromNode = true;
      }
      if (allowFromNode) for (const ip of sp.loadBalancerIPs) nat.add(fwChain, `-m comment --comment "${name} loadbalancer IP" -s ${ip} -j ${extChain}`);
      nat.add(fwChain, `-m comment --comment "other traffic to ${name} will be dropped by KUBE-PROXY-FIREWALL"`);
    }
    if (plan.usesClusterPolicyChain) writeServiceToEndpointRules(nat, sp, clusterChain, plan.clusterEndpoints, comment);
    if (plan.usesLocalPolicyChain) writeServiceToEndpointRules(nat, sp, localChain, plan.localEndpoints, comment);

    const reachable = new Map<string, ServiceEndpoint>();
    for (const e of [...(plan.usesClusterPolicyChain ? plan.clusterEndpoints : []), ...(plan.usesLocalPolicyChain ? plan.localEndpoints : [])]) reachable.set(e.key, e);
    for (const ep of reachable.values()) {
      const chain = iptablesChains.endpoint(sp, ep);
      const c = comment(name);
      nat.add(chain, `${c}-s ${ep.ip} -j KUBE-MARK-MASQ`);
      const affinity = sp.affinityTimeoutSeconds !== undefined ? `-m recent --name ${chain} --set ` : '';
      nat.add(chain, `${c}${affinity}-m ${p} -p ${p} -j DNAT --to-destination ${ep.key}`);
    }
  }
  nat.add('KUBE-SERVICES', '-m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS');
  filter.add('KUBE-FIREWALL', '-m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP');
  filter.add('KUBE-FORWARD', '-m conntrack --ctstate INVALID -j DROP');
  filter.add('KUBE-FORWARD', `-m comment --comment "kubernetes forwarding rules" -m mark --mark ${MASQUERADE_MARK}/${MASQUERADE_MARK} -j ACCEPT`);
  filter.add('KUBE-FORWARD', '-m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT');

  const out: string[] = [
    `# kube-proxy (iptables mode) on node ${node.name} (${nodeIP}): the tables it writes with iptables-restore.`,
    '# Hooks it installs: nat PREROUTING/OUTPUT -j KUBE-SERVICES, nat POSTROUTING -j KUBE-POSTROUTING,',
    '# filter INPUT -j KUBE-NODEPORTS/KUBE-EXTERNAL-SERVICES/KUBE-FIREWALL, filter FORWARD -j KUBE-FORWARD/KUBE-SERVICES.',
  ];
  out.push('*filter');
  pushAll(out, emit(filter, ['KUBE-NODEPORTS', 'KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-FIREWALL', 'KUBE-FORWARD', 'KUBE-PROXY-FIREWALL']));
  out.push('COMMIT', '*nat');
  pushAll(out, emit(nat, ['KUBE-NODEPORTS', 'KUBE-SERVICES']));
  out.push('COMMIT');
  return out.join('\n') + '\n';
}

function writeServiceToEndpointRules(nat: Table, sp: ServicePortInfo, chain: string, endpoints: ServiceEndpoint[], comment: (t: string) => string): void {
  nat.chain(chain);
  if (sp.affinityTimeoutSeconds !== undefined) {
    for (const ep of endpoints) {
      const epChain = iptablesChains.endpoint(sp, ep);
      nat.add(chain, `${comment(`"${sp.nameString} -> ${ep.key}"`)}-m recent --name ${epChain} --rcheck --seconds ${sp.affinityTimeoutSeconds} --reap -j ${epChain}`);
    }
  }
  const n = endpoints.length;
  endpoints.forEach((ep, i) => {
    const stat = i < n - 1 ? `-m statistic --mode random --probability ${probabilityText(n - i)} ` : '';
    nat.add(chain, `${comment(`"${sp.nameString} -> ${ep.key}"`)}${stat}-j ${iptablesChains.endpoint(sp, ep)}`);
  });
}

function emit(t: Table, first: string[]): string[] {
  const rest = [...t.chains].filter((c) => !first.includes(c)).sort();
  const order = [...first.filter((c) => t.chains.has(c)), ...rest];
  const lines = order.map((c) => `:${c} - [0:0]`);
  for (const c of order) pushAll(lines, t.rules.get(c) ?? []);
  return lines;
}

/**
 * The jumps from the built-in chains into kube-proxy's, which kube-proxy does not restore with its tables but ensures
 * one by one at every sync (proxier.go iptablesJumpChains and the kubelet's KUBE-FIREWALL jumps, each with
 * EnsureRule(Prepend)), as `iptables-restore --noflush` input: the rules end up in the order a real node shows.
 */
export function renderIptablesJumps(): string {
  const newOnly = '-m conntrack --ctstate NEW ';
  const jumps: [table: 'filter' | 'nat', from: string, to: string, comment: string, extra: string][] = [
    ['filter', 'INPUT', 'KUBE-EXTERNAL-SERVICES', 'kubernetes externally-visible service portals', newOnly],
    ['filter', 'FORWARD', 'KUBE-EXTERNAL-SERVICES', 'kubernetes externally-visible service portals', newOnly],
    ['filter', 'INPUT', 'KUBE-NODEPORTS', 'kubernetes health check service ports', ''],
    ['filter', 'FORWARD', 'KUBE-SERVICES', 'kubernetes service portals', newOnly],
    ['filter', 'OUTPUT', 'KUBE-SERVICES', 'kubernetes service portals', newOnly],
    ['filter', 'FORWARD', 'KUBE-FORWARD', 'kubernetes forwarding rules', ''],
    ['filter', 'INPUT', 'KUBE-PROXY-FIREWALL', 'kubernetes load balancer firewall', newOnly],
    ['filter', 'OUTPUT', 'KUBE-PROXY-FIREWALL', 'kubernetes load balancer firewall', newOnly],
    ['filter', 'FORWARD', 'KUBE-PROXY-FIREWALL', 'kubernetes load balancer firewall', newOnly],
    ['nat', 'OUTPUT', 'KUBE-SERVICES', 'kubernetes service portals', ''],
    ['nat', 'PREROUTING', 'KUBE-SERVICES', 'kubernetes service portals', ''],
    ['nat', 'POSTROUTING', 'KUBE-POSTROUTING', 'kubernetes postrouting rules', ''],
    ['filter', 'INPUT', 'KUBE-FIREWALL', '', ''],
    ['filter', 'OUTPUT', 'KUBE-FIREWALL', '', ''],
  ];
  const out: string[] = ['# kube-proxy\'s jumps into its chains (EnsureRule, prepended): iptables-restore --noflush'];
  for (const table of ['filter', 'nat'] as const) {
    out.push(`*${table}`);
    for (const [t, from, to, comment, extra] of jumps) if (t === table) out.push(`-I ${from} ${extra}${comment ? `-m comment --comment "${comment}" ` : ''}-j ${to}`);
    out.push('COMMIT');
  }
  return out.join('\n') + '\n';
}

/**
 * A later sync as kube-proxy writes it for `iptables-restore --noflush`: every chain of the new text is declared (and so
 * flushed) and rewritten, and each KUBE- chain the previous sync had but this one does not is flushed and deleted
 * (syncProxyRules: `:CHAIN` then `-X CHAIN` for stale chains), so nothing else on the node is touched.
 */
export function iptablesResync(previous: string, next: string): string {
  const chainsOf = (text: string) => {
    const out = new Map<string, Set<string>>();
    let table = '';
    for (const l of text.split('\n')) {
      if (l.startsWith('*')) out.set((table = l.slice(1)), new Set());
      else if (l.startsWith(':KUBE-')) out.get(table)?.add(l.slice(1).split(' ')[0]);
    }
    return out;
  };
  const before = chainsOf(previous);
  const after = chainsOf(next);
  const out: string[] = [];
  let table = '';
  for (const l of next.split('\n')) {
    if (l.startsWith('*')) table = l.slice(1);
    if (l === 'COMMIT') {
      const stale = [...(before.get(table) ?? [])].filter((c) => !after.get(table)?.has(c)).sort();
      pushAll(out, stale.map((c) => `:${c} - [0:0]`));
      pushAll(out, stale.map((c) => `-X ${c}`));
    }
    out.push(l);
  }
  return out.join('\n');
}
