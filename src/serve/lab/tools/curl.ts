// curl 8.5 (Ubuntu 24.04's, and what `curl/8.5.0` says) run from a pod: its output streams as they are under
// `kubectl exec POD -- curl …` (stdout is a pipe, so the progress meter shows on stderr unless -s), its -v lines, exit
// codes and error lines (lib/connect.c, multi.c, http.c, transfer.c, url.c; src/tool_*.c), -w, -i/-I, -o, -f, -L.
// The network's answer is the model's (http-exchange.ts). What the lab cannot do is said after the output:
// - -o FILE: the pod's filesystem is not modelled; the body is discarded (as with /dev/null) and the note says so.
// - A dropped connection is not waited out: the message carries the wait a real curl would see (the kernel's SYN
//   retries, 127 s with net.ipv4.tcp_syn_retries = 6, or --connect-timeout / -m when shorter).
// - Without -m the lab stops waiting for an answer after 10 s.
import { ExecInputError, hostPort, KERNEL_CONNECT_TIMEOUT_MS, LAB_WAIT_MS, seedOf, toolResult, type ExecContext, type ExecResult } from './common.js';
import { CURL_VERSION, parseCurl, type CurlOptions } from './curl-args.js';
import { meterLine, METER_HEADER, writeOut, type WriteOutValues } from './curl-output.js';
import { exchange, wireBodyBytes, type HttpExchange, type OpenConnection, type WireAnswer } from './http-exchange.js';
import { minOf } from '../../../util/arrays.js';

/** glibc's resolver: timeout:5, attempts:2 for each name it tries. */
const RESOLVER_TRY_MS = 10_000;

interface Run {
  o: CurlOptions;
  out: string;
  err: string;
  explain: string;
  verbose(line: string): void;
}

