// The lab's token as the CLI meets it: `podnet up` writes it to a file only the user can read and removes it at stop;
// commands find it with no flag; a stale, foreign or missing file gives a clear error; --no-auth says so loudly.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from './main.js';
import { runCli } from './testing.js';
import { banner, startLab } from './up.js';

let dir: string;
let runtime: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'podnet-token-'));
  runtime = join(dir, 'run');
  process.env.XDG_RUNTIME_DIR = runtime;
  // One pod and a ClusterIP Service: no NodePort, so the lab binds no fixed port.
  writeFileSync(join(dir, 'web.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: web, labels: {app: web}}\nspec:\n  containers: [{name: web, image: nginx, ports: [{containerPort: 80}]}]\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n');
});
after(() => { rmSync(dir, { recursive: true, force: true }); });

const quiet = () => ({ out: new PassThrough(), err: new PassThrough() });
const start = (auth = true) => startLab({ filename: [join(dir, 'web.yaml')], uiPort: '0', dnsPort: '0', httpPort: '0', httpsPort: '0', grace: '0', auth }, quiet(), { quiet: true, nodePortsAtNodePort: false });

test('podnet up writes the token file (0600 in a 0700 folder), commands use it with no flag, SIGTERM removes it', async () => {
  const child = spawn(process.execPath, ['bin/podnet', 'up', '-f', join(dir, 'web.yaml'), '--ui-port', '0', '--dns-port', '0', '--http-port', '0', '--https-port', '0', '--api-port', '0'], { env: { ...process.env, XDG_RUNTIME_DIR: runtime, PODNET_LAB: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  while (!out.includes('Press Ctrl-C to stop.')) await new Promise((r) => setTimeout(r, 50));
  const [, port, token] = /\n  UI +http:\/\/127\.0\.0\.1:(\d+)\/\?token=([A-Za-z0-9_-]{43})\n/.exec(out)!;
  const file = join(runtime, 'podnet', `lab-${port}.token`);
  assert.match(out, new RegExp(`\n  Token         ${file.replace(/[.]/g, '\\.')} \\(podnet apply, exec, logs\\.\\.\\. read it; other clients: Authorization: Bearer\\)\n`));
  assert.equal(readFileSync(file, 'utf8'), `${token}\n`);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(statSync(join(runtime, 'podnet')).mode & 0o777, 0o700);
  process.env.PODNET_LAB = `http://127.0.0.1:${port}`;
  try {
    assert.deepEqual(await runCli('fault', '--list'), { code: 0, out: 'no pod has a fault\n', err: '' });
    assert.deepEqual(await runCli('fault', 'default/web', '503'), { code: 0, out: 'default/web: 503\n', err: '' });
  } finally { delete process.env.PODNET_LAB; }
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  assert.equal(existsSync(file), false);
});

test('a stale token file (the lab is gone) gives the usual "cannot reach the lab"', async () => {
  const running = await start();
  const port = running.api.port;
  await running.close();
  writeFileSync(join(runtime, 'podnet', `lab-${port}.token`), 'stale\n', { mode: 0o600 });
  const r = await runCli('fault', '--list', '--lab', `http://127.0.0.1:${port}`);
  assert.equal(r.code, 1);
  assert.match(r.err, new RegExp(`^error: cannot reach the lab at http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\): start it with \`podnet up -f PATH\``));
});

test('a token file from another lab, or none, is named in the error', async () => {
  const running = await start();
  const lab = `http://127.0.0.1:${running.api.port}`;
  const file = running.tokenFile!;
  try {
    writeFileSync(file, 'x'.repeat(43) + '\n');
    assert.deepEqual(await runCli('exec', 'default/web', '--lab', lab, '--', 'curl', 'http://web'), { code: 1, out: '', err: `error: the lab at ${lab} refused the token in ${file}: that file was written by another lab (one started with another $XDG_RUNTIME_DIR / $HOME, or by another user)\n` });
    rmSync(file);
    assert.deepEqual(await runCli('mesh', 'metrics', '--lab', lab), { code: 1, out: '', err: `error: the lab at ${lab} needs its token and ${file} does not exist: is that lab another user's, or started with another $XDG_RUNTIME_DIR / $HOME?\n` });
  } finally { await running.close(); }
});

test('logs --flows -f follows the WebSocket with the token from the file', async () => {
  const running = await start();
  const lab = `http://127.0.0.1:${running.api.port}`;
  try {
    assert.equal((await runCli('exec', 'default/web', '--lab', lab, '--no-trace', '--', 'curl', '-s', 'http://web/hostname')).out, 'web');
    const out = new PassThrough();
    let text = '';
    out.on('data', (c) => (text += c));
    const done = main(['logs', '--flows', '-f', '--lab', lab], out, new PassThrough());
    while (!text.includes('\n')) await new Promise((r) => setTimeout(r, 20));
    process.emit('SIGINT');
    assert.equal(await done, 0);
    assert.match(text, /^\d\d:\d\d:\d\d\.\d{3} DELIVERED exec +default\/web → http:\/\/web\/hostname/m);
  } finally { await running.close(); }
});

test('--no-auth: no token, no file, and the banner says so', async () => {
  const running = await start(false);
  try {
    assert.equal(running.api.token, undefined);
    assert.equal(running.tokenFile, undefined);
    assert.equal(existsSync(join(runtime, 'podnet', `lab-${running.api.port}.token`)), false);
    assert.match(banner(running), new RegExp(`\n  UI            http://127\\.0\\.0\\.1:${running.api.port}\nWARNING: --no-auth: the lab API takes no token\\. Any program of any user on this machine can apply, delete, exec\nWARNING: and set faults in this lab \\(web pages still cannot: Host and Origin are checked\\)\\. Secrets stay redacted\\.\n`));
    assert.deepEqual(await runCli('fault', '--list', '--lab', `http://127.0.0.1:${running.api.port}`), { code: 0, out: 'no pod has a fault\n', err: '' });
  } finally { await running.close(); }
});
