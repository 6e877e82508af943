// A loopback TCP listener that hands each connection to wherever the current snapshot says: the lab's user-facing
// ports (ingress HTTP/HTTPS, NodePorts, LoadBalancers) stay put while the proxies and pods behind them are rebuilt.
// Connections are piped as bytes, so TLS (SNI, ALPN) goes through untouched to the proxy that terminates it.
import net from 'node:net';

export interface FrontTarget { host: string; port: number }

export class FrontListener {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  /** `pick` decides per connection; undefined refuses it (a reset, as a dropped or rejected connection would look). */
  constructor(private readonly pick: (client: net.Socket) => FrontTarget | undefined, private readonly host = '127.0.0.1') {}

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
