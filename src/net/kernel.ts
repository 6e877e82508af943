// The cluster's network as kernel objects, the way each CNI installs them on real nodes: per namespace, the `ip` /
// `bridge` batch lines, sysctls and nft text that build the fabric between nodes, each node's uplink and CNI devices
// (cni0 / weave bridges, flannel.1 / vxlan.calico / cilium_vxlan / vxlan-6784 with the FDB and neighbour entries
// flanneld and Felix write, BIRD-style routes), and each pod's veth pair, addresses, routes and gateway. Pure: the
// realiser (src/realize) only runs these lines. IPv4 only. Facts: shared/specs/cni-mesh-rules.md §3.6-3.7.
import { createHash } from 'node:crypto';
import type { Cluster } from '../cluster/cluster.js';
import type { ClusterConfig } from '../cluster/config.js';
import { servicesModel, vipEntryNode } from '../services/index.js';
import { bigIntToIP, familyOf, parseCidr } from './cidr.js';
import { cniProfile, hostVethName, tunnelDeviceAddress, type CniOptions, type CniProfile } from './cni.js';
import { pushAll } from '../util/arrays.js';

/** What this kernel offers (src/realize/host.ts probes it). */
export interface LinkSupport { vxlan: boolean; ipip: boolean }

/** A data-path piece the kernel cannot build, realised as its nearest equivalent; traces then follow what was built. */
export interface Substitution { wanted: string; realised: string; reason: string }

export interface KernelCni {
  /** The options actually realised (substitutions applied): the lab's model runs with these. */
  options: CniOptions;
  profile: CniProfile;
  substitutions: Substitution[];
  /** How pieces without a kernel counterpart (eBPF, OVS, encryption) are stood in for. */
  notes: string[];
}

export function kernelCni(config: ClusterConfig, support: LinkSupport): KernelCni {
  const options: CniOptions = { ...config.cniOptions };
  const substitutions: Substitution[] = [];
  const notes: string[] = [];
  const wanted = cniProfile(config.cni, options);
  if (wanted.transport === 'ipip' && !support.ipip) {
    options.calicoEncapsulation = 'VXLAN';
    const v = cniProfile(config.cni, options);
    substitutions.push({ wanted: `${wanted.title}: ${wanted.tunnelDevice} (IP protocol 4, +${wanted.overhead} bytes)`, realised: `${v.title}: ${v.tunnelDevice} (UDP ${v.udpPort}, VNI ${v.vni}, +${v.overhead} bytes, pod MTU ${v.podMTU})`, reason: 'this kernel has no ipip link type' });
  }
  if (wanted.transport === 'geneve') {
    options.ciliumRouting = 'vxlan';
    const v = cniProfile(config.cni, options);
    substitutions.push({ wanted: `${wanted.title}: ${wanted.tunnelDevice} (UDP ${wanted.udpPort})`, realised: `${v.title}: ${v.tunnelDevice} (UDP ${v.udpPort})`, reason: 'Geneve is realised as VXLAN, the tunnel every kernel here has' });
  }
  const profile = cniProfile(config.cni, options);
  if ((profile.transport === 'vxlan' || profile.transport === 'weave-fastdp') && !support.vxlan) throw new Error(`this kernel has no vxlan link type, which ${profile.title} needs`);
  if (profile.name === 'cilium') {
    notes.push('Cilium\'s eBPF datapath is stood in for by kernel routes: routed lxc veths, the router IP on cilium_host' + (profile.transport === 'vxlan' ? ', and cilium_vxlan with static FDB and neighbour entries per node' : ''));
    if (profile.kubeProxyReplacement) notes.push('Cilium\'s kube-proxy replacement is realised with kube-proxy\'s nftables rules');
  }
  if (profile.name === 'weave') notes.push('Weave\'s fastdp (Open vSwitch datapath) is stood in for by a kernel VXLAN device on UDP 6784 with a route per node\'s range');
  if (profile.encryption) notes.push(`${profile.encryption} encryption is not realised: traffic crosses the fabric unencrypted`);
  return { options, profile, substitutions, notes };
}

