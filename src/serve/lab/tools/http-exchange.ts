// One HTTP request from a pod, carried the way the model says (shared by curl and wget): the name lookup is a UDP
// packet to the pod's nameserver first (a policy without DNS egress means the name never resolves), then the
// connection is traced (src/trace: kube-proxy's pick, NetworkPolicy, the CNI path, the pod's own loopback) and, when it
// is delivered, the real request goes to the virtual pod that the model chose (with the pod's IP as the source it
// sees) or through the ingress proxy. Through a service mesh, the sidecars are acted out by the mesh runtime.
// A drop is not waited out: the caller prints what the tool would after the modelled wait.
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { meshModelOf } from '../../../mesh/index.js';
import type { TraceResult } from '../../../trace/trace.js';
import { SOURCE_HEADER } from '../../virtual-pods.js';
import type { MeshHttpResult } from '../mesh-runtime.js';
import { clockOf, decidingPolicies, deliverHop, hostPort, leftCluster, recordTrace, refusedDrop, runTrace, traceDnsQuery, traceText, type ExecContext } from './common.js';

export interface HttpRequestSpec {
  url: URL;
  method: string;
  /** Header lines exactly as the client sends them, in order. */
  headers: [string, string][];
  body?: string;
  /** How long the lab waits for the answer. */
  timeoutMs: number;
  insecure: boolean;
  /** Connect to this address instead of resolving the host (curl --resolve). */
  resolveTo?: string;
  family?: 4 | 6;
}

export interface WireAnswer { httpVersion: string; status: number; statusText: string; rawHeaders: [string, string][]; body: string }

/** The body's bytes as they crossed the wire (curl -v's `{ [N bytes data]`): chunk framing included, as one chunk. */
export function wireBodyBytes(a: WireAnswer): number {
  const n = Buffer.byteLength(a.body);
  const chunked = a.rawHeaders.some(([k, v]) => k.toLowerCase() === 'transfer-encoding' && /chunked/i.test(v));
  return chunked ? (n ? n.toString(16).length + 2 + n + 2 : 0) + 5 : n;
}

/** An open connection a follow-up request to the same origin reuses (curl -L keeps it: same endpoint). */
export interface OpenConnection { origin: string; target: { host: string; port: number }; tls: boolean; srcIP: string; ip: string; port: number; trace: TraceResult; explain: string }

export type ExchangeKind = 'response' | 'unresolved' | 'refused' | 'unreachable' | 'outside' | 'no-listener' | 'tls-plain' | 'cert' | 'reset' | 'timeout';

export interface HttpExchange {
  kind: ExchangeKind;
  host: string;
  port: number;
  /** The address connected to (or that would have been). */
  ip?: string;
  /** Every address the name has, for curl -v. */
  addresses?: { v4: string[]; v6: string[] };
  /** The pod's own address (the source the server sees, curl's local_ip). */
  srcIP: string;
  answer?: WireAnswer;
  trace?: TraceResult;
  /** The trace and the proxies' account, for the explanation. */
  explain: string;
  /** The policies that decided a drop. */
  policies: string[];
  /** Why, where the tool's own message has room for it (TLS detail, the mesh's reason for a reset). */
  detail?: string;
  connection?: OpenConnection;
  /** Milliseconds from the start: connected, first answer byte, done. */
  timing: { connect: number; start: number; total: number };
}

