// Virtual pods: in-process HTTP servers on 127.0.0.1 that answer like agnhost's netexec (kubernetes/kubernetes
// test/images/agnhost/netexec/netexec.go), one per pod container port, so proxied traffic lands on "the pod" that the
// cluster model chose and the answer says which one it was. The live lab (issue 7) reuses this module.
//
// Each pod port speaks netexec's HTTP API to HTTP clients and echoes any other TCP stream back (netexec's TCP echo on
// --tcp-port / `nc` to an agnhost port), told apart by the first bytes the client sends.
//
// Endpoints: / (NOW: timestamp), /hostname and /hostName, /clientip, /serverport, /echo?msg=&code=, /header?key=,
// /headers (podnet: every request header as JSON), /healthz, /redirect?location=&code=. Any other path (netexec's root
// handler catches them with the timestamp) answers with the pod's identity too, so `curl .../api/x` shows who answered.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import type { KubeObject } from '../api/types.js';
import type { Cluster } from '../cluster/cluster.js';
import { flatHeaders } from './headers.js';
import { FAULT_ANNOTATION, faultHits, parsePodFault, PodFaultError, type PodFault } from './pod-faults.js';
import { createSecureContext } from 'node:tls';
import { serveTLSAfterPeek } from './tls-sni.js';
import { servedTlsSecret, tlsSecretPem } from '../ingress/index.js';

type Obj = Record<string, any>;

/** A header a podnet proxy sets to tell the pod the emulated source address (the proxy pod's IP); never echoed. */
export const SOURCE_HEADER = 'x-podnet-source-ip';

export interface VirtualPodSpec {
  namespace: string;
  name: string;
  podIP: string;
  nodeName?: string;
  /** TCP container ports. */
  ports: number[];
  /** UDP container ports: each echoes datagrams back, as agnhost netexec's --udp-port does. */
  udpPorts?: number[];
  /** From the `podnet.dev/fault` annotation (see pod-faults.ts). */
  fault?: PodFault;
  /** The annotation's value could not be parsed: why. */
  faultError?: string;
  /** The kubernetes.io/tls Secret mounted in the pod: its ports also answer TLS clients with it (the suite's echo
   * backend serves the certificate it mounts; a Gateway's BackendTLSPolicy originates TLS to such pods). */
  tls?: { cert: string; key: string };
}

/** How a pod port misbehaves: the fault in force now (it can change while the pod runs) and the random draw. */
export interface PodBehaviour { fault(): PodFault | undefined; random(): number }

export interface VirtualEndpoint { pod: VirtualPodSpec; port: number; protocol?: 'UDP'; address: { host: string; port: number } }

/**
 * The ports EndpointSlices send traffic to, per pod IP: a container listens on a port whether or not its spec lists it
 * (containerPort is informational), so a Service's numeric targetPort is served too.
 */
function slicePorts(cluster: Cluster): Map<string, { tcp: number[]; udp: number[] }> {
  const out = new Map<string, { tcp: number[]; udp: number[] }>();
  for (const s of cluster.endpointSlices() as unknown as Obj[]) {
    const ports = ((s.ports ?? []) as Obj[]).filter((p) => Number.isInteger(p.port));
    for (const e of (s.endpoints ?? []) as Obj[]) {
      for (const ip of (e.addresses ?? []) as string[]) {
        let o = out.get(ip);
        if (!o) out.set(ip, (o = { tcp: [], udp: [] }));
        for (const p of ports) (p.protocol === 'UDP' ? o.udp : p.protocol === undefined || p.protocol === 'TCP' ? o.tcp : []).push(p.port);
      }
    }
  }
  return out;
}

