// The kernel realisation of one compiled snapshot: network namespaces for the fabric, an outside client, every node and
// every pod, built from what the renderers beside each model produce — the CNI's devices, addresses and routes
// (src/net/kernel.ts), kube-proxy's rules exactly as `podnet proxy-rules` prints them (src/services), NetworkPolicy
// (src/policy/nftables.ts), each pod's resolv.conf and hosts (src/dns) — plus the pods' agents and the cluster DNS
// listening inside the pods' namespaces. It decides nothing: a disagreement with the model is fixed in the model or the
// renderer, never here. A later snapshot is applied incrementally (`sync`).
import type { Socket } from 'node:net';
import type { Cluster } from '../cluster/cluster.js';
import type { ClusterConfig } from '../cluster/config.js';
import type { NodeInfo } from '../cluster/nodes.js';
import { formatEtcHosts, formatResolvConf, podEtcHosts, type DnsModel } from '../dns/index.js';
import { kernelCni, renderKernelNetwork, type KernelCni, type KernelNetwork, type RealisedPod } from '../net/kernel.js';
import { policyModelOf, renderPolicyNftables } from '../policy/index.js';
import { kubeProxySysctls, renderIptables, renderNftables, servicesModel } from '../services/index.js';
import { podsOf } from '../serve/virtual-pods.js';
import { PodAgents, type PlacedPod } from './agents.js';
import { KernelEdges } from './edge.js';
import { NetfilterMonitor, type NetfilterVerdict } from './nftrace.js';
import { activeProxyPods } from '../ingress/index.js';
import { loadKubeProxy, removeEtcFiles, runSteps, writeEtcFiles } from './apply.js';
import { hostProblems, probeKernel, type KernelSupport } from './host.js';
import { addNamespaces, deleteNamespaces, execIn, execInOk, ipBatch, listNamespaces, NamespaceNames, newLabPrefix, setSysctls } from './netns.js';
import { inParallel, type RunOptions } from './run.js';
import { cleanupStaleLabs, removeLab, STATE_DIR, writeState } from './state.js';
import { pushAll } from '../util/arrays.js';

export interface RealiseInput {
  cluster: Cluster;
  dns: DnsModel;
  /** The NetworkPolicy table's verdict on each new connection through a node, traced by the kernel (nftrace.ts). */
  netfilterLog?: (v: NetfilterVerdict) => void;
}

export interface RealiseOptions {
  log?: (line: string) => void;
  /** How pod sockets are opened inside namespaces (default: python3 when present). */
  socketHelper?: 'python' | 'node';
  stateDir?: string;
  /** NetworkPolicy enforcement as nft text for a node (default: src/policy/nftables.ts); null: not realised. */
  policyRules?: ((cluster: Cluster, node: NodeInfo) => string) | null;
  /** Namespaces created at once. */
  parallel?: number;
  /** The edge proxies' access log (`ENTRYPOINT NS/POD: CLIENT "METHOD URL" STATUS -> …`). */
  edgeLog?: (line: string) => void;
}

/** Kernel mode cannot run here: each entry says what is missing and how to get it. */
export class KernelModeError extends Error {
  constructor(readonly problems: string[]) { super(`kernel mode cannot start:\n${problems.map((p) => `  - ${p}`).join('\n')}`); }
}

/** The machine checked, stale labs removed, this lab's prefix reserved and the kernel probed; nothing realised yet. */
export interface PreparedKernel {
  prefix: string;
  support: KernelSupport;
  /** The CNI options this kernel can realise for a config (substitutions applied): the lab's model runs with them. */
  cniFor(config: ClusterConfig): KernelCni;
  realise(input: RealiseInput): Promise<KernelLab>;
  /** Gives the prefix back (removes the state file and anything created). */
  abandon(): Promise<void>;
}

export interface KernelTimings { totalMs: number; namespacesMs: number; networkMs: number; kubeProxyMs: number; podsMs: number }
export interface SyncResult { addedPods: string[]; removedPods: string[]; ms: number; skipped?: string }

export class KernelLab {
  network!: KernelNetwork;
  cluster!: Cluster;
  readonly timings: KernelTimings = { totalMs: 0, namespacesMs: 0, networkMs: 0, kubeProxyMs: 0, podsMs: 0 };
  /** What kernel mode does not realise, said at start. */
  readonly notRealised: string[] = [];
  private readonly netnsByKey = new Map<string, string>();
  private readonly names: NamespaceNames;
  private readonly loadedRules = new Map<string, string>();
  private syncing: Promise<unknown> = Promise.resolve();
  private readonly agents: PodAgents;
  private readonly edges = new KernelEdges();
  private monitor?: NetfilterMonitor;

