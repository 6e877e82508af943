// The live edge proxy: `podnet serve ingress|gateway`. Real HTTP/1.1 on 127.0.0.1, HTTPS with SNI from the cluster's
// Secrets (HTTP/2 over TLS by ALPN), every request decided by the routing model (src/ingress) and forwarded to the
// chosen backend endpoint — a virtual pod, or whatever `resolve` maps the endpoint to, round-robin per backend.
// Hot path: the cleartext port is edge-h1.ts's lean HTTP/1.1 server, and requests without a body go upstream through
// upstream.ts's keep-alive client (both on Node's own llhttp parser); requests with a body and mirrors go through an
// undici Pool per upstream address. Answers of a poll phase are written together (setImmediate).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createSecureServer, type Http2SecureServer, type Http2ServerRequest } from 'node:http2';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import type { SecureContext, TLSSocket } from 'node:tls';
import { createSecureContext } from 'node:tls';
import { Pool } from 'undici';
import type { Cluster } from '../cluster/cluster.js';
import { compileRouting, type RouteRequest, type RouteResult, type RoutingModel } from '../ingress/index.js';
import { normalizeHost } from '../ingress/index.js';
import { EdgeRateLimiter } from '../ingress/index.js';
import { proxyPods } from '../ingress/index.js';
import { listenerPorts, type ListenerPort } from '../ingress/index.js';
import { backendTLSOptions, streamFront, tlsStreamFront, type StreamRouter } from './edge-streams.js';
import { SecureContextCache, selfSignedKeyPair, type KeyPair } from './tls-material.js';
import { H1Request, H1Response, H1Server, HOP_BY_HOP, leanServerAvailable } from './edge-h1.js';
import { UpstreamExchange, UpstreamPool, upstreamClientAvailable } from './upstream.js';
import { SOURCE_HEADER } from './virtual-pods.js';

export interface UpstreamAddress { host: string; port: number }

/** A model port the proxy serves and where it really listens (the first HTTP and HTTPS ones are httpPort/httpsPort). */
export interface LivePort { port: number; protocol: 'HTTP' | 'HTTPS' | 'TCP' | 'UDP'; local: number }

export interface EdgeProxyOptions {
  cluster: Cluster;
  /** Entry point (`ingress`, `ingress:CLASS`, `gateway/NS/NAME`); default: the only one. */
  via?: string;
  /** Live ports (0 = ephemeral; undefined = do not listen). A Gateway's other listener ports listen on ephemeral
   * ports whenever either of these is set (see `ports`). */
  httpPort?: number;
  httpsPort?: number;
  host?: string;
  /** Where an endpoint `ip:port` of the model really listens (its UDP port for UDPRoute datagrams). */
  resolve: (endpoint: string, protocol?: 'TCP' | 'UDP') => UpstreamAddress | undefined;
  /** One line per request (access log); omit for none. */
  log?: (line: string) => void;
  /** Upstream connections per address (default 64). */
  connections?: number;
}

type AnyRequest = IncomingMessage | Http2ServerRequest | H1Request;
/** What the proxy uses of an answer: node:http's ServerResponse, node:http2's compat response and H1Response have it. */
interface AnyResponse {
  readonly headersSent: boolean;
  writeHead(status: number, headers?: Record<string, string | string[]>): unknown;
  write(chunk: Buffer): boolean;
  end(chunk?: Buffer | string): unknown;
  end(): unknown;
  destroy(): unknown;
  once(event: 'drain' | 'close', fn: () => void): unknown;
  off(event: 'drain' | 'close', fn: () => void): unknown;
}

