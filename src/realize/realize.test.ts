// examples/shop realised once in the kernel and asked many questions: real DNS through the kube-dns DNAT, kube-proxy's
// endpoint picks, routes and MTU as Calico installs them (VXLAN standing in for IP-in-IP on a kernel without ipip),
// NodePort and LoadBalancer traffic from outside with externalTrafficPolicy Local, NetworkPolicy in nftables, and the
// host left as it was.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Cluster } from '../cluster/cluster.js';
import { compileDns, formatResolvConf, type DnsModel } from '../dns/index.js';
import { renderIptables, servicesModel } from '../services/index.js';
import { probeConnection } from './probe.js';
import { KernelLab } from './realize.js';
import { namespacesWithPrefix } from './netns.js';
import { run } from './run.js';
import { ETC_NETNS, stateFile, STATE_DIR } from './state.js';
import { kernelDescribe } from './testing.js';

const shopDir = fileURLToPath(new URL('../../../examples/shop', import.meta.url));

kernelDescribe('kernel lab: examples/shop (Calico, kube-proxy iptables)', () => {
  let lab: KernelLab;
  let cluster: Cluster;
  let dns: DnsModel;
  const hostBefore = { forward: '', links: '' };
  const p = (name: string) => lab.network.pods.find((x) => x.key.startsWith(name))!;
  const inNs = async (netns: string, argv: string[]) => (await lab.exec(netns, argv, { timeoutMs: 10_000 })).stdout;

  before(async () => {
    hostBefore.forward = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8');
    hostBefore.links = (await run('ip', ['-o', 'link', 'show'])).stdout;
    cluster = Cluster.load([shopDir]);
    dns = compileDns(cluster);
    lab = await KernelLab.start({ cluster, dns });
  });

  after(async () => {
    const prefix = lab?.prefix;
    await lab?.close();
    if (!prefix) return;
    assert.deepEqual(await namespacesWithPrefix(prefix), []);
    assert.deepEqual(existsSync(ETC_NETNS) ? readdirSync(ETC_NETNS).filter((d) => d.startsWith(prefix)) : [], []);
    assert.equal(existsSync(stateFile(prefix, STATE_DIR)), false);
    // The host's own namespace is as it was: no interface added, forwarding unchanged.
    assert.equal(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8'), hostBefore.forward);
    assert.equal((await run('ip', ['-o', 'link', 'show'])).stdout.replace(/\s+/g, ' ').split(/(?=\d+: )/).length, hostBefore.links.replace(/\s+/g, ' ').split(/(?=\d+: )/).length);
  });

  test('one namespace per node and pod, the fabric and the outside client, all with the lab prefix', () => {
    assert.match(lab.prefix, /^pn[0-9a-f]{4}-$/);
    assert.deepEqual(lab.namespaces().map((n) => n.slice(lab.prefix.length)).sort(), [
      'external', 'fabric', 'ingress-nginx-ingress-nginx-controller-c5c8cdbc5-c9dsj', 'kube-system-coredns-7cc76cb6c5-878kv', 'kube-system-coredns-7cc76cb6c5-wmtzp',
      'node-1', 'node-2', 'production-backend-6974c594d6-gdtrq', 'production-backend-6974c594d6-qw8cw', 'production-backend-6974c594d6-t82mf',
      'production-frontend-79c4fb5544-fmhnl', 'production-frontend-79c4fb5544-p7t8q',
    ]);
  });

  test('node routes as Calico installs them: pod /32s on cali veths, a blackhole for the own block, the peer block via the tunnel', async () => {
    const tunnel = lab.support.ipip ? 'tunl0' : 'vxlan.calico';
    const routes = (await inNs(lab.namespaceOf('node-1')!, ['ip', 'route'])).split('\n').map((l) => l.trim()).filter(Boolean);
    assert.deepEqual(routes, [
      'default via 10.0.1.1 dev eth0',
      '10.0.1.0/24 dev eth0 proto kernel scope link src 10.0.1.10',
      'blackhole 10.244.1.0/24 proto bird',
      '10.244.1.2 dev cali34df78b5614 scope link',
      '10.244.1.3 dev cali4cf891f6838 scope link',
      '10.244.1.4 dev cali753bda7b457 scope link',
      '10.244.1.5 dev cali23832fcd910 scope link',
      lab.support.ipip ? '10.244.2.0/24 via 10.0.2.10 dev tunl0 proto bird onlink' : '10.244.2.0/24 via 10.244.2.0 dev vxlan.calico proto 80 onlink',
    ]);
    if (!lab.support.ipip) assert.deepEqual(lab.cni.substitutions.map((s) => s.reason), ['this kernel has no ipip link type']);
    assert.equal((await inNs(lab.namespaceOf('node-1')!, ['cat', `/sys/class/net/${tunnel}/mtu`])).trim(), String(lab.cni.profile.podMTU));
    assert.equal((await inNs(lab.namespaceOf('node-1')!, ['cat', '/proc/sys/net/ipv4/conf/cali23832fcd910/proxy_arp'])).trim(), '1');
  });

  test('a pod: its IP as a /32, the default route via 169.254.1.1, the model\'s MTU, and kubelet\'s resolv.conf', async () => {
    const fe = p('production/frontend-79c4fb5544-fmhnl');
    assert.deepEqual((await inNs(fe.netns, ['ip', 'route'])).split('\n').map((l) => l.trim()).filter(Boolean), ['default via 169.254.1.1 dev eth0', '169.254.1.1 dev eth0 scope link']);
    assert.match(await inNs(fe.netns, ['ip', '-o', '-4', 'addr', 'show', 'dev', 'eth0']), /inet 10\.244\.1\.5\/32 /);
    assert.equal((await inNs(fe.netns, ['cat', '/sys/class/net/eth0/mtu'])).trim(), String(lab.cni.profile.podMTU));
    assert.equal(await inNs(fe.netns, ['cat', '/etc/resolv.conf']), formatResolvConf(dns.resolvConf(fe.key)));
  });

  test('frontend → backend.production:8080 through real DNS and DNAT reaches every backend pod', async () => {
    const fe = p('production/frontend-79c4fb5544-fmhnl');
    const backends = lab.network.pods.filter((x) => x.key.startsWith('production/backend')).map((x) => x.key.split('/')[1]).sort();
    const seen = new Set<string>();
    for (let i = 0; i < 15; i++) {
      const r = await lab.exec(fe.netns, ['curl', '-s', '-m', '3', 'http://backend.production:8080/hostname'], { timeoutMs: 8000 });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(backends.includes(r.stdout), r.stdout);
      seen.add(r.stdout);
    }
    assert.ok(seen.size >= 2, `only ${[...seen]} answered 15 connections`);
  });

  test('dig inside a pod asks the CoreDNS pods through the kube-dns ClusterIP and gets the model\'s answer', async () => {
    const fe = p('production/frontend-79c4fb5544-fmhnl');
    const want = dns.resolve('backend.production.svc.cluster.local').answers.map((a) => a.data);
    assert.deepEqual(want, ['10.108.90.214']);
    assert.deepEqual((await inNs(fe.netns, ['dig', '+short', '+time=2', '+tries=2', 'backend.production.svc.cluster.local'])).trim().split('\n'), want);
    assert.equal((await inNs(fe.netns, ['dig', '+short', '+time=2', '+tries=2', '@10.244.2.2', 'kube-dns.kube-system.svc.cluster.local'])).trim(), '10.96.0.10');
  });

  test('pod to pod across nodes: the agent answers with its name and sees the client pod\'s own address (no SNAT)', async () => {
    const be = p('production/backend-6974c594d6-gdtrq');
    const r = await probeConnection(lab, 'production/frontend-79c4fb5544-fmhnl', { host: be.ip, port: 8080 });
    assert.equal(r.outcome, 'allowed', r.detail);
    assert.equal(r.hostname, 'backend-6974c594d6-gdtrq');
    assert.match(r.clientIP!, /^10\.244\.1\.5:\d+$/);
    // Its own node may always reach a pod (policy exempts it); nothing listens on port 9: the kernel answers RST.
    assert.equal((await probeConnection(lab, 'node-2', { host: be.ip, port: 9 })).outcome, 'refused');
  });

  test('from outside: NodePort and LoadBalancer IP reach the controller pod (its edge proxy answers, edge.test.ts); the node without an endpoint drops (externalTrafficPolicy Local)', async () => {
    const svc = servicesModel(cluster).ports.find((sp) => sp.name === 'ingress-nginx-controller' && sp.port === 80)!;
    assert.equal(svc.externalPolicyLocal, true);
    const np = await probeConnection(lab, 'external', { host: '10.0.1.10', port: svc.nodePort! });
    assert.equal(np.outcome, 'allowed', np.detail);
    const lb = await probeConnection(lab, 'external', { host: '172.18.255.200', port: 80 });
    assert.equal(lb.outcome, 'allowed', lb.detail);
    assert.equal((await probeConnection(lab, 'external', { host: '10.0.2.10', port: svc.nodePort! }, { timeoutMs: 1500 })).outcome, 'timeout');
  });

  test('kube-proxy\'s rules in the node are exactly what proxy-rules prints, hooked in as kube-proxy hooks them', async () => {
    const node1 = cluster.nodes.find((n) => n.name === 'node-1')!;
    const rendered = renderIptables(servicesModel(cluster), node1);
    const saved = await inNs(lab.namespaceOf('node-1')!, ['iptables-save']);
    const kubeRules = (t: string) => t.split('\n').filter((l) => /^-A KUBE-/.test(l)).length;
    assert.equal(kubeRules(saved), kubeRules(rendered));
    assert.ok(saved.includes('-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES'));
    assert.ok(saved.includes('-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING'));
    assert.equal((await inNs(lab.namespaceOf('node-1')!, ['cat', '/proc/sys/net/ipv4/ip_forward'])).trim(), '1');
    assert.equal((await inNs(lab.namespaceOf('node-1')!, ['cat', '/proc/sys/net/ipv4/conf/all/route_localnet'])).trim(), '1');
  });

  test('NetworkPolicy enforced in the node: backend → frontend is dropped by deny-all, and the counter of the rule that dropped it moves', async () => {
    const r = await probeConnection(lab, 'production/backend-6974c594d6-qw8cw', { host: p('production/frontend-79c4fb5544-fmhnl').ip, port: 80 }, { timeoutMs: 1500 });
    assert.equal(r.outcome, 'timeout', r.detail);
    const table = await inNs(lab.namespaceOf('node-1')!, ['nft', 'list', 'table', 'inet', 'podnet-policy']);
    assert.match(table, /counter packets [1-9]\d* bytes \d+ drop comment "production\/\{allow-dns-egress, deny-all\} egress: isolated, no rule allows"/);
    assert.deepEqual(lab.notRealised, []);
  });
});
