// What the kernel realisation needs from the machine, checked before anything is created: root, the system tools
// (with the Debian packages that hold them), network namespaces, and which link types and netfilter pieces this
// kernel has (probed by trying them in a scratch namespace of the lab, never in the host's).
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { addNamespace, deleteNamespace, execIn } from './netns.js';
import { run } from './run.js';

export const REQUIRED_TOOLS: ReadonlyArray<{ binary: string; pkg: string }> = [
  { binary: 'ip', pkg: 'iproute2' },
  { binary: 'nft', pkg: 'nftables' },
  { binary: 'iptables-restore', pkg: 'iptables' },
  { binary: 'iptables-save', pkg: 'iptables' },
  { binary: 'conntrack', pkg: 'conntrack' },
];

export function findBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/bin', '/bin'];
  for (const d of dirs) {
    if (!d) continue;
    const p = join(d, name);
    try { accessSync(p, constants.X_OK); return p; } catch { /* next */ }
  }
  return undefined;
}

/** Problems that stop kernel mode, each saying how to fix it; empty when the machine can run it. */
export async function hostProblems(host: { platform?: string; uid?: number; which?: (b: string) => string | undefined } = {}): Promise<string[]> {
  const problems: string[] = [];
  const platform = host.platform ?? process.platform;
  if (platform !== 'linux') return [`kernel mode needs Linux network namespaces (this is ${platform})`];
  if ((host.uid ?? process.getuid?.()) !== 0) problems.push('kernel mode must run as root (it creates network namespaces): run it with sudo');
  const missing = REQUIRED_TOOLS.filter((t) => !(host.which ?? findBinary)(t.binary));
  if (missing.length) {
    const pkgs = [...new Set(missing.map((t) => t.pkg))];
    problems.push(`missing ${missing.map((t) => t.binary).join(', ')}: install them with \`apt-get install -y ${pkgs.join(' ')}\``);
  }
  if (!existsSync('/proc/self/ns/net')) problems.push('this kernel has no network namespaces (/proc/self/ns/net is missing)');
  return problems;
}

export interface KernelSupport {
  veth: boolean;
  bridge: boolean;
  vxlan: boolean;
  ipip: boolean;
  /** IPVS (kube-proxy's ipvs mode): true, or why not. */
  ipvs: true | string;
  /** br_netfilter: the bridge-nf-call-* sysctls exist in a namespace. */
  brNetfilter: boolean;
}

/** Tries each link type and netfilter piece in a scratch namespace `${prefix}probe`, removed afterwards. */
export async function probeKernel(prefix: string): Promise<KernelSupport> {
  const ns = `${prefix}probe`;
  await addNamespace(ns);
  try {
    const tryLink = async (args: string[]) => (await run('ip', ['-n', ns, 'link', 'add', ...args])).code === 0;
    const [veth, bridge, vxlan, ipip] = await Promise.all([
      tryLink(['pv0', 'type', 'veth', 'peer', 'name', 'pv1']),
      tryLink(['pb0', 'type', 'bridge']),
      tryLink(['px0', 'type', 'vxlan', 'id', '1', 'dstport', '8472']),
      tryLink(['pi0', 'type', 'ipip', 'local', '192.0.2.1']),
    ]);
    const brNetfilter = (await execIn(ns, 'test', ['-e', '/proc/sys/net/bridge/bridge-nf-call-iptables'])).code === 0;
    let ipvs: true | string;
    if (!findBinary('ipvsadm')) ipvs = 'ipvsadm is not installed (apt-get install -y ipvsadm)';
    else {
      const r = await execIn(ns, 'ipvsadm', ['-Ln']);
      ipvs = r.code === 0 ? true : `the kernel has no IPVS (ipvsadm -Ln: ${r.stderr.trim().split('\n')[0]})`;
    }
    return { veth, bridge, vxlan, ipip, ipvs, brNetfilter };
  } finally {
    await deleteNamespace(ns);
  }
}
