// `podnet route -f PATH --url URL [--method M] [--header 'K: V']... [--via ingress[:CLASS]|gateway/NS/NAME] [-o json]`:
// where an edge proxy (ingress-nginx, a Gateway) sends one request, and why. Semantics live in src/ingress.
import type { Command } from 'commander';
import { formatDiagnostic } from '../api/diagnostics.js';
import { compileRouting, EntryPointError, requestFromUrl, type RouteResult } from '../ingress/index.js';
import { CliExit, loadCluster, withManifestOptions, type IO, type ManifestOptions } from './common.js';

interface RouteOptions extends ManifestOptions {
  url?: string;
  method: string;
  header: string[];
  via?: string;
  output: string;
  random?: string;
  clientIp?: string;
}

const STATUS_TEXT: Record<number, string> = { 0: 'no response (connection refused or TLS failure)', 200: 'OK', 301: 'Moved Permanently', 302: 'Found', 303: 'See Other', 307: 'Temporary Redirect', 308: 'Permanent Redirect', 404: 'Not Found', 421: 'Misdirected Request', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' };

export function registerRoute(program: Command, io: IO): void {
  withManifestOptions(program.command('route').description('where an Ingress controller or a Gateway sends a request, and why'))
    .requiredOption('--url <url>', 'the request URL (its port picks the listener; 80/443 by scheme)')
    .option('-X, --method <method>', 'HTTP method', 'GET')
    .option('-H, --header <header>', "request header 'Name: value' (repeatable)", (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--via <entry>', 'entry point: ingress, ingress:CLASS or gateway/NAMESPACE/NAME')
    .option('--random <r>', 'a draw in [0,1) for weighted choices (default: the likeliest outcome)')
    .option('--client-ip <ip>', 'the client address the proxy sees')
    .option('-o, --output <format>', 'text or json', 'text')
    .action((opts: RouteOptions) => {
      if (opts.output !== 'text' && opts.output !== 'json') {
        io.err.write(`error: unable to match a printer suitable for the output format "${opts.output}", allowed formats are: json,text\n`);
        throw new CliExit(1);
      }
      const headers: Record<string, string> = {};
      for (const h of opts.header) {
        const colon = h.indexOf(':');
        if (colon <= 0) {
          io.err.write(`error: header ${JSON.stringify(h)} is not 'Name: value'\n`);
          throw new CliExit(1);
        }
        const name = h.slice(0, colon).trim();
        headers[name] = headers[name] !== undefined ? `${headers[name]}, ${h.slice(colon + 1).trim()}` : h.slice(colon + 1).trim();
      }
      let random: number | undefined;
      if (opts.random !== undefined) {
        random = Number(opts.random);
        if (!(random >= 0 && random < 1)) {
          io.err.write(`error: --random must be a number in [0, 1), not ${JSON.stringify(opts.random)}\n`);
          throw new CliExit(1);
        }
      }
      const cluster = loadCluster(opts, io, { quietWarnings: true });
      const model = compileRouting(cluster);
      for (const d of model.diagnostics) io.err.write(formatDiagnostic(d) + '\n');
      let result: RouteResult;
      try {
        const req = requestFromUrl(opts.url!, { method: opts.method, headers, random, clientIP: opts.clientIp });
        result = model.route(req, opts.via);
      } catch (e) {
        if (!(e instanceof EntryPointError)) throw e;
        io.err.write(`error: ${e.message}\n`);
        throw new CliExit(1);
      }
      if (opts.output === 'json') io.out.write(JSON.stringify(ordered(result), null, 2) + '\n');
      else io.out.write(formatRouteText(result));
    });
}

/** The contract's fields first, in the issue's order, then the rest. */
function ordered(r: RouteResult): Record<string, unknown> {
  const first = ['status', 'via', 'backend', 'location', 'requestHeaders', 'path', 'tls', 'reason'];
  const out: Record<string, unknown> = {};
  for (const k of first) if ((r as unknown as Record<string, unknown>)[k] !== undefined) out[k] = (r as unknown as Record<string, unknown>)[k];
  for (const [k, v] of Object.entries(r)) if (!(k in out) && v !== undefined) out[k] = v;
  return out;
}

export function formatRouteText(r: RouteResult): string {
  const lines: string[] = [];
  const via = r.via ? `${r.via.kind} ${r.via.namespace}/${r.via.name}${r.via.rule !== undefined ? ` rule ${r.via.rule}` : ''}${r.via.match ? ` (${r.via.match})` : ''}` : 'no route';
  lines.push(`${r.status} ${STATUS_TEXT[r.status] ?? ''}`.trimEnd());
  const row = (k: string, v: string): void => { lines.push(`  ${k.padEnd(11)}${v}`); };
  row('entry', `${r.entryPoint ?? ''}${r.listener ? ` listener ${r.listener}` : ''}`);
  row('via', via);
  if (r.tls) row('tls', r.tls.fallback ? `fallback certificate${r.tls.secret ? ` (secret ${r.tls.secret} unusable)` : ''}, SNI ${r.tls.sni}` : `secret ${r.tls.secret}, SNI ${r.tls.sni}`);
  if (r.location) row('location', r.location);
  if (r.backend) {
    const b = r.backend;
    const target = b.resource ? `${b.resource.kind} ${b.namespace}/${b.resource.name}` : `${b.namespace}/${b.service}:${b.port}`;
    row('backend', `${target}${r.backends && r.backends.length > 1 ? ` (weight ${b.weight})` : ''}${b.canary ? ' [canary]' : ''}${b.protocol && b.protocol !== 'HTTP' ? ` over ${b.protocol}` : ''}`);
    if (b.endpoints?.length) row('endpoints', b.endpoints.map((e, i) => (b.pods?.[i] ? `${e} (${b.pods[i]})` : e)).join(', '));
  }
  if (r.backends && r.backends.length > 1) row('split', r.backends.map((b) => `${b.service}=${b.weight}${b.canary ? ' (canary)' : ''}`).join(', '));
  if (r.path !== undefined) row('path', r.path);
  if (r.requestHeaders) row('headers', Object.entries(r.requestHeaders).map(([k, v]) => `${k}: ${v}`).join('; '));
  if (r.responseHeaders) row('response', Object.entries(r.responseHeaders).map(([k, v]) => (v === null ? `-${k}` : `${k}: ${v}`)).join('; '));
  if (r.mirrors?.length) row('mirror', r.mirrors.map((m) => `${m.namespace}/${m.service}:${m.port}`).join(', '));
  if (r.rateLimit) row('rate limit', [r.rateLimit.rps ? `${r.rateLimit.rps} r/s` : '', r.rateLimit.rpm ? `${r.rateLimit.rpm} r/m` : '', r.rateLimit.burst ? `burst ${r.rateLimit.burst}` : '', r.rateLimit.connections ? `${r.rateLimit.connections} connections` : ''].filter(Boolean).join(', ') + ` per client IP, then ${r.rateLimit.statusCode}`);
  if (r.dataPlane) row('data plane', `proxy pod ${r.dataPlane.pod}${r.dataPlane.deniedEndpoints.length ? `; NetworkPolicy drops ${r.dataPlane.deniedEndpoints.join(', ')}` : ''}`);
  if (r.timeouts) row('timeouts', Object.entries(r.timeouts).map(([k, v]) => `${k} ${v}`).join(', '));
  row('why', r.reason);
  return lines.join('\n') + '\n';
}
