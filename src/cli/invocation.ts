// How the user ran podnet, so that the commands podnet suggests can be pasted into another shell as they are:
// `podnet` when that name on PATH is this program (npm link, npm i -g .), `npx podnet` under npx, otherwise the path
// that was run (`./bin/podnet` from a fresh clone).
import { realpathSync } from 'node:fs';
import { delimiter, isAbsolute, join, relative } from 'node:path';

function real(p: string): string | undefined {
  try { return realpathSync(p); } catch { return undefined; }
}

export function invokedAs(script = process.argv[1], env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  if (!script) return 'podnet';
  if (env.npm_command === 'exec') return 'npx podnet';
  const self = real(script);
  // npm run/start put node_modules/.bin on PATH for their child only: another shell does not have it
  if (env.npm_command === undefined && self !== undefined) {
    for (const dir of (env.PATH ?? '').split(delimiter)) if (dir && real(join(dir, 'podnet')) === self) return 'podnet';
  }
  const rel = relative(cwd, script);
  if (isAbsolute(rel) || rel.startsWith('..')) return script;
  return rel.startsWith('.') ? rel : `./${rel}`;
}
