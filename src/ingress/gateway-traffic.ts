// One request through a Gateway: listener by port, SNI and Host (most specific hostname wins, routes of less specific
// listeners are not consulted), then the HTTPRoute precedence of the spec (HTTPRouteRule docs): hostname characters,
// Exact path, longest PathPrefix, method, header count, query count, oldest route, namespace/name, rule order.
// RegularExpression paths are implementation-specific: like Contour's sorter (internal/sorter/sorter.go) they rank
// between Exact and PathPrefix, longer patterns first.
import { pickWeighted } from './backends.js';
import { allListeners, type CompiledGateway, type CompiledListener } from './gateway-listeners.js';
import type { CompiledMatch, CompiledRule, RouteAttachment, RouteObj } from './gateway-routes.js';
import { gatewayHostMatches, parseQuery, prefixMatches, replacePrefix } from './match.js';
import type { RouteBackend, RouteRequest, RouteResult } from './types.js';

type Obj = Record<string, any>;

interface Candidate { att: RouteAttachment; rule: CompiledRule; match: CompiledMatch; matchIndex: number; hostExact: number; hostAny: number }

/** Most specific listener hostname matching `name`: precise > longer wildcard > shorter wildcard > none. */
export function mostSpecificListener(listeners: CompiledListener[], name: string): CompiledListener | undefined {
  let best: CompiledListener | undefined;
  let bestScore = -1;
  for (const l of listeners) {
    if (!gatewayHostMatches(l.hostname, name)) continue;
    const score = l.hostname === undefined ? 0 : l.hostname.startsWith('*.') ? 1 + l.hostname.length : 100000 + l.hostname.length;
    if (score > bestScore) { best = l; bestScore = score; }
  }
  return best;
}

/** A Gateway's programmed listeners on one port, in listener order, by what they accept. */
interface PortListeners { tls: CompiledListener[]; https: CompiledListener[]; http: CompiledListener[]; tcp: CompiledListener[]; udp: CompiledListener[] }
interface GatewayHot { entryPoint: string; ports: Map<number, PortListeners> }
const gatewayHots = new WeakMap<CompiledGateway, GatewayHot>();

function gatewayHot(g: CompiledGateway): GatewayHot {
  let h = gatewayHots.get(g);
  if (h) return h;
  h = { entryPoint: `gateway/${g.gateway.metadata.namespace}/${g.gateway.metadata.name}`, ports: new Map() };
  for (const l of allListeners(g)) {
    if (!l.programmed || l.port !== l.port) continue; // (a NaN port equals no request port)
    let p = h.ports.get(l.port);
    if (!p) h.ports.set(l.port, (p = { tls: [], https: [], http: [], tcp: [], udp: [] }));
    if (l.protocol === 'HTTPS' || l.protocol === 'TLS') p.tls.push(l);
    if (l.protocol === 'HTTPS') p.https.push(l);
    if (l.protocol === 'HTTP') p.http.push(l);
    if (l.protocol === 'TCP') p.tcp.push(l);
    if (l.protocol === 'UDP') p.udp.push(l);
  }
  gatewayHots.set(g, h);
  return h;
}

/** A port a Gateway serves, and what its programmed listeners take there: what a live proxy binds for it. */
export interface ListenerPort {
  port: number;
  http: boolean;
  https: boolean;
  /** TLS-protocol listeners (TLSRoute passthrough or terminate): the SNI decides before any TLS ends. */
  tlsStreams: boolean;
  tcp: boolean;
  udp: boolean;
  /** The client certificates the port's HTTPS listeners demand (spec.tls.frontend, per port or the default). */
  frontendValidation?: CompiledListener['frontendValidation'];
}

/** The Gateway's listener ports (ListenerSets' included), in listener order. */
export function listenerPorts(g: CompiledGateway): ListenerPort[] {
  return [...gatewayHot(g).ports].map(([port, p]) => {
    const fv = p.https.find((l) => l.frontendValidation)?.frontendValidation;
    return { port, http: p.http.length > 0, https: p.https.length > 0, tlsStreams: p.tls.length > p.https.length, tcp: p.tcp.length > 0, udp: p.udp.length > 0, ...(fv ? { frontendValidation: fv } : {}) };
  });
}

