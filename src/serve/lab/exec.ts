// `podnet exec NS/POD -- curl|nslookup|nc ...`: the tool run from inside a pod of the lab. Every decision comes from the
// engine — the pod's resolver (src/dns), policy, kube-proxy's endpoint pick and the CNI path (src/trace) — and when the
// trace delivers, the request really goes to the virtual pod (or the ingress proxy) that the model chose, so the body
// is that pod's answer. What is printed imitates the real tool in a real pod (curl's error codes, nslookup's layout).
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { formatRecordLine, PodNotFoundError } from '../../dns/index.js';
import { trace, TraceInputError, type TraceResult } from '../../trace/trace.js';
import { SOURCE_HEADER } from '../virtual-pods.js';
import type { FlowRecord } from './flows.js';
import type { Snapshot } from './snapshot.js';
import { PodReferenceError, resolvePodReference } from '../../cluster/refs.js';
import { meshModelOf } from '../../mesh/index.js';
import type { HttpAnswer, MeshHttpResult, MeshRuntime } from './mesh-runtime.js';
import { flatHeaders } from '../headers.js';

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** The connection as the model carried it (absent for nslookup answered without a connection). */
  trace?: TraceResult;
  /** For nslookup: the resolver walk. */
  dns?: { tried: string[]; rcode: string; stop: string };
}

export interface ExecContext {
  snapshot: Snapshot;
  /** Where a pod endpoint listens on loopback. */
  addressOf(podIP: string, port: number): { host: string; port: number } | undefined;
  /** The live ingress proxy (for connections the model hands to the ingress controller). */
  edge?: { httpPort: number; httpsPort: number };
  record(f: Omit<FlowRecord, 'id' | 'time'>): void;
  seed?: () => number;
  /** The mesh data plane: HTTP between pods where a sidecar, ztunnel or Linkerd proxy is involved goes through it. */
  mesh?: MeshRuntime;
}

export class ExecInputError extends Error {}

const TOOLS = ['curl', 'nslookup', 'nc'];

export async function execInPod(ctx: ExecContext, pod: string, argv: string[]): Promise<ExecResult> {
  if (!pod.includes('/')) pod = `default/${pod}`;
  // NS/deploy/NAME (sts, ds, rs, job) runs in the workload's first pod, as `kubectl exec deploy/NAME` does.
  try { pod = resolvePodReference(ctx.snapshot.cluster, pod); } catch (e) { if (e instanceof PodReferenceError) throw new ExecInputError(e.message); throw e; }
  const [ns, name] = pod.split('/', 2);
  if (!ctx.snapshot.cluster.get('Pod', ns, name)) throw new ExecInputError(`pods "${name}" not found in namespace ${ns}`);
  const [tool, ...args] = argv;
  switch (tool) {
    case 'curl': return curl(ctx, pod, args);
    case 'nslookup': return nslookup(ctx, pod, args);
    case 'nc': return nc(ctx, pod, args);
    default: throw new ExecInputError(`podnet exec runs ${TOOLS.join(', ')} (got ${JSON.stringify(tool ?? '')}): the lab's pods are virtual, there is no shell`);
  }
}

function seedOf(ctx: ExecContext): number {
  return ctx.seed ? ctx.seed() : Math.floor(Math.random() * 2 ** 31);
}

function runTrace(ctx: ExecContext, from: string, to: string, protocol: 'TCP' | 'UDP' = 'TCP', withoutMesh = false): TraceResult {
  const components = withoutMesh ? ctx.snapshot.networkComponents : ctx.snapshot.components;
  try {
    return trace(ctx.snapshot.cluster, { from, to, seed: seedOf(ctx), protocol, components });
  } catch (e) {
    if (e instanceof TraceInputError) throw new ExecInputError(e.message);
    throw e;
  }
}

function recordTrace(ctx: ExecContext, t: TraceResult, protocol: string, extra: Partial<FlowRecord> = {}): void {
  const deliver = [...t.hops].reverse().find((h) => h.step === 'deliver');
  ctx.record({
    source: t.from, destination: t.to, protocol, verdict: t.verdict, via: 'exec',
    ...(t.verdict === 'delivered' && deliver ? { pod: String(deliver.detail.pod ?? '') } : {}),
    ...(t.dropReason ? { reason: t.dropReason } : {}),
    hops: t.hops.map((h) => ({ step: h.step, ...(h.node ? { node: h.node } : {}), text: h.text })),
    snapshot: ctx.snapshot.version, ...extra,
  });
}

