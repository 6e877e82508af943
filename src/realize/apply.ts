// Putting rendered text into namespaces: a plan's steps by tool, kube-proxy's rules as the first sync or a later one,
// and the files `ip netns exec` bind-mounts from /etc/netns/NAME/. Nothing here looks at what the text says.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NetnsPlan } from '../net/kernel.js';
import { iptablesResync, nftablesResync, renderIptablesJumps } from '../services/index.js';
import { execInOk, ipBatch, setSysctls } from './netns.js';
import { runOk } from './run.js';
import { ETC_NETNS } from './state.js';

export async function runSteps(p: NetnsPlan, phase: 1 | 2 | 3): Promise<void> {
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

/**
 * Loads kube-proxy's text as it is (a renderer bug shows as a failed load, never patched over here). A later sync
 * (`previous` given) is what kube-proxy sends then: iptables-restore --noflush with stale chains deleted, or one nft
 * transaction rewriting the table.
 */
export async function loadKubeProxy(netns: string, mode: string, text: string, previous?: string): Promise<void> {
  if (mode === 'nftables') { await execInOk(netns, 'nft', ['-f', '-'], { input: previous === undefined ? text : nftablesResync(text) }); return; }
  if (previous !== undefined) { await execInOk(netns, 'iptables-restore', ['--noflush'], { input: iptablesResync(previous, text) }); return; }
  await execInOk(netns, 'iptables-restore', [], { input: text });
  await execInOk(netns, 'iptables-restore', ['--noflush'], { input: renderIptablesJumps() });
}

export function writeEtcFiles(netns: string, files: Record<string, string>): void {
  const dir = join(ETC_NETNS, netns);
  mkdirSync(dir, { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
}

export function removeEtcFiles(netns: string): void {
  rmSync(join(ETC_NETNS, netns), { recursive: true, force: true });
}
