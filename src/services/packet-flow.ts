// kube-proxy's own test oracle, reproduced: for a packet (source IP, destination IP:port, protocol) arriving at a
// node, the DNAT outputs it may get ("ip:port, ip:port"), or "REJECT" / "DROP" / "" (no rule matched), and whether it
// is masqueraded. Same shape as runPacketFlowTests in pkg/proxy/{iptables,nftables}/proxier_test.go, so their tables
// can be replayed against podnet's decisions.
import { joinHostPort } from '../util/text.js';
import { decideService, matchDestination, type TrafficSource } from './decision.js';
import { isClusterLocal, type ServicesModel } from './model.js';

export interface PacketFlow {
  sourceIP: string;
  destIP: string;
  destPort: number;
  protocol?: string;
}

export interface PacketFlowResult {
  output: string;
  masq: boolean;
}

/** Where `flow` goes on `nodeName` in proxy `mode` (the modes differ only for unmatched ClusterIP traffic). */
export function packetFlow(model: ServicesModel, nodeName: string, flow: PacketFlow, mode: 'iptables' | 'nftables' = 'iptables'): PacketFlowResult {
  const node = model.nodeByName.get(nodeName);
  const proto = (flow.protocol ?? 'TCP').toUpperCase();
  const m = matchDestination(model, flow.destIP, flow.destPort, proto, nodeName);
  if (m.kind === 'none') return { output: '', masq: false };
  if (m.kind === 'unmatched-service-ip') {
    if (mode === 'iptables') return { output: '', masq: false };
    const allocated = model.ports.some((sp) => sp.clusterIP === flow.destIP);
    return { output: allocated ? 'REJECT' : 'DROP', masq: false };
  }
  // The source as kube-proxy's rules see it: this node's own address (src-type LOCAL), a pod (cluster CIDR), or outside.
  const src: TrafficSource = node?.internalIPs.includes(flow.sourceIP) ? { kind: 'node', ip: flow.sourceIP, node: nodeName }
    : isClusterLocal(model, flow.sourceIP) ? { kind: 'pod', ip: flow.sourceIP, node: nodeName } : { kind: 'external', ip: flow.sourceIP };
  const d = decideService(model, m.sp, m.entry, flow.destIP, src, nodeName);
  if (d.verdict === 'reject') return { output: 'REJECT', masq: false };
  if (d.verdict === 'drop') return { output: 'DROP', masq: false };
  return { output: d.endpoints.map((e) => joinHostPort(e.ip, e.port)).join(', '), masq: d.snat || (d.endpoints.length === 1 && d.endpoints[0].hairpin) };
}
