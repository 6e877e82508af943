// One HTTP request from a pod of a live cluster, by exec (`podnet test --context`'s routes and mesh requests): curl's
// command line, and the reading of what it printed. One exec gives the status, the Location header and the first
// line of the body: curl writes the body to stdout, then its --write-out line after it, behind a marker. Pure: the
// exec is live-referee.ts's.
import { outcomeOfCurl } from '../util/curl.js';
import type { ConnectAttempt } from '../verify/compare.js';
import type { ConnectFlow } from '../verify/flows.js';

/** Starts the --write-out line that follows the body: `podnet-http: STATUS LOCATION`. */
export const WRITE_OUT_MARK = 'podnet-http:';
/** How long one request may take in all (connecting is bounded by the probe plan's timeout, as a connection's is). */
export const HTTP_MAX_TIME_MS = 10_000;

export type HttpFlow = ConnectFlow & { request: NonNullable<ConnectFlow['request']> };

const seconds = (ms: number) => String(Math.max(ms, 1) / 1000);
const DEFAULT_PORT = { http: 80, https: 443 } as const;

/**
 * `curl -s -S -k …` from the pod to flow.host:flow.port with the request's method, Host (and SNI) and headers. The URL
 * keeps the request's host name and `--resolve` sends it to flow.host (a ClusterIP) when that is another address, so
 * the TLS handshake carries the name as the edge expects it. -k: the edge's certificate is not what is checked.
 */
export function curlCommand(flow: HttpFlow, { connectTimeoutMs, maxTimeMs = HTTP_MAX_TIME_MS }: { connectTimeoutMs: number; maxTimeMs?: number }): string[] {
  const r = flow.request;
  let name: string;
  try { name = new URL(`${r.scheme}://${r.host}`).hostname; } catch { throw new Error(`"${r.host}" is not a host name for an HTTP request`); }
  const bare = name.replace(/^\[(.*)\]$/, '$1');
  const argv = ['curl', '-s', '-S', '-k', '--connect-timeout', seconds(connectTimeoutMs), '-m', seconds(Math.max(maxTimeMs, connectTimeoutMs))];
  const method = (r.method ?? 'GET').toUpperCase();
  // curl -X HEAD would wait for a body that never comes: -I asks for the head alone (its headers thrown away here).
  if (method === 'HEAD') argv.push('-I', '-o', '/dev/null');
  else if (method !== 'GET') argv.push('-X', method);
  if (bare !== flow.host) argv.push('--resolve', `${bare}:${flow.port}:${flow.host.includes(':') ? `[${flow.host}]` : flow.host}`);
  const sent = flow.port === DEFAULT_PORT[r.scheme] ? name : `${name}:${flow.port}`;
  if (r.host.toLowerCase() !== sent.toLowerCase()) argv.push('-H', `Host: ${r.host}`);
  for (const [k, v] of Object.entries(r.headers ?? {})) {
    if (k.toLowerCase() === 'host') continue;
    // `-H 'K:'` would remove the header; `K;` sends it empty.
    argv.push('-H', v === '' ? `${k};` : `${k}: ${v}`);
  }
  // curl would expand [] and {} as its URL globs and squash /./ and /../: the path goes as written.
  if (/[[\]{}]/.test(r.path)) argv.push('-g');
  if (/(^|\/)\.\.?(\/|$|\?)/.test(r.path)) argv.push('--path-as-is');
  // linkerd-proxy says why it refused a request in a header, not the body: `l5d-proxy-error`, after a tab.
  argv.push('-w', `\\n${WRITE_OUT_MARK} %{http_code} %header{location}\\t%header{l5d-proxy-error}\\n`, `${r.scheme}://${sent}${r.path}`);
  return argv;
}

/** The pod an answer's first body line names: the lab's agents answer `pod NS/NAME (IP:PORT on NODE) answered …`. */
export function podOfAnswer(line: string | undefined): string | undefined {
  return line?.match(/^pod [^/\s]+\/([^\s(]+) \(/)?.[1];
}

/**
 * What curl printed as the attempt's outcome: an HTTP answer (`allowed`) with its status, Location and the first line
 * of its body (`answer`, and `hostname` when it names the pod that answered), or how the connection ended by curl's
 * exit code, with curl's own message.
 */
export function curlAnswer(code: number, stdout: string, stderr: string): ConnectAttempt {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  // curl's own `curl: (N) …` line, where a wrapper (the lab's tools print a trace) wrote more around it.
  const said = lines.find((l) => /^curl: \(\d+\)/.test(l)) ?? lines.pop();
  const detail = `curl exited ${code}${said ? `: ${said}` : ''}`;
  const at = stdout.lastIndexOf(`\n${WRITE_OUT_MARK} `);
  const tail = at < 0 ? undefined : stdout.slice(at + WRITE_OUT_MARK.length + 2).replace(/\r?\n$/, '');
  const m = tail?.match(/^(\d{3}) ?([^\t]*)(?:\t(.*))?$/);
  const status = m ? Number(m[1]) : 0;
  if (!m || status === 0) {
    if (code === 0) return { outcome: 'error', detail: `curl printed no status line${m || at >= 0 ? '' : ` (${WRITE_OUT_MARK} missing)`}` };
    const outcome = outcomeOfCurl(code);
    // Not a connection's fate: curl's message says what went wrong (a name it could not resolve, a bad option…).
    return { outcome: outcome === 'unresolved' || outcome === 'allowed' ? 'error' : outcome, detail };
  }
  const body = stdout.slice(0, at);
  const answer = body === '' ? undefined : body.split('\n')[0].replace(/\r$/, '');
  const hostname = podOfAnswer(answer);
  // A curl before 7.84 (an app's own image, with --probe exec) prints `%header{NAME}` as written: no header was read.
  const unread = [m[2], m[3]].some((v) => v?.startsWith('%header{'));
  const header = (v: string | undefined) => (v && !v.startsWith('%header{') ? v : undefined);
  const [location, proxyError] = [header(m[2]), header(m[3])];
  const notes = [...(code !== 0 ? [detail] : []), ...(unread ? ['curl older than 7.84 prints no response headers (--write-out %header{}): Location and l5d-proxy-error not read'] : [])];
  return {
    outcome: 'allowed', status, ...(location ? { location } : {}), ...(proxyError ? { proxyError } : {}), ...(hostname ? { hostname } : {}), ...(answer !== undefined ? { answer } : {}),
    // An answer cut short (-m past the head) still has its status: curl's exit says how it ended.
    ...(notes.length ? { detail: notes.join('; ') } : {}),
  };
}