const STATUS_TEXT: Record<number, string> = { 404: 'Not Found', 421: 'Misdirected Request', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Temporarily Unavailable', 504: 'Gateway Time-out' };

export class EdgeProxy {
  readonly model: RoutingModel;
  readonly entryPoint: string;
  /** Model ports the live ports stand for (80/443 for ingress; the Gateway's first HTTP / HTTPS listener ports). */
  readonly modelHttpPort: number;
  readonly modelHttpsPort: number;
  httpPort = 0;
  httpsPort = 0;
  /** Every listener port served (a Gateway's TCP, UDP and further HTTP/HTTPS/TLS ports too), with its local port. */
  readonly ports: LivePort[] = [];
  private readonly pools = new Map<string, Pool>();
  private readonly upstreams = new Map<string, UpstreamPool>();
  private readonly rr = new Map<string, number>();
  private readonly limiter = new EdgeRateLimiter();
  private readonly contexts: SecureContextCache;
  private readonly sniCache = new Map<string, SecureContext | undefined>();
  private fallbackPair?: KeyPair | null;
  private readonly servers: (Server | Http2SecureServer | NetServer)[] = [];
  private readonly h1s: H1Server[] = [];
  private readonly fronts: { close(): Promise<void> }[] = [];
  private readonly sourceIP: string;
  /** What each served port carries: the Gateway's listener ports, or an Ingress class's 80 and 443. */
  private readonly plan: ListenerPort[];
  private readonly unlisted = new Set<ListenerPort>();
  private readonly streams = new Set<Socket>();
  /** Per model port, how a connection accepted elsewhere is served there (its HTTP and HTTPS/TLS ports). */
  private readonly acceptors = new Map<number, (socket: Socket) => void>();

  private constructor(private readonly opts: EdgeProxyOptions) {
    this.model = compileRouting(opts.cluster);
    const ep = this.model.resolveEntryPoint(opts.via);
    this.entryPoint = ep.id;
    this.contexts = new SecureContextCache(opts.cluster);
    const plain = (port: number, tls: boolean): ListenerPort => ({ port, http: !tls, https: tls, tlsStreams: false, tcp: false, udp: false });
    if (ep.kind === 'ingress') {
      this.modelHttpPort = 80;
      this.modelHttpsPort = 443;
      this.plan = [plain(80, false), plain(443, true)];
    } else {
      const g = this.model.gateways.find((x) => `gateway/${x.gateway.metadata.namespace}/${x.gateway.metadata.name}` === ep.id)!;
      this.plan = listenerPorts(g);
      this.modelHttpPort = this.plan.find((l) => l.http)?.port ?? 80;
      this.modelHttpsPort = this.plan.find((l) => l.https || l.tlsStreams)?.port ?? 443;
      // The first HTTP and HTTPS ports always listen (a port with no listener refuses what comes); `ports` lists only
      // the Gateway's own listener ports.
      const unlisted = (lp: ListenerPort) => { this.unlisted.add(lp); return lp; };
      if (!this.plan.some((l) => l.port === this.modelHttpPort)) this.plan.unshift(unlisted(plain(this.modelHttpPort, false)));
      if (!this.plan.some((l) => l.port === this.modelHttpsPort)) this.plan.push(unlisted(plain(this.modelHttpsPort, true)));
    }
    const proxyPod = proxyPods(opts.cluster, this.entryPoint)[0] as { status?: { podIP?: string } } | undefined;
    this.sourceIP = proxyPod?.status?.podIP ?? '127.0.0.1';
  }

  static async start(opts: EdgeProxyOptions): Promise<EdgeProxy> {
    const p = new EdgeProxy(opts);
    try {
      await p.listenAll(opts.host ?? '127.0.0.1');
    } catch (e) {
      await p.close();
      throw e;
    }
    return p;
  }

  /**
   * Serves a connection accepted elsewhere as if it came to the model's port `port` (the kernel lab accepts on the proxy
   * pod's own sockets, inside its namespace: src/realize/edge.ts); false when no HTTP or HTTPS/TLS listener has that port.
   */
  accept(socket: Socket, port: number): boolean {
    const a = this.acceptors.get(port);
    if (a) a(socket);
    return a !== undefined;
  }

  private async listenAll(host: string): Promise<void> {
    const { httpPort, httpsPort } = this.opts;
    const others = httpPort !== undefined || httpsPort !== undefined ? 0 : undefined;
    for (const lp of this.plan) {
      const tls = lp.https || lp.tlsStreams;
      const local = lp.http && lp.port === this.modelHttpPort ? httpPort : tls && lp.port === this.modelHttpsPort ? httpsPort : others;
      if (local === undefined) continue;
      let bound: number | undefined;
      if (lp.http) bound = await this.listenHttp(lp.port, local, host);
      else if (tls) bound = await this.listenTls(lp, local, host);
      else if (lp.tcp) bound = await this.listenStream(lp.port, 'tcp', local, host);
      if (bound !== undefined && !this.unlisted.has(lp)) this.ports.push({ port: lp.port, protocol: lp.http ? 'HTTP' : tls ? 'HTTPS' : 'TCP', local: bound });
      // UDP beside TCP on one port number: the same local number when it is free.
      if (lp.udp) this.ports.push({ port: lp.port, protocol: 'UDP', local: await this.listenStream(lp.port, 'udp', bound ?? local, host) });
      if (lp.http && lp.port === this.modelHttpPort) this.httpPort = bound!;
      if (tls && lp.port === this.modelHttpsPort) this.httpsPort = bound!;
    }
  }

  private async listenHttp(modelPort: number, local: number, host: string): Promise<number> {
    // nginx keepalive_timeout 75s. The lean server where Node's parser is reachable, else node:http.
    if (leanServerAvailable && upstreamClientAvailable) {
      const h1 = new H1Server((req, res) => this.handle(req, res, 'http', modelPort), { keepAliveTimeout: 75_000 });
      this.h1s.push(h1);
      this.acceptors.set(modelPort, (socket) => h1.net.emit('connection', socket));
      return h1.listen(local, host);
    }
    const http = createServer((req, res) => this.handle(req, res, 'http', modelPort));
    http.keepAliveTimeout = 75_000;
    this.servers.push(http);
    this.acceptors.set(modelPort, (socket) => http.emit('connection', socket));
    return listen(http, local, host);
  }

  /**
   * An HTTPS port (HTTP/2 by ALPN, certificates by SNI), demanding client certificates when spec.tls.frontend says so
   * (AllowValidOnly: no valid certificate, no handshake; AllowInsecureFallback: asked for, not required). A port with
   * TLS-protocol listeners reads the SNI first (edge-streams.ts).
   */
  private async listenTls(lp: ListenerPort, local: number, host: string): Promise<number> {
    if (this.fallbackPair === undefined) this.fallbackPair = selfSignedKeyPair('Kubernetes Ingress Controller Fake Certificate', ['ingress.local'], 'rsa') ?? null;
    const fv = lp.frontendValidation;
    const ca = fv?.cas.map((c) => c.toString());
    const fallback = this.fallbackPair ? createSecureContext({ ...this.fallbackPair, ...(ca ? { ca } : {}) }) : undefined;
    const https = createSecureServer({
      allowHTTP1: true,
      ...(this.fallbackPair ?? {}),
      ...(fv ? { ca, requestCert: true, rejectUnauthorized: fv.mode === 'AllowValidOnly' } : {}),
      SNICallback: (servername, cb) => cb(null, this.contextFor(servername, lp.port, ca) ?? fallback),
    }, (req, res) => this.handle(req, res as unknown as AnyResponse, 'https', lp.port));
    https.on('secureConnection', (s: TLSSocket) => s.on('error', () => s.destroy()));
    https.on('sessionError', () => undefined); // a broken HTTP/2 session closes; the server keeps serving
    https.on('tlsClientError', (err, s) => this.opts.log?.(`${s.remoteAddress} TLS handshake on port ${lp.port} failed: ${err.message}`));
    this.servers.push(https);
    this.acceptors.set(lp.port, (socket) => https.emit('connection', socket));
    if (!lp.tlsStreams) return listen(https, local, host);
    const front = tlsStreamFront(this.streamRouter(), lp.port, https, (name) => this.contextFor(name, lp.port), this.streams);
    this.servers.push(front);
    this.acceptors.set(lp.port, (socket) => front.emit('connection', socket));
    return listen(front, local, host);
  }

  private async listenStream(modelPort: number, transport: 'tcp' | 'udp', local: number, host: string): Promise<number> {
    const front = streamFront(this.streamRouter(), modelPort, transport, host);
    this.fronts.push(front);
    return front.listen(local, true);
  }

  private streamRouter(): StreamRouter {
    return {
      route: (req) => this.model.route(req, this.entryPoint),
      target: (r) => {
        const b = r.backend;
        if (!b || !b.endpoints?.length) return undefined;
        const { endpoint } = this.nextEndpoint(b);
        const address = this.opts.resolve(endpoint, r.stream?.protocol === 'UDP' ? 'UDP' : 'TCP');
        return address ? { address, endpoint } : undefined;
      },
      backendTLS: (tls) => this.backendTLSOptionsOf(tls),
      log: this.opts.log,
    };
  }

  /** The backend's next endpoint, round-robin per Service port (HTTP and stream faces share the turn). */
  private nextEndpoint(b: NonNullable<RouteResult['backend']>): { key: string; endpoint: string } {
    const endpoints = b.endpoints!;
    const key = `${b.namespace}/${b.service}:${b.port}`;
    const n = this.rr.get(key) ?? 0;
    this.rr.set(key, n + 1);
    return { key, endpoint: endpoints[n % endpoints.length] };
  }

  /** The certificate the model picks for an SNI name on a port (cached per port and name), trusting `ca` for clients. */
  private contextFor(servername: string, port: number, ca?: string[]): SecureContext | undefined {
    const name = servername.toLowerCase();
    const key = `${port}|${name}`;
    if (this.sniCache.has(key)) return this.sniCache.get(key);
    let ctx: SecureContext | undefined;
    try {
      const r = this.model.route({ scheme: 'https', host: name, sni: name, port, path: '/', query: '', method: 'GET', headers: {} }, this.entryPoint);
      if (r.tls?.secret && !r.tls.fallback) ctx = this.contexts.get(r.tls.secret, ca && { key: `port ${port}`, ca });
    } catch {
      ctx = undefined;
    }
    this.sniCache.set(key, ctx);
    return ctx;
  }

  private handle(req: AnyRequest, res: AnyResponse, scheme: 'http' | 'https', modelPort: number): void {
    let result: RouteResult;
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    let headers: Record<string, string>;
    let authority: string;
    if (req instanceof H1Request) {
      headers = req.headers; // already one string per name (node:http's rules), nothing else holds it
      authority = headers['host'] ?? '';
    } else {
      headers = {};
      const src = req.headers;
      for (const k in src) {
        if (k.charCodeAt(0) === 58) continue; // HTTP/2 pseudo-headers
        const v = src[k];
        if (v !== undefined) headers[k] = typeof v === 'string' ? v : v.join(', ');
      }
      authority = headers['host'] ?? (src[':authority'] as string | undefined) ?? '';
      if (headers['host'] === undefined && authority) headers['host'] = authority;
    }
    const socket = req.socket as Socket & { servername?: string };
    const clientIP = req instanceof H1Request ? req.clientIP : socket.remoteAddress ?? '127.0.0.1';
    const rr: RouteRequest = {
      scheme, host: normalizeHost(authority), port: modelPort,
      path: q < 0 ? rawUrl : rawUrl.slice(0, q), query: q < 0 ? '' : rawUrl.slice(q + 1), method: req.method ?? 'GET', headers,
      sni: scheme === 'https' ? (socket.servername || undefined) : undefined, clientIP, random: Math.random(), httpsPort: this.httpsPort || 443,
    };
    try {
      result = this.model.route(rr, this.entryPoint);
    } catch (e) {
      return this.answer(req, res, 500, `podnet: ${(e as Error).message}`);
    }
    const status = result.status;
    if (status !== 200) {
      if (status === 0) { req.socket.destroy(); return; }
      if (result.cors?.preflight) {
        // A CORS preflight the Gateway answers itself: no body, the Access-Control-* headers the filter computed.
        const h: Record<string, string> = { 'content-length': '0' };
        for (const [k, v] of Object.entries(result.responseHeaders ?? {})) if (v !== null) h[k] = v;
        res.writeHead(status, h);
        res.end();
        this.opts.log?.(`${clientIP} "${rr.method} ${rawUrl}" ${status} CORS preflight`);
        return;
      }
      if (result.location !== undefined) {
        res.writeHead(status, { location: result.location, 'content-length': '0' });
        res.end();
        this.opts.log?.(`${clientIP} "${rr.method} ${rawUrl}" ${status} -> ${result.location}`);
        return;
      }
      return this.answer(req, res, status, result.reason);
    }
    let release: (() => void) | undefined;
    if (result.rateLimit) {
      const v = result.via!;
      const admit = this.limiter.admit(`${v.namespace}/${v.name}/${v.match}`, clientIP, result.rateLimit, Date.now());
      if (admit.status !== 0) return this.answer(req, res, admit.status, 'rate limit exceeded (ingress-nginx limit-rps / limit-connections)');
      release = admit.release;
    }
    const { key, endpoint } = this.nextEndpoint(result.backend!);
    const upstream = this.opts.resolve(endpoint);
    if (!upstream) { release?.(); return this.answer(req, res, 502, `no live server for endpoint ${endpoint} of ${key}`); }
    const out = result.requestHeaders!;
    out[SOURCE_HEADER] = this.sourceIP;
    if (result.mirrors) this.mirror(result, rr.method);
    const log = this.opts.log;
    // HTTPRoute timeouts.request / backendRequest and ingress-nginx proxy-read-timeout: past it the client gets 504.
    const limitMs = parseDuration(result.timeouts?.request ?? result.timeouts?.backendRequest);
    const method = rr.method;
    const cl = headers['content-length'];
    if (upstreamClientAvailable && !result.backendTLS && (cl === undefined || cl === '0') && headers['transfer-encoding'] === undefined) {
      // No request body: the lean client (one pre-serialized head per request, Node's parser for the answer).
      const head = requestHead(method, result.path!, out);
      if (typeof head !== 'string') {
        release?.();
        this.answer(req, res, 502, `upstream ${endpoint}: ${head.message}`);
        return;
      }
      const pool = this.upstream(upstream);
      const f = new Forward(head, method, req, res, result.responseHeaderOps, pool, release, log, clientIP, rawUrl, key, endpoint, this);
      pool.request(f);
      if (limitMs !== undefined && !f.finished) f.timer = setTimeout(timeoutForward, limitMs, f, limitMs);
      return;
    }
    const hasBody = method !== 'GET' && method !== 'HEAD' && (cl !== undefined ? cl !== '0' : headers['transfer-encoding'] !== undefined);
    const respHeaders = result.responseHeaderOps;
    let timer: NodeJS.Timeout | undefined;
    let relay: ResponseRelay | undefined;
    const onDone = (err: Error | null): void => {
      if (timer) clearTimeout(timer);
      release?.();
      if (err) this.failed(req, res, err, endpoint);
      log?.(`${clientIP} "${method} ${rawUrl}" ${err ? 'error' : 'ok'} -> ${key} ${endpoint}`);
    };
    try {
      this.pool(upstream, result.backendTLS).dispatch(
        { path: result.path!, method: method as 'GET', headers: out, body: hasBody ? ((req instanceof H1Request ? req.body : req) as unknown as NodeJS.ReadableStream) as never : null },
        (relay = new ResponseRelay(res, method === 'HEAD', respHeaders, onDone)) as never,
      );
      if (limitMs !== undefined) timer = setTimeout(() => relay?.abort(Object.assign(new Error(`no response within ${limitMs} ms (route timeout)`), { code: 'PODNET_TIMEOUT' })), limitMs);
    } catch (e) {
      onDone(e as Error); // e.g. a header value a filter set that HTTP/1.1 cannot carry
    }
  }

  /** @internal An upstream failure: 504 for timeouts, 502 otherwise; a response already under way is cut. */
  failed(req: AnyRequest, res: AnyResponse, err: Error, endpoint: string): void {
    const code = (err as { code?: string }).code;
    if (!res.headersSent) this.answer(req, res, code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'PODNET_TIMEOUT' ? 504 : 502, `upstream ${endpoint}: ${err.message}`);
    else res.destroy?.();
  }

  private upstream(a: UpstreamAddress): UpstreamPool {
    const k = `${a.host}:${a.port}`;
    let p = this.upstreams.get(k);
    if (!p) {
      p = new UpstreamPool(a.host, a.port, { connections: this.opts.connections ?? 64, keepAliveTimeout: 60_000, connectTimeout: 5_000, headersTimeout: 60_000, bodyTimeout: 60_000 });
      this.upstreams.set(k, p);
    }
    return p;
  }

  private mirror(result: RouteResult, method: string): void {
    for (const m of result.mirrors ?? []) {
      if (m.percent !== undefined && Math.random() * 100 >= m.percent) continue;
      const r = resolveMirror(this.opts.cluster, m.namespace, m.service, m.port);
      const up = r ? this.opts.resolve(r) : undefined;
      if (!up) continue;
      this.pool(up).request({ path: result.path!, method: method as 'GET', headers: result.requestHeaders }).then((x) => x.body.dump(), () => undefined);
    }
  }

  /**
   * A client pool per upstream address; with a BackendTLSPolicy, per (address, SNI, trust): TLS to the pod with the
   * policy's hostname as SNI, verified against its CA ConfigMaps (or the system CAs for wellKnownCACertificates).
   */
  private pool(a: UpstreamAddress, tls?: RouteResult['backendTLS']): Pool {
    const k = `${a.host}:${a.port}`;
    const key = tls ? `${k}|${tls.policy}|${tls.sni}` : k;
    let p = this.pools.get(key);
    if (!p) {
      const common = { connections: this.opts.connections ?? 64, pipelining: 1, keepAliveTimeout: 60_000, connectTimeout: 5_000, headersTimeout: 60_000, bodyTimeout: 60_000 };
      p = tls ? new Pool(`https://${k}`, { ...common, connect: this.backendTLSOptionsOf(tls) as never }) : new Pool(`http://${k}`, common);
      this.pools.set(key, p);
    }
    return p;
  }

  /** The CA certificates and subjectAltNames the model resolved for the policy (backend-tls.ts), as TLS client options. */
  private backendTLSOptionsOf(tls: NonNullable<RouteResult['backendTLS']>): ReturnType<typeof backendTLSOptions> {
    const compiled = this.model.backendTLSPolicies.find((x) => `${x.policy.metadata.namespace}/${x.policy.metadata.name}` === tls.policy);
    const ca = tls.caCertificateRefs ? (compiled?.cas ?? []).map((c) => c.toString()) : [];
    return backendTLSOptions(tls, ca, compiled?.subjectAltNames ?? []);
  }

  private answer(req: AnyRequest, res: AnyResponse, status: number, reason: string): void {
    if (res.headersSent) { res.destroy?.(); return; }
    const body = `${status} ${STATUS_TEXT[status] ?? ''}\n`;
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), 'x-podnet-reason': reason.replace(/[^\x20-\x7e]/g, '?').slice(0, 512) });
    if (req.method === 'HEAD') res.end();
    else res.end(body);
    this.opts.log?.(`${req.socket.remoteAddress} "${req.method} ${req.url}" ${status}: ${reason}`);
  }

  async close(): Promise<void> {
    const closing: Promise<unknown>[] = [...this.pools.values()].map((p) => p.destroy());
    for (const s of this.streams) s.destroy();
    for (const p of this.upstreams.values()) p.close();
    for (const h1 of this.h1s) closing.push(h1.close());
    for (const f of this.fronts) closing.push(f.close());
    for (const s of this.servers) {
      closing.push(new Promise<void>((resolve) => s.close(() => resolve())));
      (s as Server).closeAllConnections?.();
    }
    await Promise.all(closing);
  }
}

