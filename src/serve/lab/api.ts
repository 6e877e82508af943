// The lab's local HTTP API (JSON) and the web UI's static files, on 127.0.0.1. The CLI (`podnet exec|apply|delete|
// logs`) and the UI both talk to it; the flow log streams over a WebSocket at /api/flows/stream. Every request passes
// the guard first (./guard.ts: Host, Origin, body type, the lab's token).
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { WebSocketServer } from 'ws';
import { PodNotFoundError } from '../../dns/index.js';
import { trace, TraceInputError } from '../../trace/trace.js';
import { FaultInputError, type Lab } from '../lab.js';
import { parsePodFault, PodFaultError, formatPodFault } from '../pod-faults.js';
import { ExecInputError } from './exec.js';
import { flowSelection, FlowQueryError, type FlowSelection } from './flows.js';
import { ManifestSet, objectKey, type Snapshot } from './snapshot.js';
import { checkView, findings, matrixView, objectView, PolicyQueryError, topology } from './ui-data.js';
import type { Protocol } from '../../policy/index.js';
import { formatDiagnostic } from '../../api/diagnostics.js';
import { PodReferenceError, resolvePodReference } from '../../cluster/refs.js';
import { LabGuard, newLabToken, type Credential, type Denial } from './guard.js';

const MAX_BODY = 8 * 1024 * 1024;
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json', '.ico': 'image/x-icon', '.woff2': 'font/woff2' };

class HttpError extends Error { constructor(readonly status: number, message: string) { super(message); } }

export interface LabApiOptions {
  /** false: --no-auth, no token asked (Host, Origin and body type are still checked). */
  auth?: boolean;
  /** The token to require (default: a fresh random one). */
  token?: string;
}

export class LabApi {
  private server?: Server;
  private wss?: WebSocketServer;
  private readonly guard: LabGuard;
  port = 0;

  /** `POST /api/shutdown` (`podnet down`) calls it; without it the endpoint answers 501. */
  onShutdown?: () => void;

  constructor(private readonly lab: Lab, private readonly webRoot?: string, opts: LabApiOptions = {}) {
    this.guard = new LabGuard(opts.auth === false ? undefined : opts.token ?? newLabToken());
  }

  /** The token every /api/ call, /metrics and the WebSocket need; undefined with --no-auth. */
  get token(): string | undefined { return this.guard.token; }

