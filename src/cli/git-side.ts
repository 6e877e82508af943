// A `--base git:REF` side: the same -f paths as they were at a revision of the repository that holds them, read with
// git itself (`git rev-parse`, `git ls-tree`, `git show REF:path`), never from the work tree.
import { spawnSync } from 'node:child_process';
import { dirname, extname, relative, resolve } from 'node:path';
import { existsSync, realpathSync, statSync } from 'node:fs';
import { Codes, type Diagnostic } from '../api/diagnostics.js';
import { loadPaths, parseManifestText, type LoadedObject } from '../api/load.js';
import { pushAll } from '../util/arrays.js';

export class GitSideError extends Error {}

const MANIFEST = new Set(['.yaml', '.yml', '.json']);

function git(args: string[], cwd: string): { ok: boolean; out: string; err: string } {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.error) throw new GitSideError(`cannot run git: ${r.error.message}`);
  return { ok: r.status === 0, out: r.stdout, err: r.stderr.trim() };
}

/** Every manifest at `ref` under the given paths (files or folders, relative to the current directory). */
export function loadAtRevision(ref: string, paths: readonly string[], extra: readonly string[] = [], cwd = process.cwd()): { objects: LoadedObject[]; diagnostics: Diagnostic[] } {
  if (ref === '' || ref.startsWith('-')) throw new GitSideError(`"git:${ref}" names no revision (like git:main, git:HEAD~1 or git:origin/main)`);
  // The repository is the one holding the first path (a folder, or the folder of a file), not the current directory's.
  const first = resolve(cwd, paths[0] ?? '.');
  const at = existsSync(first) && statSync(first).isDirectory() ? first : dirname(first);
  const top = git(['rev-parse', '--show-toplevel'], existsSync(at) ? at : cwd);
  if (!top.ok) throw new GitSideError(`--base git:${ref}: ${at} is not inside a git repository (${top.err.replace(/^fatal: /, '')})`);
  const root = top.out.trim();
  const commit = git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], root);
  if (!commit.ok) throw new GitSideError(`--base git:${ref}: unknown revision "${ref}" in ${root}`);
  const rev = commit.out.trim();
  const objects: LoadedObject[] = [];
  const diagnostics: Diagnostic[] = [];
  const realRoot = realpathSync(root);
  for (const p of paths) {
    if (p === '-') throw new GitSideError('--base git:REF cannot read stdin (-f -): name files or folders');
    const abs = resolve(cwd, p);
    let rel = relative(realRoot, (() => { try { return realpathSync(abs); } catch { return abs; } })()).split('\\').join('/');
    if (rel.startsWith('..')) throw new GitSideError(`the path "${p}" is outside the repository ${root}`);
    if (rel === '') rel = '.';
    const ls = git(['ls-tree', '-r', '--name-only', '-z', rev, '--', rel], root);
    const files = ls.out.split('\0').filter((f) => f && (f === rel || MANIFEST.has(extname(f).toLowerCase())) && !f.split('/').some((part) => part.startsWith('.')));
    if (!ls.ok || files.length === 0) throw new GitSideError(`the path "${p}" does not exist at ${ref}`);
    for (const f of files.sort()) {
      const show = git(['show', `${rev}:${f}`], root);
      if (!show.ok) { diagnostics.push({ code: Codes.readFailed, level: 'error', message: `cannot read ${f} at ${ref}: ${show.err}`, source: { file: `${ref}:${f}`, line: 0 } }); continue; }
      const r = parseManifestText(show.out, `${ref}:${f}`);
      pushAll(objects, r.objects);
      pushAll(diagnostics, r.diagnostics);
    }
  }
  if (extra.length > 0) {
    const r = loadPaths(extra);
    pushAll(objects, r.objects);
    pushAll(diagnostics, r.diagnostics);
  }
  return { objects, diagnostics };
}
