// Each running kernel lab leaves a state file before it creates anything: its prefix, its pid and that process's start
// time (so a reused pid is not mistaken for the lab). The next start finds labs whose process is gone (kill -9, a
// crash) and removes what they left: namespaces with their prefix and their /etc/netns files. Namespaces of a live
// lab, or with a podnet-like prefix but no state file, are never touched.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deleteNamespaces, namespacesWithPrefix } from './netns.js';

export const STATE_DIR = process.env.PODNET_STATE_DIR ?? '/run/podnet';
export const ETC_NETNS = '/etc/netns';

export interface LabState { prefix: string; pid: number; started: string; createdAt: string; files?: string }

/** The kernel's start time of a process (field 22 of /proc/PID/stat), or undefined when it does not exist. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch { return undefined; }
}

export function stateFile(prefix: string, dir = STATE_DIR): string { return join(dir, `${prefix.replace(/-$/, '')}.json`); }

export function writeState(prefix: string, dir = STATE_DIR): LabState {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const state: LabState = { prefix, pid: process.pid, started: processStartTime(process.pid) ?? '', createdAt: new Date().toISOString() };
  writeFileSync(stateFile(prefix, dir), JSON.stringify(state) + '\n', { mode: 0o600 });
  return state;
}

export function removeState(prefix: string, dir = STATE_DIR): void { rmSync(stateFile(prefix, dir), { force: true }); }

export function readStates(dir = STATE_DIR): LabState[] {
  if (!existsSync(dir)) return [];
  const out: LabState[] = [];
  for (const f of readdirSync(dir).filter((n) => /^pn[0-9a-f]{4}\.json$/.test(n))) {
    try {
      const s = JSON.parse(readFileSync(join(dir, f), 'utf8')) as LabState;
      if (typeof s.prefix === 'string' && /^pn[0-9a-f]{4}-$/.test(s.prefix) && Number.isInteger(s.pid)) out.push(s);
    } catch { /* a half-written file: its lab is still starting or it is garbage; leave it */ }
  }
  return out;
}

export function isAlive(s: LabState): boolean {
  const started = processStartTime(s.pid);
  return started !== undefined && started === s.started;
}

/** The /etc/netns/NAME directories `ip netns exec` bind-mounts files from (resolv.conf, hosts), for a prefix. */
export function removeEtcNetns(prefix: string): void {
  if (!existsSync(ETC_NETNS)) return;
  for (const d of readdirSync(ETC_NETNS)) if (d.startsWith(prefix)) rmSync(join(ETC_NETNS, d), { recursive: true, force: true });
}

/** Removes everything a lab with this prefix created. */
export async function removeLab(prefix: string, dir = STATE_DIR): Promise<string[]> {
  const names = await namespacesWithPrefix(prefix);
  await deleteNamespaces(names);
  removeEtcNetns(prefix);
  removeState(prefix, dir);
  return names;
}

/** Finds labs whose process is gone and removes what they left; returns what was removed, per prefix. */
export async function cleanupStaleLabs(dir = STATE_DIR): Promise<{ prefix: string; pid: number; namespaces: string[] }[]> {
  const removed = [];
  for (const s of readStates(dir)) {
    if (isAlive(s)) continue;
    removed.push({ prefix: s.prefix, pid: s.pid, namespaces: await removeLab(s.prefix, dir) });
  }
  return removed;
}