/** The deciding policies of a drop, for the one-line summary. */
export function decidingPolicies(t: TraceResult): string[] {
  const h = t.hops.find((x) => x.detail.dropped);
  const p = h?.detail.policies;
  return Array.isArray(p) ? p.map(String) : [];
}

function traceText(t: TraceResult): string {
  const lines = [`trace ${t.from} → ${t.to}`];
  t.hops.forEach((h, i) => lines.push(`${String(i + 1).padStart(2)}. [${h.step}]${h.node ? ` ${h.node}:` : ''} ${h.text}`));
  lines.push(t.verdict === 'delivered' ? 'Result: DELIVERED' : `Result: DROPPED at ${t.dropAt}: ${t.dropReason}`);
  return lines.join('\n') + '\n';
}

// ---- nslookup -------------------------------------------------------------------------------------------------------

async function nslookup(ctx: ExecContext, pod: string, args: string[]): Promise<ExecResult> {
  let type = 'A';
  const rest: string[] = [];
  for (const a of args) {
    const m = a.match(/^-(?:type|query|q)=(\w+)$/i);
    if (m) type = m[1].toUpperCase();
    else if (a.startsWith('-')) throw new ExecInputError(`nslookup: unsupported option ${a} (supported: -type=TYPE)`);
    else rest.push(a);
  }
  const name = rest[0];
  if (!name) throw new ExecInputError('nslookup needs a name: nslookup NAME');
  const { dns } = ctx.snapshot;
  let conf;
  try { conf = dns.resolvConf(pod); } catch (e) { if (e instanceof PodNotFoundError) throw new ExecInputError(e.message); throw e; }
  const server = conf.nameservers[0] ?? dns.clusterDNS[0];
  // The query itself is a UDP packet to the nameserver: policy and kube-proxy decide whether it gets there.
  const t = runTrace(ctx, pod, `${server.includes(':') ? `[${server}]` : server}:53`, 'UDP');
  recordTrace(ctx, t, 'UDP', { destination: `${server}:53 (DNS ${name})` });
  if (t.verdict === 'dropped') {
    return { stdout: ';; connection timed out; no servers could be reached\n\n', stderr: traceText(t), exitCode: 1, trace: t };
  }
  const l = dns.resolveFromPod(pod, name, type);
  const out = [`Server:\t\t${server}`, `Address:\t${server}#53`, ''];
  let exitCode = 0;
  if (l.rcode === 'NOERROR' && l.answers.length > 0) {
    for (const r of l.answers) {
      const owner = r.name.replace(/\.$/, '');
      if (r.rdata.type === 'A' || r.rdata.type === 'AAAA') out.push(`Name:\t${owner}`, `Address: ${r.rdata.address}`);
      else if (r.rdata.type === 'CNAME') out.push(`${owner}\tcanonical name = ${r.rdata.target.replace(/\.$/, '')}.`);
      else out.push(formatRecordLine(r));
    }
  } else if (l.rcode === 'NOERROR') {
    out.push(`*** Can't find ${name}: No answer`);
  } else if (l.rcode === 'FORWARDED') {
    out.push(`;; ${name}: the cluster DNS forwards this name to ${l.forward?.upstreams.join(', ') ?? 'an upstream'}; the lab does not send DNS outside the cluster`);
    exitCode = 1;
  } else {
    out.push(`** server can't find ${name}: ${l.rcode}`);
    exitCode = 1;
  }
  const walk = ['search walk (' + l.stop + '):', ...l.steps.map((s) => `  ${s.name} ${s.rcode}${s.answers ? ` (${s.answers} answers)` : ''}`)];
  return { stdout: out.join('\n') + '\n\n', stderr: walk.join('\n') + '\n', exitCode, trace: t, dns: { tried: l.tried, rcode: l.rcode, stop: l.stop } };
}

// ---- nc -------------------------------------------------------------------------------------------------------------

