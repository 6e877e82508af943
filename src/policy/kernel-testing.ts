// A tiny topology for the kernel policy test, built from a policy model: a fabric namespace with a bridge, a namespace
// per node (its InternalIP on a veth to the fabric, routes to the other nodes' pod CIDRs), a namespace per pod-network
// pod attached as the CNI does it (Calico-style routed veth named as the model names it, gateway 169.254.1.1 at
// ee:ee:ee:ee:ee:ee; or a veth into the CNI's bridge), and a probe agent in every pod and node namespace.
// Every namespace is named `pnkp<4 hex>-…`; a lock file holds the owner's PID so a later run removes the namespaces
// of a run that was killed. Nothing touches the host's own namespace.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { cniProfile, hostVethName } from '../net/cni.js';
import { ipAt, parseCidr } from '../net/cidr.js';
import { ipBatch, listNamespaces, NamespaceNames, setSysctls } from '../realize/netns.js';
import { inParallel, runOk } from '../realize/run.js';
import { podIPs, podKey, type PodObj } from './classes.js';
import type { PolicyModel } from './model.js';
import { renderPolicyNftables } from './nftables.js';

const GROUP_RE = /^pnkp([0-9a-f]{4})-/;
const AGENT = fileURLToPath(new URL('./kernel-probe-agent.js', import.meta.url));
const lockFile = (hex: string) => join(tmpdir(), `pnkp-${hex}.pid`);

export interface KernelPod { key: string; netns: string; ip: string; iface: string; node: string }
export interface KernelNode { name: string; netns: string; ip: string }
export interface ProbeSpec { from: string; ip: string; port: number; protocol: 'TCP' | 'UDP' }
export interface ProbeResult { ok: boolean; error?: string }

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

/** Removes the namespaces of earlier runs whose owner is gone (no lock file, or its PID is dead). */
export async function removeStaleGroups(): Promise<string[]> {
  const stale = (await listNamespaces()).filter((n) => {
    const hex = GROUP_RE.exec(n)?.[1];
    if (!hex) return false;
    const f = lockFile(hex);
    return !existsSync(f) || !alive(Number(readFileSync(f, 'utf8')));
  });
  if (stale.length > 0) await runOk('ip', ['-batch', '-'], { input: stale.map((n) => `netns delete ${n}`).join('\n') + '\n' });
  return stale;
}

