// curl's command line as curl 8.5 reads it (src/tool_getparam.c): short flags combine, long options take the next
// word (curl has no `--name=value`: `--max-time=5` is an unknown option), options and the URL mix in any order.
// Usage errors print curl's own lines (tool_msgs.c helpf / tool_helpers.c param2text) and exit 2.
import { parseArgv, supportedList, type OptionSpec } from './argv.js';

export const CURL_VERSION = '8.5.0';

export const CURL_OPTIONS: OptionSpec[] = [
  { key: 'silent', short: 's', long: 'silent' },
  { key: 'showError', short: 'S', long: 'show-error' },
  { key: 'verbose', short: 'v', long: 'verbose' },
  { key: 'include', short: 'i', long: 'include' },
  { key: 'head', short: 'I', long: 'head' },
  { key: 'output', short: 'o', long: 'output', value: true },
  { key: 'writeOut', short: 'w', long: 'write-out', value: true },
  { key: 'fail', short: 'f', long: 'fail' },
  { key: 'location', short: 'L', long: 'location' },
  { key: 'maxRedirs', long: 'max-redirs', value: true },
  { key: 'maxTime', short: 'm', long: 'max-time', value: true },
  { key: 'connectTimeout', long: 'connect-timeout', value: true },
  { key: 'request', short: 'X', long: 'request', value: true },
  { key: 'header', short: 'H', long: 'header', value: true },
  { key: 'userAgent', short: 'A', long: 'user-agent', value: true },
  { key: 'data', short: 'd', long: 'data', value: true },
  { key: 'dataRaw', long: 'data-raw', value: true },
  { key: 'dataBinary', long: 'data-binary', value: true },
  { key: 'insecure', short: 'k', long: 'insecure' },
  { key: 'resolve', long: 'resolve', value: true },
  { key: 'ipv4', short: '4', long: 'ipv4' },
  { key: 'ipv6', short: '6', long: 'ipv6' },
];

const VALUE_NAMES: Record<string, string> = { output: 'FILE', writeOut: 'FORMAT', maxRedirs: 'NUM', maxTime: 'SECONDS', connectTimeout: 'SECONDS', request: 'METHOD', header: '"NAME: VALUE"', userAgent: 'NAME', data: 'DATA', dataRaw: 'DATA', dataBinary: 'DATA', resolve: 'HOST:PORT:ADDR' };

export interface CurlOptions {
  url: string;
  silent: boolean;
  showError: boolean;
  verbose: boolean;
  include: boolean;
  head: boolean;
  output?: string;
  writeOut?: string;
  fail: boolean;
  location: boolean;
  maxRedirs: number;
  maxTimeMs?: number;
  connectTimeoutMs?: number;
  /** -X: sent verbatim (curl does not upper-case it). */
  request?: string;
  /** -H lines as typed, in order. */
  headers: string[];
  userAgent?: string;
  /** -d/--data-raw/--data-binary values joined with '&', as curl does. */
  data?: string;
  insecure: boolean;
  /** HOST:PORT → address. */
  resolve: Map<string, string>;
  family?: 4 | 6;
}

export type CurlParse = { ok: true; options: CurlOptions; warnings: string[] } | { ok: false; stderr: string; exitCode: number };

const TRY = "curl: try 'curl --help' or 'curl --manual' for more information\n";

function usage(line: string, extra = ''): CurlParse {
  return { ok: false, stderr: `curl: ${line}\n${TRY}${extra}`, exitCode: 2 };
}

/** The flags the lab's curl understands, for the line that follows a refusal. */
export function curlSupported(): string {
  return `curl: the podnet lab's curl supports ${supportedList(CURL_OPTIONS, VALUE_NAMES)}\n`;
}

/** curl's warnf: "Warning: " lines wrapped at 79 columns (tool_msgs.c voutf). */
export function curlWarning(text: string, prefix = 'Warning: '): string {
  const width = 79 - prefix.length;
  let out = '';
  let rest = text;
  while (rest.length > 0) {
    if (rest.length <= width) { out += prefix + rest + '\n'; break; }
    let cut = width - 1;
    while (cut > 0 && rest[cut] !== ' ' && rest[cut] !== '\t') cut--;
    if (cut === 0) cut = width - 1;
    out += prefix + rest.slice(0, cut + 1) + '\n';
    rest = rest.slice(cut + 1);
  }
  return out;
}