  private constructor(readonly prefix: string, readonly support: KernelSupport, readonly cni: KernelCni, private readonly stateDir: string, private readonly opts: RealiseOptions, dns: DnsModel) {
    this.names = new NamespaceNames(prefix);
    this.agents = new PodAgents(dns, opts.socketHelper);
    this.edges.log = opts.edgeLog;
  }

  static async prepare(opts: RealiseOptions = {}): Promise<PreparedKernel> {
    const problems = await hostProblems();
    if (problems.length) throw new KernelModeError(problems);
    const stateDir = opts.stateDir ?? STATE_DIR;
    for (const r of await cleanupStaleLabs(stateDir)) opts.log?.(`removed ${r.namespaces.length} namespace(s) left by lab ${r.prefix.slice(0, -1)} (pid ${r.pid} is gone)`);
    const prefix = newLabPrefix(await listNamespaces());
    writeState(prefix, stateDir);
    const t0 = performance.now();
    let support: KernelSupport;
    try { support = await probeKernel(prefix); } catch (e) { await removeLab(prefix, stateDir); throw e; }
    // The model may already run with the substituted options (cniFor): the substitution is still what was realised.
    let substituted: KernelCni['substitutions'] = [];
    return {
      prefix, support,
      cniFor: (config) => { const k = kernelCni(config, support); if (k.substitutions.length) substituted = k.substitutions; return k; },
      abandon: async () => { await removeLab(prefix, stateDir); },
      realise: async (input) => {
        try {
          const mode = input.cluster.config.kubeProxyMode;
          if (mode === 'ipvs') throw new KernelModeError([support.ipvs === true ? 'kube-proxy ipvs mode is not realised yet (its iptables and ipset side is not rendered); use kubeProxyMode iptables or nftables' : `kube-proxy ipvs mode needs IPVS: ${support.ipvs}; use kubeProxyMode iptables or nftables`]);
          const cni = kernelCni(input.cluster.config, support);
          if (cni.substitutions.length === 0) pushAll(cni.substitutions, substituted);
          const lab = new KernelLab(prefix, support, cni, stateDir, opts, input.dns);
          await lab.realise(input);
          lab.timings.totalMs = performance.now() - t0;
          return lab;
        } catch (e) {
          await removeLab(prefix, stateDir);
          throw e;
        }
      },
    };
  }

  /** Checks the machine, removes what killed labs left, then realises the snapshot. */
  static async start(input: RealiseInput, opts: RealiseOptions = {}): Promise<KernelLab> {
    return (await KernelLab.prepare(opts)).realise(input);
  }

  private render(cluster: Cluster): KernelNetwork {
    const ns = (key: string) => {
      let n = this.netnsByKey.get(key);
      if (!n) this.netnsByKey.set(key, (n = this.names.name(key)));
      return n;
    };
    return renderKernelNetwork(cluster, this.cni.profile, { fabric: ns('fabric'), external: ns('external'), node: ns, pod: (namespace, name) => ns(`${namespace}-${name}`) });
  }

  private async realise(input: RealiseInput): Promise<void> {
    const par = this.opts.parallel ?? 8;
    const network = this.render(input.cluster);
    this.network = network;
    this.cluster = input.cluster;
    let t = performance.now();
    await addNamespaces(network.namespaces.map((p) => p.name));
    this.timings.namespacesMs = performance.now() - t;
    t = performance.now();
    for (const phase of [1, 2, 3] as const) await inParallel(network.namespaces.filter((p) => p.steps.some((s) => s.phase === phase)), par, (p) => runSteps(p, phase));
    this.timings.networkMs = performance.now() - t;
    t = performance.now();
    await inParallel(network.nodes, par, (n) => setSysctls(n.netns, kubeProxySysctls(input.cluster.config.kubeProxyMode, this.support.brNetfilter)));
    await this.loadRules(input.cluster);
    if (input.netfilterLog) {
      this.monitor = new NetfilterMonitor(input.netfilterLog);
      for (const n of network.nodes) await this.monitor.watch(n.name, n.netns);
    }
    if (!this.policyRules() && this.cni.profile.enforcesNetworkPolicy) this.notRealised.push(`NetworkPolicy is not enforced in this lab (${this.cni.profile.title} would enforce it): every connection the routes allow succeeds`);
    this.timings.kubeProxyMs = performance.now() - t;
    t = performance.now();
    const nodeConf = 'nameserver 10.0.0.2\n'; // the emulated node's resolver, never the host's
    for (const ns of [network.fabric, network.external.netns, ...network.nodes.map((n) => n.netns)]) writeEtcFiles(ns, { 'resolv.conf': nodeConf });
    this.writePodFiles(input, network.pods);
    await this.syncEdges(input.cluster, network.pods);
    await this.startAgents(input.cluster, network.pods);
    this.timings.podsMs = performance.now() - t;
  }

