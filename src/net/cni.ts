// CNI data-path models: how a packet leaves a pod (veth into a bridge, or routed by the host), how it crosses
// between nodes (VXLAN, IP-in-IP, BGP routes, Geneve, Weave fastdp), what each hop's headers are, the overhead and
// the resulting pod MTU, and whether the CNI enforces NetworkPolicy. Facts: shared/specs/cni-mesh-rules.md §3.6-3.7.
import { createHash } from 'node:crypto';
import type { CniDataPathOptions, CniName } from '../cluster/config.js';
import { bigIntToIP, parseCidr } from './cidr.js';

export type Transport = 'vxlan' | 'ipip' | 'bgp' | 'geneve' | 'weave-fastdp' | 'host-gw';

/** The CNI's data-path options, as ClusterConfig's spec.cniOptions holds them. */
export type CniOptions = CniDataPathOptions;

export interface CniProfile {
  name: CniName;
  title: string;
  /** How the pod reaches the host: a veth into a Linux bridge, a routed veth (no bridge), or a veth with eBPF programs. */
  podAttachment: 'bridge' | 'routed' | 'ebpf';
  bridge?: string;
  /** The pod's default gateway as the pod sees it. */
  podGateway: (nodePodCIDRGateway: string) => string;
  transport: Transport;
  tunnelDevice?: string;
  udpPort?: number;
  vni?: number;
  /** Bytes added per packet between nodes. */
  overhead: number;
  underlayMTU: number;
  podMTU: number;
  enforcesNetworkPolicy: boolean;
  policyEnforcer?: string;
  encryption?: string;
  kubeProxyReplacement: boolean;
  /** Where a node's pod CIDR route points on the other nodes. */
  routeDevice: string;
}

/** The data-path profile of a CNI with its defaults (and options, where the CNI has real choices). */
export function cniProfile(name: CniName, opts: CniOptions = {}): CniProfile {
  const underlay = opts.underlayMTU ?? 1500;
  const mk = (p: Omit<CniProfile, 'underlayMTU' | 'podMTU'> & { podMTU?: number }): CniProfile => ({ ...p, underlayMTU: underlay, podMTU: p.podMTU ?? underlay - p.overhead });
  switch (name) {
    case 'flannel':
      if (opts.flannelBackend === 'host-gw') {
        return mk({ name, title: 'Flannel (host-gw backend)', podAttachment: 'bridge', bridge: 'cni0', podGateway: (gw) => gw, transport: 'host-gw', overhead: 0, enforcesNetworkPolicy: false, kubeProxyReplacement: false, routeDevice: 'eth0' });
      }
      // Flannel's vxlan backend: VNI 1, the Linux kernel's UDP port 8472, encapOverhead 50 (pkg/backend/vxlan).
      return mk({ name, title: 'Flannel (vxlan backend)', podAttachment: 'bridge', bridge: 'cni0', podGateway: (gw) => gw, transport: 'vxlan', tunnelDevice: 'flannel.1', udpPort: 8472, vni: 1, overhead: 50, enforcesNetworkPolicy: false, kubeProxyReplacement: false, routeDevice: 'flannel.1' });
    case 'calico': {
      const encap = opts.calicoEncapsulation ?? 'IPIP';
      const base = { name, podAttachment: 'routed' as const, podGateway: () => '169.254.1.1', enforcesNetworkPolicy: true, policyEnforcer: 'Felix (iptables/eBPF)', kubeProxyReplacement: false };
      if (encap === 'VXLAN') return mk({ ...base, title: 'Calico (VXLAN)', transport: 'vxlan', tunnelDevice: 'vxlan.calico', udpPort: 4789, vni: 4096, overhead: 50, routeDevice: 'vxlan.calico' });
      if (encap === 'None') return mk({ ...base, title: 'Calico (BGP, no encapsulation)', transport: 'bgp', overhead: 0, routeDevice: 'eth0' });
      return mk({ ...base, title: 'Calico (BGP + IP-in-IP)', transport: 'ipip', tunnelDevice: 'tunl0', overhead: 20, routeDevice: 'tunl0' });
    }
    case 'cilium': {
      const routing = opts.ciliumRouting ?? 'vxlan';
      const base = { name, podAttachment: 'ebpf' as const, podGateway: (gw: string) => gw, enforcesNetworkPolicy: true, policyEnforcer: 'Cilium eBPF (identity-based; L7 via Envoy)', kubeProxyReplacement: opts.ciliumKubeProxyReplacement ?? false };
      if (routing === 'native') return mk({ ...base, title: 'Cilium (native routing)', transport: 'bgp', overhead: 0, routeDevice: 'eth0' });
      if (routing === 'geneve') return mk({ ...base, title: 'Cilium (Geneve tunnel)', transport: 'geneve', tunnelDevice: 'cilium_geneve', udpPort: 6081, overhead: 50, routeDevice: 'cilium_host' });
      return mk({ ...base, title: 'Cilium (VXLAN tunnel)', transport: 'vxlan', tunnelDevice: 'cilium_vxlan', udpPort: 8472, overhead: 50, routeDevice: 'cilium_host' });
    }
    case 'weave': {
      const enc = opts.weaveEncryption ?? false;
      // Weave's fastdp: kernel OVS datapath + VXLAN on UDP 6784; WEAVE_MTU defaults to 1376 (room for encryption).
      return mk({ name, title: `Weave Net (fastdp${enc ? ' + IPsec ESP' : ''})`, podAttachment: 'bridge', bridge: 'weave', podGateway: (gw) => gw, transport: 'weave-fastdp', tunnelDevice: 'vxlan-6784', udpPort: 6784, overhead: 50 + (enc ? 34 : 0), podMTU: 1376, enforcesNetworkPolicy: true, policyEnforcer: 'weave-npc (iptables + ipsets)', ...(enc ? { encryption: 'IPsec ESP (XFRM)' } : {}), kubeProxyReplacement: false, routeDevice: 'weave' });
    }
  }
}