  async listen(port: number, host = '127.0.0.1'): Promise<number> {
    const server = createServer((req, res) => { void this.handle(req, res); });
    const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
    server.on('upgrade', (req, socket, head) => {
      socket.on('error', () => socket.destroy());
      let url: URL | undefined;
      try { url = new URL(req.url ?? '/', 'http://lab'); } catch { url = undefined; }
      if (url?.pathname !== '/api/flows/stream') { refuseUpgrade(socket as Socket, { status: 404, message: 'no WebSocket here: the flow log streams at /api/flows/stream' }); return; }
      const admitted = this.guard.admit(req, 'websocket');
      if ('status' in admitted) { refuseUpgrade(socket as Socket, admitted); return; }
      let backlog: FlowSelection;
      try { backlog = flowSelection(url.searchParams, 50); } catch (e) { refuseUpgrade(socket as Socket, { status: 400, message: (e as Error).message }); return; }
      wss.handleUpgrade(req, socket, head, (ws) => {
        for (const f of this.lab.flows.select(backlog)) ws.send(JSON.stringify(f));
        const off = this.lab.flows.subscribe((f) => { if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(f)); });
        ws.on('close', off);
        ws.on('error', () => { off(); ws.terminate(); });
      });
    });
    await new Promise<void>((res, rej) => { server.once('error', rej); server.listen(port, host, () => { server.off('error', rej); res(); }); });
    this.server = server;
    this.wss = wss;
    this.port = (server.address() as AddressInfo).port;
    this.guard.listening(this.port, host);
    return this.port;
  }

  async close(): Promise<void> {
    for (const c of this.wss?.clients ?? []) c.terminate();
    this.wss?.close();
    const closed = new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    this.server?.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      let url: URL;
      try { url = new URL(req.url ?? '/', 'http://lab'); } catch { throw new HttpError(400, 'malformed request target'); }
      const face = url.pathname === '/metrics' ? 'metrics' : url.pathname.startsWith('/api/') ? 'api' : 'static';
      const admitted = this.guard.admit(req, face);
      if ('status' in admitted) return deny(res, admitted);
      if (face === 'static' && url.searchParams.has('token')) return this.takeToken(url, res);
      if (url.pathname === '/metrics' && (req.method === 'GET' || req.method === 'HEAD')) {
        // Prometheus scrape endpoint: Istio's standard metrics for the requests the lab's mesh carried.
        const text = await this.lab.telemetry.metricsText();
        res.writeHead(200, { 'content-type': this.lab.telemetry.contentType, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
        return;
      }
      if (url.pathname.startsWith('/api/')) {
        const body = await this.route(req.method ?? 'GET', url, req, admitted.credential);
        return json(res, 200, body);
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'method not allowed');
      return this.static(url.pathname, res);
    } catch (e) {
      if (e instanceof HttpError) return json(res, e.status, { error: e.message });
      if (e instanceof ExecInputError || e instanceof TraceInputError || e instanceof PolicyQueryError || e instanceof PodFaultError) return json(res, 400, { error: e.message });
      if (e instanceof FaultInputError) return json(res, 404, { error: e.message });
      if (e instanceof PodNotFoundError || e instanceof PodReferenceError) return json(res, 404, { error: e.message });
      return json(res, 500, { error: `internal error: ${(e as Error).message}` });
    }
  }

  /** The banner's `/?token=`: a cookie keeps the token and a redirect takes it out of the address bar and history. */
  private takeToken(url: URL, res: ServerResponse): void {
    const given = url.searchParams.get('token') ?? undefined;
    url.searchParams.delete('token');
    // One leading slash: `//host` in a Location would send the browser to another site.
    const location = `/${url.pathname.replace(/^\/+/, '')}${url.search}`;
    if (this.guard.token !== undefined && !this.guard.matches(given)) {
      const page = '<!doctype html><title>podnet</title><p>This is not the token of this lab (a lab draws a new one at every start): open the URL the running <code>podnet up</code> printed.</p>';
      res.writeHead(401, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(page), 'cache-control': 'no-store' });
      res.end(page);
      return;
    }
    res.writeHead(302, { location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', ...(this.guard.token !== undefined ? { 'set-cookie': this.guard.cookie() } : {}) });
    res.end();
  }

  private async route(method: string, url: URL, req: IncomingMessage, credential: Credential): Promise<unknown> {
    const q = url.searchParams;
    const lab = this.lab;
    const snap = lab.snapshot;
    const need = (k: string): string => { const v = q.get(k); if (!v) throw new HttpError(400, `missing query parameter ${k}`); return v; };
    const key = `${method} ${url.pathname}`;
    switch (key) {
      case 'GET /api/summary': return summary(lab);
      case 'GET /api/graph': return topology(snap.cluster);
      case 'GET /api/object': {
        const reveal = ['1', 'true'].includes(q.get('reveal') ?? '');
        // Only a client that sends the token itself (the CLI, curl) may see a Secret's values; a browser sends a cookie.
        if (reveal && credential !== 'header') throw new HttpError(403, credential === 'open' ? 'reveal=1 is refused: the lab runs with --no-auth, so Secret values are never served' : 'reveal=1 needs the lab\'s token in an Authorization header; the UI shows Secret values as sizes only');
        const v = objectView(snap.cluster, need('kind'), q.get('namespace') ?? '', need('name'), { reveal });
        if (!v) throw new HttpError(404, `${q.get('kind')} ${q.get('namespace') ?? ''}/${q.get('name')} not found`);
        return v;
      }
      case 'GET /api/matrix': {
        // port=service: the first port some Service in the namespaces exposes (where the UI's matrix opens)
        const port = q.get('port') === 'service' ? 'service' : q.get('port') ? Number(q.get('port')) : undefined;
        if (typeof port === 'number' && !(Number.isInteger(port) && port > 0 && port < 65536)) throw new HttpError(400, 'port must be 1-65535 or "service"');
        const namespaces = q.get('namespaces')?.split(',').filter(Boolean);
        return matrixView(snap.cluster, { port, protocol: (q.get('protocol') ?? undefined) as Protocol | undefined, namespaces });
      }
      case 'GET /api/check': {
        const port = q.get('port') ? Number(q.get('port')) : undefined;
        return checkView(snap.cluster, need('from'), need('to'), port, (q.get('protocol') ?? undefined) as Protocol | undefined);
      }
      case 'GET /api/trace': {
        const protocol = (q.get('protocol') ?? 'TCP').toUpperCase() as 'TCP';
        const seed = q.get('seed') ? Number(q.get('seed')) : undefined;
        return trace(snap.cluster, { from: need('from'), to: need('to'), protocol, seed, components: snap.components });
      }
      case 'GET /api/dns': {
        const pod = q.get('pod');
        const name = need('name');
        const type = (q.get('type') ?? 'A').toUpperCase();
        return pod ? snap.dns.resolveFromPod(pod, name, type) : snap.dns.resolve(name, type);
      }
      case 'GET /api/mesh/graph': {
        const window = Number(q.get('window') ?? 60);
        if (!(Number.isFinite(window) && window > 0 && window <= 3600)) throw new HttpError(400, 'window must be 1-3600 seconds');
        return lab.telemetry.graph(lab.now(), window);
      }
      case 'GET /api/mesh/outliers': return { ejected: lab.mesh.ejected(), events: lab.mesh.outlierEvents() };
      case 'GET /api/telemetry/traces': {
        const limit = q.get('limit') ? Number(q.get('limit')) : undefined;
        if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new HttpError(400, 'limit must be a positive integer');
        return lab.telemetry.otlp({ traceId: q.get('traceId') ?? undefined, limit });
      }
      case 'GET /api/faults': return Object.fromEntries([...lab.fleet.faults()].map(([pod, f]) => [pod, formatPodFault(f)]));
      case 'POST /api/fault': {
        const b = await readJson(req) as { pod?: unknown; fault?: unknown };
        if (typeof b.pod !== 'string' || !(typeof b.fault === 'string' || b.fault === null)) throw new HttpError(400, 'body must be {"pod": "NS/POD", "fault": "503 50%" | "hang" | "delay=2s" | null}');
        const r = lab.setFault(b.pod, b.fault === null ? null : parsePodFault(b.fault));
        return { pod: r.pod, fault: r.fault ? formatPodFault(r.fault) : null };
      }
      case 'GET /api/flows': {
        try { return lab.flows.select(flowSelection(q, 200)); } catch (e) { throw e instanceof FlowQueryError ? new HttpError(400, e.message) : e; }
      }
      case 'GET /api/kernel/netns': {
        // Kernel mode: the network namespace a command for `podnet exec` runs in (a pod, a workload's first pod, a
        // node, `external`); the CLI runs the command there itself, with the user's terminal.
        if (!lab.realisation) throw new HttpError(409, 'the lab is not in kernel mode (start it with `podnet up --kernel`)');
        const target = need('target');
        const resolved = target.includes('/') ? resolvePodReference(snap.cluster, target) : target;
        const netns = lab.realisation.netnsOf(resolved);
        if (!netns) throw new HttpError(404, `${resolved.includes('/') ? `pod ${resolved}` : `node ${JSON.stringify(resolved)}`} is not realised in the kernel (nodes: ${snap.cluster.nodes.map((n) => n.name).join(', ')}; or external, NS/POD, NS/deploy/NAME)`);
        return { target: resolved, netns };
      }
      case 'POST /api/shutdown': {
        if (!this.onShutdown) throw new HttpError(501, 'this lab cannot be stopped through its API');
        setImmediate(this.onShutdown);
        return { stopping: true };
      }
      case 'POST /api/exec': {
        const b = await readJson(req) as { pod?: unknown; argv?: unknown };
        if (typeof b.pod !== 'string' || !Array.isArray(b.argv) || !b.argv.every((a) => typeof a === 'string')) throw new HttpError(400, 'body must be {"pod": "NS/POD", "argv": ["curl", "URL"]}');
        return lab.exec(b.pod, b.argv as string[]);
      }
      case 'POST /api/apply': {
        const b = await readJson(req) as { text?: unknown; name?: unknown; files?: unknown };
        // One file per entry, so that each error names its own file:line.
        const files = (Array.isArray(b.files) ? b.files : [{ text: b.text, name: b.name }]) as { text?: unknown; name?: unknown }[];
        if (files.length === 0 || !files.every((f) => typeof f?.text === 'string')) throw new HttpError(400, 'body must be {"text": "<manifests>"} or {"files": [{"name": "x.yaml", "text": "<manifests>"}]}');
        const parsed = files.map((f) => ManifestSet.parse(f.text as string, typeof f.name === 'string' ? f.name : '<apply>'));
        const errors = parsed.flatMap((p) => p.diagnostics).filter((d) => d.level === 'error');
        if (errors.length) throw new HttpError(422, errors.map(formatDiagnostic).join('\n'));
        const objects = parsed.flatMap((p) => p.objects);
        if (objects.length === 0) throw new HttpError(400, 'no objects passed to apply');
        return lab.apply(objects);
      }
      case 'POST /api/delete': {
        const b = await readJson(req) as { text?: unknown; keys?: unknown };
        let keys: string[];
        if (typeof b.text === 'string') {
          const parsed = ManifestSet.parse(b.text, '<delete>');
          keys = parsed.objects.map((o) => objectKey(o.object as never));
        } else if (Array.isArray(b.keys) && b.keys.every((k) => typeof k === 'string')) keys = b.keys as string[];
        else throw new HttpError(400, 'body must be {"text": "<manifests>"} or {"keys": ["Kind/namespace/name"]}');
        return lab.delete(keys);
      }
      default: throw new HttpError(404, `no such API: ${key}`);
    }
  }

  private static readonly static404 = '<!doctype html><title>podnet</title><p>The web UI is not built: run <code>npm run build:web</code>. The API is at <a href="/api/summary">/api/summary</a>.</p>';

  private static(pathname: string, res: ServerResponse): void {
    const root = this.webRoot && existsSync(this.webRoot) ? resolve(this.webRoot) : undefined;
    if (!root) { res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }); res.end(LabApi.static404); return; }
    let decoded: string;
    try { decoded = decodeURIComponent(pathname); } catch { throw new HttpError(400, `malformed percent-encoding in the path ${JSON.stringify(pathname.slice(0, 100))}`); }
    let file = normalize(join(root, decoded));
    if (!file.startsWith(root + sep) && file !== root) throw new HttpError(403, 'forbidden');
    if (!existsSync(file) || statSync(file).isDirectory()) file = join(root, 'index.html'); // the single-page app
    const body = readFileSync(file);
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': body.length, 'cache-control': 'no-cache' });
    res.end(body);
  }
}

