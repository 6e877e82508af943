// The commands podnet suggests name podnet the way the user ran it: `podnet` on PATH, `npx podnet`, or `./bin/podnet`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { invokedAs } from './invocation.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

test('invokedAs: PATH, npx, npm run and a fresh clone', () => {
  const dir = mkdtempSync(join(tmpdir(), 'podnet-inv-'));
  try {
    const clone = join(dir, 'clone');
    mkdirSync(join(clone, 'bin'), { recursive: true });
    const script = join(clone, 'bin', 'podnet');
    writeFileSync(script, '');
    const onPath = join(dir, 'path');
    mkdirSync(onPath);
    symlinkSync(script, join(onPath, 'podnet'));
    const other = join(dir, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'podnet'), '');
    assert.equal(invokedAs(script, { PATH: `${other}:${onPath}` }, clone), 'podnet');
    assert.equal(invokedAs(script, { PATH: other }, clone), './bin/podnet');
    assert.equal(invokedAs(script, { PATH: onPath, npm_command: 'start' }, clone), './bin/podnet');
    assert.equal(invokedAs(script, { PATH: onPath, npm_command: 'exec' }, clone), 'npx podnet');
    assert.equal(invokedAs(script, { PATH: '' }, join(clone, 'bin')), './podnet');
    assert.equal(invokedAs(script, { PATH: '' }, other), script);
    assert.equal(invokedAs('', {}, clone), 'podnet');
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('podnet up from a clone suggests ./bin/podnet', async () => {
  const state = mkdtempSync(join(tmpdir(), 'podnet-inv-state-'));
  const env = { PATH: '/usr/bin:/bin', HOME: state, XDG_RUNTIME_DIR: state };
  const child = spawn(process.execPath, ['bin/podnet', 'up', '-f', 'examples/shop', '--ui-port', '0', '--dns-port', '0', '--http-port', '0', '--https-port', '0', '--api-port', '0'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner: ${out}`)), 60_000);
      child.stdout.on('data', (c) => { out += c; if (out.includes('Press Ctrl-C')) { clearTimeout(timer); resolve(); } });
      child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`exited ${code}: ${out}`)); });
    });
    assert.match(out, /\n  \.\/bin\/podnet exec production\/frontend-[a-z0-9]+-[a-z0-9]+ -- curl http:\/\/backend\.production:8080\n/);
    assert.doesNotMatch(out, /(^|\s)podnet (exec|lint|mesh)/);
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGINT');
    await exited;
    rmSync(state, { recursive: true, force: true });
  }
});