const INVALID_PATH = /[^\u0021-\u00ff]/;
const INVALID_TOKEN = /[^!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);
const EXPECTS_PAYLOAD = new Set(['PUT', 'POST', 'PATCH', 'QUERY', 'PROPFIND', 'PROPPATCH']);

/**
 * The request head the lean client writes for a bodiless request, laid out as undici writes it (request line, host,
 * connection, the headers in order, `content-length: 0` for methods that expect a payload); an Error for a path or
 * header HTTP/1.1 cannot carry (a filter can set any value).
 */
export function requestHead(method: string, path: string, headers: Record<string, string>): string | Error {
  if (path.length === 0 || INVALID_PATH.test(path)) return new Error('invalid request path');
  let head = `${method} ${path} HTTP/1.1\r\n`;
  const host = headers['host'];
  if (host !== undefined) {
    if (!validValue(host)) return new Error('invalid header value');
    head += `host: ${host}\r\nconnection: keep-alive\r\n`;
  } else head += 'connection: keep-alive\r\n';
  for (const k in headers) {
    if (k === 'host' || k === 'content-length' || k === 'expect') continue;
    const v = headers[k];
    if (!validName(k)) return new Error('invalid header name');
    if (!validValue(v)) return new Error('invalid header value');
    head += `${k}: ${v}\r\n`;
  }
  return EXPECTS_PAYLOAD.has(method) ? `${head}content-length: 0\r\n\r\n` : `${head}\r\n`;
}

