// podnet matrix past a few hundred pods: by workload by default (said on stderr), --by pod|workload|namespace, and the
// streamed pod JSON equal to the engine's matrix cell by cell.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticText } from '../../bench/synthetic.js';
import { Cluster } from '../cluster/cluster.js';
import { compilePolicies, podMatrix } from '../policy/index.js';
import { runCli } from './testing.js';

let dir: string;
let big: string;
let small: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'podnet-matrix-'));
  big = join(dir, 'big.yaml');
  writeFileSync(big, syntheticText({ pods: 600, namespaces: 20, services: 60, policies: 100, nodes: 6, seed: 3 }));
  small = join(dir, 'small.yaml');
  writeFileSync(small, syntheticText({ pods: 120, namespaces: 6, services: 20, policies: 40, nodes: 2, seed: 5 }));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('more than 500 pods: by workload, and stderr says so', async () => {
  const r = await runCli('matrix', '-f', big, '--port', '8080', '-o', 'json');
  assert.equal(r.code, 0);
  assert.equal(r.err, 'note: 602 pods are more than 500: the matrix is by workload (--by pod for one row per pod, --by namespace for fewer rows)\n');
  const j = JSON.parse(r.out);
  assert.deepEqual(Object.keys(j), ['by', 'groups', 'allowed', 'port', 'protocol', 'enforced', 'classes', 'podCount']);
  assert.equal(j.by, 'workload');
  assert.equal(j.podCount, 602);
  assert.equal(j.groups.length, 121); // 120 Deployments, CoreDNS
  assert.deepEqual(j.groups[0], { name: 'kube-system/deployment/coredns', pods: 2 });
  assert.equal(j.allowed.length, 121);
  assert.ok(j.allowed.every((row: unknown[]) => row.length === 121 && row.every((c) => c === true || c === false || c === 'partial')));
  const quiet = await runCli('matrix', '-f', big, '--port', '8080', '--by', 'namespace');
  assert.equal(quiet.err, '');
  assert.match(quiet.out, /^Connectivity on 8080\/TCP by namespace: row = from, column = to \(pods in parentheses\); ✓ every connection allowed, ~ some, \. none \(602 pods in 21 namespaces, 121 equivalence classes\)\n/);
});

test('--by pod streams the pod table: the JSON rows are the engine\'s matrix, the CSV too', async () => {
  const model = compilePolicies(Cluster.load({ paths: [small] }));
  for (const port of [8080, undefined]) {
    const m = podMatrix(model, { port, protocol: port ? 'TCP' : undefined });
    const args = port ? ['--port', String(port)] : [];
    const r = await runCli('matrix', '-f', small, ...args, '--by', 'pod', '-o', 'json');
    const j = JSON.parse(r.out);
    assert.deepEqual(j.pods, m.pods);
    assert.deepEqual(j.allowed, m.rows());
    const csv = await runCli('matrix', '-f', small, ...args, '-o', 'csv');
    const lines = csv.out.trimEnd().split('\n');
    assert.equal(lines.length, m.pods.length + 1);
    lines.slice(1).forEach((l, i) => assert.equal(l, `${m.pods[i]},${m.rows()[i].map((b) => (b ? 1 : 0)).join(',')}`));
  }
});

test('--by takes pod, workload or namespace', async () => {
  assert.deepEqual(await runCli('matrix', '-f', small, '--by', 'node'), { code: 1, out: '', err: 'error: --by must be pod, workload or namespace, not "node"\n' });
});
