// The conformance cases only a live data plane can answer, through podnet's live proxy (src/serve) on loopback: the
// frontend client-certificate requests (a real TLS handshake presenting a certificate) and the UDP echo scenarios.
// One proxy and one set of virtual pods per test; the backend that answered is read from the proxy's access log
// (`... ok -> NS/SERVICE:PORT ENDPOINT`) and the pod behind that endpoint. A measurement, not a test.
import { createSocket, type Socket } from 'node:dgram';
import type { PeerCertificate } from 'node:tls';
import { request } from 'node:https';
import type { Cluster } from '../../src/cluster/cluster.js';
import { EdgeProxy } from '../../src/serve/http-proxy.js';
import { keyPairOfSecret, type KeyPair } from '../../src/serve/tls-material.js';
import { podsOf, VirtualPods } from '../../src/serve/virtual-pods.js';
import type { Case } from './gateway-api-checks.js';

type Obj = Record<string, any>;
const NS = 'gateway-conformance-infra';

/**
 * The Go tests' client certificates (gateway-with-clientcertificate-validation*.go): port 443 is validated against the
 * default CA, 8443 against the per-port CA; a request expected to pass presents the port's own client certificate,
 * one expected to fail presents the other port's.
 */
const CLIENT_CERT: Record<number, string> = { 443: `${NS}/tls-validity-checks-client-certificate`, 8443: `${NS}/tls-validity-checks-per-port-client-certificate` };
const SERVER_CERT = `${NS}/tls-validity-checks-certificate`;

/** The UDP scenarios as the Go tests state them (the extraction kept one case per test): listener → backend Services. */
const UDP_SCENARIOS: Record<string, { gateway: string; listeners: Record<string, string[]>; weights?: Record<string, number> }> = {
  UDPRouteParentRefPortAndSectionName: { gateway: 'udp-multi-listener-gateway', listeners: { 'by-port': ['udp-echo-by-port'], 'by-section': ['udp-echo-by-section'], 'by-section-and-port': ['udp-echo-by-section-and-port'] } },
  UDPRouteParentRefAttachAllListeners: { gateway: 'udp-attach-all-listeners-gateway', listeners: { 'udp-1': ['udp-echo-attach-all'], 'udp-2': ['udp-echo-attach-all'], 'udp-3': ['udp-echo-attach-all'] } },
  UDPRouteReferenceGrant: { gateway: 'udp-gateway-reference-grant', listeners: { udp: ['udp-echo-reference-grant'] } },
  // assertUDPWeightedDistribution: 500 datagrams, each backend's share within 3 points of its weight.
  UDPRouteWeightedRouting: { gateway: 'udp-weighted-gateway', listeners: { udp: ['udp-backend-v1', 'udp-backend-v2'] }, weights: { 'udp-backend-v1': 0.7, 'udp-backend-v2': 0.3 } },
};

export const LIVE_SKIPS = ['needs a real TLS handshake with a client certificate (frontend mTLS)', 'UDP traffic'];

/** Whether the live judge answers this skipped case. */
export function liveComparable(test: string, c: Case): boolean {
  if (c.skip?.startsWith('UDP traffic')) return test in UDP_SCENARIOS;
  return c.skip === LIVE_SKIPS[0] && c.proto === 'https' && CLIENT_CERT[c.port] !== undefined;
}

class Live {
  private lines: string[] = [];
  private constructor(private readonly cluster: Cluster, readonly proxy: EdgeProxy, private readonly pods: VirtualPods) {}

  static async start(cluster: Cluster, gateway: string): Promise<Live> {
    const pods = await VirtualPods.start(podsOf(cluster));
    let live: Live | undefined;
    try {
      const proxy = await EdgeProxy.start({
        cluster, via: `gateway/${gateway}`, httpPort: 0, httpsPort: 0, log: (l) => live?.lines.push(l),
        resolve: (ep, protocol) => pods.addressOf(ep.slice(0, ep.lastIndexOf(':')), Number(ep.slice(ep.lastIndexOf(':') + 1)), protocol),
      });
      live = new Live(cluster, proxy, pods);
      return live;
    } catch (e) {
      await pods.close();
      throw e;
    }
  }

  /** The pod behind the endpoint of the last access-log line (what answered the last request). */
  lastPod(): string | undefined {
    const m = /ok -> \S+ (\S+):\d+$/.exec(this.lines.at(-1) ?? '');
    this.lines = [];
    return m ? this.cluster.pods().find((p) => (p as Obj).status?.podIP === m[1])?.metadata.name : undefined;
  }

  local(port: number, protocol: string): number | undefined {
    return this.proxy.ports.find((p) => p.port === port && p.protocol === protocol)?.local;
  }

  https(port: number, host: string, path: string, ca: string, cert: KeyPair | undefined): Promise<{ status?: number; error?: string }> {
    const local = this.local(port, 'HTTPS');
    if (local === undefined) return Promise.resolve({ error: `no live HTTPS port for ${port}` });
    return new Promise((resolve) => {
      const req = request({ host: '127.0.0.1', port: local, path, servername: host, headers: { host }, ca, ...(cert ?? {}), checkServerIdentity: goHostnameCheck, agent: false, timeout: 5000 }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode, ...(res.statusCode !== 200 ? { error: String(res.headers['x-podnet-reason']) } : {}) }));
      });
      req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.end();
    });
  }

  /**
   * One datagram from a fresh socket (a new flow: the socket stays open in `open` until the caller closes it, so no
   * later probe reuses its address while the proxy remembers the flow), the echo, and the pod that answered.
   */
  udp(port: number, open: Socket[]): Promise<{ pod?: string; error?: string }> {
    const local = this.local(port, 'UDP');
    if (local === undefined) return Promise.resolve({ error: `no live UDP port for ${port}` });
    const probe = 'gateway-api-conformance-udp\n';
    return new Promise((resolve) => {
      const s = createSocket('udp4');
      open.push(s);
      const t = setTimeout(() => resolve({ error: 'no echo within 2 s' }), 2000);
      s.on('message', (m) => { clearTimeout(t); resolve(m.toString() === probe ? { pod: this.lastPod() } : { error: `echo ${JSON.stringify(m.toString())}` }); });
      s.send(probe, local, '127.0.0.1');
    });
  }

  close(): Promise<void> {
    return this.proxy.close().then(() => this.pods.close());
  }
}

