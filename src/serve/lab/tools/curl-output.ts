// What curl 8.5 prints besides the body: the progress meter (lib/progress.c, shown on stderr when stdout is not a
// terminal and -s is not given: `kubectl exec POD -- curl` without -t), and --write-out (src/tool_writeout.c).

/** lib/progress.c max5data: a size in at most 5 columns. */
export function max5data(bytes: number): string {
  const K = 1024, M = K * K, G = M * K;
  if (bytes < 100000) return String(bytes).padStart(5);
  if (bytes < 10000 * K) return `${String(Math.floor(bytes / K)).padStart(4)}k`;
  if (bytes < 100 * M) return `${String(Math.floor(bytes / M)).padStart(2)}.${Math.floor((bytes % M) / (M / 10))}M`;
  if (bytes < 10000 * M) return `${String(Math.floor(bytes / M)).padStart(4)}M`;
  if (bytes < 100 * G) return `${String(Math.floor(bytes / G)).padStart(2)}.${Math.floor((bytes % G) / (G / 10))}G`;
  return `${String(Math.floor(bytes / G)).padStart(4)}G`;
}

/** lib/progress.c trspeed: bytes per second over the time spent (all of it per second when no time passed). */
export function transferSpeed(bytes: number, elapsedMs: number): number {
  return elapsedMs > 0 ? Math.floor((bytes * 1000) / elapsedMs) : bytes * 1_000_000;
}

