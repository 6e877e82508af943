// `podnet up -f PATH [--ui-port 7070] [--dns-port 5353] [--http-port 8080] [--https-port 8443] [--api-port 6443] [--watch]
// [--no-auth]`: the live lab (src/serve/lab.ts) and its Kubernetes API (src/kube/apiserver) on 127.0.0.1, and a summary
// of where everything is, as a cluster's admin would want it. The UI/API token is drawn per start, printed in the UI's
// URL and left for the CLI in a file only the user reads, removed at stop.
import { watch as fsWatch, type FSWatcher } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { meshModelOf } from '../mesh/index.js';
import { Lab, type LabOptions } from '../serve/lab.js';
import { kernelAdjust, kernelBanner, prepareKernel, realiseKernel } from './kernel.js';
import { LabApi } from '../serve/lab/api.js';
import { removeLabToken, writeLabToken } from '../serve/lab/token-file.js';
import { findings } from '../serve/lab/ui-data.js';
import { CliExit, LENIENT_HELP, requireManifests, type IO } from './common.js';
import { invokedAs } from './invocation.js';
import { BUILTIN_SOURCE, ConfigRefusedError } from '../cluster/cluster.js';
import { KubeApiServer } from '../kube/apiserver/server.js';
import { labKubeconfigPath } from './kubeconfig.js';
import { writePrivateFile } from '../kube/apiserver/kubeconfig.js';
import { rmSync } from 'node:fs';
import { formatDiagnostic } from '../api/diagnostics.js';
import type { ClusterMirror } from '../kube/mirror.js';
import { withLiveOptions, type LiveOptions } from './live.js';

interface UpOptions extends LiveOptions { filename: string[]; config?: string; lenient?: boolean; uiPort: string; dnsPort: string; httpPort: string; httpsPort: string; watch?: boolean; grace: string;
  /** The Kubernetes API's port; absent = no Kubernetes API (the CLI's default is 6443). */
  apiPort?: string;
  /** Realise the cluster in Linux network namespaces too (src/realize). */
  kernel?: boolean;
  /** false: --no-auth. */
  auth?: boolean }

/** dist/web beside the compiled CLI (dist/src/cli → dist/web). */
export const WEB_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web');

function port(text: string, flag: string, io: IO): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) { io.err.write(`error: ${flag} must be a port number (0-65535), not ${JSON.stringify(text)}\n`); throw new CliExit(1); }
  return n;
}

export interface RunningLab { lab: Lab; api: LabApi; kube?: KubeApiServer; kubeconfigPath?: string; /** `--context`: the live cluster the lab follows. */ mirror?: ClusterMirror; /** Where the CLI finds the token (undefined with --no-auth). */ tokenFile?: string; close(): Promise<void> }

/** Progress: a bar on a terminal, plain lines otherwise. */
function progress(io: IO): (phase: string, done: number, total: number) => void {
  const tty = (io.err as NodeJS.WriteStream).isTTY === true;
  return (phase, done, total) => {
    if (!tty) { io.err.write(`[${done}/${total}] ${phase}\n`); return; }
    const width = 24;
    const fill = Math.round((done / total) * width);
    io.err.write(`\r\x1b[2K[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${phase}${done === total ? '\n' : ''}`);
  };
}

