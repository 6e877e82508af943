// The DNS wire format for podnet's DNS server: dns-packet encodes and decodes (RFC 1035); this file adds what
// dns-packet leaves out of its encoder — name compression (RFC 1035 §4.1.4, which CoreDNS always turns on:
// `m.Compress = true`) — and the UDP size rules: 512 bytes without EDNS0, the advertised EDNS0 buffer otherwise, TC when
// the answer does not fit (RFC 1035 §4.2.1, RFC 6891 §6.2.5; CoreDNS request.Scrub).
import dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, Packet } from 'dns-packet';
import type { DnsRecord } from '../dns/index.js';

export const RCODES: Record<string, number> = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 };
const AA = 1 << 10;
const TC = 1 << 9;
const RD = 1 << 8;
const RA = 1 << 7;
/** The EDNS0 buffer podnet advertises and caps at (the DNS flag day 2020 figure CoreDNS also uses). */
export const SERVER_UDP_SIZE = 1232;

export function toWireRecord(r: DnsRecord): Answer {
  const d = r.rdata;
  const base = { name: stripDot(r.name), ttl: r.ttl, class: 'IN' as const };
  switch (d.type) {
    case 'A': case 'AAAA': return { ...base, type: d.type, data: d.address };
    case 'CNAME': case 'PTR': case 'NS': return { ...base, type: d.type, data: stripDot(d.target) };
    case 'SRV': return { ...base, type: 'SRV', data: { priority: d.priority, weight: d.weight, port: d.port, target: stripDot(d.target) } };
    case 'TXT': return { ...base, type: 'TXT', data: d.text };
    case 'SOA': return { ...base, type: 'SOA', data: { mname: stripDot(d.mname), rname: stripDot(d.rname), serial: d.serial, refresh: d.refresh, retry: d.retry, expire: d.expire, minimum: d.minimum } };
  }
}

function stripDot(name: string): string {
  return name.length > 1 && name.endsWith('.') ? name.slice(0, -1) : name === '.' ? '.' : name;
}

export interface ReplyParts {
  rcode: number;
  authoritative: boolean;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
  /** RA: only a relayed upstream reply says recursion is available; CoreDNS's own replies (kubernetes, hosts, errors) do not set it. */
  recursionAvailable?: boolean;
}

/** The client's EDNS0 OPT record, if any. */
export function ednsOf(query: DecodedPacket): { udpPayloadSize: number; version: number; do: boolean } | undefined {
  const opt = (query.additionals ?? []).find((a) => a.type === 'OPT') as { udpPayloadSize: number; ednsVersion: number; flag_do: boolean } | undefined;
  if (!opt) return undefined;
  return { udpPayloadSize: opt.udpPayloadSize, version: opt.ednsVersion ?? 0, do: Boolean(opt.flag_do) };
}

/**
 * Encodes a reply to `query`, compressed, fitted into `maxSize` (Infinity for TCP up to 65535): first the additional
 * section goes (no TC needed), then answers from the end with TC set.
 */
export function encodeReply(query: DecodedPacket, parts: ReplyParts, maxSize: number): Buffer {
  const edns = ednsOf(query);
  const opt: Answer[] = edns ? [{ type: 'OPT', name: '.', udpPayloadSize: SERVER_UDP_SIZE, extendedRcode: 0, ednsVersion: 0, flags: edns.do ? dnsPacket.DNSSEC_OK : 0, flag_do: edns.do, options: [] } as unknown as Answer] : [];
  const flags = (parts.authoritative ? AA : 0) | (query.flag_rd ? RD : 0) | (parts.recursionAvailable ? RA : 0) | (query.flag_cd ? 1 << 4 : 0) | (parts.rcode & 0xf);
  const packet: Packet = { type: 'response', id: query.id, flags, questions: query.questions, answers: parts.answers, authorities: parts.authorities, additionals: [...parts.additionals, ...opt] };
  let out = compressNames(dnsPacket.encode(packet));
  const limit = Math.min(maxSize, 65535);
  if (out.length <= limit) return out;
  packet.additionals = opt;
  out = compressNames(dnsPacket.encode(packet));
  if (out.length <= limit) return out;
  packet.flags = flags | TC;
  packet.authorities = [];
  let lo = 0;
  let hi = parts.answers.length;
  // The most answers that fit (binary search over the prefix length).
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    packet.answers = parts.answers.slice(0, mid);
    if (compressNames(dnsPacket.encode(packet)).length <= limit) lo = mid;
    else hi = mid - 1;
  }
  packet.answers = parts.answers.slice(0, lo);
  return compressNames(dnsPacket.encode(packet));
}

