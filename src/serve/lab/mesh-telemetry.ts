// What the lab's mesh reports, as an Istio mesh does: Prometheus metrics with Istio's standard names and labels
// (istio.io/latest/docs/reference/config/metrics: istio_requests_total, istio_request_duration_milliseconds with the
// default buckets), one span per proxy hop exported as OpenTelemetry JSON (OTLP/JSON, opentelemetry-proto
// trace/v1/trace.proto: hex ids, integer kind, nanosecond strings), and a Kiali-like service graph aggregated from the
// same requests. The label values come from src/mesh (requestLabels); this file only counts and renders.
import { Counter, Histogram, Registry } from 'prom-client';
import { DURATION_BUCKETS_MS, ISTIO_METRICS } from '../../mesh/index.js';

const LABELS = ['reporter', 'source_workload', 'source_workload_namespace', 'source_principal', 'source_app', 'source_version', 'destination_workload', 'destination_workload_namespace', 'destination_principal', 'destination_app', 'destination_version', 'destination_service', 'destination_service_name', 'destination_service_namespace', 'request_protocol', 'response_code', 'response_flags', 'connection_security_policy'] as const;

export interface MeshSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  /** Envoy names a span after the route's host and port: `backend.production.svc.cluster.local:8080/*`. */
  name: string;
  kind: 'client' | 'server';
  /** The proxy's workload, `name.namespace` (OTel service.name as Istio sets it). */
  service: string;
  startMs: number;
  endMs: number;
  attributes: Record<string, string | number | boolean>;
  error: boolean;
}

/** One request as the graph counts it (reporter: the destination, or the source when the request never got there). */
export interface GraphRecord {
  atMs: number;
  source: { workload: string; namespace: string; version?: string } | undefined;
  service: { name: string; namespace: string } | undefined;
  destination: { workload: string; namespace: string; version?: string } | undefined;
  /** HTTP status; 0 when the connection failed without one. */
  code: number;
  /** Whether the connection was mTLS; absent when the request never left the client's proxy (fault abort, no route). */
  mtls?: boolean;
  durationMs: number;
}

export interface GraphNode { id: string; kind: 'workload' | 'service' | 'unknown'; namespace?: string; name: string; version?: string }
export interface GraphEdge { source: string; target: string; requests: number; rps: number; errors: number; errorRatio: number; codes: Record<string, number>; mtls: 'mutual_tls' | 'none' | 'mixed'; p50Ms: number; p95Ms: number }
export interface ServiceGraph { windowSeconds: number; requests: number; nodes: GraphNode[]; edges: GraphEdge[] }

const MAX_SPANS = 5000;
const MAX_RECORDS = 20_000;

export class MeshTelemetry {
  readonly registry = new Registry();
  private readonly requests: Counter<(typeof LABELS)[number]>;
  private readonly duration: Histogram<(typeof LABELS)[number]>;
  private spans: MeshSpan[] = [];
  private records: GraphRecord[] = [];

  constructor() {
    this.requests = new Counter({ name: ISTIO_METRICS.requestsTotal, help: 'Requests handled by the mesh proxies (Istio standard metric).', labelNames: LABELS, registers: [this.registry] });
    this.duration = new Histogram({ name: ISTIO_METRICS.requestDuration, help: 'Request duration in milliseconds (Istio standard metric).', labelNames: LABELS, buckets: DURATION_BUCKETS_MS, registers: [this.registry] });
  }

  /** One request as a proxy reports it (labels from src/mesh requestLabels). */
  observe(labels: Record<string, string>, durationMs: number): void {
    const l = Object.fromEntries(LABELS.map((k) => [k, labels[k] ?? 'unknown']));
    this.requests.inc(l);
    this.duration.observe(l, durationMs);
  }

  metricsText(): Promise<string> { return this.registry.metrics(); }
  get contentType(): string { return this.registry.contentType; }

  addSpan(s: MeshSpan): void {
    this.spans.push(s);
    if (this.spans.length > MAX_SPANS) this.spans = this.spans.slice(-MAX_SPANS);
  }

  addRecord(r: GraphRecord): void {
    this.records.push(r);
    if (this.records.length > MAX_RECORDS) this.records = this.records.slice(-MAX_RECORDS);
  }

  spanCount(): number { return this.spans.length; }

