// The kubectl plugin: with bin/ on PATH, the real kubectl finds `kubectl-podnet` and `kubectl podnet CMD` reads
// kubectl's current context (KUBECONFIG) when given neither -f nor --kubeconfig/--context.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './testing.js';
import { KUBECTL, noKubectl, startKubeLab, type KubeLab, type Run } from '../kube/apiserver/testing.js';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bin');
let k: KubeLab;
before(async () => { if (!noKubectl) k = await startKubeLab(); });
after(async () => { await k?.close(); });

function kubectl(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(KUBECTL, args, { env: { PATH: `${BIN}:${dirname(process.execPath)}:/usr/bin:/bin`, HOME: k.dir, KUBECONFIG: k.kubeconfig, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

test('kubectl plugin list finds kubectl-podnet in bin/', { skip: noKubectl }, async () => {
  const r = await kubectl(['plugin', 'list', '--name-only']);
  assert.equal(r.out, 'The following compatible plugins are available:\n\nkubectl-podnet\n');
});

test('kubectl podnet check uses kubectl\'s current context: the answer -f gives on the lab\'s manifests', { skip: noKubectl }, async () => {
  const args = ['check', '--from', 'production/deploy/frontend', '--to', 'production/svc/backend', '--port', '8080', '-o', 'json'];
  const r = await kubectl(['podnet', ...args]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /^Read \d+ objects of \d+ kinds from context "podnet" \(https:\/\/127\.0\.0\.1:\d+\) in \d+\.\d s\n$/);
  assert.equal(r.out, (await runCli(...args, '-f', 'examples/shop')).out);
  assert.equal((JSON.parse(r.out) as { allowed: boolean }).allowed, true);
  // Another context of the same kubeconfig (the bearer token's), and kubectl's current-context switched under it.
  const token = await kubectl(['podnet', 'get', 'netpol', '-n', 'production', '-o', 'name', '--context', 'podnet-token']);
  assert.equal(token.out, 'networkpolicy.networking.k8s.io/allow-dns-egress\nnetworkpolicy.networking.k8s.io/allow-from-ingress-controller\nnetworkpolicy.networking.k8s.io/allow-frontend-egress-to-backend\nnetworkpolicy.networking.k8s.io/allow-frontend-to-backend\nnetworkpolicy.networking.k8s.io/deny-all\n');
  assert.match(token.err, /from context "podnet-token"/);
  const missing = await kubectl(['podnet', 'matrix', '--context', 'elsewhere']);
  assert.deepEqual([missing.code, missing.out], [1, '']);
  assert.match(missing.err, /^error: context "elsewhere" does not exist \(.* has "podnet", "podnet-token"\)\n$/);
  // -f still reads files: the plugin only supplies the default.
  const files = await kubectl(['podnet', 'get', 'svc', '-n', 'production', '-o', 'name', '-f', 'examples/shop']);
  assert.deepEqual([files.out, files.err], ['service/backend\nservice/frontend\n', '']);
});