// Header names repeat from request to request: the ones seen valid are remembered (a bounded set).
const validNames = new Set<string>();
function validName(k: string): boolean {
  if (validNames.has(k)) return true;
  if (k.length === 0 || INVALID_TOKEN.test(k)) return false;
  if (validNames.size < 1024) validNames.add(k);
  return true;
}

/** HTTP field-value characters: HTAB, visible ASCII, obs-text (what llhttp accepts and node:http checks). */
function validValue(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 ? c !== 9 : c === 0x7f || c > 0xff) return false;
  }
  return true;
}

function timeoutForward(f: Forward, limitMs: number): void {
  f.timer = undefined;
  f.pool.abort(f, Object.assign(new Error(`no response within ${limitMs} ms (route timeout)`), { code: 'PODNET_TIMEOUT' }));
}

// Answers whose upstream response is complete, written at the end of the event-loop turn: the answers of one poll
// phase go to the clients together.
let answers: Forward[] = [];
let answersScheduled = false;
function flushAnswers(): void {
  answersScheduled = false;
  const list = answers;
  answers = [];
  for (let i = 0; i < list.length; i++) list[i].finish();
}

/**
 * One proxied bodiless request on the lean client: relays the upstream answer like ResponseRelay (small bodies
 * buffered and sent with the head in one write, past 64 KiB streamed with backpressure) and writes the access log line.
 */