/** The host-side interface name each CNI gives a pod's veth (deterministic here; real ones derive from IDs). */
const vethNames = new Map<string, string>();

const hostAt = (cidr: string, offset: number) => { const c = parseCidr(cidr); return bigIntToIP(c.base + BigInt(offset), c.family); };

/** The address on a node's tunnel device, where the CNI puts one: flanneld the pod CIDR's network address on
 * flannel.1, Felix the first address of its block on vxlan.calico / tunl0. Cilium's and Weave's tunnels carry none. */
export function tunnelDeviceAddress(profile: CniProfile, podCIDR: string): string | undefined {
  return profile.tunnelDevice && (profile.name === 'flannel' || profile.name === 'calico') ? hostAt(podCIDR, 0) : undefined;
}

/**
 * The source MASQUERADE gives a packet a node sends on to an endpoint: the primary address of the device it leaves by
 * (nf_nat_masquerade: inet_select_addr on the output device), which a device without an address borrows from the
 * node's uplink. So towards another node's pod through an addressed tunnel it is the tunnel's address, towards a pod
 * on the node's bridge it is the bridge's (the gateway), and otherwise the node's own address.
 */
export function masqueradeSource(profile: CniProfile, node: { ip: string; podCIDR?: string }, to: 'pod-same-node' | 'pod-other-node' | 'other'): string {
  if (node.podCIDR && to === 'pod-other-node' && (profile.transport === 'vxlan' || profile.transport === 'ipip')) return tunnelDeviceAddress(profile, node.podCIDR) ?? node.ip;
  if (node.podCIDR && to === 'pod-same-node' && profile.podAttachment === 'bridge') return hostAt(node.podCIDR, 1);
  return node.ip;
}

export function hostVethName(cni: CniName, namespace: string, pod: string): string {
  const key = `${cni}|${namespace}|${pod}`;
  let name = vethNames.get(key);
  if (name === undefined) {
    if (vethNames.size > 200_000) vethNames.clear();
    vethNames.set(key, (name = computeVethName(cni, namespace, pod)));
  }
  return name;
}

function computeVethName(cni: CniName, namespace: string, pod: string): string {
  const h = (s: string, n: number) => createHash('sha1').update(s).digest('hex').slice(0, n);
  switch (cni) {
    case 'calico': return `cali${h(`${namespace}.${pod}`, 11)}`; // Calico: "cali" + sha1("<ns>.<pod>")[:11]
    case 'cilium': return `lxc${h(`${namespace}/${pod}`, 12)}`;
    case 'weave': return `vethwepl${h(`${namespace}/${pod}`, 7)}`;
    default: return `veth${h(`${namespace}/${pod}`, 8)}`;
  }
}

export interface EncapHeaders {
  transport: Transport;
  inner: { src: string; dst: string };
  outer?: { src: string; dst: string; protocol: string; dport?: number; vni?: number };
  overhead: number;
  mtu: number;
  device: string;
  encryption?: string;
}

/** The headers a packet between pods on two different nodes carries on the wire. */
export function encapsulate(profile: CniProfile, inner: { src: string; dst: string }, srcNodeIP: string, dstNodeIP: string): EncapHeaders {
  const device = profile.tunnelDevice ?? profile.routeDevice;
  const common = { transport: profile.transport, inner, overhead: profile.overhead, mtu: profile.podMTU, device, ...(profile.encryption ? { encryption: profile.encryption } : {}) };
  switch (profile.transport) {
    case 'vxlan':
    case 'geneve':
    case 'weave-fastdp':
      return { ...common, outer: { src: srcNodeIP, dst: dstNodeIP, protocol: 'UDP', dport: profile.udpPort, ...(profile.vni !== undefined ? { vni: profile.vni } : {}) } };
    case 'ipip':
      return { ...common, outer: { src: srcNodeIP, dst: dstNodeIP, protocol: 'IPIP (IP protocol 4)' } };
    default:
      return common;
  }
}

/** One-line description of the encapsulation, for people. */
export function describeEncap(profile: CniProfile, e: EncapHeaders): string {
  const inner = `inner ${e.inner.src} → ${e.inner.dst}`;
  switch (e.transport) {
    case 'vxlan':
    case 'geneve':
    case 'weave-fastdp': {
      const kind = e.transport === 'geneve' ? 'Geneve' : e.transport === 'weave-fastdp' ? 'Weave fastdp VXLAN' : 'VXLAN';
      return `${profile.title}: ${kind} via ${e.device}: outer ${e.outer!.src} → ${e.outer!.dst} UDP/${e.outer!.dport}${e.outer!.vni !== undefined ? ` VNI ${e.outer!.vni}` : ''}, ${inner}; +${e.overhead} bytes, pod MTU ${e.mtu}${e.encryption ? `, encrypted with ${e.encryption}` : ''}`;
    }
    case 'ipip':
      return `${profile.title}: IP-in-IP via ${e.device}: outer ${e.outer!.src} → ${e.outer!.dst}, ${inner}; +${e.overhead} bytes, pod MTU ${e.mtu}`;
    default:
      return `${profile.title}: routed without encapsulation via ${e.device} (${inner} on the wire); no overhead, pod MTU ${e.mtu}`;
  }
}
