// One CoreDNS server: the Corefile's server blocks with their plugins, run in plugin.cfg's fixed order (cache,
// rewrite, hosts, kubernetes, forward), not the order written. A pure function from (name, type) to the reply; where
// the reply would come from an upstream (forward), the result says so and to whom, and the caller decides whether to
// send it (the live server does, the CLI does not).
import type { ServerBlock, HostsConfig, CacheConfig, RewriteRule } from './corefile-plugins.js';
import type { ExternalPlugin } from './k8s-external.js';
import type { KubernetesPlugin, PluginResult, Rcode } from './kubernetes.js';
import { transferAllowed, transferZones, zoneTransfer } from './transfer.js';
import { addressFromReverse, canonical, fqdn, isSubdomain, parseIPText } from './names.js';
import { record, withTtl, type DnsRecord } from './records.js';
import { minOf } from '../util/arrays.js';

export interface ForwardDecision {
  /** The name and type the upstream is asked (after rewrites). */
  name: string;
  type: string;
  /** Upstreams as the Corefile names them, with /etc/resolv.conf replaced by the emulated node's nameservers. */
  upstreams: string[];
  /** The forward line: `forward . /etc/resolv.conf` (Corefile line N). */
  rule: string;
}

export interface DnsAnswer {
  question: { name: string; type: string };
  /** A DNS rcode, or FORWARDED when the answer is the upstream's (see `forward`): podnet does not invent it. */
  rcode: Rcode | 'FORWARDED';
  authoritative: boolean;
  answers: DnsRecord[];
  authority: DnsRecord[];
  additional: DnsRecord[];
  /** The server block that handled the query (`.:53`). */
  serverBlock?: string;
  /** The plugin that produced the reply. */
  plugin: 'kubernetes' | 'k8s_external' | 'hosts' | 'forward' | 'none';
  forward?: ForwardDecision;
  /** Each step, in words: block chosen, rewrites, which plugin answered and from which object. */
  why: string[];
}

export interface ChainBlock { block: ServerBlock; kubernetes?: KubernetesPlugin; external?: ExternalPlugin }

/** How a zone transfer arrives: the live server knows the transport and the client; the model assumes TCP from an allowed client. */
export interface TransferRequest { clientIP?: string; transport?: 'udp' | 'tcp'; serial?: number }

const MAX_CNAME_CHASE = 8;

/** Zones kept per chain: a chain is one snapshot's, so a zone's records never change under it. */
const MAX_MEMO_ZONES = 8;

export class DnsChain {
  private readonly zones = new Map<string, DnsRecord[] | undefined>();

  constructor(readonly blocks: readonly ChainBlock[], readonly nodeNameservers: readonly string[], readonly nodeSearches: readonly string[] = []) {}

  /**
   * Answers a query as the CoreDNS server listening on `port` would. `clientIP` is the packet's source address (what
   * autopath uses to find the asking pod).
   */
  resolve(name: string, type: string, port = 53, depth = 0, clientIP?: string): DnsAnswer {
    const qname = fqdn(name);
    const qtype = type.toUpperCase();
    const why: string[] = [];
    const chosen = this.selectBlock(qname, port);
    const base = { question: { name: qname, type: qtype }, answers: [] as DnsRecord[], authority: [] as DnsRecord[], additional: [] as DnsRecord[] };
    if (!chosen) {
      return { ...base, rcode: 'REFUSED', authoritative: false, plugin: 'none', why: [`no server block on port ${port} serves ${qname}: REFUSED`] };
    }
    const { block } = chosen;
    why.push(`server block ${block.key} (Corefile line ${block.line}) serves ${qname}`);
    const { name: rewritten, revert } = applyRewrites(qname, block.rewrites, why);
    let reply = this.autopath(chosen, rewritten, qtype, why, depth, clientIP) ?? this.runPlugins(chosen, rewritten, qtype, why, depth);
    if (revert && canonical(rewritten) !== canonical(qname)) {
      // exact rules (always) and `answer auto` rename the answers back to the name the client asked for.
      const rename = (r: DnsRecord) => (canonical(r.name) === canonical(rewritten) ? { ...r, name: qname } : r);
      reply = { ...reply, answers: reply.answers.map(rename) };
    }
    if (block.cache && reply.rcode !== 'FORWARDED' && qtype !== 'AXFR' && qtype !== 'IXFR' && block.cache.zones.some((z) => isSubdomain(rewritten, z))) reply = capTtls(reply, block.cache, why);
    return { ...base, ...reply, question: { name: qname, type: qtype }, serverBlock: block.key, why };
  }