/** A name dns-packet can write back as it was read: labels of 1..63 bytes (UTF-8), at most 255 bytes in all. */
export function isWireSafeName(name: string): boolean {
  if (name === '' || name === '.') return true;
  let total = 1;
  for (const label of name.split('.')) {
    const n = Buffer.byteLength(label);
    if (n < 1 || n > 63) return false;
    total += n + 1;
  }
  return total <= 255;
}

/** A bare reply (FORMERR, NOTIMP, REFUSED...) echoing what can be echoed. */
export function errorReply(id: number, opcodeBits: number, rd: boolean, rcode: number, questions: Packet['questions'] = []): Buffer {
  return dnsPacket.encode({ type: 'response', id, flags: (opcodeBits & 0x7800) | (rd ? RD : 0) | rcode, questions, answers: [], authorities: [], additionals: [] });
}

/** The UDP limit for a query: 512 without EDNS0, else the client's buffer (at least 512, at most ours). */
export function udpLimit(query: DecodedPacket): number {
  const edns = ednsOf(query);
  if (!edns) return 512;
  return Math.max(512, Math.min(edns.udpPayloadSize, SERVER_UDP_SIZE));
}

// --- name compression over dns-packet's uncompressed output ------------------------------------------------------

const NAME_RDATA: Record<number, (rdlen: number) => Array<[number, 'name'] | [number, 'bytes']>> = {
  2: () => [[0, 'name']], // NS
  5: () => [[0, 'name']], // CNAME
  12: () => [[0, 'name']], // PTR
  15: () => [[2, 'bytes'], [0, 'name']], // MX
  33: () => [[6, 'bytes'], [0, 'name']], // SRV
  6: () => [[0, 'name'], [0, 'name'], [20, 'bytes']], // SOA
};

/**
 * Rewrites every owner name and every name inside NS/CNAME/PTR/MX/SRV/SOA data as a pointer to an earlier copy of
 * its longest known suffix. Input must be an uncompressed message (what dns-packet produces).
 */
export function compressNames(msg: Buffer): Buffer {
  const out = Buffer.allocUnsafe(msg.length);
  msg.copy(out, 0, 0, 12);
  let r = 12;
  let w = 12;
  const seen = new Map<string, number>();
  const copyName = (): void => {
    const labels: Buffer[] = [];
    for (;;) {
      if (r >= msg.length) throw new Error('name runs past the end of the message');
      const len = msg[r];
      if (len === 0) break;
      if (len > 63 || r + 1 + len > msg.length) throw new Error('bad label length');
      labels.push(msg.subarray(r + 1, r + 1 + len));
      r += len + 1;
    }
    r++;
    const keys = labels.map((_, i) => labels.slice(i).map((l) => l.toString('latin1').toLowerCase()).join('.'));
    for (let i = 0; i < labels.length; i++) {
      const ptr = seen.get(keys[i]);
      if (ptr !== undefined) { out.writeUInt16BE(0xc000 | ptr, w); w += 2; return; }
      if (w < 0x4000) seen.set(keys[i], w);
      out[w++] = labels[i].length;
      labels[i].copy(out, w);
      w += labels[i].length;
    }
    out[w++] = 0;
  };
  const qd = msg.readUInt16BE(4);
  const rrs = msg.readUInt16BE(6) + msg.readUInt16BE(8) + msg.readUInt16BE(10);
  for (let i = 0; i < qd; i++) { copyName(); msg.copy(out, w, r, r + 4); r += 4; w += 4; }
  for (let i = 0; i < rrs; i++) {
    copyName();
    const type = msg.readUInt16BE(r);
    msg.copy(out, w, r, r + 8);
    r += 8; w += 8;
    const rdlen = msg.readUInt16BE(r);
    r += 2;
    if (r + rdlen > msg.length) throw new Error('record data runs past the end of the message');
    const lenAt = w;
    w += 2;
    const layout = NAME_RDATA[type];
    const end = r + rdlen;
    if (!layout) { msg.copy(out, w, r, end); w += rdlen; }
    else {
      for (const [n, kind] of layout(rdlen)) {
        if (kind === 'name') copyName();
        else { msg.copy(out, w, r, r + n); r += n; w += n; }
      }
    }
    r = end;
    out.writeUInt16BE(w - lenAt - 2, lenAt);
  }
  return out.subarray(0, w);
}
