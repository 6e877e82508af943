// Domain-name helpers shared by the zone, the Corefile chain and the resolver: names are kept as absolute, with a
// trailing dot, and compared in lower case (DNS names are case-insensitive: RFC 4343; Kubernetes DNS spec §2.1).
import { isValidIP } from '../net/cidr.js';
import ipaddr from 'ipaddr.js';

/** `foo.bar` -> `foo.bar.`; the root stays `.`. */
export function fqdn(name: string): string {
  if (name === '' || name === '.') return '.';
  return name.endsWith('.') ? name : `${name}.`;
}

/** Lower-cased absolute form, the key every lookup uses. */
export function canonical(name: string): string {
  return fqdn(name).toLowerCase();
}

/** Labels left to right, without the root: `a.b.` -> ['a', 'b']. */
export function labelsOf(name: string): string[] {
  const f = fqdn(name);
  return f === '.' ? [] : f.slice(0, -1).split('.');
}

/** True when `name` equals `zone` or lies below it (both absolute; case-insensitive). */
export function isSubdomain(name: string, zone: string): boolean {
  const n = canonical(name);
  const z = canonical(zone);
  return z === '.' || n === z || n.endsWith(`.${z}`);
}

/** The labels of `name` left of `zone` (name must be inside zone). */
export function trimZone(name: string, zone: string): string[] {
  const n = labelsOf(name);
  const z = labelsOf(zone);
  return n.slice(0, n.length - z.length);
}

/** Whether a name is a valid presentation-format domain name: labels 1..63 chars, whole name <= 253 (+dot). */
export function isValidName(name: string): boolean {
  const f = fqdn(name);
  if (f === '.') return true;
  if (f.length > 254) return false;
  return labelsOf(f).every((l) => l.length >= 1 && l.length <= 63);
}

/**
 * CoreDNS's endpointHostname fallback: the IP with dots or colons replaced by dashes; a trailing dash gets a `0` so the
 * label is valid (fd00:: -> fd00--0).
 */
export function dashedIP(ip: string): string {
  const d = ip.includes(':') ? ip.replaceAll(':', '-') : ip.replaceAll('.', '-');
  return d.endsWith('-') ? `${d}0` : d;
}

/** The reverse-lookup name of an IP: 1.0.96.10.in-addr.arpa. or the 32-nibble ip6.arpa form (RFC 3596 §2.5). */
export function reverseName(ip: string): string {
  const addr = ipaddr.parse(ip);
  if (addr.kind() === 'ipv4') return `${addr.toByteArray().reverse().join('.')}.in-addr.arpa.`;
  const nibbles: string[] = [];
  for (const b of addr.toByteArray()) nibbles.push((b >> 4).toString(16), (b & 15).toString(16));
  return `${nibbles.reverse().join('.')}.ip6.arpa.`;
}

/** The IP a full reverse name stands for, or undefined (partial or malformed names): dnsutil.ExtractAddressFromReverse. */
export function addressFromReverse(name: string): string | undefined {
  const n = canonical(name);
  if (n.endsWith('.in-addr.arpa.')) {
    const parts = n.slice(0, -'.in-addr.arpa.'.length).split('.');
    if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
    const ip = parts.reverse().map(Number).join('.');
    return isValidIP(ip) ? ip : undefined;
  }
  if (n.endsWith('.ip6.arpa.')) {
    const parts = n.slice(0, -'.ip6.arpa.'.length).split('.');
    if (parts.length !== 32 || parts.some((p) => !/^[0-9a-f]$/.test(p))) return undefined;
    const hex = parts.reverse().join('');
    const groups = hex.match(/.{4}/g)!.join(':');
    return ipaddr.parse(groups).toString();
  }
  return undefined;
}

/** 1 for in-addr.arpa, 2 for ip6.arpa, 0 otherwise (dnsutil.IsReverse). */
export function isReverse(name: string): number {
  const n = canonical(name);
  if (n === 'in-addr.arpa.' || n.endsWith('.in-addr.arpa.')) return 1;
  if (n === 'ip6.arpa.' || n.endsWith('.ip6.arpa.')) return 2;
  return 0;
}

/** Parses an IP written in a label the way Go's net.ParseIP would accept it (no zones, no brackets). */
export function parseIPText(text: string): string | undefined {
  if (!isValidIP(text)) return undefined;
  return ipaddr.parse(text).toString();
}
