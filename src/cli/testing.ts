// For tests of the commands: run the CLI in-process through main() and collect what it printed.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { main } from './main.js';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

export async function runCli(...argv: string[]): Promise<CliRun> {
  const out = new PassThrough();
  const err = new PassThrough();
  let o = '';
  let e = '';
  out.on('data', (d) => (o += d));
  err.on('data', (d) => (e += d));
  const code = await main(argv, out, err);
  return { code, out: o, err: e };
}

const root = fileURLToPath(new URL('../../../', import.meta.url));
const zeroPorts = ['--ui-port', '0', '--dns-port', '0', '--http-port', '0', '--https-port', '0', '--api-port', '0'];

export interface KernelLab { child: ChildProcess; out: string; url: string; prefix: string; exited: Promise<number | null>; log: () => string }

/**
 * Starts `podnet up --kernel -f path` (every port 0) as a child process and waits for the end of its banner. `user`
 * is a command that runs it as someone else (e.g. setpriv); a start that exits rejects with its code and stderr.
 */
export async function startKernelLab(path: string, user: string[] = []): Promise<KernelLab> {
  const child = spawn(user.length ? user[0] : process.execPath, [...user.slice(1), ...(user.length ? [process.execPath] : []), join(root, 'bin', 'podnet'), 'up', '--kernel', '-f', path, ...zeroPorts], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => { out += d; });
  child.stderr!.on('data', (d: Buffer) => { err += d; });
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => { if (out.includes('  podnet down\n')) { clearInterval(timer); resolve(); } }, 50);
    void exited.then((code) => { clearInterval(timer); reject(Object.assign(new Error(`podnet up exited with ${code}: ${err}`), { code, err })); });
  });
  return { child, out, url: `http://127.0.0.1:${out.match(/UI +http:\/\/127\.0\.0\.1:(\d+)/)![1]}`, prefix: `${out.match(/lab (pn[0-9a-f]{4}):/)![1]}-`, exited, log: () => err };
}
