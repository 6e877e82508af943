// The kernel realisation of one compiled snapshot: network namespaces for the fabric, an outside client, every node and
// every pod, built from what the renderers beside each model produce — the CNI's devices, addresses and routes
// (src/net/kernel.ts), kube-proxy's rules exactly as `podnet proxy-rules` prints them (src/services), each pod's
// resolv.conf and hosts (src/dns) — plus the pods' agents and the cluster DNS listening inside the pods' namespaces.
// It decides nothing: a disagreement with the model is fixed in the model or the renderer, never here.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster } from '../cluster/cluster.js';
import type { NodeInfo } from '../cluster/nodes.js';
import { formatEtcHosts, formatResolvConf, podEtcHosts, type DnsModel } from '../dns/index.js';
import { policyModelOf, renderPolicyNftables } from '../policy/index.js';
import { kernelCni, renderKernelNetwork, type KernelCni, type KernelNetwork, type NetnsPlan } from '../net/kernel.js';
import { kubeProxySysctls, renderIptables, renderIptablesJumps, renderNftables, servicesModel } from '../services/index.js';
import { podsOf } from '../serve/virtual-pods.js';
import { PodAgents, type PlacedPod } from './agents.js';
import { hostProblems, probeKernel, type KernelSupport } from './host.js';
import { addNamespace, execIn, execInOk, ipBatch, listNamespaces, NamespaceNames, newLabPrefix, setSysctls } from './netns.js';
import { inParallel, runOk, type RunOptions } from './run.js';
import { cleanupStaleLabs, ETC_NETNS, removeLab, STATE_DIR, writeState } from './state.js';

export interface RealiseInput { cluster: Cluster; dns: DnsModel }

export interface RealiseOptions {
  log?: (line: string) => void;
  /** How pod sockets are opened inside namespaces (default: python3 when present). */
  socketHelper?: 'python' | 'node';
  stateDir?: string;
  /** NetworkPolicy enforcement as nft text for a node (default: src/policy/nftables.ts); null: not realised. */
  policyRules?: ((cluster: Cluster, node: NodeInfo) => string) | null;
  /** Namespaces created at once. */
  parallel?: number;
}

/** Kernel mode cannot run here: each entry says what is missing and how to get it. */
export class KernelModeError extends Error {
  constructor(readonly problems: string[]) { super(`kernel mode cannot start:\n${problems.map((p) => `  - ${p}`).join('\n')}`); }
}

export interface KernelTimings { totalMs: number; namespacesMs: number; networkMs: number; kubeProxyMs: number; podsMs: number }

export class KernelLab {
  private constructor(
    readonly prefix: string,
    readonly support: KernelSupport,
    readonly cni: KernelCni,
    private readonly names: NamespaceNames,
    private readonly stateDir: string,
    readonly agents: PodAgents,
    private readonly opts: RealiseOptions,
  ) {}

  network!: KernelNetwork;
  cluster!: Cluster;
  readonly timings: KernelTimings = { totalMs: 0, namespacesMs: 0, networkMs: 0, kubeProxyMs: 0, podsMs: 0 };
  /** What kernel mode does not realise, said once at start (policy until its renderer is plugged in). */
  readonly notRealised: string[] = [];
  private readonly netnsByKey = new Map<string, string>();

