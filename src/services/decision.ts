// The endpoint choice for one packet: which endpoints kube-proxy on a node would DNAT it to, with what probability,
// whether it is masqueraded, or why it is rejected/dropped. The same oracle shape as kube-proxy's packet-flow tests
// (pkg/proxy/iptables/proxier_test.go runPacketFlowTests: output + masq), built from the shared PortPlan.
import type { NodeInfo } from '../cluster/nodes.js';
import { cidrContains } from '../net/cidr.js';
import { iptablesChains } from './chains.js';
import { inServiceCIDR, isClusterLocal, vipKey, type ServiceEndpoint, type ServicePortInfo, type ServicesModel } from './model.js';
import { planServicePort, type PortPlan, type TopologyMode } from './plan.js';

export type Entry = 'clusterIP' | 'externalIP' | 'nodePort' | 'loadBalancer';
export type SourceKind = 'pod' | 'node' | 'external';

export interface TrafficSource {
  kind: SourceKind;
  ip: string;
  /** The node the source lives on (pods, nodes); for external clients, unset. */
  node?: string;
  /** `namespace/name` for pods. */
  pod?: string;
}

export interface EndpointChoice {
  pod?: string;
  ip: string;
  port: number;
  probability: number;
  nodeName?: string;
  zone?: string;
  terminating: boolean;
  /** The endpoint is the source itself: KUBE-SEP marks it for masquerade (hairpin). */
  hairpin: boolean;
  chain: string;
}

export interface ServiceDecision {
  service: string;
  portName: string;
  protocol: string;
  /** The Service port number. */
  port: number;
  entry: Entry;
  /** The destination address the packet was sent to (ClusterIP, node IP, LB IP or external IP). */
  vip: string;
  /** The destination port (the NodePort for NodePort traffic). */
  dport: number;
  /** The node whose kube-proxy rules handle the packet. */
  node: string;
  verdict: 'dnat' | 'reject' | 'drop';
  endpoints: EndpointChoice[];
  snat: boolean;
  reason: string;
  endpointSet: 'cluster' | 'local' | 'none';
  topology: TopologyMode;
  fallbackToTerminating: boolean;
  /** The iptables chains the packet walks (KUBE-SERVICES → … → KUBE-SVC-…). */
  chains: string[];
  affinity?: { type: 'ClientIP'; timeoutSeconds: number };
}

export interface DecideOptions {
  masqueradeAll?: boolean;
}

