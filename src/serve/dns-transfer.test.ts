// Zone transfers from the real server, asked by real `dig` (Debian dnsutils): AXFR over TCP with SOA first and last,
// IXFR with the current serial (the SOA alone), a client the transfer plugin does not list refused, AXFR over UDP
// refused, and a zone too big for one message sent as several.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import dnsPacket from 'dns-packet';
import { Cluster } from '../cluster/cluster.js';
import { compileDns } from '../dns/index.js';
import { DnsServer } from './dns-server.js';

const skip = spawnSync('dig', ['-v']).status !== 0 ? 'dig is not installed' : false;
const services = Array.from({ length: 700 }, (_, i) => `apiVersion: v1
kind: Service
metadata: {name: svc-${String(i).padStart(3, '0')}-with-a-rather-long-name, namespace: shop}
spec: {clusterIP: 10.96.${10 + Math.floor(i / 200)}.${(i % 200) + 1}, ports: [{name: http, port: 80}]}
`).join('---\n');
const cluster = Cluster.load({ text: `apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\n${services}` });
const corefile = (to: string) => `.:53 {\n    kubernetes cluster.local\n    transfer {\n        to ${to}\n    }\n}\n`;
let open: DnsServer;
let closed: DnsServer;

before(async () => {
  open = new DnsServer(compileDns(cluster, { serial: 2024, corefile: corefile('*') }), { port: 0 });
  closed = new DnsServer(compileDns(cluster, { serial: 2024, corefile: corefile('192.0.2.7') }), { port: 0 });
  await open.start();
  await closed.start();
});
after(async () => { await open.stop(); await closed.stop(); });

const run = promisify(execFile);
const dig = async (server: DnsServer, ...args: string[]) => (await run('dig', ['@127.0.0.1', '-p', String(server.port), '+time=3', '+tries=1', ...args], { encoding: 'utf8', maxBuffer: 16 << 20 })).stdout;
const SOA = 'cluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 2024 7200 1800 86400 5';

test('dig AXFR: the whole cluster zone, SOA first and last, in several messages', { skip }, async () => {
  const out = await dig(open, 'cluster.local', 'AXFR', '+nocmd', '+nocomments', '+nostats');
  const lines = out.split('\n').filter((l) => l && !l.startsWith(';')).map((l) => l.split(/\s+/).join(' '));
  assert.equal(lines[0], SOA);
  assert.equal(lines[lines.length - 1], SOA);
  assert.ok(lines.includes('svc-000-with-a-rather-long-name.shop.svc.cluster.local. 5 IN A 10.96.10.1'));
  assert.ok(lines.includes('_http._tcp.svc-699-with-a-rather-long-name.shop.svc.cluster.local. 5 IN SRV 0 100 80 svc-699-with-a-rather-long-name.shop.svc.cluster.local.'));
  // 700 Services x (A + SRV + _http._tcp SRV), kubernetes (A + 2 SRV), kube-dns (A + 3 ports x 2 SRV), NS, glue, 2 SOA.
  assert.equal(lines.length, 2114);
  const stats = await dig(open, 'cluster.local', 'AXFR');
  const messages = Number(/XFR size: \d+ records \(messages (\d+),/.exec(stats)?.[1]);
  assert.ok(messages >= 3, `${messages} messages`);
});

test('dig IXFR with the current serial gets the SOA alone; an older serial gets the full zone', { skip }, async () => {
  assert.equal((await dig(open, 'cluster.local', 'IXFR=2024', '+noall', '+answer')).trim().split(/\s+/).join(' '), SOA);
  const full = (await dig(open, 'cluster.local', 'IXFR=2000', '+noall', '+answer')).trim().split('\n');
  assert.equal(full.length, 2114);
});

test('a client the transfer plugin does not list, and AXFR over UDP, are refused', { skip }, async () => {
  assert.match(await dig(closed, 'cluster.local', 'AXFR'), /; Transfer failed\./);
  const q = dnsPacket.encode({ type: 'query', id: 7, questions: [{ name: 'cluster.local', type: 'AXFR', class: 'IN' }] });
  const udp = dnsPacket.decode((await open.handle(q, 'udp', '127.0.0.1'))!);
  assert.equal((udp as { rcode?: string }).rcode, 'REFUSED');
  assert.equal(udp.answers?.length, 0);
});
