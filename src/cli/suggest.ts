// `podnet suggest policies -f PATH [--from-flows FILE | --lab [URL]] [-n NS] [--diff]`: least-privilege
// NetworkPolicies from observed flows, proved by the engine (src/suggest). This file reads flags and files and prints.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Cluster } from '../cluster/cluster.js';
import { diffClusters } from '../diff/index.js';
import { proxyPods } from '../ingress/index.js';
import type { FlowRecord } from '../serve/lab/flows.js';
import { labRequest, labUrl, LabApiError, LabUnreachable } from '../serve/lab/client.js';
import { FlowFileError, observedFlows, parseFlowFile } from '../suggest/flows.js';
import { suggestPolicies } from '../suggest/policies.js';
import { prove } from '../suggest/verify.js';
import { CliExit, loadCluster, withManifestOptions, type IO, type ManifestOptions } from './common.js';
import { writeDiffTable } from './diff-output.js';

interface SuggestOptions extends ManifestOptions { fromFlows?: string; lab?: string | boolean; namespace: string[]; diff?: boolean }

const SUGGEST_HELP = `
Flows come from a file in the shape of \`podnet logs --flows -o json\` (one JSON record per line, or a JSON array), or
from the running lab (--lab). Only delivered flows are admitted; dropped ones are counted and left out.

The policies are checked with the engine on the cluster with them added: every observed flow allowed, DNS from
every workload in scope allowed, and no other workload pair with an end in scope allowed on any port. The proof is
the first line of the YAML and goes to stderr:
  suggest: 14 policies; all 37 observed flows allowed, 0 other workload pairs allowed

Exit status: 0 the proof holds; 1 it does not (what else is allowed, and by which policy, is listed), or bad input.
`;

export function registerSuggest(program: Command, io: IO): void {
  const suggest = program.command('suggest').description('suggest configuration from what the cluster did');
  withManifestOptions(suggest.command('policies').description('least-privilege NetworkPolicies from observed flows, proved by the engine'))
    .option('--from-flows <file>', 'a flow log: podnet logs --flows -o json output (- for stdin)')
    .option('--lab [url]', 'read the flow log of the running lab (default $PODNET_LAB or http://127.0.0.1:7070)')
    .option('-n, --namespace <ns>', 'namespaces to lock down (repeatable; default: every namespace with pods of the manifests)', (v: string, p: string[]) => [...p, v], [] as string[])
    .option('--diff', 'print what the policies change, as podnet diff does, instead of the YAML')
    .addHelpText('after', SUGGEST_HELP)
    .action(async (opts: SuggestOptions) => {
      const fail = (m: string): never => { io.err.write(`error: ${m}\n`); throw new CliExit(1); };
      if ((opts.fromFlows === undefined) === (opts.lab === undefined)) fail('give the flows: --from-flows FILE or --lab');
      if (opts.filename.includes('-')) fail('suggest reads the manifests twice (before and with the policies): give files, not -');
      let records: FlowRecord[];
      if (opts.fromFlows !== undefined) {
        let text = '';
        try { text = readFileSync(opts.fromFlows === '-' ? 0 : opts.fromFlows, 'utf8'); } catch (e) { fail(`cannot read the flows "${opts.fromFlows}": ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'the path does not exist' : (e as Error).message}`); }
        try { records = parseFlowFile(text, opts.fromFlows); } catch (e) { if (e instanceof FlowFileError) fail(e.message); throw e; }
      } else {
        try { records = await labRequest<FlowRecord[]>(labUrl(typeof opts.lab === 'string' ? opts.lab : undefined), 'GET', '/api/flows?tailLines=-1'); } catch (e) {
          if (e instanceof LabUnreachable || e instanceof LabApiError) fail(e.message);
          throw e;
        }
      }
      const cluster = loadCluster(opts, io, { quietWarnings: true });
      for (const ns of opts.namespace) if (!cluster.list('Namespace').some((n) => n.metadata.name === ns)) fail(`namespaces "${ns}" not found`);
      // An Ingress/Gateway flow reaches the backend from its entry point's proxy pod (the first by name, as routing picks).
      const edgeSource = (f: FlowRecord) => {
        const p = proxyPods(cluster, f.via).sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1))[0];
        return p ? `${p.metadata.namespace}/${p.metadata.name}` : undefined;
      };
      const read = observedFlows(records!, edgeSource);
      const s = suggestPolicies(cluster, read.flows, { namespaces: opts.namespace });
      const after = Cluster.load({ paths: opts.filename, configPath: opts.config, lenient: opts.lenient, text: s.yaml, textName: 'suggested-policies.yaml' });
      const proof = prove(after, s, read.flows);
      const notes = [
        `# ${proof.line}`,
        `# from ${read.records} flow records: ${read.flows.length} distinct connections${read.skipped.map((k) => `; ${k.ids.length} left out (${k.reason})`).join('')}`,
      ];
      io.out.write(opts.diff ? writeDiffTable(diffClusters(cluster, after)) : `${notes.join('\n')}\n${s.yaml}`);
      io.err.write(`${proof.line}\n`);
      for (const d of proof.denied.slice(0, 10)) io.err.write(`  still denied: ${d.flow.source} → ${d.flow.destination} ${d.flow.port}/${d.flow.protocol}: ${d.reason}\n`);
      for (const o of proof.others.slice(0, 10)) io.err.write(`  also allowed: ${o}\n`);
      if (proof.others.length > 10) io.err.write(`  and ${proof.others.length - 10} more pairs also allowed\n`);
      if (!proof.holds) throw new CliExit(1);
    });
}