  /** A zone transfer (AXFR, IXFR) as the live server receives it: the transport, the client and IXFR's serial decide. */
  transfer(name: string, type: string, req: TransferRequest, port = 53): DnsAnswer {
    const qname = fqdn(name);
    const qtype = type.toUpperCase();
    const chosen = this.selectBlock(qname, port);
    if (!chosen?.block.transfer || !transferZones(chosen.block.transfer, qname)) return this.resolve(qname, qtype, port, 0, req.clientIP);
    const why = [`server block ${chosen.block.key} (Corefile line ${chosen.block.line}) serves ${qname}`];
    const reply = this.xfr(chosen, qname, qtype, why, req);
    return { question: { name: qname, type: qtype }, ...reply, serverBlock: chosen.block.key, why };
  }

  private xfr(chosen: ChainBlock, qname: string, qtype: string, why: string[], req: TransferRequest): Omit<DnsAnswer, 'question' | 'why'> {
    const t = chosen.block.transfer!;
    const refused = (reason: string) => { why.push(`transfer (Corefile line ${t.line}): ${reason}: REFUSED`); return { rcode: 'REFUSED' as const, authoritative: false, answers: [], authority: [], additional: [], plugin: 'none' as const }; };
    if ((req.transport ?? 'tcp') !== 'tcp') return refused('zone transfers are served over TCP only');
    if (!transferAllowed(t, req.clientIP)) return refused(`${req.clientIP} is not in "to ${t.to.join(' ')}"`);
    const records = chosen.kubernetes ? this.zone(chosen.block.key, chosen.kubernetes, qname, qtype === 'IXFR' ? req.serial : undefined) : undefined;
    if (!records) return refused(`no plugin of the block can transfer ${qname} (only the kubernetes plugin's zones are transferable)`);
    why.push(records.length === 1 ? `transfer: IXFR with the current serial ${req.serial}: the SOA alone (the zone has not changed)` : `transfer: ${qtype === 'IXFR' ? 'IXFR falls back to a full transfer' : 'AXFR'} of ${qname}: ${records.length} records, SOA first and last (kubernetes xfr.go)`);
    return { rcode: 'NOERROR', authoritative: true, answers: records, authority: [], additional: [], plugin: 'kubernetes' };
  }

  /** The records of a transfer, built once per zone and serial: every secondary asking gets the same array. */
  private zone(blockKey: string, k: KubernetesPlugin, qname: string, serial: number | undefined): DnsRecord[] | undefined {
    const key = `${blockKey} ${qname} ${serial ?? ''}`;
    if (this.zones.has(key)) return this.zones.get(key);
    const records = zoneTransfer(k, qname, serial);
    if (this.zones.size >= MAX_MEMO_ZONES) this.zones.clear();
    this.zones.set(key, records);
    return records;
  }

  /** A plugin's reply, with an ExternalName-style CNAME target looked up through the server again (plugin/pkg/upstream). */
  private finish(name: string, k: PluginResult, block: ServerBlock, why: string[], depth: number): Omit<DnsAnswer, 'question' | 'why'> {
    let answers = k.answers;
    let forward: ForwardDecision | undefined;
    if (k.chase && depth < MAX_CNAME_CHASE) {
      const sub = this.resolve(k.chase.name, k.chase.type, block.port, depth + 1);
      why.push(`the CNAME target ${k.chase.name} is looked up through the server again: ${sub.rcode}`);
      answers = [...answers, ...sub.answers];
      if (sub.forward) forward = sub.forward;
    }
    return { rcode: k.rcode, authoritative: true, answers, authority: k.authority, additional: k.additional, plugin: name === 'kubernetes' ? 'kubernetes' : 'k8s_external', ...(forward ? { forward } : {}) };
  }

  /** The block with the most specific zone containing qname among those on `port` (CoreDNS's zone matching). */
  selectBlock(qname: string, port: number): ChainBlock | undefined {
    let best: ChainBlock | undefined;
    let bestLen = -1;
    for (const b of this.blocks) {
      if (b.block.port !== port) continue;
      for (const z of b.block.zones) {
        if (isSubdomain(qname, z) && z.length > bestLen) { best = b; bestLen = z.length; }
      }
    }
    return best;
  }

