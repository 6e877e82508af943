// A Service with 20,000 ports (the most its EndpointSlice may carry: pkg/apis/discovery/validation maxPorts) and one
// with 65,535 (valid as a Service, which has no port limit, but its slice is refused): every renderer and command
// handles both without a stack overflow, in bounded time and memory, with the lines kube-proxy would write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSnapshot, ManifestSet, type Snapshot } from '../serve/lab/snapshot.js';
import { renderIptables, renderIpvs, renderNftables, servicesModel } from './index.js';
import { endpointsFor } from './query.js';
import { allDiagnostics } from '../cli/validate.js';
import { formatDiagnostic } from '../api/diagnostics.js';
import { tableData } from '../cli/printers/table.js';
import { describeService } from '../cli/printers/describe-core.js';
import { runCli } from '../cli/testing.js';

function bigService(ports: number): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), `podnet-ports-${ports}-`));
  const file = join(dir, 'big.json');
  const docs = [
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'big', namespace: 'default' }, spec: { replicas: 1, selector: { matchLabels: { app: 'big' } }, template: { metadata: { labels: { app: 'big' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'big', namespace: 'default' }, spec: { selector: { app: 'big' }, ports: Array.from({ length: ports }, (_, i) => ({ name: `p${i + 1}`, port: i + 1, protocol: 'TCP' })) } },
  ];
  writeFileSync(file, docs.map((d) => JSON.stringify(d)).join('\n---\n'));
  return { dir, file };
}

/** Builds the lab's snapshot of the Service (the lab's own path: ManifestSet, then the engine), with its cost. */
function snapshotOf(ports: number): { snap: Snapshot; file: string; ms: number; rssMB: number } {
  const { dir, file } = bigService(ports);
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const snap = buildSnapshot(new ManifestSet([dir]), 1);
  return { snap, file, ms: performance.now() - t0, rssMB: (process.memoryUsage().rss - rss0) / 1e6 };
}

const lines = (text: string) => text.split('\n');

test('20,000 ports: one EndpointSlice with all of them; iptables, ipvs and nftables rules; endpoints, get, describe, validate', () => {
  const { snap, ms, rssMB } = snapshotOf(20_000);
  assert.ok(ms < 60_000 && rssMB < 1000, `snapshot: ${ms.toFixed(0)} ms, +${rssMB.toFixed(0)} MB`);
  const c = snap.cluster;
  assert.deepEqual(c.slicesOfService('default', 'big').map((s) => [(s as { ports: unknown[] }).ports.length, (s as { endpoints: unknown[] }).endpoints.length]), [[20_000, 1]]);
  const model = servicesModel(c);
  const node = model.nodes[0];

  const ipt = lines(renderIptables(model, node));
  assert.equal(ipt.length, 140_067);
  assert.ok(ipt.includes('-A KUBE-SERVICES -m comment --comment "default/big:p20000 cluster IP" -m tcp -p tcp -d 10.109.180.0 --dport 20000 -j KUBE-SVC-YO2IDMZDZRC6FUX5'));
  assert.ok(ipt.includes('-A KUBE-SVC-YO2IDMZDZRC6FUX5 -m comment --comment "default/big:p20000 cluster IP" -m tcp -p tcp -d 10.109.180.0 --dport 20000 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ'));
  const ipvs = lines(renderIpvs(model, node));
  assert.equal(ipvs.length, 40_018);
  const at = ipvs.indexOf('TCP  10.109.180.0:20000 rr');
  assert.equal(ipvs[at + 1], '  -> 10.244.1.2:20000             Masq    1      0          0');
  const nft = lines(renderNftables(model, node));
  assert.equal(nft.length, 200_104);
  assert.ok(nft.includes('add rule ip kube-proxy endpoint-6PXQ5BK7-default/big/tcp/p20000__10.244.1.2/20000 meta l4proto tcp dnat to 10.244.1.2:20000'));
  assert.ok(nft.includes('add element ip kube-proxy service-ips { 10.109.180.0 . tcp . 20000 : goto service-XXZYEZR6-default/big/tcp/p20000 }'));

  const ep = endpointsFor(c, { service: 'default/big', port: 20000, node: 'node-1' });
  assert.deepEqual(ep.endpoints.map((e) => `${e.ip}:${e.port}`), ['10.244.1.2:20000']);
  assert.throws(() => endpointsFor(c, { service: 'default/big', node: 'node-1' }), { message: 'Service default/big has 20000 ports (p1 1/TCP, p2 2/TCP, p3 3/TCP, p4 4/TCP, p5 5/TCP, p6 6/TCP, p7 7/TCP, p8 8/TCP, p9 9/TCP, p10 10/TCP and 19990 more): choose one with --port' });

  const svc = c.get('Service', 'default', 'big') as never;
  const row = tableData('Service', [svc], { wide: false, now: new Date() }).rows[0];
  assert.deepEqual(row.slice(0, 4), ['big', 'ClusterIP', '10.109.180.0', '<none>']);
  assert.ok(row[4].startsWith('1/TCP,2/TCP,3/TCP,') && row[4].endsWith(',19999/TCP,20000/TCP'));
  const described = lines(describeService(svc, { now: new Date(), list: (kind, ns) => c.list(kind, ns) }));
  assert.equal(described.filter((l) => l.startsWith('Port:')).length, 20_000);
  assert.deepEqual(allDiagnostics(c), []);
});

