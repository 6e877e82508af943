// The edge proxy in kernel mode: the lab's own proxy (src/serve/http-proxy.ts, routing from src/ingress) runs for each
// data-plane pod of an active entry point — the ingress-nginx controller's pods, or a Gateway's pods (labelled
// gateway.networking.k8s.io/gateway-name, as the model places them) — so that a client outside reaches it through the
// real rules: the controller Service's NodePort / LoadBalancer DNAT, routes and policy, to the pod's own listening
// sockets inside its namespace (opened by sockets.ts, handed to the proxy here). Its upstream connections leave from the
// same namespace (dialer.ts): the backend pod sees the controller pod's address, and NetworkPolicy between them is the
// kernel's. The proxy reaches that dialer through a relay on 127.0.0.1 per backend endpoint (the proxy's upstream
// clients connect to host:port); the relay only pipes bytes.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Cluster } from '../cluster/cluster.js';
import { activeProxyPods } from '../ingress/index.js';
import { EdgeProxy } from '../serve/http-proxy.js';
import { servicesModel } from '../services/index.js';
import { NamespaceDialer } from './dialer.js';

/** ingress-nginx's proxy-connect-timeout default (5 s). */
const CONNECT_TIMEOUT_MS = 5000;
/** How long a proxy of an older snapshot keeps serving the connections it has. */
const GRACE_MS = 5000;
/** The most relays (backend endpoints × proxy pods) a snapshot opens. */
const MAX_RELAYS = 4096;

interface Served { entryPoint: string; proxy: EdgeProxy }

export class KernelEdges {
  private served = new Map<string, Served>();
  private readonly relays = new Map<string, { server: Server; port: number }>();
  /** The relays the served proxies use; the retired ones keep theirs until they close. */
  private relaying = new Set<string>();
  private readonly dialer = new NamespaceDialer();
  private readonly retired = new Map<NodeJS.Timeout, { proxies: EdgeProxy[]; relays: Set<string> }>();
  private readonly piped = new Set<Socket>();
  private readonly maxRelays: number;
  private readonly graceMs: number;
  readonly errors: string[] = [];
  /** One line per proxied request, `entryPoint pod: line`. */
  log?: (line: string) => void;

  constructor(limits: { maxRelays?: number; graceMs?: number } = {}) {
    this.maxRelays = limits.maxRelays ?? MAX_RELAYS;
    this.graceMs = limits.graceMs ?? GRACE_MS;
  }

  /** Proxies for the snapshot's edge pods that are realised (`netnsOf`); the previous snapshot's retire after a grace period. */
  async sync(cluster: Cluster, netnsOf: (key: string) => string | undefined): Promise<void> {
    const want = [...activeProxyPods(cluster)].flatMap(([key, entryPoint]) => { const netns = netnsOf(key); return netns ? [{ key, entryPoint, netns }] : []; });
    if (want.length && !NamespaceDialer.available()) {
      this.errors.push('the edge proxy is not realised: opening its upstream connections inside the pod namespace needs python3');
      return;
    }
    const endpoints = [...new Set(servicesModel(cluster).ports.filter((sp) => sp.protocol === 'TCP').flatMap((sp) => sp.endpoints.map((e) => `${e.ip}:${e.port}`)))];
    const fresh = new Map<string, Served>();
    const relaying = new Set<string>();
    try {
      for (const w of want) {
        const room = Math.max(0, Math.min(endpoints.length, this.maxRelays - relaying.size));
        if (room < endpoints.length) this.errors.push(`the edge proxy for ${w.entryPoint} in ${w.key} reaches ${room} of its ${endpoints.length} backend endpoints: past ${this.maxRelays} relays (backend endpoints × edge pods), requests to the others find no live server`);
        for (const e of endpoints.slice(0, room)) relaying.add(await this.relay(w.netns, e));
        let proxy: EdgeProxy;
        try {
          proxy = await EdgeProxy.start({
            cluster, via: w.entryPoint, httpPort: 0, httpsPort: 0, host: '127.0.0.1',
            // UDP routes' upstreams are not relayed (their datagrams would leave from this host): they get no backend.
            resolve: (endpoint, protocol) => { const r = protocol === 'UDP' ? undefined : this.relays.get(`${w.netns} ${endpoint}`); return r ? { host: '127.0.0.1', port: r.port } : undefined; },
            log: (line) => this.log?.(`${w.entryPoint} ${w.key}: ${line}`),
          });
        } catch (e) {
          // One entry point that cannot be served (its proxy refuses the snapshot) leaves the others and the lab up.
          this.errors.push(`the edge proxy for ${w.entryPoint} in ${w.key} is not realised: ${(e as Error).message}`);
          continue;
        }
        // What the proxy writes into answers (an ssl-redirect's Location) names the ports clients use, not its loopback ones.
        proxy.httpPort = proxy.modelHttpPort;
        proxy.httpsPort = proxy.modelHttpsPort;
        fresh.set(w.key, { entryPoint: w.entryPoint, proxy });
      }
    } catch (e) {
      await Promise.all([...fresh.values()].map((s) => s.proxy.close()));
      this.closeUnused(relaying);
      throw e;
    }
    const old = { proxies: [...this.served.values()].map((s) => s.proxy), relays: this.relaying };
    this.served = fresh;
    this.relaying = relaying;
    if (old.proxies.length === 0 && old.relays.size === 0) return;
    const t = setTimeout(() => {
      this.retired.delete(t);
      for (const p of old.proxies) void p.close();
      this.closeUnused();
    }, this.graceMs);
    t.unref();
    this.retired.set(t, old);
  }