export async function curl(ctx: ExecContext, pod: string, args: string[]): Promise<ExecResult> {
  const parsed = parseCurl(args);
  if (!parsed.ok) return toolResult('', parsed.stderr, parsed.exitCode, '');
  const o = parsed.options;
  const run: Run = { o, out: '', err: o.silent ? '' : parsed.warnings.join(''), explain: '', verbose(line) { if (o.verbose) this.err += `* ${line}\n`; } };
  const url = parseUrl(o.url);
  if (typeof url === 'object' && 'code' in url) return finish(ctx, run, url.code, url.message, undefined, emptyValues(o, ''));

  const method = o.request ?? (o.head ? 'HEAD' : o.data !== undefined ? 'POST' : 'GET');
  for (const [key, ip] of o.resolve) run.verbose(`Added ${key}:${ip} to DNS cache`);
  if (!o.silent) run.err += `${METER_HEADER}\r${meterLine({ down: 0, up: 0, elapsedMs: 0 })}`;

  let current = url;
  let currentMethod = method;
  let body = o.data;
  let connection: OpenConnection | undefined;
  let connections = 0;
  let redirects = 0;
  let last: HttpExchange | undefined;
  let localPort = 0;
  for (;;) {
    const port = Number(current.port || (current.protocol === 'https:' ? 443 : 80));
    const host = current.hostname.replace(/^\[|\]$/g, '');
    const resolveTo = o.resolve.get(`${host.toLowerCase()}:${port}`);
    const reused = connection !== undefined && connection.origin === current.origin;
    if (reused) run.verbose(`Re-using existing connection with host ${host}`);
    const headers = requestHeaders(o, current, body);
    const ex = await exchange(ctx, pod, { url: current, method: currentMethod, headers: headers.map(([k, v]) => [k, v]), body, timeoutMs: o.maxTimeMs ?? LAB_WAIT_MS, insecure: o.insecure, ...(resolveTo ? { resolveTo } : {}), ...(o.family ? { family: o.family } : {}) }, reused ? connection : undefined);
    last = ex;
    run.explain += ex.explain;
    if (!reused) {
      connections++;
      localPort = 32768 + (seedOf(ctx) % 28232);
      if (ex.kind === 'unresolved') return resolveFailure(ctx, run, ex, values(o, current, currentMethod, ex, localPort, redirects, connections, 0));
      if (resolveTo) run.verbose(`Hostname ${host} was found in DNS cache`);
      else if (ex.addresses) {
        run.verbose(`Host ${host}:${port} was resolved.`);
        run.verbose(`IPv6: ${ex.addresses.v6.join(', ') || '(none)'}`);
        run.verbose(`IPv4: ${ex.addresses.v4.join(', ') || '(none)'}`);
      }
      run.verbose(`  Trying ${hostPort(ex.ip ?? host, port)}...`);
      const failed = connectFailure(ctx, run, ex, values(o, current, currentMethod, ex, localPort, redirects, connections, 0), localPort);
      if (failed) return failed;
      run.verbose(`Connected to ${host} (${ex.ip}) port ${port}`);
      if (ex.kind === 'cert') return transferFailure(ctx, run, ex, values(o, current, currentMethod, ex, localPort, redirects, connections, 0));
    }
    const sent = `${currentMethod} ${current.pathname}${current.search} HTTP/1.1\r\n` + headers.map(([, , line]) => `${line}\r\n`).join('') + '\r\n';
    if (o.verbose) run.err += sent.split('\r\n').slice(0, -1).map((l) => `> ${l}\r\n`).join('') + (body ? `} [${Buffer.byteLength(body)} bytes data]\n` : '');
    const v = values(o, current, currentMethod, ex, localPort, redirects, connections, Buffer.byteLength(sent) + Buffer.byteLength(body ?? ''));
    if (ex.kind !== 'response') return transferFailure(ctx, run, ex, v);
    const a = ex.answer!;
    const head = `HTTP/${a.httpVersion} ${a.status} ${a.statusText}\r\n` + a.rawHeaders.map(([k, val]) => `${k}: ${val}\r\n`).join('') + '\r\n';
    if (o.verbose) run.err += head.split('\r\n').slice(0, -1).map((l) => `< ${l}\r\n`).join('');
    if (o.include || o.head) emit(run, head);
    const location = a.rawHeaders.find(([k]) => k.toLowerCase() === 'location')?.[1];
    const follow = o.location && a.status >= 300 && a.status < 400 && location !== undefined;
    const bodyBytes = currentMethod === 'HEAD' ? 0 : Buffer.byteLength(a.body);
    if (o.fail && a.status >= 400 && !follow) {
      run.verbose(`The requested URL returned error: ${a.status}`);
      return finish(ctx, run, 22, `The requested URL returned error: ${a.status}`, ex, { ...v, sizeDownload: 0 }, { expectedDown: contentLength(a), down: 0, up: Buffer.byteLength(body ?? ''), elapsedMs: ex.timing.total });
    }
    if (follow) {
      run.verbose('Ignoring the response-body');
      if (o.verbose && wireBodyBytes(a)) run.err += `{ [${wireBodyBytes(a)} bytes data]\n`;
      run.verbose(`Connection #${connections - 1} to host ${host} left intact`);
      let next: URL;
      try { next = new URL(location!, current); } catch { return finish(ctx, run, 3, 'URL rejected: Malformed input to a URL function', ex, v); }
      if (o.maxRedirs >= 0 && redirects >= o.maxRedirs) return finish(ctx, run, 47, `Maximum (${o.maxRedirs}) redirects followed`, ex, v);
      redirects++;
      run.verbose(`Issue another request to this URL: '${next.toString()}'`);
      if (!o.request && ((a.status === 303 && currentMethod !== 'HEAD') || ((a.status === 301 || a.status === 302) && currentMethod === 'POST'))) { currentMethod = 'GET'; body = undefined; }
      connection = ex.connection;
      current = next;
      continue;
    }
    if (!o.head && currentMethod !== 'HEAD') emit(run, a.body);
    if (o.verbose && bodyBytes) run.err += `{ [${wireBodyBytes(a)} bytes data]\n`;
    if (o.output && o.output !== '/dev/null' && o.output !== '-') run.explain += `podnet: -o ${o.output}: the pod's filesystem is not modelled; the ${bodyBytes}-byte body was discarded\n`;
    const done = { ...v, sizeDownload: bodyBytes, redirectUrl: a.status >= 300 && a.status < 400 && location ? safeUrl(location, current) : '' };
    if (!o.silent) run.err += `\r${meterLine({ expectedDown: currentMethod === 'HEAD' ? undefined : contentLength(a), down: bodyBytes, up: Buffer.byteLength(body ?? ''), elapsedMs: ex.timing.total })}\n`;
    run.verbose(`Connection #${connections - 1} to host ${host} left intact`);
    writeOutTo(run, done);
    return toolResult(run.out, run.err, 0, run.explain, last.trace ? { trace: last.trace } : {});
  }
}