/** Pods with an IP and their TCP/UDP ports (container ports and the ports their EndpointSlices name): what the fleet serves. */
export function podsOf(cluster: Cluster): VirtualPodSpec[] {
  const out: VirtualPodSpec[] = [];
  const fromSlices = slicePorts(cluster);
  for (const p of cluster.pods() as (KubeObject & { spec: Obj; status?: Obj })[]) {
    const ip = p.status?.podIP;
    if (!ip || p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') continue;
    const ports = new Set<number>(fromSlices.get(ip)?.tcp);
    const udpPorts = new Set<number>(fromSlices.get(ip)?.udp);
    for (const c of (p.spec.containers ?? []) as Obj[]) {
      for (const cp of (c.ports ?? []) as Obj[]) {
        if (!Number.isInteger(cp.containerPort)) continue;
        if ((cp.protocol ?? 'TCP') === 'TCP') ports.add(cp.containerPort);
        else if (cp.protocol === 'UDP') udpPorts.add(cp.containerPort);
      }
    }
    if (ports.size === 0 && udpPorts.size === 0) ports.add(8080); // agnhost netexec's default --http-port
    const sorted = (xs: Set<number>) => [...xs].sort((a, b) => a - b);
    const spec: VirtualPodSpec = { namespace: p.metadata.namespace ?? 'default', name: p.metadata.name, podIP: ip, nodeName: p.spec.nodeName, ports: sorted(ports), ...(udpPorts.size ? { udpPorts: sorted(udpPorts) } : {}) };
    const pair = tlsSecretPem(servedTlsSecret((ns, name) => cluster.get('Secret', ns, name), p));
    if (pair) spec.tls = pair;
    const faultText = (p.metadata.annotations as Record<string, string> | undefined)?.[FAULT_ANNOTATION];
    if (typeof faultText === 'string') {
      try { spec.fault = parsePodFault(faultText); } catch (e) { if (e instanceof PodFaultError) spec.faultError = `pod ${spec.namespace}/${spec.name}: ${e.message}`; else throw e; }
    }
    out.push(spec);
  }
  return out;
}

export class VirtualPods {
  private readonly byEndpoint = new Map<string, VirtualEndpoint>();
  private constructor(private readonly servers: PodPortServer[], endpoints: VirtualEndpoint[]) {
    for (const e of endpoints) this.byEndpoint.set(`${e.protocol ?? 'TCP'}|${endpointKey(e.pod.podIP, e.port)}`, e);
  }

  /** Starts one netexec-like server per pod container port, each on 127.0.0.1 and an ephemeral port. */
  static async start(pods: readonly VirtualPodSpec[], host = '127.0.0.1'): Promise<VirtualPods> {
    const servers: PodPortServer[] = [];
    const endpoints: VirtualEndpoint[] = [];
    try {
      for (const pod of pods) {
        for (const port of pod.ports) {
          const server = tcpPodPort(await listening(createTcpServer(), host), pod, port, host);
          servers.push(server);
          endpoints.push({ pod, port, address: server.address });
        }
        for (const port of pod.udpPorts ?? []) {
          const server = udpPodPort(await listening(createSocket(host.includes(':') ? 'udp6' : 'udp4'), host), host);
          servers.push(server);
          endpoints.push({ pod, port, protocol: 'UDP', address: server.address });
        }
      }
    } catch (e) {
      await Promise.all(servers.map((s) => s.close()));
      throw e;
    }
    return new VirtualPods(servers, endpoints);
  }

  /** The loopback address serving `podIP:port` (a TCP port unless UDP is asked for), if that pod port exists. */
  addressOf(podIP: string, port: number, protocol: 'TCP' | 'UDP' = 'TCP'): { host: string; port: number } | undefined {
    return this.byEndpoint.get(`${protocol}|${endpointKey(podIP, port)}`)?.address;
  }

  endpoints(): VirtualEndpoint[] {
    return [...this.byEndpoint.values()];
  }

  async close(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.close()));
  }
}

/** One listening pod port: HTTP (netexec) and plain TCP echo on the same loopback port. */
export interface PodPortServer {
  address: { host: string; port: number };
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

/** A UDP pod port on a bound socket: every datagram is sent back to its sender, unchanged. */
export function udpPodPort(sock: UdpSocket, host: string): PodPortServer {
  serveUdpEcho(sock);
  return {
    address: { host, port: sock.address().port },
    close: () => new Promise<void>((resolve) => { try { sock.close(() => resolve()); } catch { resolve(); } }),
  };
}

/** A TCP pod port on a listening server: netexec's HTTP and TCP echo (servePodPort). */
export function tcpPodPort(tcp: TcpServer, pod: VirtualPodSpec, port: number, host: string, behaviour?: PodBehaviour): PodPortServer {
  const served = servePodPort(tcp, pod, port, behaviour);
  return { address: { host, port: (tcp.address() as AddressInfo).port }, close: served.close };
}

/** A TCP server listening, or a UDP socket bound, on an ephemeral port of `host` (where pod ports are served). */
export function listening<T extends TcpServer | UdpSocket>(s: T, host: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    s.once('error', reject);
    const done = () => { s.off('error', reject); resolve(s); };
    if ('listen' in s) s.listen(0, host, done);
    else s.bind(0, host, done);
  });
}

/** netexec's UDP echo on a bound socket: every datagram goes back to its sender, unchanged. */
export function serveUdpEcho(sock: UdpSocket): void {
  sock.on('message', (msg, rinfo) => sock.send(msg, rinfo.port, rinfo.address));
  sock.on('error', () => undefined);
}

/** An HTTP request starts with a method and a space (RFC 9112 §3; `PRI` opens HTTP/2's preface, RFC 9113 §3.4). */
const HTTP_REQUEST_START = /^(GET|HEAD|POST|PUT|DELETE|CONNECT|OPTIONS|TRACE|PATCH|PRI) /;

/**
 * Serves a pod port on a listening TCP server (one the lab opened on loopback, or one opened inside the pod's network
 * namespace in kernel mode): netexec's HTTP API for HTTP clients, TCP echo for anything else.
 */
