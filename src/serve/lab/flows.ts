// The flow log: every request the lab carries (exec, NodePort/LoadBalancer connections, ingress requests) as one
// record, kept in a ring and pushed to subscribers (the UI's WebSocket, `podnet logs --flows`).
import type { NetfilterVerdict } from '../../realize/nftrace.js';
import { joinHostPort } from '../../util/text.js';

export interface FlowHop { step: string; node?: string; text: string }

/** One flow; field names are the public JSON contract of `podnet logs --flows -o json` and the UI's stream. */
export interface FlowRecord {
  id: number;
  time: string;
  /** `namespace/pod`, `external` or `external:IP`. */
  source: string;
  destination: string;
  protocol: string;
  verdict: 'delivered' | 'dropped' | 'error';
  /** What answered (`namespace/pod`), when delivered. */
  pod?: string;
  /** The HTTP status the client got, for HTTP flows. */
  status?: number;
  reason?: string;
  /** Where the flow came in: exec, nodeport, loadbalancer, ingress. */
  via: string;
  hops: FlowHop[];
  snapshot: number;
  /** Kernel mode: the NetworkPolicy table's verdict, as the kernel traced the connection's first packet in a node. */
  netfilter?: { node: string; table: string; chain: string; rule: string; verdict: string };
}

/**
 * Which recorded flows to show first, in the words of the Kubernetes pod log API (PodLogOptions): `tailLines` (the
 * last N; -1 or absent: no limit) after `sinceSeconds` / `sinceTime` (only flows at or after that moment).
 */
export interface FlowSelection { tailLines?: number; sinceSeconds?: number; sinceTime?: string }

export class FlowQueryError extends Error {}

/**
 * Reads a selection from query parameters (`tailLines`, `sinceSeconds`, `sinceTime`; `limit` is the older name of
 * `tailLines`), with the checks and messages of kubectl's own flags. `defaultTail` applies when no tail is given.
 */
export function flowSelection(q: URLSearchParams, defaultTail: number): FlowSelection {
  const int = (name: string): number | undefined => {
    const v = q.get(name);
    if (v === null) return undefined;
    if (!/^-?\d+$/.test(v)) throw new FlowQueryError(`${name} must be an integer, not ${JSON.stringify(v)}`);
    return Number(v);
  };
  const tailLines = int('tailLines') ?? int('limit') ?? defaultTail;
  if (tailLines < -1) throw new FlowQueryError('tailLines must be greater than or equal to -1');
  const sinceSeconds = int('sinceSeconds');
  if (sinceSeconds !== undefined && sinceSeconds < 0) throw new FlowQueryError('sinceSeconds must be greater than 0');
  const sinceTime = q.get('sinceTime') ?? undefined;
  if (sinceTime !== undefined && Number.isNaN(Date.parse(sinceTime))) throw new FlowQueryError(`sinceTime must be an RFC3339 time, not ${JSON.stringify(sinceTime)}`);
  if (sinceTime !== undefined && sinceSeconds !== undefined) throw new FlowQueryError('at most one of sinceTime or sinceSeconds may be specified');
  return { tailLines, sinceSeconds, sinceTime };
}

export class FlowLog {
  private ring: FlowRecord[] = [];
  private next = 1;
  private readonly subscribers = new Set<(f: FlowRecord) => void>();
  constructor(private readonly capacity = 2000, private readonly now: () => number = Date.now) {}

  record(f: Omit<FlowRecord, 'id' | 'time'>): FlowRecord {
    const rec: FlowRecord = { id: this.next++, time: new Date(this.now()).toISOString(), ...f };
    this.ring.push(rec);
    if (this.ring.length > this.capacity) this.ring.splice(0, this.ring.length - this.capacity);
    for (const s of this.subscribers) {
      try { s(rec); } catch { /* a broken subscriber never stops the lab */ }
    }
    return rec;
  }

  recent(limit = 200): FlowRecord[] {
    return this.ring.slice(-limit);
  }

  /** The flows a selection asks for, oldest first (since, then the tail of what remains, as the kubelet does). */
  select(sel: FlowSelection): FlowRecord[] {
    const from = sel.sinceTime !== undefined ? Date.parse(sel.sinceTime) : sel.sinceSeconds !== undefined ? this.now() - sel.sinceSeconds * 1000 : undefined;
    let start = 0;
    if (from !== undefined) while (start < this.ring.length && Date.parse(this.ring[start].time) < from) start++;
    const tail = sel.tailLines === undefined || sel.tailLines < 0 ? Infinity : sel.tailLines;
    return this.ring.slice(Math.max(start, this.ring.length - tail));
  }

  subscribe(fn: (f: FlowRecord) => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }
}

/**
 * One flow from the kernel's trace of a connection's first packet through a node (kernel mode: src/realize/nftrace.ts);
 * undefined for traffic of no pod (the nodes' own tunnel packets). `podAt`: the pod (`namespace/name`) with an address.
 */
export function netfilterFlow(v: NetfilterVerdict, podAt: (ip: string) => string | undefined): Omit<FlowRecord, 'id' | 'time' | 'snapshot'> | undefined {
  const src = podAt(v.saddr);
  const dst = podAt(v.daddr);
  if (!src && !dst) return undefined;
  const port = (ip: string, p?: number) => (p === undefined ? ip : joinHostPort(ip, p));
  const to = v.original ? port(v.original.daddr, v.original.dport) : port(v.daddr, v.dport);
  const dropped = v.verdict !== 'accept';
  const where = `${v.table} ${v.chain}`;
  return {
    source: src ?? v.saddr, destination: to, protocol: v.protocol.toUpperCase(), verdict: dropped ? 'dropped' : 'delivered', via: 'kernel',
    ...(dst && !dropped ? { pod: dst } : {}),
    reason: `netfilter on ${v.node}: ${v.verdict} by ${where}: ${v.rule}`,
    hops: [
      ...(v.original ? [{ step: 'dnat', node: v.node, text: `${to} → ${port(v.daddr, v.dport)}${dst ? ` (${dst})` : ''}` }] : []),
      ...v.rules.map((r) => ({ step: 'netfilter', node: v.node, text: `${v.table} ${r.chain}: ${r.comment ?? r.rule} (verdict ${r.verdict})` })),
      ...(v.rules.some((r) => r.verdict === v.verdict) ? [] : [{ step: 'netfilter', node: v.node, text: `${where}: ${v.rule}` }]),
    ],
    netfilter: { node: v.node, table: v.table, chain: v.chain, rule: v.rule, verdict: v.verdict },
  };
}

/** One line per flow for terminals. */
export function formatFlow(f: FlowRecord): string {
  const t = f.time.slice(11, 23);
  const v = f.verdict === 'delivered' ? 'DELIVERED' : f.verdict === 'dropped' ? 'DROPPED  ' : 'ERROR    ';
  const to = f.pod && !f.destination.includes(f.pod) ? `${f.destination} → ${f.pod}` : f.destination;
  return `${t} ${v} ${f.via.padEnd(12)} ${f.source} → ${to} ${f.protocol}${f.reason ? `  (${f.reason})` : ''}`;
}
