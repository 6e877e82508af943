// The lab's Kubernetes API: HTTPS on 127.0.0.1 (default 6443) with the lab's own CA, bearer-token and
// client-certificate authentication, and the paths kubectl and client libraries use — /version, discovery, and
// /api/v1/… and /apis/<group>/<version>/… for every kind podnet models. Reads come from the lab's snapshots
// (store.ts); writes go through the lab's one change path (write.ts).
import { createServer, type Server } from 'node:https';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Lab } from '../../serve/lab.js';
import { aggregatedDiscovery, aggregatedVersion, AGGREGATED, apiGroup, apiGroupList, apiResourceList, apiVersions, SERVER_VERSION } from './discovery.js';
import { negotiate, sendError, sendJSON } from './http.js';
import { openapiDocument, openapiIndex } from './openapi.js';
import { kubeconfigText } from './kubeconfig.js';
import { makeCredentials, tokenMatches, userOfCertificate, type Credentials } from './pki.js';
import { getObject, listObjects, parseBool, type Scope } from './read.js';
import { findResource, type ApiResource } from './resources.js';
import { ApiError, errors } from './status.js';
import { ApiStore } from './store.js';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { chooseProtocol, channelWriter, endWithFailure, PROTOCOLS, runOverWebSocket } from './remotecommand.js';
import { commandSession } from './terminal.js';
import { podHost } from './pod-host.js';
import { netnsSession } from './netns-session.js';
import { AttachError, PodProcesses, startedWhen } from './processes.js';
import { PORT_FORWARD_PROTOCOL, servePortForward } from './portforward.js';
import { create, patch, remove, removeCollection, update, writeEphemeralContainers, Writes, WRITTEN_HERE } from './write.js';
import { EphemeralContainers } from './ephemeral.js';

export interface KubeApiOptions {
  host?: string;
  /** 0 = any free port; default 6443. */
  port?: number;
  /** The clock for creationTimestamps and ages (tests fix it). */
  now?: () => Date;
  credentials?: Credentials;
}

export interface User { name: string; groups: string[] }

/** Paths anyone may read, as kube-apiserver's system:public-info-viewer role allows. */
const PUBLIC = new Set(['/version', '/healthz', '/livez', '/readyz']);

