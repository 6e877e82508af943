// The DNS server over real sockets: real `dig` (Debian dnsutils) against it answers what the model answers; UDP and
// TCP, EDNS0, TC over 512 bytes, name compression, forwarding to a fake upstream on loopback, reload, FORMERR.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import { compileDns } from '../dns/index.js';
import { corefileConfigMap, fixtureCluster } from '../dns/testdata/fixture.js';
import { DnsServer } from './dns-server.js';

const hasDig = spawnSync('dig', ['-v']).status === 0;
const model = compileDns(fixtureCluster(), { serial: 42 });
let server: DnsServer;
let upstream: dgram.Socket;
let upstreamPort = 0;
const upstreamSeen: string[] = [];

before(async () => {
  // A fake upstream on loopback: answers every A query with 192.0.2.99 and records what it was asked.
  upstream = dgram.createSocket('udp4');
  upstream.on('message', (msg, rinfo) => {
    const q = dnsPacket.decode(msg);
    const question = q.questions![0];
    upstreamSeen.push(`${question.name} ${question.type}`);
    const answers = question.type === 'A' ? [{ type: 'A' as const, name: question.name, ttl: 60, data: '192.0.2.99' }] : [];
    upstream.send(dnsPacket.encode({ type: 'response', id: q.id, flags: dnsPacket.RECURSION_AVAILABLE, questions: q.questions, answers }), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => upstream.bind(0, '127.0.0.1', () => r()));
  upstreamPort = upstream.address().port;
  server = new DnsServer(model, { port: 0, upstream: `127.0.0.1:${upstreamPort}` });
  await server.start();
});

after(async () => {
  await server.stop();
  upstream.close();
});

const run = promisify(execFile);

/** Real dig, run asynchronously: the server lives in this process. */
async function dig(...args: string[]): Promise<string> {
  return (await run('dig', ['@127.0.0.1', '-p', String(server.port), '+time=2', '+tries=1', ...args], { encoding: 'utf8' })).stdout;
}

async function digAnswers(...args: string[]): Promise<string[]> {
  return (await dig('+noall', '+answer', ...args)).trim().split('\n').filter(Boolean).map((l) => l.split(/\s+/).join(' ')).sort();
}

const digCases: [string, string][] = [
  ['backend.production.svc.cluster.local', 'A'],
  ['nginx.production.svc.cluster.local', 'A'],
  ['_http._tcp.backend-headless.production.svc.cluster.local', 'SRV'],
  ['web-1.nginx.production.svc.cluster.local', 'A'],
  ['to-internal.production.svc.cluster.local', 'A'],
  ['external.production.svc.cluster.local', 'CNAME'],
  ['10.100.96.10.in-addr.arpa', 'PTR'],
  ['dns-version.cluster.local', 'TXT'],
  ['cluster.local', 'NS'],
  ['cluster.local', 'SOA'],
];

for (const [name, type] of digCases) {
  test(`dig ${name} ${type} answers what the model answers`, { skip: !hasDig && 'dig is not installed (apt-get install dnsutils)' }, async () => {
    const expected = model.resolve(name, type).answers.map((r) => `${r.name} ${r.ttl} IN ${r.type} ${r.data}`).sort();
    assert.ok(expected.length > 0);
    assert.deepEqual(await digAnswers(name, type), expected);
  });
}

test('dig: NXDOMAIN carries the zone SOA; NODATA is NOERROR with the SOA', { skip: !hasDig && 'dig is not installed' }, async () => {
  const nx = await dig('nope.production.svc.cluster.local', '+noall', '+comments', '+authority');
  assert.match(nx, /status: NXDOMAIN/);
  assert.match(nx, /cluster\.local\.\s+30\s+IN\s+SOA\s+ns\.dns\.cluster\.local\. hostmaster\.cluster\.local\. 42 7200 1800 86400 30/);
  const nodata = await dig('backend.production.svc.cluster.local', 'AAAA', '+noall', '+comments');
  assert.match(nodata, /status: NOERROR/);
  assert.match(nodata, /ANSWER: 0, AUTHORITY: 1/);
  // CoreDNS's kubernetes plugin answers without RA (SetReply leaves it unset), so dig warns.
  assert.match(nodata, /flags: qr aa rd; QUERY: 1, ANSWER: 0, AUTHORITY: 1, ADDITIONAL: 1\n;; WARNING: recursion requested but not available\n/);
});

test('dig over TCP', { skip: !hasDig && 'dig is not installed' }, async () => {
  assert.deepEqual(await digAnswers('+tcp', 'backend.production.svc.cluster.local'), ['backend.production.svc.cluster.local. 30 IN A 10.96.100.10']);
});

test('dig: outside names are forwarded to the (fake, loopback) upstream', { skip: !hasDig && 'dig is not installed' }, async () => {
  assert.deepEqual(await digAnswers('www.example.com'), ['www.example.com. 60 IN A 192.0.2.99']);
  assert.ok(upstreamSeen.includes('www.example.com A'));
});

test('ExternalName to an outside name: CNAME plus the upstream\'s records', { skip: !hasDig && 'dig is not installed' }, async () => {
  assert.deepEqual(await digAnswers('external.production.svc.cluster.local'), ['db.example.com. 60 IN A 192.0.2.99', 'external.production.svc.cluster.local. 30 IN CNAME db.example.com.'].sort());
});

/** Sends a raw query over UDP and returns the raw reply. */
function udpQuery(msg: Buffer, port = server.port): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    const t = setTimeout(() => { s.close(); reject(new Error('timeout')); }, 2000);
    s.on('message', (m) => { clearTimeout(t); s.close(); resolve(m); });
    s.send(msg, port, '127.0.0.1');
  });
}

