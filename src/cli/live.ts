// `--kubeconfig FILE` / `--context NAME` on every command that takes -f: the cluster is listed from its API server
// (src/kube/client.ts) before the command's action runs, and the command loads that listing as it loads a dump given
// with -f (the same parse, the same engine). A progress line goes to stderr; kinds that could not be read are warnings
// and PN1022 diagnostics, so the output says what the model could not see.
import type { Command } from 'commander';
import { Codes, type Diagnostic } from '../api/diagnostics.js';
import type { ClusterListing, UnseenKind } from '../kube/client.js';
import { CliExit, type IO } from './common.js';
import { asList, toJSON } from './printers/output.js';

export interface LiveOptions {
  kubeconfig?: string;
  context?: string;
  /** Filled by the preAction hook: the listing, as the text of a List dump. */
  live?: LiveCluster;
}

export interface LiveCluster {
  /** How locations name it: `<context NAME>`. */
  name: string;
  text: string;
  diagnostics: Diagnostic[];
  listing: ClusterListing;
}

export function withLiveOptions(cmd: Command): Command {
  return cmd
    .option('--kubeconfig <file>', 'read the cluster from its API server with this kubeconfig instead of -f (else $KUBECONFIG, ~/.kube/config)')
    .option('--context <name>', 'the kubeconfig context to read (default: its current-context); implies reading a live cluster');
}

export interface LiveDefaults {
  /** As a kubectl plugin: with neither -f nor --kubeconfig/--context, read kubectl's current context. */
  currentContextByDefault?: boolean;
}

const ownReaders = new WeakSet<Command>();

/** A command that reads its live clusters itself (`diff`: one per side, next to -f), not through the hook. */
export function readsLiveItself(cmd: Command): Command {
  ownReaders.add(cmd);
  return cmd;
}

/** Before any command with the live options runs: list the cluster when asked to, and hand it to the command. */
export function installLiveHook(program: Command, io: IO, defaults: LiveDefaults = {}): void {
  program.hook('preAction', async (_root, action) => {
    if (!action.options.some((o) => o.long === '--kubeconfig') || ownReaders.has(action)) return;
    const opts = action.opts() as LiveOptions & { filename?: string[] };
    const files = opts.filename ?? [];
    const asked = opts.kubeconfig !== undefined || opts.context !== undefined;
    if (asked && files.length > 0) {
      io.err.write('error: -f and --kubeconfig/--context are alternatives: read manifests, or read a live cluster\n');
      throw new CliExit(1);
    }
    if (!asked && !(defaults.currentContextByDefault && files.length === 0)) return;
    action.setOptionValue('live', await readLive(opts, io));
  });
}

/** Lists the cluster of the chosen context; exits 1 with kubectl's message when it cannot. */
export async function readLive(opts: LiveOptions, io: IO, env: NodeJS.ProcessEnv = process.env): Promise<LiveCluster> {
  const { KubeClient, listCluster, isClientError } = await import('../kube/client.js');
  const tty = (io.err as NodeJS.WriteStream).isTTY === true;
  const t0 = Date.now();
  let listing: ClusterListing;
  let client: import('../kube/client.js').KubeClient | undefined;
  try {
    client = KubeClient.open({ kubeconfig: opts.kubeconfig, context: opts.context }, env);
    const name = client.context;
    listing = await listCluster(client, tty ? (p) => io.err.write(`\r\x1b[2KReading context "${name}": ${p.kindsDone}/${p.kindsTotal} kinds, ${p.objects} objects`) : undefined);
  } catch (e) {
    if (tty) io.err.write('\r\x1b[2K');
    if (isClientError(e)) { io.err.write(`error: ${e.message}\n`); throw new CliExit(1); }
    throw e;
  } finally {
    client?.close();
  }
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  io.err.write(`${tty ? '\r\x1b[2K' : ''}Read ${listing.objects.length} objects of ${listing.kinds} kinds from context "${listing.context}" (${listing.server}) in ${secs} s\n`);
  return {
    name: `<context ${listing.context}>`,
    // Byte for byte what `podnet snapshot -o json` writes, so a location in it is a line of that file.
    text: toJSON(asList(listing.objects)),
    diagnostics: unseenDiagnostics(listing),
    listing,
  };
}

/** One warning per kind that could not be read; the kinds the server does not serve, together in one. */
export function unseenDiagnostics(listing: ClusterListing): Diagnostic[] {
  const out: Diagnostic[] = [];
  const warn = (message: string) => out.push({ code: Codes.kindNotListed, level: 'warning', message });
  const notServed: UnseenKind[] = [];
  for (const u of listing.unseen) {
    if (u.reason === 'NotServed') { notServed.push(u); continue; }
    warn(`cannot list ${u.resource} (${u.kind}, ${u.apiVersion}) in context "${listing.context}": ${u.message}; the model has no ${u.kind} and answers as if there were none`);
  }
  if (notServed.length > 0) {
    const groups = new Map<string, string[]>();
    for (const u of notServed) {
      const g = u.apiVersion.split('/')[0];
      groups.set(g, [...(groups.get(g) ?? []), u.kind]);
    }
    warn(`context "${listing.context}" does not serve ${[...groups].map(([g, kinds]) => `${g} (${kinds.join(', ')})`).join('; ')}: the model has none of these kinds`);
  }
  return out;
}