export class KubeApiServer {
  readonly creds: Credentials;
  readonly store: ApiStore;
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  readonly now: () => Date;
  private readonly writes = new Writes();
  readonly processes: PodProcesses;
  readonly ephemeral: EphemeralContainers;
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024, handleProtocols: (offered) => chooseProtocol(offered) });
  port = 0;

  constructor(readonly lab: Lab, private readonly opts: KubeApiOptions = {}) {
    this.creds = opts.credentials ?? makeCredentials(lab.snapshot.cluster.config.clusterDomain, opts.host ?? '127.0.0.1');
    this.now = opts.now ?? (() => new Date());
    this.store = new ApiStore(lab, this.now);
    this.ephemeral = new EphemeralContainers(this.now);
    this.processes = new PodProcesses(lab, this.now, () => this.store.refreshPods());
    // Only pods written through this API run their command; pods of the manifests are the lab's agents.
    this.store.onPods = (pods) => {
      this.ephemeral.observe(pods);
      this.processes.observe(pods.filter((p) => lab.desired(`Pod/${p.metadata.namespace}/${p.metadata.name}`)?.source.file === WRITTEN_HERE));
    };
    this.store.podOverlay = (p) => this.ephemeral.overlay(this.processes.overlay(p));
    this.store.refreshPods();
  }

  get host(): string { return this.opts.host ?? '127.0.0.1'; }
  get url(): string { return `https://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`; }

  async listen(): Promise<number> {
    const server = createServer({
      key: this.creds.serving.key, cert: this.creds.serving.cert, ca: this.creds.ca.cert,
      // Client certificates are asked for but optional: a bearer token is the other way in.
      requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.2',
    }, (req, res) => { void this.handle(req, res); });
    server.on('connection', (s: Socket) => { this.sockets.add(s); s.on('close', () => this.sockets.delete(s)); });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
    server.on('tlsClientError', (_e, s) => s.destroy());
    server.on('clientError', (_e, s) => s.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port ?? 6443, this.host, () => { server.off('error', reject); resolve(); });
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this.port;
  }

  kubeconfig(): string {
    return kubeconfigText({ server: this.url, creds: this.creds });
  }

  async close(): Promise<void> {
    this.store.close();
    for (const c of this.wss.clients) c.terminate();
    this.wss.close();
    const closed = new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  /** exec and attach: a WebSocket carrying the channels of the pod's process; anything else is refused with a Status. */
  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    try {
      if (!this.authenticate(req)) throw errors.unauthorized();
      const url = new URL(req.url ?? '/', 'https://kube');
      const origin = req.headers.origin;
      if (origin && origin !== this.url) throw errors.forbidden(undefined, url.pathname, `a WebSocket from ${origin} is not allowed`);
      const target = parseResourcePath(url.pathname);
      if (!target || target.r.kind !== 'Pod' || !target.name || !['exec', 'attach', 'portforward'].includes(target.subresource ?? '')) throw errors.notFoundPath();
      const stored = this.store.get(target.r, target.namespace, target.name);
      if (!stored) throw errors.notFound(target.r, target.name);
      const pod = stored.object;
      const q = url.searchParams;
      const container = containerOf(pod, q.get('container'), this.ephemeral);
      const channels = { stdin: parseBool(q.get('stdin')), stdout: q.get('stdout') === null || parseBool(q.get('stdout')), stderr: q.get('stderr') === null || parseBool(q.get('stderr')), tty: parseBool(q.get('tty')) };
      const command = q.getAll('command');
      if (target.subresource === 'exec' && command.length === 0) throw errors.badRequest('you must specify at least 1 command');
      if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') throw errors.badRequest(`cannot ${target.subresource} into a container in a completed pod; current phase is ${pod.status.phase}`);
      // After the request's own checks, as kube-apiserver answers them: kubectl's SPDY fallback shows that message.
      if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
        throw errors.badRequest(`the lab's Kubernetes API streams ${target.subresource} over WebSocket (${PROTOCOLS.join(', ')}; kubectl ≥ 1.30 uses it by default), not ${req.headers.upgrade}`);
      }
      const offered = new Set(String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim()).filter(Boolean));
      if (target.subresource === 'portforward') {
        if (!offered.has(PORT_FORWARD_PROTOCOL)) throw errors.badRequest(`the lab's Kubernetes API forwards ports over ${PORT_FORWARD_PROTOCOL}; the client offered ${[...offered].join(', ') || 'none'}`);
        const ip = String(pod.status?.podIP ?? '');
        // ws accepts only RFC 6455 tokens as subprotocols, and this one has a '/': it is agreed on by hand.
        delete req.headers['sec-websocket-protocol'];
        const agree = (headers: string[], r: IncomingMessage) => { if (r === req) { headers.push(`Sec-WebSocket-Protocol: ${PORT_FORWARD_PROTOCOL}`); this.wss.off('headers', agree); } };
        this.wss.on('headers', agree);
        this.wss.handleUpgrade(req, socket, head, (ws) => servePortForward(ws, { name: String(pod.metadata.name), uid: String(pod.metadata.uid) }, (port) => this.lab.fleet.addressOf(ip, port)));
        return;
      }
      if (!chooseProtocol(offered)) throw errors.badRequest(`the lab's Kubernetes API streams over ${PROTOCOLS.join(' or ')}; the client offered ${[...offered].join(', ') || 'none'}`);
      const { namespace, name, subresource } = target;
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        const out = channelWriter(ws, channels);
        if (subresource === 'exec') {
          const host = podHost(this.lab, namespace, name);
          // Kernel mode: a real process in the pod's network namespace; emulated: the lab's shell and tools.
          const session = (netns: string | undefined) => (netns ? netnsSession(netns, host.hostname, command, host.env, out, channels.tty) : commandSession(host, command, out, channels.tty));
          const key = `${namespace}/${name}`;
          const netns = this.lab.realisation?.netnsOf(key);
          // A pod this API lists already is realised once the lab has served the change that made it: a kubelet
          // execs only in a sandbox that exists, so the exec waits for it rather than running in the emulation. What
          // the client sends meanwhile (stdin, its end, a hang-up) is handed to the process once it starts.
          if (this.lab.realisation && !netns) runOverWebSocket(ws, startedWhen(this.lab.settled().then(() => session(this.lab.realisation?.netnsOf(key)))), command);
          else runOverWebSocket(ws, session(netns), command);
          return;
        }
        if (this.ephemeral.names(pod).includes(container)) {
          // After the upgrade, so that kubectl shows the message rather than falling back to SPDY.
          endWithFailure(ws, `the lab runs no process in ephemeral container ${container} to attach to: exec in it instead (kubectl exec ${name} -c ${container} -- COMMAND)`);
          return;
        }
        let a;
        try { a = this.processes.attach(namespace, name, out); } catch (e) { ws.close(1011, (e as Error).message.slice(0, 120)); return; }
        runOverWebSocket(ws, a.session, a.argv, true);
      });
    } catch (e) {
      rawError(socket, e instanceof AttachError ? errors.badRequest(e.message) : e);
    }
  }

  /** The container's log (text/plain), followed as it grows with follow=true. */
  private logs(scope: Scope, req: IncomingMessage, res: ServerResponse): void {
    const stored = this.store.get(scope.r, scope.namespace, scope.name!);
    if (!stored) throw errors.notFound(scope.r, scope.name!);
    const q = scope.query;
    const container = containerOf(stored.object, q.get('container'), this.ephemeral);
    const tailText = q.get('tailLines');
    const tail = tailText !== null && /^-?\d+$/.test(tailText) ? Number(tailText) : undefined;
    // An ephemeral container's process is not run by the lab: its log is empty.
    const log = this.ephemeral.names(stored.object).includes(container) ? { text: '', follow: (_w: (s: string) => void, end: () => void) => { end(); return () => undefined; } } : this.processes.logs(scope.namespace, scope.name!, tail);
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-cache, private', ...(parseBool(q.get('follow')) ? { 'transfer-encoding': 'chunked' } : {}) });
    res.write(log.text);
    if (!parseBool(q.get('follow'))) { res.end(); return; }
    // A client that goes away stops being written to, whether the process still runs or waits for its stdin.
    res.on('close', log.follow((s) => res.write(s), () => res.end()));
  }

  /** Who sent the request: the bearer token's user or the verified client certificate's CN and O; undefined if nobody. */
  authenticate(req: IncomingMessage): User | undefined {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ') && tokenMatches(this.creds, auth.slice(7).trim())) return { name: this.creds.user, groups: ['system:masters', 'system:authenticated'] };
    const tls = req.socket as TLSSocket;
    if (tls.authorized) {
      const peer = tls.getPeerCertificate();
      const u = peer?.raw ? userOfCertificate(peer.raw) : undefined;
      if (u) return { name: u.user, groups: [...u.groups, 'system:authenticated'] };
    }
    return undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'https://kube');
      const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
      if (!PUBLIC.has(path) && !this.authenticate(req)) throw errors.unauthorized();
      const method = req.method ?? 'GET';
      if (await this.nonResource(method, path, req, res)) return;
      const target = parseResourcePath(path);
      if (!target) throw errors.notFoundPath();
      const scope: Scope = { store: this.store, r: target.r, version: target.version, namespace: target.namespace, name: target.name, query: url.searchParams, now: this.now };
      await this.resource(method, scope, target.subresource, req, res);
    } catch (e) {
      sendError(res, e);
    }
  }

  private async nonResource(method: string, path: string, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    if (method !== 'GET' && method !== 'HEAD') return false;
    switch (path) {
      case '/version': sendJSON(res, 200, SERVER_VERSION); return true;
      case '/healthz': case '/livez': case '/readyz':
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' }); res.end('ok'); return true;
      case '/api': case '/apis': {
        const v = aggregatedVersion(req.headers.accept);
        const which = path === '/api' ? 'api' : 'apis';
        if (v) sendJSON(res, 200, aggregatedDiscovery(which, v), AGGREGATED(v));
        else sendJSON(res, 200, which === 'api' ? apiVersions(`${this.host}:${this.port}`) : apiGroupList());
        return true;
      }
    }
    if (path === '/openapi/v3') { sendJSON(res, 200, openapiIndex()); return true; }
    if (path.startsWith('/openapi/v3/')) {
      const text = openapiDocument(path.slice('/openapi/v3/'.length));
      if (!text) throw errors.notFoundPath();
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'public, immutable', etag: `"${path}"` });
      res.end(text);
      return true;
    }
    const parts = path.split('/').filter(Boolean);
    if (parts[0] === 'api' && parts.length === 2) {
      const doc = apiResourceList('', parts[1]);
      if (!doc) throw errors.notFoundPath();
      sendJSON(res, 200, doc);
      return true;
    }
    if (parts[0] === 'apis' && (parts.length === 2 || parts.length === 3)) {
      const doc = parts.length === 2 ? apiGroup(parts[1]) : apiResourceList(parts[1], parts[2]);
      if (!doc) throw errors.notFoundPath();
      sendJSON(res, 200, doc);
      return true;
    }
    return false;
  }

  private async resource(method: string, scope: Scope, sub: string | undefined, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { r } = scope;
    if (sub !== undefined && !r.subresources.some((s) => s.name === sub)) throw errors.notFoundPath();
    if (sub === 'exec' || sub === 'attach' || sub === 'portforward') throw errors.badRequest('Upgrade request required');
    if (method === 'GET' && sub === 'log') return this.logs(scope, req, res);
    if (sub === 'ephemeralcontainers' && scope.name && (method === 'PUT' || method === 'PATCH')) return writeEphemeralContainers(scope, this.writes, this.ephemeral, () => this.store.refreshPods(), method, req, res);
    if (method === 'GET') {
      negotiate(req.headers.accept);
      if (sub === undefined || sub === 'status' || sub === 'ephemeralcontainers') return scope.name ? getObject(scope, req, res) : listObjects(scope, req, res);
    }
    if (sub === undefined) {
      if (method === 'POST' && !scope.name) return create(scope, this.writes, req, res);
      if (method === 'PUT' && scope.name) return update(scope, this.writes, req, res);
      if (method === 'PATCH' && scope.name) return patch(scope, this.writes, req, res);
      if (method === 'DELETE') return scope.name ? remove(scope, this.writes, req, res) : removeCollection(scope, this.writes, req, res);
    }
    throw errors.methodNotSupported(r, verbOf(method, scope.name !== undefined));
  }
}