  /** The recorded spans as an OTLP/JSON ExportTraceServiceRequest, optionally one trace only or the last `limit`. */
  otlp(opts: { traceId?: string; limit?: number } = {}): unknown {
    let spans = opts.traceId ? this.spans.filter((s) => s.traceId === opts.traceId) : this.spans;
    if (opts.limit !== undefined) spans = spans.slice(-opts.limit);
    const byService = new Map<string, MeshSpan[]>();
    for (const s of spans) {
      const list = byService.get(s.service) ?? [];
      list.push(s);
      byService.set(s.service, list);
    }
    const nanos = (ms: number) => (BigInt(Math.round(ms * 1000)) * 1000n).toString();
    const value = (v: string | number | boolean) => typeof v === 'string' ? { stringValue: v } : typeof v === 'boolean' ? { boolValue: v } : Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
    return {
      resourceSpans: [...byService].map(([service, list]) => ({
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [{
          scope: { name: 'podnet.dev/mesh' },
          spans: list.map((s) => ({
            traceId: s.traceId, spanId: s.spanId, ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}), name: s.name,
            kind: s.kind === 'server' ? 2 : 3, // SPAN_KIND_SERVER = 2, SPAN_KIND_CLIENT = 3
            startTimeUnixNano: nanos(s.startMs), endTimeUnixNano: nanos(s.endMs),
            attributes: Object.entries(s.attributes).map(([key, v]) => ({ key, value: value(v) })),
            status: s.error ? { code: 2 } : { code: 0 }, // STATUS_CODE_ERROR = 2 for 5xx, as Envoy's tracer sets it
          })),
        }],
      })),
    };
  }

  /** Requests of the last `windowSeconds` as a graph: workload → service → workload edges, like Kiali's. */
  graph(nowMs: number, windowSeconds = 60): ServiceGraph {
    const since = nowMs - windowSeconds * 1000;
    const recent = this.records.filter((r) => r.atMs >= since);
    const nodes = new Map<string, GraphNode>();
    const edges = new Map<string, { source: string; target: string; codes: Record<string, number>; durations: number[]; mtls: number; plain: number; errors: number }>();
    const workloadNode = (w: { workload: string; namespace: string; version?: string } | undefined): string => {
      if (!w) { nodes.set('unknown', { id: 'unknown', kind: 'unknown', name: 'unknown' }); return 'unknown'; }
      const id = `workload:${w.namespace}/${w.workload}`;
      if (!nodes.has(id)) nodes.set(id, { id, kind: 'workload', namespace: w.namespace, name: w.workload, ...(w.version && w.version !== 'unknown' ? { version: w.version } : {}) });
      return id;
    };
    const add = (source: string, target: string, r: GraphRecord) => {
      const k = `${source}>${target}`;
      const e = edges.get(k) ?? { source, target, codes: {}, durations: [], mtls: 0, plain: 0, errors: 0 };
      e.codes[String(r.code)] = (e.codes[String(r.code)] ?? 0) + 1;
      e.durations.push(r.durationMs);
      if (r.mtls === true) e.mtls++;
      else if (r.mtls === false) e.plain++;
      if (r.code === 0 || r.code >= 500) e.errors++;
      edges.set(k, e);
    };
    for (const r of recent) {
      const src = workloadNode(r.source);
      if (r.service) {
        const id = `service:${r.service.namespace}/${r.service.name}`;
        if (!nodes.has(id)) nodes.set(id, { id, kind: 'service', namespace: r.service.namespace, name: r.service.name });
        add(src, id, r);
        if (r.destination) add(id, workloadNode(r.destination), r);
      } else if (r.destination) add(src, workloadNode(r.destination), r);
    }
    const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s.length ? Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] * 100) / 100 : 0; };
    return {
      windowSeconds, requests: recent.length,
      nodes: [...nodes.values()].sort((a, b) => a.id.localeCompare(b.id)),
      edges: [...edges.values()].map((e) => {
        const requests = e.durations.length;
        return {
          source: e.source, target: e.target, requests, rps: Number((requests / windowSeconds).toPrecision(3)), errors: e.errors,
          errorRatio: Math.round((e.errors / requests) * 10000) / 10000, codes: e.codes,
          mtls: e.plain === 0 && e.mtls > 0 ? 'mutual_tls' as const : e.mtls === 0 ? 'none' as const : 'mixed' as const,
          p50Ms: pct(e.durations, 50), p95Ms: pct(e.durations, 95),
        };
      }).sort((a, b) => (a.source + a.target).localeCompare(b.source + b.target)),
    };
  }
}
