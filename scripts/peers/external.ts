// Where the peers' suites live: $PODNET_EXTERNAL, else the nearest `shared/external` folder above the repository
// (../shared/external from /work/main). These scripts measure podnet against other projects' expectations; they are
// not tests, and nothing of the suites' data is copied into the project.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (scripts are compiled to dist/scripts/peers/). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The folder of one suite (`npguard`, `network-policy-api`), or undefined when the data is absent. */
export function externalDir(suite: string): string | undefined {
  const env = process.env.PODNET_EXTERNAL;
  if (env) return existsSync(join(env, suite)) ? join(env, suite) : undefined;
  for (let dir = dirname(repoRoot); ; dir = dirname(dir)) {
    const candidate = join(dir, 'shared', 'external', suite);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

export function percent(n: number, d: number): string {
  return d === 0 ? 'n/a' : `${((100 * n) / d).toFixed(1)}%`;
}

/** A scorer's start: the suite's folder (or a note and exit 0 when the data is absent), `-v` and the case filters. */
export function suiteRun(suite: string): { dir: string; verbose: boolean; only: string[] } {
  const dir = externalDir(suite);
  if (!dir) {
    process.stdout.write(`${suite}: no data (set PODNET_EXTERNAL or put the suites in ../shared/external); nothing measured\n`);
    process.exit(0);
  }
  const args = process.argv.slice(2);
  return { dir, verbose: args.includes('-v'), only: args.filter((a) => !a.startsWith('-')) };
}
