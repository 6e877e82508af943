// Kernel mode (`podnet up --kernel`): `kubectl exec` runs a real process inside the pod's network namespace, as the
// container runtime would inside the pod's sandbox. Commands busybox provides (sh, wget, nslookup, nc, hostname…) run
// as busybox's applets, the image the issue's course material uses; others run as the host's binaries there. The
// process gets its own UTS namespace named after the pod (so `hostname` is the pod's) and kubelet's environment; with
// a TTY it runs under script(1), which gives it a pseudo-terminal (echo, line editing, the `/ # ` prompt).
// `/agnhost` (and `agnhost`) is the lab's shim of the e2e test image's binary (agnhost.ts: `connect`), so probes
// written for agnhost pods run unchanged.
import { spawn, spawnSync } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Session, SessionOutput } from './terminal.js';

let applets: Set<string> | undefined;
function busyboxApplets(): Set<string> {
  if (!applets) {
    const r = spawnSync('busybox', ['--list'], { encoding: 'utf8' });
    applets = new Set(r.status === 0 ? r.stdout.split('\n').filter(Boolean) : []);
  }
  return applets;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const AGNHOST = fileURLToPath(new URL('./agnhost.js', import.meta.url));

/** The argv run in the namespace for a pod's command. */
export function netnsArgv(netns: string, hostname: string, command: readonly string[], tty: boolean): string[] {
  const program = command[0] === '/agnhost' || command[0] === 'agnhost' ? [process.execPath, AGNHOST, ...command.slice(1)]
    : busyboxApplets().has(command[0]) ? ['busybox', ...command] : [...command];
  // The pod's hostname in a UTS namespace of its own, then the command in place of the shell that set it.
  const inner = ['unshare', '--uts', 'busybox', 'sh', '-c', 'busybox hostname "$0" && exec "$@"', hostname, ...program];
  return ['netns', 'exec', netns, ...(tty ? ['script', '-qefc', inner.map(quote).join(' '), '/dev/null'] : inner)];
}

export function netnsSession(netns: string, hostname: string, command: readonly string[], env: Record<string, string>, out: SessionOutput, tty: boolean): Session {
  // A container starts in its image's WORKDIR, `/` when the image sets none (busybox sets none).
  const child = spawn('ip', netnsArgv(netns, hostname, command, tty), { cwd: '/', env: { ...env, ...(tty ? { TERM: 'xterm' } : {}) }, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdout.on('data', (d: Buffer) => out.stdout(d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => out.stderr(d.toString('utf8')));
  child.stdin.on('error', () => undefined);
  const done = new Promise<number>((resolve) => {
    child.on('error', (e) => { out.stderr(`exec: ${e.message}\n`); resolve(126); });
    // A process a signal ended exits 128+N, as a shell (and kubelet's runtime) reports it.
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1)));
  });
  return {
    input: (data) => { child.stdin.write(data); },
    endInput: () => { child.stdin.end(); },
    done,
    kill: () => { if (child.exitCode === null) child.kill('SIGKILL'); },
  };
}
