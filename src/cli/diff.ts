// `podnet diff --base PATH|git:REF|--base-context NAME -f PATH|--context NAME`: what a change opens or closes. Both
// sides are built by the engine and compared by src/diff; this face reads the sides (files, the same paths at a git
// revision, or a live cluster listed through src/cli/live.ts), prints and gates.
import { Option, type Command, CommanderError } from 'commander';
import { Cluster, ConfigRefusedError, requireUsableConfig } from '../cluster/cluster.js';
import { diffClusters, opensSomething, type ClusterDiff } from '../diff/index.js';
import { CliExit, printDiagnostics, requireManifests, type IO, LENIENT_HELP } from './common.js';
import { writeDiffGithub, writeDiffMarkdown, writeDiffTable } from './diff-output.js';
import { GitSideError, loadAtRevision } from './git-side.js';
import { readLive, readsLiveItself } from './live.js';

interface DiffOptions {
  base?: string;
  baseContext?: string;
  context?: string;
  kubeconfig?: string;
  filename: string[];
  config?: string;
  lenient?: boolean;
  output: string;
  failOn?: string;
  maxRows: string;
}

const FORMATS = ['table', 'json', 'md', 'github'];
const GATES = ['new-exposure', 'new-allowed', 'any'];

export const DIFF_EXIT_HELP = `
Exit status (as diff(1)): 0 when no change matches --fail-on (always 0 without it), 1 when the --fail-on gate trips,
2 on a usage or input error (a missing path, an unknown git revision or context, an API server that cannot be read,
a ClusterConfig the engine refuses).
--fail-on new-exposure: something became reachable from outside the cluster, from all namespaces, or through a
NodePort, LoadBalancer, Ingress or Gateway route. new-allowed: some workload pair (or workload and external peer)
is allowed on a port it was not. any: any change at all.`;

const collect = (v: string, prev: string[]) => [...prev, v];

/** Whether the gate trips. */
export function gateTrips(d: ClusterDiff, gate: string | undefined): boolean {
  if (gate === 'any') return d.summary.total > 0;
  if (gate === 'new-exposure') return d.summary.newExposure > 0;
  if (gate === 'new-allowed') return d.connectivity.added.length > 0 || d.connectivity.changed.some(opensSomething);
  return false;
}

function buildSide(what: string, load: () => Cluster, io: IO): Cluster {
  const cluster = load();
  printDiagnostics(cluster.diagnostics.filter((d) => d.level === 'error'), io.err);
  try {
    requireUsableConfig(cluster);
  } catch (e) {
    if (!(e instanceof ConfigRefusedError)) throw e;
    io.err.write(`error: ${what}: ${e.summary}\n`);
    throw new CliExit(2);
  }
  return cluster;
}

/** Runs a check that exits 1 (requireManifests, readLive) as an input error of diff's: exit 2. */
async function asInputError<T>(fn: () => T | Promise<T>): Promise<T> {
  try { return await fn(); } catch (e) { if (e instanceof CliExit) throw new CliExit(2); throw e; }
}

