// Zone transfers from the real server, asked by real `dig` (Debian dnsutils): AXFR over TCP with SOA first and last,
// IXFR with the current serial (the SOA alone), a client the transfer plugin does not list refused, AXFR over UDP
// refused, and a zone too big for one message sent as several.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import dnsPacket from 'dns-packet';
import net from 'node:net';
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

/** Sends DNS-over-TCP messages on one connection and collects every framed reply until `until` says stop. */
function tcpExchange(server: DnsServer, queries: Buffer[], until: (replies: Buffer[]) => boolean, pauseMs = 0): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(server.port, '127.0.0.1');
    const replies: Buffer[] = [];
    let pending = Buffer.alloc(0);
    sock.on('error', reject);
    sock.on('connect', () => {
      for (const q of queries) { const f = Buffer.alloc(q.length + 2); f.writeUInt16BE(q.length, 0); q.copy(f, 2); sock.write(f); }
      if (pauseMs) { sock.pause(); setTimeout(() => sock.resume(), pauseMs); }
    });
    sock.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        replies.push(pending.subarray(2, 2 + pending.readUInt16BE(0)));
        pending = pending.subarray(2 + pending.readUInt16BE(0));
      }
      if (until(replies)) { sock.destroy(); resolve(replies); }
    });
  });
}

test('a secondary that stops reading gets the whole zone once it reads again, then its next query\'s reply, in order', async () => {
  const big = Cluster.load({ text: `apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\n${Array.from({ length: 6000 }, (_, i) => `apiVersion: v1\nkind: Service\nmetadata: {name: s${i}, namespace: shop}\nspec: {clusterIP: 10.96.${10 + Math.floor(i / 250)}.${(i % 250) + 1}, ports: [{name: http, port: 80}]}\n`).join('---\n')}` });
  const server = new DnsServer(compileDns(big, { serial: 7, corefile: corefile('*') }), { port: 0 });
  await server.start();
  try {
    const axfr = (id: number) => dnsPacket.encode({ type: 'query', id, questions: [{ name: 'cluster.local', type: 'AXFR', class: 'IN' }] });
    const a = dnsPacket.encode({ type: 'query', id: 99, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name: 's5.shop.svc.cluster.local', type: 'A', class: 'IN' }] });
    // Several megabytes of zone against a paused reader: the server's writes must wait for 'drain' and resume.
    const replies = await tcpExchange(server, [axfr(1), a], (r) => r.length > 0 && r[r.length - 1].readUInt16BE(0) === 99, 300);
    const decoded = replies.map((r) => dnsPacket.decode(r));
    const transfer = decoded.slice(0, -1);
    assert.deepEqual([...new Set(transfer.map((m) => m.id))], [1]);
    const records = transfer.flatMap((m) => m.answers ?? []);
    // 6,000 Services x 3 records, kubernetes (3), kube-dns (7), NS, glue, two SOAs.
    assert.equal(records.length, 18014);
    assert.equal(records[0].type, 'SOA');
    assert.equal(records[records.length - 1].type, 'SOA');
    assert.deepEqual(decoded[decoded.length - 1].answers?.map((r) => [r.name, (r as { data?: unknown }).data]), [['s5.shop.svc.cluster.local', '10.96.10.6']]);
    // A second transfer is the same zone under its own ID (the encoded zone is kept per snapshot).
    const again = await tcpExchange(server, [axfr(2)], (r) => r.length === transfer.length);
    assert.deepEqual(again.map((m) => dnsPacket.decode(m).id), transfer.map(() => 2));
    assert.deepEqual(again.map((m) => m.subarray(2)), replies.slice(0, -1).map((m) => m.subarray(2)));
  } finally {
    await server.stop();
  }
});

test('a client that pipelines 100 queries on one connection gets 100 answers, in order (the server pauses reading it past 16 unwritten)', async () => {
  const qs = Array.from({ length: 100 }, (_, i) => dnsPacket.encode({ type: 'query', id: i + 1, questions: [{ name: `svc-${String(i % 700).padStart(3, '0')}-with-a-rather-long-name.shop.svc.cluster.local`, type: 'A', class: 'IN' }] }));
  const replies = await tcpExchange(open, qs, (r) => r.length === 100);
  assert.deepEqual(replies.map((r) => r.readUInt16BE(0)), Array.from({ length: 100 }, (_, i) => i + 1));
  assert.deepEqual((dnsPacket.decode(replies[99]).answers?.[0] as { data?: string }).data, '10.96.10.100');
});
