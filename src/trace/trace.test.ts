// Traces with exact hops: pod→pod on one node, across nodes per CNI, pod→ClusterIP, external→NodePort under both
// externalTrafficPolicy values, pod→ExternalName, and the drops (no endpoints, Local without a local endpoint,
// policy, port not served).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Cluster } from '../cluster/cluster.js';
import type { CniOptions } from '../net/cni.js';
import type { TraceComponents } from './hooks.js';
import { evaluateWithPolicyEngine } from './components.js';
import { trace, TraceInputError, type TraceResult } from './trace.js';

const text = readFileSync(fileURLToPath(new URL('../../../src/trace/testdata/traces.yaml', import.meta.url)), 'utf8');
const clusters = new Map<string, Cluster>();
function clusterWith(cni: string): Cluster {
  let c = clusters.get(cni);
  if (!c) clusters.set(cni, (c = Cluster.load({ text: text.replace('cni: calico', `cni: ${cni}`), textName: 'traces.yaml' })));
  return c;
}
const calico = clusterWith('calico');
const steps = (r: TraceResult) => r.hops.map((h) => h.step);

test('trace: pod → pod on the same node: no NAT, no encapsulation', () => {
  const r = trace(calico, { from: 'shop/client', to: '10.244.1.3:8080' });
  assert.equal(r.verdict, 'delivered');
  assert.deepEqual(steps(r), ['route', 'policy-egress', 'route', 'policy-ingress', 'deliver', 'reply']);
  assert.equal(r.hops[2].text, 'same node node-1: routed by the host to cali751425ce827, no encapsulation');
  assert.deepEqual(r.hops[4].detail, { pod: 'shop/web-1', ip: '10.244.1.3', port: 8080, protocol: 'TCP', container: 'web' });
  assert.equal(r.hops[5].text, 'reply: 10.244.1.3 → 10.244.1.2 directly (no NAT on this path)');
});

