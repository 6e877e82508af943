// `podnet trace -f PATH --from NS/POD|external[:IP] --to URL|HOST:PORT|IP:PORT [--seed N] [-o text|json]`: every hop
// of one connection, in order (src/trace composes the components; this file only prints).
import type { Command } from 'commander';
import { defaultComponents } from '../trace/components.js';
import { trace, TraceInputError } from '../trace/trace.js';
import { PodReferenceError, resolvePodReference } from '../cluster/refs.js';
import { CliExit, loadCluster, withManifestOptions, type IO, type ManifestOptions } from './common.js';

interface Opts extends ManifestOptions { from?: string; to?: string; seed?: string; node?: string; protocol?: string; size?: string; output: string }

export function registerTrace(program: Command, io: IO): void {
  withManifestOptions(program.command('trace').description('follow one connection hop by hop: DNS, routes, policy, kube-proxy NAT, CNI encapsulation, delivery'))
    .option('--from <src>', 'NS/POD, external or external:IP')
    .option('--to <dst>', 'URL, HOST:PORT or IP:PORT')
    .option('--seed <n>', 'make kube-proxy\'s random endpoint pick reproducible')
    .option('--node <node>', 'for external clients: the node they enter through')
    .option('--protocol <proto>', 'TCP (default), UDP or SCTP')
    .option('--size <bytes>', 'IP packet size with DF set, checked against the path MTU')
    .option('-o, --output <format>', 'text or json', 'text')
    .action((opts: Opts) => {
      if (!opts.from || !opts.to) { io.err.write('error: --from and --to are required\n'); throw new CliExit(1); }
      const seed = opts.seed === undefined ? undefined : Number(opts.seed);
      if (seed !== undefined && !Number.isInteger(seed)) { io.err.write(`error: --seed must be an integer (got ${JSON.stringify(opts.seed)})\n`); throw new CliExit(1); }
      const protocol = opts.protocol?.toUpperCase();
      if (protocol && !['TCP', 'UDP', 'SCTP'].includes(protocol)) { io.err.write('error: --protocol must be TCP, UDP or SCTP\n'); throw new CliExit(1); }
      const size = opts.size === undefined ? undefined : Number(opts.size);
      if (size !== undefined && (!Number.isInteger(size) || size < 28 || size > 65535)) { io.err.write(`error: --size must be a packet size in bytes, 28-65535 (got ${JSON.stringify(opts.size)})\n`); throw new CliExit(1); }
      const cluster = loadCluster(opts, io, { quietWarnings: true });
      let result;
      try {
        result = trace(cluster, { from: opts.from.startsWith('external') ? opts.from : resolvePodReference(cluster, opts.from), to: opts.to, seed, node: opts.node, protocol: protocol as 'TCP' | undefined, size, components: defaultComponents() });
      } catch (e) {
        if (e instanceof PodReferenceError || e instanceof TraceInputError) { io.err.write(`error: ${e.message}\n`); throw new CliExit(1); }
        throw e;
      }
      if (opts.output === 'json') io.out.write(JSON.stringify(result, null, 2) + '\n');
      else {
        io.out.write(`trace ${result.from} → ${result.to}\n`);
        result.hops.forEach((h, i) => io.out.write(`${String(i + 1).padStart(2)}. [${h.step}]${h.node ? ` ${h.node}:` : ''} ${h.text}\n`));
        io.out.write(result.verdict === 'delivered' ? 'Result: DELIVERED\n' : `Result: DROPPED at ${result.dropAt}: ${result.dropReason}\n`);
      }
      if (result.verdict === 'dropped') throw new CliExit(2);
    });
}