/** The attachments of each listener, per route kind (in attachment order): what a request on that listener considers. */
const attachmentsByListener = new WeakMap<RouteAttachment[], Map<CompiledListener, Map<string, RouteAttachment[]>>>();

function attachmentsOf(attachments: RouteAttachment[], listener: CompiledListener, kind: string): RouteAttachment[] {
  let byListener = attachmentsByListener.get(attachments);
  if (!byListener) {
    byListener = new Map();
    for (const a of attachments) {
      let byKind = byListener.get(a.listener);
      if (!byKind) byListener.set(a.listener, (byKind = new Map()));
      let list = byKind.get(a.route.kind);
      if (!list) byKind.set(a.route.kind, (list = []));
      list.push(a);
    }
    attachmentsByListener.set(attachments, byListener);
  }
  return byListener.get(listener)?.get(kind) ?? [];
}

export function routeGateway(g: CompiledGateway, attachments: RouteAttachment[], req: RouteRequest): RouteResult {
  const gw = g.gateway;
  const hot = gatewayHot(g);
  const entryPoint = hot.entryPoint;
  const onPort = hot.ports.get(req.port);
  if (!onPort) return { status: 0, entryPoint, reason: `Gateway ${gw.metadata.namespace}/${gw.metadata.name} has no programmed listener on port ${req.port} (connection refused)` };
  let listener: CompiledListener | undefined;
  const result: RouteResult = { status: 404, entryPoint, reason: '' };
  if (req.transport) return l4Stream(req.transport === 'udp' ? onPort.udp : onPort.tcp, attachments, req, result);
  if (req.scheme === 'https') {
    const tlsListeners = onPort.tls;
    if (tlsListeners.length === 0) return { status: 0, entryPoint, reason: `port ${req.port} serves plain HTTP: the TLS handshake fails` };
    const sni = req.sni ?? req.host;
    listener = mostSpecificListener(tlsListeners, sni);
    if (!listener) return { status: 0, entryPoint, reason: `no listener on port ${req.port} serves SNI ${sni}: the TLS handshake fails` };
    result.listener = listener.name;
    if (listener.protocol === 'TLS') return tlsStream(listener, attachments, sni, result);
    result.tls = { secret: listener.certificate ?? '', sni };
    if (listener.frontendValidation) result.tls.clientValidation = { mode: listener.frontendValidation.mode, caCertificateRefs: listener.frontendValidation.caCertificateRefs };
    const byHost = mostSpecificListener(onPort.https, req.host);
    if (byHost !== listener && (byHost || listener.hostname !== undefined)) {
      return Object.assign(result, { status: 421, reason: `SNI ${sni} selected listener "${listener.name}" but Host ${req.host} ${byHost ? `belongs to listener "${byHost.name}"` : 'matches no listener'}: 421 Misdirected Request` });
    }
  } else {
    const httpListeners = onPort.http;
    if (httpListeners.length === 0) return { status: 0, entryPoint, reason: `port ${req.port} expects TLS; a plain HTTP request fails` };
    listener = mostSpecificListener(httpListeners, req.host);
    if (!listener) return Object.assign(result, { status: 404, reason: `no listener on port ${req.port} matches host ${req.host}` });
    result.listener = listener.name;
  }
  const grpc = (req.headers['content-type'] ?? '').startsWith('application/grpc');
  const best = bestCandidate(attachmentsOf(attachments, listener, grpc ? 'GRPCRoute' : 'HTTPRoute'), req);
  if (!best) return Object.assign(result, { status: 404, reason: `no ${grpc ? 'GRPCRoute' : 'HTTPRoute'} rule attached to listener "${listener.name}" matches ${req.method} ${req.host}${req.path}` });
  return applyRule(best, listener, req, result);
}