class Forward extends UpstreamExchange {
  timer?: NodeJS.Timeout;
  private status = 0;
  private headers: Record<string, string | string[]> = {};
  /** The upstream's headers as parsed, when they go to an H1Response unchanged (no response header filter). */
  private raw: string[] | null = null;
  private readonly body = new AnswerBody();
  constructor(
    head: string,
    private readonly method: string,
    private readonly req: AnyRequest,
    private readonly res: AnyResponse,
    private readonly extra: ResponseHeaderFilter | undefined,
    readonly pool: UpstreamPool,
    private readonly release: (() => void) | undefined,
    private readonly log: ((line: string) => void) | undefined,
    private readonly clientIP: string,
    private readonly rawUrl: string,
    private readonly key: string,
    private readonly endpoint: string,
    private readonly proxy: EdgeProxy,
  ) {
    super(head, method === 'HEAD', IDEMPOTENT.has(method));
  }

  onHeaders(status: number, raw: string[]): void {
    this.status = status;
    if (this.extra === undefined && this.res instanceof H1Response) { this.raw = raw; return; }
    relayedHeaders(this.headers, raw, this.extra);
  }

  onData(chunk: Buffer): boolean {
    const res = this.res;
    if (!this.body.streaming) {
      if (this.body.add(chunk)) return true;
      try {
        if (this.raw !== null) (res as H1Response).writeHeadRelayed(this.status, this.raw, true);
        else res.writeHead(this.status, this.headers);
      } catch (e) {
        this.pool.abort(this, e as Error);
        return false;
      }
      return this.body.startStreaming(res) || this.wait();
    }
    return res.write(chunk) || this.wait();
  }

