// Virtual pods: in-process HTTP servers on 127.0.0.1 that answer like agnhost's netexec (kubernetes/kubernetes
// test/images/agnhost/netexec/netexec.go), one per pod container port, so proxied traffic lands on "the pod" that the
// cluster model chose and the answer says which one it was. The live lab (issue 7) reuses this module.
//
// Endpoints: / (NOW: timestamp), /hostname and /hostName, /clientip, /serverport, /echo?msg=&code=, /header?key=,
// /headers (podnet: every request header as JSON), /healthz, /redirect?location=&code=. Any other path (netexec's root
// handler catches them with the timestamp) answers with the pod's identity too, so `curl .../api/x` shows who answered.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubeObject } from '../api/types.js';
import type { Cluster } from '../cluster/cluster.js';

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
}

export interface VirtualEndpoint { pod: VirtualPodSpec; port: number; address: { host: string; port: number } }

/** Pods with an IP and TCP container ports: what the fleet serves. */
export function podsOf(cluster: Cluster): VirtualPodSpec[] {
  const out: VirtualPodSpec[] = [];
  for (const p of cluster.pods() as (KubeObject & { spec: Obj; status?: Obj })[]) {
    const ip = p.status?.podIP;
    if (!ip || p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') continue;
    const ports = new Set<number>();
    for (const c of (p.spec.containers ?? []) as Obj[]) for (const cp of (c.ports ?? []) as Obj[]) if ((cp.protocol ?? 'TCP') === 'TCP' && Number.isInteger(cp.containerPort)) ports.add(cp.containerPort);
    if (ports.size === 0) ports.add(8080); // agnhost netexec's default --http-port
    out.push({ namespace: p.metadata.namespace ?? 'default', name: p.metadata.name, podIP: ip, nodeName: p.spec.nodeName, ports: [...ports].sort((a, b) => a - b) });
  }
  return out;
}

export class VirtualPods {
  private readonly byEndpoint = new Map<string, VirtualEndpoint>();
  private constructor(private readonly servers: Server[], endpoints: VirtualEndpoint[]) {
    for (const e of endpoints) this.byEndpoint.set(endpointKey(e.pod.podIP, e.port), e);
  }

  /** Starts one netexec-like server per pod container port, each on 127.0.0.1 and an ephemeral port. */
  static async start(pods: readonly VirtualPodSpec[], host = '127.0.0.1'): Promise<VirtualPods> {
    const servers: Server[] = [];
    const endpoints: VirtualEndpoint[] = [];
    try {
      for (const pod of pods) {
        for (const port of pod.ports) {
          const server = createServer(netexecHandler(pod, port));
          server.keepAliveTimeout = 65_000;
          await new Promise<void>((resolve, reject) => {
            server.once('error', reject);
            server.listen(0, host, () => resolve());
          });
          servers.push(server);
          endpoints.push({ pod, port, address: { host, port: (server.address() as AddressInfo).port } });
        }
      }
    } catch (e) {
      await Promise.all(servers.map((s) => closeServer(s)));
      throw e;
    }
    return new VirtualPods(servers, endpoints);
  }

  /** The loopback address serving `podIP:port`, if that pod port exists. */
  addressOf(podIP: string, port: number): { host: string; port: number } | undefined {
    return this.byEndpoint.get(endpointKey(podIP, port))?.address;
  }

  endpoints(): VirtualEndpoint[] {
    return [...this.byEndpoint.values()];
  }

  async close(): Promise<void> {
    await Promise.all(this.servers.map((s) => closeServer(s)));
  }
}

function endpointKey(ip: string, port: number): string {
  return `${ip.replace(/^\[|\]$/g, '')}:${port}`;
}

function closeServer(s: Server): Promise<void> {
  return new Promise((resolve) => {
    s.close(() => resolve());
    s.closeAllConnections?.();
  });
}

/** The request handler of one pod port, answering like agnhost netexec. */
export function netexecHandler(pod: VirtualPodSpec, port: number): (req: IncomingMessage, res: ServerResponse) => void {
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
        const src = req.headers[SOURCE_HEADER];
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
        const h: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (k !== SOURCE_HEADER && v !== undefined) h[k] = Array.isArray(v) ? v.join(', ') : v;
        return reply(200, JSON.stringify(h, null, 2) + '\n', 'application/json');
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