async function nc(ctx: ExecContext, pod: string, args: string[]): Promise<ExecResult> {
  let udp = false;
  const rest: string[] = [];
  for (const a of args) {
    if (/^-[zvnuw0-9]+$/.test(a)) { if (a.includes('u')) udp = true; }
    else rest.push(a);
  }
  const [host, portText] = rest;
  const port = Number(portText);
  if (!host || !Number.isInteger(port) || port < 1 || port > 65535) throw new ExecInputError('nc needs a host and a port: nc [-zv] [-u] HOST PORT');
  const proto = udp ? 'udp' : 'tcp';
  const t = runTrace(ctx, pod, `${host.includes(':') ? `[${host}]` : host}:${port}`, udp ? 'UDP' : 'TCP');
  recordTrace(ctx, t, proto.toUpperCase());
  const ip = String(t.hops.find((h) => h.step === 'dns')?.detail.answer ?? host);
  if (t.verdict === 'delivered') {
    const deliver = [...t.hops].reverse().find((h) => h.step === 'deliver');
    const exit = t.hops.find((h) => h.step === 'exit');
    if (exit) return { stdout: '', stderr: `nc: ${host} (${ip}) ${port}: the lab stops at the cluster edge (${exit.text})\n` + traceText(t), exitCode: 1, trace: t };
    return { stdout: '', stderr: `Connection to ${host} (${ip}) ${port} port [${proto}/*] succeeded!${deliver ? `  (${deliver.detail.pod} answered)` : ''}\n` + traceText(t), exitCode: 0, trace: t };
  }
  if (t.dropAt === 'dns') return { stdout: '', stderr: `nc: getaddrinfo for host "${host}" port ${port}: Name or service not known\n` + traceText(t), exitCode: 1, trace: t };
  const rejected = t.hops.at(-1)?.text.startsWith('REJECTED') ?? false;
  return { stdout: '', stderr: `nc: connect to ${host} (${ip}) port ${port} (${proto}) ${rejected ? 'failed: Connection refused' : 'timed out: Operation now in progress'}\n` + traceText(t), exitCode: 1, trace: t };
}

// ---- curl -----------------------------------------------------------------------------------------------------------

interface CurlArgs { url: string; method?: string; headers: Record<string, string>; data?: string; verbose: boolean; include: boolean; head: boolean; insecure: boolean; silent: boolean; timeoutMs: number }

function parseCurl(args: string[]): CurlArgs {
  const c: CurlArgs = { url: '', headers: {}, verbose: false, include: false, head: false, insecure: false, silent: false, timeoutMs: 10_000 };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const val = (): string => {
      const v = args[++i];
      if (v === undefined) throw new ExecInputError(`curl: option ${a}: requires parameter`);
      return v;
    };
    if (a === '-H' || a === '--header') { const h = val(); const k = h.indexOf(':'); if (k > 0) c.headers[h.slice(0, k).trim().toLowerCase()] = h.slice(k + 1).trim(); }
    else if (a === '-X' || a === '--request') c.method = val().toUpperCase();
    else if (a === '-d' || a === '--data') { c.data = val(); c.method ??= 'POST'; }
    else if (a === '-m' || a === '--max-time' || a === '--connect-timeout') c.timeoutMs = Math.max(1, Number(val())) * 1000;
    else if (a === '-o' || a === '--output' || a === '-w' || a === '--write-out' || a === '--resolve') val();
    else if (a === '-I' || a === '--head') c.head = true;
    else if (a.startsWith('-') && !a.startsWith('--') && a.length > 1) {
      for (const f of a.slice(1)) {
        if (f === 'v') c.verbose = true;
        else if (f === 'i') c.include = true;
        else if (f === 'k') c.insecure = true;
        else if (f === 's' || f === 'S' || f === 'f' || f === 'L') c.silent ||= f === 's';
        else throw new ExecInputError(`curl: option -${f}: not supported in the lab (supported: -s -v -i -I -k -H -X -d -m)`);
      }
    } else if (a === '--insecure') c.insecure = true;
    else if (a === '--verbose') c.verbose = true;
    else if (a === '--silent') c.silent = true;
    else if (a.startsWith('--')) throw new ExecInputError(`curl: option ${a}: not supported in the lab`);
    else c.url = a;
  }
  if (!c.url) throw new ExecInputError('curl: no URL specified!');
  if (!/^[a-z]+:\/\//i.test(c.url)) c.url = `http://${c.url}`;
  return c;
}