/** Namespace names the realisation chose. */
export interface KernelNames { fabric: string; external: string; node(name: string): string; pod(namespace: string, name: string): string }

/** Commands for one namespace, run phase by phase across all namespaces (1: fabric, 2: nodes and external, 3: pods). */
export interface KernelStep { phase: 1 | 2 | 3; tool: 'ip' | 'bridge' | 'sysctl' | 'nft'; lines: string[] }
export interface NetnsPlan { name: string; role: 'fabric' | 'external' | 'node' | 'pod'; of: string; steps: KernelStep[] }

export interface RealisedPod {
  key: string; netns: string; ip: string; node: string; hostNetwork: boolean; hostVeth?: string;
  /** The pod's share of its node's lines (veth, routes, sysctls): what adding or removing this one pod touches. */
  hostSide?: { ip: string[]; sysctl: string[] };
}
export interface RealisedNode { name: string; netns: string; ip: string; gateway: string; podCIDR: string }

export interface KernelNetwork {
  profile: CniProfile;
  fabric: string;
  external: { netns: string; ip: string; gateway: string };
  nodes: RealisedNode[];
  pods: RealisedPod[];
  namespaces: NetnsPlan[];
}

/** Where outside clients live: the address the model's traces use for `external`. */
export const EXTERNAL_CLIENT = { ip: '203.0.113.10', cidr: '203.0.113.0/24', gateway: '203.0.113.1' };
/** Every node sits in a /24 of its InternalIP (the model gives no underlay mask). */
const NODE_PREFIX = 24;
const CALICO_GATEWAY = '169.254.1.1';
const CALICO_HOST_MAC = 'ee:ee:ee:ee:ee:ee';

type Obj = Record<string, any>;

