// End-to-end tests of `podnet endpoints`, `proxy-rules` and `trace` through main(): JSON contracts, formats, errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Cluster } from '../cluster/cluster.js';
import { runCli } from './testing.js';

const SHOP = fileURLToPath(new URL('../../../examples/shop', import.meta.url));
const TRACES = fileURLToPath(new URL('../../../src/trace/testdata/traces.yaml', import.meta.url));

const run = runCli;

test('cli endpoints -o json: the contract fields', async () => {
  const r = await run('endpoints', '-f', TRACES, '--service', 'shop/web', '--from', 'shop/client', '-o', 'json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.deepEqual({ service: j.service, port: j.port, vip: j.vip, endpoints: j.endpoints.map((e: Record<string, unknown>) => ({ pod: e.pod, ip: e.ip, port: e.port, probability: e.probability })), snat: j.snat },
    { service: 'shop/web', port: 80, vip: '10.96.50.1', endpoints: [{ pod: 'shop/web-1', ip: '10.244.1.3', port: 8080, probability: 0.5 }, { pod: 'shop/web-2', ip: '10.244.2.2', port: 8080, probability: 0.5 }], snat: false });
  assert.equal(typeof j.reason, 'string');
});

test('cli endpoints: external through a node without local endpoint is dropped, with the reason', async () => {
  const r = await run('endpoints', '-f', TRACES, '--service', 'shop/web-local', '--external', '--node', 'node-3', '-o', 'json');
  const j = JSON.parse(r.out);
  assert.deepEqual([j.endpoints, j.vip, j.verdict], [[], '10.0.3.10', 'drop']);
  assert.match(j.reason, /externalTrafficPolicy is Local and node node-3 has no local endpoint/);
});

test('cli endpoints: text table', async () => {
  const r = await run('endpoints', '-f', TRACES, '--service', 'shop/web', '--node', 'node-1');
  assert.equal(r.out, [
    'Service shop/web port 80/TCP (http) via 10.96.50.1:80, seen from node node-1 (10.0.1.10)',
    'ENDPOINT          POD          NODE     PROBABILITY',
    '10.244.1.3:8080   shop/web-1   node-1   50.0%',
    '10.244.2.2:8080   shop/web-2   node-2   50.0%',
    'SNAT: yes, to the node IP (the endpoint sees the node, not the client)',
    'Why: ClusterIP 10.96.50.1:80/TCP: all ready endpoints in the cluster; the source 10.0.1.10 is outside the cluster CIDR, so it is masqueraded to the node IP',
    '',
  ].join('\n'));
});

test('cli endpoints: errors exit 1 with a message', async () => {
  const r = await run('endpoints', '-f', TRACES, '--service', 'shop/nope');
  assert.deepEqual([r.code, r.err.trim()], [1, 'error: services "nope" not found in namespace shop (services there: db, nobody, web, web-local, web-np)']);
  const r2 = await run('endpoints', '-f', TRACES);
  assert.deepEqual([r2.code, r2.err], [1, 'error: --service NS/SVC is required\n']);
});

test('cli proxy-rules: iptables, ipvs and nftables for one Service', async () => {
  const ipt = await run('proxy-rules', '-f', TRACES, '--node', 'node-2', '--service', 'shop/web-local');
  assert.equal(ipt.code, 0, ipt.err);
  assert.match(ipt.out, /^-A KUBE-NODEPORTS -m comment --comment shop\/web-local:http -m tcp -p tcp --dport 30101 -j KUBE-EXT-HDZWCINOTGBA7EM2$/m);
  assert.match(ipt.out, /^-A KUBE-SVL-HDZWCINOTGBA7EM2 -m comment --comment "shop\/web-local:http -> 10\.244\.2\.2:8080" -j KUBE-SEP-[A-Z2-7]{16}$/m);
  const ipvs = await run('proxy-rules', '-f', TRACES, '--node', 'node-2', '--service', 'shop/web-local', '--mode', 'ipvs');
  assert.ok(ipvs.out.includes('TCP  10.0.2.10:30101 rr\n  -> 10.244.2.2:8080              Masq    1      0          0\n'), ipvs.out);
  const nft = await run('proxy-rules', '-f', TRACES, '--node', 'node-2', '--service', 'shop/web-local', '--mode', 'nftables');
  assert.match(nft.out, /^add element ip kube-proxy service-nodeports \{ tcp \. 30101 : goto external-[A-Z2-7]{8}-shop\/web-local\/tcp\/http \}$/m);
  const bad = await run('proxy-rules', '-f', TRACES, '--mode', 'userspace');
  assert.deepEqual([bad.code, bad.err], [1, 'error: --mode must be iptables, ipvs or nftables (got "userspace")\n']);
});

test('cli trace -o json on examples/shop: delivered, hop steps in order', async () => {
  const fe = Cluster.load([SHOP]).pods('production').map((p) => p.metadata.name).sort().find((n) => n.startsWith('frontend'));
  assert.ok(fe);
  const r = await run('trace', '-f', SHOP, '--from', `production/${fe}`, '--to', 'http://backend:8080/api', '--seed', '1', '-o', 'json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.verdict, 'delivered');
  assert.deepEqual(j.hops.map((h: { step: string }) => h.step).slice(0, 4), ['dns', 'route', 'dnat', 'policy-egress']);
});

test('cli trace: a drop exits 2 and says where', async () => {
  const r = await run('trace', '-f', TRACES, '--from', 'external', '--to', '10.0.3.10:30101');
  assert.equal(r.code, 2);
  assert.match(r.out, /Result: DROPPED at dnat: externalTrafficPolicy is Local/);
  const bad = await run('trace', '-f', TRACES, '--from', 'shop/client', '--to', 'web');
  assert.deepEqual([bad.code, bad.err], [1, 'error: --to must be a URL, HOST:PORT or IP:PORT (got "web")\n']);
});
