// VirtualService routing as a client sidecar applies it. Source: istio/api networking/v1alpha3/virtual_service.proto
// (spec §4.4). Rules are ordered and the first match wins; conditions in one match block are ANDed, blocks ORed; an
// HTTP request that matches no rule of the host's VirtualService gets 404 (NR). Without a VirtualService the request
// goes to the Service itself with Istio's default retry policy. Weighted destinations get weight/sum; a chooser number
// in [0,1) picks one (the lab passes Math.random(); without one the heaviest destination is reported).
import { matchesMapSelector } from '../api/labels.js';
import { fqdn, hostMatches, visibleTo } from './hosts.js';
import { durationMs, stringMatchObj } from './match.js';

type Obj = Record<string, any>;

export interface RouteRequest {
  /** Destination FQDN (name.ns.svc.cluster.local). */
  host: string;
  /** Service port the client dialled. */
  port: number;
  /** HTTP when method is set; otherwise a TCP connection (tcp[] rules). */
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  authority?: string;
  scheme?: string;
  sourceLabels: Record<string, string>;
  sourceNamespace: string;
  /** Numbers in [0,1) for weights, fault delay, fault abort and mirror (in that order); absent = deterministic report. */
  random?: { weight?: number; delay?: number; abort?: number; mirror?: number };
}

export interface WeightedDestination { host: string; subset?: string; port?: number; weight: number; percent: number }

export interface RetryPolicy {
  attempts: number;
  perTryTimeoutMs?: number;
  retryOn: string;
  /** Status codes retried under `retriable-status-codes` (Istio's default policy: 503; numeric retryOn entries add theirs). */
  retriableStatusCodes?: number[];
  default: boolean;
}

export interface RouteDecision {
  /** `ns/name` of the VirtualService, undefined when none applies. */
  virtualService?: string;
  /** Index into http[] or tcp[] of the rule that matched, and its name. */
  rule?: number;
  ruleName?: string;
  kind: 'route' | 'redirect' | 'directResponse' | 'notFound';
  destinations: WeightedDestination[];
  /** The destination picked for this request. */
  chosen?: WeightedDestination;
  redirect?: { status: number; location: { uri?: string; authority?: string; scheme?: string; port?: number } };
  directResponse?: { status: number; body?: string };
  /** Path (and authority) after rewrite. */
  rewrittenPath?: string;
  rewrittenAuthority?: string;
  timeoutMs?: number;
  retries: RetryPolicy;
  fault?: { delayMs?: number; delayPercent?: number; abortStatus?: number; abortPercent?: number; delayed: boolean; aborted: boolean };
  mirror?: { host: string; subset?: string; percent: number; mirrored: boolean };
  /** Status the client sees when the mesh answers itself (404 no route, redirect, direct response, fault abort). */
  status?: number;
  reason: string;
}

