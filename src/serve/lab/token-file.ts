// Where a running lab leaves its token for the CLI: one file per lab port (two labs coexist), readable by the user
// only (../../util/private-files.ts), removed at stop. The file holds the bare token, so it also works as Prometheus'
// `authorization: {credentials_file: ...}` and in `curl -H "Authorization: Bearer $(cat FILE)"`.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { privateDir, writePrivateFile } from '../../util/private-files.js';

export function labTokenPath(port: number, dir = privateDir()): string {
  return join(dir, `lab-${port}.token`);
}

export function writeLabToken(port: number, token: string, dir = privateDir()): string {
  const file = labTokenPath(port, dir);
  writePrivateFile(file, token + '\n');
  return file;
}

/** The token of the lab on `port`, if a lab left one (it may be stale: the lab may have died). */
export function readLabToken(port: number, dir = privateDir()): string | undefined {
  try { return readFileSync(labTokenPath(port, dir), 'utf8').trim() || undefined; } catch { return undefined; }
}

/** Removes the file if it still holds this lab's token (a later lab on the same port wrote its own). */
export function removeLabToken(port: number, token: string, dir = privateDir()): void {
  if (readLabToken(port, dir) === token) rmSync(labTokenPath(port, dir), { force: true });
}
