// The processes of the pods, all in the lab's own process: on every pod's container ports, inside the pod's network
// namespace, the netexec-compatible agent the emulated lab serves (src/serve/virtual-pods.ts: /hostname, /clientip,
// /echo, TCP and UDP echo), and on the CoreDNS pods' port 53 podnet's DNS server answering from the compiled model;
// an edge proxy's pods (edge.ts) hand their connections to the proxy instead.
import type { Socket } from 'node:net';
import type { DnsModel } from '../dns/index.js';
import { DnsServer } from '../serve/dns-server.js';
import { podPortAgent, serveUdpEcho, type VirtualPodSpec } from '../serve/virtual-pods.js';
import { closeSockets, openSocketsIn, type NamespaceSockets } from './sockets.js';
import { pushAll } from '../util/arrays.js';


/** `edge`: the pod's TCP ports are an edge proxy's (edge.ts), which takes each accepted connection instead of the agent. */
export interface PlacedPod { spec: VirtualPodSpec; netns: string; dns: boolean; edge?: (port: number, socket: Socket) => void }

interface Served { key: string; shape: string; sockets: NamespaceSockets; closers: (() => void)[]; dns?: DnsServer; edge?: PlacedPod['edge']; handedOver: Set<Socket> }

export class PodAgents {
  private readonly served = new Map<string, Served>();
  readonly errors: string[] = [];

  constructor(private dnsModel: DnsModel, private readonly helper?: 'python' | 'node') {}

  /**
   * Opens and serves the ports of pods not served yet. A pod served already takes the edge handler given now: it
   * becomes (or stops being) an edge pod when an Ingress or Gateway comes or goes; its connections keep their handler.
   * A pod whose agent would differ (its ports, what it answers, whether it is a CoreDNS endpoint: labels and a
   * Service's selector can change under a running pod) is served again, as a restarted container would be.
   */
  async serve(pods: readonly PlacedPod[]): Promise<void> {
    const changed: string[] = [];
    for (const p of pods) {
      const s = this.served.get(keyOf(p.spec));
      if (s && s.shape !== shapeOf(p)) changed.push(s.key);
      else if (s) s.edge = p.edge;
    }
    await this.remove(changed);
    const fresh = pods.filter((p) => !this.served.has(keyOf(p.spec)));
    const reqs = fresh.map((p) => ({ netns: p.netns, tcp: p.spec.ports, udp: p.spec.udpPorts ?? [] }));
    const opened = await openSocketsIn(reqs, { helper: this.helper });
    fresh.forEach((p, i) => {
      const sockets = opened[i];
      pushAll(this.errors, sockets.errors.map((e) => `pod ${keyOf(p.spec)}: ${e}`));
      const s: Served = { key: keyOf(p.spec), shape: shapeOf(p), sockets, closers: [], edge: p.edge, handedOver: new Set() };
      const dnsUdp = p.dns ? sockets.udp.get(53) : undefined;
      const dnsTcp = p.dns ? sockets.tcp.get(53) : undefined;
      if (dnsUdp && dnsTcp) {
        s.dns = new DnsServer(this.dnsModel, { address: '0.0.0.0' });
        s.dns.serveOn(dnsUdp, dnsTcp);
      }
      for (const [port, server] of sockets.tcp) {
        if (s.dns && port === 53) continue;
        const agent = podPortAgent(p.spec, port, undefined, { trustSourceHeader: false });
        server.on('connection', (socket: Socket) => {
          if (!s.edge) { agent.accept(socket); return; }
          // The proxy owns the connection, but it is still this pod's: it goes when the pod goes.
          s.handedOver.add(socket);
          socket.once('close', () => s.handedOver.delete(socket));
          s.edge(port, socket);
        });
        server.on('error', () => undefined);
        s.closers.push(agent.closeConnections);
      }
      for (const [port, sock] of sockets.udp) if (!(s.dns && port === 53)) serveUdpEcho(sock);
      this.served.set(s.key, s);
    });
  }

  /** Stops serving pods that are gone (their namespace is about to be removed). */
  async remove(keys: readonly string[]): Promise<void> {
    await Promise.all(keys.map(async (k) => {
      const s = this.served.get(k);
      if (!s) return;
      this.served.delete(k);
      // Closing a listener waits for its connections: they are closed right after it stops accepting.
      const closing = closeSockets(s.sockets);
      for (const c of s.closers) c();
      for (const socket of s.handedOver) socket.destroy();
      await closing;
    }));
  }

  setDnsModel(model: DnsModel): void {
    this.dnsModel = model;
    for (const s of this.served.values()) s.dns?.setModel(model);
  }

  keys(): string[] { return [...this.served.keys()]; }

  sockets(key: string): NamespaceSockets | undefined { return this.served.get(key)?.sockets; }

  close(): Promise<void> { return this.remove(this.keys()); }
}

function keyOf(spec: VirtualPodSpec): string { return `${spec.namespace}/${spec.name}`; }

/** What a pod's agent is made from: a change to it needs a new agent, not a new edge handler. */
function shapeOf(p: PlacedPod): string { return JSON.stringify([p.spec, p.dns]); }