/** Istio's default retry policy (istio/istio pilot/pkg/networking/core/route/retry: DefaultPolicy). */
export const DEFAULT_RETRIES: RetryPolicy = { attempts: 2, retryOn: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes', retriableStatusCodes: [503], default: true };

/** The VirtualService that applies to a host for sidecars: client namespace first, then the others in order. */
export function findVirtualService(services: readonly Obj[], host: string, sourceNamespace: string, clusterDomain: string): Obj | undefined {
  const mesh = services.filter((vs) => {
    const gws = vs.spec?.gateways;
    if (Array.isArray(gws) && gws.length > 0 && !gws.includes('mesh')) return false;
    if (!visibleTo(vs, sourceNamespace)) return false;
    return Array.isArray(vs.spec?.hosts) && vs.spec.hosts.some((h: unknown) => typeof h === 'string' && hostMatches(fqdn(h, vs.metadata.namespace, clusterDomain), host));
  });
  return mesh.find((vs) => vs.metadata.namespace === sourceNamespace) ?? mesh[0];
}

function matchBlock(m: Obj, req: RouteRequest): boolean {
  if (!m || typeof m !== 'object') return false;
  const ic = m.ignoreUriCase === true;
  if (m.uri && !stringMatchObj(m.uri, (req.path ?? '/').split('?')[0], ic)) return false;
  if (m.method && !stringMatchObj(m.method, req.method)) return false;
  if (m.authority && !stringMatchObj(m.authority, req.authority ?? req.host)) return false;
  if (m.scheme && !stringMatchObj(m.scheme, req.scheme ?? 'http')) return false;
  if (typeof m.port === 'number' && m.port !== req.port) return false;
  if (m.sourceNamespace && m.sourceNamespace !== req.sourceNamespace) return false;
  if (m.sourceLabels && !matchesMapSelector(m.sourceLabels, req.sourceLabels)) return false;
  if (Array.isArray(m.gateways) && m.gateways.length > 0 && !m.gateways.includes('mesh')) return false;
  const headers = req.headers ?? {};
  for (const [k, sm] of Object.entries((m.headers ?? {}) as Obj)) {
    const v = headers[k.toLowerCase()];
    if (v === undefined || !stringMatchObj(sm, v)) return false;
  }
  for (const [k, sm] of Object.entries((m.withoutHeaders ?? {}) as Obj)) {
    const v = headers[k.toLowerCase()];
    if (v !== undefined && stringMatchObj(sm, v)) return false;
  }
  if (m.queryParams) {
    const q = new URLSearchParams((req.path ?? '').split('?')[1] ?? '');
    for (const [k, sm] of Object.entries(m.queryParams as Obj)) {
      const v = q.get(k);
      if (v === null || !stringMatchObj(sm, v)) return false;
    }
  }
  return true;
}

/** Which match block of an http rule matches (-1 none); a rule without match blocks matches everything (index 0). */
export function httpRuleMatch(rule: Obj, req: RouteRequest): number {
  if (!Array.isArray(rule?.match) || rule.match.length === 0) return 0;
  return rule.match.findIndex((m: Obj) => matchBlock(m, req));
}

function tcpRuleMatches(rule: Obj, req: RouteRequest): boolean {
  if (!Array.isArray(rule?.match) || rule.match.length === 0) return true;
  return rule.match.some((m: Obj) => (typeof m.port !== 'number' || m.port === req.port)
    && (!m.sourceLabels || matchesMapSelector(m.sourceLabels, req.sourceLabels))
    && (!m.sourceNamespace || m.sourceNamespace === req.sourceNamespace));
}

function pct(p: unknown, legacy?: unknown): number | undefined {
  if (p && typeof p === 'object' && typeof (p as Obj).value === 'number') return (p as Obj).value;
  if (typeof legacy === 'number') return legacy;
  return undefined;
}

export function weightedDestinations(route: Obj[] | undefined, vsNamespace: string, clusterDomain: string): WeightedDestination[] {
  const list = Array.isArray(route) ? route.filter((r) => r?.destination?.host) : [];
  const weights = list.map((r) => (typeof r.weight === 'number' ? r.weight : list.length === 1 ? 100 : 0));
  const total = weights.reduce((a, b) => a + b, 0);
  return list.map((r, i) => ({
    host: fqdn(String(r.destination.host), vsNamespace, clusterDomain),
    subset: r.destination.subset,
    port: r.destination.port?.number,
    weight: weights[i],
    percent: total > 0 ? (weights[i] * 100) / total : 0,
  }));
}

function choose(dests: WeightedDestination[], r: number | undefined): WeightedDestination | undefined {
  const live = dests.filter((d) => d.weight > 0);
  if (live.length === 0) return undefined;
  if (r === undefined) return live.reduce((a, b) => (b.weight > a.weight ? b : a));
  const total = live.reduce((a, d) => a + d.weight, 0);
  let acc = 0;
  for (const d of live) {
    acc += d.weight;
    if (r * total < acc) return d;
  }
  return live[live.length - 1];
}

function retriesOf(rule: Obj): RetryPolicy {
  const r = rule.retries;
  if (!r || typeof r !== 'object') return DEFAULT_RETRIES;
  // retryOn unset keeps Istio's default conditions (and its 503); numeric entries become retriable status codes.
  const retryOn = typeof r.retryOn === 'string' ? r.retryOn : DEFAULT_RETRIES.retryOn;
  const codes = typeof r.retryOn === 'string' ? retryOn.split(',').map((x: string) => x.trim()).filter((x: string) => /^\d{3}$/.test(x)).map(Number) : DEFAULT_RETRIES.retriableStatusCodes!;
  return { attempts: typeof r.attempts === 'number' ? r.attempts : 2, perTryTimeoutMs: durationMs(r.perTryTimeout), retryOn, ...(codes.length ? { retriableStatusCodes: codes } : {}), default: false };
}

function rewritePath(rule: Obj, matchIdx: number, path: string): string | undefined {
  const rw = rule.rewrite;
  if (!rw) return undefined;
  const [p, q] = path.split('?');
  const query = q !== undefined ? `?${q}` : '';
  if (rw.uriRegexRewrite?.match) {
    try { return p.replace(new RegExp(rw.uriRegexRewrite.match), String(rw.uriRegexRewrite.rewrite ?? '').replace(/\\(\d)/g, '$$$1')) + query; } catch { return undefined; }
  }
  if (typeof rw.uri !== 'string') return undefined;
  const prefix = Array.isArray(rule.match) ? rule.match[matchIdx]?.uri?.prefix : undefined;
  return (typeof prefix === 'string' ? rw.uri + p.slice(prefix.length) : rw.uri) + query;
}

/** Routes one request through the VirtualService that applies (or the default route). */
export function routeRequest(vs: Obj | undefined, req: RouteRequest, clusterDomain: string): RouteDecision {
  const self: WeightedDestination = { host: req.host, port: req.port, weight: 100, percent: 100 };
  if (!vs) return { kind: 'route', destinations: [self], chosen: self, retries: DEFAULT_RETRIES, reason: 'no VirtualService for the host: default route to the Service' };
  const vsRef = `${vs.metadata.namespace}/${vs.metadata.name}`;
  const ns = vs.metadata.namespace;
  if (req.method === undefined) {
    const tcp: Obj[] = Array.isArray(vs.spec?.tcp) ? vs.spec.tcp : [];
    const i = tcp.findIndex((r) => tcpRuleMatches(r, req));
    if (i < 0) return { virtualService: vsRef, kind: 'route', destinations: [self], chosen: self, retries: DEFAULT_RETRIES, reason: `VirtualService ${vsRef} has no tcp rule for port ${req.port}: default route` };
    const dests = weightedDestinations(tcp[i].route, ns, clusterDomain);
    return { virtualService: vsRef, rule: i, kind: 'route', destinations: dests, chosen: choose(dests, req.random?.weight), retries: DEFAULT_RETRIES, reason: `tcp[${i}] of VirtualService ${vsRef}` };
  }
  const http: Obj[] = Array.isArray(vs.spec?.http) ? vs.spec.http : [];
  let matchIdx = -1;
  const i = http.findIndex((r) => (matchIdx = httpRuleMatch(r, req)) >= 0);
  if (i < 0) return { virtualService: vsRef, kind: 'notFound', destinations: [], retries: DEFAULT_RETRIES, status: 404, reason: `no http rule of VirtualService ${vsRef} matches ${req.method} ${req.path ?? '/'}: 404 (NR)` };
  const rule = http[i];
  const base = { virtualService: vsRef, rule: i, ruleName: rule.name, retries: retriesOf(rule), timeoutMs: durationMs(rule.timeout) };
  const where = `http[${i}]${rule.name ? ` (${rule.name})` : ''} of VirtualService ${vsRef}`;
  if (rule.redirect) {
    const r = rule.redirect;
    const status = typeof r.redirectCode === 'number' ? r.redirectCode : 301;
    return { ...base, kind: 'redirect', destinations: [], status, redirect: { status, location: { uri: r.uri, authority: r.authority, scheme: r.scheme, port: r.port } }, reason: `${where} redirects (${status})` };
  }
  if (rule.directResponse) {
    const status = Number(rule.directResponse.status ?? 200);
    return { ...base, kind: 'directResponse', destinations: [], status, directResponse: { status, body: rule.directResponse.body?.string }, reason: `${where} answers directly (${status})` };
  }
  const dests = weightedDestinations(rule.route, ns, clusterDomain);
  const decision: RouteDecision = { ...base, kind: 'route', destinations: dests, chosen: choose(dests, req.random?.weight), reason: where };
  const rp = rewritePath(rule, Math.max(matchIdx, 0), req.path ?? '/');
  if (rp !== undefined) decision.rewrittenPath = rp;
  if (typeof rule.rewrite?.authority === 'string') decision.rewrittenAuthority = rule.rewrite.authority;
  if (rule.fault && typeof rule.fault === 'object') {
    const d = rule.fault.delay;
    const a = rule.fault.abort;
    const delayPercent = d ? pct(d.percentage, d.percent) ?? 0 : undefined;
    const abortPercent = a ? pct(a.percentage) ?? 0 : undefined;
    // Without a chooser a fault is reported as applying only when it hits every request.
    const hit = (p: number | undefined, r: number | undefined) => p !== undefined && p > 0 && (r === undefined ? p >= 100 : r * 100 < p);
    const aborted = hit(abortPercent, req.random?.abort);
    decision.fault = {
      delayMs: d ? durationMs(d.fixedDelay) : undefined, delayPercent,
      abortStatus: a ? (typeof a.httpStatus === 'number' ? a.httpStatus : undefined) : undefined, abortPercent,
      delayed: hit(delayPercent, req.random?.delay), aborted,
    };
    if (aborted) decision.status = decision.fault.abortStatus;
  }
  const mirror = rule.mirror ?? (Array.isArray(rule.mirrors) ? rule.mirrors[0]?.destination : undefined);
  if (mirror?.host) {
    const percent = pct(rule.mirrorPercentage) ?? (Array.isArray(rule.mirrors) ? pct(rule.mirrors[0]?.percentage) : undefined) ?? 100;
    decision.mirror = { host: fqdn(mirror.host, ns, clusterDomain), subset: mirror.subset, percent, mirrored: req.random?.mirror === undefined ? percent >= 100 : req.random.mirror * 100 < percent };
  }
  return decision;
}