  /** Stops the relays no proxy uses (nor `pending`, being set up); the connections they carry go on. */
  private closeUnused(pending: ReadonlySet<string> = new Set()): void {
    const used = new Set([...pending, ...this.relaying, ...[...this.retired.values()].flatMap((r) => [...r.relays])]);
    for (const [id, r] of this.relays) {
      if (used.has(id)) continue;
      this.relays.delete(id);
      r.server.close();
    }
  }

  /** The relays open now, `NETNS IP:PORT`. */
  relayed(): string[] { return [...this.relays.keys()]; }

  /**
   * A connection accepted on an edge pod's container port: the proxy's listener of that port, else (a container port
   * that is not a listener port, as ingress-nginx's 443 → HTTPS) 443 and 8443 are the HTTPS port and others the HTTP one.
   */
  accept(key: string, port: number, socket: Socket): void {
    socket.on('error', () => socket.destroy());
    const s = this.served.get(key);
    if (!s) { socket.destroy(); return; }
    const p = s.proxy;
    if (!p.accept(socket, port) && !p.accept(socket, port === 443 || port === 8443 ? p.modelHttpsPort : p.modelHttpPort)) socket.destroy();
  }

  /** A relay from loopback to `endpoint` dialled inside `netns` (opened unless it is already); returns its id. */
  private async relay(netns: string, endpoint: string): Promise<string> {
    const id = `${netns} ${endpoint}`;
    if (this.relays.has(id)) return id;
    const cut = endpoint.lastIndexOf(':');
    const ip = endpoint.slice(0, cut);
    const port = Number(endpoint.slice(cut + 1));
    const server = createServer({ pauseOnConnect: true }, (client) => {
      client.on('error', () => client.destroy());
      this.piped.add(client);
      client.on('close', () => this.piped.delete(client));
      this.dialer.dial(netns, ip, port, CONNECT_TIMEOUT_MS).then((up) => {
        if (client.destroyed) { up.destroy(); return; }
        up.on('error', () => up.destroy());
        up.on('close', () => client.destroy());
        client.on('close', () => up.destroy());
        client.pipe(up);
        up.pipe(client);
        client.resume();
      }, () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(0, '127.0.0.1', () => { server.off('error', reject); resolve(); }); });
    this.relays.set(id, { server, port: (server.address() as AddressInfo).port });
    return id;
  }

  async close(): Promise<void> {
    const proxies = [...this.served.values()].map((s) => s.proxy);
    for (const [t, old] of this.retired) { clearTimeout(t); proxies.push(...old.proxies); }
    this.retired.clear();
    this.served.clear();
    this.relaying.clear();
    await Promise.all(proxies.map((p) => p.close()));
    for (const c of this.piped) c.destroy();
    await Promise.all([...this.relays.values()].map((r) => new Promise<void>((resolve) => r.server.close(() => resolve()))));
    this.relays.clear();
    this.dialer.close();
  }
}
