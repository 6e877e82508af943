// `podnet serve ingress|gateway -f PATH [--http-port 8080] [--https-port 8443]`: the cluster's edge as a live proxy on
// 127.0.0.1. Every backend pod is an in-process netexec-like server (src/serve/virtual-pods.ts), so
//   curl -k --resolve my-app.example.com:8443:127.0.0.1 https://my-app.example.com:8443/api/x
// shows which pod answered. The decisions come from src/ingress; this file only starts servers and prints.
import type { Command } from 'commander';
import { formatDiagnostic } from '../api/diagnostics.js';
import { EntryPointError } from '../ingress/index.js';
import { EdgeProxy } from '../serve/http-proxy.js';
import { podsOf, VirtualPods } from '../serve/virtual-pods.js';
import { CliExit, loadCluster, withManifestOptions, type IO, type ManifestOptions } from './common.js';

interface ServeOptions extends ManifestOptions {
  httpPort: string;
  httpsPort: string;
  class?: string;
  quiet?: boolean;
}

export interface RunningEdge { proxy: EdgeProxy; pods: VirtualPods; close(): Promise<void> }

function port(text: string, io: IO, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    io.err.write(`error: ${flag} must be a port number (0-65535), not ${JSON.stringify(text)}\n`);
    throw new CliExit(1);
  }
  return n;
}

/** Starts virtual pods and the proxy; resolves once both listen. Used by the command and by tests. */
export async function startEdge(opts: ServeOptions, via: string, io: IO): Promise<RunningEdge> {
  const httpPort = port(opts.httpPort, io, '--http-port');
  const httpsPort = port(opts.httpsPort, io, '--https-port');
  const cluster = loadCluster(opts, io, { quietWarnings: true });
  let pods: VirtualPods | undefined;
  try {
    pods = await VirtualPods.start(podsOf(cluster));
    const p = pods;
    const proxy = await EdgeProxy.start({
      cluster, via, httpPort, httpsPort,
      resolve: (endpoint) => {
        const i = endpoint.lastIndexOf(':');
        return p.addressOf(endpoint.slice(0, i), Number(endpoint.slice(i + 1)));
      },
      log: opts.quiet ? undefined : (line) => io.err.write(line + '\n'),
    });
    for (const d of proxy.model.diagnostics) io.err.write(formatDiagnostic(d) + '\n');
    return { proxy, pods: p, close: async () => { await proxy.close(); await p.close(); } };
  } catch (e) {
    await pods?.close();
    if (e instanceof EntryPointError) {
      io.err.write(`error: ${e.message}\n`);
      throw new CliExit(1);
    }
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      io.err.write(`error: ${(e as Error).message}: choose other ports with --http-port / --https-port\n`);
      throw new CliExit(1);
    }
    throw e;
  }
}

function banner(edge: RunningEdge, io: IO): void {
  const { proxy, pods } = edge;
  io.out.write(`podnet: serving ${proxy.entryPoint} on http://127.0.0.1:${proxy.httpPort} (port ${proxy.modelHttpPort} in the cluster) and https://127.0.0.1:${proxy.httpsPort} (port ${proxy.modelHttpsPort}); ${pods.endpoints().length} virtual pod ports answer like agnhost netexec\n`);
  const tries = new Map<string, string>();
  for (const e of proxy.model.ingress) {
    if (`ingress:${e.className}` !== proxy.entryPoint) continue;
    for (const [h, s] of e.servers) if (!h.startsWith('*')) tries.set(h, s.locations.find((l) => !l.implicitRoot && l.mode !== 'regex')?.path ?? '/');
  }
  for (const a of proxy.model.routes.attachments) if (`gateway/${a.listener.gateway.metadata.namespace}/${a.listener.gateway.metadata.name}` === proxy.entryPoint) for (const h of a.hostnames) if (!h.startsWith('*')) tries.set(h, '/');
  const gw = proxy.model.gateways.find((g) => `gateway/${g.gateway.metadata.namespace}/${g.gateway.metadata.name}` === proxy.entryPoint);
  const tls = !gw || gw.listeners.some((l) => l.protocol === 'HTTPS' && l.programmed);
  const [scheme, port] = tls ? ['https', proxy.httpsPort] : ['http', proxy.httpPort];
  if (tries.size === 0) io.out.write(`  try: curl http://127.0.0.1:${proxy.httpPort}/\n`);
  for (const [h, path] of [...tries].sort().slice(0, 5)) io.out.write(`  try: curl${tls ? ' -k' : ''} --resolve ${h}:${port}:127.0.0.1 ${scheme}://${h}:${port}${path}\n`);
  io.out.write('Press Ctrl-C to stop.\n');
}

async function serveUntilSignal(edge: RunningEdge, io: IO): Promise<void> {
  banner(edge, io);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await edge.close();
}

export function registerServe(program: Command, io: IO): void {
  const serve = program.command('serve').description('serve the cluster live on 127.0.0.1');
  const common = (cmd: Command): Command => withManifestOptions(cmd)
    .option('--http-port <port>', 'local port for the HTTP listener', '8080')
    .option('--https-port <port>', 'local port for the HTTPS listener', '8443')
    .option('-q, --quiet', 'no access log on stderr');
  common(serve.command('ingress').description('the Ingress controller (ingress-nginx semantics for k8s.io/ingress-nginx classes)'))
    .option('--class <name>', 'the IngressClass to serve (default: the only one with Ingresses)')
    .action(async (opts: ServeOptions) => {
      await serveUntilSignal(await startEdge(opts, opts.class ? `ingress:${opts.class}` : 'ingress', io), io);
    });
  common(serve.command('gateway').description('a Gateway (Gateway API) as its controller would program it').argument('[namespace/name]', 'the Gateway (default: the only one)'))
    .action(async (name: string | undefined, opts: ServeOptions) => {
      await serveUntilSignal(await startEdge(opts, name ? `gateway/${name}` : 'gateway', io), io);
    });
}
