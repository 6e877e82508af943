// `podnet lint`: findings about policies (selecting nothing, peers matching nothing, missing named ports, egress
// without DNS, ipBlocks over pod/Service CIDRs, a CNI that does not enforce, duplicate/shadowed rules). Each with a
// stable code, severity, object, file:line, message and fix hint; the checks live in src/policy/lint.ts.
import type { Command } from 'commander';
import { formatSource } from '../api/types.js';
import { compilePolicies, lintPolicies, type LintFinding } from '../policy/index.js';
import { CliExit, loadCluster, withManifestOptions, type IO, type ManifestOptions } from './common.js';

interface LintOptions extends ManifestOptions {
  output: string;
  failOn: string;
}

export function registerLint(program: Command, io: IO): void {
  withManifestOptions(program.command('lint').description('find policies that do not do what they seem to: each finding with file:line and a fix'))
    .option('-o, --output <format>', 'text or json', 'text')
    .option('--fail-on <severity>', 'exit 1 when a finding is at least this severe: error, warning, info or none', 'error')
    .action((opts: LintOptions) => {
      const fail = (m: string): never => { io.err.write(`error: ${m}\n`); throw new CliExit(1); };
      if (!['text', 'json'].includes(opts.output)) fail(`unknown output format "${opts.output}": use text or json`);
      const ranks: Record<string, number> = { error: 3, warning: 2, info: 1, none: 99 };
      if (!(opts.failOn in ranks)) fail(`--fail-on must be error, warning, info or none, not "${opts.failOn}"`);
      const cluster = loadCluster(opts, io, { quietWarnings: true });
      const findings = lintPolicies(compilePolicies(cluster));
      if (opts.output === 'json') {
        const count = (s: string) => findings.filter((f) => f.severity === s).length;
        io.out.write(JSON.stringify({ findings: findings.map(findingJSON), summary: { errors: count('error'), warnings: count('warning'), info: count('info') } }, null, 2) + '\n');
      } else io.out.write(formatFindings(findings));
      if (findings.some((f) => ranks[f.severity] >= ranks[opts.failOn])) throw new CliExit(1);
    });
}

export function findingJSON(f: LintFinding): Record<string, unknown> {
  return {
    code: f.code, severity: f.severity,
    object: `${f.object.kind} ${f.object.namespace ? `${f.object.namespace}/` : ''}${f.object.name}`,
    file: f.source?.file ?? null, line: f.source?.line ?? null, message: f.message, hint: f.hint,
  };
}

export function formatFindings(findings: readonly LintFinding[]): string {
  if (findings.length === 0) return 'No findings: every policy selects pods, its peers and named ports exist, and DNS stays reachable.\n';
  const lines: string[] = [];
  for (const f of findings) {
    const where = formatSource(f.source);
    lines.push(`${where ? `${where}: ` : ''}${f.severity} ${f.code}: ${f.message}`);
    lines.push(`  fix: ${f.hint}`);
  }
  const count = (s: string) => findings.filter((f) => f.severity === s).length;
  lines.push(`${count('error')} error(s), ${count('warning')} warning(s), ${count('info')} info`);
  return lines.join('\n') + '\n';
}
