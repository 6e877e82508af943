// podnet's cluster DNS as a real server: UDP and TCP on loopback, answering from a compiled DnsModel exactly as
// `podnet dns` does. Upstream forwarding is real only towards loopback upstreams (or the --upstream a user gives):
// emulated cluster addresses are virtual. Malformed packets get FORMERR or are dropped; the server never dies on input.
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, Question } from 'dns-packet';
import type { DnsAnswer, DnsModel } from '../dns/index.js';
import { encodeReply, errorReply, isWireSafeName, RCODES, toWireRecord, udpLimit } from './dns-wire.js';

export interface DnsServerOptions {
  address?: string;
  /** 0 picks a free port (the same one for UDP and TCP). */
  port?: number;
  /** Replaces every upstream (forward targets, /etc/resolv.conf): `127.0.0.1:5300`. */
  upstream?: string;
  /** How long to wait for an upstream (CoreDNS forward's read timeout is 2 s). */
  upstreamTimeoutMs?: number;
  log?: (line: string) => void;
}

const MAX_TCP_CONNECTIONS = 256;
const TCP_IDLE_MS = 10_000;
/** Replies a TCP client may have outstanding before its socket is no longer read (RFC 7766 pipelining). */
const MAX_PIPELINED = 16;
const CACHE_LIMIT = 20_000;

export class DnsServer {
  private udp?: dgram.Socket;
  private tcp?: net.Server;
  private model: DnsModel;
  /** Encoded replies per (question, EDNS size, flags), valid for one model snapshot: the answers are pure. */
  private cache = new Map<string, Buffer>();
  /** A transfer's encoded messages, keyed by the model's (memoised) records of that zone and serial. */
  private readonly transfers = new WeakMap<readonly unknown[], { key: string; messages: Buffer[] }>();
  private warned = new Set<string>();
  private connections = new Set<net.Socket>();
  port = 0;
  readonly address: string;
  stats = { queries: 0, formerr: 0, dropped: 0, forwarded: 0 };

  constructor(model: DnsModel, private readonly opts: DnsServerOptions = {}) {
    this.model = model;
    this.address = opts.address ?? '127.0.0.1';
  }

  /** Swaps in a new snapshot (the cluster changed); queries in flight finish on the old one. */
  setModel(model: DnsModel): void {
    this.model = model;
    this.cache = new Map();
  }

  async start(): Promise<{ address: string; port: number }> {
    for (let attempt = 0; ; attempt++) {
      const udp = dgram.createSocket(this.address.includes(':') ? 'udp6' : 'udp4');
      await new Promise<void>((resolve, reject) => { udp.once('error', reject); udp.bind(this.opts.port ?? 5353, this.address, () => { udp.off('error', reject); resolve(); }); });
      const port = udp.address().port;
      const tcp = net.createServer({ pauseOnConnect: false });
      try {
        await new Promise<void>((resolve, reject) => { tcp.once('error', reject); tcp.listen(port, this.address, () => { tcp.off('error', reject); resolve(); }); });
      } catch (e) {
        udp.close();
        // With port 0, the UDP port may be taken for TCP: try another.
        if ((this.opts.port ?? 5353) === 0 && attempt < 20) continue;
        throw e;
      }
      this.serveOn(udp, tcp);
      return { address: this.address, port };
    }
  }

  /** Answers on sockets someone else bound (kernel mode: port 53 inside a CoreDNS pod's network namespace). */
  serveOn(udp: dgram.Socket, tcp: net.Server): void {
    udp.on('message', (msg, rinfo) => { void this.onUdp(udp, msg, rinfo); });
    udp.on('error', (e) => this.opts.log?.(`udp error: ${e.message}`));
    tcp.on('connection', (s) => this.onTcp(s));
    tcp.on('error', (e) => this.opts.log?.(`tcp error: ${e.message}`));
    this.udp = udp;
    this.tcp = tcp;
    this.port = udp.address().port;
  }

