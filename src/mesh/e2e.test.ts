// End to end through the built CLI (./bin/podnet) on examples/mesh-canary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const podnet = (...args: string[]) => spawnSync('node', ['bin/podnet', ...args], { cwd: ROOT, encoding: 'utf8' });

test('podnet mesh analyze examples/mesh-canary', () => {
  const r = podnet('mesh', 'analyze', '-f', 'examples/mesh-canary');
  assert.equal(r.status, 0);
  assert.equal(r.stdout, 'Warning [PN5008] (PeerAuthentication shop/default examples/mesh-canary/mesh.yaml:1) PeerAuthentication shop/default: STRICT mTLS on 3 serving workload(s) (frontend, reviews-v1, reviews-v2) while 1 workload(s) have no mesh proxy (legacy/curl): their plaintext requests are rejected\n0 error(s), 1 warning(s)\n');
});

test('podnet mesh check: jason goes to v2; an unknown path is denied by the AuthorizationPolicy', () => {
  const j = podnet('mesh', 'check', '-f', 'examples/mesh-canary', '--from', 'shop/deploy/frontend', '--to', 'shop/svc/reviews', '--port', '9080', '--method', 'GET', '--path', '/reviews/1', '--header', 'end-user: jason', '-o', 'json');
  assert.equal(j.status, 0);
  const out = JSON.parse(j.stdout);
  assert.deepEqual({ rule: out.route.ruleName, subset: out.route.chosen.subset, pod: out.destination.pod.replace(/-[a-z0-9]+-[a-z0-9]+$/, '') }, { rule: 'jason', subset: 'v2', pod: 'shop/reviews-v2' });
  const denied = podnet('mesh', 'check', '-f', 'examples/mesh-canary', '--from', 'shop/deploy/frontend', '--to', 'shop/svc/reviews', '--port', '9080', '--method', 'DELETE', '--path', '/reviews/1');
  assert.equal(denied.status, 0);
  assert.match(denied.stdout, /^DENIED \(AuthorizationPolicy, 403\): ALLOW policies apply to the workload \(shop\/reviews\) and none matches: denied by default: 403 RBAC: access denied\n/);
});