export async function exchange(ctx: ExecContext, pod: string, req: HttpRequestSpec, reuse?: OpenConnection): Promise<HttpExchange> {
  const clock = clockOf(ctx);
  const t0 = clock();
  const url = req.url;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const podIP = String(ctx.snapshot.cluster.get<{ status?: { podIP?: string } }>('Pod', ...(pod.split('/', 2) as [string, string]))?.status?.podIP ?? '');
  const base = { host, port, srcIP: podIP, policies: [] as string[] };
  if (reuse && reuse.origin === url.origin) {
    const deliver = deliverHop(reuse.trace);
    return send(ctx, req, { ...base, explain: `the request goes on the connection already open to ${deliver?.detail.pod ?? hostPort(reuse.ip, reuse.port)} (curl re-uses it: same endpoint, no new kube-proxy pick)\n` }, reuse, t0);
  }

  let connectTo = host;
  let addresses: { v4: string[]; v6: string[] } | undefined;
  let explain = '';
  if (req.resolveTo) connectTo = req.resolveTo;
  else if (!isIP(host)) {
    const a = ctx.snapshot.dns.resolveFromPod(pod, host, 'A');
    const aaaa = ctx.snapshot.dns.resolveFromPod(pod, host, 'AAAA');
    const of = (l: typeof a) => l.answers.flatMap((r) => (r.rdata.type === 'A' || r.rdata.type === 'AAAA' ? [r.rdata.address] : []));
    addresses = { v4: of(a), v6: of(aaaa) };
    if (a.tried.length > 0) {
      const d = traceDnsQuery(ctx, pod, host);
      if (d.verdict === 'dropped') return { ...base, kind: 'unresolved', trace: d, explain: traceText(d), policies: decidingPolicies(d), timing: none(clock, t0) };
    }
    if (req.family === 6) {
      if (addresses.v6.length === 0) return { ...base, kind: 'unresolved', addresses, explain: `the name has no AAAA record for -6 (${aaaa.rcode}; ${aaaa.stop})\n`, timing: none(clock, t0) };
      connectTo = addresses.v6[0];
    } else if (req.family === 4 && addresses.v4.length === 0) {
      return { ...base, kind: 'unresolved', addresses, explain: `the name has no A record for -4 (${a.rcode}; ${a.stop})\n`, timing: none(clock, t0) };
    }
  }
  const traceTo = connectTo === host ? url.toString() : `${url.protocol}//${hostPort(connectTo, port)}${url.pathname}${url.search}`;

  if (ctx.mesh && url.protocol === 'http:') {
    const viaMesh = await throughMesh(ctx, pod, req, traceTo, { ...base, addresses, ip: connectTo }, t0);
    if (viaMesh) return viaMesh;
  }
  const t = runTrace(ctx, pod, traceTo);
  recordTrace(ctx, t, 'TCP');
  explain += traceText(t);
  const ip = String(t.hops.find((h) => h.step === 'dns')?.detail.answer ?? connectTo);
  const loopback = t.hops.some((h) => h.detail.loopback);
  const srcIP = loopback ? (ip.includes(':') ? '::1' : '127.0.0.1') : String(t.hops.find((h) => h.step === 'route')?.detail.ip ?? podIP);
  const at = { ...base, srcIP, ip, addresses, trace: t, explain };
  if (t.verdict === 'dropped') {
    if (t.dropAt === 'dns') return { ...at, kind: 'unresolved', timing: none(clock, t0) };
    return { ...at, kind: refusedDrop(t) ? 'refused' : 'unreachable', policies: decidingPolicies(t), timing: none(clock, t0) };
  }
  if (leftCluster(t)) return { ...at, kind: 'outside', timing: none(clock, t0) };
  const ingressHop = t.hops.find((h) => h.step === 'ingress');
  const tls = url.protocol === 'https:';
  let target: { host: string; port: number } | undefined;
  if (ingressHop && ctx.edge) target = { host: '127.0.0.1', port: tls ? ctx.edge.httpsPort : ctx.edge.httpPort };
  else {
    const deliver = deliverHop(t);
    target = deliver ? ctx.addressOf(String(deliver.detail.ip), Number(deliver.detail.port)) : undefined;
    if (target && tls) return { ...at, kind: 'tls-plain', detail: `${deliver?.detail.pod} serves plain HTTP on ${deliver?.detail.port}`, timing: none(clock, t0) };
  }
  if (!target) return { ...at, kind: 'no-listener', timing: none(clock, t0) };
  const connection: OpenConnection = { origin: url.origin, target, tls, srcIP, ip, port, trace: t, explain };
  return send(ctx, req, at, connection, t0);
}

function none(clock: () => number, t0: number): HttpExchange['timing'] {
  const d = clock() - t0;
  return { connect: d, start: d, total: d };
}