export async function startLab(opts: UpOptions, io: IO, { quiet = false, nodePortsAtNodePort = true, webRoot = WEB_ROOT, stateDir = undefined as string | undefined, now = undefined as (() => Date) | undefined, adjustConfig = undefined as LabOptions['adjustConfig'] } = {}): Promise<RunningLab> {
  requireManifests(opts, io, { live: true });
  const ports = { ui: port(opts.uiPort, '--ui-port', io), dns: port(opts.dnsPort, '--dns-port', io), http: port(opts.httpPort, '--http-port', io), https: port(opts.httpsPort, '--https-port', io) };
  const apiPort = opts.apiPort === undefined ? undefined : port(opts.apiPort, '--api-port', io);
  const grace = Number(opts.grace);
  let lab: Lab;
  try {
    lab = await Lab.start({ paths: opts.live ? [] : opts.filename, configPath: opts.config, lenient: opts.lenient, dnsPort: ports.dns, httpPort: ports.http, httpsPort: ports.https, graceMs: Number.isFinite(grace) && grace >= 0 ? grace * 1000 : 5000, nodePortsAtNodePort, adjustConfig, progress: quiet ? undefined : progress(io), log: (l) => io.err.write(l + '\n') });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') { io.err.write(`error: ${(e as Error).message}: another program has that port; choose others with --dns-port / --http-port / --https-port\n`); throw new CliExit(1); }
    if (e instanceof ConfigRefusedError) { io.err.write(`${e.lines.join('\n')}\nerror: ${e.summary}\n`); throw new CliExit(1); }
    throw e;
  }
  const api = new LabApi(lab, webRoot, { auth: opts.auth !== false });
  try {
    await api.listen(ports.ui);
  } catch (e) {
    await lab.close();
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') { io.err.write(`error: ${(e as Error).message}: choose another --ui-port\n`); throw new CliExit(1); }
    throw e;
  }
  let tokenFile: string | undefined;
  try {
    if (api.token) tokenFile = writeLabToken(api.port, api.token, stateDir);
  } catch (e) {
    await api.close();
    await lab.close();
    io.err.write(`error: cannot write the lab's token file: ${(e as Error).message} (set XDG_RUNTIME_DIR or HOME to a folder of yours, or run with --no-auth)\n`);
    throw new CliExit(1);
  }
  let mirror: ClusterMirror | undefined;
  const closeLab = async () => {
    await mirror?.stop();
    if (api.token) removeLabToken(api.port, api.token, stateDir);
    await api.close();
    await lab.close();
  };
  mirror = opts.live ? await startMirror(opts, lab, io).catch(async (e) => { await closeLab(); throw e; }) : undefined;
  if (apiPort === undefined) return { lab, api, tokenFile, mirror, close: closeLab };
  let kube: KubeApiServer;
  try {
    kube = new KubeApiServer(lab, { port: apiPort, ...(now ? { now } : {}) });
    await kube.listen();
  } catch (e) {
    await closeLab();
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') { io.err.write(`error: ${(e as Error).message}: choose another --api-port (a Kubernetes API server may already listen there)\n`); throw new CliExit(1); }
    io.err.write(`error: ${(e as Error).message}\n`);
    throw new CliExit(1);
  }
  const kubeconfigPath = labKubeconfigPath(api.port, stateDir);
  writePrivateFile(kubeconfigPath, kube.kubeconfig());
  return {
    lab, api, kube, kubeconfigPath, tokenFile, mirror,
    close: async () => { rmSync(kubeconfigPath, { force: true }); await kube.close(); await closeLab(); },
  };
}

/** `--context`: the listing the hook read goes into the lab, then the watches keep it current. */
async function startMirror(opts: UpOptions, lab: Lab, io: IO): Promise<ClusterMirror> {
  const { KubeClient } = await import('../kube/client.js');
  const { ClusterMirror } = await import('../kube/mirror.js');
  const listing = opts.live!.listing;
  for (const d of opts.live!.diagnostics) io.err.write(formatDiagnostic(d) + '\n');
  const mirror = new ClusterMirror(KubeClient.open({ kubeconfig: opts.kubeconfig, context: listing.context }), lab, (l) => io.err.write(l + '\n'));
  await mirror.start(listing);
  return mirror;
}

