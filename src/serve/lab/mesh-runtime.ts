// The mesh's data plane in the lab: an HTTP request between pods as the sidecars would carry it. Every decision comes
// from src/mesh (route, subset, endpoint, TLS, PeerAuthentication, authorization, retry policy, outlier detection) and
// the network path of each try from src/trace; this file only acts them out with real requests to the virtual pods:
// - the client's sidecar (Envoy, outbound) picks the route and the endpoint itself (kube-proxy's DNAT is bypassed),
//   injects faults, retries under the route's policy on another host (Istio's previous_hosts predicate), enforces the
//   route and per-try timeouts and ejects failing hosts (outlier detection, per client proxy and cluster);
// - the server's sidecar (Envoy, inbound) terminates mTLS, tells the app who called (x-forwarded-client-cert) and
//   enforces AuthorizationPolicy (403 `RBAC: access denied`);
// - both report Istio's metrics, one span each, and the request lands in the service graph (mesh-telemetry.ts).
// Answers the proxies make themselves use Envoy's bodies and response flags (envoyproxy.io access-log RESPONSE_FLAGS).
import { createHash, randomBytes } from 'node:crypto';
import { ejectedHosts, ENVOY_BODIES, newOutlierState, withHosts, recordResponse, requestLabels, runWithRetriesAsync, tick, workloadOf, type AttemptOutcome, type MeshEndpoint, type MeshEvaluation, type MeshModel, type OutlierEvent, type OutlierState, type RetryResult } from '../../mesh/index.js';
import type { TraceResult } from '../../trace/trace.js';
import type { MeshTelemetry } from './mesh-telemetry.js';
import { pushAll } from '../../util/arrays.js';
import { joinHostPort } from '../../util/text.js';

export interface MeshHttpRequest {
  mesh: MeshModel;
  /** `ns/pod` of the client. */
  from: string;
  /** A Service (the client dialled its name or ClusterIP) or a pod (its IP, or kube-proxy's pick for a client without a sidecar). */
  to: MeshEndpoint;
  /** Service port, or the pod's port. */
  port: number;
  method: string;
  /** Path with query. */
  path: string;
  /** Request headers, names lower-cased, `host` included. */
  headers: Record<string, string>;
  body?: string;
  /** The client's own limit (curl -m). */
  timeoutMs: number;
  /** The network path to a Pod destination, when the caller traced it already. */
  firstTrace?: TraceResult;
  /** The Service the client dialled when `to` is kube-proxy's pick (for the metrics' destination_service). */
  service?: { namespace: string; name: string };
}

export interface HttpAnswer { status: number; statusText: string; headers: Record<string, string>; body: string }

/** How the runtime reaches the world: the network model and the virtual pods. */
export interface MeshIo {
  /** The network path (NetworkPolicy, CNI) from the client pod to one pod endpoint, as src/trace decides it. */
  network(from: string, ip: string, port: number): TraceResult;
  /** Sends one HTTP request to the virtual pod serving ip:port, settling within `budgetMs` (`timeout`) or on error. */
  send(ip: string, port: number, req: { method: string; path: string; headers: Record<string, string>; body?: string }, budgetMs: number, sourceIP: string): Promise<HttpAnswer | { error: 'timeout' | 'reset' | 'refused' }>;
  now(): number;
  random(): number;
  /** Waits (fault delay). */
  sleep(ms: number): Promise<void>;
  /** Waits out a retry backoff (the same as sleep unless a test skips it; the retry runner counts the time either way). */
  backoff?(ms: number): Promise<void>;
}

export interface MeshTry { pod?: string; ip?: string; port?: number; status?: number; outcome: string; durationMs: number; trace?: TraceResult }

export interface MeshHttpResult {
  /** response: the client got an HTTP answer; reset / timeout: the connection failed; dropped: the network dropped it. */
  kind: 'response' | 'reset' | 'timeout' | 'dropped';
  answer?: HttpAnswer;
  /** Who answered: the app, the client's sidecar, or the server's sidecar. */
  answeredBy?: 'app' | 'client-sidecar' | 'server-sidecar';
  evaluation: MeshEvaluation;
  tries: MeshTry[];
  retry?: RetryResult;
  responseFlags: string;
  traceId: string;
  /** What the proxies did, one line each. */
  lines: string[];
  /** The network trace of the last try (when one was made). */
  trace?: TraceResult;
}

