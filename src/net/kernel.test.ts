// The CNI's kernel objects as batch lines, exactly: Flannel's cni0 + flannel.1 with the neighbour/FDB pairs flanneld
// writes, Calico's routed cali veths (169.254.1.1, proxy ARP, blackhole for its block), BIRD routes through the ToR
// across subnets, IPIP substituted by VXLAN where the kernel has no ipip, and the fabric's LoadBalancer routes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Cluster } from '../cluster/cluster.js';
import { kernelCni, renderKernelNetwork, type KernelNetwork } from './kernel.js';
import { cniProfile, masqueradeSource } from './cni.js';

const small = readFileSync(fileURLToPath(new URL('../../../src/net/testdata/kernel-small.yaml', import.meta.url)), 'utf8');
const names = { fabric: 'pnX-fabric', external: 'pnX-external', node: (n: string) => `pnX-${n}`, pod: (ns: string, n: string) => `pnX-${ns}-${n}` };

function realise(text: string, support = { vxlan: true, ipip: false }): { net: KernelNetwork; cni: ReturnType<typeof kernelCni> } {
  const c = Cluster.load({ text });
  assert.deepEqual(c.diagnostics.filter((d) => d.level === 'error'), []);
  const cni = kernelCni(c.config, support);
  return { net: renderKernelNetwork(c, cni.profile, names), cni };
}
const lines = (net: KernelNetwork, ns: string, tool = 'ip') => net.namespaces.find((p) => p.name === ns)!.steps.filter((s) => s.tool === tool).flatMap((s) => s.lines);

test('kernel network: Flannel VXLAN as flanneld and the bridge plugin set it up', () => {
  const { net, cni } = realise(small);
  assert.deepEqual(cni.substitutions, []);
  assert.deepEqual(lines(net, 'pnX-node-1').slice(0, 11), [
    'link set eth0 up',
    'addr add 10.0.1.10/24 dev eth0',
    'route add default via 10.0.1.1',
    'link add cni0 mtu 1450 type bridge',
    'link set cni0 up',
    'addr add 10.244.1.1/24 dev cni0',
    'link add flannel.1 address 02:1f:0f:00:51:be mtu 1450 type vxlan id 1 local 10.0.1.10 dev eth0 dstport 8472 nolearning',
    'link set flannel.1 up',
    'addr add 10.244.1.0/32 dev flannel.1',
    'neigh add 10.244.2.0 lladdr 02:a9:26:16:72:af dev flannel.1 nud permanent',
    'route add 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink',
  ]);
  assert.deepEqual(lines(net, 'pnX-node-1', 'bridge'), ['fdb append 02:a9:26:16:72:af dev flannel.1 dst 10.0.1.11 self permanent']);
  // The peer's VTEP MAC in node-1's entries is node-2's own flannel.1 address.
  assert.ok(lines(net, 'pnX-node-2').includes('link add flannel.1 address 02:a9:26:16:72:af mtu 1450 type vxlan id 1 local 10.0.1.11 dev eth0 dstport 8472 nolearning'));
  assert.deepEqual(lines(net, 'pnX-default-web'), ['link set eth0 up', 'addr add 10.244.2.2/24 dev eth0', 'route add default via 10.244.2.1']);
  const web = net.pods.find((p) => p.key === 'default/web')!;
  assert.deepEqual(web, {
    key: 'default/web', netns: 'pnX-default-web', ip: '10.244.2.2', node: 'node-2', hostNetwork: false, hostVeth: 'veth5887b110',
    hostSide: { ip: ['link add veth5887b110 mtu 1450 type veth peer name eth0 mtu 1450 netns pnX-default-web', 'link set veth5887b110 master cni0 up', 'link set veth5887b110 type bridge_slave hairpin on'], sysctl: [] },
  });
  assert.ok(lines(net, 'pnX-node-2').includes('link add veth5887b110 mtu 1450 type veth peer name eth0 mtu 1450 netns pnX-default-web'));
  assert.ok(lines(net, 'pnX-node-2').includes('link set veth5887b110 type bridge_slave hairpin on'));
  // Both nodes share one /24, so one fabric bridge; the outside client has its own.
  assert.deepEqual(lines(net, 'pnX-fabric').filter((l) => l.startsWith('addr')), ['addr add 10.0.1.1/24 dev br0', 'addr add 203.0.113.1/24 dev br-ext']);
  assert.deepEqual(lines(net, 'pnX-node-1', 'nft')[3], '    ip saddr 10.244.0.0/16 ip daddr != 10.244.0.0/16 masquerade comment "pod traffic leaving the pod network"');
});

