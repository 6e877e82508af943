// podnet logs --flows: --tail and --since as kubectl logs reads them, one-shot and following, against a running lab.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from './main.js';
import { startLab, type RunningLab } from './up.js';
import { labAuthHeaders, labRequest, LabApiError } from '../serve/lab/client.js';
import { runCli } from './testing.js';

let running: RunningLab;
let lab: string;
// Where the lab leaves its token for the commands.
const runtime = mkdtempSync(join(tmpdir(), 'podnet-runtime-'));

before(async () => {
  process.env.XDG_RUNTIME_DIR = runtime;
  running = await startLab({ filename: ['examples/shop'], uiPort: '0', dnsPort: '0', httpPort: '0', httpsPort: '0', grace: '1' }, { out: new PassThrough(), err: new PassThrough() }, { quiet: true, nodePortsAtNodePort: false });
  lab = `http://127.0.0.1:${running.api.port}`;
  for (let i = 0; i < 3; i++) await curl();
});
after(async () => { await running.close(); rmSync(runtime, { recursive: true, force: true }); });

const client = () => running.lab.snapshot.cluster.pods('production').map((p) => `production/${p.metadata.name}`).filter((n) => n.startsWith('production/frontend-')).sort()[0];
const curl = () => running.lab.exec(client(), ['curl', '-s', 'http://backend.production:8080/hostname']);
const ids = (out: string) => out.trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { id: number }).id);
const lastIds = (n: number) => running.lab.flows.select({}).slice(-n).map((f) => f.id);

test('logs --flows without --tail prints every flow the lab keeps (kubectl: --tail=-1)', async () => {
  const r = await runCli('logs', '--flows', '--lab', lab, '-o', 'json');
  assert.equal(r.code, 0);
  assert.deepEqual(ids(r.out), running.lab.flows.select({}).map((f) => f.id));
  assert.ok(ids(r.out).length >= 3);
});

test('logs --flows --tail N prints the last N; --since keeps recent ones', async () => {
  const one = await runCli('logs', '--flows', '--tail', '1', '--lab', lab, '-o', 'json');
  assert.deepEqual([one.code, ids(one.out)], [0, lastIds(1)]);
  const two = await runCli('logs', '--flows', '--since', '1h', '--tail=2', '--lab', lab, '-o', 'json');
  assert.deepEqual([two.code, ids(two.out)], [0, lastIds(2)]);
  const none = await runCli('logs', '--flows', '--tail', '0', '--lab', lab);
  assert.deepEqual([none.code, none.out], [0, '']);
  const future = await runCli('logs', '--flows', '--since-time', '2999-01-01T00:00:00Z', '--lab', lab);
  assert.deepEqual([future.code, future.out], [0, '']);
});

test('logs --flows -f --tail 1 prints one old flow, then the new ones', async () => {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c) => (text += c));
  const before = lastIds(1);
  const done = main(['logs', '--flows', '-f', '--tail', '1', '-o', 'json', '--lab', lab], out, new PassThrough());
  const lines = async (n: number) => { for (let i = 0; i < 200 && ids(text).length < n; i++) await new Promise((r) => setTimeout(r, 10)); };
  await lines(1);
  const kept = running.lab.flows.select({}).length;
  await curl();
  // The curl's own flows: its DNS lookup and its HTTP request.
  const made = running.lab.flows.select({}).slice(kept).map((f) => f.id);
  assert.equal(made.length, 2);
  await lines(1 + made.length);
  process.emit('SIGINT');
  assert.equal(await done, 0);
  assert.deepEqual(ids(text), [...before, ...made]);
});

test('bad --tail and --since get kubectl\'s messages and exit 1 before calling the lab', async () => {
  const table: [string[], string][] = [
    [['--tail', '-2'], 'error: --tail must be greater than or equal to -1\n'],
    [['--tail', 'abc'], 'error: invalid argument "abc" for "--tail" flag: strconv.ParseInt: parsing "abc": invalid syntax\n'],
    [['--since', '5x'], 'error: invalid argument "5x" for "--since" flag: time: unknown unit "x" in duration "5x"\n'],
    [['--since', '-5s'], 'error: --since must be greater than 0\n'],
    [['--since', '5s', '--since-time', '2024-08-30T06:00:00Z'], 'error: at most one of `sinceTime` or `sinceSeconds` may be specified\n'],
    [['--since-time', 'yesterday'], 'error: --since-time must be an RFC3339 time such as 2024-08-30T06:00:00Z, not "yesterday"\n'],
  ];
  for (const [flags, err] of table) {
    const r = await runCli('logs', '--flows', ...flags, '--lab', 'http://127.0.0.1:1');
    assert.deepEqual([r.code, r.out, r.err], [1, '', err], flags.join(' '));
  }
});

test('GET /api/flows takes tailLines and sinceSeconds and answers 400 to bad ones', async () => {
  assert.deepEqual((await labRequest<{ id: number }[]>(lab, 'GET', '/api/flows?tailLines=2')).map((f) => f.id), lastIds(2));
  assert.deepEqual((await labRequest<{ id: number }[]>(lab, 'GET', '/api/flows?tailLines=-1&sinceSeconds=3600')).map((f) => f.id), lastIds(running.lab.flows.select({}).length));
  await assert.rejects(labRequest(lab, 'GET', '/api/flows?tailLines=-2'), (e) => e instanceof LabApiError && e.status === 400 && e.message === 'tailLines must be greater than or equal to -1');
});

test('the flow stream refuses a bad selection with 400 before upgrading', async () => {
  const { default: WebSocket } = await import('ws');
  const status = await new Promise<number>((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${running.api.port}/api/flows/stream?sinceSeconds=-1`, { headers: labAuthHeaders(lab) });
    ws.on('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0); ws.terminate(); });
    ws.on('open', () => { ws.close(); reject(new Error('upgraded')); });
    ws.on('error', () => { /* the 400 closes the socket */ });
  });
  assert.equal(status, 400);
});