type Base = Pick<HttpExchange, 'host' | 'port' | 'srcIP' | 'policies'> & Partial<Pick<HttpExchange, 'addresses' | 'ip' | 'trace' | 'explain'>>;

async function send(ctx: ExecContext, req: HttpRequestSpec, at: Base, c: OpenConnection, t0: number): Promise<HttpExchange> {
  const clock = clockOf(ctx);
  const timing = { connect: 0, start: 0, total: 0 };
  const explain = at.explain ?? c.explain;
  const common = { ...at, ip: c.ip, srcIP: c.srcIP, trace: at.trace ?? c.trace, explain, connection: c };
  try {
    const answer = await new Promise<WireAnswer>((resolve, reject) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of req.headers) headers[k] = v;
      headers[SOURCE_HEADER] = c.srcIP;
      const opts = { host: c.target.host, port: c.target.port, method: req.method, path: req.url.pathname + req.url.search, headers, agent: false as const };
      const r = c.tls
        ? https.request({ ...opts, servername: isIP(req.url.hostname) ? undefined : req.url.hostname, rejectUnauthorized: !req.insecure })
        : http.request(opts);
      const timer = setTimeout(() => r.destroy(Object.assign(new Error('timeout'), { code: 'PODNET_TIMEOUT' })), req.timeoutMs);
      // curl sends no Connection header (HTTP/1.1 keeps the connection); node would add `Connection: close`.
      if (!req.headers.some(([k]) => k.toLowerCase() === 'connection')) r.removeHeader('connection');
      r.on('socket', (s) => s.once(c.tls ? 'secureConnect' : 'connect', () => { timing.connect = clock() - t0; }));
      r.on('error', (e) => { clearTimeout(timer); reject(e); });
      r.on('response', (res) => {
        timing.start = clock() - t0;
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('error', reject);
        res.on('end', () => {
          clearTimeout(timer);
          res.socket?.destroy();
          const raw: [string, string][] = [];
          for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) raw.push([res.rawHeaders[i], res.rawHeaders[i + 1]]);
          resolve({ httpVersion: res.httpVersion, status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', rawHeaders: raw, body: Buffer.concat(chunks).toString('utf8') });
        });
      });
      r.end(req.body);
    });
    timing.total = clock() - t0;
    return { ...common, kind: 'response', answer, timing };
  } catch (e) {
    timing.total = clock() - t0;
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (code === 'PODNET_TIMEOUT') return { ...common, kind: 'timeout', timing };
    if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) return { ...common, kind: 'cert', detail: (e as Error).message, timing };
    if (code === 'ECONNREFUSED') return { ...common, kind: 'no-listener', timing };
    return { ...common, kind: 'reset', detail: (e as Error).message, timing };
  }
}

/**
 * HTTP between pods when a mesh proxy is on the path (the client's sidecar or ztunnel, or the server's proxy): the
 * network path first (kube-proxy's pick for a client without a proxy), then the mesh runtime acts out the sidecars.
 * Undefined when the mesh has no part in this request (the plain path handles it).
 */
