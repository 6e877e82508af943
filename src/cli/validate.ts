// `podnet validate -f PATH`: every error and warning with file:line; exit 1 on any error.
import type { Command } from 'commander';
import { CliExit, withManifestOptions, type IO, type ManifestOptions } from './common.js';
import { Cluster } from '../cluster/cluster.js';
import { formatDiagnostic } from '../api/diagnostics.js';

export function registerValidate(program: Command, io: IO): void {
  withManifestOptions(program.command('validate').description('check manifests: every error and warning, with file:line'))
    .option('-o, --output <format>', 'text or json', 'text')
    .action((opts: ManifestOptions & { output: string }) => {
      if (opts.filename.length === 0) {
        io.err.write('error: must specify one of -f and -k\n');
        throw new CliExit(1);
      }
      const cluster = Cluster.load({ paths: opts.filename, configPath: opts.config });
      const errors = cluster.diagnostics.filter((d) => d.level === 'error').length;
      const warnings = cluster.diagnostics.length - errors;
      if (opts.output === 'json') {
        io.out.write(JSON.stringify({ valid: errors === 0, errors, warnings, diagnostics: cluster.diagnostics }, null, 2) + '\n');
      } else {
        for (const d of cluster.diagnostics) io.out.write(formatDiagnostic(d) + '\n');
        const objects = cluster.store.kinds().reduce((n, k) => n + cluster.store.count(k), 0);
        io.out.write(`${errors} error(s), ${warnings} warning(s); ${objects} objects in the cluster model\n`);
      }
      if (errors > 0) throw new CliExit(1);
    });
}
