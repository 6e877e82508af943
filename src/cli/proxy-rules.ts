// `podnet proxy-rules -f PATH --node NODE [--mode iptables|ipvs|nftables]`: the rules kube-proxy writes on a node,
// in the format that mode really uses (iptables-restore text, ipvsadm -Ln, the nft transaction).
import type { Command } from 'commander';
import { renderIptables } from '../services/index.js';
import { renderIpvs } from '../services/index.js';
import { servicesModel } from '../services/index.js';
import { renderNftables } from '../services/index.js';
import { CliExit, loadCluster, withManifestOptions, type IO, type ManifestOptions } from './common.js';

interface Opts extends ManifestOptions { node?: string; mode?: string; service?: string }

export function registerProxyRules(program: Command, io: IO): void {
  withManifestOptions(program.command('proxy-rules').description('the rules kube-proxy programs on a node (iptables, ipvs or nftables mode)'))
    .option('--node <node>', 'the node (default: the first)')
    .option('--mode <mode>', 'iptables, ipvs or nftables (default: the ClusterConfig kubeProxyMode)')
    .option('--service <ns/svc>', 'only this Service\'s rules (plus the fixed chains)')
    .action((opts: Opts) => {
      if (opts.mode && !['iptables', 'ipvs', 'nftables'].includes(opts.mode)) { io.err.write(`error: --mode must be iptables, ipvs or nftables (got ${JSON.stringify(opts.mode)})\n`); throw new CliExit(1); }
      const cluster = loadCluster(opts, io, { quietWarnings: true });
      const model = servicesModel(cluster);
      const node = opts.node ? model.nodeByName.get(opts.node) : model.nodes[0];
      if (!node) { io.err.write(`error: node ${JSON.stringify(opts.node ?? '')} not found (nodes: ${model.nodes.map((n) => n.name).join(', ')})\n`); throw new CliExit(1); }
      let only;
      if (opts.service) {
        const [ns, name] = opts.service.includes('/') ? opts.service.split('/', 2) : ['default', opts.service];
        if (!cluster.get('Service', ns, name)) { io.err.write(`error: services "${name}" not found in namespace ${ns}\n`); throw new CliExit(1); }
        only = (sp: { namespace: string; name: string }) => sp.namespace === ns && sp.name === name;
      }
      const mode = opts.mode ?? cluster.config.kubeProxyMode;
      const text = mode === 'ipvs' ? renderIpvs(model, node, { only }) : mode === 'nftables' ? renderNftables(model, node, { only }) : renderIptables(model, node, { only });
      io.out.write(text);
    });
}
