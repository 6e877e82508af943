// `podnet validate -f PATH`: every error and warning with file:line — the API server's (loading, validation,
// allocation) and the components' (Corefile, Ingress/Gateway routing, Services as kube-proxy will treat them);
// exit 1 on any error. Policy findings have their own command, `podnet lint`.
import type { Command } from 'commander';
import { MACHINE_FORMATS, writeMachineFindings } from './findings-output.js';
import { CliExit, clusterInput, requireManifests, withManifestOptions, type IO, type ManifestOptions } from './common.js';
import { Cluster } from '../cluster/cluster.js';
import { formatDiagnostic, sortDiagnostics } from '../api/diagnostics.js';
import { clusterFindings, type Finding } from '../findings/index.js';

/** What validate covers: the API server's findings and the components' (Corefile, routes, Services), sorted. */
export function allDiagnostics(cluster: Cluster): Finding[] {
  return sortDiagnostics(clusterFindings(cluster, { components: VALIDATE_COMPONENTS }));
}

const VALIDATE_COMPONENTS = ['manifests', 'services', 'routing', 'dns'] as const;

export function registerValidate(program: Command, io: IO): void {
  withManifestOptions(program.command('validate').description('check manifests: every error and warning, with file:line'))
    .option('-o, --output <format>', 'text, json, sarif (SARIF 2.1.0 for code scanning) or github (workflow annotations)', 'text')
    .action((opts: ManifestOptions & { output: string }) => {
      requireManifests(opts, io, { live: true });
      if (!['text', 'json', ...MACHINE_FORMATS].includes(opts.output)) {
        io.err.write(`error: unknown output format "${opts.output}": use text, json, sarif or github\n`);
        throw new CliExit(1);
      }
      const cluster = Cluster.load(clusterInput(opts));
      const diags = allDiagnostics(cluster);
      const errors = diags.filter((d) => d.level === 'error').length;
      const warnings = diags.length - errors;
      if (opts.output === 'json') {
        io.out.write(JSON.stringify({ valid: errors === 0, errors, warnings, diagnostics: diags }, null, 2) + '\n');
      } else if (!writeMachineFindings(opts.output, diags, 'podnet validate', VALIDATE_COMPONENTS, io)) {
        for (const d of diags) io.out.write(formatDiagnostic(d) + '\n');
        const objects = cluster.store.kinds().reduce((n, k) => n + cluster.store.count(k), 0);
        io.out.write(`${errors} error(s), ${warnings} warning(s); ${objects} objects in the cluster model\n`);
      }
      if (errors > 0) throw new CliExit(1);
    });
}
