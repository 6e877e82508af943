// The flow log: every request the lab carries (exec, NodePort/LoadBalancer connections, ingress requests) as one
// record, kept in a ring and pushed to subscribers (the UI's WebSocket, `podnet logs --flows`).

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
}

export class FlowLog {
  private ring: FlowRecord[] = [];
  private next = 1;
  private readonly subscribers = new Set<(f: FlowRecord) => void>();
  constructor(private readonly capacity = 2000) {}

  record(f: Omit<FlowRecord, 'id' | 'time'>): FlowRecord {
    const rec: FlowRecord = { id: this.next++, time: new Date().toISOString(), ...f };
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

  subscribe(fn: (f: FlowRecord) => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }
}

/** One line per flow for terminals. */
export function formatFlow(f: FlowRecord): string {
  const t = f.time.slice(11, 23);
  const v = f.verdict === 'delivered' ? 'DELIVERED' : f.verdict === 'dropped' ? 'DROPPED  ' : 'ERROR    ';
  const to = f.pod && !f.destination.includes(f.pod) ? `${f.destination} → ${f.pod}` : f.destination;
  return `${t} ${v} ${f.via.padEnd(12)} ${f.source} → ${to} ${f.protocol}${f.reason ? `  (${f.reason})` : ''}`;
}