  async stop(): Promise<void> {
    for (const s of this.connections) s.destroy();
    await Promise.all([
      new Promise<void>((r) => (this.udp ? this.udp.close(() => r()) : r())),
      new Promise<void>((r) => (this.tcp ? this.tcp.close(() => r()) : r())),
    ]);
  }

  /** A cached reply for this exact query, re-IDed, or undefined. Synchronous: the hot path of a busy server. */
  cachedReply(msg: Buffer, transport: 'udp' | 'tcp'): Buffer | undefined {
    const key = cacheKey(msg, transport);
    const cached = key === undefined ? undefined : this.cache.get(key);
    if (!cached) return undefined;
    const out = Buffer.from(cached);
    out.writeUInt16BE(msg.readUInt16BE(0), 0);
    return out;
  }

  private async onUdp(sock: dgram.Socket, msg: Buffer, rinfo: dgram.RemoteInfo): Promise<void> {
    const hit = this.cachedReply(msg, 'udp');
    if (hit) {
      this.stats.queries++;
      sock.send(hit, rinfo.port, rinfo.address);
      return;
    }
    try {
      const reply = await this.handle(msg, 'udp', rinfo.address);
      if (reply) sock.send(reply, rinfo.port, rinfo.address);
    } catch (e) {
      this.stats.dropped++;
      this.opts.log?.(`dropped a UDP query from ${rinfo.address}:${rinfo.port}: ${(e as Error).message}`);
    }
  }