async function curl(ctx: ExecContext, pod: string, args: string[]): Promise<ExecResult> {
  const c = parseCurl(args);
  let url: URL;
  try { url = new URL(c.url); } catch { return { stdout: '', stderr: `curl: (3) URL using bad/illegal format or missing URL\n`, exitCode: 3 }; }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { stdout: '', stderr: `curl: (1) Protocol "${url.protocol.replace(':', '')}" not supported\n`, exitCode: 1 };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));

  // The name lookup is a UDP packet to the pod's nameserver first.
  if (!isIP(host)) {
    const server = ctx.snapshot.dns.resolvConf(pod).nameservers[0] ?? ctx.snapshot.dns.clusterDNS[0];
    const d = runTrace(ctx, pod, `${server.includes(':') ? `[${server}]` : server}:53`, 'UDP');
    if (d.verdict === 'dropped') {
      recordTrace(ctx, d, 'UDP', { destination: `${server}:53 (DNS ${host})` });
      return { stdout: '', stderr: `curl: (6) Could not resolve host: ${host}\n` + traceText(d), exitCode: 6, trace: d };
    }
  }
  if (ctx.mesh && url.protocol === 'http:') {
    const viaMesh = await curlThroughMesh(ctx, ctx.mesh, pod, c, url, host, port);
    if (viaMesh) return viaMesh;
  }
  const t = runTrace(ctx, pod, url.toString());
  recordTrace(ctx, t, 'TCP');
  if (t.verdict === 'dropped') {
    if (t.dropAt === 'dns') return { stdout: '', stderr: `curl: (6) Could not resolve host: ${host}\n` + traceText(t), exitCode: 6, trace: t };
    const last = t.hops.at(-1);
    const policies = decidingPolicies(t);
    const why = policies.length ? `\n(denied by ${policies.join(', ')})` : '';
    if (last?.text.startsWith('REJECTED') || t.dropAt === 'deliver') return { stdout: '', stderr: `curl: (7) Failed to connect to ${host} port ${port}: Connection refused${why}\n` + traceText(t), exitCode: 7, trace: t };
    return { stdout: '', stderr: `curl: (28) Connection timed out after ${c.timeoutMs} milliseconds${why}\n` + traceText(t), exitCode: 28, trace: t };
  }
  if (t.hops.some((h) => h.step === 'exit')) {
    return { stdout: '', stderr: `curl: (7) Failed to connect to ${host} port ${port}: the lab does not send traffic outside the cluster\n` + traceText(t), exitCode: 7, trace: t };
  }
  const srcIP = String(t.hops.find((h) => h.step === 'route')?.detail.ip ?? '');
  const ingressHop = t.hops.find((h) => h.step === 'ingress');
  let target: { host: string; port: number } | undefined;
  let tls = url.protocol === 'https:';
  if (ingressHop && ctx.edge) target = { host: '127.0.0.1', port: tls ? ctx.edge.httpsPort : ctx.edge.httpPort };
  else {
    const deliver = [...t.hops].reverse().find((h) => h.step === 'deliver');
    target = deliver ? ctx.addressOf(String(deliver.detail.ip), Number(deliver.detail.port)) : undefined;
    if (target && tls) {
      return { stdout: '', stderr: `curl: (35) OpenSSL/3.0: error:0A00010B:SSL routines::wrong version number (${deliver?.detail.pod} serves plain HTTP on ${deliver?.detail.port})\n` + traceText(t), exitCode: 35, trace: t };
    }
    tls = false;
  }
  if (!target) return { stdout: '', stderr: `curl: (7) Failed to connect to ${host} port ${port}: nothing listens there in the lab\n` + traceText(t), exitCode: 7, trace: t };
  try {
    const res = await send(target, tls, c, url, srcIP);
    const head = `HTTP/1.1 ${res.status} ${res.statusText}\n` + Object.entries(res.headers).map(([k, v]) => `${k}: ${v}`).join('\n') + '\n\n';
    const stdout = (c.include || c.head ? head : '') + (c.head ? '' : res.body);
    return { stdout, stderr: c.verbose ? traceText(t) : traceText(t), exitCode: 0, trace: t };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) {
      return { stdout: '', stderr: `curl: (60) SSL certificate problem: ${(e as Error).message}\nMore details here: https://curl.se/docs/sslcerts.html (use -k to skip the check)\n` + traceText(t), exitCode: 60, trace: t };
    }
    return { stdout: '', stderr: `curl: (56) Recv failure: ${(e as Error).message}\n` + traceText(t), exitCode: 56, trace: t };
  }
}

