// `podnet verify --context X [--kubeconfig F] [-n NS]`: a live cluster as the referee (policy-assistant's probe mode).
// The cluster was listed by the live hook (src/cli/live.ts); a namespace podnet owns gets agnhost netexec probe pods
// (src/kube/probe.ts), and once they run with IPs the cluster is listed again, so the model sees the probes as the
// cluster placed them (node, IP, labels) rather than as podnet guessed them. Every flow from a probe pod is then made
// by exec (`/agnhost connect`, `dig`) and compared with the model (src/verify). The namespace is deleted at the end,
// on an error, on Ctrl-C and on SIGTERM.
import { randomBytes } from 'node:crypto';
import { Codes } from '../api/diagnostics.js';
import { Cluster, ConfigRefusedError, requireUsableConfig } from '../cluster/cluster.js';
import { compileDns } from '../dns/index.js';
import { formatReport, reportJson, verifyFlows } from '../verify/verify.js';
import { CliExit, printDiagnostics, type IO, type ManifestOptions } from './common.js';
import { readLive } from './live.js';

export interface LiveVerifyOptions extends ManifestOptions {
  sample?: number;
  output: string;
  parallel: number;
  timeoutMs: number;
  namespaces: string[];
  probes: number;
  image?: string;
  podTimeoutMs: number;
}

export async function verifyLive(opts: LiveVerifyOptions, io: IO, onSignal: (close: () => Promise<void>) => () => void): Promise<void> {
  const { KubeClient, isClientError } = await import('../kube/client.js');
  const { LiveReferee, ownContainer, probeNamespace } = await import('../kube/live-referee.js');
  const { liveFlows, probeNodes, probeSetup, AGNHOST_IMAGE } = await import('../kube/probe.js');
  const listing = opts.live!.listing;
  const client = KubeClient.open({ kubeconfig: opts.kubeconfig, context: opts.context });
  const setup = probeSetup(probeNodes(listing.objects.filter((o) => o.kind === 'Node')), { suffix: randomBytes(3).toString('hex'), pods: opts.probes, image: opts.image });
  const probes = probeNamespace(client, setup, 'verify', (l) => io.err.write(`${l}\n`));
  const ns = probes.name;
  const cleanup = probes.remove;
  const stop = onSignal(cleanup);
  try {
    io.err.write(`verify: ${setup.pods.length} probe pod(s) (${opts.image ?? AGNHOST_IMAGE} netexec) in namespace ${ns} of context "${client.context}"\n`);
    await probes.create(opts.podTimeoutMs);
    const live = await readLive(opts, io);
    const cluster = Cluster.load({ text: live.text, textName: live.name, diagnostics: live.diagnostics, configPath: opts.config, lenient: opts.lenient });
    printDiagnostics(cluster.diagnostics.filter((d) => d.level === 'error' || d.code === Codes.kindNotListed), io.err);
    requireUsableConfig(cluster);
    const { flows, left } = liveFlows(cluster, ns, { sample: opts.sample, namespaces: opts.namespaces });
    for (const l of left) io.err.write(`verify: not asked: ${l.count} flow(s) to ${l.reason}\n`);
    io.err.write('verify: not asked: flows from outside the cluster (NodePorts, LoadBalancer and external IPs): there is no client outside a live cluster\n');
    io.err.write(`verify: probing ${flows.length} flows by exec, ${opts.parallel} at a time\n`);
    const pods = new Map((cluster.pods() as { metadata: { name: string; namespace?: string } }[]).map((p) => [`${p.metadata.namespace ?? 'default'}/${p.metadata.name}`, p]));
    const referee = new LiveReferee(client, ownContainer(client.context, (key) => pods.get(key)), opts.parallel);
    const report = await verifyFlows({ cluster, dns: compileDns(cluster) }, referee, flows, { concurrency: opts.parallel, timeoutMs: opts.timeoutMs });
    io.out.write(opts.output === 'json' ? JSON.stringify(reportJson(report), null, 2) + '\n' : formatReport(report));
    if (report.disagree > 0) throw new CliExit(1);
  } catch (e) {
    if (e instanceof CliExit) throw e;
    if (e instanceof ConfigRefusedError) { io.err.write(`error: ${e.summary}\n`); throw new CliExit(1); }
    if (isClientError(e)) { io.err.write(`error: ${e.message}\n`); throw new CliExit(1); }
    throw e;
  } finally {
    stop();
    await cleanup();
    client.close();
  }
}
