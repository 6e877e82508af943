// `podnet verify --kernel -f PATH [--sample N] [-o table|json]`: realises the cluster once in network namespaces, then
// asks the model (src/verify: trace, endpoints, policy, DNS) and the kernel (src/realize/referee.ts) about every flow
// and prints one line per disagreement and a summary; exit 1 on any disagreement. The lab is removed at the end, on
// Ctrl-C and on SIGTERM. `podnet verify --context X` asks a live cluster instead, through probe pods (verify-live.ts).
import type { Command } from 'commander';
import { Cluster, ConfigRefusedError, requireUsableConfig } from '../cluster/cluster.js';
import { KernelReferee, realiseForVerify } from '../realize/referee.js';
import type { KernelLab } from '../realize/realize.js';
import { enumerateFlows } from '../verify/flows.js';
import { formatReport, reportJson, verifyFlows } from '../verify/verify.js';
import { CliExit, printDiagnostics, requireManifests, withManifestOptions, type IO, type ManifestOptions } from './common.js';
import { prepareKernel } from './kernel.js';
import { verifyLive } from './verify-live.js';

interface VerifyOptions extends ManifestOptions { kernel?: boolean; sample?: string; output: string; parallel?: string; timeout: string; namespace: string[]; probes: string; image?: string; podTimeout: string }

function positive(text: string | undefined, flag: string, io: IO): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) { io.err.write(`error: ${flag} must be a whole number of at least 1, not ${JSON.stringify(text)}\n`); throw new CliExit(1); }
  return n;
}

export function registerVerify(program: Command, io: IO): void {
  withManifestOptions(program.command('verify').description('check the model\'s answers against a real data plane, flow by flow: the cluster realised in the kernel (--kernel) or a live cluster through probe pods (--context)'))
    .option('--kernel', 'the referee: the Linux kernel, the cluster realised in network namespaces (root; see podnet up --kernel)')
    .option('--sample <n>', 'at most N pod-pair flows and N DNS flows (spread evenly); Service and outside flows are all kept')
    .option('-o, --output <format>', 'table or json', 'table')
    .option('--parallel <n>', 'flows probed at once (default: 64 connections in flight with --kernel, 32 execs with --context)')
    .option('--timeout <ms>', 'how long a connection waits before it counts as dropped', '1000')
    .option('-n, --namespace <ns>', 'with --context: only flows towards this namespace (repeatable)', (v: string, p: string[]) => [...p, v], [] as string[])
    .option('--probes <n>', 'with --context: probe pods, one per node, spread over the nodes', '3')
    .option('--image <image>', 'with --context: the probe pods\' image (an agnhost mirror)')
    .option('--pod-timeout <s>', 'with --context: how long the probe pods may take to run with an IP', '120')
    .addHelpText('after', VERIFY_HELP)
    .action(async (opts: VerifyOptions) => {
      if (!['table', 'json'].includes(opts.output)) { io.err.write(`error: unknown output format "${opts.output}": use table or json\n`); throw new CliExit(1); }
      if (opts.kernel && opts.live) { io.err.write('error: --kernel and --context/--kubeconfig are two referees: choose one\n'); throw new CliExit(1); }
      if (!opts.kernel && !opts.live) { io.err.write('error: verify needs a referee: --kernel (the cluster realised in network namespaces of this machine) or --context (a live cluster, through probe pods)\n'); throw new CliExit(1); }
      const sample = positive(opts.sample, '--sample', io);
      const parallel = positive(opts.parallel ?? (opts.kernel ? '64' : '32'), '--parallel', io)!;
      const timeoutMs = positive(opts.timeout, '--timeout', io)!;
      if (opts.live) {
        const probes = positive(opts.probes, '--probes', io)!;
        const podTimeoutMs = positive(opts.podTimeout, '--pod-timeout', io)! * 1000;
        await verifyLive({ ...opts, sample, parallel, timeoutMs, probes, podTimeoutMs, namespaces: opts.namespace }, io, closeOnSignal);
        return;
      }
      requireManifests(opts, io);
      const prepared = await prepareKernel(io);
      let lab: KernelLab | undefined;
      // Ctrl-C / SIGTERM at any point removes what was realised (a lab half built included).
      const stop = closeOnSignal(() => (lab ? lab.close() : prepared.abandon()));
      try {
        const first = Cluster.load({ paths: opts.filename, configPath: opts.config, lenient: opts.lenient });
        printDiagnostics(first.diagnostics.filter((d) => d.level === 'error'), io.err);
        requireUsableConfig(first);
        const realised = await realiseForVerify(prepared, (config) => (config ? Cluster.load({ paths: opts.filename, config, lenient: opts.lenient }) : first), (l) => io.err.write(`kernel: ${l}\n`));
        lab = realised.lab;
        const { cluster, dns } = realised;
        io.err.write(`kernel: lab ${lab.prefix.slice(0, -1)} realised: ${lab.namespaces().length} network namespaces in ${(lab.timings.totalMs / 1000).toFixed(1)} s\n`);
        const flows = enumerateFlows(cluster, { sample });
        io.err.write(`verify: probing ${flows.length} flows, ${parallel} at a time\n`);
        const report = await verifyFlows({ cluster, dns }, new KernelReferee(lab, { connectionsAtOnce: parallel }), flows, { concurrency: parallel, timeoutMs });
        io.out.write(opts.output === 'json' ? JSON.stringify(reportJson(report), null, 2) + '\n' : formatReport(report));
        if (report.disagree > 0) throw new CliExit(1);
      } catch (e) {
        if (e instanceof ConfigRefusedError) { io.err.write(`error: ${e.summary}\n`); throw new CliExit(1); }
        if (!(e instanceof CliExit)) io.err.write(`error: ${(e as Error).message}\n`);
        throw e instanceof CliExit ? e : new CliExit(1);
      } finally {
        stop();
        if (lab) await lab.close(); else await prepared.abandon();
      }
    });
}

