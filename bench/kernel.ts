// Kernel mode (issue 15): how long `podnet up --kernel`'s realisation takes and how much memory the lab needs at 100 and
// 500 pods (goal: 100 pods < 10 s and < 1.5 GB in all), how long one node's kube-proxy rules take to load at 1,000
// Services in each mode, and how many flows per second `podnet verify --kernel` checks (model answer, real connections
// or dig from the source namespace, comparison). Needs root.
import { Cluster } from '../src/cluster/cluster.js';
import { compileDns } from '../src/dns/index.js';
import { hostProblems } from '../src/realize/host.js';
import { addNamespace, deleteNamespace, execInOk, listNamespaces, newLabPrefix } from '../src/realize/netns.js';
import { KernelReferee, realiseForVerify } from '../src/realize/referee.js';
import { enumerateFlows } from '../src/verify/flows.js';
import { verifyFlows } from '../src/verify/verify.js';
import type { ClusterConfig } from '../src/cluster/config.js';
import { KernelLab } from '../src/realize/realize.js';
import { renderIptables, renderNftables, servicesModel } from '../src/services/index.js';
import { machineLine, type Bench } from './harness.js';
import { syntheticCluster, syntheticObjects, type SyntheticOptions } from './synthetic.js';
import { fileURLToPath } from 'node:url';

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mib = (b: number) => `${Math.round(b / 2 ** 20)} MiB`;

async function realiseAt(pods: number): Promise<string[]> {
  const opts: SyntheticOptions = { pods, namespaces: Math.max(1, pods / 20), services: pods / 10, policies: pods / 20 };
  const cluster = syntheticCluster(opts);
  const dns = compileDns(cluster);
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const lab = await KernelLab.start({ cluster, dns });
  const up = performance.now() - t0;
  const rss = process.memoryUsage().rss;
  const t = lab.timings;
  const t2 = performance.now();
  const count = lab.namespaces().length;
  await lab.close();
  const teardown = performance.now() - t2;
  // verify needs the model built from what was realised (VXLAN for IP-in-IP here): its own lab, realised for it.
  const rows = pods === 100 ? [await verifyRow(`${pods} pods (sample 300)`, (config) => Cluster.build(syntheticObjects(opts).map((object, i) => ({ object, source: { file: '<synthetic>', line: i + 1 } })), [], config), 300)] : [];
  return [
    `| ${pods} pods, ${cluster.nodes.length} nodes, ${cluster.services().length} Services (${count} namespaces) | ${s(up)} (namespaces ${s(t.namespacesMs)}, CNI ${s(t.networkMs)}, rules ${s(t.kubeProxyMs)}, agents ${s(t.podsMs)}) | ${mib(rss)} (+${mib(rss - rss0)}) | ${s(teardown)} |`,
    ...rows,
  ];
}

/** `podnet verify --kernel` on one cluster: flows per second and how many agreed. */
async function verifyRow(what: string, load: (config?: ClusterConfig) => Cluster, sample?: number): Promise<string> {
  const prepared = await KernelLab.prepare();
  const { lab, cluster, dns } = await realiseForVerify(prepared, load);
  try {
    const flows = enumerateFlows(cluster, { sample });
    const rep = await verifyFlows({ cluster, dns }, new KernelReferee(lab), flows);
    return `| verify --kernel, ${what}: ${rep.flows} flows (${rep.skipped} not verifiable) | ${(rep.flows / (rep.ms / 1000)).toFixed(1)} flows/s (${s(rep.ms)}; ${rep.agree}/${rep.flows} agree, ${rep.reprobed} asked twice) | | |`;
  } finally {
    await lab.close();
  }
}

async function ruleLoad(): Promise<string[]> {
  const cluster: Cluster = syntheticCluster({ pods: 2000, namespaces: 50, services: 1000, policies: 0 });
  const model = servicesModel(cluster);
  const node = cluster.nodes[0];
  const rows: string[] = [];
  for (const mode of ['iptables', 'nftables'] as const) {
    const text = mode === 'iptables' ? renderIptables(model, node) : renderNftables(model, node);
    const ns = `${newLabPrefix(await listNamespaces())}bench`;
    await addNamespace(ns);
    try {
      const t0 = performance.now();
      await execInOk(ns, mode === 'iptables' ? 'iptables-restore' : 'nft', mode === 'iptables' ? [] : ['-f', '-'], { input: text, timeoutMs: 300_000 });
      rows.push(`| ${mode}: one node's rules at ${cluster.services().length} Services (${text.split('\n').length} lines) | ${s(performance.now() - t0)} | | |`);
    } finally {
      await deleteNamespace(ns);
    }
  }
  return rows;
}

const bench: Bench = {
  name: 'kernel',
  async run() {
    const head = '## kernel: `podnet up --kernel` realisation (issue 15)\n\n';
    const problems = await hostProblems();
    if (problems.length) return `${head}Not measured: ${problems.join('; ')}.\n`;
    const shop = fileURLToPath(new URL('../../examples/shop', import.meta.url));
    const rows = [...await realiseAt(100), ...await realiseAt(500), ...await ruleLoad(), await verifyRow('examples/shop', (config) => Cluster.load(config ? { paths: [shop], config } : [shop]))];
    return head + [
      `Machine: ${machineLine()}. Synthetic clusters (bench/synthetic.ts: Calico, realised as VXLAN on a kernel without ipip; kube-proxy iptables; NetworkPolicy loaded). Time from KernelLab.start to every agent listening; RSS of the lab process (the socket helper is short-lived); goal 100 pods < 10 s and < 1.5 GB. The CNI step runs one ip -n POD -batch per pod namespace (plus one batch per node); each of those process starts costs 30–45 ms here, mostly system time on the shared cores, which is most of the 500-pod figure. Namespaces are created in one ip -batch (netns add lines). verify: every flow of the cluster (or --sample 300 of the pod pairs and DNS flows), every connection in one Python client whose threads enter the source namespaces (64 at once), one dig per pod for all its names (8 pods at once); a dropped connection waits 1 s; flows per second include computing the model's answers and realising nothing (the lab is up).`,
      '',
      '| what | time | lab RSS (growth) | teardown |',
      '| --- | --- | --- | --- |',
      ...rows,
    ].join('\n') + '\n';
  },
};
export default bench;