  /** Checks the machine, removes what killed labs left, then realises the snapshot. */
  static async start(input: RealiseInput, opts: RealiseOptions = {}): Promise<KernelLab> {
    const problems = await hostProblems();
    if (problems.length) throw new KernelModeError(problems);
    const stateDir = opts.stateDir ?? STATE_DIR;
    for (const r of await cleanupStaleLabs(stateDir)) opts.log?.(`removed ${r.namespaces.length} namespace(s) left by lab ${r.prefix.slice(0, -1)} (pid ${r.pid} is gone)`);
    const prefix = newLabPrefix(await listNamespaces());
    writeState(prefix, stateDir);
    try {
      const t0 = performance.now();
      const support = await probeKernel(prefix);
      if (input.cluster.config.kubeProxyMode === 'ipvs' && support.ipvs !== true) throw new KernelModeError([`kube-proxy ipvs mode needs IPVS: ${support.ipvs}; use kubeProxyMode iptables or nftables`]);
      if (input.cluster.config.kubeProxyMode === 'ipvs') throw new KernelModeError(['kube-proxy ipvs mode is not realised yet (its iptables and ipset side is not rendered); use kubeProxyMode iptables or nftables']);
      const cni = kernelCni(input.cluster.config, support);
      const lab = new KernelLab(prefix, support, cni, new NamespaceNames(prefix), stateDir, new PodAgents(input.dns, opts.socketHelper), opts);
      await lab.realise(input);
      lab.timings.totalMs = performance.now() - t0;
      return lab;
    } catch (e) {
      await removeLab(prefix, stateDir);
      throw e;
    }
  }

  private nsName(key: string): string {
    let n = this.netnsByKey.get(key);
    if (!n) this.netnsByKey.set(key, (n = this.names.name(key)));
    return n;
  }

  private async realise(input: RealiseInput): Promise<void> {
    const { cluster, dns } = input;
    this.cluster = cluster;
    const par = this.opts.parallel ?? 8;
    const network = renderKernelNetwork(cluster, this.cni.profile, {
      fabric: this.nsName('fabric'), external: this.nsName('external'),
      node: (n) => this.nsName(n), pod: (ns, name) => this.nsName(`${ns}-${name}`),
    });
    this.network = network;
    let t = performance.now();
    await inParallel(network.namespaces, par, (p) => addNamespace(p.name, { loopbackUp: false }));
    this.timings.namespacesMs = performance.now() - t;
    t = performance.now();
    for (const phase of [1, 2, 3] as const) await inParallel(network.namespaces.filter((p) => p.steps.some((s) => s.phase === phase)), par, (p) => runSteps(p, phase));
    this.timings.networkMs = performance.now() - t;

    t = performance.now();
    const model = servicesModel(cluster);
    const mode = cluster.config.kubeProxyMode;
    await inParallel(network.nodes, par, async (n) => {
      const node = cluster.nodes.find((x) => x.name === n.name)!;
      await setSysctls(n.netns, kubeProxySysctls(mode, this.support.brNetfilter));
      await loadKubeProxy(n.netns, mode, mode === 'nftables' ? renderNftables(model, node) : renderIptables(model, node));
      const policy = this.policyRules()?.(cluster, node);
      if (policy) await execInOk(n.netns, 'nft', ['-f', '-'], { input: policy });
    });
    if (!this.policyRules() && this.cni.profile.enforcesNetworkPolicy) this.notRealised.push(`NetworkPolicy is not enforced in this lab (${this.cni.profile.title} would enforce it): every connection the routes allow succeeds`);
    this.timings.kubeProxyMs = performance.now() - t;

    t = performance.now();
    this.writeEtcFiles(input);
    await this.agents.add(this.placedPods(cluster, dns));
    for (const e of this.agents.errors) this.opts.log?.(`warning: ${e}`);
    this.timings.podsMs = performance.now() - t;
  }

  private policyRules(): ((cluster: Cluster, node: NodeInfo) => string) | null {
    return this.opts.policyRules === undefined ? (cluster, node) => renderPolicyNftables(policyModelOf(cluster), node.name) : this.opts.policyRules;
  }

  /** Each pod's agent and where it runs; CoreDNS pods (the kube-dns Service's endpoints on port 53) also answer DNS. */
  private placedPods(cluster: Cluster, _dns: DnsModel): PlacedPod[] {
    const dnsPods = new Set<string>();
    for (const sp of servicesModel(cluster).ports) if (sp.namespace === 'kube-system' && sp.name === 'kube-dns' && sp.port === 53) for (const e of sp.endpoints) if (e.pod) dnsPods.add(e.pod);
    const byKey = new Map(this.network.pods.map((p) => [p.key, p]));
    const out: PlacedPod[] = [];
    for (const spec of podsOf(cluster)) {
      const placed = byKey.get(`${spec.namespace}/${spec.name}`);
      if (placed) out.push({ spec, netns: placed.netns, dns: dnsPods.has(placed.key) });
    }
    return out;
  }

