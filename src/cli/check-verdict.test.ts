// podnet check / mesh check: one verdict first, naming the layer that decided; exit 0 whatever the verdict, and only
// --expect turns a verdict into an exit code.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './testing.js';

const CANARY = 'examples/mesh-canary';
let dir: string;
let anp: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'podnet-check-'));
  anp = join(dir, 'anp.yaml');
  writeFileSync(anp, [
    'apiVersion: v1', 'kind: Namespace', 'metadata: {name: x}', '---', 'apiVersion: v1', 'kind: Namespace', 'metadata: {name: y}',
    '---', 'apiVersion: v1', 'kind: Pod', 'metadata: {name: a, namespace: x}', 'spec: {containers: [{name: c, image: i, ports: [{containerPort: 80}]}]}',
    '---', 'apiVersion: v1', 'kind: Pod', 'metadata: {name: b, namespace: y}', 'spec: {containers: [{name: c, image: i}]}',
    '---', 'apiVersion: policy.networking.k8s.io/v1alpha1', 'kind: AdminNetworkPolicy', 'metadata: {name: deny-y}',
    'spec:', '  priority: 10', '  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: x}}}',
    '  ingress: [{name: deny-from-y, action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: y}}}]}]', '',
  ].join('\n'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('a flow the mesh denies: one DENIED verdict first, naming PeerAuthentication; exit 0', async () => {
  const r = await runCli('check', '-f', CANARY, '--from', 'legacy/deploy/curl', '--to', 'shop/svc/reviews', '--port', '9080', '--method', 'GET');
  assert.deepEqual(r, { code: 0, err: '', out: [
    'DENIED by the service mesh (PeerAuthentication): legacy/deploy/curl cannot connect to shop/svc/reviews (9080/TCP); NetworkPolicy allows all 3 connections.',
    '  egress:  allowed: no NetworkPolicy isolates the pod for egress',
    '  ingress: allowed: no NetworkPolicy isolates the pod for ingress',
    '  mesh:    denied (PeerAuthentication): the client has no mesh proxy: plaintext; shop/reviews-v1-557d749664-56jrh port 9080 requires mTLS (STRICT, shop/default): connection reset; mTLS no',
    '',
  ].join('\n') });
  const expectAllow = await runCli('check', '-f', CANARY, '--from', 'legacy/deploy/curl', '--to', 'shop/svc/reviews', '--port', '9080', '--method', 'GET', '--expect', 'allow');
  assert.deepEqual([expectAllow.code, expectAllow.err], [1, 'error: expected allow, but the connection is denied\n']);
  const expectDeny = await runCli('check', '-f', CANARY, '--from', 'legacy/deploy/curl', '--to', 'shop/svc/reviews', '--port', '9080', '--method', 'GET', '--expect', 'deny');
  assert.equal(expectDeny.code, 0);
});

test('AuthorizationPolicy denials name the policy layer and the 403', async () => {
  const r = await runCli('check', '-f', CANARY, '--from', 'shop/deploy/frontend', '--to', 'shop/svc/reviews', '--port', '9080', '--method', 'GET', '--path', '/admin');
  assert.equal(r.code, 0);
  assert.equal(r.out.split('\n')[0], 'DENIED by the service mesh (AuthorizationPolicy, 403): shop/deploy/frontend cannot connect to shop/svc/reviews (9080/TCP); NetworkPolicy allows all 3 connections.');
  assert.equal(r.out.match(/ALLOWED|DENIED/g)?.length, 1, 'one verdict');
});

test('NetworkPolicy and AdminNetworkPolicy denials name their layer', async () => {
  const np = await runCli('check', '-f', 'examples/shop', '--from', 'production/deploy/backend', '--to', 'production/svc/frontend', '--port', '80');
  assert.equal(np.code, 0);
  assert.equal(np.out.split('\n')[0], 'DENIED by NetworkPolicy: 6 of 6 connections from production/deploy/backend to production/svc/frontend (80/TCP) are denied.');
  const admin = await runCli('check', '-f', anp, '--from', 'y/b', '--to', 'x/a', '--port', '80');
  assert.equal(admin.code, 0);
  assert.equal(admin.out.split('\n')[0], 'DENIED by AdminNetworkPolicy: y/b cannot connect to x/a on 80/TCP.');
});

test('check -o json keeps its contract and adds the mesh layer', async () => {
  const r = await runCli('check', '-f', CANARY, '--from', 'legacy/deploy/curl', '--to', 'shop/svc/reviews', '--port', '9080', '--method', 'GET', '-o', 'json');
  const j = JSON.parse(r.out);
  assert.deepEqual(Object.keys(j), ['allowed', 'egress', 'ingress', 'warnings', 'targets', 'enforced', 'wouldBeAllowed', 'mesh']);
  assert.equal(j.allowed, false);
  assert.deepEqual({ mtls: j.mesh.mtls, authz: j.mesh.authz, allowed: j.mesh.allowed, decidedBy: j.mesh.decidedBy }, { mtls: false, authz: { allowed: false }, allowed: false, decidedBy: 'PeerAuthentication' });
});

test('mesh check: the layer in parentheses, no "ALLOWED: allowed:", exit 0 either way unless --expect', async () => {
  const ok = await runCli('mesh', 'check', '-f', CANARY, '--from', 'shop/deploy/frontend', '--to', 'shop/svc/reviews', '--port', '9080', '--method', 'GET', '--path', '/reviews/1');
  assert.equal(ok.code, 0);
  assert.equal(ok.out.split('\n')[0], 'ALLOWED (AuthorizationPolicy): ALLOW policy shop/reviews rule 0 matches (mTLS from spiffe://cluster.local/ns/shop/sa/frontend)');
  const denied = await runCli('mesh', 'check', '-f', CANARY, '--from', 'shop/deploy/frontend', '--to', 'shop/svc/reviews', '--port', '9080', '--method', 'DELETE', '--path', '/reviews/1');
  assert.equal(denied.code, 0);
  assert.equal(denied.out.split('\n')[0], 'DENIED (AuthorizationPolicy, 403): ALLOW policies apply to the workload (shop/reviews) and none matches: denied by default: 403 RBAC: access denied');
  const expected = await runCli('mesh', 'check', '-f', CANARY, '--from', 'shop/deploy/frontend', '--to', 'shop/svc/reviews', '--port', '9080', '--method', 'DELETE', '--expect', 'allow');
  assert.deepEqual([expected.code, expected.err], [1, 'error: expected allow, but the request is denied\n']);
});

test('--help documents the exit status: only --expect turns a verdict into an exit code', async () => {
  for (const argv of [['check', '--help'], ['mesh', 'check', '--help']]) {
    const r = await runCli(...argv);
    assert.equal(r.code, 0);
    assert.match(r.out, /Exit status:\n  0  the question was answered, whether the verdict is ALLOWED or DENIED\n  1  bad input/);
    assert.match(r.out, /\nOnly --expect turns a verdict into an exit code\.\n/);
  }
});
