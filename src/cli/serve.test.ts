// End to end: the built CLI serves the shop example; curl reaches a backend pod through the edge.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');

function curl(args: string[]): Promise<string> {
  return new Promise((resolve) => execFile('curl', ['-s', '--max-time', '10', ...args], (_e, stdout) => resolve(stdout)));
}

test('podnet serve ingress -f examples/shop: curl https through the edge reaches a backend pod', async () => {
  const child = spawn(join(root, 'bin/podnet'), ['serve', 'ingress', '-f', join(root, 'examples/shop'), '--http-port', '0', '--https-port', '0', '-q'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let out = '';
    const banner = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (c) => { out += c; if (out.includes('Press Ctrl-C')) resolve(out); });
      child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
    });
    const m = /http:\/\/127\.0\.0\.1:(\d+) \(port 80 in the cluster\) and https:\/\/127\.0\.0\.1:(\d+) \(port 443\)/.exec(banner);
    assert.ok(m, banner);
    const [http, https] = [m[1], m[2]];
    const secret = readFileSync(join(root, 'examples/shop/app/tls-secret.yaml'), 'utf8');
    const ca = join(mkdtempSync(join(tmpdir(), 'podnet-serve-')), 'ca.pem');
    writeFileSync(ca, Buffer.from(/tls\.crt: (\S+)/.exec(secret)![1], 'base64'));
    const body = await curl(['--cacert', ca, '-w', '\n%{ssl_verify_result}', '--resolve', `my-app.example.com:${https}:127.0.0.1`, `https://my-app.example.com:${https}/api/x`]);
    assert.match(body, /\n0$/, 'the certificate of Secret production/my-app-tls, verified');
    assert.match(body, /^pod production\/backend-[a-z0-9]+-[a-z0-9]+ \(10\.244\.\d+\.\d+:8080 on node-\d\) answered GET \/api\/x/);
    const redirect = await curl(['-o', '/dev/null', '-w', '%{http_code} %{redirect_url}', '--resolve', `my-app.example.com:${http}:127.0.0.1`, `http://my-app.example.com:${http}/web/`]);
    assert.equal(redirect, `308 https://my-app.example.com:${https}/web`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
});

test('podnet serve gateway without a Gateway: a clear error, exit 1', async () => {
  const r = await new Promise<{ code: number | null; err: string }>((resolve) => {
    execFile(join(root, 'bin/podnet'), ['serve', 'gateway', '-f', join(root, 'examples/shop'), '--http-port', '0', '--https-port', '0'], (e, _o, stderr) => resolve({ code: e ? (e as { code?: number }).code ?? 1 : 0, err: stderr }));
  });
  assert.equal(r.code, 1);
  assert.match(r.err, /error: there is no Gateway to route through/);
});