/**
 * A TLS listener carries TLSRoutes chosen by SNI (the longest matching hostname): Passthrough forwards the encrypted
 * stream untouched (the backend terminates), Terminate ends TLS with the listener's certificate and forwards the
 * plain stream (or re-encrypts it when a BackendTLSPolicy says so).
 */
function tlsStream(listener: CompiledListener, attachments: RouteAttachment[], sni: string, result: RouteResult): RouteResult {
  const terminate = listener.tlsMode === 'Terminate';
  let best: { att: RouteAttachment; len: number } | undefined;
  for (const att of attachments) {
    if (att.listener !== listener || att.route.kind !== 'TLSRoute') continue;
    for (const h of att.hostnames) if (gatewayHostMatches(h, sni) && (!best || h.length > best.len)) best = { att, len: h.length };
  }
  if (terminate) result.tls = { secret: listener.certificate ?? '', sni };
  else result.passthrough = true;
  result.stream = { protocol: 'TLS', terminated: terminate };
  if (!best) return Object.assign(result, { status: 0, reason: `no TLSRoute on listener "${listener.name}" matches SNI ${sni}: the connection is closed` });
  const rule = best.att.rules[0];
  result.via = { kind: 'TLSRoute', namespace: best.att.route.metadata.namespace ?? 'default', name: best.att.route.metadata.name, rule: 0 };
  return chooseBackend(rule, result, undefined, `TLSRoute ${result.via.namespace}/${result.via.name} (${terminate ? `TLS terminated for SNI ${sni}, the plain stream` : `the TLS stream for SNI ${sni}, passed through`})`);
}

/**
 * A TCP or UDP listener forwards the stream to the one route it carries: TCPRoute/UDPRoute have no matches, so when
 * several attach the oldest (then namespace/name) wins, and its first rule's backendRefs are weighted.
 */
function l4Stream(listeners: CompiledListener[], attachments: RouteAttachment[], req: RouteRequest, result: RouteResult): RouteResult {
  const protocol = req.transport === 'udp' ? 'UDP' : 'TCP';
  result.stream = { protocol };
  const listener = listeners[0];
  if (!listener) return Object.assign(result, { status: 0, reason: `no ${protocol} listener on port ${req.port}: the ${protocol === 'UDP' ? 'datagram is dropped' : 'connection is refused'}` });
  result.listener = listener.name;
  const kind = `${protocol}Route`;
  let best: RouteAttachment | undefined;
  for (const a of attachmentsOf(attachments, listener, kind)) if (!best || compareAge(a.route, best.route) < 0) best = a;
  if (!best || best.rules.length === 0) return Object.assign(result, { status: 0, reason: `no ${kind} is attached to listener "${listener.name}": the ${protocol === 'UDP' ? 'datagram is dropped' : 'connection is refused'}` });
  const ns = best.route.metadata.namespace ?? 'default';
  result.via = { kind: kind as 'TCPRoute' | 'UDPRoute', namespace: ns, name: best.route.metadata.name, rule: 0 };
  return chooseBackend(best.rules[0], result, req.random, `${kind} ${ns}/${best.route.metadata.name} (the ${protocol} stream on listener "${listener.name}")`);
}

function matchOne(m: CompiledMatch, req: RouteRequest, query: () => Map<string, string>): boolean {
  if (m.grpc) {
    const parts = req.path.split('/');
    if (parts.length !== 3) return false;
    if (m.grpc.service !== undefined && !(m.grpc.regex ? new RegExp(`^(?:${m.grpc.service})$`).test(parts[1]) : parts[1] === m.grpc.service)) return false;
    if (m.grpc.method !== undefined && !(m.grpc.regex ? new RegExp(`^(?:${m.grpc.method})$`).test(parts[2]) : parts[2] === m.grpc.method)) return false;
  } else if (m.pathType === 'Exact') {
    if (req.path !== m.path) return false;
  } else if (m.pathType === 'PathPrefix') {
    if (!prefixMatches(m.path, req.path)) return false;
  } else if (!m.pathRegex!.test(req.path)) return false;
  if (m.method !== undefined && req.method !== m.method) return false;
  for (const h of m.headers) {
    const v = req.headers[h.name];
    if (v === undefined || (h.exact !== undefined ? v !== h.exact : !h.regex!.test(v))) return false;
  }
  if (m.query.length > 0) {
    const q = query();
    for (const p of m.query) {
      const v = q.get(p.name);
      if (v === undefined || (p.exact !== undefined ? v !== p.exact : !p.regex!.test(v))) return false;
    }
  }
  return true;
}

