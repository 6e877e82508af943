// podnet suggest policies --lab: the flow log of a running lab, read over its API (with the token it leaves).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { startLab, type RunningLab } from '../cli/up.js';
import { runCli } from '../cli/testing.js';

let running: RunningLab;
const runtime = mkdtempSync(join(tmpdir(), 'podnet-runtime-'));

before(async () => {
  process.env.XDG_RUNTIME_DIR = runtime;
  running = await startLab({ filename: ['examples/shop/app'], uiPort: '0', dnsPort: '0', httpPort: '0', httpsPort: '0', grace: '0' }, { out: new PassThrough(), err: new PassThrough() }, { quiet: true, nodePortsAtNodePort: false });
});
after(async () => { await running.close(); rmSync(runtime, { recursive: true, force: true }); });

test('suggest --lab: the lab\'s flows, proved; the lookups go to allow-dns', async () => {
  const pods = running.lab.snapshot.cluster.pods('production').map((p) => `production/${p.metadata.name}`).sort();
  const frontend = pods.find((p) => p.includes('/frontend-'))!;
  for (let i = 0; i < 2; i++) await running.lab.exec(frontend, ['curl', '-s', 'http://backend.production:8080/hostname']);
  const flows = running.lab.flows.select({});
  // Each curl: its lookup and its request.
  assert.deepEqual(flows.map((f) => f.verdict), ['delivered', 'delivered', 'delivered', 'delivered']);
  const r = await runCli('suggest', 'policies', '-f', 'examples/shop/app', '--lab', `http://127.0.0.1:${running.api.port}`);
  assert.equal(r.err, 'suggest: 4 policies; all 4 observed flows allowed, 0 other workload pairs allowed\n');
  assert.equal(r.code, 0);
  assert.deepEqual([...r.out.matchAll(/^  name: (\S+)$/gm)].map((m) => m[1]), ['suggested-default-deny', 'suggested-allow-dns', 'suggested-backend', 'suggested-frontend']);
  const down = await runCli('suggest', 'policies', '-f', 'examples/shop/app', '--lab', 'http://127.0.0.1:9');
  assert.equal(down.code, 1);
  assert.match(down.err, /^error: cannot reach the lab at http:\/\/127\.0\.0\.1:9/);
});
