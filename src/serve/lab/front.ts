// A loopback TCP listener that hands each connection to wherever the current snapshot says: the lab's user-facing
// ports (ingress HTTP/HTTPS, NodePorts, LoadBalancers) stay put while the proxies and pods behind them are rebuilt.
// Connections are piped as bytes, so TLS (SNI, ALPN) goes through untouched to the proxy that terminates it.
import dgram from 'node:dgram';
import net from 'node:net';

export interface FrontTarget { host: string; port: number }

export class FrontListener {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  /** `pick` decides per connection; undefined refuses it (a reset, as a dropped or rejected connection would look). */
  constructor(private readonly pick: (client: FrontClient) => FrontTarget | undefined, private readonly host = '127.0.0.1') {}

  /** Listens on `port` (0 = any free port). With `fallbackToAny`, a taken port falls back to a free one. */
  async listen(port: number, fallbackToAny = false): Promise<number> {
    const attempt = (p: number) => new Promise<net.Server>((resolve, reject) => {
      const s = net.createServer((c) => this.onConnection(c));
      s.once('error', reject);
      s.listen(p, this.host, () => { s.off('error', reject); resolve(s); });
    });
    try {
      this.server = await attempt(port);
    } catch (e) {
      if (!fallbackToAny || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
      this.server = await attempt(0);
    }
    this.server.on('error', () => undefined);
    this.port = (this.server.address() as net.AddressInfo).port;
    return this.port;
  }

  private onConnection(client: net.Socket): void {
    client.on('error', () => client.destroy());
    let target: FrontTarget | undefined;
    try { target = this.pick(client); } catch { target = undefined; }
    if (!target) { client.resetAndDestroy(); return; }
    this.sockets.add(client);
    const upstream = net.connect(target.port, target.host);
    this.sockets.add(upstream);
    upstream.on('error', () => client.destroy());
    client.on('close', () => { this.sockets.delete(client); upstream.destroy(); });
    upstream.on('close', () => { this.sockets.delete(upstream); client.end(); });
    client.pipe(upstream);
    upstream.pipe(client);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** What a front knows of its client when it picks a target. */
export interface FrontClient { remoteAddress?: string }

/**
 * The UDP counterpart: each client (address:port) is a flow, picked once on its first datagram and then kept, as
 * conntrack keeps a UDP flow; replies go back to the client. A flow idle for 30 s is forgotten (nf_conntrack's UDP
 * timeout), so its next datagram is picked again.
 */
export class UdpFrontListener {
  private socket?: dgram.Socket;
  private readonly flows = new Map<string, { upstream: dgram.Socket; timer: NodeJS.Timeout }>();
  port = 0;

  constructor(private readonly pick: (client: FrontClient) => FrontTarget | undefined, private readonly host = '127.0.0.1', private readonly idleMs = 30_000) {}

  async listen(port: number, fallbackToAny = false): Promise<number> {
    const attempt = (p: number) => new Promise<dgram.Socket>((resolve, reject) => {
      const s = dgram.createSocket(this.host.includes(':') ? 'udp6' : 'udp4');
      s.once('error', reject);
      s.bind(p, this.host, () => { s.off('error', reject); resolve(s); });
    });
    try {
      this.socket = await attempt(port);
    } catch (e) {
      if (!fallbackToAny || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
      this.socket = await attempt(0);
    }
    this.socket.on('error', () => undefined);
    this.socket.on('message', (msg, rinfo) => this.onDatagram(msg, rinfo));
    this.port = this.socket.address().port;
    return this.port;
  }

  private onDatagram(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const key = `${rinfo.address}:${rinfo.port}`;
    let flow = this.flows.get(key);
    if (!flow) {
      let target: FrontTarget | undefined;
      try { target = this.pick({ remoteAddress: rinfo.address }); } catch { target = undefined; }
      if (!target) return; // dropped or rejected: a UDP client sees no answer
      const upstream = dgram.createSocket(target.host.includes(':') ? 'udp6' : 'udp4');
      upstream.on('error', () => undefined);
      upstream.on('message', (reply) => this.socket?.send(reply, rinfo.port, rinfo.address));
      upstream.connect(target.port, target.host);
      flow = { upstream, timer: setTimeout(() => undefined, 0) };
      this.flows.set(key, flow);
    }
    clearTimeout(flow.timer);
    const f = flow;
    f.timer = setTimeout(() => { this.flows.delete(key); f.upstream.close(); }, this.idleMs);
    f.timer.unref();
    const send = () => f.upstream.send(msg);
    // A fresh upstream socket is connected asynchronously; send once it is.
    try { f.upstream.remoteAddress(); send(); } catch { f.upstream.once('connect', send); }
  }

  async close(): Promise<void> {
    for (const f of this.flows.values()) { clearTimeout(f.timer); try { f.upstream.close(); } catch { /* already closed */ } }
    this.flows.clear();
    await new Promise<void>((resolve) => { try { this.socket ? this.socket.close(() => resolve()) : resolve(); } catch { resolve(); } });
  }
}
