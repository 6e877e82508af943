// `podnet explain policy [NAME] [-n NS]`: what each policy does, in plain language (whom it selects, which directions
// it isolates, what its rules allow). The sentences come from src/policy/explain.ts.
import type { Command } from 'commander';
import { compilePolicies, explainPolicies, formatExplanation } from '../policy/index.js';
import { CliExit, loadCluster, printDiagnostics, withManifestOptions, type IO, type ManifestOptions } from './common.js';

interface ExplainOptions extends ManifestOptions {
  namespace?: string;
  output: string;
}

const KINDS: Record<string, string | undefined> = {
  policy: undefined, policies: undefined,
  networkpolicy: 'NetworkPolicy', networkpolicies: 'NetworkPolicy', netpol: 'NetworkPolicy',
  adminnetworkpolicy: 'AdminNetworkPolicy', adminnetworkpolicies: 'AdminNetworkPolicy', anp: 'AdminNetworkPolicy',
  baselineadminnetworkpolicy: 'BaselineAdminNetworkPolicy', baselineadminnetworkpolicies: 'BaselineAdminNetworkPolicy', banp: 'BaselineAdminNetworkPolicy',
  clusternetworkpolicy: 'ClusterNetworkPolicy', clusternetworkpolicies: 'ClusterNetworkPolicy', cnp: 'ClusterNetworkPolicy',
};

export function registerExplain(program: Command, io: IO): void {
  withManifestOptions(program.command('explain').description('describe policies in plain language: whom they select, what they isolate and allow'))
    .argument('[kind]', 'policy (all kinds), networkpolicy, anp, banp or cnp', 'policy')
    .argument('[name]', 'one policy by name (default: all)')
    .option('-n, --namespace <ns>', 'only NetworkPolicies of this namespace')
    .option('-o, --output <format>', 'text or json', 'text')
    .action((kindArg: string, name: string | undefined, opts: ExplainOptions) => {
      const fail = (m: string): never => { io.err.write(`error: ${m}\n`); throw new CliExit(1); };
      const kindKey = kindArg.toLowerCase();
      if (!(kindKey in KINDS)) fail(`cannot explain "${kindArg}": use policy, networkpolicy (netpol), anp, banp or cnp (clusternetworkpolicy)`);
      if (!['text', 'json'].includes(opts.output)) fail(`unknown output format "${opts.output}": use text or json`);
      const kind = KINDS[kindKey];
      const cluster = loadCluster(opts, io, { quietWarnings: true });
      const model = compilePolicies(cluster);
      printDiagnostics(model.diagnostics.filter((d) => d.level === 'error'), io.err);
      const list = explainPolicies(model, { namespace: opts.namespace, name }).filter((e) => kind === undefined || e.kind === kind);
      if (list.length === 0) {
        if (name !== undefined) fail(`${kind ?? 'policy'} "${name}" not found${opts.namespace ? ` in namespace "${opts.namespace}"` : ''}`);
        io.out.write(opts.output === 'json' ? '[]\n' : `No policies found${opts.namespace ? ` in ${opts.namespace} namespace` : ''}.\n`);
        return;
      }
      if (opts.output === 'json') io.out.write(JSON.stringify(list, null, 2) + '\n');
      else io.out.write(list.map(formatExplanation).join('\n\n') + '\n');
    });
}