function subnet24(ip: string): string { return ip.split('.').slice(0, 3).join('.') + '.0/24'; }
function hostAt(cidr: string, offset: number): string { const c = parseCidr(cidr); return bigIntToIP(c.base + BigInt(offset), c.family); }
/** A locally administered unicast MAC, the same for the same name. */
function macOf(name: string): string {
  const h = createHash('sha1').update(name).digest();
  return ['02', ...[...h.subarray(0, 5)].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

export function renderKernelNetwork(cluster: Cluster, profile: CniProfile, names: KernelNames): KernelNetwork {
  const v4 = (ip: string | undefined) => ip !== undefined && familyOf(ip) === 'IPv4';
  const clusterCIDR = cluster.config.podCIDRs.find((c) => v4(c.split('/')[0]));
  if (!clusterCIDR) throw new Error('kernel mode realises IPv4 clusters; this cluster has no IPv4 pod CIDR');
  const nodes: RealisedNode[] = [];
  const subnets = new Map<string, { bridge: string; gateway: string; nodeIPs: string[] }>();
  for (const n of cluster.nodes) {
    const ip = n.internalIPs.find(v4);
    const podCIDR = n.podCIDRs.find((c) => v4(c.split('/')[0]));
    if (!ip || !podCIDR) throw new Error(`node ${n.name} has no IPv4 InternalIP and pod CIDR to realise`);
    const sn = subnet24(ip);
    if (sn === EXTERNAL_CLIENT.cidr) throw new Error(`node ${n.name} (${ip}) is in ${sn}, the subnet kernel mode keeps for outside clients`);
    let s = subnets.get(sn);
    if (!s) subnets.set(sn, (s = { bridge: `br${subnets.size}`, gateway: '', nodeIPs: [] }));
    s.nodeIPs.push(ip);
    nodes.push({ name: n.name, netns: names.node(n.name), ip, gateway: '', podCIDR });
  }
  // The ToR's address on each node subnet: .1, or .254 when a node holds .1.
  for (const [sn, s] of subnets) s.gateway = [1, 254, ...Array.from({ length: 252 }, (_, i) => i + 2)].map((o) => hostAt(sn, o)).find((g) => !s.nodeIPs.includes(g))!;
  for (const n of nodes) n.gateway = subnets.get(subnet24(n.ip))!.gateway;

  const fabric: NetnsPlan = { name: names.fabric, role: 'fabric', of: 'fabric', steps: [] };
  const external: NetnsPlan = { name: names.external, role: 'external', of: 'external', steps: [] };
  const uplink = uplinkNames(nodes.map((n) => n.name));
  const fab: string[] = [];
  for (const s of subnets.values()) fab.push(`link add ${s.bridge} type bridge`, `link set ${s.bridge} up`, `addr add ${s.gateway}/${NODE_PREFIX} dev ${s.bridge}`);
  fab.push('link add br-ext type bridge', 'link set br-ext up', `addr add ${EXTERNAL_CLIENT.gateway}/24 dev br-ext`);
  for (const n of nodes) {
    const up = uplink.get(n.name)!;
    fab.push(`link add ${up} mtu ${profile.underlayMTU} type veth peer name eth0 mtu ${profile.underlayMTU} netns ${n.netns}`, `link set ${up} master ${subnets.get(subnet24(n.ip))!.bridge} up`);
  }
  fab.push(`link add to-external type veth peer name eth0 netns ${external.name}`, 'link set to-external master br-ext up');
  // Where the network sends LoadBalancer and external IPs: the node the model's traces enter by.
  const model = servicesModel(cluster);
  const vips = new Map<string, string>();
  for (const sp of model.ports) {
    for (const ip of [...sp.loadBalancerIPs, ...sp.externalIPs]) {
      if (!v4(ip) || vips.has(ip)) continue;
      const entry = vipEntryNode(model, ip, sp.port, sp.protocol);
      const node = nodes.find((n) => n.name === entry?.name);
      if (node) vips.set(ip, node.ip);
    }
  }
  for (const [ip, via] of vips) fab.push(`route add ${ip}/32 via ${via}`);
  // Without encapsulation the network itself carries pod addresses: the ToR learns each node's pod CIDR (BGP peering).
  if (profile.transport === 'bgp' || profile.transport === 'host-gw') for (const n of nodes) fab.push(`route add ${n.podCIDR} via ${n.ip}`);
  fabric.steps.push({ phase: 1, tool: 'sysctl', lines: ['net/ipv4/ip_forward=1'] }, { phase: 1, tool: 'ip', lines: fab });
  external.steps.push({ phase: 2, tool: 'ip', lines: ['link set eth0 up', `addr add ${EXTERNAL_CLIENT.ip}/24 dev eth0`, `route add default via ${EXTERNAL_CLIENT.gateway}`] });

  const pods: RealisedPod[] = [];
  const podPlans: NetnsPlan[] = [];
  const nodePlans = new Map<string, { ip: string[]; fdb: string[]; sysctl: string[] }>();
  // icmp_ratelimit 0: a node's REJECTs (kube-proxy's answer for a Service without endpoints) are ICMP errors, which the
  // kernel's default allows ~6 at once per destination then drops; a burst of probes would see a drop, not a refusal.
  for (const n of nodes) nodePlans.set(n.name, { ip: nodeBase(n, profile, nodes), fdb: tunnelFdb(n, profile, nodes), sysctl: ['net/ipv4/ip_forward=1', 'net/ipv4/icmp_ratelimit=0'] });
  for (const p of cluster.pods() as (Obj & { metadata: { name: string; namespace?: string } })[]) {
    const ip: string | undefined = p.status?.podIP;
    const nodeName: string | undefined = p.spec?.nodeName;
    if (!v4(ip) || !nodeName || p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') continue;
    const node = nodes.find((n) => n.name === nodeName);
    if (!node) continue;
    const ns = p.metadata.namespace ?? 'default';
    const key = `${ns}/${p.metadata.name}`;
    if (p.spec?.hostNetwork === true) { pods.push({ key, netns: node.netns, ip: ip!, node: node.name, hostNetwork: true }); continue; }
    const veth = hostVethName(profile.name, ns, p.metadata.name);
    const netns = names.pod(ns, p.metadata.name);
    const np = nodePlans.get(node.name)!;
    const mtu = profile.podMTU;
    const gw = profile.podGateway(hostAt(node.podCIDR, 1));
    const hostSide = { ip: [] as string[], sysctl: [] as string[] };
    if (profile.podAttachment === 'bridge') {
      hostSide.ip.push(`link add ${veth} mtu ${mtu} type veth peer name eth0 mtu ${mtu} netns ${netns}`, `link set ${veth} master ${profile.bridge} up`, `link set ${veth} type bridge_slave hairpin on`);
      podPlans.push({ name: netns, role: 'pod', of: key, steps: [{ phase: 3, tool: 'ip', lines: ['link set eth0 up', `addr add ${ip}/${node.podCIDR.split('/')[1]} dev eth0`, `route add default via ${gw}`] }] });
    } else {
      // Calico and Cilium: a routed veth, the pod's /32 routed to it; Calico's host side answers ARP for 169.254.1.1.
      hostSide.ip.push(`link add ${veth} mtu ${mtu}${profile.name === 'calico' ? ` address ${CALICO_HOST_MAC}` : ''} type veth peer name eth0 mtu ${mtu} netns ${netns}`, `link set ${veth} up`, `route add ${ip}/32 dev ${veth} scope link`);
      if (profile.name === 'calico') hostSide.sysctl.push(`net/ipv4/conf/${veth}/proxy_arp=1`, `net/ipv4/neigh/${veth}/proxy_delay=0`);
      podPlans.push({ name: netns, role: 'pod', of: key, steps: [{ phase: 3, tool: 'ip', lines: ['link set eth0 up', `addr add ${ip}/32 dev eth0`, `route add ${gw} dev eth0 scope link`, `route add default via ${gw} dev eth0`] }] });
    }
    pushAll(np.ip, hostSide.ip);
    pushAll(np.sysctl, hostSide.sysctl);
    pods.push({ key, netns, ip: ip!, node: node.name, hostNetwork: false, hostVeth: veth, hostSide });
  }
  const nodeNs: NetnsPlan[] = nodes.map((n) => {
    const np = nodePlans.get(n.name)!;
    const steps: KernelStep[] = [{ phase: 2, tool: 'ip', lines: np.ip }];
    if (np.fdb.length) steps.push({ phase: 2, tool: 'bridge', lines: np.fdb });
    steps.push({ phase: 2, tool: 'sysctl', lines: np.sysctl }, { phase: 2, tool: 'nft', lines: cniMasquerade(profile, clusterCIDR, nodes.map((x) => x.ip)) });
    return { name: n.netns, role: 'node', of: n.name, steps };
  });
  return {
    profile, fabric: names.fabric, external: { netns: names.external, ip: EXTERNAL_CLIENT.ip, gateway: EXTERNAL_CLIENT.gateway },
    nodes, pods, namespaces: [fabric, external, ...nodeNs, ...podPlans],
  };
}

/** The fabric side of each node's uplink: `to-NODE` when that fits an interface name (15 characters), else numbered. */
function uplinkNames(nodes: string[]): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Set<string>();
  nodes.forEach((n, i) => {
    let name = `to-${n}`;
    if (name.length > 15 || !/^[a-z0-9.-]+$/.test(name) || used.has(name)) name = `to-node${i + 1}`;
    used.add(name);
    out.set(n, name);
  });
  return out;
}

/** The tunnel endpoint address on a node's VXLAN device: flanneld puts the pod CIDR's network address there; the
 * routed CNIs use the node's router address (.1) as the next hop of the other nodes' routes. */
function tunnelAddress(n: RealisedNode, profile: CniProfile): string {
  return tunnelDeviceAddress(profile, n.podCIDR) ?? hostAt(n.podCIDR, 1);
}

function nodeBase(n: RealisedNode, profile: CniProfile, all: RealisedNode[]): string[] {
  const lines = [`link set eth0 up`, `addr add ${n.ip}/${NODE_PREFIX} dev eth0`, `route add default via ${n.gateway}`];
  const mtu = profile.podMTU;
  const router = hostAt(n.podCIDR, 1);
  if (profile.podAttachment === 'bridge') lines.push(`link add ${profile.bridge} mtu ${mtu} type bridge`, `link set ${profile.bridge} up`, `addr add ${router}/${n.podCIDR.split('/')[1]} dev ${profile.bridge}`);
  // Cilium's router address sits on cilium_host, one end of the cilium_host/cilium_net veth pair it creates.
  if (profile.name === 'cilium') lines.push(`link add cilium_host mtu ${mtu} type veth peer name cilium_net mtu ${mtu}`, 'link set cilium_net up', 'link set cilium_host up', `addr add ${router}/32 dev cilium_host`);
  // Calico keeps a blackhole route for its own block, so an unused address in it goes nowhere (as BIRD exports it).
  if (profile.name === 'calico') lines.push(`route add blackhole ${n.podCIDR} proto bird`);
  const peers = all.filter((p) => p.name !== n.name);
  const tunnel = profile.tunnelDevice;
  if ((profile.transport === 'vxlan' || profile.transport === 'weave-fastdp') && tunnel) {
    lines.push(`link add ${tunnel} address ${macOf(`${n.name}/${tunnel}`)} mtu ${mtu} type vxlan id ${profile.vni ?? 1} local ${n.ip} dev eth0 dstport ${profile.udpPort} nolearning`, `link set ${tunnel} up`);
    if (profile.name === 'flannel' || profile.name === 'calico') lines.push(`addr add ${tunnelAddress(n, profile)}/32 dev ${tunnel}`);
    for (const p of peers) {
      const hop = tunnelAddress(p, profile);
      lines.push(`neigh add ${hop} lladdr ${macOf(`${p.name}/${tunnel}`)} dev ${tunnel} nud permanent`, `route add ${p.podCIDR} via ${hop} dev ${tunnel} onlink${profile.name === 'calico' ? ' proto 80' : ''}`);
    }
  } else if (profile.transport === 'ipip' && tunnel) {
    // Calico IP-in-IP: the ipip module's tunl0 in each namespace, the tunnel address on it, BIRD's onlink routes.
    lines.push(`link set ${tunnel} mtu ${mtu} up`, `addr add ${tunnelAddress(n, profile)}/32 dev ${tunnel}`);
    for (const p of peers) lines.push(`route add ${p.podCIDR} via ${p.ip} dev ${tunnel} onlink proto bird`);
  } else if (profile.transport === 'bgp' || profile.transport === 'host-gw') {
    const same = (p: RealisedNode) => subnet24(p.ip) === subnet24(n.ip);
    for (const p of peers) lines.push(`route add ${p.podCIDR} via ${same(p) ? p.ip : n.gateway} dev eth0${profile.name === 'calico' ? ' proto bird' : ''}`);
  }
  return lines;
}

/** The forwarding database entries flanneld (and Felix for VXLAN) write: each peer's VTEP MAC → its node IP. */
function tunnelFdb(n: RealisedNode, profile: CniProfile, all: RealisedNode[]): string[] {
  const tunnel = profile.tunnelDevice;
  if (!tunnel || !(profile.transport === 'vxlan' || profile.transport === 'weave-fastdp')) return [];
  return all.filter((p) => p.name !== n.name).map((p) => `fdb append ${macOf(`${p.name}/${tunnel}`)} dev ${tunnel} dst ${p.ip} self permanent`);
}

/** The CNI's own SNAT for pod traffic leaving the pod network (flannel --ip-masq, Calico natOutgoing, Weave's NAT,
 * Cilium's masquerading, which leaves node addresses alone), as the trace models it. */
function cniMasquerade(profile: CniProfile, clusterCIDR: string, nodeIPs: string[]): string[] {
  const table = { flannel: 'flannel-ipv4', calico: 'calico', cilium: 'cilium', weave: 'weave' }[profile.name];
  const except = profile.name === 'cilium' ? `{ ${[clusterCIDR, ...nodeIPs].join(', ')} }` : clusterCIDR;
  return [
    `table ip ${table} {`,
    '  chain nat-postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    `    ip saddr ${clusterCIDR} ip daddr != ${except} masquerade comment "pod traffic leaving the pod network"`,
    '  }',
    '}',
  ];
}