  /** Backpressure: read on when the client drained, give up when it went away. */
  private wait(): false {
    const res = this.res;
    const onDrain = (): void => { res.off('close', onClose); this.resume(); };
    const onClose = (): void => { res.off('drain', onDrain); this.pool.abort(this, new Error('client went away')); };
    res.once('drain', onDrain);
    res.once('close', onClose);
    return false;
  }

  onComplete(): void {
    if (this.body.streaming) {
      this.res.end();
      this.done(null);
      return;
    }
    answers.push(this);
    if (!answersScheduled) {
      answersScheduled = true;
      setImmediate(flushAnswers);
    }
  }

  /** The buffered answer: head and body in one write. */
  finish(): void {
    const body = this.body.whole();
    try {
      if (this.raw !== null) (this.res as H1Response).writeHeadRelayed(this.status, this.raw, this.method === 'HEAD');
      else this.res.writeHead(this.status, withBodyLength(this.headers, this.method === 'HEAD', body.length));
      this.res.end(body);
    } catch (e) {
      this.done(e as Error);
      return;
    }
    this.done(null);
  }

  onError(err: Error): void {
    this.done(err);
  }

  private done(err: Error | null): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.release?.();
    if (err) this.proxy.failed(this.req, this.res, err, this.endpoint);
    this.log?.(`${this.clientIP} "${this.method} ${this.rawUrl}" ${err ? 'error' : 'ok'} -> ${this.key} ${this.endpoint}`);
  }
}

