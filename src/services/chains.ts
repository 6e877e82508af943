// Chain names exactly as kube-proxy computes them. iptables: prefix + base32(sha256(servicePortName + protocol))[:16]
// (portProtoHash; the endpoint string is appended for KUBE-SEP). nftables: prefix + base32(sha256(name))[:8] + "-" +
// name, names like "ns1/svc1/tcp/p80" (hashAndTruncate in pkg/proxy/nftables/proxier.go).
import { createHash } from 'node:crypto';
import type { ServiceEndpoint, ServicePortInfo } from './model.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 (Go's base32.StdEncoding), without padding: only a prefix is ever used. */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = ((value << 8) | b) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

// Chain names are asked for again and again (every decision names its endpoint chains); sha256 is the cost, so
// names are remembered. Bounded: cleared when it grows past what any cluster podnet loads would need.
const memo = new Map<string, string>();
const MEMO_LIMIT = 500_000;

function hash(text: string, length: number): string {
  const key = `${length}|${text}`;
  let h = memo.get(key);
  if (h === undefined) {
    if (memo.size >= MEMO_LIMIT) memo.clear();
    // The first `length` base32 characters come from the first ceil(length * 5 / 8) bytes.
    h = base32(createHash('sha256').update(text).digest().subarray(0, Math.ceil((length * 5) / 8))).slice(0, length);
    memo.set(key, h);
  }
  return h;
}

const proto = (sp: ServicePortInfo) => sp.protocol.toLowerCase();

export function portProtoHash(sp: ServicePortInfo): string {
  return hash(sp.nameString + proto(sp), 16);
}

export const iptablesChains = {
  cluster: (sp: ServicePortInfo) => `KUBE-SVC-${portProtoHash(sp)}`,
  local: (sp: ServicePortInfo) => `KUBE-SVL-${portProtoHash(sp)}`,
  external: (sp: ServicePortInfo) => `KUBE-EXT-${portProtoHash(sp)}`,
  firewall: (sp: ServicePortInfo) => `KUBE-FW-${portProtoHash(sp)}`,
  endpoint: (sp: ServicePortInfo, ep: ServiceEndpoint) => `KUBE-SEP-${hash(sp.nameString + proto(sp) + ep.key, 16)}`,
};

const NFT_BASE_MAX = 128 - 16;

function hashAndTruncate(name: string): string {
  let n = `${hash(name, 8)}-${name}`;
  if (n.length > NFT_BASE_MAX) n = n.slice(0, NFT_BASE_MAX - 3) + '...';
  return n;
}

function nftServiceBase(sp: ServicePortInfo): string {
  return hashAndTruncate(`${sp.namespace}/${sp.name}/${proto(sp)}/${sp.portName}`);
}

function nftEndpointBase(sp: ServicePortInfo, ep: ServiceEndpoint): string {
  const ip = ep.ip.includes(':') ? ep.ip.replaceAll(':', '.') : ep.ip;
  return hashAndTruncate(`${sp.namespace}/${sp.name}/${proto(sp)}/${sp.portName}__${ip}/${ep.port}`);
}

export const nftablesChains = {
  cluster: (sp: ServicePortInfo) => `service-${nftServiceBase(sp)}`,
  local: (sp: ServicePortInfo) => `local-${nftServiceBase(sp)}`,
  external: (sp: ServicePortInfo) => `external-${nftServiceBase(sp)}`,
  firewall: (sp: ServicePortInfo) => `firewall-${nftServiceBase(sp)}`,
  endpoint: (sp: ServicePortInfo, ep: ServiceEndpoint) => `endpoint-${nftEndpointBase(sp, ep)}`,
  affinity: (sp: ServicePortInfo, ep: ServiceEndpoint) => `affinity-${nftEndpointBase(sp, ep)}`,
};

/** kube-proxy's probability for rule i of n: 1/(n-i) printed with 10 decimals. */
export function probabilityText(remaining: number): string {
  return (1 / remaining).toFixed(10);
}
