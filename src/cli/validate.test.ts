import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './testing.js';

const run = (argv: string[]) => runCli(...argv);

test('validate: the shop example is clean', async () => {
  const r = await run(['validate', '-f', 'examples/shop']);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /^0 error\(s\), 0 warning\(s\); \d+ objects in the cluster model\n$/);
});

test('validate: every error with file:line and kubectl\'s message, components\' warnings too, exit 1', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'podnet-validate-'));
  const file = join(dir, 'shop.yaml');
  writeFileSync(file, `apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  ports: [{port: 70000}]
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: default}
spec:
  selector: {app: nothing}
  ports: [{name: http, port: 80}]
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
`);
  const r = await run(['validate', '-f', file]);
  assert.equal(r.code, 1);
  const lines = r.out.trimEnd().split('\n');
  assert.ok(lines.includes(`${file}:1: The Service "web" is invalid: spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive`), r.out);
  assert.ok(lines.includes(`${file}:14: Warning: Widget "w" (example.com/v1) is not modelled by podnet: kept, but it does not affect the network model`), r.out);
  assert.ok(lines.some((l) => l.startsWith(`${file}:7: Warning: Service default/api:http has no ready or serving endpoint`)), r.out);
  // The defaulted targetPort (= port) is out of range too, as the API server reports it.
  assert.match(lines[lines.length - 1], /^2 error\(s\), 2 warning\(s\); \d+ objects in the cluster model$/);
  const json = await run(['validate', '-f', file, '-o', 'json']);
  const parsed = JSON.parse(json.out);
  assert.deepEqual([parsed.valid, parsed.errors, parsed.warnings], [false, 2, 2]);
  assert.equal(parsed.diagnostics[0].code, 'PN1003');
});

test('validate -f - (stdin): an alias bomb is one error with <stdin>:9 and exit 1, in well under a second of work', async () => {
  const { spawnSync } = await import('node:child_process');
  const { laughs } = await import('../api/testing.js');
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['bin/podnet', 'validate', '-f', '-'], { input: laughs(10), encoding: 'utf8', timeout: 20_000 });
  const ms = performance.now() - t0;
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, /^<stdin>:9: error converting YAML to JSON: yaml: line 9: document contains excessive aliasing\n1 error\(s\), 0 warning\(s\); \d+ objects in the cluster model\n$/);
  assert.ok(ms < 10_000, `${ms.toFixed(0)} ms including node's start`);
});
