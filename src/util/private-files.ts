// Files only the user may read (the lab's token, its kubeconfig): in $XDG_RUNTIME_DIR/podnet (a per-user tmpfs the
// session manager empties at logout), else ~/.podnet; the folder 0700, each file 0600, written atomically.
import { chmodSync, lstatSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';

export class PrivateFileError extends Error {}

/** $XDG_RUNTIME_DIR/podnet when that is an absolute path (the XDG spec says to ignore a relative one), else ~/.podnet. */
export function privateDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_RUNTIME_DIR;
  return xdg && isAbsolute(xdg) ? join(xdg, 'podnet') : join(env.HOME || homedir(), '.podnet');
}

/** Writes a file readable by its owner only (0600), in a folder only the owner can enter (0700): a folder that is a
 * symlink or another user's is refused, a wider mode narrowed. */
export function writePrivateFile(path: string, text: string): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  if (!st.isDirectory()) throw new PrivateFileError(`${dir} is not a directory`);
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) throw new PrivateFileError(`${dir} belongs to another user`);
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600, flag: 'w' });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}
