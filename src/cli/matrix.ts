// `podnet matrix`: the connectivity truth table, rows = sources, columns = destinations. The engine computes it per
// equivalence class of pods (src/policy/matrix.ts, matrix-groups.ts); this face only chooses the grouping and prints
// (matrix-output.ts: table, JSON contract, CSV). Above AGGREGATE_ABOVE pods it is by workload unless --by says.
import type { Command } from 'commander';
import { compilePolicies, groupMatrix, podMatrix, type MatrixGrouping, type Protocol } from '../policy/index.js';
import { CliExit, loadCluster, printDiagnostics, streamWriter, withManifestOptions, type IO, type ManifestOptions } from './common.js';
import { writeGroupCSV, writeGroupJSON, writeGroupTable, writeMatrixCSV, writeMatrixJSON, writeMatrixTable } from './matrix-output.js';

/** More pods than this and a pod × pod table is unreadable (and, as JSON, hundreds of MB): aggregate by workload. */
export const AGGREGATE_ABOVE = 500;

interface MatrixCliOptions extends ManifestOptions {
  namespace: string[];
  port?: string;
  protocol?: string;
  output: string;
  by?: string;
}

const collect = (v: string, prev: string[]) => [...prev, v];

export function registerMatrix(program: Command, io: IO): void {
  withManifestOptions(program.command('matrix').description('the connectivity truth table between pods (rows: from, columns: to)'))
    .option('-n, --namespace <ns>', 'only pods of this namespace (repeatable; default: every namespace)', collect, [])
    .option('--port <port>', 'destination port number (default: any port; JSON then adds one table per declared container port)')
    .option('--protocol <protocol>', 'TCP, UDP or SCTP (default TCP with --port, any without)')
    .option('-o, --output <format>', 'table, json or csv', 'table')
    .option('--by <grouping>', `pod, workload or namespace: one row per pod, per workload (its top controller) or per namespace (default: pod up to ${AGGREGATE_ABOVE} pods, workload above)`)
    .action(async (opts: MatrixCliOptions) => {
      const fail = (m: string): never => { io.err.write(`error: ${m}\n`); throw new CliExit(1); };
      if (!['table', 'json', 'csv'].includes(opts.output)) fail(`unknown output format "${opts.output}": use table, json or csv`);
      const protocol = opts.protocol?.toUpperCase() as Protocol | undefined;
      if (protocol !== undefined && !['TCP', 'UDP', 'SCTP'].includes(protocol)) fail(`unknown protocol "${opts.protocol}": use TCP, UDP or SCTP`);
      if (opts.by !== undefined && !['pod', 'workload', 'namespace'].includes(opts.by)) fail(`--by must be pod, workload or namespace, not "${opts.by}"`);
      let port: number | undefined;
      if (opts.port !== undefined) {
        if (!/^\d+$/.test(opts.port) || Number(opts.port) < 1 || Number(opts.port) > 65535) fail(`--port must be a number between 1 and 65535 (a matrix spans many pods, so a port name would mean different numbers)`);
        port = Number(opts.port);
      }
      const cluster = loadCluster(opts, io, { quietWarnings: true });
      const known = new Set(cluster.namespaces().map((n) => n.metadata.name));
      for (const ns of opts.namespace) if (!known.has(ns)) fail(`namespaces "${ns}" not found`);
      const model = compilePolicies(cluster);
      printDiagnostics(model.diagnostics.filter((d) => d.level === 'error'), io.err);
      const m = podMatrix(model, { namespaces: opts.namespace, port, protocol });
      let by = opts.by as MatrixGrouping | 'pod' | undefined;
      if (by === undefined) {
        by = m.pods.length > AGGREGATE_ABOVE ? 'workload' : 'pod';
        if (by === 'workload') io.err.write(`note: ${m.pods.length} pods are more than ${AGGREGATE_ABOVE}: the matrix is by workload (--by pod for one row per pod, --by namespace for fewer rows)\n`);
      }
      const out = streamWriter(io.out);
      if (by === 'pod') {
        if (opts.output === 'json') await writeMatrixJSON(out.write, model, m, opts.namespace, protocol);
        else if (opts.output === 'csv') await writeMatrixCSV(out.write, m);
        else await writeMatrixTable(out.write, model, m);
      } else {
        const g = groupMatrix(model, m, by);
        if (opts.output === 'json') await writeGroupJSON(out.write, g, m);
        else if (opts.output === 'csv') await writeGroupCSV(out.write, g);
        else await writeGroupTable(out.write, model, g, m);
      }
      await out.end();
    });
}
