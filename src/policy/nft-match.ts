// The match half of an nftables policy rule, derived from the compiled model: the peers' addresses as one interval set
// per rule and family (pod IPs of the peer classes, ipBlocks with their `except` cut out, ANP networks and node IPs),
// the ports as `tcp dport { … }` (named ports resolved on the destination pod), and, for egress named ports, a set of
// destination `ip . protocol . port` triples because each destination pod resolves the name on its own.
import { createHash } from 'node:crypto';
import { bigIntToIP, bitsOf, type Cidr, type Family } from '../net/cidr.js';
import type { AdminRule } from './admin.js';
import type { Bitset } from './bitset.js';
import { podIPs, type PodClass, type Protocol } from './classes.js';
import type { PolicyModel } from './model.js';
import type { CompiledRule, Direction } from './netpol.js';
import { PROTOCOLS, resolveNamedPort, type PortSpec } from './ports.js';
import { parseIP } from './select.js';

export const FAMILIES: readonly Family[] = ['IPv4', 'IPv6'];
export const ipKeyword = (f: Family): string => (f === 'IPv4' ? 'ip' : 'ip6');
export const familySuffix = (f: Family): string => (f === 'IPv4' ? 'v4' : 'v6');

export interface NftSet { name: string; type: string; interval: boolean; comment: string; elements: string[] }

/** Sets are per policy rule, shared by every pod whose chains use them; only those a node uses are rendered. */
export type SetRegistry = Map<string, NftSet>;

type Range = [bigint, bigint]; // [lo, hi)
export type Addresses = 'all' | Map<Family, Range[]>;

function add(m: Map<Family, Range[]>, family: Family, r: Range): void {
  let l = m.get(family);
  if (!l) m.set(family, (l = []));
  l.push(r);
}

function addCidr(m: Map<Family, Range[]>, c: Cidr, except: readonly Cidr[] = []): void {
  let pieces: Range[] = [[c.base, c.base + c.size]];
  for (const e of except) {
    if (e.family !== c.family) continue;
    const [elo, ehi] = [e.base, e.base + e.size];
    pieces = pieces.flatMap(([lo, hi]): Range[] => (ehi <= lo || elo >= hi ? [[lo, hi]] : [...(lo < elo ? [[lo, elo] as Range] : []), ...(ehi < hi ? [[ehi, hi] as Range] : [])]));
  }
  for (const p of pieces) add(m, c.family, p);
}

function addIP(m: Map<Family, Range[]>, ip: string): void {
  const p = parseIP(ip);
  if (p) add(m, p.family, [p.n, p.n + 1n]);
}

function addClassIPs(m: Map<Family, Range[]>, model: PolicyModel, classes: Bitset): void {
  for (const id of classes) for (const pod of model.index.classes[id].pods) for (const ip of podIPs(pod)) addIP(m, ip);
}

/** The addresses a NetworkPolicy rule's peers cover (`from`/`to` empty: all). */
export function networkPolicyRuleAddresses(model: PolicyModel, rule: CompiledRule): Addresses {
  if (rule.allPeers) return 'all';
  const m = new Map<Family, Range[]>();
  for (const peer of rule.peers) {
    if (peer.ipBlock) addCidr(m, peer.ipBlock.cidr, peer.ipBlock.except);
    else if (peer.classes) addClassIPs(m, model, peer.classes);
  }
  return m;
}

/** The addresses an ANP/BANP rule's peers cover; a fail-closed peer covers everything for Deny/Pass, nothing for Allow. */
export function adminRuleAddresses(model: PolicyModel, rule: AdminRule): Addresses {
  if (rule.matchesAll) return 'all';
  const m = new Map<Family, Range[]>();
  for (const peer of rule.peers) {
    if (peer.failClosed) continue;
    addClassIPs(m, model, peer.classes);
    for (const b of peer.networks ?? []) addCidr(m, b.cidr, b.except);
    for (const ip of peer.nodeIPs ?? []) addIP(m, ip);
  }
  return m;
}