/**
 * curl between pods when a mesh proxy is on the path (the client's sidecar or ztunnel, or the server's proxy): the
 * network path first (kube-proxy's pick for a client without a proxy), then the mesh runtime acts out the sidecars.
 * Undefined when the mesh has no part in this request (the plain path handles it).
 */
async function curlThroughMesh(ctx: ExecContext, runtime: MeshRuntime, pod: string, c: CurlArgs, url: URL, host: string, port: number): Promise<ExecResult | undefined> {
  const mesh = meshModelOf(ctx.snapshot.cluster);
  if (!mesh.active) return undefined;
  const t = runTrace(ctx, pod, url.toString(), 'TCP', true);
  if (t.dropAt === 'dns' || t.hops.some((h) => h.step === 'ingress' || h.step === 'exit')) return undefined;
  const dnat = t.hops.find((h) => h.step === 'dnat');
  const service = dnat && dnat.detail.entry === 'clusterIP' && typeof dnat.detail.service === 'string' ? { ref: dnat.detail.service, port: Number(dnat.detail.port) } : undefined;
  const deliver = [...t.hops].reverse().find((h) => h.step === 'deliver');
  const chosen = (dnat?.detail.chosen ?? undefined) as { pod?: string; ip: string; port: number } | undefined;
  const dstPod = deliver?.detail.pod ? String(deliver.detail.pod) : chosen?.pod;
  const dstPort = deliver?.detail.port !== undefined ? Number(deliver.detail.port) : chosen?.port ?? port;
  const [sns, sname] = pod.split('/', 2);
  const srcPlane = mesh.membership(sns, sname)?.dataPlane ?? 'none';
  const dstPlane = dstPod ? mesh.membership(...(dstPod.split('/', 2) as [string, string]))?.dataPlane ?? 'none' : 'none';
  const clientProxy = (srcPlane === 'sidecar' || srcPlane === 'ambient') && service !== undefined;
  if (!clientProxy && (srcPlane === 'none' && dstPlane === 'none')) return undefined;
  if (!clientProxy && (!dstPod || t.verdict === 'dropped')) return undefined;
  const [sv, svcName] = service ? service.ref.split('/', 2) : [];
  const to = clientProxy ? { kind: 'Service' as const, namespace: sv, name: svcName } : { kind: 'Pod' as const, namespace: dstPod!.split('/')[0], name: dstPod!.split('/')[1] };
  const headers = curlHeaders(c, url);
  const r = await runtime.request({
    mesh, from: pod, to, port: clientProxy ? service!.port : dstPort, method: c.head ? 'HEAD' : c.method ?? 'GET', path: url.pathname + url.search,
    headers, body: c.data, timeoutMs: c.timeoutMs, ...(clientProxy ? {} : { firstTrace: t, ...(service ? { service: { namespace: sv, name: svcName } } : {}) }),
  });
  return meshCurlResult(ctx, pod, url, host, port, c, r, t);
}

