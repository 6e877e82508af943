// `/agnhost connect HOST:PORT [--timeout=1s] [--protocol=tcp]` for the lab's kernel-mode exec (netns-session.ts runs
// this file in the pod's network namespace in place of the agnhost binary): a real TCP connection from the pod's
// namespace, reported as agnhost's connect subcommand reports it (k8s.io/kubernetes test/images/agnhost/connect), so
// probes written for agnhost — upstream's e2e network policy tests, policy-assistant, `podnet verify --context` —
// read the lab as they read a cluster: exit 0 when connected; else exit 1 and stderr starting with a fixed word:
// `TIMEOUT`, `REFUSED`, `DNS: …` (the name did not resolve), `OTHER: …` (another network error, e.g. no route to
// host), `UNKNOWN: …` (bad arguments). Only TCP: the lab's shim says so for udp and sctp.
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

export interface ConnectArgs { dest: string; timeoutMs: number; protocol: string }

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration (`1s`, `500ms`, `1m30s`, `0`) in milliseconds; undefined when it is not one. */
export function goDurationMs(text: string): number | undefined {
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let ms = 0;
  let at = 0;
  while (at < text.length) {
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) return undefined;
    ms += Number(m[1]) * UNITS[m[2]];
    at = re.lastIndex;
  }
  return text.length ? ms : undefined;
}

/** agnhost connect's command line (cobra flags: `--flag=v` or `--flag v`), or the UNKNOWN line it would print. */
export function parseConnectArgs(argv: readonly string[]): ConnectArgs | { error: string } {
  const flags: Record<string, string> = { timeout: '0', protocol: 'tcp' };
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) { positional.push(a); continue; }
    const [name, inline] = a.slice(2).split(/=(.*)/s, 2);
    if (!['timeout', 'protocol', 'udp-data', 'sctp-data'].includes(name)) return { error: `Error: unknown flag: --${name}` };
    const value = inline ?? argv[++i];
    if (value === undefined) return { error: `Error: flag needs an argument: --${name}` };
    flags[name] = value;
  }
  if (positional.length !== 1) return { error: `Error: accepts 1 arg(s), received ${positional.length}` };
  const timeoutMs = goDurationMs(flags.timeout);
  if (timeoutMs === undefined) return { error: `Error: invalid argument "${flags.timeout}" for "--timeout" flag: time: invalid duration "${flags.timeout}"` };
  return { dest: positional[0], timeoutMs, protocol: flags.protocol };
}

/** Go's net.SplitHostPort: `host:port` or `[v6]:port`. */
export function splitHostPort(dest: string): { host: string; port: number } | string {
  const m = dest.match(/^\[([^\]]*)\]:(\d*)$/) ?? dest.match(/^([^:[\]]*):(\d*)$/);
  if (!m) return dest.includes(':') ? `address ${dest}: too many colons in address` : `address ${dest}: missing port in address`;
  const port = Number(m[2]);
  if (m[2] === '' || port > 65535) return `lookup port ${m[2]}: invalid port`;
  return { host: m[1], port };
}

/** Connects as agnhost does: the exit code and what it prints on stderr. */
export async function connect(args: ConnectArgs): Promise<{ code: number; stderr: string }> {
  if (args.protocol !== 'tcp' && args.protocol !== '') {
    return { code: 1, stderr: args.protocol === 'udp' || args.protocol === 'sctp' ? `UNKNOWN: the lab's agnhost connect opens TCP connections only, not ${args.protocol}\n` : `Unsupported protocol\n${args.protocol}` };
  }
  const hp = splitHostPort(args.dest);
  if (typeof hp === 'string') return { code: 1, stderr: `UNKNOWN: ${hp}\n` };
  let address = hp.host;
  if (net.isIP(address) === 0) {
    try { address = (await lookup(address === '' ? 'localhost' : address)).address; } catch { return { code: 1, stderr: `DNS: lookup ${hp.host}: no such host\n` }; }
  }
  const shown = `${net.isIPv6(address) ? `[${address}]` : address}:${hp.port}`;
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port: hp.port });
    const timer = args.timeoutMs > 0 ? setTimeout(() => { socket.destroy(); resolve({ code: 1, stderr: 'TIMEOUT\n' }); }, args.timeoutMs) : undefined;
    socket.once('connect', () => { clearTimeout(timer); socket.destroy(); resolve({ code: 0, stderr: '' }); });
    socket.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (e.code === 'ECONNREFUSED') resolve({ code: 1, stderr: 'REFUSED\n' });
      else if (e.code === 'ETIMEDOUT') resolve({ code: 1, stderr: 'TIMEOUT\n' });
      else resolve({ code: 1, stderr: `OTHER: dial tcp ${shown}: connect: ${strerror(e)}\n` });
    });
  });
}

/** Go prints the errno's C text in lower case (`no route to host`); Node's message carries it after the code. */
function strerror(e: NodeJS.ErrnoException): string {
  const known: Record<string, string> = { EHOSTUNREACH: 'no route to host', ENETUNREACH: 'network is unreachable', ECONNRESET: 'connection reset by peer', EACCES: 'permission denied', EPERM: 'operation not permitted' };
  return known[e.code ?? ''] ?? e.message;
}

async function main(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'connect') {
    process.stderr.write(sub === undefined ? 'Error: the lab\'s agnhost offers one subcommand: connect\n' : `Error: unknown command "${sub}" for "agnhost" (the lab's agnhost offers connect only)\n`);
    return 1;
  }
  const args = parseConnectArgs(rest);
  if ('error' in args) { process.stderr.write(`${args.error}\n`); return 1; }
  const r = await connect(args);
  process.stderr.write(r.stderr);
  return r.code;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = await main(process.argv.slice(2));
