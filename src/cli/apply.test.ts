// podnet apply / delete against a running lab: kubectl's words (created, configured, unchanged, deleted, NotFound), the
// engine's refusals with file:line and exit 1.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { startLab, type RunningLab } from './up.js';
import { runCli } from './testing.js';

let running: RunningLab;
let lab: string;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'podnet-apply-'));
  // Where the lab leaves its token for the commands.
  process.env.XDG_RUNTIME_DIR = dir;
  running = await startLab({ filename: ['examples/shop'], uiPort: '0', dnsPort: '0', httpPort: '0', httpsPort: '0', grace: '0' }, { out: new PassThrough(), err: new PassThrough() }, { quiet: true, nodePortsAtNodePort: false });
  lab = `http://127.0.0.1:${running.api.port}`;
});
after(async () => { await running.close(); rmSync(dir, { recursive: true, force: true }); });

const file = (name: string, text: string) => { const f = join(dir, name); writeFileSync(f, text); return f; };
const service = (port: number) => `apiVersion: v1\nkind: Service\nmetadata: {name: extra, namespace: production}\nspec:\n  selector: {app: backend}\n  ports: [{port: ${port}, targetPort: 8080}]\n`;
const cluster = () => running.lab.snapshot.cluster;

test('apply says created, then unchanged for the same object, then configured when it changed', async () => {
  const f = file('extra.yaml', service(9000));
  assert.deepEqual(await runCli('apply', '-f', f, '--lab', lab), { code: 0, out: 'service/extra created\n', err: '' });
  const version = running.lab.snapshot.version;
  assert.deepEqual(await runCli('apply', '-f', f, '--lab', lab), { code: 0, out: 'service/extra unchanged\n', err: '' });
  assert.equal(running.lab.snapshot.version, version, 'an unchanged apply makes no new snapshot');
  file('extra.yaml', service(9001));
  assert.deepEqual(await runCli('apply', '-f', f, '--lab', lab), { code: 0, out: 'service/extra configured\n', err: '' });
  assert.equal((cluster().get('Service', 'production', 'extra') as { spec: { ports: { port: number }[] } }).spec.ports[0].port, 9001);
  // An object the manifests on disk created is configured (or unchanged), never created.
  const netpol = file('np.yaml', 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny-all, namespace: production}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n');
  assert.deepEqual(await runCli('apply', '-f', netpol, '--lab', lab), { code: 0, out: 'networkpolicy.networking.k8s.io/deny-all configured\n', err: '' });
});

test('apply of an object the engine refuses prints its error with file:line, applies the rest, exits 1', async () => {
  const f = file('big.yaml', [
    'apiVersion: apps/v1', 'kind: Deployment', 'metadata: {name: big, namespace: production}', 'spec:', '  replicas: 1000000000',
    '  selector: {matchLabels: {app: big}}', '  template:', '    metadata: {labels: {app: big}}', '    spec: {containers: [{name: c, image: x}]}',
    '---', 'apiVersion: v1', 'kind: Service', 'metadata: {name: bad, namespace: production}', 'spec:', '  ports: [{port: 70000, targetPort: 80}]',
    '---', 'apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: fine, namespace: production}', 'data: {a: b}', '',
  ].join('\n'));
  const version = running.lab.snapshot.version;
  const r = await runCli('apply', '-f', f, '--lab', lab);
  assert.equal(r.code, 1);
  assert.equal(r.out, 'configmap/fine created\n');
  assert.equal(r.err, `${f}:1: Deployment production/big: spec.replicas is 1000000000; podnet models at most 5000 pods per workload, so it makes none\n`
    + `${f}:11: The Service "bad" is invalid: spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive\n`);
  assert.equal(cluster().get('Deployment', 'production', 'big'), undefined);
  assert.equal(cluster().get('Service', 'production', 'bad'), undefined);
  assert.ok(cluster().get('ConfigMap', 'production', 'fine'));
  assert.equal(running.lab.snapshot.version, version + 1);
  // Everything refused: nothing changes, no new snapshot.
  const only = file('only-bad.yaml', 'apiVersion: v1\nkind: Service\nmetadata: {name: bad2, namespace: production}\nspec:\n  ports: [{port: 0}]\n');
  const r2 = await runCli('apply', '-f', only, '--lab', lab);
  assert.deepEqual([r2.code, r2.out], [1, '']);
  assert.equal(r2.err, `${only}:1: The Service "bad2" is invalid: spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive\n`
    + `${only}:1: The Service "bad2" is invalid: spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive\n`);
  assert.equal(running.lab.snapshot.version, version + 1);
});

test('apply of a path that does not exist is kubectl\'s error', async () => {
  assert.deepEqual(await runCli('apply', '-f', join(dir, 'nope'), '--lab', lab), { code: 1, out: '', err: `error: the path "${join(dir, 'nope')}" does not exist\n` });
});

test('delete: deleted, NotFound as the API server words it, unknown resource types', async () => {
  file('gone.yaml', service(9000).replace('extra', 'gone'));
  await runCli('apply', '-f', join(dir, 'gone.yaml'), '--lab', lab);
  assert.deepEqual(await runCli('delete', 'svc', 'gone', 'nothere', '-n', 'production', '--lab', lab),
    { code: 1, out: 'service "gone" deleted\n', err: 'Error from server (NotFound): services "nothere" not found\n' });
  assert.equal(cluster().get('Service', 'production', 'gone'), undefined);
  assert.deepEqual(await runCli('delete', 'deployment.apps/nothere', '-n', 'production', '--lab', lab),
    { code: 1, out: '', err: 'Error from server (NotFound): deployments.apps "nothere" not found\n' });
  assert.deepEqual(await runCli('delete', '-f', join(dir, 'gone.yaml'), '--lab', lab),
    { code: 1, out: '', err: `Error from server (NotFound): error when deleting "${join(dir, 'gone.yaml')}": services "gone" not found\n` });
  assert.deepEqual(await runCli('delete', 'foo', 'bar', '--lab', lab), { code: 1, out: '', err: 'error: the server doesn\'t have a resource type "foo"\n' });
  assert.deepEqual(await runCli('delete', 'deployment.foo', 'bar', '--lab', lab), { code: 1, out: '', err: 'error: the server doesn\'t have a resource type "deployment.foo"\n' });
  assert.deepEqual(await runCli('delete', 'svc', '--lab', lab), { code: 1, out: '', err: 'error: resource(s) were provided, but no name was specified\n' });
  assert.deepEqual(await runCli('delete', 'networkpolicy/deny-all', '-n', 'production', '--lab', lab),
    { code: 0, out: 'networkpolicy.networking.k8s.io "deny-all" deleted\n', err: '' });
});
