// examples/ci: the GitHub Actions workflow, the GitLab CI job and the pre-commit hooks run podnet commands that exist
// and work: each one is run here on examples/shop (the base side of a diff is examples/shop/app).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { runCli } from './testing.js';

const read = (f: string) => YAML.parse(readFileSync(`examples/ci/${f}`, 'utf8'));

/** `podnet …` lines of a script, with the examples' paths in place of the user's and without shell redirections. */
function podnetCommands(scripts: string[]): string[][] {
  return scripts.flatMap((s) => s.split('\n')).map((l) => l.trim()).filter((l) => l.startsWith('podnet ')).map((l) => l
    .replace(/\s*>\s*\S+$/, '')
    .replace(/--base "git:[^"]+"/, '--base examples/shop/app')
    .replace(/"\$MANIFESTS"|k8s\/(?!connectivity)/g, 'examples/shop')
    .replace(/"\$SPEC"|k8s\/connectivity-test\.yaml/g, 'examples/ci/connectivity-test.yaml')
    .split(/\s+/).slice(1).map((a) => a.replace(/^"|"$/g, '')));
}

async function runAll(cmds: string[][]): Promise<string[]> {
  const seen: string[] = [];
  for (const argv of cmds) {
    const r = await runCli(...argv);
    // A gate may trip (diff --fail-on: 1); a usage error (2, or 1 with "error:") may not.
    assert.ok(r.code === 0 || (r.code === 1 && argv[0] === 'diff'), `${argv.join(' ')}: exit ${r.code}\n${r.err}`);
    if (argv.includes('-o') || argv[0] !== 'diff') assert.ok(r.out.length > 0, `${argv.join(' ')} printed nothing`);
    seen.push(argv.slice(0, argv.indexOf('-f')).join(' '));
  }
  return seen;
}

test('the GitHub Actions workflow: diff comment and gate, JUnit test report, SARIF upload', async () => {
  const wf = read('github-actions.yml');
  const steps = wf.jobs.podnet.steps as { uses?: string; run?: string }[];
  assert.deepEqual(steps.filter((s) => s.uses).map((s) => s.uses!.split('@')[0]), ['actions/checkout', 'actions/setup-node', 'mikepenz/action-junit-report', 'github/codeql-action/upload-sarif']);
  assert.deepEqual(wf.permissions, { contents: 'read', 'pull-requests': 'write', 'security-events': 'write', checks: 'write' });
  const seen = await runAll(podnetCommands(steps.map((s) => s.run ?? '')));
  assert.deepEqual(seen, ['diff --base examples/shop/app', 'diff --base examples/shop/app', 'test', 'lint']);
});

test('the GitLab CI job and the pre-commit hooks', async () => {
  const job = read('gitlab-ci.yml').podnet;
  assert.equal(job.artifacts.reports.junit, 'podnet-junit.xml');
  assert.deepEqual(await runAll(podnetCommands(job.script)), ['diff --base examples/shop/app', 'lint', 'test', 'diff --base examples/shop/app']);
  const hooks = read('pre-commit-config.yaml').repos[0].hooks as { id: string; entry: string }[];
  assert.deepEqual(hooks.map((h) => h.id), ['podnet-validate', 'podnet-lint', 'podnet-test']);
  assert.deepEqual(await runAll(podnetCommands(hooks.map((h) => h.entry))), ['validate', 'lint', 'test']);
});
