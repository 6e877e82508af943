// The outside of the cluster, cut into the pieces policies can tell apart: every CIDR an ipBlock, an `except` or an
// ANP/CNP `networks` peer names on either side is an external peer, represented by its first address that no smaller
// named CIDR holds; "internet" is an address no CIDR names. Pieces inside the pod or Service CIDRs are pods and
// Services, not outside, and are left out.
import type { Cluster } from '../cluster/cluster.js';
import { bigIntToIP, parseCidr, type Cidr } from '../net/cidr.js';
import { ruleFacts, type PolicyModel } from '../policy/index.js';
import { cidrHas, parseIP, type IpBlock, type ParsedIP } from '../policy/select.js';

export interface ExternalPeer {
  /** The CIDR as written (`192.168.3.0/24`), or `internet`. */
  name: string;
  ip: ParsedIP;
}

/** Candidates for "the internet": documentation ranges first (RFC 5737), then a public resolver. */
const INTERNET = ['203.0.113.10', '198.51.100.10', '192.0.2.10', '8.8.8.8', '1.1.1.1'];

const holds = (outer: Cidr, inner: Cidr) => outer.family === inner.family && inner.base >= outer.base && inner.base + inner.size <= outer.base + outer.size;

function clusterRanges(cluster: Cluster): Cidr[] {
  const out: Cidr[] = [];
  for (const t of [...cluster.config.podCIDRs, ...cluster.config.serviceCIDRs]) { try { out.push(parseCidr(t)); } catch { /* reported by validation */ } }
  return out;
}

/** The external peers of two models together (sorted by name, internet last), the same list for both sides. */
export function externalPeers(models: readonly PolicyModel[]): ExternalPeer[] {
  const byText = new Map<string, Cidr>();
  for (const m of models) for (const b of ruleFacts(m).blocks) for (const c of [b.cidr, ...b.except]) if (!byText.has(c.text)) byText.set(c.text, c);
  const cidrs = [...byText.values()];
  const inside = models.flatMap((m) => clusterRanges(m.cluster));
  const out: ExternalPeer[] = [];
  for (const c of cidrs) {
    if (c.prefix === 0) continue; // 0.0.0.0/0 and ::/0 are the internet
    const smaller = cidrs.filter((o) => o !== c && holds(c, o) && o.prefix > c.prefix);
    let n = c.base;
    for (let moved = true; moved && n < c.base + c.size;) {
      moved = false;
      for (const o of smaller) if (n >= o.base && n < o.base + o.size) { n = o.base + o.size; moved = true; }
    }
    if (n >= c.base + c.size) continue;
    const ip = parseIP(bigIntToIP(n, c.family));
    if (!ip || inside.some((r) => cidrHas(r, ip))) continue;
    out.push({ name: c.text, ip });
  }
  out.sort((a, b) => (a.ip.family === b.ip.family ? (a.ip.n < b.ip.n ? -1 : a.ip.n > b.ip.n ? 1 : a.name.localeCompare(b.name)) : a.ip.family.localeCompare(b.ip.family)));
  const free = INTERNET.map((t) => parseIP(t)!).find((ip) => !cidrs.some((c) => c.prefix > 0 && cidrHas(c, ip)));
  if (free) out.push({ name: 'internet', ip: free });
  return out;
}

/** The CIDRs one policy set names, for telling which external peers it can distinguish. */
export function blocksOfRules(blocks: readonly IpBlock[]): Cidr[] {
  return blocks.flatMap((b) => [b.cidr, ...b.except]);
}