/** The container a request names (kubectl's default: the first), one of the pod's containers or ephemeral containers. */
function containerOf(pod: Record<string, any>, asked: string | null, ephemeral: EphemeralContainers): string {
  const containers = ((pod.spec?.containers ?? []) as { name: string }[]).map((c) => c.name);
  const container = asked || containers[0];
  if (!containers.includes(container) && !ephemeral.names(pod).includes(container)) throw errors.badRequest(`container ${container} is not valid for pod ${pod.metadata?.name}`);
  return container;
}

function rawError(socket: Duplex, e: unknown): void {
  const err = e instanceof ApiError ? e : errors.internal((e as Error).message);
  const body = JSON.stringify(err.status);
  socket.end(`HTTP/1.1 ${err.code} ${STATUS_CODES[err.code] ?? ''}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

function verbOf(method: string, named: boolean): string {
  switch (method) {
    case 'POST': return 'create';
    case 'PUT': return 'update';
    case 'PATCH': return 'patch';
    case 'DELETE': return named ? 'delete' : 'deletecollection';
    default: return named ? 'get' : 'list';
  }
}

export interface ResourcePath { r: ApiResource; version: string; namespace: string; name?: string; subresource?: string }

/**
 * `/api/v1[/namespaces/NS]/PLURAL[/NAME[/SUB]]` and `/apis/GROUP/VERSION[/namespaces/NS]/PLURAL[/NAME[/SUB]]`;
 * `/api/v1/namespaces/NAME[/status|finalize]` is the Namespace itself. Undefined when no served resource is there.
 */
export function parseResourcePath(path: string): ResourcePath | undefined {
  let parts: string[];
  try { parts = path.split('/').filter(Boolean).map(decodeURIComponent); } catch { return undefined; }
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api') { group = ''; version = parts[1]; rest = parts.slice(2); } else if (parts[0] === 'apis') { group = parts[1]; version = parts[2]; rest = parts.slice(3); } else return undefined;
  if (!version || rest.length === 0) return undefined;
  let namespace = '';
  if (rest[0] === 'namespaces' && rest.length >= 3 && !(group === '' && ['status', 'finalize'].includes(rest[2]) && rest.length === 3)) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural, name, sub, ...extra] = rest;
  if (extra.length) return undefined;
  const r = findResource(group, version, plural);
  if (!r || (namespace !== '' && !r.namespaced)) return undefined;
  return { r, version, namespace, ...(name !== undefined ? { name } : {}), ...(sub !== undefined ? { subresource: sub } : {}) };
}
