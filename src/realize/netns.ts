// Network namespaces of one lab: every name starts with the lab's prefix (`pn` + 4 hex digits + `-`), so a lab's
// namespaces are found, listed and removed by prefix and never confused with anything else on the machine. Every
// command runs inside a namespace (`ip -n NS …`, `ip netns exec NS …`): nothing here addresses the host's own.
import { createHash, randomBytes } from 'node:crypto';
import { run, runOk, type RunOptions } from './run.js';

export const PREFIX_RE = /^pn[0-9a-f]{4}-/;
/** Well under NAME_MAX (255, the limit for /run/netns/NAME), so `ip netns list` stays readable. */
export const MAX_NETNS_NAME = 63;

export function newLabPrefix(taken: Iterable<string> = []): string {
  const used = new Set([...taken].filter((n) => PREFIX_RE.test(n)).map((n) => n.slice(0, 7)));
  for (;;) {
    const p = `pn${randomBytes(2).toString('hex')}-`;
    if (!used.has(p)) return p;
  }
}

/** Allocates the lab's namespace names: prefix + a readable label, shortened with a hash when too long, unique. */
export class NamespaceNames {
  private readonly used = new Set<string>();
  constructor(readonly prefix: string) {}

  name(label: string): string {
    const clean = label.toLowerCase().replace(/[^a-z0-9.-]+/g, '-');
    let name = this.prefix + clean;
    if (name.length > MAX_NETNS_NAME || this.used.has(name)) {
      const hash = createHash('sha1').update(label).digest('hex').slice(0, 6);
      name = `${(this.prefix + clean).slice(0, MAX_NETNS_NAME - 7)}-${hash}`;
    }
    for (let i = 2; this.used.has(name); i++) name = `${name.slice(0, MAX_NETNS_NAME - 3)}-${i}`;
    this.used.add(name);
    return name;
  }
}

export async function listNamespaces(): Promise<string[]> {
  const out = await runOk('ip', ['netns', 'list']);
  return out.split('\n').map((l) => l.split(' ')[0]).filter(Boolean);
}

export async function namespacesWithPrefix(prefix: string): Promise<string[]> {
  return (await listNamespaces()).filter((n) => n.startsWith(prefix));
}

export async function addNamespace(name: string, { loopbackUp = true } = {}): Promise<void> {
  await runOk('ip', ['netns', 'add', name]);
  // A fresh namespace's loopback is down; every pod and node has a working lo.
  if (loopbackUp) await runOk('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
}

/** Many namespaces in one `ip -batch` process (50 take ~60 ms; one `ip netns add` each takes ~30 ms). */
export async function addNamespaces(names: readonly string[]): Promise<void> {
  for (let i = 0; i < names.length; i += 500) await runOk('ip', ['-batch', '-'], { input: names.slice(i, i + 500).map((n) => `netns add ${n}\n`).join('') });
}

/** Deletes many namespaces in one process; ones already gone are not an error. */
export async function deleteNamespaces(names: readonly string[]): Promise<void> {
  for (let i = 0; i < names.length; i += 500) await run('ip', ['-force', '-batch', '-'], { input: names.slice(i, i + 500).map((n) => `netns delete ${n}\n`).join('') });
  const left = new Set(await listNamespaces());
  await Promise.all(names.filter((n) => left.has(n)).map(deleteNamespace));
}

export async function deleteNamespace(name: string): Promise<void> {
  const r = await run('ip', ['netns', 'delete', name]);
  if (r.code !== 0 && !/No such file|not found/i.test(r.stderr)) throw new Error(`ip netns delete ${name}: ${r.stderr.trim()}`);
}

/** Runs a command inside the namespace (ip netns exec also bind-mounts /etc/netns/NAME/* over /etc). */
export function execIn(ns: string, cmd: string, args: string[], opts?: RunOptions) {
  return run('ip', ['netns', 'exec', ns, cmd, ...args], opts);
}

export function execInOk(ns: string, cmd: string, args: string[], opts?: RunOptions): Promise<string> {
  return runOk('ip', ['netns', 'exec', ns, cmd, ...args], opts);
}

/** `ip -n NS -batch -`: many link/addr/route/neigh commands in one process. */
export async function ipBatch(ns: string, lines: readonly string[]): Promise<void> {
  if (lines.length) await runOk('ip', ['-n', ns, '-batch', '-'], { input: lines.join('\n') + '\n' });
}

/** Sets sysctls inside the namespace: /proc/sys/net is per network namespace, so the host's stay as they are. Each
 *  line is `path=value` with the path under /proc/sys (`net/ipv4/conf/flannel.1/proxy_arp=1`: interface names may
 *  hold dots, so paths, not dotted keys). */
export async function setSysctls(ns: string, lines: readonly string[]): Promise<void> {
  const writes = lines.map((line) => {
    const m = line.match(/^(net\/[A-Za-z0-9_./-]+)=([0-9 ]+)$/);
    if (!m || m[1].includes('..')) throw new Error(`refusing sysctl ${JSON.stringify(line)}`);
    return `printf '%s\\n' '${m[2]}' > /proc/sys/${m[1]}`;
  });
  if (writes.length) await execInOk(ns, 'sh', ['-ec', writes.join('\n')]);
}