  /**
   * autopath @kubernetes (plugin/autopath, kubernetes AutoPath): for a query ending in the client pod's first search
   * domain, try the base name with each search domain (and bare) on the server; the first reply that is not NXDOMAIN
   * goes back, with a CNAME from the asked name to the found one. Needs `pods verified` and the pod's own source IP.
   */
  private autopath(chosen: ChainBlock, qname: string, qtype: string, why: string[], depth: number, clientIP?: string): Omit<DnsAnswer, 'question' | 'why'> | undefined {
    const k = chosen.kubernetes;
    if (!chosen.block.autopath || !k || !clientIP) return undefined;
    const search = k.autopathSearch(clientIP, this.nodeSearches);
    if (!search) return undefined;
    const first = `.${search[0]}`;
    const lower = canonical(qname);
    if (!lower.endsWith(first)) return undefined;
    const base = qname.slice(0, qname.length - first.length);
    why.push(`autopath: ${qname} ends in the client pod's first search domain ${search[0]}; the server walks ${search.map((d) => (d === '' ? '(bare)' : d)).join(', ')}`);
    let firstReply: Omit<DnsAnswer, 'question' | 'why'> | undefined;
    for (const [i, domain] of search.entries()) {
      const candidate = domain === '' ? `${base}.` : `${base}.${domain}`;
      const sub: string[] = [];
      const reply = this.runPlugins(chosen, candidate, qtype, sub, depth);
      if (i === 0) firstReply = reply;
      if (reply.rcode === 'NXDOMAIN') continue;
      why.push(`autopath: ${candidate} -> ${reply.rcode}${sub.length ? ` (${sub[sub.length - 1]})` : ''}`);
      if (i === 0 || reply.answers.length === 0) return reply;
      const target = reply.answers.find((a) => canonical(a.name) !== lower);
      if (!target) return reply;
      const cname = record(qname, target.ttl, { type: 'CNAME', target: fqdn(target.name) }, 'autopath: the name the server found on the client\'s search path');
      return { ...reply, answers: [cname, ...reply.answers] };
    }
    why.push('autopath: every candidate is NXDOMAIN; the first reply goes back and the client walks its own search list');
    return firstReply;
  }

  private runPlugins(chosen: ChainBlock, qname: string, qtype: string, why: string[], depth: number): Omit<DnsAnswer, 'question' | 'why'> {
    const { block } = chosen;
    const empty = { answers: [] as DnsRecord[], authority: [] as DnsRecord[], additional: [] as DnsRecord[] };
    if ((qtype === 'AXFR' || qtype === 'IXFR') && block.transfer && transferZones(block.transfer, qname)) return this.xfr(chosen, qname, qtype, why, {});
    if (block.hosts) {
      const h = serveHosts(block.hosts, qname, qtype);
      if (h) {
        why.push(h.why);
        if (h.rcode !== 'next') return { ...empty, rcode: h.rcode, authoritative: true, answers: h.answers, plugin: 'hosts' };
      }
    }
    // plugin.cfg order: k8s_external before kubernetes.
    for (const [name, plugin] of [['k8s_external', chosen.external], ['kubernetes', chosen.kubernetes]] as const) {
      const k = plugin?.serve(qname, qtype);
      if (!k) continue;
      if (k.fallthrough) { why.push(`${name}: ${k.why}; fallthrough passes the NXDOMAIN on to the next plugin`); continue; }
      why.push(`${name} (zone ${k.zone}): ${k.rcode === 'NXDOMAIN' ? `NXDOMAIN: ${k.why}` : k.why}`);
      return this.finish(name, k, block, why, depth);
    }
    const f = block.forward;
    if (f && isSubdomain(qname, f.from) && !f.except.some((z) => isSubdomain(qname, z))) {
      const upstreams = f.to.flatMap((t) => (t === '/etc/resolv.conf' || t.endsWith('resolv.conf') ? [...this.nodeNameservers] : [t]));
      why.push(`forward ${f.from} sends ${qname} to ${upstreams.join(', ')} (Corefile line ${f.line}${f.to.includes('/etc/resolv.conf') ? "; /etc/resolv.conf is the CoreDNS pod's node's, as CoreDNS runs with dnsPolicy Default" : ''})`);
      return { ...empty, rcode: 'FORWARDED', authoritative: false, plugin: 'forward', forward: { name: qname, type: qtype, upstreams, rule: `forward ${f.from} ${f.to.join(' ')}` } };
    }
    why.push('no plugin of this server block handles the name: SERVFAIL (plugin.NextOrFailure)');
    return { ...empty, rcode: 'SERVFAIL', authoritative: false, plugin: 'none' };
  }
}