function meshCurlResult(ctx: ExecContext, pod: string, url: URL, host: string, port: number, c: CurlArgs, r: MeshHttpResult, first: TraceResult): ExecResult {
  const t = r.trace ?? first;
  const meshText = r.lines.length ? r.lines.map((l) => `    mesh: ${l}`).join('\n') + '\n' : '';
  const explain = traceText(t) + meshText + `trace id ${r.traceId}\n`;
  const status = r.answer?.status;
  const denied = r.evaluation.allowed === false && (status === 403 || status === 401 || r.kind === 'reset');
  ctx.record({
    source: pod, destination: url.toString(), protocol: 'HTTP',
    verdict: r.kind === 'dropped' || denied ? 'dropped' : r.kind !== 'response' || (status ?? 0) >= 500 ? 'error' : 'delivered', via: 'exec',
    ...(r.tries.at(-1)?.pod && r.kind === 'response' && r.answeredBy === 'app' ? { pod: r.tries.at(-1)!.pod } : {}),
    ...(status !== undefined ? { status } : {}),
    reason: r.kind === 'response' ? `HTTP ${status}${r.responseFlags !== '-' ? ` (${r.responseFlags})` : ''}${denied ? `: ${r.evaluation.reason}` : ''}` : r.kind === 'dropped' ? t.dropReason ?? 'dropped' : `${r.kind}: ${r.evaluation.reason}`,
    hops: [...t.hops.map((h) => ({ step: h.step, ...(h.node ? { node: h.node } : {}), text: h.text })), ...r.lines.map((l) => ({ step: 'mesh', text: l }))],
    snapshot: ctx.snapshot.version,
  });
  if (r.kind === 'dropped') {
    const policies = decidingPolicies(t);
    const why = policies.length ? `\n(denied by ${policies.join(', ')})` : '';
    if (t.hops.at(-1)?.text.startsWith('REJECTED')) return { stdout: '', stderr: `curl: (7) Failed to connect to ${host} port ${port}: Connection refused${why}\n` + explain, exitCode: 7, trace: t };
    return { stdout: '', stderr: `curl: (28) Connection timed out after ${c.timeoutMs} milliseconds${why}\n` + explain, exitCode: 28, trace: t };
  }
  if (r.kind === 'reset') return { stdout: '', stderr: `curl: (56) Recv failure: Connection reset by peer\n(${r.evaluation.reason})\n` + explain, exitCode: 56, trace: t };
  if (r.kind === 'timeout') return { stdout: '', stderr: `curl: (28) Operation timed out after ${c.timeoutMs} milliseconds with 0 bytes received\n` + explain, exitCode: 28, trace: t };
  const a = r.answer!;
  const head = `HTTP/1.1 ${a.status} ${a.statusText}\n` + Object.entries(a.headers).map(([k, v]) => `${k}: ${v}`).join('\n') + '\n\n';
  return { stdout: (c.include || c.head ? head : '') + (c.head ? '' : a.body), stderr: explain, exitCode: 0, trace: t };
}

/** The request headers curl sends (`-H` ones last, as curl lets them replace its own). */
function curlHeaders(c: CurlArgs, url: URL): Record<string, string> {
  const headers: Record<string, string> = { host: url.host, 'user-agent': 'curl/8.5.0', accept: '*/*', ...c.headers };
  if (c.data !== undefined) headers['content-type'] ??= 'application/x-www-form-urlencoded';
  return headers;
}

/** A whole answer: status, headers (one string per name) and the body as text. */
function readAnswer(res: http.IncomingMessage): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (d: Buffer) => chunks.push(d));
    res.on('error', reject);
    res.on('end', () => resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: flatHeaders(res.headers), body: Buffer.concat(chunks).toString('utf8') }));
  });
}

/** One HTTP request to a virtual pod for the mesh runtime, settled within `budgetMs`. */
export function sendToPod(target: { host: string; port: number } | undefined, req: { method: string; path: string; headers: Record<string, string>; body?: string }, budgetMs: number, srcIP: string): Promise<HttpAnswer | { error: 'timeout' | 'reset' | 'refused' }> {
  if (!target) return Promise.resolve({ error: 'refused' });
  return new Promise((resolve) => {
    let settled = false;
    const settle = (v: HttpAnswer | { error: 'timeout' | 'reset' | 'refused' }) => { if (!settled) { settled = true; clearTimeout(timer); resolve(v); } };
    const r = http.request({ host: target.host, port: target.port, method: req.method, path: req.path, headers: { ...req.headers, [SOURCE_HEADER]: srcIP }, agent: false });
    const timer = setTimeout(() => { settle({ error: 'timeout' }); r.destroy(); }, budgetMs);
    r.on('error', (e: NodeJS.ErrnoException) => settle({ error: e.code === 'ECONNREFUSED' ? 'refused' : 'reset' }));
    r.on('response', (res) => { readAnswer(res).then(settle, () => settle({ error: 'reset' })); });
    r.end(req.body);
  });
}

function send(target: { host: string; port: number }, tls: boolean, c: CurlArgs, url: URL, srcIP: string): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const headers = { ...curlHeaders(c, url), [SOURCE_HEADER]: srcIP };
    const opts = { host: target.host, port: target.port, method: c.head ? 'HEAD' : c.method ?? 'GET', path: url.pathname + url.search, headers, timeout: c.timeoutMs, agent: false as const };
    const req = tls
      ? https.request({ ...opts, servername: isIP(url.hostname) ? undefined : url.hostname, rejectUnauthorized: !c.insecure })
      : http.request(opts);
    req.on('timeout', () => req.destroy(new Error('Operation timed out')));
    req.on('error', reject);
    req.on('response', (res) => { readAnswer(res).then(resolve, reject); });
    req.end(c.data);
  });
}
