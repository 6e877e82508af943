// IPv4/IPv6 addresses as bigints, and CIDR ranges over them. Parsing and printing go through ipaddr.js.
import ipaddr from 'ipaddr.js';

export type Family = 'IPv4' | 'IPv6';

export interface Cidr {
  family: Family;
  /** Network address. */
  base: bigint;
  prefix: number;
  /** Number of addresses in the range (2^(bits-prefix)). */
  size: bigint;
  text: string;
}

export function bitsOf(family: Family): number {
  return family === 'IPv4' ? 32 : 128;
}

/** Dotted-quad IPv4 without leading zeros: the same strings ipaddr.js's isValidFourPartDecimal accepts. */
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)$/;

export function isValidIP(text: string): boolean {
  // IPv4 is checked without ipaddr.js: this runs for every address of every traced packet and policy check.
  if (!text.includes(':')) return IPV4.test(text);
  return ipaddr.isValid(text) && ipaddr.IPv6.isValid(text);
}

export function familyOf(ip: string): Family {
  return ip.includes(':') ? 'IPv6' : 'IPv4';
}

export function ipToBigInt(text: string): bigint {
  const m = IPV4.exec(text);
  if (m) return BigInt(((Number(m[1]) * 256 + Number(m[2])) * 256 + Number(m[3])) * 256 + Number(m[4]));
  const addr = ipaddr.parse(text);
  let n = 0n;
  for (const b of addr.toByteArray()) n = (n << 8n) | BigInt(b);
  return n;
}

export function bigIntToIP(n: bigint, family: Family): string {
  const bytes: number[] = [];
  const count = family === 'IPv4' ? 4 : 16;
  for (let i = count - 1; i >= 0; i--) bytes.push(Number((n >> BigInt(i * 8)) & 0xffn));
  return ipaddr.fromByteArray(bytes).toString();
}

/** Parses `a.b.c.d/n` or `x::/n`. Throws on invalid input; the host bits are masked off. */
export function parseCidr(text: string): Cidr {
  const [addr, prefixText] = text.split('/');
  if (prefixText === undefined || !/^\d+$/.test(prefixText) || !isValidIP(addr)) throw new Error(`invalid CIDR address: ${text}`);
  const family = familyOf(addr);
  const bits = bitsOf(family);
  const prefix = Number(prefixText);
  if (prefix > bits) throw new Error(`invalid CIDR address: ${text}`);
  const hostBits = BigInt(bits - prefix);
  const base = (ipToBigInt(addr) >> hostBits) << hostBits;
  return { family, base, prefix, size: 1n << hostBits, text: `${bigIntToIP(base, family)}/${prefix}` };
}

export function isValidCidr(text: string): boolean {
  try { parseCidr(text); return true; } catch { return false; }
}

export function cidrContains(cidr: Cidr, ip: string): boolean {
  if (familyOf(ip) !== cidr.family || !isValidIP(ip)) return false;
  const n = ipToBigInt(ip);
  return n >= cidr.base && n < cidr.base + cidr.size;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  return a.base < b.base + b.size && b.base < a.base + a.size;
}

/** The address at `offset` from the network address. */
export function ipAt(cidr: Cidr, offset: bigint): string {
  return bigIntToIP(cidr.base + offset, cidr.family);
}

/** The i-th subnet of length `prefix` inside `cidr` (e.g. node pod CIDRs carved from the cluster CIDR). */
export function subnetAt(cidr: Cidr, prefix: number, index: number): Cidr {
  const hostBits = BigInt(bitsOf(cidr.family) - prefix);
  const base = cidr.base + (BigInt(index) << hostBits);
  return { family: cidr.family, base, prefix, size: 1n << hostBits, text: `${bigIntToIP(base, cidr.family)}/${prefix}` };
}
