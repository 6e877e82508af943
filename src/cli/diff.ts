// `podnet diff --base PATH|git:REF -f PATH`: what a change opens or closes. Both sides are built by the engine and
// compared by src/diff; this face reads the sides (files, or the same paths at a git revision), prints and gates.
import { Option, type Command, CommanderError } from 'commander';
import { Cluster, ConfigRefusedError, requireUsableConfig } from '../cluster/cluster.js';
import { diffClusters, opensSomething, type ClusterDiff } from '../diff/index.js';
import { CliExit, printDiagnostics, requireManifests, type IO, LENIENT_HELP } from './common.js';
import { writeDiffGithub, writeDiffMarkdown, writeDiffTable } from './diff-output.js';
import { GitSideError, loadAtRevision } from './git-side.js';

interface DiffOptions {
  base?: string;
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
2 on a usage or input error (a missing path, an unknown git revision, a ClusterConfig the engine refuses).
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

export function registerDiff(program: Command, io: IO): void {
  program.command('diff')
    .description('what a change to the manifests opens or closes: connectivity by workload, exposure, Services, DNS, routes, mesh and findings')
    .option('--base <path|git:REF>', 'the manifests before the change: a file or folder, or git:REF for the -f paths at that revision of their repository')
    .option('-f, --filename <path>', 'the manifests after the change: file or folder (repeatable; - for stdin)', collect, [])
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
      if (opts.base === undefined) usage('must specify --base (the manifests before the change: a path, or git:REF)');
      try { requireManifests(opts, io); } catch (e) { if (e instanceof CliExit) throw new CliExit(2); throw e; }
      const base = opts.base!;
      let before: Cluster;
      if (base.startsWith('git:')) {
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
        try { requireManifests({ filename: [base] }, io); } catch (e) { if (e instanceof CliExit) throw new CliExit(2); throw e; }
        if (base === '-' && opts.filename.includes('-')) usage('--base and -f cannot both read stdin');
        before = buildSide(`--base ${base}`, () => Cluster.load({ paths: [base], configPath: opts.config, lenient: opts.lenient }), io);
      }
      const after = buildSide('-f', () => Cluster.load({ paths: opts.filename, configPath: opts.config, lenient: opts.lenient }), io);
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