const closeAll = (sockets: Socket[]) => { for (const s of sockets) s.close(); };

/**
 * The suite's client checks the server name as Go's crypto/x509 does (VerifyHostname): a wildcard stands for exactly
 * the leftmost label, whatever the rest (`*.org` covers example.org, which Node's own check refuses).
 */
function goHostnameCheck(host: string, cert: PeerCertificate): Error | undefined {
  const names = (cert.subjectaltname ?? '').split(', ').filter((n) => n.startsWith('DNS:')).map((n) => n.slice(4).toLowerCase());
  const h = host.toLowerCase();
  const ok = names.some((n) => n === h || (n.startsWith('*.') && h.includes('.') && h.slice(h.indexOf('.')) === n.slice(1)) || (n === '*' && !h.includes('.')));
  return ok ? undefined : new Error(`certificate is not valid for ${host}: ${cert.subjectaltname}`);
}

const backendOf = (pod: string | undefined) => (pod ?? '').split('-').slice(0, -2).join('-');

async function judgeMtls(live: Live, cluster: Cluster, c: Case): Promise<string | undefined> {
  const e = c.expect as Obj;
  const passes = (e.status ?? []).includes(200);
  const ref = passes ? CLIENT_CERT[c.port] : CLIENT_CERT[c.port === 443 ? 8443 : 443];
  const cert = keyPairOfSecret(cluster, ref);
  const ca = keyPairOfSecret(cluster, SERVER_CERT)?.cert;
  if (!cert || !ca) return `setup Secrets missing (${ref}, ${SERVER_CERT})`;
  const r = await live.https(c.port, c.request.host, c.request.path ?? '/', ca, cert);
  const pod = live.lastPod();
  if (passes) {
    if (r.status !== 200) return `want 200 presenting ${ref}, got ${r.status ?? ''} ${r.error ?? ''}`;
    if (e.backend && !(pod ?? '').startsWith(e.backend)) return `want backend ${e.backend}, got ${pod ?? 'none'}`;
    return undefined;
  }
  return r.status !== undefined && (e.notStatus ?? []).includes(r.status) ? `want any answer but ${e.notStatus.join('|')} presenting ${ref}, got ${r.status}` : undefined;
}

async function judgeUdp(live: Live, cluster: Cluster, test: string): Promise<string | undefined> {
  const s = UDP_SCENARIOS[test];
  const gw = cluster.get<Obj & { metadata: { name: string } }>('Gateway', NS, s.gateway);
  for (const [listener, backends] of Object.entries(s.listeners)) {
    const port = ((gw?.spec?.listeners ?? []) as Obj[]).find((l) => l.name === listener)?.port;
    if (port === undefined) return `listener ${listener} not in Gateway ${s.gateway}`;
    if (!s.weights) {
      const open: Socket[] = [];
      const r = await live.udp(port, open);
      closeAll(open);
      if (r.error) return `listener ${listener}: ${r.error}`;
      if (!backends.includes(backendOf(r.pod))) return `listener ${listener}: want an echo from ${backends.join('|')}, got ${r.pod}`;
      continue;
    }
    // The Go test retries the whole distribution (weight.MaxTestRetries); three rounds here.
    let miss: string | undefined;
    for (let round = 0; round < 3; round++) {
      const seen = new Map<string, number>();
      miss = undefined;
      const open: Socket[] = [];
      for (let i = 0; i < 500 && !miss; i++) {
        const r = await live.udp(port, open);
        const b = backendOf(r.pod);
        if (r.error || !backends.includes(b)) miss = `datagram ${i}: ${r.error ?? `answer from unexpected backend ${r.pod}`}`;
        else seen.set(b, (seen.get(b) ?? 0) + 1);
      }
      closeAll(open);
      if (!miss) for (const [b, w] of Object.entries(s.weights)) if (Math.abs((seen.get(b) ?? 0) / 500 - w) > 0.03) miss = `backend ${b} got ${((seen.get(b) ?? 0) / 5).toFixed(1)}% of 500 datagrams, want ${w * 100}% ± 3`;
      if (!miss) break;
    }
    if (miss) return miss;
  }
  return undefined;
}

/** Answers the live cases of one test (`cases` all liveComparable), each with undefined when podnet agrees. */
export async function judgeLive(test: string, cluster: Cluster, cases: Case[]): Promise<Map<Case, string | undefined>> {
  const out = new Map<Case, string | undefined>();
  const gateway = cases[0].skip?.startsWith('UDP') ? `${NS}/${UDP_SCENARIOS[test].gateway}` : String(cases[0].gateway);
  let live: Live;
  try {
    live = await Live.start(cluster, gateway);
  } catch (e) {
    for (const c of cases) out.set(c, `the live proxy did not start: ${(e as Error).message}`);
    return out;
  }
  try {
    for (const c of cases) out.set(c, c.skip!.startsWith('UDP') ? await judgeUdp(live, cluster, test) : await judgeMtls(live, cluster, c));
  } finally {
    await live.close();
  }
  return out;
}
