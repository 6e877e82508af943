// wget as BusyBox 1.36 prints it (networking/wget.c, libbb/progress.c, libbb/xconnect.c): `wget [-qS] [-O FILE]
// [-T SEC] [--spider] [--header STR] [--post-data STR] [-U AGENT] URL`, getopt_long so `--timeout=5` works. Errors
// (`wget: server returned error: HTTP/1.1 503 Service Unavailable`, `wget: bad address 'x'`) print even with -q.
// -O FILE (other than -) is the pod's filesystem, which the lab does not model: the body is discarded and said so.
import { joinHostPort } from '../../../util/text.js';
import { parseArgv, supportedList, type OptionSpec } from './argv.js';
import { KERNEL_CONNECT_TIMEOUT_MS, LAB_WAIT_MS, toolResult, type ExecContext, type ExecResult } from './common.js';
import { exchange } from './http-exchange.js';

const OPTIONS: OptionSpec[] = [
  { key: 'q', short: 'q', long: 'quiet' },
  { key: 'O', short: 'O', long: 'output-document', value: true },
  { key: 'S', short: 'S', long: 'server-response' },
  { key: 'T', short: 'T', long: 'timeout', value: true },
  { key: 'spider', long: 'spider' },
  { key: 'header', long: 'header', value: true },
  { key: 'postData', long: 'post-data', value: true },
  { key: 'U', short: 'U', long: 'user-agent', value: true },
  { key: 'noCheck', long: 'no-check-certificate' },
  { key: 'o', short: 'o', long: 'output-file', value: true },
  { key: 'c', short: 'c', long: 'continue' },
  { key: 'Y', short: 'Y', long: 'proxy', value: true },
];

const USAGE = "BusyBox v1.36.1 (2024-06-10 07:11:47 UTC) multi-call binary.\n\nUsage: wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR]\n\t[--post-data STR | --post-file FILE] [-Y on/off]\n\t[--no-check-certificate] [-P DIR] [-U AGENT] [-T SEC] URL...\n\nRetrieve files via HTTP or FTP\n";
const MAX_REDIRECTS = 16;

/** libbb smart_ulltoa5: 5 columns, scaled with k, M, G past 99999. */
function ulltoa5(n: number): string {
  if (n <= 99999) return String(n).padStart(5);
  let v = n * 10;
  let idx = 0;
  do { v = Math.floor(v / 1024); idx++; } while (v >= 100000);
  const u = Math.floor(v / 10);
  const scale = ' kMGTPEZY'[idx];
  return u >= 100 ? `${String(u).padStart(4)}${scale}` : `${String(u).padStart(2)}.${v % 10}${scale}`;
}

/** The progress line on a non-terminal stderr, at the end of the transfer (bb_progress_update, 80 columns). */
function progressLine(name: string, bytes: number, total: number | undefined): string {
  const file = name.length > 20 ? name.slice(0, 20) : name.padEnd(20);
  if (!total) return `${file} ${ulltoa5(bytes)} --:--:-- ETA\n`;
  const pct = Math.floor((100 * bytes) / total);
  const stars = Math.floor((32 * bytes) / total);
  return `${file} ${String(pct).padStart(3)}% |${'*'.repeat(stars).padEnd(32)}| ${ulltoa5(bytes)}${bytes ? '  0:00:00' : ' --:--:--'} ETA\n`;
}