/** lib/progress.c time2str: 8 columns, `--:--:--` for nothing. */
export function time2str(seconds: number): string {
  if (seconds <= 0) return '--:--:--';
  const h = Math.floor(seconds / 3600);
  if (h <= 99) {
    const m = Math.floor((seconds - h * 3600) / 60);
    const s = seconds - h * 3600 - m * 60;
    return `${String(h).padStart(2)}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
  }
  const d = Math.floor(seconds / 86400);
  return d <= 999 ? `${String(d).padStart(3)}d ${String(Math.floor((seconds - d * 86400) / 3600)).padStart(2, '0')}h` : `${String(d).padStart(7)}d`;
}

export const METER_HEADER = '  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n'
  + '                                 Dload  Upload   Total   Spent    Left  Speed\n';

export interface MeterState {
  /** Bytes expected down (Content-Length), when known. */
  expectedDown?: number;
  down: number;
  up: number;
  elapsedMs: number;
}

/** One meter line (no leading \r, no newline), as progress_meter() formats it. */
export function meterLine(s: MeterState): string {
  const secs = s.elapsedMs / 1000;
  const speed = (bytes: number) => transferSpeed(bytes, s.elapsedMs);
  const dl = speed(s.down);
  const ul = speed(s.up);
  const sizeUp = s.up;
  const expected = (s.expectedDown ?? s.down) + sizeUp;
  const pct = (part: number, whole: number) => (whole > 10000 ? Math.floor(part / Math.floor(whole / 100)) : whole > 0 ? Math.floor((part * 100) / whole) : 0);
  const dlPct = s.expectedDown !== undefined && dl > 0 ? pct(s.down, s.expectedDown) : 0;
  const ulPct = sizeUp > 0 && ul > 0 ? pct(s.up, sizeUp) : 0;
  const estimate = Math.max(s.expectedDown !== undefined && dl > 0 ? Math.floor(s.expectedDown / dl) : 0, sizeUp > 0 && ul > 0 ? Math.floor(sizeUp / ul) : 0);
  const spent = Math.floor(secs);
  const three = (n: number) => String(n).padStart(3);
  return `${three(pct(s.down + s.up, expected))} ${max5data(expected)}  ${three(dlPct)} ${max5data(s.down)}  ${three(ulPct)} ${max5data(s.up)}  ${max5data(dl)}  ${max5data(ul)} ${time2str(estimate)} ${time2str(spent)} ${time2str(estimate > 0 ? estimate - spent : 0)} ${max5data(dl)}`;
}

/** The whole meter for one transfer: header, the first (empty) update, the final one and the newline. */
export function meter(s: MeterState): string {
  return `${METER_HEADER}\r${meterLine({ down: 0, up: 0, elapsedMs: 0 })}\r${meterLine(s)}\n`;
}

export interface WriteOutValues {
  httpCode: number;
  remoteIP: string;
  remotePort: number;
  localIP: string;
  localPort: number;
  /** Seconds from the start. */
  times: { namelookup: number; connect: number; appconnect: number; pretransfer: number; starttransfer: number; redirect: number; total: number };
  sizeDownload: number;
  sizeUpload: number;
  sizeHeader: number;
  sizeRequest: number;
  urlEffective: string;
  url: string;
  redirectUrl: string;
  exitCode: number;
  errorMessage: string;
  numRedirects: number;
  numConnects: number;
  contentType: string;
  method: string;
  scheme: string;
  httpVersion: string;
  /** The last response's headers, for %header{name}. */
  headers: [string, string][];
  outputFile?: string;
}

const seconds6 = (s: number) => (Math.max(0, s)).toFixed(6);

/** The variables the lab fills; anything else curl knows is written as nothing and reported. */
function variable(name: string, v: WriteOutValues): string | undefined {
  const speed = (bytes: number) => String(transferSpeed(bytes, v.times.total * 1000));
  switch (name) {
    case 'http_code': case 'response_code': return String(v.httpCode).padStart(3, '0');
    case 'http_connect': return '000';
    case 'remote_ip': return v.remoteIP;
    case 'remote_port': return String(v.remotePort);
    case 'local_ip': return v.localIP;
    case 'local_port': return String(v.localPort);
    case 'time_namelookup': return seconds6(v.times.namelookup);
    case 'time_connect': return seconds6(v.times.connect);
    case 'time_appconnect': return seconds6(v.times.appconnect);
    case 'time_pretransfer': return seconds6(v.times.pretransfer);
    case 'time_starttransfer': return seconds6(v.times.starttransfer);
    case 'time_redirect': return seconds6(v.times.redirect);
    case 'time_total': return seconds6(v.times.total);
    case 'size_download': return String(v.sizeDownload);
    case 'size_upload': return String(v.sizeUpload);
    case 'size_header': return String(v.sizeHeader);
    case 'size_request': return String(v.sizeRequest);
    case 'speed_download': return speed(v.sizeDownload);
    case 'speed_upload': return speed(v.sizeUpload);
    case 'url_effective': return v.urlEffective;
    case 'url': return v.url;
    case 'redirect_url': return v.redirectUrl;
    case 'exitcode': return String(v.exitCode);
    case 'errormsg': return v.exitCode ? v.errorMessage : '';
    case 'num_redirects': return String(v.numRedirects);
    case 'num_connects': return String(v.numConnects);
    case 'num_headers': return String(v.headers.length);
    case 'content_type': return v.contentType;
    case 'method': return v.method;
    case 'scheme': return v.scheme;
    case 'http_version': return v.httpVersion;
    case 'filename_effective': return v.outputFile ?? '';
    case 'ssl_verify_result': case 'proxy_ssl_verify_result': case 'num_certs': case 'urlnum': case 'conn_id': case 'xfer_id': return '0';
    case 'referer': case 'certs': case 'ftp_entry_path': return '';
  }
  return undefined;
}

const KNOWN_UNEMULATED = new Set(['json', 'header_json', 'stderr', 'stdout', 'onerror']);

/** Expands a --write-out format: `%{var}`, `%header{name}`, `%%`, `\n` `\r` `\t`. Unknown variables go to stderr. */
export function writeOut(format: string, v: WriteOutValues): { out: string; err: string } {
  let out = '';
  let err = '';
  for (let i = 0; i < format.length;) {
    const c = format[i];
    if (c === '%' && i + 1 < format.length) {
      if (format[i + 1] === '%') { out += '%'; i += 2; continue; }
      if (format[i + 1] === '{') {
        const end = format.indexOf('}', i);
        if (end < 0) { out += '%{'; i += 2; continue; }
        const name = format.slice(i + 2, end);
        const value = variable(name, v);
        if (value !== undefined) out += value;
        else if (KNOWN_UNEMULATED.has(name) || /^urle?\./.test(name)) err += `curl: --write-out variable '${name}' is not emulated by the podnet lab\n`;
        else err += `curl: unknown --write-out variable: '${name}'\n`;
        i = end + 1;
        continue;
      }
      if (format.startsWith('header{', i + 1)) {
        const end = format.indexOf('}', i);
        if (end < 0) { out += '%header{'; i += 8; continue; }
        const name = format.slice(i + 8, end).toLowerCase();
        const hit = v.headers.find(([k]) => k.toLowerCase() === name);
        if (hit) out += hit[1];
        i = end + 1;
        continue;
      }
      out += format.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (c === '\\' && i + 1 < format.length) {
      const n = format[i + 1];
      out += n === 'n' ? '\n' : n === 'r' ? '\r' : n === 't' ? '\t' : `\\${n}`;
      i += 2;
      continue;
    }
    out += c;
    i++;
  }
  return { out, err };
}