const STATUS_TEXT: Record<number, string> = { 200: 'OK', 301: 'Moved Permanently', 302: 'Found', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' };

const MAX_EVENTS = 1000;
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

export class MeshRuntime {
  /** Outlier detection per client proxy and upstream cluster: `ns/pod|outbound|port|subset|host`. */
  private readonly outliers = new Map<string, OutlierState>();
  private readonly events: (OutlierEvent & { client: string; cluster: string })[] = [];
  /** Circuit breakers per client proxy and cluster: requests in flight and those pending for a connection. */
  private readonly pools = new Map<string, { active: number; waiting: (() => void)[] }>();

  constructor(private readonly io: MeshIo, readonly telemetry: MeshTelemetry) {}

  private pushEvent(e: OutlierEvent & { client: string; cluster: string }): void {
    this.events.push(e);
    if (this.events.length > MAX_EVENTS) this.events.splice(0, this.events.length - MAX_EVENTS);
  }

  /** Ejections and returns so far (the last 1,000, newest last). */
  outlierEvents(): readonly (OutlierEvent & { client: string; cluster: string })[] { return this.events; }

  /** Endpoints each client proxy has ejected now: `client|cluster` → pods. */
  ejected(): Record<string, string[]> {
    const now = this.io.now();
    const out: Record<string, string[]> = {};
    for (const [k, s] of this.outliers) {
      const pods = Object.entries(s.hosts).filter(([, h]) => h.ejectedUntilMs !== undefined && h.ejectedUntilMs > now).map(([p]) => p).sort();
      if (pods.length) out[k] = pods;
    }
    return out;
  }

  async request(req: MeshHttpRequest): Promise<MeshHttpResult> {
    const mesh = req.mesh;
    const io = this.io;
    const started = io.now();
    const traceId = hex(16);
    const requestId = `${hex(4)}-${hex(2)}-${hex(2)}-${hex(2)}-${hex(6)}`;
    const [fromNs, fromName] = req.from.split('/', 2);
    const random = { weight: io.random(), delay: io.random(), abort: io.random(), mirror: io.random(), endpoint: io.random() };
    const base = { from: { kind: 'Pod' as const, namespace: fromNs, name: fromName }, to: req.to, port: req.port, method: req.method, path: req.path, headers: req.headers };
    const srcPlane = mesh.membership(fromNs, fromName)?.dataPlane ?? 'none';
    const lines: string[] = [];
    const tries: MeshTry[] = [];

    // The client sidecar's decisions; evaluated again (same draws) without ejected hosts once the cluster is known.
    let ev = mesh.evaluate({ ...base, random });
    const clientProxy = srcPlane === 'sidecar' && !ev.passthrough && req.to.kind === 'Service';
    const cluster = clientProxy && ev.route?.chosen ? `outbound|${ev.route.chosen.port ?? req.port}|${ev.route.chosen.subset ?? ''}|${ev.route.chosen.host}` : undefined;
    const outlierKey = cluster ? `${req.from}|${cluster}` : undefined;
    const ejected = (): Set<string> | undefined => {
      const od = ev.trafficPolicy?.outlierDetection;
      if (!outlierKey || !od || !ev.candidates) return undefined;
      const prev = this.outliers.get(outlierKey);
      const t = tick(prev ? withHosts(prev, ev.candidates) : newOutlierState(od, ev.candidates), io.now());
      for (const e of t.events) { this.pushEvent({ ...e, client: req.from, cluster: cluster! }); lines.push(`outlier detection (${req.from}): ${e.host} returns to the pool: ${e.reason}`); }
      this.outliers.set(outlierKey, t.state);
      const out = new Set(ejectedHosts(t.state).filter((h) => ev.candidates!.includes(h)));
      // Panic mode: below minHealthPercent healthy hosts, Envoy balances over all of them (Istio's default is 0: never).
      const healthyPct = ((ev.candidates.length - out.size) * 100) / ev.candidates.length;
      return od.minHealthPercent > 0 && healthyPct < od.minHealthPercent ? undefined : out;
    };
    const firstEjected = ejected();
    if (firstEjected?.size) ev = mesh.evaluate({ ...base, random, ejected: firstEjected });
    for (const h of ev.hops.filter((x) => x.proxy === 'envoy-outbound')) lines.push(`sidecar (outbound) of ${req.from}: ${h.lines.join('; ')}`);

    const clientSpanId = hex(8);
    const host = ev.route?.chosen?.host ?? (req.to.kind === 'Service' ? `${req.to.name}.${req.to.namespace}.svc.${mesh.clusterDomain}` : undefined);
    const spanName = `${host ?? (ev.destination?.ip ?? 'unknown')}:${ev.route?.chosen?.port ?? ev.destination?.targetPort ?? req.port}/*`;
    const finish = (r: Omit<MeshHttpResult, 'traceId' | 'lines' | 'tries' | 'evaluation'> & { evaluation?: MeshEvaluation }): MeshHttpResult => {
      const result: MeshHttpResult = { evaluation: ev, ...r, traceId, lines, tries };
      this.report(req, result, started, clientProxy ? clientSpanId : undefined, spanName, requestId);
      return result;
    };
    const proxyAnswer = (status: number, body: string, flags: string, extra: Record<string, string> = {}): Omit<MeshHttpResult, 'traceId' | 'lines' | 'tries' | 'evaluation'> => ({
      kind: 'response', answeredBy: 'client-sidecar', responseFlags: flags,
      answer: envoyAnswer(status, body, 'envoy', io.now(), extra),
    });

    // Answers the client sidecar makes without an upstream: no route, redirect, direct response, fault abort, no
    // healthy upstream, BlackHoleCluster.
    if (clientProxy && !ev.destination && ev.status !== undefined) {
      const rt = ev.route;
      if (rt?.kind === 'redirect' && rt.redirect) {
        const loc = rt.redirect.location;
        const authority = loc.authority ?? req.headers.host ?? host ?? '';
        const location = `${loc.scheme ?? 'http'}://${authority}${loc.port ? `:${loc.port}` : ''}${loc.uri ?? req.path}`;
        lines.push(`sidecar (outbound) of ${req.from}: redirect ${rt.redirect.status} to ${location}`);
        return finish(proxyAnswer(rt.redirect.status, '', '-', { location }));
      }
      if (rt?.kind === 'directResponse' && rt.directResponse) return finish(proxyAnswer(rt.directResponse.status, rt.directResponse.body ?? '', '-'));
      if (rt?.fault?.aborted) return finish(proxyAnswer(ev.status, ENVOY_BODIES.FI, 'FI'));
      if (rt?.kind === 'notFound') return finish(proxyAnswer(404, '', 'NR'));
      if (ev.status === 503 && /UH|no healthy upstream/.test(ev.reason)) return finish(proxyAnswer(503, ENVOY_BODIES.UH, 'UH'));
      if (ev.status === 502) return finish(proxyAnswer(502, '', 'NR'));
      return finish(proxyAnswer(ev.status, ENVOY_BODIES.UF, 'UF'));
    }
    if (!ev.destination) {
      // Not a pod (an IP outside the cluster's pods) and no sidecar answer: nothing to deliver to here.
      return finish({ kind: 'reset', responseFlags: 'UF', evaluation: ev });
    }
    if (clientProxy && ev.route?.fault?.delayed && ev.route.fault.delayMs) {
      lines.push(`sidecar (outbound) of ${req.from}: fault injection delays the request ${ev.route.fault.delayMs} ms`);
      await io.sleep(ev.route.fault.delayMs);
    }

    const mirror = clientProxy ? ev.route?.mirror : undefined;
    if (mirror?.mirrored) this.sendMirror(req, mirror, base, traceId, clientSpanId, requestId, lines);

    // One try: the (re)picked endpoint, its network path, the server sidecar, then the app.
    let last: { answer?: HttpAnswer; by?: MeshHttpResult['answeredBy']; error?: 'timeout' | 'reset' | 'dropped'; trace?: TraceResult } = {};
    const previous = new Set<string>();
    const attempt = async (i: number, budgetMs: number | undefined): Promise<AttemptOutcome> => {
      const t0 = io.now();
      if (i > 0) {
        const ej = ejected();
        ev = mesh.evaluate({ ...base, random: { ...random, endpoint: io.random() }, ejected: ej, previousHosts: previous });
        if (!ev.destination) { last = { answer: proxyAnswer(503, ENVOY_BODIES.UH, 'UH').answer, by: 'client-sidecar' }; return { status: 503, durationMs: 0 }; }
      }
      const d = ev.destination!;
      previous.add(d.pod);
      const tryRec: MeshTry = { pod: d.pod, ip: d.ip, port: d.targetPort, outcome: '', durationMs: 0 };
      tries.push(tryRec);
      const trace = i === 0 && req.firstTrace ? req.firstTrace : io.network(req.from, d.ip ?? '', d.targetPort);
      tryRec.trace = trace;
      last = { trace };
      const done = (o: AttemptOutcome, outcome: string): AttemptOutcome => {
        tryRec.status = o.status;
        tryRec.outcome = outcome;
        tryRec.durationMs = o.durationMs;
        if (outlierKey && ev.trafficPolicy?.outlierDetection) this.recordOutlier(outlierKey, cluster!, req.from, d.pod, o.status ?? 503, lines);
        return o;
      };
      if (trace.verdict === 'dropped') {
        last.error = 'dropped';
        lines.push(`try ${i + 1} → ${d.pod}: the network drops the connection (${trace.dropReason})`);
        return done({ connectFailure: true, durationMs: io.now() - t0 }, 'connect failure (dropped by the network)');
      }
      if (!ev.allowed) {
        pushAll(lines, serverSideLines(ev));
        if (ev.status !== undefined && ev.status !== 503) {
          // The server's proxy answers (403 RBAC, 401 JWT, Linkerd's 403).
          const refusal = proxyRefusal(ev, ev.source.ip ?? '', joinHostPort(d.ip ?? "", d.targetPort));
          last = { ...last, answer: answerOf(ev.status, refusal.body, io.now(), refusal.headers), by: 'server-sidecar' };
          this.serverSpan(req, ev, traceId, clientProxy ? clientSpanId : undefined, spanName, requestId, t0, io.now(), ev.status, '-');
          return done({ status: ev.status, durationMs: io.now() - t0 }, `${ev.status} from the server's proxy: ${ev.reason}`);
        }
        last.error = 'reset';
        return done({ reset: true, durationMs: io.now() - t0 }, `connection reset: ${ev.reason}`);
      }
      pushAll(lines, serverSideLines(ev));
      const headers = this.upstreamHeaders(req, ev, i, traceId, clientProxy ? clientSpanId : undefined, requestId);
      const path = ev.route?.rewrittenPath ?? req.path;
      const limit = Math.max(1, Math.min(budgetMs ?? Infinity, req.timeoutMs - (t0 - started)));
      const r = await io.send(d.ip ?? '', d.targetPort, { method: req.method, path, headers, body: req.body }, limit, ev.source.ip ?? '');
      const took = io.now() - t0;
      if ('error' in r) {
        if (r.error === 'timeout') {
          last.error = 'timeout';
          lines.push(`try ${i + 1} → ${d.pod}: no answer within ${Math.round(limit)} ms`);
          this.serverSpan(req, ev, traceId, clientProxy ? clientSpanId : undefined, spanName, requestId, t0, io.now(), 0, 'DC');
          return done({ durationMs: Math.max(took, budgetMs ?? took), reset: true }, `no answer within ${Math.round(limit)} ms`);
        }
        last.error = 'reset';
        return done(r.error === 'refused' ? { connectFailure: true, durationMs: took } : { reset: true, durationMs: took }, `connection ${r.error === 'refused' ? 'refused' : 'reset'}`);
      }
      last = { ...last, answer: r, by: 'app' };
      lines.push(`try ${i + 1} → ${d.pod} ${d.ip}:${d.targetPort}: ${r.status}${i > 0 ? ' (retry on another host when one is left)' : ''}`);
      this.serverSpan(req, ev, traceId, clientProxy ? clientSpanId : undefined, spanName, requestId, t0, io.now(), r.status, '-');
      return done({ status: r.status, durationMs: took }, `${r.status} from the app`);
    };

    if (!clientProxy) {
      // No client proxy: one try, no retries or route timeout; what the server side does is all there is.
      await attempt(0, undefined);
      if (last.error === 'dropped') return finish({ kind: 'dropped', responseFlags: 'UF', trace: last.trace });
      if (last.error) return finish({ kind: last.error === 'timeout' ? 'timeout' : 'reset', responseFlags: last.error === 'timeout' ? 'DC' : 'UC', trace: last.trace });
      return finish({ kind: 'response', answer: this.withServerHeader(last.answer!, ev), answeredBy: last.by, responseFlags: '-', trace: last.trace });
    }

    // Circuit breaking (DestinationRule connectionPool): this client proxy's requests in flight to the cluster.
    const cp = ev.trafficPolicy?.connectionPool;
    let release: (() => void) | undefined;
    if (cp && cluster) {
      const slot = await this.acquire(`${req.from}|${cluster}`, cp);
      if (!slot.release) {
        lines.push(`sidecar (outbound) of ${req.from}: circuit breaker open for ${cluster}: ${slot.why}: 503 (UO)`);
        return finish(proxyAnswer(503, ENVOY_BODIES.UO, 'UO'));
      }
      release = slot.release;
    }
    try {
      return await this.finishTries(ev.route!, attempt, () => last, finish, proxyAnswer, lines, req.from);
    } finally {
      release?.();
    }
  }

  private async finishTries(
    rt: NonNullable<MeshEvaluation['route']>,
    attempt: (i: number, budgetMs: number | undefined) => Promise<AttemptOutcome>,
    lastOf: () => { answer?: HttpAnswer; by?: MeshHttpResult['answeredBy']; error?: 'timeout' | 'reset' | 'dropped'; trace?: TraceResult },
    finish: (r: Omit<MeshHttpResult, 'traceId' | 'lines' | 'tries' | 'evaluation'> & { evaluation?: MeshEvaluation }) => MeshHttpResult,
    proxyAnswer: (status: number, body: string, flags: string, extra?: Record<string, string>) => Omit<MeshHttpResult, 'traceId' | 'lines' | 'tries' | 'evaluation'>,
    lines: string[],
    from: string,
  ): Promise<MeshHttpResult> {
    const io = this.io;
    const retry = await runWithRetriesAsync(rt.retries, rt.timeoutMs, attempt, io.backoff ?? io.sleep);
    const last = lastOf();
    lines.push(`sidecar (outbound) of ${from}: ${retry.tries} ${retry.tries === 1 ? 'try' : 'tries'} (retries: ${rt.retries.attempts}, retryOn ${rt.retries.retryOn}${rt.timeoutMs !== undefined ? `, timeout ${rt.timeoutMs} ms` : ''}): ${retry.reason}`);
    if (/route timeout/.test(retry.reason)) return finish({ ...proxyAnswer(504, ENVOY_BODIES.UT, 'UT'), retry, trace: last.trace });
    const lastTry = retry.outcomes.at(-1)!;
    const perTryTimedOut = rt.retries.perTryTimeoutMs !== undefined && lastTry.durationMs > rt.retries.perTryTimeoutMs;
    if (perTryTimedOut) return finish({ ...proxyAnswer(504, ENVOY_BODIES.UT, 'UT'), retry, trace: last.trace });
    if (last.error === 'timeout') return finish({ kind: 'timeout', responseFlags: 'DC', retry, trace: last.trace });
    if (last.error) {
      const flag = lastTry.connectFailure ? 'UF' : 'UC';
      return finish({ ...proxyAnswer(503, lastTry.connectFailure ? ENVOY_BODIES.UF : ENVOY_BODIES.UC, retry.tries > 1 ? `${flag},URX` : flag), retry, trace: last.trace });
    }
    const answer = last.answer!;
    const upstreamMs = Math.round(lastTry.durationMs);
    const flags = retry.tries > 1 && answer.status >= 500 ? 'URX' : '-';
    const headers = { ...answer.headers, 'x-envoy-upstream-service-time': String(upstreamMs), server: 'envoy' };
    return finish({ kind: 'response', answer: { ...answer, headers }, answeredBy: last.by, responseFlags: flags, retry, trace: last.trace });
  }

  /**
   * Envoy's request mirroring: a copy goes to the mirror cluster (no VirtualService of its own), with `-shadow` added
   * to the host (before any port); its answer is dropped. It is fire-and-forget: the client's answer does not wait.
   */
  private sendMirror(req: MeshHttpRequest, m: { host: string; subset?: string }, base: { from: MeshEndpoint; to: MeshEndpoint; port: number; method: string; path: string; headers: Record<string, string> }, traceId: string, parentSpanId: string, requestId: string, lines: string[]): void {
    const [name, namespace] = m.host.split('.');
    let ev: MeshEvaluation;
    try {
      ev = req.mesh.evaluate({ ...base, to: { kind: 'Service', namespace, name }, random: { endpoint: this.io.random() }, cluster: { host: m.host, subset: m.subset } });
    } catch (e) {
      lines.push(`mirror to ${m.host}: ${(e as Error).message}`);
      return;
    }
    const d = ev.destination;
    if (!ev.allowed || !d) { lines.push(`mirror to ${m.host}${m.subset ? ` subset ${m.subset}` : ''}: not sent (${ev.reason})`); return; }
    const authority = req.headers.host ?? m.host;
    const shadow = authority.replace(/^([^:]+)/, '$1-shadow');
    lines.push(`sidecar (outbound) of ${req.from}: mirrors a copy to ${d.pod} ${d.ip}:${d.targetPort} (Host ${shadow}); its answer is dropped`);
    const trace = this.io.network(req.from, d.ip ?? '', d.targetPort);
    if (trace.verdict === 'dropped') return;
    const headers = { ...this.upstreamHeaders(req, ev, 0, traceId, parentSpanId, requestId), host: shadow };
    const t0 = this.io.now();
    void this.io.send(d.ip ?? '', d.targetPort, { method: req.method, path: ev.route?.rewrittenPath ?? req.path, headers, body: req.body }, 30_000, ev.source.ip ?? '').then((r) => {
      const status = 'error' in r ? 0 : r.status;
      this.serverSpan({ ...req, headers: { ...req.headers, host: shadow } }, ev, traceId, parentSpanId, `${m.host}:${d.targetPort}/*`, requestId, t0, this.io.now(), status, '-');
      if (status && d.dataPlane === 'sidecar') this.telemetry.observe(requestLabels(req.mesh, ev, status, '-'), this.io.now() - t0);
    }, () => undefined);
  }

  /** Envoy's circuit breakers for HTTP/1.1: each request in flight holds a connection; past maxConnections requests
   * wait as pending, past http1MaxPendingRequests (or http2MaxRequests in flight) they overflow. */
  private async acquire(key: string, cp: NonNullable<MeshEvaluation['trafficPolicy']>['connectionPool'] & object): Promise<{ release?: () => void; why?: string }> {
    let p = this.pools.get(key);
    if (!p) this.pools.set(key, (p = { active: 0, waiting: [] }));
    const pool = p;
    const release = () => { const next = pool.waiting.shift(); if (next) next(); else pool.active--; };
    if (pool.active >= cp.http2MaxRequests) return { why: `${pool.active} requests in flight (http2MaxRequests ${cp.http2MaxRequests})` };
    if (pool.active < cp.maxConnections) { pool.active++; return { release }; }
    if (pool.waiting.length >= cp.http1MaxPendingRequests) return { why: `${pool.active} connections busy (maxConnections ${cp.maxConnections}) and ${pool.waiting.length} pending (http1MaxPendingRequests ${cp.http1MaxPendingRequests})` };
    // Pending: the next finished request hands its connection over (active stays the same).
    await new Promise<void>((resolve) => pool.waiting.push(resolve));
    return { release };
  }

  private withServerHeader(a: HttpAnswer, ev: MeshEvaluation): HttpAnswer {
    return ev.destination?.dataPlane === 'sidecar' ? { ...a, headers: { ...a.headers, server: 'istio-envoy' } } : a;
  }

  private recordOutlier(key: string, cluster: string, client: string, pod: string, status: number, lines: string[]): void {
    const s = this.outliers.get(key);
    if (!s) return;
    const r = recordResponse(s, pod, status, this.io.now());
    this.outliers.set(key, r.state);
    if (r.event) {
      this.pushEvent({ ...r.event, client, cluster });
      lines.push(`outlier detection (${client}): ejects ${pod} until +${Math.round((r.event.untilMs ?? 0) - r.event.atMs)} ms: ${r.event.reason}`);
    }
  }

  /** Headers the app receives: the client's, plus what the sidecars add (Envoy's x-request-id and tracing headers;
   * the inbound sidecar's x-forwarded-client-cert naming the peer's SPIFFE identity when the connection was mTLS). */
  private upstreamHeaders(req: MeshHttpRequest, ev: MeshEvaluation, i: number, traceId: string, parentSpanId: string | undefined, requestId: string): Record<string, string> {
    const h: Record<string, string> = { ...req.headers };
    if (ev.route?.rewrittenAuthority) h.host = ev.route.rewrittenAuthority;
    const sidecarInPath = ev.source.dataPlane === 'sidecar' || ev.destination?.dataPlane === 'sidecar';
    if (!sidecarInPath) return h;
    h['x-request-id'] ??= requestId;
    h['x-forwarded-proto'] ??= 'http';
    if (ev.source.dataPlane === 'sidecar' && !ev.passthrough) h['x-envoy-attempt-count'] = String(i + 1);
    const spanId = parentSpanId ?? hex(8);
    h.traceparent = `00-${traceId}-${spanId}-01`;
    h['x-b3-traceid'] = traceId;
    h['x-b3-spanid'] = spanId;
    h['x-b3-sampled'] = '1';
    if (ev.mtls && ev.destination?.dataPlane === 'sidecar') h['x-forwarded-client-cert'] = xfcc(req.mesh, ev.destination.pod, ev.sourcePrincipal);
    return h;
  }

  private serverSpan(req: MeshHttpRequest, ev: MeshEvaluation, traceId: string, parent: string | undefined, name: string, requestId: string, startMs: number, endMs: number, status: number, flags: string): void {
    const d = ev.destination;
    if (!d || d.dataPlane !== 'sidecar') return;
    const pod = req.mesh.pods.get(d.pod);
    const [ns] = d.pod.split('/', 1);
    this.telemetry.addSpan({
      traceId, spanId: hex(8), ...(parent ? { parentSpanId: parent } : {}), name, kind: 'server', service: `${workloadOf(req.mesh, pod)}.${ns}`, startMs, endMs, error: status === 0 || status >= 500,
      attributes: {
        component: 'proxy', 'node_id': `sidecar~${d.ip}~${d.pod.split('/')[1]}.${ns}~${ns}.svc.${req.mesh.clusterDomain}`, 'guid:x-request-id': requestId,
        'http.method': req.method, 'http.url': `http://${req.headers.host ?? name.replace(/\/\*$/, '')}${req.path}`, 'http.protocol': 'HTTP/1.1',
        'http.status_code': String(status), response_flags: flags, upstream_cluster: `inbound|${d.targetPort}||`,
        'peer.address': ev.source.ip ?? '', 'istio.canonical_service': workloadOf(req.mesh, pod), 'istio.namespace': ns, 'istio.mesh_id': req.mesh.clusterDomain,
        ...(ev.mtls && ev.sourcePrincipal ? { 'peer.principal': ev.sourcePrincipal } : {}),
      },
    });
  }

  /** Metrics (reporter source once per request, destination once per try that reached a sidecar), the client span and the graph. */
  private report(req: MeshHttpRequest, r: MeshHttpResult, started: number, clientSpanId: string | undefined, name: string, requestId: string): void {
    const { mesh } = req;
    const ev = r.evaluation;
    const code = r.answer?.status ?? 0;
    const ended = this.io.now();
    const durationMs = ended - started;
    const svc: Record<string, string> = req.service ? { destination_service: `${req.service.name}.${req.service.namespace}.svc.${mesh.clusterDomain}`, destination_service_name: req.service.name, destination_service_namespace: req.service.namespace } : {};
    const labels = (e: MeshEvaluation, c: number, flags: string): Record<string, string> => {
      const l = requestLabels(mesh, e, c, flags);
      return l.destination_service === 'unknown' ? { ...l, ...svc } : l;
    };
    if (ev.source.dataPlane === 'sidecar') this.telemetry.observe({ ...labels(ev, code, r.responseFlags), reporter: 'source' }, durationMs);
    // The server's sidecar reports each HTTP request it handled (not connections it reset before any request).
    for (const t of r.tries) {
      const dm = t.pod ? mesh.membership(...(t.pod.split('/', 2) as [string, string])) : undefined;
      if (dm?.dataPlane !== 'sidecar' || t.trace?.verdict === 'dropped' || t.status === undefined) continue;
      const tryEv: MeshEvaluation = { ...ev, destination: { pod: t.pod!, ip: t.ip, targetPort: t.port ?? 0, dataPlane: 'sidecar' } };
      this.telemetry.observe(labels(tryEv, t.status, '-'), t.durationMs);
    }
    if (clientSpanId) {
      const src = mesh.pods.get(req.from);
      const [ns] = req.from.split('/', 1);
      this.telemetry.addSpan({
        traceId: r.traceId, spanId: clientSpanId, name, kind: 'client', service: `${workloadOf(mesh, src)}.${ns}`, startMs: started, endMs: ended, error: code === 0 || code >= 500,
        attributes: {
          component: 'proxy', 'guid:x-request-id': requestId, 'http.method': req.method, 'http.url': `http://${req.headers.host ?? ''}${req.path}`, 'http.protocol': 'HTTP/1.1',
          'http.status_code': String(code), response_flags: r.responseFlags, 'retry.tries': r.tries.length,
          upstream_cluster: ev.route?.chosen ? `outbound|${ev.route.chosen.port ?? req.port}|${ev.route.chosen.subset ?? ''}|${ev.route.chosen.host}` : 'unknown',
          'istio.canonical_service': workloadOf(mesh, src), 'istio.namespace': ns, 'istio.mesh_id': mesh.clusterDomain,
          ...(ev.destination ? { 'peer.address': `${ev.destination.ip}:${ev.destination.targetPort}` } : {}),
        },
      });
    }
    const src = mesh.pods.get(req.from);
    const lastPod = r.tries.at(-1)?.pod ?? ev.destination?.pod;
    const dst = lastPod ? mesh.pods.get(lastPod) : undefined;
    const svcHost = ev.route?.chosen?.host ?? (req.to.kind === 'Service' ? `${req.to.name}.${req.to.namespace}` : req.service ? `${req.service.name}.${req.service.namespace}` : undefined);
    const [svcName, svcNs] = svcHost ? svcHost.split('.') : [];
    this.telemetry.addRecord({
      atMs: ended,
      source: src ? { workload: workloadOf(mesh, src), namespace: src.metadata.namespace, version: src.metadata.labels?.version } : undefined,
      service: svcName && svcNs ? { name: svcName, namespace: svcNs } : undefined,
      // The workload counts only requests it (or its sidecar) answered: not connections dropped or reset on the way.
      destination: dst && r.tries.at(-1)?.status !== undefined ? { workload: workloadOf(mesh, dst), namespace: dst.metadata.namespace, version: dst.metadata.labels?.version } : undefined,
      code, ...(r.tries.length ? { mtls: ev.mtls } : {}), durationMs,
    });
  }
}

/** What the destination's mesh proxy does with one HTTP request a proxy outside the lab's runtime (the ingress or
 * Gateway data plane) sends to a pod: pass it (with the headers the sidecar adds), answer it, or reset it. */
export type InboundVerdict = { evaluation: MeshEvaluation } & (
  | { action: 'pass'; headers: Record<string, string> }
  | { action: 'answer'; status: number; body: string; headers: Record<string, string>; reason: string }
  | { action: 'reset'; reason: string });

/**
 * The server side of the mesh for a request from `fromPod` (an edge proxy's pod, meshed or not) to the pod at
 * `toPod:port`: PeerAuthentication (a plaintext client on a STRICT port is reset; nginx then answers 502),
 * RequestAuthentication and AuthorizationPolicy at L7 (403 `RBAC: access denied`), and x-forwarded-client-cert when
 * the connection is mTLS (an edge proxy with a sidecar of its own). Undefined when no mesh proxy is in the way.
 */
export function inboundGate(mesh: MeshModel, fromPod: string, toPod: string, port: number, req: { method: string; path: string; headers: Record<string, string> }, toAddress = ''): InboundVerdict | undefined {
  const [tns, tname] = toPod.split('/', 2);
  const plane = mesh.membership(tns, tname)?.dataPlane ?? 'none';
  const [fns, fname] = fromPod.split('/', 2);
  const fromPlane = mesh.membership(fns, fname)?.dataPlane ?? 'none';
  if (plane === 'none' && fromPlane === 'none') return undefined;
  const ev = mesh.evaluate({ from: { kind: 'Pod', namespace: fns, name: fname }, to: { kind: 'Pod', namespace: tns, name: tname }, port, method: req.method, path: req.path, headers: req.headers });
  if (!ev.allowed) {
    if (ev.status === 403 || ev.status === 401) return { evaluation: ev, action: 'answer', status: ev.status, ...proxyRefusal(ev, ev.source.ip ?? '', toAddress), reason: ev.reason };
    return { evaluation: ev, action: 'reset', reason: ev.reason };
  }
  const headers: Record<string, string> = {};
  if (ev.mtls && plane === 'sidecar') headers['x-forwarded-client-cert'] = xfcc(mesh, toPod, ev.sourcePrincipal);
  return { evaluation: ev, action: 'pass', headers };
}

/**
 * What the server's proxy answers a request it refuses (403, 401): Envoy's body (`RBAC: access denied`, `Jwt
 * verification fails`) with `server: istio-envoy`; linkerd-proxy's empty 403 with the error in `l5d-proxy-error`
 * (linkerd2-proxy's HttpRouteUnauthorized; the client's port is not known here, so only its address is named).
 */
export function proxyRefusal(ev: MeshEvaluation, client: string, server: string): { body: string; headers: Record<string, string> } {
  if (ev.decidedBy === 'Linkerd') return { body: '', headers: { 'l5d-proxy-error': `client ${client}: server: ${server}: unauthorized request on route` } };
  return { body: ev.status === 403 ? ENVOY_BODIES.RBAC : ev.status === 401 ? 'Jwt verification fails' : '', headers: { server: 'istio-envoy' } };
}

/** An answer Envoy makes itself (the client's sidecar says `server: envoy`, the server's `istio-envoy`). */
function envoyAnswer(status: number, body: string, server: string, nowMs: number, extra: Record<string, string> = {}): HttpAnswer {
  return answerOf(status, body, nowMs, { server, ...extra });
}

function answerOf(status: number, body: string, nowMs: number, headers: Record<string, string>): HttpAnswer {
  return { status, statusText: STATUS_TEXT[status] ?? '', headers: { 'content-length': String(Buffer.byteLength(body)), 'content-type': 'text/plain', date: new Date(nowMs).toUTCString(), ...headers }, body };
}

/** What the server side's proxy (inbound Envoy, ztunnel, linkerd-proxy) did, one line per hop. */
function serverSideLines(ev: MeshEvaluation): string[] {
  return ev.hops.filter((h) => h.proxy !== 'envoy-outbound').map((h) => `${h.proxy === 'ztunnel' ? 'ztunnel' : h.proxy === 'linkerd-proxy' ? 'linkerd-proxy' : 'sidecar (inbound)'} of ${h.pod}: ${h.lines.join('; ')}`);
}

/** The inbound sidecar's x-forwarded-client-cert for an mTLS peer (Envoy's SANITIZE_SET with By, Hash, Subject, URI);
 * the hash stands for the peer certificate's, which the lab does not mint. */
function xfcc(mesh: MeshModel, destinationPod: string, sourcePrincipal: string | undefined): string {
  const by = mesh.membership(...(destinationPod.split('/', 2) as [string, string]))?.identity ?? '';
  const uri = sourcePrincipal ?? '';
  return `By=${by};Hash=${createHash('sha256').update(uri).digest('hex')};Subject="";URI=${uri}`;
}
