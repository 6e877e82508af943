// End to end through the built binary: the same text as through main(), and kubectl's exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..', '..', '..');
const bin = join(root, 'bin', 'podnet');
const shop = join(root, 'examples', 'shop');

test('./bin/podnet get networkpolicies and describe one, on the shop example', { skip: !existsSync(shop) }, () => {
  const get = spawnSync(bin, ['get', 'networkpolicies', '-n', 'production', '-f', shop], { encoding: 'utf8' });
  assert.equal(get.status, 0, get.stderr);
  assert.match(get.stdout, /^NAME +POD-SELECTOR +AGE\n/);
  assert.match(get.stdout, /\nallow-frontend-to-backend +app=backend +<unknown>\n/);
  const describe = spawnSync(bin, ['describe', 'networkpolicy', 'allow-frontend-to-backend', '-n', 'production', '-f', shop], { encoding: 'utf8' });
  assert.equal(describe.status, 0, describe.stderr);
  assert.match(describe.stdout, /\nSpec:\n  PodSelector:     app=backend\n  Allowing ingress traffic:\n/);
});

test('./bin/podnet get all -A on the shop example lists every kind with prefixes', { skip: !existsSync(shop) }, () => {
  const r = spawnSync(bin, ['get', 'all', '-A', '-f', shop], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  for (const prefix of ['pod/', 'service/', 'deployment.apps/', 'replicaset.apps/']) assert.match(r.stdout, new RegExp(`\\n\\S+ +${prefix.replace('.', '\\.')}`));
  assert.match(r.stdout, /^NAMESPACE +NAME +READY +STATUS +RESTARTS +AGE\n/);
});

test('./bin/podnet get exits 1 with kubectl\'s NotFound message', () => {
  const r = spawnSync(bin, ['get', 'svc', 'nope', '-f', join(root, 'examples', 'shop')], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /Error from server \(NotFound\): services "nope" not found\n$/);
});
