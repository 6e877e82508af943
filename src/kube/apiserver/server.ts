// The lab's Kubernetes API: HTTPS on 127.0.0.1 (default 6443) with the lab's own CA, bearer-token and
// client-certificate authentication, and the paths kubectl and client libraries use — /version, discovery, and
// /api/v1/… and /apis/<group>/<version>/… for every kind podnet models. Reads come from the lab's snapshots
// (store.ts); writes go through the lab's one change path (write.ts).
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Lab } from '../../serve/lab.js';
import { aggregatedDiscovery, aggregatedVersion, AGGREGATED, apiGroup, apiGroupList, apiResourceList, apiVersions, SERVER_VERSION } from './discovery.js';
import { negotiate, sendError, sendJSON } from './http.js';
import { openapiDocument, openapiIndex } from './openapi.js';
import { kubeconfigText } from './kubeconfig.js';
import { makeCredentials, tokenMatches, userOfCertificate, type Credentials } from './pki.js';
import { getObject, listObjects, type Scope } from './read.js';
import { findResource, type ApiResource } from './resources.js';
import { errors } from './status.js';
import { ApiStore } from './store.js';
import { create, patch, remove, removeCollection, update, Writes } from './write.js';

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
  port = 0;

  constructor(readonly lab: Lab, private readonly opts: KubeApiOptions = {}) {
    this.creds = opts.credentials ?? makeCredentials(lab.snapshot.cluster.config.clusterDomain, opts.host ?? '127.0.0.1');
    this.now = opts.now ?? (() => new Date());
    this.store = new ApiStore(lab, this.now);
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
    const closed = new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    for (const s of this.sockets) s.destroy();
    await closed;
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
    if (method === 'GET') {
      negotiate(req.headers.accept);
      if (sub === undefined || sub === 'status') return scope.name ? getObject(scope, req, res) : listObjects(scope, req, res);
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