test('65,535 ports: a valid Service whose EndpointSlice the API refuses (at most 20000 ports): REJECT rules, one warning each', () => {
  const { snap, file, ms, rssMB } = snapshotOf(65_535);
  assert.ok(ms < 60_000 && rssMB < 1000, `snapshot: ${ms.toFixed(0)} ms, +${rssMB.toFixed(0)} MB`);
  const c = snap.cluster;
  assert.deepEqual(c.slicesOfService('default', 'big'), []);
  assert.deepEqual(allDiagnostics(c).map(formatDiagnostic), [
    `${file}:3: Warning: Error updating Endpoint Slices for Service default/big: failed to create EndpointSlice for Service default/big: EndpointSlice.discovery.k8s.io "big-pxm5c" is invalid: ports: Too many: 65535: must have at most 20000 items; the Service has no endpoints`,
    `${file}:3: Warning: Service default/big has no ready or serving endpoint on 65535 ports (p1, p10, p100, p1000, p10000, p10001, p10002, p10003, p10004, p10005 and 65525 more) (its EndpointSlice was refused): kube-proxy REJECTs connections to them ("connection refused")`,
  ]);
  const model = servicesModel(c);
  const node = model.nodes[0];
  const ipt = lines(renderIptables(model, node));
  assert.equal(ipt.length, 65_602);
  assert.ok(ipt.includes('-A KUBE-SERVICES -m comment --comment "default/big:p65535 has no endpoints" -m tcp -p tcp -d 10.109.180.0 --dport 65535 -j REJECT'));
  const ipvs = lines(renderIpvs(model, node));
  assert.equal(ipvs.length, 65_553);
  // No real server under the virtual server: ipvsadm lists the next one (in its string order) right after it.
  assert.equal(ipvs[ipvs.indexOf('TCP  10.109.180.0:65535 rr') + 1], 'TCP  10.109.180.0:6554 rr');
  assert.ok(!ipvs.some((l) => l.startsWith('  -> 10.244.1.2:')), 'the pod of big is nobody\'s real server');
  const nft = lines(renderNftables(model, node));
  assert.equal(nft.length, 262_244);
  assert.ok(nft.includes('add element ip kube-proxy no-endpoint-services { 10.109.180.0 . tcp . 65535 comment "default/big:p65535" : goto reject-chain }'));
  assert.deepEqual(endpointsFor(c, { service: 'default/big', port: 65535, node: 'node-1' }).endpoints, []);
  const svc = c.get('Service', 'default', 'big') as never;
  assert.ok(tableData('Service', [svc], { wide: false, now: new Date() }).rows[0][4].endsWith(',65535/TCP'));
  assert.equal(lines(describeService(svc, { now: new Date(), list: (kind, ns) => c.list(kind, ns) })).filter((l) => l.startsWith('Port:')).length, 65_535);
});

test('podnet proxy-rules (iptables, the mode that overflowed the stack) at 20,000 ports through the CLI', async () => {
  const { file } = bigService(20_000);
  const r = await runCli('proxy-rules', '-f', file, '--node', 'node-1', '--mode', 'iptables');
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, '');
  assert.equal(r.out.split('\n').length, 140_067);
});
