// `podnet snapshot [--kubeconfig F] [--context X] [-o yaml|json]`: the live cluster's modelled objects as one List
// dump on stdout (kubectl's -o yaml / -o json printers), which `-f` reads back as the same cluster. Kinds that could
// not be read are warnings on stderr and, in YAML, comments at the top of the dump.
import type { Command } from 'commander';
import { CliExit, type IO } from './common.js';
import { readLive, withLiveOptions, type LiveOptions } from './live.js';
import { asList, toJSON, toYAML } from './printers/output.js';
import { formatDiagnostic } from '../api/diagnostics.js';

export function registerSnapshot(program: Command, io: IO): void {
  withLiveOptions(program.command('snapshot').description('save a live cluster\'s network state (every modelled kind) as a List dump that -f reads'))
    .option('-o, --output <format>', 'yaml or json', 'yaml')
    .action(async (opts: LiveOptions & { output: string }) => {
      if (!['yaml', 'json'].includes(opts.output)) {
        io.err.write(`error: unknown output format "${opts.output}": use yaml or json\n`);
        throw new CliExit(1);
      }
      const live = opts.live ?? await readLive(opts, io);
      for (const d of live.diagnostics) io.err.write(formatDiagnostic(d) + '\n');
      const doc = asList(live.listing.objects);
      if (opts.output === 'json') { io.out.write(toJSON(doc)); return; }
      const header = [`# podnet snapshot of context "${live.listing.context}" (${live.listing.server}): ${live.listing.objects.length} objects`]
        .concat(live.diagnostics.map((d) => `# ${formatDiagnostic(d).replace(/\n/g, ' ')}`));
      io.out.write(header.join('\n') + '\n' + toYAML(doc));
    });
}