function bestCandidate(attachments: RouteAttachment[], req: RouteRequest): Candidate | undefined {
  let query: Map<string, string> | undefined;
  const q = (): Map<string, string> => (query ??= parseQuery(req.query));
  let best: Candidate | undefined;
  for (const att of attachments) {
    let hostExact = -1;
    let hostAny = -1;
    for (const h of att.hostnames) {
      if (!gatewayHostMatches(h, req.host)) continue;
      const len = h === '*' ? 0 : h.length;
      hostAny = Math.max(hostAny, len);
      if (!h.startsWith('*')) hostExact = Math.max(hostExact, len);
    }
    if (hostAny < 0) continue;
    for (const rule of att.rules) {
      rule.matches.forEach((match, matchIndex) => {
        if (!matchOne(match, req, q)) return;
        const c: Candidate = { att, rule, match, matchIndex, hostExact, hostAny };
        if (!best || compareCandidates(c, best) < 0) best = c;
      });
    }
  }
  return best;
}

function pathRank(m: CompiledMatch): number {
  return m.pathType === 'Exact' ? 3 : m.pathType === 'RegularExpression' ? 2 : 1;
}

/** Negative when a takes precedence over b. */
export function compareCandidates(a: Candidate, b: Candidate): number {
  return (b.hostExact - a.hostExact) || (b.hostAny - a.hostAny) ||
    (pathRank(b.match) - pathRank(a.match)) || (b.match.path.length - a.match.path.length) ||
    ((b.match.grpc ? (b.match.grpc.service?.length ?? 0) : 0) - (a.match.grpc ? (a.match.grpc.service?.length ?? 0) : 0)) ||
    ((b.match.grpc ? (b.match.grpc.method?.length ?? 0) : 0) - (a.match.grpc ? (a.match.grpc.method?.length ?? 0) : 0)) ||
    ((b.match.method ? 1 : 0) - (a.match.method ? 1 : 0)) || (b.match.headers.length - a.match.headers.length) ||
    (b.match.query.length - a.match.query.length) || compareAge(a.att.route, b.att.route) ||
    (a.rule.index - b.rule.index) || (a.matchIndex - b.matchIndex);
}

