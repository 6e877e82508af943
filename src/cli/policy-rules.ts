// `podnet policy-rules -f PATH --node NODE`: the nftables rules that enforce NetworkPolicy, AdminNetworkPolicy and
// BaselineAdminNetworkPolicy on a node, as the transaction `nft -f` loads (rendered from the compiled policy model).
import type { Command } from 'commander';
import { policyModelOf, renderPolicyNftables } from '../policy/index.js';
import { CliExit, loadCluster, withManifestOptions, type IO, type ManifestOptions } from './common.js';

interface Opts extends ManifestOptions { node?: string }

export function registerPolicyRules(program: Command, io: IO): void {
  withManifestOptions(program.command('policy-rules').description('the nftables rules that enforce NetworkPolicy/AdminNetworkPolicy/BaselineAdminNetworkPolicy on a node (nft -f text)'))
    .option('--node <node>', 'the node (default: the first)')
    .addHelpText('after', '\nPer pod on the node: egress and ingress chains entered by its interface (or its IP for bridge CNIs), walking\nAdminNetworkPolicy -> NetworkPolicy -> BaselineAdminNetworkPolicy; every rule has a counter and a comment naming the\npolicy and rule. Flannel does not enforce NetworkPolicy: nothing is rendered.\n\nExample:\n  podnet policy-rules -f examples/shop --node node-1 | sudo ip netns exec mynode nft -f -\n')
    .action((opts: Opts) => {
      const cluster = loadCluster(opts, io, { quietWarnings: true });
      const model = policyModelOf(cluster);
      const node = opts.node ?? model.nodes[0]?.name;
      if (!node || !model.nodes.some((n) => n.name === node)) { io.err.write(`error: node ${JSON.stringify(opts.node ?? '')} not found (nodes: ${model.nodes.map((n) => n.name).join(', ')})\n`); throw new CliExit(1); }
      io.out.write(renderPolicyNftables(model, node));
    });
}