/** Merged ranges as the fewest CIDRs that cover exactly them (single addresses without a prefix, as nft prints them). */
export function rangesToCidrs(ranges: readonly Range[], family: Family): string[] {
  const sorted = [...ranges].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const merged: Range[] = [];
  for (const r of sorted) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) { if (r[1] > last[1]) last[1] = r[1]; } else merged.push([r[0], r[1]]);
  }
  const bits = bitsOf(family);
  const out: string[] = [];
  for (let [lo, hi] of merged) {
    while (lo < hi) {
      let size = lo === 0n ? 1n << BigInt(bits) : lo & -lo; // the largest block aligned at lo
      while (size > hi - lo) size >>= 1n;
      let prefix = bits;
      for (let s = size; s > 1n; s >>= 1n) prefix--;
      out.push(prefix === bits ? bigIntToIP(lo, family) : `${bigIntToIP(lo, family)}/${prefix}`);
      lo += size;
    }
  }
  return out;
}

/** A rule's ports for one subject: numeric ranges per protocol (ingress named ports resolved), egress named ports apart. */
export interface PortPlan { numeric: Map<Protocol, { any: boolean; ranges: [number, number][] }>; named: PortSpec[] }

export function planPorts(ports: readonly PortSpec[] | null, dir: Direction, subject: PodClass): PortPlan | null {
  if (ports === null) return null;
  const numeric = new Map<Protocol, { any: boolean; ranges: [number, number][] }>();
  const named: PortSpec[] = [];
  const entry = (p: Protocol) => {
    let e = numeric.get(p);
    if (!e) numeric.set(p, (e = { any: false, ranges: [] }));
    return e;
  };
  for (const s of ports) {
    if (s.name !== undefined) {
      if (dir === 'Egress') { named.push(s); continue; }
      const port = resolveNamedPort(subject.ports, s.name, s.protocol);
      if (port !== undefined) entry(s.protocol).ranges.push([port, port]);
    } else if (s.port === undefined) entry(s.protocol).any = true;
    else entry(s.protocol).ranges.push([s.port, s.endPort ?? s.port]);
  }
  return { numeric, named };
}

/** `tcp dport 80`, `udp dport { 53, 8000-8080 }`, `meta l4proto sctp`: one match per protocol. */
export function portMatches(plan: PortPlan): string[] {
  const out: string[] = [];
  for (const proto of PROTOCOLS) {
    const e = plan.numeric.get(proto);
    if (!e) continue;
    const p = proto.toLowerCase();
    if (e.any) { out.push(`meta l4proto ${p}`); continue; }
    const merged: [number, number][] = [];
    for (const r of [...e.ranges].sort((a, b) => a[0] - b[0])) {
      const last = merged[merged.length - 1];
      if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]); else merged.push([r[0], r[1]]);
    }
    const items = merged.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`));
    out.push(items.length === 1 ? `${p} dport ${items[0]}` : `${p} dport { ${items.join(', ')} }`);
  }
  return out;
}

/** Destination `ip . proto . port` triples for egress named ports: each pod of `classes` that has the port. */
export function namedPortElements(model: PolicyModel, specs: readonly PortSpec[], classes: Bitset): Map<Family, string[]> {
  const out = new Map<Family, Set<string>>();
  for (const id of classes) {
    const c = model.index.classes[id];
    for (const s of specs) {
      const port = resolveNamedPort(c.ports, s.name!, s.protocol);
      if (port === undefined) continue;
      for (const pod of c.pods) for (const ip of podIPs(pod)) {
        const p = parseIP(ip);
        if (!p) continue;
        let set = out.get(p.family);
        if (!set) out.set(p.family, (set = new Set()));
        set.add(`${ip} . ${s.protocol.toLowerCase()} . ${port}`);
      }
    }
  }
  return new Map([...out].map(([f, s]) => [f, [...s].sort(compareElements)]));
}

function compareElements(a: string, b: string): number {
  const ka = elementKey(a), kb = elementKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
function elementKey(e: string): string {
  const [ip, proto, port] = e.split(' . ');
  const p = parseIP(ip);
  return `${p ? p.n.toString(16).padStart(32, '0') : ip}|${proto}|${port.padStart(5, '0')}`;
}

/** Set and chain names: nft allows 255 characters; longer ones (253-character policy names) keep a hash of the rest. */
export function nftName(name: string): string {
  return name.length <= 200 ? name : `${name.slice(0, 180)}.${createHash('sha1').update(name).digest('hex').slice(0, 16)}`;
}

/** nft comments: printable ASCII without quotes, at most 128 characters (NFT_USERDATA comment limit). */
export function nftComment(text: string): string {
  const clean = text.replace(/[^\x20-\x7e]/g, '?').replace(/"/g, "'");
  return clean.length <= 128 ? clean : `${clean.slice(0, 125)}...`;
}