function compareAge(a: Obj, b: Obj): number {
  const ta = a.metadata.creationTimestamp ? Date.parse(a.metadata.creationTimestamp) : 0;
  const tb = b.metadata.creationTimestamp ? Date.parse(b.metadata.creationTimestamp) : 0;
  if (ta !== tb) return ta - tb;
  const ka = `${a.metadata.namespace}/${a.metadata.name}`;
  const kb = `${b.metadata.namespace}/${b.metadata.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function describeMatch(m: CompiledMatch): string {
  if (m.grpc) return `gRPC ${m.grpc.service ?? '*'}/${m.grpc.method ?? '*'}`;
  const parts = [`${m.pathType} ${m.path}`];
  if (m.method) parts.push(`method ${m.method}`);
  for (const h of m.headers) parts.push(`header ${h.name}${h.exact !== undefined ? `=${h.exact}` : ` ~ ${h.regex!.source}`}`);
  for (const p of m.query) parts.push(`query ${p.name}${p.exact !== undefined ? `=${p.exact}` : ` ~ ${p.regex!.source}`}`);
  return parts.join(', ');
}

/** What a matched (route, rule, match) says in every answer: computed on its first request (the snapshot fixes it). */
interface MatchHot { route: RouteObj; rule: number; ns: string; match: string; where: string }
const matchHots = new WeakMap<CompiledMatch, MatchHot>();

function matchHot(c: Candidate): MatchHot {
  const route = c.att.route;
  let h = matchHots.get(c.match);
  if (h && h.route === route && h.rule === c.rule.index) return h;
  const ns = route.metadata.namespace ?? 'default';
  const match = describeMatch(c.match);
  h = { route, rule: c.rule.index, ns, match, where: `${route.kind} ${ns}/${route.metadata.name} rule ${c.rule.index} (${match})` };
  matchHots.set(c.match, h);
  return h;
}

function applyRule(c: Candidate, listener: CompiledListener, req: RouteRequest, result: RouteResult): RouteResult {
  const route = c.att.route;
  const hot = matchHot(c);
  const ns = hot.ns;
  result.via = { kind: route.kind as 'HTTPRoute' | 'GRPCRoute', namespace: ns, name: route.metadata.name, rule: c.rule.index, match: hot.match };
  const where = hot.where;
  const headers: Record<string, string> = {};
  const rh = req.headers;
  for (const k in rh) if (k !== 'connection' && k !== 'keep-alive' && k !== 'transfer-encoding' && k !== 'te' && k !== 'upgrade') headers[k] = rh[k];
  headers['host'] = req.headers['host'] ?? req.host;
  const ctx: FilterContext = { req, listener, match: c.match, headers, path: req.path, result, ns, where };
  const redirected = applyFilters(c.rule.filters, ctx);
  if (redirected) return redirected;
  headers['x-forwarded-for'] = req.clientIP ?? '192.0.2.1';
  headers['x-forwarded-proto'] = req.scheme;
  result.requestHeaders = headers;
  result.path = req.query ? `${ctx.path}?${req.query}` : ctx.path;
  if (c.rule.timeouts) result.timeouts = c.rule.timeouts;
  const cors = corsAnswer(c.rule.filters, req, result, where);
  if (cors) return cors;
  return chooseBackend(c.rule, result, req.random, where, ctx);
}

/** What filters act on: the request as it goes (headers, path) and the answer being built. */
interface FilterContext { req: RouteRequest; listener: CompiledListener; match: CompiledMatch; headers: Record<string, string>; path: string; result: RouteResult; ns: string; where: string }

/**
 * Applies HTTPRoute filters in order (the rule's, then the chosen backendRef's): header modifiers, URLRewrite,
 * RequestMirror (with its percent or fraction), ResponseHeaderModifier (recorded as set/add/remove operations on what
 * the backend sends); RequestRedirect ends the request and returns the redirect answer.
 */
function applyFilters(filters: Obj[], ctx: FilterContext): RouteResult | undefined {
  const { req, listener, result } = ctx;
  for (const f of filters) {
    if (f.type === 'RequestRedirect') {
      const r = f.requestRedirect ?? {};
      const scheme = r.scheme ?? req.scheme;
      const host = r.hostname ?? req.host;
      const port: number = r.port ?? (r.scheme ? (r.scheme === 'https' ? 443 : 80) : listener.port);
      let p = req.path;
      if (r.path?.type === 'ReplaceFullPath') p = r.path.replaceFullPath;
      else if (r.path?.type === 'ReplacePrefixMatch') p = replacePrefix(req.path, ctx.match.path, r.path.replacePrefixMatch);
      const showPort = !((scheme === 'http' && port === 80) || (scheme === 'https' && port === 443));
      const location = `${scheme}://${host}${showPort ? `:${port}` : ''}${p}${req.query ? `?${req.query}` : ''}`;
      delete result.backend;
      return Object.assign(result, { status: r.statusCode ?? 302, location, reason: `${ctx.where}: RequestRedirect` });
    }
    if (f.type === 'URLRewrite') {
      const u = f.urlRewrite ?? {};
      if (u.hostname) ctx.headers['host'] = u.hostname;
      if (u.path?.type === 'ReplaceFullPath') ctx.path = u.path.replaceFullPath;
      else if (u.path?.type === 'ReplacePrefixMatch') ctx.path = replacePrefix(req.path, ctx.match.path, u.path.replacePrefixMatch);
      if (result.path !== undefined) result.path = req.query ? `${ctx.path}?${req.query}` : ctx.path;
    }
    if (f.type === 'RequestHeaderModifier') modifyHeaders(ctx.headers, f.requestHeaderModifier);
    if (f.type === 'ResponseHeaderModifier') {
      const m = f.responseHeaderModifier ?? {};
      for (const h of (m.set ?? []) as Obj[]) responseHeader(result, 'set', String(h.name), String(h.value));
      for (const h of (m.add ?? []) as Obj[]) responseHeader(result, 'add', String(h.name), String(h.value));
      for (const n of (m.remove ?? []) as string[]) responseHeader(result, 'remove', n);
    }
    if (f.type === 'RequestMirror') {
      const rm = f.requestMirror ?? {};
      const b = rm.backendRef ?? {};
      const percent = rm.percent !== undefined ? Number(rm.percent) : rm.fraction ? (100 * Number(rm.fraction.numerator)) / Number(rm.fraction.denominator ?? 100) : 100;
      (result.mirrors ??= []).push({ namespace: b.namespace ?? ctx.ns, service: String(b.name), port: b.port ?? 0, weight: 0, ...(percent !== 100 ? { percent } : {}) });
    }
  }
  return undefined;
}