export async function wget(ctx: ExecContext, pod: string, args: string[]): Promise<ExecResult> {
  const p = parseArgv(args, OPTIONS, { longEquals: true });
  if (!p.ok) {
    const what = p.error === 'unknown' ? (p.name.startsWith('--') ? `wget: unrecognized option '${p.name}'\n` : `wget: invalid option -- '${p.name.slice(1)}'\n`) : `wget: option requires an argument -- '${p.name.replace(/^-+/, '')}'\n`;
    return toolResult('', what + USAGE, 1, `podnet: the lab's wget supports ${supportedList(OPTIONS, { O: 'FILE', T: 'SEC', header: 'STR', postData: 'STR', U: 'AGENT', o: 'LOGFILE', Y: 'on/off' })}\n`);
  }
  const opt = (k: string) => p.options.filter((o) => o.key === k);
  const quiet = opt('q').length > 0;
  const show = opt('S').length > 0;
  const spider = opt('spider').length > 0;
  const output = opt('O').at(-1)?.value;
  const timeoutText = opt('T').at(-1)?.value;
  if (timeoutText !== undefined && !/^\d+$/.test(timeoutText)) return toolResult('', `wget: invalid number '${timeoutText}'\n`, 1, '');
  const timeoutMs = timeoutText !== undefined && Number(timeoutText) > 0 ? Number(timeoutText) * 1000 : undefined;
  const post = opt('postData').at(-1)?.value;
  if (p.operands.length === 0) return toolResult('', USAGE, 1, '');
  if (p.operands.length > 1) return toolResult('', `wget: the podnet lab's wget takes one URL (got ${p.operands.length})\n`, 1, '');
  let url: URL;
  try { url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(p.operands[0]) ? p.operands[0] : `http://${p.operands[0]}`); } catch { return toolResult('', `wget: bad address '${p.operands[0]}'\n`, 1, ''); }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return toolResult('', `wget: not an http or ftp url: ${p.operands[0]}\n`, 1, url.protocol === 'ftp:' ? 'podnet: the lab carries http and https only\n' : '');
  let err = '';
  let explain = '';
  // A Location starting with / stays on the resolved address (no new "Connecting to"); busybox opens a new connection either way.
  let sameServer = false;
  for (let redirects = 0; ; redirects++) {
    const headers: [string, string][] = [['Host', url.host], ['User-Agent', opt('U').at(-1)?.value ?? 'Wget'], ['Connection', 'close']];
    for (const h of opt('header')) { const i = h.value!.indexOf(':'); if (i > 0) headers.push([h.value!.slice(0, i).trim(), h.value!.slice(i + 1).trim()]); }
    if (post !== undefined) headers.push(['Content-Type', 'application/x-www-form-urlencoded'], ['Content-Length', String(Buffer.byteLength(post))]);
    const ex = await exchange(ctx, pod, { url, method: post !== undefined ? 'POST' : 'GET', headers, body: post, timeoutMs: Math.min(timeoutMs ?? LAB_WAIT_MS, LAB_WAIT_MS), insecure: opt('noCheck').length > 0 });
    explain += ex.explain;
    const result = (code: number, line: string, note = '') => toolResult('', err + line + note, code, explain, ex.trace ? { trace: ex.trace } : {});
    if (ex.kind === 'unresolved') return result(1, `wget: bad address '${url.hostname.replace(/^\[|\]$/g, '')}'\n`);
    const port = ex.port;
    const dotted = joinHostPort(String(ex.ip), port);
    if (!quiet && !sameServer) err += `Connecting to ${url.host} (${dotted})\n`;
    const why = ex.policies.length ? `(denied by ${ex.policies.join(', ')})\n` : '';
    const cannot = (reason: string) => result(1, ex.ip && !ex.ip.includes(':') ? `wget: can't connect to remote host (${ex.ip}): ${reason}\n` : `wget: can't connect to remote host: ${reason}\n`, why);
    switch (ex.kind) {
      case 'refused': return cannot('Connection refused');
      case 'no-listener': return cannot('Connection refused');
      case 'outside': return result(1, `wget: can't connect to remote host (${ex.ip}): Connection refused\n`, '(the destination is outside the cluster: the lab sends no traffic there)\n');
      case 'unreachable':
        if (timeoutMs !== undefined && timeoutMs < KERNEL_CONNECT_TIMEOUT_MS) { explain += `podnet: the connection is dropped; a real wget waits ${timeoutMs / 1000} s (-T) for it; the lab answers at once\n`; return result(1, 'wget: download timed out\n', why); }
        explain += `podnet: the connection is dropped; a real wget waits ${KERNEL_CONNECT_TIMEOUT_MS / 1000} s for it (the kernel's SYN retries); the lab answers at once\n`;
        return cannot('Connection timed out');
      case 'timeout':
        if (timeoutMs === undefined || timeoutMs > LAB_WAIT_MS) explain += `podnet: the lab stopped waiting after ${LAB_WAIT_MS / 1000} s (busybox wget waits ${timeoutMs ? timeoutMs / 1000 : 900} s)\n`;
        return result(1, 'wget: download timed out\n');
      case 'reset': return result(1, 'wget: error getting response: Connection reset by peer\n', ex.detail ? `(${ex.detail})\n` : '');
      case 'tls-plain': return result(1, 'wget: error getting response\n', ex.detail ? `(${ex.detail})\n` : '');
      case 'cert': return result(1, `wget: TLS error from peer (alert code 48): unknown CA\n`, ex.detail ? `(${ex.detail})\n` : '');
    }
    const a = ex.answer!;
    const status = `HTTP/${a.httpVersion} ${a.status} ${a.statusText}`;
    if (show) err += `  ${status}\n` + a.rawHeaders.map(([k, v]) => `  ${k}: ${v}\n`).join('') + '  \n';
    const location = a.rawHeaders.find(([k]) => k.toLowerCase() === 'location')?.[1];
    if ([301, 302, 303, 307, 308].includes(a.status) && location !== undefined) {
      if (redirects + 1 >= MAX_REDIRECTS) return result(1, 'wget: too many redirections\n');
      sameServer = location.startsWith('/');
      try { url = new URL(location, url); } catch { return result(1, `wget: bad address '${location}'\n`); }
      continue;
    }
    if (a.status !== 200 && a.status !== 204) return result(1, `wget: server returned error: ${status}\n`);
    if (spider) return toolResult('', err + (quiet ? '' : 'remote file exists\n'), 0, explain, ex.trace ? { trace: ex.trace } : {});
    const name = output ?? (decodeURIComponent(url.pathname.split('/').pop() ?? '') || 'index.html');
    const bytes = Buffer.byteLength(a.body);
    const total = Number(a.rawHeaders.find(([k]) => k.toLowerCase() === 'content-length')?.[1] ?? '') || undefined;
    if (!quiet) err += (name === '-' ? 'writing to stdout\n' : `saving to '${name}'\n`) + progressLine(name, bytes, total) + (name === '-' ? 'written to stdout\n' : `'${name}' saved\n`);
    if (name !== '-') explain += `podnet: ${name}: the pod's filesystem is not modelled; the ${bytes}-byte body was discarded\n`;
    return toolResult(name === '-' ? a.body : '', err, 0, explain, ex.trace ? { trace: ex.trace } : {});
  }
}