const findingsBySnapshot = new WeakMap<Snapshot, ReturnType<typeof findings>>();
/** The findings of a snapshot, computed once: a summary is asked for on every UI refresh. */
function findingsOf(snap: Snapshot): ReturnType<typeof findings> {
  let f = findingsBySnapshot.get(snap);
  if (!f) { f = findings(snap.cluster, snap.dns.diagnostics); findingsBySnapshot.set(snap, f); }
  return f;
}

export function summary(lab: Lab): unknown {
  const c = lab.snapshot.cluster;
  return {
    snapshot: lab.snapshot.version,
    counts: { nodes: c.nodes.length, pods: c.pods().length, services: c.services().length, namespaces: c.namespaces().length, networkPolicies: c.networkPolicies().length, ingresses: c.ingresses().length },
    config: { clusterDomain: c.config.clusterDomain, cni: c.config.cni, kubeProxyMode: c.config.kubeProxyMode },
    dns: { address: lab.dns.address, port: lab.dns.port },
    entryPoints: lab.entryListeners(),
    exposed: lab.exposed(),
    namespaces: c.namespaces().map((n) => (n as { metadata: { name: string } }).metadata.name),
    pods: c.pods().map((p) => `${p.metadata.namespace}/${p.metadata.name}`),
    findings: findingsOf(lab.snapshot),
    ...(lab.realisation ? { kernel: lab.realisation.info() } : {}),
  };
}

function deny(res: ServerResponse, d: Denial): void {
  if (d.status === 401) res.setHeader('www-authenticate', 'Bearer realm="podnet lab"');
  json(res, d.status, { error: d.message });
}

/** Answers an upgrade request with a plain HTTP error before any WebSocket handshake. */
function refuseUpgrade(socket: Socket, d: { status: number; message: string }): void {
  const body = JSON.stringify({ error: d.message });
  socket.end(`HTTP/1.1 ${d.status} ${STATUS_CODES[d.status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${d.status === 401 ? 'www-authenticate: Bearer realm="podnet lab"\r\n' : ''}connection: close\r\n\r\n${body}`);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) { reject(new HttpError(413, 'request body too large')); req.destroy(); return; }
      chunks.push(c);
    });
    req.on('error', reject);
    req.on('end', () => {
      try { resolveBody(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}')); } catch { reject(new HttpError(400, 'body is not JSON')); }
    });
  });
}