/**
 * One operation on the response headers, in filter order. The operations are what the proxy applies to the backend's
 * answer; responseHeaders (the route contract's older field) is derived here, the value each name ends with.
 */
function responseHeader(result: RouteResult, action: 'set' | 'add' | 'remove', rawName: string, value?: string): void {
  const name = rawName.toLowerCase();
  (result.responseHeaderOps ??= []).push(action === 'remove' ? { action, name } : { action, name, value });
  const resp = (result.responseHeaders ??= {});
  const prev = resp[name];
  resp[name] = action === 'remove' ? null : action === 'add' && prev ? `${prev},${value}` : value!;
}

/** set replaces, add appends (joined with ","), remove deletes; names are case-insensitive. */
export function modifyHeaders(headers: Record<string, string>, m: Obj | undefined): void {
  if (!m) return;
  for (const h of (m.set ?? []) as Obj[]) headers[String(h.name).toLowerCase()] = String(h.value);
  for (const h of (m.add ?? []) as Obj[]) {
    const k = String(h.name).toLowerCase();
    headers[k] = headers[k] !== undefined ? `${headers[k]},${h.value}` : String(h.value);
  }
  for (const n of (m.remove ?? []) as string[]) delete headers[n.toLowerCase()];
}

function chooseBackend(rule: CompiledRule, result: RouteResult, random: number | undefined, where: string, ctx?: FilterContext): RouteResult {
  const refs = rule.backendRefs;
  result.backends = refs.map((b) => ({ ...b.backend, weight: b.weight }));
  if (refs.length === 0) return Object.assign(result, { status: 500, reason: `${where} has no backendRefs: 500` });
  const i = pickWeighted(refs.map((b) => b.weight), random);
  if (i < 0) return Object.assign(result, { status: 500, reason: `${where}: every backendRef has weight 0: 500` });
  const chosen = refs[i];
  result.backend = { ...chosen.backend, weight: chosen.weight };
  if (chosen.filters.length > 0 && ctx) {
    const redirected = applyFilters(chosen.filters, ctx);
    if (redirected) return redirected;
  }
  const l4 = rule.route.kind === 'TLSRoute' || rule.route.kind === 'TCPRoute' || rule.route.kind === 'UDPRoute';
  if (chosen.invalid && l4) return Object.assign(result, { status: 0, reason: `${where} chose backend ${chosen.backend.namespace}/${chosen.backend.service}, which is invalid (${chosen.invalid}): the connection is refused` });
  if (chosen.invalid) return Object.assign(result, { status: 500, reason: `${where} chose backend ${chosen.backend.namespace}/${chosen.backend.service}, which is invalid (${chosen.invalid}): 500` });
  if ((chosen.backend.endpoints ?? []).length === 0) return Object.assign(result, { status: 503, reason: `${where} chose ${chosen.backend.namespace}/${chosen.backend.service}:${chosen.backend.port}, which has no ready endpoints: 503` });
  // The result is this request's own object: finish it in place (same fields, same order as a copy would have).
  result.status = 200;
  result.reason = `${where} sends to ${chosen.backend.namespace}/${chosen.backend.service}:${chosen.backend.port}${refs.length > 1 ? ` (weight ${chosen.weight} of ${refs.reduce((s, b) => s + b.weight, 0)})` : ''}`;
  return result;
}