class Agent {
  private readonly pending = new Map<number, (r: (true | string)[]) => void>();
  private nextBatch = 1;
  readonly ready: Promise<void>;
  constructor(readonly netns: string, private readonly child: ChildProcess) {
    let onReady!: () => void;
    let onFail!: (e: Error) => void;
    this.ready = new Promise((res, rej) => { onReady = res; onFail = rej; });
    let stderr = '';
    child.stderr!.on('data', (d) => { stderr += d; });
    child.on('exit', (code) => onFail(new Error(`probe agent in ${netns} exited (${code}): ${stderr.trim()}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = JSON.parse(line) as { ready?: boolean; batch: number; results: (true | string)[] };
      if (m.ready) { onReady(); return; }
      this.pending.get(m.batch)?.(m.results);
      this.pending.delete(m.batch);
    });
  }
  probe(list: readonly ProbeSpec[], timeoutMs: number, concurrency: number): Promise<ProbeResult[]> {
    const batch = this.nextBatch++;
    return new Promise((resolve) => {
      this.pending.set(batch, (rs) => resolve(rs.map((r) => (r === true ? { ok: true } : { ok: false, error: r }))));
      this.child.stdin!.write(JSON.stringify({ batch, timeoutMs, concurrency, probes: list.map((p) => [p.ip, p.port, p.protocol]) }) + '\n');
    });
  }
  stop(): void { this.child.stdin!.end(); this.child.kill('SIGKILL'); }
}

export class PolicyTopology {
  private readonly agents = new Map<string, Agent>();
  private constructor(readonly prefix: string, private readonly hex: string, readonly nodes: KernelNode[], readonly pods: KernelPod[], private readonly all: string[]) {}

  /** Builds the namespaces for the model's nodes and pods, with agents listening on `ports`. */
  static async build(model: PolicyModel, ports: { tcp: number[]; udp: number[] }): Promise<PolicyTopology> {
    await removeStaleGroups();
    const taken = new Set((await listNamespaces()).map((n) => GROUP_RE.exec(n)?.[1]).filter(Boolean));
    let hex: string;
    do hex = randomBytes(2).toString('hex'); while (taken.has(hex) || existsSync(lockFile(hex)));
    writeFileSync(lockFile(hex), String(process.pid));
    const prefix = `pnkp${hex}-`;
    const names = new NamespaceNames(prefix);
    const fabric = names.name('fabric');
    const nodes: KernelNode[] = model.nodes.map((n) => ({ name: n.name, netns: names.name(n.name), ip: n.internalIPs[0] }));
    const pods: KernelPod[] = [];
    for (const p of [...(model.cluster.pods() as PodObj[])].sort((a, b) => (podKey(a) < podKey(b) ? -1 : 1))) {
      const ip = podIPs(p)[0];
      if (p.spec?.hostNetwork === true || !ip || !p.spec?.nodeName) continue;
      pods.push({ key: podKey(p), netns: names.name(`p${pods.length}`), ip, iface: hostVethName(model.cni, p.metadata.namespace ?? 'default', p.metadata.name), node: p.spec.nodeName });
    }
    const all = [fabric, ...nodes.map((n) => n.netns), ...pods.map((p) => p.netns)];
    const topo = new PolicyTopology(prefix, hex, nodes, pods, all);
    registerCleanup(topo);
    try {
      await runOk('ip', ['-batch', '-'], { input: all.map((n) => `netns add ${n}`).join('\n') + '\n' });
      await topo.wire(model, fabric);
      for (const ns of [...nodes.map((n) => n.netns), ...pods.map((p) => p.netns)]) {
        const a = new Agent(ns, spawn('ip', ['netns', 'exec', ns, process.execPath, AGENT, JSON.stringify(ports)], { stdio: ['pipe', 'pipe', 'pipe'] }));
        topo.agents.set(ns, a);
      }
      await Promise.all([...topo.agents.values()].map((a) => a.ready));
    } catch (e) {
      await topo.destroy();
      throw e;
    }
    return topo;
  }

  /** Links, addresses and routes as the CNI sets them up; neighbours are permanent so bursts of probes never wait on ARP. */
  private async wire(model: PolicyModel, fabric: string): Promise<void> {
    const profile = cniProfile(model.cni, model.cluster.config.cniOptions);
    const bridge = profile.podAttachment === 'bridge' ? (profile.bridge ?? 'cni0') : undefined;
    const mac = (kind: number, i: number) => `02:70:0${kind}:00:${((i >> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`;
    const nodeMAC = (i: number) => mac(1, i), podMAC = (i: number) => mac(2, i), bridgeMAC = (i: number) => mac(3, i);
    const podIndex = new Map(this.pods.map((p, i) => [p, i]));
    await ipBatch(fabric, ['link set lo up', 'link add br0 type bridge', 'link set br0 up', ...this.nodes.flatMap((n, i) => [`link add n${i} type veth peer name eth0 netns ${n.netns} address ${nodeMAC(i)}`, `link set n${i} master br0`, `link set n${i} up`])]);
    const podCIDR = (name: string) => parseCidr(model.nodes.find((n) => n.name === name)!.podCIDRs[0]);
    await inParallel(this.nodes, 4, async (n, ni) => {
      const lines = ['link set lo up', 'link set eth0 up', `addr add ${n.ip}/32 dev eth0`];
      this.nodes.forEach((o, oi) => { if (o !== n) lines.push(`route add ${o.ip}/32 dev eth0`, `neigh add ${o.ip} lladdr ${nodeMAC(oi)} dev eth0 nud permanent`, `route add ${podCIDR(o.name).text} via ${o.ip} dev eth0 onlink`); });
      const mine = this.pods.filter((p) => p.node === n.name);
      if (bridge) {
        const c = podCIDR(n.name);
        lines.push(`link add ${bridge} address ${bridgeMAC(ni)} type bridge`, `link set ${bridge} up`, `addr add ${ipAt(c, 1n)}/${c.prefix} dev ${bridge}`);
        for (const p of mine) lines.push(`link add ${p.iface} type veth peer name eth0 netns ${p.netns} address ${podMAC(podIndex.get(p)!)}`, `link set ${p.iface} master ${bridge}`, `link set ${p.iface} up`, `neigh add ${p.ip} lladdr ${podMAC(podIndex.get(p)!)} dev ${bridge} nud permanent`);
      } else {
        for (const p of mine) lines.push(`link add ${p.iface} address ee:ee:ee:ee:ee:ee type veth peer name eth0 netns ${p.netns} address ${podMAC(podIndex.get(p)!)}`, `link set ${p.iface} up`, `route add ${p.ip}/32 dev ${p.iface}`, `neigh add ${p.ip} lladdr ${podMAC(podIndex.get(p)!)} dev ${p.iface} nud permanent`);
      }
      await ipBatch(n.netns, lines);
      // Short conntrack timeouts: thousands of probes per case must not pile up closed entries.
      await setSysctls(n.netns, [
        'net/ipv4/ip_forward=1',
        'net/netfilter/nf_conntrack_tcp_timeout_time_wait=1', 'net/netfilter/nf_conntrack_tcp_timeout_close=1',
        'net/netfilter/nf_conntrack_tcp_timeout_syn_sent=5', 'net/netfilter/nf_conntrack_udp_timeout=2', 'net/netfilter/nf_conntrack_udp_timeout_stream=2',
        ...(bridge ? ['net/bridge/bridge-nf-call-iptables=1'] : []),
      ]);
    });
    await inParallel(this.pods, 8, async (p) => {
      const lines = ['link set lo up', 'link set eth0 up'];
      if (bridge) {
        const c = podCIDR(p.node);
        const ni = this.nodes.findIndex((n) => n.name === p.node);
        lines.push(`addr add ${p.ip}/${c.prefix} dev eth0`, `neigh add ${ipAt(c, 1n)} lladdr ${bridgeMAC(ni)} dev eth0 nud permanent`, `route add default via ${ipAt(c, 1n)} dev eth0`);
        for (const o of this.pods) if (o !== p && o.node === p.node) lines.push(`neigh add ${o.ip} lladdr ${podMAC(podIndex.get(o)!)} dev eth0 nud permanent`);
      } else {
        lines.push(`addr add ${p.ip}/32 dev eth0`, 'route add 169.254.1.1 dev eth0 scope link', 'route add default via 169.254.1.1 dev eth0', 'neigh add 169.254.1.1 lladdr ee:ee:ee:ee:ee:ee dev eth0 nud permanent');
      }
      await ipBatch(p.netns, lines);
    });
  }

  /** Loads `podnet policy-rules` for every node into its namespace (one nft transaction each). */
  async load(model: PolicyModel): Promise<void> {
    await inParallel(this.nodes, 4, async (n) => {
      // A CNI that does not enforce renders no table: the previous case's must go first (an enforcing one replaces it).
      if (!model.enforced) await runOk('ip', ['netns', 'exec', n.netns, 'nft', 'flush', 'ruleset']);
      await runOk('ip', ['netns', 'exec', n.netns, 'nft', '-f', '-'], { input: renderPolicyNftables(model, n.name) });
      // The previous case's connections (a UDP one lives 2 s) would pass the new rules as established: gone first.
      await runOk('ip', ['netns', 'exec', n.netns, 'conntrack', '-F']);
    });
  }

  /**
   * Runs the probes from their namespaces' agents, about `inFlight` at once over the whole topology (most of them wait
   * out a drop, sending nothing after their first packet); a far larger burst
   * overflows the kernel's per-CPU backlog of veth packets, and a dropped UDP probe is never retransmitted.
   */
  async probe(list: readonly ProbeSpec[], timeoutMs: number, inFlight = 160): Promise<ProbeResult[]> {
    const results: ProbeResult[] = new Array(list.length);
    const byAgent = new Map<string, number[]>();
    list.forEach((p, i) => { let l = byAgent.get(p.from); if (!l) byAgent.set(p.from, (l = [])); l.push(i); });
    const perAgent = Math.max(1, Math.ceil(inFlight / Math.max(1, byAgent.size)));
    await Promise.all([...byAgent].map(async ([ns, idx]) => {
      const agent = this.agents.get(ns);
      if (!agent) throw new Error(`no agent in ${ns}`);
      (await agent.probe(idx.map((i) => list[i]), timeoutMs, perAgent)).forEach((r, k) => { results[idx[k]] = r; });
    }));
    return results;
  }

  /** Stops the agents and removes every namespace of the topology. */
  async destroy(): Promise<void> {
    for (const a of this.agents.values()) a.stop();
    this.agents.clear();
    const left = (await listNamespaces()).filter((n) => n.startsWith(this.prefix));
    if (left.length > 0) await runOk('ip', ['-batch', '-'], { input: left.map((n) => `netns delete ${n}`).join('\n') + '\n' });
    rmSync(lockFile(this.hex), { force: true });
    cleanups.delete(this);
  }

  /** For a signal: synchronous removal. */
  destroySync(): void {
    for (const a of this.agents.values()) a.stop();
    spawnSync('ip', ['-batch', '-'], { input: this.all.map((n) => `netns delete ${n}`).join('\n') + '\n' });
    rmSync(lockFile(this.hex), { force: true });
  }
}

const cleanups = new Set<PolicyTopology>();
let handlersInstalled = false;
function registerCleanup(t: PolicyTopology): void {
  cleanups.add(t);
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      for (const c of cleanups) c.destroySync();
      process.exit(130);
    });
  }
}
