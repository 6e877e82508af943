// `podnet lint`: findings about policies (selecting nothing, peers matching nothing, missing named ports, egress
// without DNS, ipBlocks over pod/Service CIDRs, a CNI that does not enforce, duplicate/shadowed rules). Each with a
// stable code, severity, object, file:line, message and fix hint; the checks live in src/policy/lint.ts.
import type { Command } from 'commander';
import { formatSource } from '../api/types.js';
import { clusterFindings, countFindings, findingObjectText, type Finding } from '../findings/index.js';
import { MACHINE_FORMATS, writeMachineFindings } from './findings-output.js';
import { CliExit, loadCluster, withManifestOptions, type IO, type ManifestOptions } from './common.js';

interface LintOptions extends ManifestOptions {
  output: string;
  failOn: string;
}

export function registerLint(program: Command, io: IO): void {
  withManifestOptions(program.command('lint').description('find policies that do not do what they seem to: each finding with file:line and a fix'))
    .option('-o, --output <format>', 'text, json, sarif (SARIF 2.1.0 for code scanning) or github (workflow annotations)', 'text')
    .option('--fail-on <severity>', 'exit 1 when a finding is at least this severe: error, warning, info or none', 'error')
    .action((opts: LintOptions) => {
      const fail = (m: string): never => { io.err.write(`error: ${m}\n`); throw new CliExit(1); };
      if (!['text', 'json', ...MACHINE_FORMATS].includes(opts.output)) fail(`unknown output format "${opts.output}": use text, json, sarif or github`);
      const ranks: Record<string, number> = { error: 3, warning: 2, info: 1, none: 99 };
      if (!(opts.failOn in ranks)) fail(`--fail-on must be error, warning, info or none, not "${opts.failOn}"`);
      const cluster = loadCluster(opts, io, { quietWarnings: true });
      const findings = clusterFindings(cluster, { components: ['policy'] });
      if (opts.output === 'json') io.out.write(JSON.stringify({ findings: findings.map(findingJSON), summary: countFindings(findings) }, null, 2) + '\n');
      else if (!writeMachineFindings(opts.output, findings, 'podnet lint', ['policy'], io)) io.out.write(formatFindings(findings));
      if (findings.some((f) => ranks[f.level] >= ranks[opts.failOn])) throw new CliExit(1);
    });
}

export function findingJSON(f: Finding): Record<string, unknown> {
  return {
    code: f.code, severity: f.level,
    object: findingObjectText(f),
    file: f.source?.file ?? null, line: f.source?.line ?? null, message: f.message, hint: f.hint,
  };
}

export function formatFindings(findings: readonly Finding[]): string {
  if (findings.length === 0) return 'No findings: every policy selects pods, its peers and named ports exist, and DNS stays reachable.\n';
  const lines: string[] = [];
  for (const f of findings) {
    const where = formatSource(f.source);
    lines.push(`${where ? `${where}: ` : ''}${f.level} ${f.code}: ${f.message}`);
    if (f.hint) lines.push(`  fix: ${f.hint}`);
  }
  const n = countFindings(findings);
  lines.push(`${n.errors} error(s), ${n.warnings} warning(s), ${n.info} info`);
  return lines.join('\n') + '\n';
}