  private policyRules(): ((cluster: Cluster, node: NodeInfo) => string) | null {
    return this.opts.policyRules === undefined ? (cluster, node) => renderPolicyNftables(policyModelOf(cluster), node.name) : this.opts.policyRules;
  }

  /** kube-proxy's rules and the policy table on every node: the first sync, or a later one against what was loaded. */
  private async loadRules(cluster: Cluster): Promise<void> {
    const model = servicesModel(cluster);
    const mode = cluster.config.kubeProxyMode;
    const policy = this.policyRules();
    await inParallel(this.network.nodes, this.opts.parallel ?? 8, async (n) => {
      const node = cluster.nodes.find((x) => x.name === n.name)!;
      const text = mode === 'nftables' ? renderNftables(model, node) : renderIptables(model, node);
      await loadKubeProxy(n.netns, mode, text, this.loadedRules.get(n.name));
      this.loadedRules.set(n.name, text);
      const rules = policy?.(cluster, node);
      if (rules) await execInOk(n.netns, 'nft', ['-f', '-'], { input: rules });
    });
  }

  /** resolv.conf and hosts as kubelet writes them, where `ip netns exec` bind-mounts them from. */
  private writePodFiles({ cluster, dns }: RealiseInput, pods: readonly RealisedPod[]): void {
    for (const p of pods) {
      if (p.hostNetwork) continue;
      const [ns, name] = p.key.split('/', 2);
      writeEtcFiles(p.netns, { 'resolv.conf': formatResolvConf(dns.resolvConf(p.key)), hosts: formatEtcHosts(podEtcHosts(cluster.get('Pod', ns, name) as never, cluster.config.clusterDomain)) });
    }
  }

  /**
   * Each pod's agent and where it runs; CoreDNS pods (the kube-dns Service's endpoints on port 53) also answer DNS. Pods
   * served already keep their sockets and take the snapshot's edge proxy, or their agent again, for new connections.
   */
  private async startAgents(cluster: Cluster, pods: readonly RealisedPod[]): Promise<void> {
    const dnsPods = new Set<string>();
    for (const sp of servicesModel(cluster).ports) if (sp.namespace === 'kube-system' && sp.name === 'kube-dns' && sp.port === 53) for (const e of sp.endpoints) if (e.pod) dnsPods.add(e.pod);
    const byKey = new Map(pods.map((p) => [p.key, p]));
    const edgeKeys = activeProxyPods(cluster);
    const placed: PlacedPod[] = [];
    for (const spec of podsOf(cluster)) {
      const key = `${spec.namespace}/${spec.name}`;
      const p = byKey.get(key);
      if (p) placed.push({ spec, netns: p.netns, dns: dnsPods.has(p.key), ...(edgeKeys.has(key) && !p.hostNetwork ? { edge: (port: number, socket: Socket) => this.edges.accept(key, port, socket) } : {}) });
    }
    const before = this.agents.errors.length;
    await this.agents.serve(placed);
    for (const e of this.agents.errors.slice(before)) this.opts.log?.(`warning: ${e}`);
  }

  /**
   * Applies a later snapshot as kube-proxy and the CNI would: new pods get their namespace, veth and agent before any
   * rule routes to them; the rules are re-synced (iptables-restore --noflush / one nft transaction); removed pods'
   * namespaces go last. Established connections to pods that stay are not disturbed.
   */
  sync(input: RealiseInput): Promise<SyncResult> {
    const run = this.syncing.then(() => this.doSync(input));
    this.syncing = run.catch(() => undefined);
    return run;
  }