/**
 * Relays an upstream response to the client. Small bodies (the common case) are buffered and sent with the headers in
 * one write; a body past 64 KiB switches to streaming with backpressure. Implements undici's DispatchHandler.
 */
class ResponseRelay {
  private status = 0;
  private headers: Record<string, string | string[]> = {};
  /** The upstream's headers as parsed, when they go to an H1Response unchanged (no response header filter). */
  private readonly body = new AnswerBody();
  private resume: () => void = () => undefined;
  private abortFn?: (err: Error) => void;
  constructor(private readonly res: AnyResponse, private readonly head: boolean, private readonly extra: ResponseHeaderFilter | undefined, private readonly done: (err: Error | null) => void) {}

  onConnect(abort: (err: Error) => void): void {
    this.abortFn = abort;
  }

  abort(err: Error): void {
    this.abortFn?.(err);
  }

  onHeaders(statusCode: number, raw: Buffer[] | string[] | null, resume: () => void): boolean {
    this.status = statusCode;
    relayedHeaders(this.headers, raw ?? [], this.extra);
    this.resume = resume;
    return true;
  }

  onData(chunk: Buffer): boolean {
    let ok: boolean;
    if (!this.body.streaming) {
      if (this.body.add(chunk)) return true;
      this.res.writeHead(this.status, this.headers);
      ok = this.body.startStreaming(this.res);
    } else ok = this.res.write(chunk);
    if (!ok) this.res.once('drain', this.resume);
    return ok;
  }

