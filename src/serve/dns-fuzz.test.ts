// 10^5 random and mutated packets at the DNS server over UDP: it must answer or drop every one and keep serving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import { compileDns } from '../dns/index.js';
import { fixtureCluster } from '../dns/testdata/fixture.js';
import { DnsServer } from './dns-server.js';

const TOTAL = 100_000;
const BATCH = 64;

/** xorshift32: deterministic, so a failure can be replayed. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 0x100000000; };
}

const NAMES = ['backend.production.svc.cluster.local', '_http._tcp.nginx.production.svc.cluster.local', '10.100.96.10.in-addr.arpa', 'cluster.local', 'x.y.z', '', 'a'.repeat(63) + '.cluster.local'];
const TYPES = ['A', 'AAAA', 'SRV', 'PTR', 'TXT', 'SOA', 'NS', 'ANY', 'MX', 'AXFR'] as const;

function packet(r: () => number, i: number): Buffer {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const valid = dnsPacket.encode({
    type: 'query', id: i & 0xffff, flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type: pick(TYPES) as 'A', name: pick(NAMES) }],
    ...(r() < 0.3 ? { additionals: [{ type: 'OPT', name: '.', udpPayloadSize: Math.floor(r() * 65536) } as any] } : {}),
  });
  const kind = i % 6;
  const b = Buffer.from(valid);
  switch (kind) {
    case 0: { // random bytes
      const out = Buffer.alloc(Math.floor(r() * 600));
      for (let k = 0; k < out.length; k++) out[k] = Math.floor(r() * 256);
      return out;
    }
    case 1: // bit flips
      for (let k = 0; k < 1 + Math.floor(r() * 8); k++) b[Math.floor(r() * b.length)] ^= 1 << Math.floor(r() * 8);
      return b;
    case 2: // truncated
      return b.subarray(0, Math.floor(r() * b.length));
    case 3: // huge counts
      b.writeUInt16BE(Math.floor(r() * 0x10000), 4 + 2 * Math.floor(r() * 4));
      return b;
    case 4: { // compression pointer loops and bad label lengths inside the question name
      const at = 12 + Math.floor(r() * Math.max(1, b.length - 14));
      if (r() < 0.5) b.writeUInt16BE(0xc000 | at, at); else b[at] = 0x40 + Math.floor(r() * 0x80);
      return b;
    }
    default: // valid, with a random opcode or flags
      if (r() < 0.5) b.writeUInt16BE(Math.floor(r() * 0x10000) & 0x7fff, 2);
      return b;
  }
}

test(`fuzz: ${TOTAL} random/mutated packets, zero crashes, still serving`, async () => {
  const server = new DnsServer(compileDns(fixtureCluster(), { serial: 1 }), { port: 0 });
  await server.start();
  const client = dgram.createSocket('udp4');
  await new Promise<void>((r) => client.bind(0, '127.0.0.1', () => r()));
  let replies = 0;
  client.on('message', () => { replies++; });
  const r = rng(20240601);
  try {
    for (let sent = 0; sent < TOTAL; sent += BATCH) {
      for (let i = sent; i < Math.min(TOTAL, sent + BATCH); i++) client.send(packet(r, i), server.port, '127.0.0.1');
      // Flow control: wait until the server has taken this batch (loopback UDP drops what overflows its buffer).
      const target = Math.min(TOTAL, sent + BATCH);
      const deadline = Date.now() + 2000;
      while (server.stats.queries < target && Date.now() < deadline) await new Promise((res) => setImmediate(res));
    }
    assert.equal(server.stats.queries, TOTAL);
    // Still serving, correctly.
    const q = dnsPacket.encode({ type: 'query', id: 4242, questions: [{ type: 'A', name: 'backend.production.svc.cluster.local' }] });
    const reply = await server.handle(q, 'udp');
    assert.deepEqual(dnsPacket.decode(reply!).answers!.map((a) => (a as { data: unknown }).data), ['10.96.100.10']);
    assert.ok(replies > TOTAL / 3, `only ${replies} replies`);
    assert.ok(server.stats.formerr > 0);
  } finally {
    client.close();
    await server.stop();
  }
});