export function registerDiff(program: Command, io: IO): void {
  readsLiveItself(program.command('diff'))
    .description('what a change to the manifests opens or closes: connectivity by workload, exposure, Services, DNS, routes, mesh and findings')
    .option('--base <path|git:REF>', 'the manifests before the change: a file or folder, or git:REF for the -f paths at that revision of their repository')
    .option('--base-context <name>', 'the cluster before the change: this kubeconfig context, read from its API server (instead of --base)')
    .option('-f, --filename <path>', 'the manifests after the change: file or folder (repeatable; - for stdin)', collect, [])
    .option('--context <name>', 'the cluster after the change: this kubeconfig context, read from its API server (instead of -f)')
    .option('--kubeconfig <file>', 'the kubeconfig of --base-context and --context (else $KUBECONFIG, ~/.kube/config)')
    .option('--config <file>', 'ClusterConfig file (podnet.dev/v1alpha1) for both sides')
    .option('--lenient', LENIENT_HELP)
    .addOption(new Option('-o, --output <format>', 'table, json (the stable contract), md (a pull-request comment) or github (workflow annotations)').default('table'))
    .option('--fail-on <change>', 'exit 1 when the diff holds this kind of change: new-exposure, new-allowed or any')
    .option('--max-rows <n>', 'with -o md: at most this many rows per section, then "… and K more"', '50')
    .addHelpText('after', DIFF_EXIT_HELP)
    .exitOverride((e: CommanderError) => { throw e.exitCode === 0 ? e : new CommanderError(2, e.code, e.message); })
    .action(async (opts: DiffOptions) => {
      const usage = (m: string): never => { io.err.write(`error: ${m}\n`); throw new CliExit(2); };
      if (!FORMATS.includes(opts.output)) usage(`unknown output format "${opts.output}": use ${FORMATS.join(', ')}`);
      if (opts.failOn !== undefined && !GATES.includes(opts.failOn)) usage(`--fail-on must be ${GATES.join(', ')}, not "${opts.failOn}"`);
      if (!/^\d+$/.test(opts.maxRows) || Number(opts.maxRows) < 1) usage(`--max-rows must be a positive number, not "${opts.maxRows}"`);
      if (opts.base !== undefined && opts.baseContext !== undefined) usage('--base and --base-context are alternatives: the manifests before the change, or a live cluster');
      if (opts.base === undefined && opts.baseContext === undefined) usage('must specify --base (the manifests before the change: a path, or git:REF) or --base-context (a live cluster)');
      if (opts.context !== undefined && opts.filename.length > 0) usage('-f and --context are alternatives: the manifests after the change, or a live cluster');
      if (opts.kubeconfig !== undefined && opts.baseContext === undefined && opts.context === undefined) usage('--kubeconfig is for --base-context and --context: name the context of a side');
      if (opts.base?.startsWith('git:') && opts.filename.length === 0) usage(`--base ${opts.base} reads the -f paths at that revision: give -f`);
      if (opts.context === undefined) await asInputError(() => requireManifests(opts, io));
      const load = { configPath: opts.config, lenient: opts.lenient };
      const live = async (what: string, context: string) => {
        const l = await asInputError(() => readLive({ kubeconfig: opts.kubeconfig, context }, io));
        return buildSide(what, () => Cluster.load({ ...load, text: l.text, textName: l.name, diagnostics: l.diagnostics }), io);
      };
      const base = opts.base;
      let before: Cluster;
      if (base === undefined) before = await live(`--base-context ${opts.baseContext}`, opts.baseContext!);
      else if (base.startsWith('git:')) {
        const ref = base.slice(4);
        before = buildSide(`--base ${base}`, () => {
          try {
            const r = loadAtRevision(ref, opts.filename, opts.config !== undefined ? [opts.config] : []);
            return Cluster.build(r.objects, r.diagnostics, undefined, { owned: true, lenient: opts.lenient });
          } catch (e) {
            if (e instanceof GitSideError) usage(e.message);
            throw e;
          }
        }, io);
      } else {
        await asInputError(() => requireManifests({ filename: [base] }, io));
        if (base === '-' && opts.filename.includes('-')) usage('--base and -f cannot both read stdin');
        before = buildSide(`--base ${base}`, () => Cluster.load({ ...load, paths: [base] }), io);
      }
      const after = opts.context !== undefined ? await live(`--context ${opts.context}`, opts.context) : buildSide('-f', () => Cluster.load({ ...load, paths: opts.filename }), io);
      const d = diffClusters(before, after);
      const max = Number(opts.maxRows);
      if (opts.output === 'json') io.out.write(JSON.stringify(d, null, 2) + '\n');
      else if (opts.output === 'md') io.out.write(writeDiffMarkdown(d, max));
      else if (opts.output === 'github') io.out.write(writeDiffGithub(d));
      else io.out.write(writeDiffTable(d));
      if (gateTrips(d, opts.failOn)) {
        io.err.write(`error: --fail-on ${opts.failOn}: the change ${opts.failOn === 'any' ? 'changes something' : opts.failOn === 'new-exposure' ? 'exposes something new' : 'allows new connections'}\n`);
        throw new CliExit(1);
      }
    });
}
