// For the end-to-end tests: a lab on free loopback ports with its Kubernetes API, a clock the test moves, and the real
// kubectl (/usr/bin/kubectl) run against it with a private KUBECONFIG, HOME (kubectl's discovery cache) and TZ=UTC.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { startLab, type RunningLab } from '../../cli/up.js';

export const KUBECTL = '/usr/bin/kubectl';
/** A reason to skip, or false when kubectl is there. */
export const noKubectl: string | false = existsSync(KUBECTL) ? false : `${KUBECTL} is not installed`;

export interface Run { code: number; out: string; err: string }

export interface KubeLab {
  running: RunningLab;
  dir: string;
  kubeconfig: string;
  /** The API server's clock: creation times are T0, ages count from there. */
  clock: { now: Date };
  kubectl(args: string[], opts?: { input?: string; env?: Record<string, string> }): Promise<Run>;
  /** Starts a long-running command (get -w, port-forward); `output()` is what it printed so far. */
  spawnKubectl(args: string[]): { output: () => string; errors: () => string; stop: () => Promise<void> };
  close(): Promise<void>;
}

export const T0 = new Date('2025-03-01T10:00:00Z');

export async function startKubeLab(paths: string[] = ['examples/shop']): Promise<KubeLab> {
  const dir = mkdtempSync(join(tmpdir(), 'podnet-kube-'));
  const clock = { now: T0 };
  const quiet = { out: new PassThrough(), err: new PassThrough() };
  const running = await startLab({ filename: paths, uiPort: '0', dnsPort: '0', httpPort: '0', httpsPort: '0', apiPort: '0', grace: '0' }, quiet,
    { quiet: true, nodePortsAtNodePort: false, stateDir: join(dir, 'podnet'), now: () => clock.now });
  const kubeconfig = running.kubeconfigPath!;
  const env = (extra: Record<string, string> = {}) => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, KUBECONFIG: kubeconfig, TZ: 'UTC', ...extra });
  const kubectl = (args: string[], opts: { input?: string; env?: Record<string, string> } = {}) => new Promise<Run>((resolve) => {
    const child = spawn(KUBECTL, args, { env: env(opts.env), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    // A write answers before the lab serves it (the rebuild follows): the tests read the lab's state once it has.
    child.on('close', (code) => { void running.lab.settled().then(() => resolve({ code: code ?? -1, out, err })); });
    child.stdin.end(opts.input ?? '');
  });
  const spawnKubectl = (args: string[]) => {
    const child = spawn(KUBECTL, args, { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    const closed = new Promise<void>((r) => child.on('close', () => r()));
    return { output: () => out, errors: () => err, stop: async () => { child.kill('SIGTERM'); await closed; } };
  };
  return {
    running, dir, kubeconfig, clock, kubectl, spawnKubectl,
    close: async () => { await running.close(); rmSync(dir, { recursive: true, force: true }); },
  };
}

/** Waits until `cond` holds (polling every 20 ms), failing after `ms`. */
export async function until(cond: () => boolean, ms = 10_000, what = 'the condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