/** Decides where kube-proxy on `nodeName` sends a packet from `src` to `vip:dport` that hit service port `sp` via `entry`. */
export function decideService(model: ServicesModel, sp: ServicePortInfo, entry: Entry, vip: string, src: TrafficSource, nodeName: string, opts: DecideOptions = {}): ServiceDecision {
  const node = model.nodeByName.get(nodeName);
  const plan = planServicePort(sp, node, nodeName);
  const dport = entry === 'nodePort' ? sp.nodePort : sp.port;
  const base = {
    service: `${sp.namespace}/${sp.name}`, portName: sp.portName, protocol: sp.protocol, port: sp.port, entry, vip, dport, node: nodeName,
    topology: plan.topology,
    ...(sp.affinityTimeoutSeconds !== undefined ? { affinity: { type: 'ClientIP' as const, timeoutSeconds: sp.affinityTimeoutSeconds } } : {}),
  };
  const where = `${entry === 'nodePort' ? `NodePort ${vip}:${dport}` : `${entryName(entry)} ${vip}:${dport}`}/${sp.protocol}`;
  const stop = (verdict: 'reject' | 'drop', reason: string, chains: string[]): ServiceDecision =>
    ({ ...base, verdict, endpoints: [], snat: false, reason, endpointSet: 'none', fallbackToTerminating: false, chains });

  if (!plan.hasEndpoints) {
    return stop('reject', `Service ${sp.nameString} has no endpoints (no ready or serving-terminating endpoint): kube-proxy REJECTs ${where} with ICMP port unreachable, so the client sees "connection refused"`, [entry === 'clusterIP' ? 'KUBE-SERVICES (filter)' : 'KUBE-EXTERNAL-SERVICES (filter)']);
  }
  const clusterChain = iptablesChains.cluster(sp);
  const localChain = iptablesChains.local(sp);
  const srcLocalToCluster = isClusterLocal(model, src.ip);

  if (entry === 'clusterIP') {
    if (!plan.hasInternalEndpoints) {
      return stop('drop', `internalTrafficPolicy is Local and node ${nodeName} has no local endpoint for ${sp.nameString}: kube-proxy DROPs ClusterIP traffic from this node (the client times out)`, ['KUBE-SERVICES (filter)']);
    }
    const local = sp.internalPolicyLocal;
    const snat = Boolean(opts.masqueradeAll) || !srcLocalToCluster;
    const why = local ? `internalTrafficPolicy Local: only endpoints on ${nodeName}` : describeClusterSet(plan);
    const masq = snat ? (opts.masqueradeAll ? '; --masquerade-all marks it for SNAT' : `; the source ${src.ip} is outside the cluster CIDR, so it is masqueraded to the node IP`) : '';
    return done(plan, base, local ? 'local' : 'cluster', local ? plan.localEndpoints : plan.clusterEndpoints, snat, `${where}: ${why}${masq}`, ['KUBE-SERVICES', local ? localChain : clusterChain], src);
  }

  const chains = ['KUBE-SERVICES'];
  if (entry === 'nodePort') chains.push('KUBE-NODEPORTS');
  if (entry === 'loadBalancer' && plan.usesFWChain) {
    chains.push(iptablesChains.firewall(sp));
    const allowFromNode = node ? sp.loadBalancerSourceRanges.some((c) => node.internalIPs.some((ip) => cidrContains(c, ip))) : false;
    const allowed = sp.loadBalancerSourceRanges.some((c) => cidrContains(c, src.ip)) || (allowFromNode && sp.loadBalancerIPs.includes(src.ip));
    if (!allowed) {
      return stop('drop', `${src.ip} is outside loadBalancerSourceRanges (${sp.loadBalancerSourceRanges.map((c) => c.text).join(', ')}) of ${sp.nameString}: KUBE-PROXY-FIREWALL DROPs traffic to the load balancer IP ${vip}`, [...chains, 'KUBE-PROXY-FIREWALL (filter)']);
    }
  }
  chains.push(iptablesChains.external(sp));
  if (!sp.externalPolicyLocal) {
    return done(plan, base, 'cluster', plan.clusterEndpoints, true, `${where}: externalTrafficPolicy Cluster: ${describeClusterSet(plan)}; masqueraded to the node IP because the endpoint may be on another node (the client IP is lost)`, [...chains, clusterChain], src);
  }
  if (srcLocalToCluster) {
    return done(plan, base, 'cluster', plan.clusterEndpoints, false, `${where}: externalTrafficPolicy Local, but the source ${src.ip} is a pod: kube-proxy short-circuits pod traffic to the cluster-wide endpoints without SNAT (as if it went out to the load balancer and back)`, [...chains, clusterChain], src);
  }
  const srcIsThisNode = (node?.internalIPs.includes(src.ip) ?? false) || (src.kind === 'node' && src.node === nodeName);
  if (srcIsThisNode) {
    return done(plan, base, 'cluster', plan.clusterEndpoints, true, `${where}: externalTrafficPolicy Local, but the source is node ${nodeName} itself (src-type LOCAL): routed to the cluster-wide endpoints and masqueraded`, [...chains, clusterChain], src);
  }
  if (!plan.hasExternalEndpoints) {
    return stop('drop', `externalTrafficPolicy is Local and node ${nodeName} has no local endpoint for ${sp.nameString}: kube-proxy DROPs ${where} from outside the cluster${sp.healthCheckNodePort ? ` (its healthCheckNodePort ${sp.healthCheckNodePort} answers 503, so a cloud load balancer stops sending here)` : ''}`, [...chains, 'KUBE-EXTERNAL-SERVICES (filter)']);
  }
  return done(plan, base, 'local', plan.localEndpoints, false, `${where}: externalTrafficPolicy Local: only endpoints on ${nodeName}${plan.localUsesTerminating ? ' (serving+terminating fallback)' : ''}; the client source IP ${src.ip} is preserved (no SNAT)`, [...chains, localChain], src);
}

function entryName(entry: Entry): string {
  return entry === 'clusterIP' ? 'ClusterIP' : entry === 'externalIP' ? 'external IP' : entry === 'loadBalancer' ? 'LoadBalancer IP' : 'NodePort';
}

function describeClusterSet(plan: PortPlan): string {
  if (plan.clusterUsesTerminating) return 'no ready endpoint exists, so kube-proxy falls back to the serving+terminating endpoints';
  if (plan.topology === 'PreferSameZone') return `topology hints: only endpoints hinted for zone ${plan.clusterEndpoints[0]?.zoneHints?.join(',') ?? ''}`;
  if (plan.topology === 'PreferSameNode') return `topology hints: only endpoints hinted for node ${plan.nodeName}`;
  return 'all ready endpoints in the cluster';
}