  private onTcp(sock: net.Socket): void {
    if (this.connections.size >= MAX_TCP_CONNECTIONS) { sock.destroy(); return; }
    this.connections.add(sock);
    sock.setTimeout(TCP_IDLE_MS, () => sock.destroy());
    sock.on('close', () => this.connections.delete(sock));
    sock.on('error', () => sock.destroy());
    let pending = Buffer.alloc(0);
    let writes: Promise<void> = Promise.resolve();
    let unwritten = 0;
    sock.on('data', (chunk) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= 2) {
        const len = pending.readUInt16BE(0);
        if (pending.length < 2 + len) break;
        const msg = pending.subarray(2, 2 + len);
        pending = pending.subarray(2 + len);
        const reply = this.respond(msg, 'tcp', sock.remoteAddress?.replace(/^::ffff:/, ''));
        // Replies leave in query order, and a transfer's messages wait for the socket to drain; a client that sends
        // more queries than it reads answers for is not read from until it catches up, so the backlog stays bounded.
        if (++unwritten >= MAX_PIPELINED) sock.pause();
        writes = writes.then(() => reply).then((replies) => writeFramed(sock, replies), () => { this.stats.dropped++; }).then(() => {
          if (--unwritten < MAX_PIPELINED && sock.isPaused() && !sock.destroyed) sock.resume();
        });
      }
    });
  }

  /** One query in, one reply out (or undefined: dropped). Never throws for bad input. */
  async handle(msg: Buffer, transport: 'udp' | 'tcp', client?: string): Promise<Buffer | undefined> {
    const r = await this.respond(msg, transport, client);
    return Array.isArray(r) ? r[0] : r;
  }

  /** Like handle, but a zone transfer over TCP is several messages (each under 64 KiB, as miekg/dns Transfer.Out sends). */
  async respond(msg: Buffer, transport: 'udp' | 'tcp', client?: string): Promise<Buffer | Buffer[] | undefined> {
    this.stats.queries++;
    if (msg.length < 12) { this.stats.dropped++; return undefined; }
    const id = msg.readUInt16BE(0);
    const flags = msg.readUInt16BE(2);
    if (flags & 0x8000) { this.stats.dropped++; return undefined; } // a response: never answer one (no loops)
    const rd = (flags & 0x0100) !== 0;
    const opcode = (flags >> 11) & 0xf;
    const key = cacheKey(msg, transport);
    if (key !== undefined) {
      const cached = this.cache.get(key);
      if (cached) {
        const out = Buffer.from(cached);
        out.writeUInt16BE(id, 0);
        return out;
      }
    }
    // Counts the message cannot hold are refused before decoding (dns-packet allocates arrays of the claimed size).
    const qd = msg.readUInt16BE(4);
    const rrs = msg.readUInt16BE(6) + msg.readUInt16BE(8) + msg.readUInt16BE(10);
    if (qd !== 1 || 12 + 5 + rrs * 11 > msg.length) { this.stats.formerr++; return errorReply(id, flags, rd, opcode !== 0 ? RCODES.NOTIMP : RCODES.FORMERR); }
    let query: DecodedPacket;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      this.stats.formerr++;
      return errorReply(id, flags, rd, RCODES.FORMERR);
    }
    if (opcode !== 0) return errorReply(id, flags, rd, RCODES.NOTIMP);
    const questions = query.questions ?? [];
    if (questions.length !== 1) { this.stats.formerr++; return errorReply(id, flags, rd, RCODES.FORMERR); }
    const q = questions[0];
    if (!isWireSafeName(q.name)) { this.stats.formerr++; return errorReply(id, flags, rd, RCODES.FORMERR); }
    if (q.class !== undefined && q.class !== 'IN' && q.class !== 'ANY') return errorReply(id, flags, rd, RCODES.REFUSED, questions);
    const limit = transport === 'udp' ? udpLimit(query) : 65535;
    try {
      if (q.type === 'AXFR' || q.type === 'IXFR') return this.transferReply(query, q, transport, client);
      return await this.answer(query, q, key, limit, transport, msg);
    } catch (e) {
      this.opts.log?.(`SERVFAIL for ${q.name} ${q.type}: ${(e as Error).message}`);
      return errorReply(id, flags, rd, RCODES.SERVFAIL, questions);
    }
  }

  /**
   * transfer plugin: REFUSED over UDP or to a client `to` does not list; otherwise the zone in messages of at most
   * ~63 KB of records (plugin/transfer batches at 63000 bytes), every message with the question, AA set.
   */
  private transferReply(query: DecodedPacket, q: Question, transport: 'udp' | 'tcp', client?: string): Buffer[] {
    const soa = (query.authorities ?? []).find((a) => a.type === 'SOA') as { data?: { serial?: number } } | undefined;
    const a = this.model.transfer(q.name || '.', q.type as 'AXFR' | 'IXFR', { transport, clientIP: client, ...(soa?.data?.serial !== undefined ? { serial: soa.data.serial } : {}) });
    const parts = { authoritative: a.rcode === 'NOERROR', authorities: [], additionals: [] };
    if (a.rcode !== 'NOERROR' || a.answers.length === 0) return [encodeReply(query, { ...parts, rcode: RCODES[a.rcode] ?? RCODES.SERVFAIL, authorities: a.authority.map(toWireRecord), answers: a.answers.map(toWireRecord) }, 65535)];
    const q0 = query.questions?.[0];
    const memoKey = `${q0?.name} ${q0?.type} ${q0?.class} ${query.flags ?? 0}`;
    let encoded = this.transfers.get(a.answers);
    if (!encoded || encoded.key !== memoKey) {
      const out: Buffer[] = [];
      let batch: Answer[] = [];
      let size = 0;
      for (const r of a.answers.map(toWireRecord)) {
        const len = dnsPacket.encode({ type: 'response', answers: [r] }).length - 12;
        if (batch.length > 0 && size + len > 63000) { out.push(encodeReply(query, { ...parts, rcode: 0, answers: batch }, 65535)); batch = []; size = 0; }
        batch.push(r);
        size += len;
      }
      if (batch.length > 0) out.push(encodeReply(query, { ...parts, rcode: 0, answers: batch }, 65535));
      encoded = { key: memoKey, messages: out };
      this.transfers.set(a.answers, encoded);
    }
    const id = query.id ?? 0;
    return encoded.messages.map((m) => { const copy = Buffer.from(m); copy.writeUInt16BE(id, 0); return copy; });
  }

  private async answer(query: DecodedPacket, q: Question, key: string | undefined, limit: number, transport: 'udp' | 'tcp', msg: Buffer): Promise<Buffer> {
    const model = this.model;
    const answer = model.query(q.name || '.', String(q.type));
    if (answer.rcode === 'FORWARDED') return this.forwardQuery(msg, query, answer, transport);
    let extraAnswers: Answer[] = [];
    let cacheable = true;
    if (answer.forward) {
      // An ExternalName CNAME pointing outside: the target's records come from the upstream (CoreDNS re-enters its
      // own chain, which forwards).
      extraAnswers = await this.resolveUpstream(answer.forward.name, answer.forward.type, answer);
      cacheable = false;
    }
    const reply = encodeReply(query, {
      rcode: RCODES[answer.rcode] ?? RCODES.SERVFAIL, authoritative: answer.authoritative,
      answers: [...answer.answers.map(toWireRecord), ...extraAnswers], authorities: answer.authority.map(toWireRecord), additionals: answer.additional.map(toWireRecord),
    }, limit);
    if (cacheable && key !== undefined && this.model === model) {
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(key, reply);
    }
    return reply;
  }

  /** Where a forward may really go: the --upstream override, else loopback upstreams only. */
  private upstreamFor(answer: DnsAnswer): { host: string; port: number } | undefined {
    const targets = this.opts.upstream ? [this.opts.upstream] : answer.forward?.upstreams ?? [];
    for (const t of targets) {
      const parsed = parseHostPort(t.replace(/^dns:\/\//, ''));
      if (!parsed) continue;
      if (this.opts.upstream || isLoopback(parsed.host)) return parsed;
    }
    const key = targets.join(',');
    if (!this.warned.has(key)) {
      this.warned.add(key);
      this.opts.log?.(`not forwarding to ${key || '(no upstream)'}: podnet sends real packets only to loopback upstreams (emulated cluster addresses are virtual); answering SERVFAIL. Use --upstream 127.0.0.1:PORT to give one.`);
    }
    return undefined;
  }

  private async forwardQuery(msg: Buffer, query: DecodedPacket, answer: DnsAnswer, transport: 'udp' | 'tcp'): Promise<Buffer> {
    const rd = query.flag_rd;
    const up = this.upstreamFor(answer);
    if (!up) return errorReply(query.id ?? 0, msg.readUInt16BE(2), rd, RCODES.SERVFAIL, query.questions);
    this.stats.forwarded++;
    try {
      const reply = await udpExchange(msg, up, this.opts.upstreamTimeoutMs ?? 2000);
      const limit = transport === 'udp' ? udpLimit(query) : 65535;
      if (reply.length > limit) {
        // Re-fit the upstream's reply to our client's limit.
        const decoded = dnsPacket.decode(reply);
        return encodeReply(query, { rcode: (decoded.flags ?? 0) & 0xf, authoritative: false, recursionAvailable: ((decoded.flags ?? 0) & 0x80) !== 0, answers: decoded.answers ?? [], authorities: decoded.authorities ?? [], additionals: (decoded.additionals ?? []).filter((a) => a.type !== 'OPT') }, limit);
      }
      return reply;
    } catch (e) {
      this.opts.log?.(`upstream ${up.host}:${up.port} failed: ${(e as Error).message}`);
      return errorReply(query.id ?? 0, msg.readUInt16BE(2), rd, RCODES.SERVFAIL, query.questions);
    }
  }

  private async resolveUpstream(name: string, type: string, answer: DnsAnswer): Promise<Answer[]> {
    const up = this.upstreamFor(answer);
    if (!up) return [];
    try {
      const q = dnsPacket.encode({ type: 'query', id: Math.floor(Math.random() * 65536), flags: dnsPacket.RECURSION_DESIRED, questions: [{ name: name.replace(/\.$/, ''), type: type as Question['type'], class: 'IN' }] });
      const reply = dnsPacket.decode(await udpExchange(q, up, this.opts.upstreamTimeoutMs ?? 2000));
      return (reply.answers ?? []).filter((a) => a.type !== 'OPT');
    } catch {
      return [];
    }
  }
}

/**
 * The reply cache's key for the common query shape — one question, uncompressed name, and at most an EDNS0 OPT record —
 * taken from the raw bytes (the name keeps its case: replies echo it), with everything that changes the reply: flags
 * RD/CD, the UDP size limit, EDNS presence and DO. Any other shape gets no key and is never cached. This only finds a
 * cached reply; dns-packet decodes and validates every query the first time it is seen.
 */
export function cacheKey(msg: Buffer, transport: 'udp' | 'tcp'): string | undefined {
  if (msg.length < 17) return undefined;
  const flags = msg.readUInt16BE(2);
  if ((flags & 0xf800) !== 0) return undefined; // QR or opcode set
  if (msg.readUInt16BE(4) !== 1 || msg.readUInt16BE(6) !== 0 || msg.readUInt16BE(8) !== 0) return undefined;
  const ar = msg.readUInt16BE(10);
  if (ar > 1) return undefined;
  let p = 12;
  for (;;) {
    if (p >= msg.length) return undefined;
    const len = msg[p];
    if (len === 0) break;
    if (len > 63) return undefined;
    p += len + 1;
  }
  if (p - 12 > 255) return undefined;
  const qEnd = p + 5;
  if (qEnd > msg.length) return undefined;
  let limit = transport === 'udp' ? 512 : 65535;
  let edns = '-';
  if (ar === 1) {
    // Exactly one OPT RR to the end: root name, type 41, size, ext-rcode, version, flags, rdlength, rdata.
    if (qEnd + 11 > msg.length || msg[qEnd] !== 0 || msg.readUInt16BE(qEnd + 1) !== 41) return undefined;
    if (qEnd + 11 + msg.readUInt16BE(qEnd + 9) !== msg.length) return undefined;
    const size = msg.readUInt16BE(qEnd + 3);
    if (transport === 'udp') limit = Math.max(512, Math.min(size, 1232));
    edns = (msg[qEnd + 7] & 0x80) !== 0 ? 'do' : 'e';
  } else if (qEnd !== msg.length) return undefined;
  return `${msg.toString('latin1', 12, qEnd)}|${flags & 0x0110}|${limit}|${edns}`;
}

/** Writes DNS-over-TCP messages (2-byte length prefix) in order, waiting for 'drain' when the socket's buffer is full. */
async function writeFramed(sock: net.Socket, replies: Buffer | Buffer[] | undefined): Promise<void> {
  for (const reply of replies === undefined ? [] : Array.isArray(replies) ? replies : [replies]) {
    if (sock.destroyed) return;
    const framed = Buffer.allocUnsafe(reply.length + 2);
    framed.writeUInt16BE(reply.length, 0);
    reply.copy(framed, 2);
    if (!sock.write(framed)) {
      await new Promise<void>((resolve) => {
        const done = () => { sock.off('drain', done); sock.off('close', done); resolve(); };
        sock.on('drain', done);
        sock.on('close', done);
      });
    }
  }
}

function isLoopback(host: string): boolean {
  return /^127\./.test(host) || host === '::1' || host === 'localhost';
}

function parseHostPort(t: string): { host: string; port: number } | undefined {
  const v6 = t.match(/^\[([^\]]+)\](?::(\d+))?$/);
  if (v6) return { host: v6[1], port: Number(v6[2] ?? 53) };
  const m = t.match(/^([^:]+)(?::(\d+))?$/);
  if (m) return { host: m[1], port: Number(m[2] ?? 53) };
  if (t.includes(':')) return { host: t, port: 53 };
  return undefined;
}

/** Sends one UDP query and waits for the reply with the same ID. */
function udpExchange(msg: Buffer, up: { host: string; port: number }, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket(up.host.includes(':') ? 'udp6' : 'udp4');
    const timer = setTimeout(() => { sock.close(); reject(new Error(`no reply within ${timeoutMs} ms`)); }, timeoutMs);
    sock.on('error', (e) => { clearTimeout(timer); sock.close(); reject(e); });
    sock.on('message', (reply) => {
      if (reply.length < 2 || reply.readUInt16BE(0) !== msg.readUInt16BE(0)) return;
      clearTimeout(timer);
      sock.close();
      resolve(reply);
    });
    sock.send(msg, up.port, up.host);
  });
}