/** An allowOrigins entry matches: exactly, `*` any origin, `scheme://*.domain` any host under domain (one or more labels). */
function originAllowed(allow: string[], origin: string): boolean {
  return allow.some((a) => {
    if (a === '*' || a === origin) return true;
    const m = /^([a-z][a-z0-9+.-]*):\/\/\*\.(.+)$/i.exec(a);
    if (!m) return false;
    const o = /^([a-z][a-z0-9+.-]*):\/\/([^/]+)$/i.exec(origin);
    return !!o && o[1].toLowerCase() === m[1].toLowerCase() && o[2].toLowerCase().endsWith(`.${m[2].toLowerCase()}`);
  });
}

/**
 * The CORS filter (GEP-1767, HTTPCORSFilter): a preflight (OPTIONS with Origin and Access-Control-Request-Method) is
 * answered by the Gateway itself with 204 and the Access-Control-* headers when the origin is allowed (none when it is
 * not); an actual request from an allowed origin goes to the backend and its response gets Allow-Origin, Allow-Credentials
 * and Expose-Headers. The allowed origin is echoed; a `*` method or header list echoes what the preflight asks for,
 * which is the only answer a credentialed request may get (Fetch standard).
 */
function corsAnswer(filters: Obj[], req: RouteRequest, result: RouteResult, where: string): RouteResult | undefined {
  const f = filters.find((x) => x.type === 'CORS');
  const origin = req.headers['origin'];
  if (!f || origin === undefined) return undefined;
  const c = f.cors ?? {};
  const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
  const allowed = originAllowed((c.allowOrigins ?? []) as string[], origin);
  result.cors = { preflight, allowed, origin };
  const set = (name: string, value: string) => responseHeader(result, 'set', name, value);
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
  if (allowed) {
    set('access-control-allow-origin', origin);
    if (c.allowCredentials === true) set('access-control-allow-credentials', 'true');
    const expose = list(c.exposeHeaders);
    if (expose.length > 0 && !(expose.includes('*') && c.allowCredentials === true)) set('access-control-expose-headers', expose.join(', '));
  }
  if (!preflight) return undefined;
  if (allowed) {
    const methods = list(c.allowMethods);
    if (methods.length > 0) set('access-control-allow-methods', methods.includes('*') ? req.headers['access-control-request-method'] : methods.join(', '));
    const headers = list(c.allowHeaders);
    const asked = req.headers['access-control-request-headers'];
    if (headers.includes('*')) { if (asked) set('access-control-allow-headers', asked); } else if (headers.length > 0) set('access-control-allow-headers', headers.join(', '));
    set('access-control-max-age', String(c.maxAge ?? 5));
  }
  delete result.requestHeaders;
  delete result.path;
  return Object.assign(result, { status: 204, reason: `${where}: CORS preflight from ${origin} answered by the Gateway (${allowed ? 'origin allowed' : 'origin not allowed: no Access-Control-Allow-* headers'})` });
}
