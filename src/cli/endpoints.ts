// `podnet endpoints -f PATH --service NS/SVC [--port P] [--from NS/POD | --node N | --external] [-o json]`: the
// endpoints kube-proxy would use from that vantage point, with the probability of each (src/services decides).
import type { Command } from 'commander';
import { endpointsFor, EndpointsQueryError } from '../services/index.js';
import { PodReferenceError, resolvePodReference } from '../cluster/refs.js';
import { CliExit, loadCluster, withManifestOptions, type IO, type ManifestOptions } from './common.js';
import { maxOf } from '../util/arrays.js';

interface Opts extends ManifestOptions { service?: string; port?: string; protocol?: string; from?: string; node?: string; external?: boolean; via?: string; client?: string; output: string }

export function registerEndpoints(program: Command, io: IO): void {
  withManifestOptions(program.command('endpoints').description('the endpoints kube-proxy would pick for a Service from a pod, a node or an outside client'))
    .option('--service <ns/svc>', 'the Service')
    .option('--port <port>', 'Service port number or name (needed when it has several)')
    .option('--protocol <proto>', 'TCP, UDP or SCTP')
    .option('--from <ns/pod>', 'vantage point: a pod (ClusterIP traffic from its node)')
    .option('--node <node>', 'vantage point: a node (with --external: the node an outside client enters through)')
    .option('--external', 'an outside client (NodePort, LoadBalancer IP or external IP)')
    .option('--via <entry>', 'with --external: nodePort, loadBalancer or externalIP')
    .option('--client <ip>', 'with --external: the client address', undefined)
    .option('-o, --output <format>', 'text or json', 'text')
    .action((opts: Opts) => {
      if (!opts.service) { io.err.write('error: --service NS/SVC is required\n'); throw new CliExit(1); }
      if (opts.from && (opts.node || opts.external)) { io.err.write('error: use either --from NS/POD or --node/--external\n'); throw new CliExit(1); }
      if (opts.via && !['nodePort', 'loadBalancer', 'externalIP'].includes(opts.via)) { io.err.write('error: --via must be nodePort, loadBalancer or externalIP\n'); throw new CliExit(1); }
      const cluster = loadCluster(opts, io, { quietWarnings: true });
      let answer;
      try {
        answer = endpointsFor(cluster, { service: opts.service, port: opts.port, protocol: opts.protocol, from: opts.from && resolvePodReference(cluster, opts.from), node: opts.node, external: opts.external, via: opts.via as 'nodePort' | undefined, clientIP: opts.client });
      } catch (e) {
        if (e instanceof PodReferenceError || e instanceof EndpointsQueryError) { io.err.write(`error: ${e.message}\n`); throw new CliExit(1); }
        throw e;
      }
      if (opts.output === 'json') { io.out.write(JSON.stringify(answer, null, 2) + '\n'); return; }
      const target = answer.vip ? `${answer.vip}:${answer.entry === 'nodePort' ? (answer as { nodePort?: number }).nodePort : answer.port}` : '(no VIP)';
      io.out.write(`Service ${answer.service} port ${answer.port}/${answer.protocol}${answer.portName ? ` (${answer.portName})` : ''} via ${target}, seen from ${answer.vantage}\n`);
      if (answer.endpoints.length === 0) {
        io.out.write(`No endpoint: ${answer.verdict === 'reject' ? 'REJECTED' : answer.verdict === 'drop' ? 'DROPPED' : 'not proxied'}.\n`);
      } else {
        const rows = [['ENDPOINT', 'POD', 'NODE', 'PROBABILITY'], ...answer.endpoints.map((e) => [`${e.ip}:${e.port}`, e.pod ?? '<none>', e.node ?? '<none>', `${(e.probability * 100).toFixed(1)}%${e.terminating ? ' (terminating)' : ''}`])];
        const widths = rows[0].map((_, i) => maxOf(rows.map((r) => r[i].length)));
        for (const r of rows) io.out.write(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] + 3))).join('') + '\n');
        io.out.write(`SNAT: ${answer.snat ? 'yes, to the node IP (the endpoint sees the node, not the client)' : 'no (the endpoint sees the client IP)'}\n`);
      }
      io.out.write(`Why: ${answer.reason}\n`);
    });
}
