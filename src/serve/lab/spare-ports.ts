// Loopback sockets bound ahead of need, so that a pod port can get one synchronously the first time something
// connects to it (Node binds a listener only after a tick). The lab's pods thus hold no socket until they are
// contacted: a 10,000-pod lab opens the few it serves, not one per pod port (an open-files limit is per process).
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import { listening } from '../virtual-pods.js';

export class SparePorts {
  private readonly tcp: Server[] = [];
  private readonly udp: UdpSocket[] = [];
  private filling?: Promise<void>;
  private closed = false;

  constructor(private readonly host = '127.0.0.1', readonly tcpSize = 16, readonly udpSize = 2) {}

  /** Binds sockets until the pool is full again (at most one refill runs at a time). */
  fill(): Promise<void> {
    this.filling ??= this.refill().finally(() => { this.filling = undefined; });
    return this.filling;
  }

  private async refill(): Promise<void> {
    while (!this.closed && (this.tcp.length < this.tcpSize || this.udp.length < this.udpSize)) {
      if (this.tcp.length < this.tcpSize) {
        const s = await listening(createServer(), this.host);
        if (this.closed) s.close(); else this.tcp.push(s);
      } else {
        const u = await listening(createSocket(this.host.includes(':') ? 'udp6' : 'udp4'), this.host);
        if (this.closed) u.close(); else this.udp.push(u);
      }
    }
  }

  /** A listening TCP server nobody uses yet, or undefined when a burst emptied the pool (it refills at once). */
  takeTcp(): Server | undefined {
    const s = this.tcp.shift();
    void this.fill().catch(() => undefined);
    return s;
  }

  takeUdp(): UdpSocket | undefined {
    const u = this.udp.shift();
    void this.fill().catch(() => undefined);
    return u;
  }

  get size(): number { return this.tcp.length + this.udp.length; }

  async close(): Promise<void> {
    this.closed = true;
    await this.filling?.catch(() => undefined);
    await Promise.all(this.tcp.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
    for (const u of this.udp.splice(0)) u.close();
  }
}