/** Ctrl-C / SIGTERM while probing: remove the lab, then exit 130/143. */
function closeOnSignal(close: () => Promise<void>): () => void {
  const on = (sig: NodeJS.Signals) => { void close().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143)); };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const s of signals) process.on(s, on);
  return () => { for (const s of signals) process.off(s, on); };
}

const VERIFY_HELP = `
Flows: every pod to every other pod's IP on every port a Service targets or a policy names; every TCP Service port
from one pod of each node; every NodePort (on every node), LoadBalancer and external IP from the outside client
(203.0.113.10); from each pod, every Service's name (full, svc.ns and short) and one that does not exist, with dig.
Compared: allowed / refused / dropped (timeout) / reset; the set of pods answering over repeated connections (every
endpoint the model gives a positive probability, no other); the source address each endpoint sees (SNAT); session
affinity; DNS rcode and addresses. The service mesh and the Ingress controller's HTTP routing are not realised in
the kernel and so not compared.

With --context (a live cluster): a namespace podnet-probe-XXXXXX with agnhost netexec pods (one per node, --probes),
the cluster read again once they run, then every flow from a probe pod by exec: /agnhost connect HOST:PORT
--timeout=1s --protocol=tcp to each pod's declared ports and each Service port, dig for the names. Only the verdict
(allowed / refused / dropped) and DNS are compared; the namespace is deleted at the end, also on Ctrl-C. RBAC needed:
create/delete namespaces; create/get/list pods and create pods/exec in the probe namespace; get/list of every kind
the model reads (as every --context command).

Exit status: 0 every flow agrees; 1 a disagreement, bad input, or kernel mode cannot run here.

Examples:
  podnet verify --kernel -f examples/shop                (as root)
  podnet verify --kernel -f big/ --sample 200 -o json
  podnet verify --context kind-kind -n production
`;