function seconds(v: string): number | undefined {
  if (!/^\d+(\.\d+)?$|^\.\d+$/.test(v)) return undefined;
  return Math.round(Number(v) * 1000);
}

export function parseCurl(args: readonly string[]): CurlParse {
  const p = parseArgv(args, CURL_OPTIONS, { longEquals: false });
  if (!p.ok) return p.error === 'unknown' ? usage(`option ${p.name}: is unknown`, curlSupported()) : usage(`option ${p.name}: requires parameter`);
  const o: CurlOptions = { url: '', silent: false, showError: false, verbose: false, include: false, head: false, fail: false, location: false, maxRedirs: 50, headers: [], insecure: false, resolve: new Map() };
  const warnings: string[] = [];
  const data: string[] = [];
  let badResolve: string | undefined;
  for (const opt of p.options) {
    const v = opt.value ?? '';
    switch (opt.key) {
      case 'silent': o.silent = true; break;
      case 'showError': o.showError = true; break;
      case 'verbose': o.verbose = true; break;
      case 'include': o.include = true; break;
      case 'head': o.head = true; break;
      case 'fail': o.fail = true; break;
      case 'location': o.location = true; break;
      case 'insecure': o.insecure = true; break;
      case 'ipv4': o.family = 4; break;
      case 'ipv6': o.family = 6; break;
      case 'output': o.output = v; break;
      case 'writeOut':
        if (v.startsWith('@')) return usage(`option ${opt.name}: reads the format from a file in the pod, which the podnet lab does not model`);
        o.writeOut = v; break;
      case 'request': o.request = v; break;
      case 'header':
        if (v.startsWith('@')) return usage(`option ${opt.name}: reads headers from a file in the pod, which the podnet lab does not model`);
        o.headers.push(v); break;
      case 'userAgent': o.userAgent = v; break;
      case 'data': case 'dataBinary': case 'dataRaw':
        if (v.startsWith('@') && opt.key !== 'dataRaw') return usage(`option ${opt.name}: @${v.slice(1)} reads a file in the pod, which the podnet lab does not model (use --data-raw or -d 'text')`);
        data.push(v); break;
      case 'maxRedirs': {
        if (!/^-?\d+$/.test(v)) return usage(`option ${opt.name}: expected a proper numerical parameter`);
        o.maxRedirs = Number(v); break;
      }
      case 'maxTime': case 'connectTimeout': {
        const ms = seconds(v);
        if (ms === undefined) return usage(`option ${opt.name}: expected a proper numerical parameter`);
        if (opt.key === 'maxTime') o.maxTimeMs = ms; else o.connectTimeoutMs = ms;
        break;
      }
      case 'resolve': {
        const m = v.match(/^([^:]+):(\d+):(\[[^\]]+\]|[^,\s]+)$/);
        if (!m) { badResolve ??= v; break; }
        o.resolve.set(`${m[1].toLowerCase()}:${m[2]}`, m[3].replace(/^\[|\]$/g, ''));
        break;
      }
    }
  }
  if (p.operands.length === 0) return usage('no URL specified!');
  if (p.operands.length > 1) return usage(`the podnet lab's curl takes one URL (got ${p.operands.length}: ${p.operands.join(' ')})`);
  o.url = p.operands[0];
  if (data.length) o.data = data.join('&');
  if (o.head && o.data !== undefined) {
    return { ok: false, stderr: o.silent ? '' : curlWarning('You can only select one HTTP request method! You asked for both POST (-d, --data) and HEAD (-I, --head).'), exitCode: 2 };
  }
  if (o.request !== undefined && o.verbose && !o.silent) {
    const inferred = o.head ? 'HEAD' : o.data !== undefined ? 'POST' : 'GET';
    if (o.request.toUpperCase() === inferred) warnings.push(curlWarning(`Unnecessary use of -X or --request, ${inferred} is already inferred.`, 'Note: '));
  }
  if (badResolve !== undefined) {
    return { ok: false, stderr: !o.silent || o.showError ? `curl: (49) Couldn't parse CURLOPT_RESOLVE entry '${badResolve}'\n` : '', exitCode: 49 };
  }
  return { ok: true, options: o, warnings };
}