  /** resolv.conf and hosts as kubelet writes them, where `ip netns exec` bind-mounts them from (/etc/netns/NAME/). */
  private writeEtcFiles({ cluster, dns }: RealiseInput): void {
    const write = (netns: string, files: Record<string, string>) => {
      const dir = join(ETC_NETNS, netns);
      mkdirSync(dir, { recursive: true });
      for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
    };
    // Nodes, the fabric and the outside client get the emulated node's resolver, never the host's.
    const nodeConf = 'nameserver 10.0.0.2\n';
    for (const ns of [this.network.fabric, this.network.external.netns, ...this.network.nodes.map((n) => n.netns)]) write(ns, { 'resolv.conf': nodeConf });
    for (const p of this.network.pods) {
      if (p.hostNetwork) continue;
      const [ns, name] = p.key.split('/', 2);
      const pod = cluster.get('Pod', ns, name);
      write(p.netns, { 'resolv.conf': formatResolvConf(dns.resolvConf(p.key)), hosts: formatEtcHosts(podEtcHosts(pod as never, cluster.config.clusterDomain)) });
    }
  }

  /** The namespace of `external`, `fabric`, `node/NAME` (or a node's name) or `NS/POD`. */
  namespaceOf(target: string): string | undefined {
    if (target === 'external') return this.network.external.netns;
    if (target === 'fabric') return this.network.fabric;
    const node = this.network.nodes.find((n) => n.name === target || `node/${n.name}` === target);
    if (node) return node.netns;
    return this.network.pods.find((p) => p.key === target)?.netns;
  }

  /** Runs a real command inside a namespace of this lab. */
  exec(netns: string, argv: readonly string[], opts?: RunOptions) {
    if (!this.namespaces().includes(netns)) throw new Error(`${netns} is not a namespace of lab ${this.prefix.slice(0, -1)}`);
    return execIn(netns, argv[0], argv.slice(1), opts);
  }

  namespaces(): string[] { return this.network.namespaces.map((p) => p.name); }

  /** Stops the agents and removes every namespace and file of this lab. */
  async close(): Promise<void> {
    await this.agents.close();
    await removeLab(this.prefix, this.stateDir);
  }
}

async function runSteps(p: NetnsPlan, phase: 1 | 2 | 3): Promise<void> {
  const first = p.steps.find((x) => x.tool === 'ip');
  for (const s of p.steps.filter((x) => x.phase === phase)) {
    try {
      // Every namespace's loopback comes up with its first batch (one process fewer per namespace).
      if (s.tool === 'ip') await ipBatch(p.name, s === first ? ['link set lo up', ...s.lines] : s.lines);
      else if (s.tool === 'bridge') await runOk('bridge', ['-n', p.name, '-batch', '-'], { input: s.lines.join('\n') + '\n' });
      else if (s.tool === 'sysctl') await setSysctls(p.name, s.lines);
      else await execInOk(p.name, 'nft', ['-f', '-'], { input: s.lines.join('\n') + '\n' });
    } catch (e) {
      throw new Error(`${p.role} ${p.of} (${p.name}): ${(e as Error).message}`);
    }
  }
}

/** Loads kube-proxy's text as it is: a renderer bug shows as a failed load, never patched over here. */
export async function loadKubeProxy(netns: string, mode: string, text: string): Promise<void> {
  if (mode === 'nftables') { await execInOk(netns, 'nft', ['-f', '-'], { input: text }); return; }
  await execInOk(netns, 'iptables-restore', [], { input: text });
  await execInOk(netns, 'iptables-restore', ['--noflush'], { input: renderIptablesJumps() });
}