  private async doSync(input: RealiseInput): Promise<SyncResult> {
    const t0 = performance.now();
    const { cluster } = input;
    const nodesOf = (c: Cluster) => JSON.stringify(c.nodes.map((n) => [n.name, n.internalIPs, n.podCIDRs]));
    if (nodesOf(cluster) !== nodesOf(this.cluster) || cluster.config.cni !== this.cluster.config.cni || cluster.config.kubeProxyMode !== this.cluster.config.kubeProxyMode) {
      return { addedPods: [], removedPods: [], ms: 0, skipped: 'the nodes, the CNI or the kube-proxy mode changed: restart `podnet up --kernel` to realise them' };
    }
    const next = this.render(cluster);
    const same = (a: RealisedPod, b: RealisedPod) => a.ip === b.ip && a.node === b.node && a.netns === b.netns && a.hostNetwork === b.hostNetwork;
    const old = new Map(this.network.pods.map((p) => [p.key, p]));
    const fresh = new Map(next.pods.map((p) => [p.key, p]));
    const added = next.pods.filter((p) => !old.has(p.key) || !same(old.get(p.key)!, p));
    const removed = this.network.pods.filter((p) => !fresh.has(p.key) || !same(fresh.get(p.key)!, p));
    const par = this.opts.parallel ?? 8;
    // Every pod that goes or changed address or node is removed first: a pod added now may take the address (and the
    // node's route) of one that goes.
    await this.removePods(removed);
    const addedNs = added.filter((p) => !p.hostNetwork);
    await addNamespaces(addedNs.map((p) => p.netns));
    await inParallel(next.nodes, par, async (n) => {
      const mine = addedNs.filter((p) => p.node === n.name);
      await ipBatch(n.netns, mine.flatMap((p) => p.hostSide?.ip ?? []));
      await setSysctls(n.netns, mine.flatMap((p) => p.hostSide?.sysctl ?? []));
    });
    const plans = new Map(next.namespaces.map((p) => [p.name, p]));
    await inParallel(addedNs, par, (p) => runSteps(plans.get(p.netns)!, 3));
    this.writePodFiles(input, next.pods);
    this.agents.setDnsModel(input.dns);
    // The proxies first: a pod that becomes an edge pod hands its next connection to a proxy that is up.
    await this.syncEdges(cluster, next.pods);
    await this.startAgents(cluster, next.pods);
    const oldFabric = new Set(routesOf(this.network, this.network.fabric));
    const newFabric = routesOf(next, next.fabric);
    // A destination whose next hop moved (a LoadBalancer IP another node now announces) is replaced, not deleted.
    const kept = new Set(newFabric.map((r) => r.split(' ')[0]));
    await ipBatch(next.fabric, [...newFabric.filter((r) => !oldFabric.has(r)).map((r) => `route replace ${r}`), ...[...oldFabric].filter((r) => !kept.has(r.split(' ')[0])).map((r) => `route del ${r}`)]);
    this.network = next;
    this.cluster = cluster;
    await this.loadRules(cluster);
    return { addedPods: added.map((p) => p.key), removedPods: removed.map((p) => p.key), ms: performance.now() - t0 };
  }

  /** The edge proxies of this snapshot, in the data-plane pods realised (hostNetwork ones are not). */
  private async syncEdges(cluster: Cluster, realised: readonly RealisedPod[]): Promise<void> {
    const before = this.edges.errors.length;
    const pods = new Map(realised.filter((p) => !p.hostNetwork).map((p) => [p.key, p.netns]));
    await this.edges.sync(cluster, (key) => pods.get(key));
    for (const e of this.edges.errors.slice(before)) this.opts.log?.(`warning: ${e}`);
  }

  private async removePods(pods: readonly RealisedPod[]): Promise<void> {
    await this.agents.remove(pods.map((p) => p.key));
    const gone = pods.filter((p) => !p.hostNetwork).map((p) => p.netns);
    await deleteNamespaces(gone);
    for (const n of gone) removeEtcFiles(n);
  }

  /** The namespace of `external`, `fabric`, a node's name or `NS/POD`. */
  namespaceOf(target: string): string | undefined {
    if (target === 'external') return this.network.external.netns;
    if (target === 'fabric') return this.network.fabric;
    const node = this.network.nodes.find((n) => n.name === target);
    if (node) return node.netns;
    return this.network.pods.find((p) => p.key === target)?.netns;
  }

  /** The pod (`NS/POD`, in a namespace of its own, not hostNetwork) with this IP. */
  podAt(ip: string): string | undefined {
    return this.network?.pods.find((p) => p.ip === ip && !p.hostNetwork)?.key;
  }

  /** Runs a real command inside a namespace of this lab. */
  exec(netns: string, argv: readonly string[], opts?: RunOptions) {
    if (!this.namespaces().includes(netns)) throw new Error(`${netns} is not a namespace of lab ${this.prefix.slice(0, -1)}`);
    return execIn(netns, argv[0], argv.slice(1), opts);
  }

  namespaces(): string[] { return this.network.namespaces.map((p) => p.name); }

  /** Stops the agents and removes every namespace and file of this lab. */
  async close(): Promise<void> {
    await this.syncing;
    this.monitor?.close();
    await this.edges.close();
    await this.agents.close();
    await removeLab(this.prefix, this.stateDir);
  }
}

/** The fabric's routes (`DEST via HOP`), as rendered. */
function routesOf(net: KernelNetwork, fabric: string): string[] {
  return net.namespaces.find((p) => p.name === fabric)!.steps.flatMap((s) => (s.tool === 'ip' ? s.lines : [])).filter((l) => l.startsWith('route add ')).map((l) => l.slice('route add '.length));
}
