// The `podnet verify` face: flags checked before anything is realised, and one real run with the kernel as referee
// (examples/seed-policies, JSON): exit 0, the summary line, every flow with both answers, no namespace left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { listNamespaces } from '../realize/netns.js';
import { kernelTest } from '../realize/testing.js';
import { runCli } from './testing.js';

const seed = fileURLToPath(new URL('../../../examples/seed-policies', import.meta.url));

test('verify: a referee is required, and bad flags are refused before anything is realised', async () => {
  assert.deepEqual(await runCli('verify', '-f', seed), { code: 1, out: '', err: 'error: verify needs a referee: --kernel (the cluster realised in network namespaces of this machine) or --context (a live cluster, through probe pods)\n' });
  assert.deepEqual(await runCli('verify', '-f', seed, '--context', 'kind-kind'), { code: 1, out: '', err: 'error: -f and --kubeconfig/--context are alternatives: read manifests, or read a live cluster\n' });
  assert.deepEqual(await runCli('verify', '--kernel', '-f', seed, '--sample', '0'), { code: 1, out: '', err: 'error: --sample must be a whole number of at least 1, not "0"\n' });
  assert.deepEqual(await runCli('verify', '--kernel', '-f', seed, '-o', 'yaml'), { code: 1, out: '', err: 'error: unknown output format "yaml": use table or json\n' });
  assert.deepEqual(await runCli('verify', '--kernel', '-f', '/no/such/dir'), { code: 1, out: '', err: 'error: the path "/no/such/dir" does not exist\n' });
});

kernelTest('verify --kernel -f examples/seed-policies -o json: every flow agrees, exit 0, the lab removed', async () => {
  const before = new Set(await listNamespaces());
  const r = await runCli('verify', '--kernel', '-f', seed, '-o', 'json');
  assert.equal(r.code, 0, r.err + r.out.slice(0, 2000));
  const j = JSON.parse(r.out);
  assert.equal(j.referee, 'kernel');
  assert.equal(j.disagree, 0);
  assert.equal(j.agree, j.flows);
  assert.equal(j.results.filter((x: { status: string }) => x.status !== 'skipped').length, j.flows);
  assert.equal(j.summary, `verify: ${j.flows}/${j.flows} flows agree (kernel ${j.setup}, ${j.nodes} nodes, ${j.pods} pods)`);
  assert.ok(j.results.every((x: { model: unknown; disagreements: unknown[] }) => x.model && x.disagreements.length === 0));
  assert.match(r.err, /kernel: lab pn[0-9a-f]{4} realised: \d+ network namespaces in [\d.]+ s\nverify: probing \d+ flows/);
  assert.deepEqual((await listNamespaces()).filter((n) => !before.has(n) && /^pn[0-9a-f]{4}-/.test(n)), []);
});
