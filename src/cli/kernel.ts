// Kernel mode for the CLI: `podnet up --kernel` realises the lab's snapshot in network namespaces (src/realize) beside
// the usual faces; `podnet exec` runs real commands inside them; `podnet down` stops a lab and removes what killed labs
// left. The lab API stays on loopback; commands in namespaces are run by this CLI process itself, with the terminal.
import { spawn } from 'node:child_process';
import { findBinary } from '../realize/host.js';
import { listNamespaces, PREFIX_RE } from '../realize/netns.js';
import { KernelLab, KernelModeError, type PreparedKernel } from '../realize/realize.js';
import { cleanupStaleLabs, STATE_DIR } from '../realize/state.js';
import type { LabRealisation } from '../serve/lab.js';
import type { Snapshot } from '../serve/lab/snapshot.js';
import { netfilterFlow, type FlowRecord } from '../serve/lab/flows.js';
import { CliExit, type IO } from './common.js';

/** Checks the machine before anything listens: not root, missing tools or no netns is an error naming the fix. */
export async function prepareKernel(io: IO, stateDir?: string): Promise<PreparedKernel> {
  try {
    return await KernelLab.prepare({ stateDir, log: (l) => io.err.write(`kernel: ${l}\n`) });
  } catch (e) {
    if (e instanceof KernelModeError) { io.err.write(`error: ${e.message}\n`); throw new CliExit(1); }
    throw e;
  }
}

/** The config the model runs with in kernel mode: what this kernel can build (substitutions applied). */
export function kernelAdjust(prepared: PreparedKernel) {
  return (config: Parameters<PreparedKernel['cniFor']>[0]) => {
    const k = prepared.cniFor(config);
    return k.substitutions.length ? { ...config, cniOptions: k.options } : config;
  };
}

export async function realiseKernel(prepared: PreparedKernel, snapshot: Snapshot, io: IO, record?: (f: Omit<FlowRecord, 'id' | 'time' | 'snapshot'>) => void): Promise<{ kernel: KernelLab; realisation: LabRealisation }> {
  let kernel: KernelLab | undefined;
  try {
    kernel = await prepared.realise({ cluster: snapshot.cluster, dns: snapshot.dns, ...(record ? { netfilterLog: (v) => { const f = kernel && netfilterFlow(v, (ip) => kernel!.podAt(ip)); if (f) record(f); } } : {}) });
  } catch (e) {
    io.err.write(`error: ${(e as Error).message}\n`);
    throw new CliExit(1);
  }
  const realisation: LabRealisation = {
    sync: async (snap) => {
      const r = await kernel.sync({ cluster: snap.cluster, dns: snap.dns });
      io.err.write(r.skipped ? `kernel: not re-synced: ${r.skipped}\n` : `kernel: ${r.addedPods.length} pod namespace(s) added, ${r.removedPods.length} removed, rules re-synced (${r.ms.toFixed(0)} ms)\n`);
    },
    info: () => kernelInfo(kernel),
    netnsOf: (target) => kernel.namespaceOf(target),
  };
  return { kernel, realisation };
}

/** The `kernel` object of the lab's summary (and the UI): what was realised and how. */
export function kernelInfo(k: KernelLab) {
  return {
    prefix: k.prefix.slice(0, -1),
    cni: k.cni.profile.title,
    kubeProxyMode: k.cluster.config.kubeProxyMode,
    substitutions: k.cni.substitutions,
    notes: k.cni.notes,
    notRealised: k.notRealised,
    fabric: k.network.fabric,
    external: k.network.external,
    nodes: k.network.nodes.map((n) => ({ name: n.name, netns: n.netns, ip: n.ip, podCIDR: n.podCIDR })),
    pods: k.network.pods.map((p) => ({ pod: p.key, netns: p.netns, ip: p.ip, node: p.node, ...(p.hostVeth ? { hostVeth: p.hostVeth } : {}) })),
    timings: k.timings,
  };
}

