// Inbound sidecars for traffic that reaches meshed pods through the lab's edge proxies (Ingress, Gateway): one small
// HTTP listener per meshed pod port, in front of the pod's virtual server, doing what the pod's Envoy (or ztunnel, or
// linkerd-proxy) does with each request — decided by src/mesh through `inboundGate`: a plaintext client on a STRICT
// port is reset (the edge then answers 502 as nginx does), AuthorizationPolicy answers 403 `RBAC: access denied`, and
// a passed request reaches the app with x-forwarded-client-cert when the connection was mTLS. Requests between pods
// (`podnet exec`) do not come here: the mesh runtime acts out both sidecars itself.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { meshModelOf, requestLabels } from '../../mesh/index.js';
import { routingModelOf } from '../../ingress/index.js';
import { SOURCE_HEADER, type VirtualPodSpec } from '../virtual-pods.js';
import { flatHeaders } from '../headers.js';
import { joinHostPort } from '../../util/text.js';
import { inboundGate } from './mesh-runtime.js';
import type { MeshTelemetry } from './mesh-telemetry.js';
import type { Snapshot } from './snapshot.js';

interface Listener { server: http.Server; port: number; sockets: Set<Socket> }

export class InboundSidecars {
  private readonly listeners = new Map<string, Listener>();
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  constructor(
    private readonly snapshot: () => Snapshot,
    /** Pod IP → `ns/name` in the current snapshot. */
    private readonly podAt: (ip: string) => string | undefined,
    /** Where the pod's own (virtual) server listens. */
    private readonly appAddress: (ip: string, port: number) => { host: string; port: number } | undefined,
    private readonly telemetry: MeshTelemetry,
    private readonly host = '127.0.0.1',
  ) {}

  /** Starts a listener for every TCP port of every served pod with a mesh proxy, stops the rest; none without an
   * active Ingress class or Gateway (nothing else sends through them). */
  async sync(snap: Snapshot, pods: readonly VirtualPodSpec[]): Promise<void> {
    const want = new Map<string, { pod: string; ip: string; port: number }>();
    // The mesh model only when an edge proxy could send through these listeners.
    const mesh = routingModelOf(snap.cluster).entryPoints.some((e) => e.active) ? meshModelOf(snap.cluster) : undefined;
    if (mesh?.active) {
      for (const p of pods) {
        const pod = `${p.namespace}/${p.name}`;
        if ((mesh.membership(p.namespace, p.name)?.dataPlane ?? 'none') === 'none') continue;
        for (const port of p.ports) want.set(`${pod}|${p.podIP}|${port}`, { pod, ip: p.podIP, port });
      }
    }
    const gone = [...this.listeners].filter(([key]) => !want.has(key));
    for (const [key] of gone) this.listeners.delete(key);
    await Promise.all([
      ...gone.map(([, l]) => close(l)),
      ...[...want].filter(([key]) => !this.listeners.has(key)).map(async ([key, w]) => { this.listeners.set(key, await this.listen(w.pod, w.ip, w.port)); }),
    ]);
  }

  /** The listener standing in for the mesh proxy of the pod at ip:port, if that pod has one. */
  addressOf(pod: string, ip: string, port: number): { host: string; port: number } | undefined {
    const l = this.listeners.get(`${pod}|${ip}|${port}`);
    return l ? { host: this.host, port: l.port } : undefined;
  }

  private async listen(pod: string, ip: string, port: number): Promise<Listener> {
    const sockets = new Set<Socket>();
    const server = http.createServer((req, res) => this.handle(pod, ip, port, req, res));
    server.keepAliveTimeout = 65_000;
    server.on('connection', (s: Socket) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
    server.on('clientError', (_e, s) => s.destroy());
    await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(0, this.host, () => { server.off('error', reject); resolve(); }); });
    return { server, port: (server.address() as AddressInfo).port, sockets };
  }

  private handle(pod: string, ip: string, port: number, req: IncomingMessage, res: ServerResponse): void {
    const started = Date.now();
    const snap = this.snapshot();
    const mesh = meshModelOf(snap.cluster);
    const headers = flatHeaders(req.headers);
    const sourceIP = headers[SOURCE_HEADER] ?? '';
    const from = this.podAt(sourceIP);
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    let gate;
    try {
      gate = from && mesh.pods.has(pod) ? inboundGate(mesh, from, pod, port, { method, path, headers }, joinHostPort(ip, port)) : undefined;
    } catch {
      gate = undefined;
    }
    const observe = (status: number) => {
      if (!gate || gate.evaluation.destination?.dataPlane !== 'sidecar') return;
      this.telemetry.observe(requestLabels(mesh, gate.evaluation, status, '-'), Date.now() - started);
    };
    if (gate?.action === 'reset') { req.socket.destroy(); return; }
    if (gate?.action === 'answer') {
      res.writeHead(gate.status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(gate.body), ...gate.headers });
      res.end(method === 'HEAD' ? undefined : gate.body);
      observe(gate.status);
      return;
    }
    const app = this.appAddress(ip, port);
    if (!app) { req.socket.destroy(); return; }
    const up = http.request({ host: app.host, port: app.port, method, path, headers: { ...headers, ...(gate?.action === 'pass' ? gate.headers : {}) }, agent: this.agent }, (r) => {
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(r.headers)) if (v !== undefined && k !== 'connection' && k !== 'keep-alive') out[k] = v;
      if (gate) out.server = 'istio-envoy';
      res.writeHead(r.statusCode ?? 502, out);
      r.pipe(res);
      observe(r.statusCode ?? 502);
    });
    up.on('error', () => { if (!res.headersSent) req.socket.destroy(); else res.destroy(); });
    req.pipe(up);
  }

  async close(): Promise<void> {
    const all = [...this.listeners.values()];
    this.listeners.clear();
    this.agent.destroy();
    await Promise.all(all.map(close));
  }
}

function close(l: Listener): Promise<void> {
  return new Promise<void>((resolve) => {
    l.server.close(() => resolve());
    for (const s of l.sockets) s.destroy();
  });
}
