// DNS resource records as podnet hands them out: structured data for the wire (src/serve/dns-server.ts) and the text a
// person reads, in dig's presentation format (RFC 1035 §5.1), plus the object that produced each record (its "why").

export type RecordType = 'A' | 'AAAA' | 'CNAME' | 'PTR' | 'NS' | 'SRV' | 'TXT' | 'SOA';

export type Rdata =
  | { type: 'A' | 'AAAA'; address: string }
  | { type: 'CNAME' | 'PTR' | 'NS'; target: string }
  | { type: 'SRV'; priority: number; weight: number; port: number; target: string }
  | { type: 'TXT'; text: string[] }
  | { type: 'SOA'; mname: string; rname: string; serial: number; refresh: number; retry: number; expire: number; minimum: number };

export interface DnsRecord {
  /** Owner name, absolute (trailing dot); echoes the query's spelling where CoreDNS does. */
  name: string;
  type: RecordType;
  ttl: number;
  /** Presentation format, as dig prints the RDATA. */
  data: string;
  rdata: Rdata;
  /** What produced the record: `Service production/backend (ClusterIP)`, `hosts plugin`, ... */
  from?: string;
}

export function presentRdata(r: Rdata): string {
  switch (r.type) {
    case 'A': case 'AAAA': return r.address;
    case 'CNAME': case 'PTR': case 'NS': return r.target;
    case 'SRV': return `${r.priority} ${r.weight} ${r.port} ${r.target}`;
    case 'TXT': return r.text.map((t) => `"${t.replace(/["\\]/g, '\\$&')}"`).join(' ');
    case 'SOA': return `${r.mname} ${r.rname} ${r.serial} ${r.refresh} ${r.retry} ${r.expire} ${r.minimum}`;
  }
}

export function record(name: string, ttl: number, rdata: Rdata, from?: string): DnsRecord {
  return { name, type: rdata.type, ttl, data: presentRdata(rdata), rdata, ...(from ? { from } : {}) };
}

/** A record with another TTL (cache capping, TTL rewrites). */
export function withTtl(r: DnsRecord, ttl: number): DnsRecord {
  return { ...r, ttl };
}

/** Removes exact duplicates (same owner, type, data), keeping the first: dnsutil.Dedup. */
export function dedup(records: readonly DnsRecord[]): DnsRecord[] {
  const seen = new Set<string>();
  const out: DnsRecord[] = [];
  for (const r of records) {
    const key = `${r.name.toLowerCase()}|${r.type}|${r.data.toLowerCase()}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(r);
  }
  return out;
}

/** One line of a zone file / dig answer section: `name. 30 IN A 10.96.0.10`. */
export function formatRecordLine(r: DnsRecord): string {
  return `${r.name.padEnd(40)} ${String(r.ttl).padEnd(6)} IN ${r.type.padEnd(6)} ${r.data}`;
}

/** The query types podnet knows by name; others are answered by number on the wire. */
export const QUERY_TYPES = ['A', 'AAAA', 'CNAME', 'PTR', 'NS', 'SRV', 'TXT', 'SOA', 'ANY', 'MX', 'HINFO', 'CAA', 'AXFR', 'IXFR'] as const;
export type QueryType = (typeof QUERY_TYPES)[number] | string;