async function throughMesh(ctx: ExecContext, pod: string, req: HttpRequestSpec, traceTo: string, base: Base & { ip: string }, t0: number): Promise<HttpExchange | undefined> {
  const runtime = ctx.mesh!;
  const mesh = meshModelOf(ctx.snapshot.cluster);
  if (!mesh.active) return undefined;
  const t = runTrace(ctx, pod, traceTo, 'TCP', true);
  if (t.dropAt === 'dns' || t.hops.some((h) => h.step === 'ingress' || h.step === 'exit' || h.detail.loopback)) return undefined;
  const dnat = t.hops.find((h) => h.step === 'dnat');
  const service = dnat && dnat.detail.entry === 'clusterIP' && typeof dnat.detail.service === 'string' ? { ref: dnat.detail.service, port: Number(dnat.detail.port) } : undefined;
  const deliver = deliverHop(t);
  const chosen = (dnat?.detail.chosen ?? undefined) as { pod?: string; ip: string; port: number } | undefined;
  const dstPod = deliver?.detail.pod ? String(deliver.detail.pod) : chosen?.pod;
  const dstPort = deliver?.detail.port !== undefined ? Number(deliver.detail.port) : chosen?.port ?? base.port;
  const [sns, sname] = pod.split('/', 2);
  const srcPlane = mesh.membership(sns, sname)?.dataPlane ?? 'none';
  const dstPlane = dstPod ? mesh.membership(...(dstPod.split('/', 2) as [string, string]))?.dataPlane ?? 'none' : 'none';
  const clientProxy = (srcPlane === 'sidecar' || srcPlane === 'ambient') && service !== undefined;
  if (!clientProxy && (srcPlane === 'none' && dstPlane === 'none')) return undefined;
  if (!clientProxy && (!dstPod || t.verdict === 'dropped')) return undefined;
  const [sv, svcName] = service ? service.ref.split('/', 2) : [];
  const to = clientProxy ? { kind: 'Service' as const, namespace: sv, name: svcName } : { kind: 'Pod' as const, namespace: dstPod!.split('/')[0], name: dstPod!.split('/')[1] };
  const headers: Record<string, string> = {};
  for (const [k, v] of req.headers) headers[k.toLowerCase()] = v;
  const r = await runtime.request({
    mesh, from: pod, to, port: clientProxy ? service!.port : dstPort, method: req.method, path: req.url.pathname + req.url.search,
    headers, body: req.body, timeoutMs: req.timeoutMs, ...(clientProxy ? {} : { firstTrace: t, ...(service ? { service: { namespace: sv, name: svcName } } : {}) }),
  });
  const ip = String(t.hops.find((h) => h.step === 'dns')?.detail.answer ?? base.ip);
  return meshExchange(ctx, pod, req, r, t, { ...base, ip }, t0);
}

function meshExchange(ctx: ExecContext, pod: string, req: HttpRequestSpec, r: MeshHttpResult, first: TraceResult, base: Base, t0: number): HttpExchange {
  const t = r.trace ?? first;
  const meshText = r.lines.length ? r.lines.map((l) => `    mesh: ${l}`).join('\n') + '\n' : '';
  const explain = traceText(t) + meshText + `trace id ${r.traceId}\n`;
  const status = r.answer?.status;
  const denied = r.evaluation.allowed === false && (status === 403 || status === 401 || r.kind === 'reset');
  ctx.record({
    source: pod, destination: req.url.toString(), protocol: 'HTTP',
    verdict: r.kind === 'dropped' || denied ? 'dropped' : r.kind !== 'response' || (status ?? 0) >= 500 ? 'error' : 'delivered', via: 'exec',
    ...(r.tries.at(-1)?.pod && r.kind === 'response' && r.answeredBy === 'app' ? { pod: r.tries.at(-1)!.pod } : {}),
    ...(status !== undefined ? { status } : {}),
    reason: r.kind === 'response' ? `HTTP ${status}${r.responseFlags !== '-' ? ` (${r.responseFlags})` : ''}${denied ? `: ${r.evaluation.reason}` : ''}` : r.kind === 'dropped' ? t.dropReason ?? 'dropped' : `${r.kind}: ${r.evaluation.reason}`,
    hops: [...t.hops.map((h) => ({ step: h.step, ...(h.node ? { node: h.node } : {}), text: h.text })), ...r.lines.map((l) => ({ step: 'mesh', text: l }))],
    snapshot: ctx.snapshot.version,
  });
  const d = clockOf(ctx)() - t0;
  const timing = { connect: 0, start: d, total: d };
  const at = { ...base, trace: t, explain, timing };
  if (r.kind === 'dropped') return { ...at, kind: refusedDrop(t) ? 'refused' : 'unreachable', policies: decidingPolicies(t), timing: { connect: d, start: d, total: d } };
  if (r.kind === 'reset') return { ...at, kind: 'reset', detail: r.evaluation.reason };
  if (r.kind === 'timeout') return { ...at, kind: 'timeout' };
  const a = r.answer!;
  return { ...at, kind: 'response', answer: { httpVersion: '1.1', status: a.status, statusText: a.statusText, rawHeaders: Object.entries(a.headers), body: a.body } };
}