function manyEndpointsCluster(n: number) {
  const pods = Array.from({ length: n }, (_, i) => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `big-${i}`, namespace: 'production', labels: { app: 'big' } }, spec: { containers: [{ name: 'c', image: 'x' }] }, status: { podIP: `10.244.1.${100 + i}`, phase: 'Running' } })).join('\n---\n');
  return fixtureCluster(`${pods}\n---\n{"apiVersion":"v1","kind":"Service","metadata":{"name":"big","namespace":"production"},"spec":{"clusterIP":"None","selector":{"app":"big"},"ports":[{"name":"http","port":80}]}}`);
}

test('UDP without EDNS0: a reply over 512 bytes is truncated with TC; TCP gets it whole; names are compressed', async () => {
  const big = new DnsServer(compileDns(manyEndpointsCluster(40), { serial: 1 }), { port: 0 });
  await big.start();
  try {
    const q = dnsPacket.encode({ type: 'query', id: 7, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name: 'big.production.svc.cluster.local' }] });
    const reply = await udpQuery(q, big.port);
    assert.ok(reply.length <= 512);
    const d = dnsPacket.decode(reply);
    assert.equal(d.flag_tc, true);
    assert.equal(d.id, 7);
    // 40 A records with the owner name compressed to a pointer: 12 + 38 question + 40 * 16 = 690 > 512.
    const whole = await tcpQuery(q, big.port);
    const dw = dnsPacket.decode(whole);
    assert.equal(dw.flag_tc, false);
    assert.equal(dw.answers!.length, 40);
    assert.equal(whole.length, 12 + 38 + 40 * 16);
    // With EDNS0 (1232 bytes) it fits over UDP.
    const qe = dnsPacket.encode({ type: 'query', id: 8, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name: 'big.production.svc.cluster.local' }], additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 4096 } as any] });
    const de = dnsPacket.decode(await udpQuery(qe, big.port));
    assert.equal(de.flag_tc, false);
    assert.equal(de.answers!.length, 40);
    assert.equal((de.additionals![0] as any).udpPayloadSize, 1232);
  } finally {
    await big.stop();
  }
});

function tcpQuery(msg: Buffer, port: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    s.on('data', (c) => {
      buf = Buffer.concat([buf, c]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) { s.end(); resolve(buf.subarray(2, 2 + buf.readUInt16BE(0))); }
    });
    s.on('error', reject);
    const framed = Buffer.alloc(msg.length + 2);
    framed.writeUInt16BE(msg.length, 0);
    msg.copy(framed, 2);
    s.write(framed);
  });
}

test('malformed queries: FORMERR for undecodable or multi-question packets, NOTIMP for other opcodes, silence for junk', async () => {
  const formerr = (b: Buffer) => (dnsPacket.decode(b) as unknown as { rcode: string }).rcode;
  // A label length running past the end.
  const bad = Buffer.from('abcd01000001000000000000' + '3f616263' + '0000010001', 'hex');
  assert.equal(formerr((await server.handle(bad, 'udp'))!), 'FORMERR');
  // A compression pointer to itself.
  const loop = Buffer.from('abcd01000001000000000000' + 'c00c' + '00010001', 'hex');
  assert.equal(formerr((await server.handle(loop, 'udp'))!), 'FORMERR');
  const two = dnsPacket.encode({ type: 'query', id: 1, questions: [{ type: 'A', name: 'a.example' }, { type: 'A', name: 'b.example' }] });
  assert.equal(formerr((await server.handle(two, 'udp'))!), 'FORMERR');
  const notify = Buffer.from(dnsPacket.encode({ type: 'query', id: 2, questions: [{ type: 'SOA', name: 'cluster.local' }] }));
  notify.writeUInt16BE(4 << 11, 2);
  assert.equal(formerr((await server.handle(notify, 'udp'))!), 'NOTIMP');
  assert.equal(await server.handle(Buffer.from('00', 'hex'), 'udp'), undefined);
  const response = dnsPacket.encode({ type: 'response', id: 3, questions: [{ type: 'A', name: 'x' }] });
  assert.equal(await server.handle(response, 'udp'), undefined);
});

test('REFUSED outside the served zones when there is no forward', async () => {
  const m = compileDns(fixtureCluster(corefileConfigMap('cluster.local:53 {\n  kubernetes cluster.local\n}')), { serial: 1 });
  const s = new DnsServer(m, { port: 0 });
  await s.start();
  try {
    const r = dnsPacket.decode(await udpQuery(dnsPacket.encode({ type: 'query', id: 9, questions: [{ type: 'A', name: 'www.example.com' }] }), s.port));
    assert.equal((r as unknown as { rcode: string }).rcode, 'REFUSED');
  } finally {
    await s.stop();
  }
});

test('reload: a new model is served from the next query on', async () => {
  const q = dnsPacket.encode({ type: 'query', id: 10, questions: [{ type: 'A', name: 'fresh.production.svc.cluster.local' }] });
  assert.equal((dnsPacket.decode(await udpQuery(q)) as unknown as { rcode: string }).rcode, 'NXDOMAIN');
  const extra = '{"apiVersion":"v1","kind":"Service","metadata":{"name":"fresh","namespace":"production"},"spec":{"clusterIP":"10.96.100.77","ports":[{"name":"http","port":80}]}}';
  server.setModel(compileDns(fixtureCluster(extra), { serial: 43 }));
  try {
    const r = dnsPacket.decode(await udpQuery(q));
    assert.deepEqual(r.answers!.map((a) => (a as { data: unknown }).data), ['10.96.100.77']);
  } finally {
    server.setModel(model);
  }
});