/** Body and -i headers go to stdout, or nowhere with -o (the pod's file, not modelled; /dev/null discards). */
function emit(run: Run, text: string): void {
  if (!run.o.output || run.o.output === '-') run.out += text;
}

function writeOutTo(run: Run, v: WriteOutValues): void {
  if (run.o.writeOut === undefined) return;
  const w = writeOut(run.o.writeOut, v);
  run.out += w.out;
  run.err += w.err;
}

function contentLength(a: WireAnswer): number | undefined {
  const v = a.rawHeaders.find(([k]) => k.toLowerCase() === 'content-length')?.[1];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

function safeUrl(location: string, base: URL): string {
  try { return new URL(location, base).toString(); } catch { return ''; }
}

/** curl's URL handling (lib/urlapi.c): no scheme means http, only http and https are carried by the lab. */
function parseUrl(text: string): URL | { code: number; message: string } {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  const scheme = withScheme.slice(0, withScheme.indexOf(':')).toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return { code: 1, message: `Protocol "${scheme}" not supported or disabled in libcurl` };
  const port = withScheme.match(/^\w+:\/\/(?:\[[^\]]*\]|[^/:?#]*)(?::([^/?#]*))?/)?.[1];
  if (port !== undefined && port !== '' && (!/^\d+$/.test(port) || Number(port) > 65535)) return { code: 3, message: 'URL rejected: Port number was not a decimal number between 0 and 65535' };
  const noHost = /^\w+:\/\/(?:[:/?#]|$)/.test(withScheme);
  let u: URL;
  try { u = new URL(withScheme); } catch { return { code: 3, message: noHost ? 'URL rejected: No host part in the URL' : 'URL rejected: Malformed input to a URL function' }; }
  if (!u.hostname) return { code: 3, message: 'URL rejected: No host part in the URL' };
  return u;
}

/** The request's header lines: curl's own (Host, User-Agent, Accept), -H lines replacing or removing them, then the body's. */
export function requestHeaders(o: CurlOptions, url: URL, body: string | undefined): [string, string, string][] {
  const custom: { name: string; value: string; line: string; remove: boolean }[] = [];
  for (const h of o.headers) {
    const colon = h.indexOf(':');
    const semi = h.indexOf(';');
    if (colon > 0) {
      const value = h.slice(colon + 1).trim();
      custom.push({ name: h.slice(0, colon).trim(), value, line: h, remove: value === '' });
    } else if (semi > 0 && h.slice(semi + 1).trim() === '') custom.push({ name: h.slice(0, semi).trim(), value: '', line: `${h.slice(0, semi).trim()}:`, remove: false });
  }
  const has = (n: string) => custom.some((c) => c.name.toLowerCase() === n.toLowerCase());
  const out: [string, string, string][] = [];
  const own = (name: string, value: string) => { if (!has(name)) out.push([name, value, `${name}: ${value}`]); };
  const host = custom.find((c) => c.name.toLowerCase() === 'host');
  if (host) { if (!host.remove) out.push([host.name, host.value, host.line]); } else own('Host', url.host);
  if (o.userAgent !== '') own('User-Agent', o.userAgent ?? `curl/${CURL_VERSION}`);
  own('Accept', '*/*');
  for (const c of custom) if (!c.remove && c.name.toLowerCase() !== 'host') out.push([c.name, c.value, c.line]);
  if (body !== undefined) {
    own('Content-Length', String(Buffer.byteLength(body)));
    own('Content-Type', 'application/x-www-form-urlencoded');
  }
  return out;
}

function values(o: CurlOptions, url: URL, method: string, ex: HttpExchange, localPort: number, redirects: number, connects: number, sizeRequest: number): WriteOutValues {
  const a = ex.answer;
  const s = (ms: number) => ms / 1000;
  const connected = ex.kind === 'response' || ex.kind === 'timeout' || ex.kind === 'reset';
  const head = a ? `HTTP/${a.httpVersion} ${a.status} ${a.statusText}\r\n` + a.rawHeaders.map(([k, v]) => `${k}: ${v}\r\n`).join('') + '\r\n' : '';
  return {
    httpCode: a?.status ?? 0, remoteIP: connected ? ex.ip ?? '' : '', remotePort: connected ? ex.port : 0,
    localIP: connected ? ex.srcIP : '', localPort: connected ? localPort : 0,
    times: { namelookup: 0, connect: s(ex.timing.connect), appconnect: url.protocol === 'https:' ? s(ex.timing.connect) : 0, pretransfer: s(ex.timing.connect), starttransfer: s(ex.timing.start), redirect: 0, total: s(ex.timing.total) },
    sizeDownload: 0, sizeUpload: Buffer.byteLength(o.data ?? ''), sizeHeader: Buffer.byteLength(head), sizeRequest,
    urlEffective: url.toString(), url: o.url, redirectUrl: '', exitCode: 0, errorMessage: '', numRedirects: redirects, numConnects: connects,
    contentType: a?.rawHeaders.find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? '', method,
    scheme: connected ? url.protocol.replace(':', '').toUpperCase() : '', httpVersion: a ? a.httpVersion : '', headers: a?.rawHeaders ?? [],
    ...(o.output ? { outputFile: o.output } : {}),
  };
}

function emptyValues(o: CurlOptions, url: string): WriteOutValues {
  return {
    httpCode: 0, remoteIP: '', remotePort: 0, localIP: '', localPort: 0, times: { namelookup: 0, connect: 0, appconnect: 0, pretransfer: 0, starttransfer: 0, redirect: 0, total: 0 },
    sizeDownload: 0, sizeUpload: 0, sizeHeader: 0, sizeRequest: 0, urlEffective: url, url: o.url, redirectUrl: '', exitCode: 0, errorMessage: '', numRedirects: 0, numConnects: 0,
    contentType: '', method: '', scheme: '', httpVersion: '', headers: [],
  };
}

/** Ends the run with curl's error: `* msg` with -v, the meter's last line, `curl: (N) msg` unless -s without -S. */
function finish(ctx: ExecContext, run: Run, code: number, message: string, ex: HttpExchange | undefined, v: WriteOutValues, m?: Parameters<typeof meterLine>[0], note: string[] = []): ExecResult {
  void ctx;
  const o = run.o;
  if (!o.silent && run.err.includes(METER_HEADER)) run.err += `\r${meterLine(m ?? { down: 0, up: 0, elapsedMs: v.times.total * 1000 })}\n`;
  if (ex) run.verbose('Closing connection');
  writeOutTo(run, { ...v, exitCode: code, errorMessage: message });
  if (!o.silent || o.showError) run.err += `curl: (${code}) ${message}\n` + note.map((n) => `(${n})\n`).join('');
  return toolResult(run.out, run.err, code, run.explain, ex?.trace ? { trace: ex.trace } : {});
}

function timeoutOf(o: CurlOptions): number | undefined {
  const t = [o.connectTimeoutMs, o.maxTimeMs].filter((x): x is number => x !== undefined && x > 0);
  return t.length ? minOf(t) : undefined;
}

function resolveFailure(ctx: ExecContext, run: Run, ex: HttpExchange, v: WriteOutValues): ExecResult {
  const tried = ex.trace?.to.endsWith(':53') ? ctx.snapshot.dns.resolveFromPod(ex.trace.from, ex.host, 'A').tried.length : 0;
  const limit = run.o.maxTimeMs;
  const note = ex.policies.length ? [`denied by ${ex.policies.join(', ')}`] : [];
  if (tried > 0) {
    const wait = tried * RESOLVER_TRY_MS;
    if (limit !== undefined && limit < wait) {
      run.verbose(`Resolving timed out after ${limit} milliseconds`);
      run.explain += `podnet: the DNS query is dropped; -m ${limit / 1000} ends the wait first (the lab answers at once)\n`;
      return finish(ctx, run, 28, `Resolving timed out after ${limit} milliseconds`, ex, { ...v, times: { ...v.times, total: limit / 1000 } }, undefined, note);
    }
    run.explain += `podnet: the DNS query is dropped; a real resolver gives up after ${wait / 1000} s (glibc: timeout 5 s × 2 attempts for each of the ${tried} names it tries); the lab answers at once\n`;
    v = { ...v, times: { ...v.times, total: wait / 1000 } };
  }
  run.verbose(`Could not resolve host: ${ex.host}`);
  return finish(ctx, run, 6, `Could not resolve host: ${ex.host}`, ex, v, undefined, note);
}

function connectFailure(ctx: ExecContext, run: Run, ex: HttpExchange, v: WriteOutValues, localPort: number): ExecResult | undefined {
  const o = run.o;
  const where = `${ex.host} port ${ex.port}`;
  const note = ex.policies.length ? [`denied by ${ex.policies.join(', ')}`] : [];
  const refused = (extra: string[]) => {
    run.verbose(`connect to ${ex.ip} port ${ex.port} from ${ex.srcIP} port ${localPort} failed: Connection refused`);
    run.verbose(`Failed to connect to ${where} after 0 ms: Couldn't connect to server`);
    return finish(ctx, run, 7, `Failed to connect to ${where} after 0 ms: Couldn't connect to server`, ex, v, undefined, [...note, ...extra]);
  };
  switch (ex.kind) {
    case 'refused': return refused([]);
    case 'no-listener': return refused([`nothing listens on ${hostPort(ex.ip ?? ex.host, ex.port)} in the lab`]);
    case 'outside': return refused(['the destination is outside the cluster: the lab sends no traffic there']);
    case 'unreachable': {
      const limit = timeoutOf(o);
      if (limit !== undefined && limit < KERNEL_CONNECT_TIMEOUT_MS) {
        run.verbose(`Connection timed out after ${limit} milliseconds`);
        run.explain += `podnet: the connection is dropped; a real curl waits ${limit / 1000} s (${o.connectTimeoutMs === limit ? '--connect-timeout' : '-m'}) for it; the lab answers at once\n`;
        return finish(ctx, run, 28, `Connection timed out after ${limit} milliseconds`, ex, { ...v, times: { ...v.times, total: limit / 1000 } }, undefined, note);
      }
      run.verbose(`connect to ${ex.ip} port ${ex.port} from ${ex.srcIP} port ${localPort} failed: Connection timed out`);
      const msg = `Failed to connect to ${where} after ${KERNEL_CONNECT_TIMEOUT_MS} ms: Couldn't connect to server`;
      run.verbose(msg);
      run.explain += `podnet: the connection is dropped; a real curl waits ${KERNEL_CONNECT_TIMEOUT_MS / 1000} s for it (the kernel's SYN retries, net.ipv4.tcp_syn_retries = 6); the lab answers at once\n`;
      return finish(ctx, run, 28, msg, ex, { ...v, times: { ...v.times, total: KERNEL_CONNECT_TIMEOUT_MS / 1000 } }, undefined, note);
    }
    case 'tls-plain':
      run.verbose(`Connected to ${ex.host} (${ex.ip}) port ${ex.port}`);
      return finish(ctx, run, 35, 'OpenSSL/3.0.13: error:0A00010B:SSL routines::wrong version number', ex, v, undefined, ex.detail ? [ex.detail] : []);
    default: return undefined;
  }
}

function transferFailure(ctx: ExecContext, run: Run, ex: HttpExchange, v: WriteOutValues): ExecResult {
  switch (ex.kind) {
    case 'cert': {
      const msg = `SSL certificate problem: ${ex.detail ?? 'unable to get local issuer certificate'}`;
      run.verbose(msg);
      const more = 'More details here: https://curl.se/docs/sslcerts.html\n\ncurl failed to verify the legitimacy of the server and therefore could not\nestablish a secure connection to it. To learn more about this situation and\nhow to fix it, please visit the web page mentioned above.\n';
      const r = finish(ctx, run, 60, msg, ex, v);
      return !run.o.silent || run.o.showError ? { ...r, stderr: r.stderr.replace(`curl: (60) ${msg}\n`, `curl: (60) ${msg}\n${more}`) } : r;
    }
    case 'reset':
      run.verbose('Recv failure: Connection reset by peer');
      return finish(ctx, run, 56, 'Recv failure: Connection reset by peer', ex, v, undefined, ex.detail ? [ex.detail] : []);
    case 'timeout': {
      const limit = run.o.maxTimeMs ?? LAB_WAIT_MS;
      if (run.o.maxTimeMs === undefined) run.explain += `podnet: no -m given: the lab stopped waiting after ${LAB_WAIT_MS / 1000} s (a real curl would keep waiting)\n`;
      const msg = `Operation timed out after ${limit} milliseconds with 0 bytes received`;
      run.verbose(msg);
      return finish(ctx, run, 28, msg, ex, { ...v, times: { ...v.times, total: limit / 1000 } });
    }
    default: throw new ExecInputError(`curl: unexpected outcome ${ex.kind}`);
  }
}