function applyRewrites(qname: string, rules: readonly RewriteRule[], why: string[]): { name: string; revert: boolean } {
  let name = qname;
  let revert = true;
  for (const r of rules) {
    const lower = canonical(name);
    let next: string | undefined;
    switch (r.match) {
      case 'exact': if (lower === r.from) next = r.to; break;
      case 'suffix': { const from = r.from.endsWith('.') ? r.from : `${r.from}.`; const to = r.to.endsWith('.') ? r.to : `${r.to}.`; if (lower.endsWith(from)) next = lower.slice(0, lower.length - from.length) + to; break; }
      case 'prefix': if (lower.startsWith(r.from.toLowerCase())) next = r.to.toLowerCase() + lower.slice(r.from.length); break;
      case 'substring': if (lower.includes(r.from.toLowerCase())) next = lower.replace(r.from.toLowerCase(), r.to.toLowerCase()); break;
      case 'regex': { const m = new RegExp(r.from).exec(lower); if (m) next = r.to.replace(/\{(\d+)\}/g, (_, i) => m[Number(i)] ?? ''); break; }
    }
    if (next === undefined) continue;
    next = fqdn(next);
    why.push(`rewrite name ${r.match} ${r.from} ${r.to} (Corefile line ${r.line}): ${name} -> ${next}`);
    name = next;
    revert &&= r.answerAuto;
    if (r.stop) break;
  }
  return { name, revert };
}

interface HostsReply { rcode: Rcode | 'next'; answers: DnsRecord[]; why: string }

/** The hosts plugin (plugin/hosts/hosts.go ServeDNS). */
function serveHosts(h: HostsConfig, qname: string, qtype: string): HostsReply | undefined {
  const name = canonical(qname);
  const inOrigins = h.origins.some((z) => isSubdomain(name, z));
  if (qtype === 'PTR') {
    const ip = addressFromReverse(name);
    const names = ip && !h.noReverse ? h.entries.filter((e) => e.ip === ip).flatMap((e) => e.names) : [];
    if (names.length === 0) return inOrigins ? { rcode: 'next', answers: [], why: `hosts: no entry for ${ip ?? name}; next plugin` } : undefined;
    return { rcode: 'NOERROR', answers: names.map((n) => record(qname, h.ttl, { type: 'PTR', target: n }, 'hosts plugin entry')), why: `hosts: ${ip} is listed` };
  }
  if (!inOrigins) return undefined;
  const matching = h.entries.filter((e) => e.names.includes(name));
  const answers = matching
    .filter((e) => (qtype === 'A' && !e.ip.includes(':')) || (qtype === 'AAAA' && e.ip.includes(':')))
    .map((e) => record(qname, h.ttl, { type: qtype as 'A' | 'AAAA', address: parseIPText(e.ip)! }, `hosts plugin entry ${e.ip} ${e.names.join(' ')}`));
  if (answers.length === 0 && matching.length === 0) {
    if (h.fallthrough && (h.fallthrough.length === 0 || h.fallthrough.some((z) => isSubdomain(name, z)))) return { rcode: 'next', answers: [], why: `hosts: ${name} is not listed; fallthrough to the next plugin` };
    return { rcode: 'SERVFAIL', answers: [], why: `hosts: ${name} is not listed and hosts has no fallthrough: SERVFAIL (hosts has no SOA to send NXDOMAIN with)` };
  }
  return { rcode: 'NOERROR', answers, why: answers.length ? `hosts: ${name} is listed` : `hosts: ${name} is listed, without ${qtype} records` };
}

/** cache's ResponseWriter: every TTL of the reply becomes the message's minimal TTL clamped to [min, max]. */
function capTtls(reply: Omit<DnsAnswer, 'question' | 'why'>, c: CacheConfig, why: string[]): Omit<DnsAnswer, 'question' | 'why'> {
  if (reply.rcode !== 'NOERROR' && reply.rcode !== 'NXDOMAIN') return reply;
  const negative = reply.rcode === 'NXDOMAIN' || reply.answers.length === 0;
  const all = [...reply.answers, ...reply.authority, ...reply.additional];
  if (all.length === 0) return reply;
  let min = minOf(all.map((r) => r.ttl));
  if (negative) for (const r of reply.authority) if (r.rdata.type === 'SOA') min = Math.min(min, r.rdata.minimum);
  const [lo, hi] = negative ? [c.denialMinTtl, c.denialTtl] : [c.minTtl, c.ttl];
  const ttl = Math.min(hi, Math.max(lo, min));
  if (all.some((r) => r.ttl !== ttl)) why.push(`cache: TTLs set to ${ttl}s (${negative ? 'denial' : 'success'} range ${lo}-${hi}s)`);
  const set = (rs: DnsRecord[]) => rs.map((r) => withTtl(r, ttl));
  return { ...reply, answers: set(reply.answers), authority: set(reply.authority), additional: set(reply.additional) };
}