test('kernel network: Calico IP-in-IP is realised as Calico VXLAN where the kernel has no ipip, and says so', () => {
  const shop = readFileSync(fileURLToPath(new URL('../../../examples/shop/cluster.yaml', import.meta.url)), 'utf8');
  const { net, cni } = realise(shop + small.slice(small.indexOf('---')));
  assert.deepEqual(cni.substitutions, [{
    wanted: 'Calico (BGP + IP-in-IP): tunl0 (IP protocol 4, +20 bytes)',
    realised: 'Calico (VXLAN): vxlan.calico (UDP 4789, VNI 4096, +50 bytes, pod MTU 1450)',
    reason: 'this kernel has no ipip link type',
  }]);
  assert.equal(cni.options.calicoEncapsulation, 'VXLAN');
  const n2 = lines(net, 'pnX-node-2');
  assert.ok(n2.includes('route add blackhole 10.244.2.0/24 proto bird'));
  assert.ok(n2.includes('route add 10.244.1.0/24 via 10.244.1.0 dev vxlan.calico onlink proto 80'));
  assert.ok(n2.includes('link add cali68caf03a5f4 mtu 1450 address ee:ee:ee:ee:ee:ee type veth peer name eth0 mtu 1450 netns pnX-default-web'));
  assert.ok(n2.includes('route add 10.244.2.2/32 dev cali68caf03a5f4 scope link'));
  assert.deepEqual(lines(net, 'pnX-node-2', 'sysctl'), ['net/ipv4/ip_forward=1', 'net/ipv4/icmp_ratelimit=0', 'net/ipv4/conf/cali68caf03a5f4/proxy_arp=1', 'net/ipv4/neigh/cali68caf03a5f4/proxy_delay=0', 'net/ipv4/conf/cali4cf891f6838/proxy_arp=1', 'net/ipv4/neigh/cali4cf891f6838/proxy_delay=0']);
  assert.deepEqual(lines(net, 'pnX-default-web'), ['link set eth0 up', 'addr add 10.244.2.2/32 dev eth0', 'route add 169.254.1.1 dev eth0 scope link', 'route add default via 169.254.1.1 dev eth0']);
  // With ipip in the kernel: tunl0 and BIRD's onlink routes via the peer node.
  const real = realise(shop + small.slice(small.indexOf('---')), { vxlan: true, ipip: true });
  assert.deepEqual(real.cni.substitutions, []);
  assert.ok(lines(real.net, 'pnX-node-1').includes('route add 10.244.2.0/24 via 10.0.2.10 dev tunl0 onlink proto bird'));
});

test('kernel network: the fabric routes a LoadBalancer IP to the node the trace enters by', () => {
  // ingress-nginx's Service has externalTrafficPolicy Local and its one endpoint on node-1.
  const c = Cluster.load([fileURLToPath(new URL('../../../examples/shop', import.meta.url))]);
  const net = renderKernelNetwork(c, kernelCni(c.config, { vxlan: true, ipip: false }).profile, names);
  assert.deepEqual(lines(net, 'pnX-fabric').filter((l) => l.startsWith('route')), ['route add 172.18.255.200/32 via 10.0.1.10']);
});

test('kernel network: without encapsulation nodes on other subnets are reached through the ToR, which learns pod CIDRs', () => {
  const text = small.replace('cni: flannel', 'cni: calico\n  cniOptions: {calicoEncapsulation: None}').replace('internalIP: 10.0.1.11', 'internalIP: 10.0.2.10');
  const { net } = realise(text);
  assert.ok(lines(net, 'pnX-node-1').includes('route add 10.244.2.0/24 via 10.0.1.1 dev eth0 proto bird'));
  assert.deepEqual(lines(net, 'pnX-fabric').filter((l) => l.startsWith('route')), ['route add 10.244.1.0/24 via 10.0.1.10', 'route add 10.244.2.0/24 via 10.0.2.10']);
  const same = realise(small.replace('cni: flannel', 'cni: calico\n  cniOptions: {calicoEncapsulation: None}')).net;
  assert.ok(lines(same, 'pnX-node-1').includes('route add 10.244.2.0/24 via 10.0.1.11 dev eth0 proto bird'));
});

test('kernel network: Cilium and Weave stand-ins, and what is not realised', () => {
  const cilium = realise(small.replace('cni: flannel', 'cni: cilium'));
  assert.deepEqual(cilium.cni.notes, ['Cilium\'s eBPF datapath is stood in for by kernel routes: routed lxc veths, the router IP on cilium_host, and cilium_vxlan with static FDB and neighbour entries per node']);
  assert.ok(lines(cilium.net, 'pnX-node-1').includes('addr add 10.244.1.1/32 dev cilium_host'));
  assert.ok(lines(cilium.net, 'pnX-node-1').includes('route add 10.244.2.0/24 via 10.244.2.1 dev cilium_vxlan onlink'));
  assert.deepEqual(lines(cilium.net, 'pnX-default-client'), ['link set eth0 up', 'addr add 10.244.1.2/32 dev eth0', 'route add 10.244.1.1 dev eth0 scope link', 'route add default via 10.244.1.1 dev eth0']);
  const weave = realise(small.replace('cni: flannel', 'cni: weave\n  cniOptions: {weaveEncryption: true}'));
  assert.deepEqual(weave.cni.notes, ['Weave\'s fastdp (Open vSwitch datapath) is stood in for by a kernel VXLAN device on UDP 6784 with a route per node\'s range', 'IPsec ESP (XFRM) encryption is not realised: traffic crosses the fabric unencrypted']);
  assert.ok(lines(weave.net, 'pnX-node-1').includes('link add weave mtu 1376 type bridge'));
  assert.throws(() => realise(small, { vxlan: false, ipip: false }), /this kernel has no vxlan link type, which Flannel \(vxlan backend\) needs/);
});

test('MASQUERADE\'s source is the address of the device the packet leaves by: an addressed tunnel, the pod bridge, else the node', () => {
  const node = { ip: '10.0.1.10', podCIDR: '10.244.1.0/24' };
  const flannel = cniProfile('flannel');
  assert.deepEqual(['pod-other-node', 'pod-same-node', 'other'].map((to) => masqueradeSource(flannel, node, to as 'other')), ['10.244.1.0', '10.244.1.1', '10.0.1.10']);
  const calico = cniProfile('calico', { calicoEncapsulation: 'VXLAN' });
  assert.deepEqual(['pod-other-node', 'pod-same-node'].map((to) => masqueradeSource(calico, node, to as 'other')), ['10.244.1.0', '10.0.1.10']);
  assert.equal(masqueradeSource(cniProfile('calico', { calicoEncapsulation: 'None' }), node, 'pod-other-node'), '10.0.1.10');
  assert.equal(masqueradeSource(cniProfile('cilium'), node, 'pod-other-node'), '10.0.1.10');
});