const ACROSS: { name: string; cni: string; opts?: CniOptions; outer?: Record<string, unknown>; overhead: number; mtu: number; device: string; route: RegExp }[] = [
  { name: 'Flannel VXLAN', cni: 'flannel', outer: { src: '10.0.1.10', dst: '10.0.2.10', protocol: 'UDP', dport: 8472, vni: 1 }, overhead: 50, mtu: 1450, device: 'flannel.1', route: /veth pair to veth[0-9a-f]{8} on bridge cni0 \(gateway 10\.244\.1\.1\)/ },
  { name: 'Flannel host-gw', cni: 'flannel', opts: { flannelBackend: 'host-gw' }, overhead: 0, mtu: 1500, device: 'eth0', route: /bridge cni0/ },
  { name: 'Calico IP-in-IP', cni: 'calico', outer: { src: '10.0.1.10', dst: '10.0.2.10', protocol: 'IPIP (IP protocol 4)' }, overhead: 20, mtu: 1480, device: 'tunl0', route: /default route points at 169\.254\.1\.1/ },
  { name: 'Calico VXLAN', cni: 'calico', opts: { calicoEncapsulation: 'VXLAN' }, outer: { src: '10.0.1.10', dst: '10.0.2.10', protocol: 'UDP', dport: 4789, vni: 4096 }, overhead: 50, mtu: 1450, device: 'vxlan.calico', route: /cali[0-9a-f]{11}/ },
  { name: 'Calico BGP without encapsulation', cni: 'calico', opts: { calicoEncapsulation: 'None' }, overhead: 0, mtu: 1500, device: 'eth0', route: /proxy ARP/ },
  { name: 'Cilium VXLAN', cni: 'cilium', outer: { src: '10.0.1.10', dst: '10.0.2.10', protocol: 'UDP', dport: 8472 }, overhead: 50, mtu: 1450, device: 'cilium_vxlan', route: /lxc[0-9a-f]{12}, where Cilium's eBPF programs/ },
  { name: 'Cilium Geneve', cni: 'cilium', opts: { ciliumRouting: 'geneve' }, outer: { src: '10.0.1.10', dst: '10.0.2.10', protocol: 'UDP', dport: 6081 }, overhead: 50, mtu: 1450, device: 'cilium_geneve', route: /eBPF/ },
  { name: 'Weave fastdp', cni: 'weave', outer: { src: '10.0.1.10', dst: '10.0.2.10', protocol: 'UDP', dport: 6784 }, overhead: 50, mtu: 1376, device: 'vxlan-6784', route: /bridge weave/ },
  { name: 'Weave fastdp encrypted', cni: 'weave', opts: { weaveEncryption: true }, outer: { src: '10.0.1.10', dst: '10.0.2.10', protocol: 'UDP', dport: 6784 }, overhead: 84, mtu: 1376, device: 'vxlan-6784', route: /vethwepl/ },
];

for (const c of ACROSS) {
  test(`trace: pod → pod across nodes, ${c.name}`, () => {
    const r = trace(clusterWith(c.cni), { from: 'shop/client', to: '10.244.2.2:8080', cni: c.opts });
    assert.equal(r.verdict, 'delivered');
    assert.deepEqual(steps(r), ['route', 'policy-egress', 'encap', 'policy-ingress', 'deliver', 'reply']);
    assert.match(r.hops[0].text, c.route);
    const e = r.hops[2].detail;
    assert.deepEqual([e.from, e.to, e.overhead, e.mtu, e.device, e.inner], ['node-1', 'node-2', c.overhead, c.mtu, c.device, { src: '10.244.1.2', dst: '10.244.2.2' }]);
    assert.deepEqual(e.outer, c.outer);
  });
}

test('trace: pod → ClusterIP by name: DNS, DNAT with the seeded pick, reply un-DNAT', () => {
  const r = trace(calico, { from: 'shop/client', to: 'http://web/', seed: 7 });
  assert.equal(r.verdict, 'delivered');
  assert.deepEqual(steps(r), ['dns', 'route', 'dnat', 'policy-egress', 'route', 'policy-ingress', 'deliver', 'reply']);
  assert.deepEqual(r.hops[0].detail, { name: 'web', rcode: 'NOERROR', tried: ['web.shop.svc.cluster.local.'], answer: '10.96.50.1' });
  const d = r.hops[2].detail as Record<string, any>;
  assert.deepEqual(d.candidates, [{ pod: 'shop/web-1', ip: '10.244.1.3', port: 8080, probability: 0.5 }, { pod: 'shop/web-2', ip: '10.244.2.2', port: 8080, probability: 0.5 }]);
  assert.deepEqual([d.chosen.pod, d.chosen.probability, d.snat, d.vip], ['shop/web-1', 0.5, false, '10.96.50.1:80']);
  assert.equal(r.hops[7].text, "reply: conntrack reverses the NAT (un-DNAT: the reply's source 10.244.1.3:8080 becomes 10.96.50.1:80)");
});

test('trace: without --seed every candidate is listed and the first followed', () => {
  const r = trace(calico, { from: 'shop/client', to: '10.96.50.1:80' });
  assert.match(r.hops[1].text, /candidates: shop\/web-1 10\.244\.1\.3:8080 \(50%\), shop\/web-2 10\.244\.2\.2:8080 \(50%\); following the first/);
});

test('trace: external → NodePort, externalTrafficPolicy Cluster: SNAT on the entry node to the address of the tunnel it leaves by, then across nodes', () => {
  // MASQUERADE takes the output device's address: Calico's tunnel device holds the first address of node-3's block
  // (podnet verify saw 10.244.2.0 at the endpoint where the model had said the node IP).
  const r = trace(calico, { from: 'external', to: '10.0.3.10:30100', seed: 1 });
  assert.equal(r.verdict, 'delivered');
  assert.deepEqual(steps(r), ['route', 'dnat', 'snat', 'encap', 'policy-ingress', 'deliver', 'reply']);
  assert.deepEqual(r.hops[2].detail, { from: '203.0.113.10', to: '10.244.3.0', mark: '0x4000', chain: 'KUBE-POSTROUTING', hairpin: false });
  assert.deepEqual((r.hops[3].detail as Record<string, unknown>).inner, { src: '10.244.3.0', dst: '10.244.2.2' });
});

test('trace: external → NodePort, externalTrafficPolicy Local on a node without endpoint: dropped', () => {
  const r = trace(calico, { from: 'external', to: '10.0.3.10:30101' });
  assert.equal(r.verdict, 'dropped');
  assert.equal(r.dropAt, 'dnat');
  assert.equal(r.dropReason, 'externalTrafficPolicy is Local and node node-3 has no local endpoint for shop/web-local:http: kube-proxy DROPs NodePort 10.0.3.10:30101/TCP from outside the cluster');
});

test('trace: external → NodePort, externalTrafficPolicy Local with a local endpoint: client IP kept', () => {
  const r = trace(calico, { from: 'external:198.51.100.9', to: '10.0.2.10:30101' });
  assert.equal(r.verdict, 'delivered');
  assert.deepEqual(steps(r), ['route', 'dnat', 'route', 'policy-ingress', 'deliver', 'reply']);
  assert.match(r.hops[1].text, /the client source IP 198\.51\.100\.9 is preserved \(no SNAT\)/);
});

test('trace: pod → ExternalName: DNS CNAME, CNI masquerade, leaves the cluster', () => {
  const r = trace(clusterWith('flannel'), { from: 'shop/client', to: 'db:5432' });
  assert.equal(r.verdict, 'delivered');
  assert.deepEqual(steps(r), ['dns', 'route', 'snat', 'exit']);
  assert.equal(r.hops[0].detail.cname, 'db.example.com');
  assert.equal(r.hops[2].text, "the destination is outside the cluster: flannel's ipMasq rule SNATs 10.244.1.2 to the node IP 10.0.1.10");
});

test('trace: Service without endpoints is rejected at kube-proxy', () => {
  const r = trace(calico, { from: 'shop/client', to: 'nobody:80' });
  assert.deepEqual([r.verdict, r.dropAt], ['dropped', 'dnat']);
  assert.match(r.hops[2].text, /^REJECTED: Service shop\/nobody has no endpoints/);
});

test('trace: port not served', () => {
  const r = trace(calico, { from: 'shop/client', to: '10.244.2.2:9999' });
  assert.deepEqual([r.verdict, r.dropAt], ['dropped', 'deliver']);
  assert.equal(r.dropReason, 'port not served: no container of shop/web-2 declares 9999/TCP (it declares 8080/TCP); the connection is refused');
});

const denyEgress = (enforced: boolean): TraceComponents => ({
  policy: (_c, q) => ({
    allowed: !enforced, enforced,
    egress: q.srcPod === 'shop/client' ? { allowed: false, reason: 'shop/deny-all selects the pod and no egress rule allows it', policies: ['shop/deny-all'] } : { allowed: true, reason: 'not isolated', policies: [] },
    ingress: { allowed: true, reason: 'not isolated', policies: [] },
  }),
});

test('trace: egress NetworkPolicy drop is reported where it happens', () => {
  const r = trace(calico, { from: 'shop/client', to: 'http://web/', seed: 7, components: denyEgress(true) });
  assert.deepEqual([r.verdict, r.dropAt], ['dropped', 'policy-egress']);
  assert.equal(r.dropReason, 'egress NetworkPolicy denies 10.244.1.3:8080 for shop/client: shop/deny-all selects the pod and no egress rule allows it');
});

test('trace: a CNI that does not enforce policy lets it pass, and says so', () => {
  const r = trace(clusterWith('flannel'), { from: 'shop/client', to: 'http://web/', seed: 7, components: denyEgress(false) });
  assert.equal(r.verdict, 'delivered');
  assert.match(r.hops[3].text, /would be denied .* but Flannel \(vxlan backend\) does not enforce NetworkPolicy/);
});

test('trace: the ingress check sees the post-SNAT source', () => {
  const seen: string[] = [];
  const spy: TraceComponents = { policy: (_c, q) => { seen.push(`${q.srcPod ?? '-'} ${q.srcIP}`); return { allowed: true, enforced: true, egress: { allowed: true, reason: '', policies: [] }, ingress: { allowed: true, reason: '', policies: [] } }; } };
  trace(calico, { from: 'external', to: '10.0.3.10:30100', seed: 1, components: spy });
  assert.deepEqual(seen, ['- 10.244.3.0']);
});

test('trace: bad input is a clear error', () => {
  assert.throws(() => trace(calico, { from: 'shop/ghost', to: 'web:80' }), (e: Error) => e instanceof TraceInputError && e.message === 'pods "ghost" not found in namespace shop (pods there: client, web-1, web-2)');
  assert.throws(() => trace(calico, { from: 'shop/client', to: 'web' }), /--to must be a URL, HOST:PORT or IP:PORT/);
  assert.throws(() => trace(calico, { from: 'external', to: 'web:80' }), /does not use cluster DNS/);
});

test('trace: DF packets larger than the path MTU: at the pod eth0, and for outside clients at the encapsulation', () => {
  assert.equal(trace(clusterWith('flannel'), { from: 'shop/client', to: '10.244.2.2:8080', size: 1450 }).verdict, 'delivered');
  const pod = trace(clusterWith('flannel'), { from: 'shop/client', to: '10.244.1.3:8080', size: 1500 });
  assert.deepEqual([pod.verdict, pod.dropAt], ['dropped', 'route']);
  assert.equal(pod.dropReason, "a 1500-byte packet with DF set does not fit the pod's eth0 MTU of 1450 (Flannel (vxlan backend): underlay 1500 − 50): the sender gets EMSGSIZE / must lower its path MTU");
  const ext = trace(clusterWith('flannel'), { from: 'external', to: '10.0.3.10:30100', seed: 1, size: 1480 });
  assert.deepEqual([ext.verdict, ext.dropAt], ['dropped', 'encap']);
  assert.equal(ext.dropReason, 'a 1480-byte packet with DF set needs 1530 bytes once encapsulated (+50), more than the 1500-byte underlay MTU: dropped with ICMP "fragmentation needed" (pod MTU 1450)');
});

test('trace: Cilium with kube-proxy replacement translates the Service in eBPF', () => {
  const r = trace(clusterWith('cilium'), { from: 'shop/client', to: '10.96.50.1:80', seed: 7, cni: { ciliumKubeProxyReplacement: true } });
  assert.equal(r.verdict, 'delivered');
  assert.equal((r.hops[1].detail as Record<string, unknown>).dataplane, 'cilium-ebpf');
  assert.match(r.hops[1].text, /^Cilium eBPF service load balancer \(kube-proxy replacement, socket-LB at connect\(\)\): DNAT 10\.96\.50\.1:80 → picked shop\/web-1/);
});

test('trace: UDP to kube-dns reaches a CoreDNS pod on port 53', () => {
  const r = trace(calico, { from: 'shop/client', to: '10.96.0.10:53', protocol: 'UDP', seed: 1 });
  assert.equal(r.verdict, 'delivered');
  const d = r.hops.find((h) => h.step === 'deliver')!.detail;
  assert.deepEqual([String(d.pod).startsWith('kube-system/coredns-'), d.port, d.protocol], [true, 53, 'UDP']);
});

test('trace: pod → another node\'s NodePort: the CNI masquerades to the node IP, so ETP Local applies in full', () => {
  const drop = trace(calico, { from: 'shop/client', to: '10.0.3.10:30101' });
  assert.deepEqual(drop.hops.map((h) => h.step), ['route', 'snat', 'dnat']);
  assert.equal(drop.hops[1].text, "10.0.3.10 is another node's address, outside the pod network: Calico natOutgoing SNATs 10.244.1.2 to 10.0.1.10, so node node-3 sees a node, not a pod");
  assert.equal(drop.dropReason, 'externalTrafficPolicy is Local and node node-3 has no local endpoint for shop/web-local:http: kube-proxy DROPs NodePort 10.0.3.10:30101/TCP from outside the cluster');
  const ok = trace(calico, { from: 'shop/client', to: '10.0.2.10:30101', components: { policy: (_c, q) => ({ allowed: true, enforced: true, egress: { allowed: true, reason: `egress to ${q.dstIP}:${q.port}`, policies: [] }, ingress: { allowed: true, reason: `ingress from ${q.srcIP}`, policies: [] } }) } });
  assert.equal(ok.verdict, 'delivered');
  assert.deepEqual(ok.hops.map((h) => h.step), ['route', 'snat', 'dnat', 'policy-egress', 'route', 'policy-ingress', 'deliver', 'reply']);
  assert.equal(ok.hops[3].detail.reason, 'egress to 10.0.2.10:30101');
  assert.equal(ok.hops[5].detail.reason, 'ingress from 10.0.1.10');
});

test('trace: a ClusterNetworkPolicy drop names the kind that decided, through the real policy engine', () => {
  const cnp = `---\napiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: no-client}\nspec:\n  tier: Admin\n  priority: 3\n  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: shop}}}\n  egress:\n  - {name: deny-8080, action: Deny, to: [{namespaces: {}}], protocols: [{tcp: {destinationPort: {number: 8080}}}]}\n`;
  const cluster = Cluster.load({ text: text.replace(/cni: \w+/, 'cni: calico') + cnp });
  const r = trace(cluster, { from: 'shop/client', to: '10.244.1.3:8080', components: { policy: evaluateWithPolicyEngine } });
  assert.deepEqual([r.verdict, r.dropAt], ['dropped', 'policy-egress']);
  assert.equal(r.dropReason, 'egress ClusterNetworkPolicy denies 10.244.1.3:8080 for shop/client: egress from shop/client is denied by rule "deny-8080" of ClusterNetworkPolicy no-client (Admin tier, priority 3), before any NetworkPolicy');
});

test('trace: a pod\'s own loopback never crosses policy or kube-proxy: its own container ports answer, others refuse', () => {
  const denyAll: TraceComponents = { policy: () => ({ allowed: false, enforced: true, egress: { allowed: false, reason: 'deny-all', policies: ['shop/deny-all'] }, ingress: { allowed: false, reason: 'deny-all', policies: ['shop/deny-all'] } }) };
  const ok = trace(calico, { from: 'shop/web-1', to: 'http://127.0.0.1:8080/', components: denyAll });
  assert.equal(ok.verdict, 'delivered');
  assert.deepEqual(ok.hops.map((h) => h.text), [
    "127.0.0.1 is shop/web-1's own loopback (lo in the pod's network namespace, shared by its containers): the packet never leaves the pod, so no kube-proxy rule, NetworkPolicy or CNI sees it",
    'delivered on loopback to shop/web-1 127.0.0.1:8080/TCP (container web)',
  ]);
  assert.deepEqual(ok.hops[1].detail, { pod: 'shop/web-1', ip: '10.244.1.3', port: 8080, protocol: 'TCP', loopback: true, container: 'web' });
  const refused = trace(calico, { from: 'shop/web-1', to: '[::1]:7070', components: denyAll });
  assert.deepEqual([refused.verdict, refused.dropAt], ['dropped', 'deliver']);
  assert.equal(refused.dropReason, 'nothing listens on ::1:7070/TCP in shop/web-1: podnet takes a pod\'s loopback to serve only its containers\' declared ports (8080/TCP); the kernel refuses the connection');
  assert.equal(refused.hops.at(-1)!.text.startsWith('REJECTED: '), true);
  const named = trace(calico, { from: 'shop/web-2', to: 'localhost:8080', components: { dns: () => ({ rcode: 'NOERROR', tried: [], ip: '127.0.0.1', text: "the pod's /etc/hosts" }) } });
  assert.deepEqual(named.hops.map((h) => h.step), ['dns', 'route', 'deliver']);
  assert.equal(trace(calico, { from: 'shop/web-1', to: '127.8.9.10:8080' }).verdict, 'delivered');
});

test('trace: a pod reaching itself through its Service under default-deny ingress: MASQUERADE comes after the filter hooks, so policy sees the pod itself (allowed) while the pod sees the bridge address (found by podnet verify on weave)', () => {
  const c = Cluster.load({ text: `apiVersion: podnet.dev/v1alpha1
kind: ClusterConfig
metadata: {name: t}
spec: {cni: weave, nodes: [{name: node-1, internalIP: 10.0.1.10, podCIDR: 10.244.1.0/24}]}
---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x, labels: {app: a}}
spec: {nodeName: node-1, containers: [{name: c, image: agnhost, ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: a, namespace: x}
spec: {clusterIP: 10.96.7.7, selector: {app: a}, ports: [{port: 80}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: x}
spec: {podSelector: {}, policyTypes: [Ingress]}
` });
  const r = trace(c, { from: 'x/a', to: '10.96.7.7:80', components: { policy: evaluateWithPolicyEngine } });
  assert.equal(r.verdict, 'delivered');
  assert.deepEqual(r.hops.find((h) => h.step === 'snat')!.detail, { from: '10.244.1.2', to: '10.244.1.1', mark: '0x4000', chain: 'KUBE-POSTROUTING', hairpin: true });
  assert.equal(r.hops.find((h) => h.step === 'policy-ingress')!.text.startsWith('ingress from 10.244.1.2 allowed for x/a'), true);
});