export function kernelBanner(k: KernelLab, uiPort: number): string[] {
  const info = kernelInfo(k);
  const lines = [`Kernel mode   lab ${info.prefix}: ${k.namespaces().length} network namespaces (\`ip netns list | grep ${k.prefix}\`), realised in ${(k.timings.totalMs / 1000).toFixed(1)} s, lab RSS ${Math.round(process.memoryUsage().rss / 2 ** 20)} MB`];
  lines.push(`  fabric        ${info.fabric} (a bridge per node subnet, routing between them as a ToR would)`);
  lines.push(`  external      ${info.external.netns} (${info.external.ip}, an outside client)`);
  for (const n of info.nodes) lines.push(`  ${n.name.padEnd(13)} ${n.netns} (${n.ip}, pods ${n.podCIDR})`);
  const pods = info.pods.filter((p) => p.netns !== info.nodes.find((n) => n.name === p.node)?.netns);
  for (const p of pods.slice(0, 12)) lines.push(`  pod           ${p.netns} (${p.ip}${p.hostVeth ? `, ${p.hostVeth} on ${p.node}` : ''})`);
  if (pods.length > 12) lines.push(`  …and ${pods.length - 12} more pod namespaces (all in http://127.0.0.1:${uiPort}/api/summary under "kernel")`);
  lines.push(`  CNI           ${info.cni}; kube-proxy ${info.kubeProxyMode} rules loaded per node; NetworkPolicy in nftables (table inet podnet-policy)`);
  for (const s of info.substitutions) lines.push(`  substituted   ${s.realised} for ${s.wanted}: ${s.reason}`);
  for (const n of [...info.notes, ...info.notRealised]) lines.push(`  note          ${n}`);
  const node = info.nodes[0];
  const tunnel = k.cni.profile.tunnelDevice ?? 'eth0';
  const svc = k.cluster.services().find((s) => s.spec?.type === 'NodePort' || s.spec?.type === 'LoadBalancer');
  lines.push('Try, as root (real commands inside the namespaces):');
  const own = pods.find((p) => !p.pod.startsWith('kube-system/') && !p.pod.startsWith('ingress-nginx/'));
  if (own) lines.push(`  podnet exec ${own.pod} -- ip route`);
  if (node) lines.push(`  podnet exec --node ${node.name} -- iptables-save -t nat`, `  podnet exec --node ${node.name} -- tcpdump -ni ${tunnel}`, `  podnet exec --node ${node.name} -- conntrack -L`);
  const np = svc?.spec?.ports?.[0]?.nodePort;
  const host = k.cluster.ingresses().flatMap((i) => i.spec?.rules ?? []).find((r) => r.host && !r.host.startsWith('*'))?.host;
  if (node && np) lines.push(host ? `  podnet exec external -- curl -s -H 'Host: ${host}' http://${node.ip}:${np}/   (the edge proxy in the controller pod answers)` : `  podnet exec external -- curl -s http://${node.ip}:${np}/clientip`);
  lines.push('  podnet down');
  return lines;
}

/** Runs argv inside the namespace with this terminal (or the IO's streams); resolves to its exit code. */
export async function execInNamespace(netns: string, argv: string[], io: IO): Promise<number> {
  if (process.getuid?.() !== 0) { io.err.write('error: running a command in a kernel lab\'s namespace needs root: run it with sudo\n'); return 1; }
  if (!PREFIX_RE.test(netns) || !(await listNamespaces()).includes(netns)) { io.err.write(`error: ${netns} is not a network namespace of a running podnet lab\n`); return 1; }
  if (!findBinary(argv[0]) && !argv[0].includes('/')) io.err.write(`warning: ${argv[0]} is not on PATH here; install it (e.g. apt-get install -y ${({ dig: 'dnsutils', tcpdump: 'tcpdump', curl: 'curl', conntrack: 'conntrack', nft: 'nftables', 'iptables-save': 'iptables' } as Record<string, string>)[argv[0]] ?? argv[0]})\n`);
  const tty = io.out === process.stdout && io.err === process.stderr;
  const child = spawn('ip', ['netns', 'exec', netns, ...argv], { stdio: tty ? 'inherit' : ['ignore', 'pipe', 'pipe'] });
  if (!tty) { child.stdout!.pipe(io.out, { end: false }); child.stderr!.pipe(io.err, { end: false }); }
  // Ctrl-C goes to the command (tcpdump stops and prints its summary); this process waits for it.
  const ignore = () => undefined;
  process.on('SIGINT', ignore);
  try {
    return await new Promise<number>((resolve) => {
      child.on('error', (e) => { io.err.write(`error: ${e.message}\n`); resolve(127); });
      child.on('close', (code, signal) => resolve(code ?? (signal ? 128 + 2 : 1)));
    });
  } finally {
    process.off('SIGINT', ignore);
  }
}

/** `podnet down` when no lab answers: removes what labs killed without cleaning up left behind. */
export async function cleanupStale(io: IO, stateDir = STATE_DIR): Promise<number> {
  const removed = await cleanupStaleLabs(stateDir);
  for (const r of removed) io.out.write(`removed ${r.namespaces.length} namespace(s) left by lab ${r.prefix.slice(0, -1)} (pid ${r.pid} is gone)\n`);
  return removed.length;
}