  onComplete(): void {
    if (!this.body.streaming) {
      const body = this.body.whole();
      this.res.writeHead(this.status, withBodyLength(this.headers, this.head, body.length));
      this.res.end(body);
    } else this.res.end();
    this.done(null);
  }

  onError(err: Error): void {
    this.done(err);
  }
}

/** Upstream header pairs into the client's answer: hop-by-hop ones dropped, repeats kept, then the route's response
 * header operations in order. */
function relayedHeaders(h: Record<string, string | string[]>, raw: readonly (string | Buffer)[], extra: ResponseHeaderFilter | undefined): void {
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const k = raw[i].toString().toLowerCase();
    if (HOP_BY_HOP.has(k)) continue;
    const v = raw[i + 1].toString();
    const prev = h[k];
    h[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  // add appends to what the backend sent (one value, comma-joined).
  for (const op of extra ?? []) {
    const prev = h[op.name];
    if (op.action === 'remove') delete h[op.name];
    else if (op.action === 'add' && prev !== undefined) h[op.name] = `${Array.isArray(prev) ? prev.join(',') : prev},${op.value ?? ''}`;
    else h[op.name] = op.value ?? '';
  }
}

/** What the route does to the response headers (set/add/remove operations in filter order). */
type ResponseHeaderFilter = NonNullable<RouteResult['responseHeaderOps']>;

/** An upstream answer's body as both relays handle it: buffered up to 64 KiB (sent with the head in one write), past
 * that streamed. */
class AnswerBody {
  private chunks: Buffer[] = [];
  private size = 0;
  streaming = false;

  /** Keeps the chunk; false once the body is too big to buffer (the caller writes the head, then startStreaming). */
  add(chunk: Buffer): boolean {
    this.chunks.push(chunk);
    this.size += chunk.length;
    return this.size <= 65536;
  }

  /** Writes what was buffered and streams from now on; false when the client wants us to wait (backpressure). */
  startStreaming(res: AnyResponse): boolean {
    this.streaming = true;
    let ok = true;
    for (const c of this.chunks) ok = res.write(c);
    this.chunks = [];
    return ok;
  }

  whole(): Buffer {
    return this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.size);
  }
}

/** A buffered body is sent whole: its length replaces whatever framing the upstream used (not for HEAD answers). */
function withBodyLength(h: Record<string, string | string[]>, head: boolean, size: number): Record<string, string | string[]> {
  if (!head && (h['content-length'] !== undefined || size > 0)) h['content-length'] = String(size);
  return h;
}

function listen(server: Server | Http2SecureServer | NetServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Gateway API durations (`10s`, `500ms`, `1h30m`; units h, m, s, ms) and nginx seconds (`60s`) in ms; 0 means none. */
export function parseDuration(text: string | undefined): number | undefined {
  if (!text) return undefined;
  let ms = 0;
  const re = /(\d+)(ms|h|m|s)/g;
  let m: RegExpExecArray | null;
  let seen = '';
  while ((m = re.exec(text))) { ms += Number(m[1]) * (m[2] === 'h' ? 3_600_000 : m[2] === 'm' ? 60_000 : m[2] === 's' ? 1000 : 1); seen += m[0]; }
  return seen === text && ms > 0 ? ms : undefined;
}

/** A mirror backend's first ready endpoint (mirrors are fire-and-forget copies). */
function resolveMirror(cluster: Cluster, ns: string, svc: string, port: number): string | undefined {
  for (const s of cluster.slicesOfService(ns, svc) as unknown as { ports?: { port?: number; name?: string }[]; endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[] }[]) {
    const service = cluster.get<{ spec: { ports?: { port: number; name?: string }[] } }>('Service', ns, svc);
    const sp = service?.spec.ports?.find((p) => p.port === port);
    const slicePort = s.ports?.find((p) => (p.name ?? '') === (sp?.name ?? ''));
    const ep = s.endpoints?.find((e) => e.conditions?.ready !== false);
    if (ep && slicePort?.port) return `${ep.addresses[0]}:${slicePort.port}`;
  }
  return undefined;
}