function done(plan: PortPlan, base: Omit<ServiceDecision, 'verdict' | 'endpoints' | 'snat' | 'reason' | 'endpointSet' | 'fallbackToTerminating' | 'chains'>, set: 'cluster' | 'local', eps: ServiceEndpoint[], snat: boolean, reason: string, chains: string[], src: TrafficSource): ServiceDecision {
  const sp = plan.sp;
  if (eps.length === 0) {
    return { ...base, verdict: 'drop', endpoints: [], snat: false, reason: `${reason}; but the ${set} endpoint set is empty on node ${plan.nodeName}, so the packet is dropped`, endpointSet: set, fallbackToTerminating: false, chains };
  }
  // Plain assignments, not object spreads: this runs for every endpoint of every traced packet.
  const probability = 1 / eps.length;
  const endpoints = eps.map((e) => {
    const c: EndpointChoice = { ip: e.ip, port: e.port, probability, terminating: e.terminating, hairpin: e.ip === src.ip, chain: iptablesChains.endpoint(sp, e) };
    if (e.pod) c.pod = e.pod;
    if (e.nodeName) c.nodeName = e.nodeName;
    if (e.zone) c.zone = e.zone;
    return c;
  });
  const affinity = sp.affinityTimeoutSeconds !== undefined ? `; sessionAffinity ClientIP: after the first pick, ${src.ip} sticks to its endpoint for ${sp.affinityTimeoutSeconds}s` : '';
  const hairpin = endpoints.some((e) => e.hairpin) ? '; if the pod reaches itself (hairpin) the packet is masqueraded so the reply returns through the node' : '';
  return {
    ...base, verdict: 'dnat', endpoints, snat, reason: reason + affinity + hairpin, endpointSet: set,
    fallbackToTerminating: set === 'local' ? plan.localUsesTerminating : plan.clusterUsesTerminating, chains,
  };
}

export type DestinationMatch =
  | { kind: 'service'; sp: ServicePortInfo; entry: Entry; node: string }
  | { kind: 'unmatched-service-ip'; reason: string }
  | { kind: 'none' };

/**
 * What kube-proxy on `nodeName` matches for a packet to dst:dport/protocol: a VIP (ClusterIP, external IP, LB IP), a
 * NodePort on one of this node's addresses, or nothing.
 */
export function matchDestination(model: ServicesModel, dst: string, dport: number, protocol: string, nodeName: string): DestinationMatch {
  const proto = protocol.toUpperCase();
  const hit = model.byVIP.get(vipKey(dst, proto, dport));
  if (hit?.length) return { kind: 'service', sp: hit[0].sp, entry: hit[0].entry, node: nodeName };
  const node = model.nodeByIP.get(dst);
  if (node && node.name === nodeName) {
    const sp = model.byNodePort.get(`${proto}|${dport}`);
    if (sp) return { kind: 'service', sp, entry: 'nodePort', node: node.name };
  }
  if (inServiceCIDR(model, dst)) {
    const allocated = model.ports.some((sp) => sp.clusterIP === dst);
    return {
      kind: 'unmatched-service-ip',
      reason: allocated
        ? `${dst} is a ClusterIP but no Service port matches ${dport}/${proto}: in iptables mode the packet matches no rule and is routed to the default gateway, where it gets no answer (nftables mode REJECTs it)`
        : `${dst} is inside the service CIDR but no Service holds it: nothing answers (nftables mode DROPs it)`,
    };
  }
  return { kind: 'none' };
}

/**
 * The node an outside client's packet for a LoadBalancer or external IP reaches: a load balancer for an
 * externalTrafficPolicy Local Service only sends to nodes passing the healthCheckNodePort probe (nodes with a ready
 * local endpoint), the first of them; otherwise the first node. The trace and the kernel's fabric routes both use it.
 */
export function vipEntryNode(model: ServicesModel, dstIP: string, port: number, proto: string): NodeInfo | undefined {
  const hit = model.byVIP.get(`${dstIP}|${proto}|${port}`)?.[0];
  if (hit?.sp.externalPolicyLocal) {
    const withLocal = model.nodes.find((n) => hit.sp.endpoints.some((e) => e.ready && e.nodeName === n.name));
    if (withLocal) return withLocal;
  }
  return model.nodes[0];
}