export function servePodPort(tcp: TcpServer, pod: VirtualPodSpec, port: number, behaviour?: PodBehaviour, opts: { trustSourceHeader?: boolean } = {}): { close(): Promise<void> } {
  const agent = podPortAgent(pod, port, behaviour, opts);
  tcp.on('connection', agent.accept);
  tcp.on('error', () => undefined);
  return {
    close: () => new Promise<void>((resolve) => {
      tcp.close(() => resolve());
      agent.closeConnections();
    }),
  };
}

/**
 * The netexec agent of one pod port, for connections its listener accepted: `accept` serves one, `closeConnections`
 * closes every one it took (the HTTP server never saw them listen).
 */
export function podPortAgent(pod: VirtualPodSpec, port: number, behaviour?: PodBehaviour, opts: { trustSourceHeader?: boolean } = {}): { accept(socket: Socket): void; closeConnections(): void } {
  const http = createServer(netexecHandler(pod, port, behaviour ?? { fault: () => pod.fault, random: Math.random }, opts));
  http.keepAliveTimeout = 65_000;
  const sockets = new Set<Socket>();
  const secureContext = pod.tls ? createSecureContext({ cert: pod.tls.cert, key: pod.tls.key }) : undefined;
  const serve = (socket: Socket): void => {
    socket.once('data', (first: Buffer) => {
      if (secureContext && first[0] === 0x16) {
        // A TLS ClientHello: the pod terminates TLS with its mounted certificate, then serves the same protocols inside.
        const tls = serveTLSAfterPeek(socket, first, secureContext);
        serve(tls);
        return;
      }
      if (HTTP_REQUEST_START.test(first.toString('latin1', 0, Math.min(first.length, 11)))) {
        socket.pause();
        socket.unshift(first);
        http.emit('connection', socket);
        process.nextTick(() => socket.resume());
        return;
      }
      socket.write(first);
      socket.pipe(socket);
    });
  };
  return {
    accept: (socket: Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
      serve(socket);
    },
    closeConnections: () => { for (const sock of sockets) sock.destroy(); },
  };
}

function endpointKey(ip: string, port: number): string {
  return `${ip.replace(/^\[|\]$/g, '')}:${port}`;
}


/** The request handler of one pod port, answering like agnhost netexec. */
export function netexecHandler(pod: VirtualPodSpec, port: number, behaviour?: PodBehaviour, opts: { trustSourceHeader?: boolean } = {}): (req: IncomingMessage, res: ServerResponse) => void {
  const answer = netexecAnswer(pod, port, opts.trustSourceHeader ?? true);
  if (!behaviour) return answer;
  return (req, res) => {
    const f = behaviour.fault();
    if (!f || !faultHits(f, behaviour.random())) return answer(req, res);
    req.resume();
    if (f.kind === 'hang') return; // the socket stays open until the client gives up or the pod stops
    if (f.kind === 'delay') {
      const t = setTimeout(() => answer(req, res), f.delayMs);
      res.on('close', () => clearTimeout(t));
      return;
    }
    const body = `fault injected in pod ${pod.namespace}/${pod.name}: ${f.status}\n`;
    res.writeHead(f.status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}

/** `trustSourceHeader`: the lab's own proxies tell an emulated source in a header; a real kernel connection has one. */
function netexecAnswer(pod: VirtualPodSpec, port: number, trustSourceHeader: boolean): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://pod');
    const q = url.searchParams;
    const reply = (code: number, body: string, type = 'text/plain; charset=utf-8'): void => {
      res.writeHead(code, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    req.resume();
    switch (url.pathname) {
      case '/hostname': case '/hostName':
        return reply(200, pod.name);
      case '/clientip': {
        const src = trustSourceHeader ? req.headers[SOURCE_HEADER] : undefined;
        return reply(200, `${typeof src === 'string' ? src : req.socket.remoteAddress}:${req.socket.remotePort}`);
      }
      case '/serverport':
        return reply(200, String(port));
      case '/echo': {
        const code = Number(q.get('code') ?? 200);
        return reply(Number.isInteger(code) && code >= 100 && code <= 599 ? code : 200, q.get('msg') ?? '');
      }
      case '/header':
        return reply(200, headerValue(req, q.get('key') ?? ''));
      case '/headers': {
        return reply(200, JSON.stringify(flatHeaders(req.headers, SOURCE_HEADER), null, 2) + '\n', 'application/json');
      }
      case '/healthz':
        return reply(200, 'ok');
      case '/redirect': {
        const code = Number(q.get('code') ?? 303);
        res.writeHead(code >= 300 && code <= 399 ? code : 303, { location: q.get('location') ?? '/' });
        return void res.end();
      }
      case '/':
        return reply(200, `NOW: ${new Date().toISOString()}`);
      default:
        return reply(200, `pod ${pod.namespace}/${pod.name} (${pod.podIP}:${port} on ${pod.nodeName ?? 'no node'}) answered ${req.method} ${req.url}\nNOW: ${new Date().toISOString()}\n`);
    }
  };
}

function headerValue(req: IncomingMessage, key: string): string {
  const v = req.headers[key.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v ?? '';
}