/** The lab's summary; `cli` is how the suggested commands call podnet (see invokedAs). */
export function banner(r: RunningLab, cli = 'podnet'): string {
  const { lab, api } = r;
  const c = lab.snapshot.cluster;
  const lines: string[] = [];
  lines.push(`podnet lab is up: ${c.nodes.length} nodes, ${c.pods().length} pods, ${c.services().length} services (${c.config.cni}, kube-proxy ${c.config.kubeProxyMode}; built in ${lab.snapshot.buildMs.toFixed(0)} ms)`);
  if (api.token) {
    lines.push(`  UI            http://127.0.0.1:${api.port}/?token=${api.token}`);
    lines.push(`  Token         ${r.tokenFile} (podnet apply, exec, logs... read it; other clients: Authorization: Bearer)`);
  } else {
    lines.push(`  UI            http://127.0.0.1:${api.port}`);
    lines.push('WARNING: --no-auth: the lab API takes no token. Any program of any user on this machine can apply, delete, exec');
    lines.push('WARNING: and set faults in this lab (web pages still cannot: Host and Origin are checked). Secrets stay redacted.');
  }
  if (r.kube) lines.push(`  Kubernetes    ${r.kube.url} (context podnet; kubeconfig ${r.kubeconfigPath})`);
  if (r.mirror && r.mirror.listing) lines.push(`  Mirror        context "${r.mirror.listing.context}" (${r.mirror.listing.server}): ${r.mirror.listing.objects.length} objects read, ${r.mirror.listing.kinds} kinds watched`);
  lines.push(`  Cluster DNS   127.0.0.1:${lab.dns.port} udp+tcp (kube-dns ${lab.snapshot.dns.clusterDNS.join(', ')}, domain ${c.config.clusterDomain})`);
  for (const e of lab.entryListeners()) lines.push(`  ${(e.kind === 'ingress' ? 'Ingress' : 'Gateway').padEnd(13)} ${e.id}: http://127.0.0.1:${e.http} (port ${e.modelPorts.http}) https://127.0.0.1:${e.https} (port ${e.modelPorts.https})`);
  for (const x of lab.exposed()) lines.push(`  ${(x.kind === 'nodeport' ? 'NodePort' : 'LoadBalancer').padEnd(13)} ${x.service} ${x.portName}${x.protocol === 'TCP' ? '' : `/${x.protocol}`}: ${x.modelAddress} → 127.0.0.1:${x.localPort}`);
  const mesh = meshModelOf(c);
  if (mesh.active) {
    const meshed = [...mesh.memberships.values()].filter((m) => m.dataPlane !== 'none').length;
    lines.push(`  Mesh          ${meshed} pod(s) in the mesh; Istio metrics http://127.0.0.1:${api.port}/metrics, spans \`${cli} mesh spans\`, graph \`${cli} mesh graph\` (and the UI)`);
  }
  const f = findings(c, lab.snapshot.dns.diagnostics);
  const count = (s: string) => f.filter((x) => x.severity === s).length;
  if (f.length) {
    lines.push(`Findings: ${count('error')} error(s), ${count('warning')} warning(s), ${count('info')} info (all in the UI; \`${cli} lint\` explains)`);
    for (const x of f.filter((y) => y.severity !== 'info').slice(0, 8)) lines.push(`  ${x.severity} ${x.code}: ${x.source ? `${x.source}: ` : ''}${x.message}`);
  }
  lines.push('Try:');
  if (r.kube) lines.push(`  export KUBECONFIG=${r.kubeconfigPath}   # or: podnet kubeconfig --merge`, '  kubectl get pods -A -o wide');
  // Suggest the user's own objects, not what podnet added (kube-dns, ingress-nginx...).
  const own = (o: { metadata: { name: string; namespace?: string } }) => c.sourceOf(o as never)?.file !== BUILTIN_SOURCE.file;
  const svc = (c.services() as { metadata: { name: string; namespace?: string } }[]).find((s) => own(s) && s.metadata.namespace !== 'default') ?? c.services()[0];
  if (svc) lines.push(`  dig @127.0.0.1 -p ${lab.dns.port} ${svc.metadata.name}.${svc.metadata.namespace}.svc.${c.config.clusterDomain}`);
  const ing = lab.entryListeners().find((e) => e.kind === 'ingress');
  const host = (c.ingresses() as { spec?: { rules?: { host?: string; http?: { paths?: { path?: string }[] } }[] } }[]).flatMap((i) => i.spec?.rules ?? []).find((r) => r.host && !r.host.startsWith('*'));
  const tls = (c.ingresses() as { spec?: { tls?: { hosts?: string[] }[] } }[]).some((i) => (i.spec?.tls ?? []).some((t) => t.hosts?.includes(host?.host ?? '')));
  if (ing && host?.host) {
    const path = host.http?.paths?.[0]?.path ?? '/';
    lines.push(tls
      ? `  curl -k --resolve ${host.host}:${ing.https}:127.0.0.1 https://${host.host}:${ing.https}${path}`
      : `  curl --resolve ${host.host}:${ing.http}:127.0.0.1 http://${host.host}:${ing.http}${path}`);
  }
  const pods = c.pods() as { metadata: { name: string; namespace?: string } }[];
  // A client that is not one of the Service's own backends, calling the Service's first port.
  const selector = (svc as { spec?: { selector?: Record<string, string> } } | undefined)?.spec?.selector ?? {};
  const backsSvc = (p: { metadata: { labels?: Record<string, string> } }) => Object.entries(selector).length > 0 && Object.entries(selector).every(([k, v]) => p.metadata.labels?.[k] === v);
  // With a mesh, a client inside it (its requests show the sidecars at work).
  const meshed = (p: { metadata: { name: string; namespace?: string } }) => !mesh.active || (mesh.membership(p.metadata.namespace ?? 'default', p.metadata.name)?.dataPlane ?? 'none') !== 'none';
  const from = pods.find((p) => own(p) && !backsSvc(p as never) && meshed(p)) ?? pods.find((p) => own(p) && !backsSvc(p as never)) ?? pods.find(own) ?? pods[0];
  const port = (svc as { spec?: { ports?: { port: number }[] } } | undefined)?.spec?.ports?.[0]?.port;
  if (from && svc) lines.push(`  ${cli} exec ${from.metadata.namespace}/${from.metadata.name} -- curl http://${svc.metadata.name}.${svc.metadata.namespace}${port && port !== 80 ? `:${port}` : ''}`);
  lines.push(`${process.env.PODNET_LAB || api.port === 7070 ? '' : `(other shells: export PODNET_LAB=http://127.0.0.1:${api.port})\n`}Press Ctrl-C to stop.`);
  return lines.join('\n') + '\n';
}

function watchPaths(paths: string[], onChange: () => void): FSWatcher[] {
  let timer: NodeJS.Timeout | undefined;
  const kick = () => { clearTimeout(timer); timer = setTimeout(onChange, 150); };
  return paths.filter((p) => p !== '-').map((p) => fsWatch(p, { recursive: true }, kick));
}

export function registerUp(program: Command, io: IO): void {
  withLiveOptions(program.command('up').description('bring up the live lab: cluster DNS, ingress, NodePorts and virtual pods on 127.0.0.1, with a web UI'))
    .option('-f, --filename <path>', 'manifest file or folder (repeatable)', (v: string, prev: string[]) => [...prev, v], [])
    .option('--config <file>', 'ClusterConfig file (podnet.dev/v1alpha1)')
    .option('--lenient', LENIENT_HELP)
    .option('--ui-port <port>', 'the web UI and the lab API', '7070')
    .option('--dns-port <port>', 'the cluster DNS (UDP and TCP)', '5353')
    .option('--http-port <port>', 'the Ingress controller\'s HTTP listener', '8080')
    .option('--https-port <port>', 'the Ingress controller\'s HTTPS listener', '8443')
    .option('--api-port <port>', 'the Kubernetes API (HTTPS; kubectl uses it through the kubeconfig the lab writes)', '6443')
    .option('--grace <seconds>', 'how long removed pods keep serving (terminating) after a change', '5')
    .option('-w, --watch', 'reload when a manifest file changes')
    .option('--kernel', 'also realise the cluster in Linux network namespaces (root): real routes, tunnels, kube-proxy rules, policy, DNS and pod processes; `podnet exec` then runs real commands there')
    .option('--no-auth', 'serve the UI and API without the token (any local program can then drive the lab)')
    .action(async (opts: UpOptions) => {
      // Kernel mode checks the machine (root, tools, netns) before anything listens.
      const prepared = opts.kernel ? await prepareKernel(io) : undefined;
      let running: RunningLab;
      try {
        running = await startLab(opts, io, prepared ? { adjustConfig: kernelAdjust(prepared) } : {});
      } catch (e) { await prepared?.abandon(); throw e; }
      let kernelLines: string[] = [];
      if (prepared) {
        const { kernel, realisation } = await realiseKernel(prepared, running.lab.snapshot, io, (f) => running.lab.flows.record({ ...f, snapshot: running.lab.snapshot.version })).catch(async (e) => { await running.close(); throw e; });
        running.lab.realisation = realisation;
        const close = running.close;
        running.close = async () => { running.lab.realisation = undefined; const n = kernel.namespaces().length; await kernel.close(); io.err.write(`kernel: lab ${kernel.prefix.slice(0, -1)} removed (${n} network namespaces)\n`); await close(); };
        kernelLines = kernelBanner(kernel, running.api.port);
      }
      io.out.write(banner(running, invokedAs()) + (kernelLines.length ? kernelLines.join('\n') + '\n' : ''));
      const watchers = opts.watch ? watchPaths(opts.filename, () => { running.lab.reload().catch((e) => io.err.write(`reload failed: ${(e as Error).message}\n`)); }) : [];
      await new Promise<void>((resolve) => {
        const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
        const stop = (): void => { for (const s of signals) process.off(s, stop); resolve(); };
        for (const s of signals) process.on(s, stop);
        running.api.onShutdown = stop;
      });
      for (const w of watchers) w.close();
      await running.close();
    });
}
