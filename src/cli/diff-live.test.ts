// `podnet diff` with a live side: --base-context / --context read the lab's Kubernetes API (`podnet up` serves one)
// through the kubeconfig, mixed with manifests on the other side.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './testing.js';
import { startKubeLab, type KubeLab } from '../kube/apiserver/testing.js';

let k: KubeLab;
let dir: string;
before(async () => { k = await startKubeLab(['examples/shop']); dir = mkdtempSync(join(tmpdir(), 'podnet-diff-live-')); });
after(async () => { await k.close(); rmSync(dir, { recursive: true, force: true }); });

const read = /^Read \d+ objects of \d+ kinds from context "(podnet|podnet-token)" \(https:\/\/127\.0\.0\.1:\d+\) in \d+\.\d s$/;

test('two contexts of one cluster: both sides live, no change', async () => {
  const r = await runCli('diff', '--kubeconfig', k.kubeconfig, '--base-context', 'podnet', '--context', 'podnet-token');
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'podnet diff: no change in connectivity, exposure, Services, DNS, routes, mesh or findings\n');
  const lines = r.err.trimEnd().split('\n');
  assert.equal(lines.length, 2);
  for (const l of lines) assert.match(l, read);
});

test('a live cluster before, its snapshot without one policy after: exactly what the policy allowed', async () => {
  const snap = await runCli('snapshot', '--kubeconfig', k.kubeconfig, '--context', 'podnet', '-o', 'json');
  assert.equal(snap.code, 0, snap.err);
  const list = JSON.parse(snap.out) as { items: { kind: string; metadata: { name: string } }[] };
  list.items = list.items.filter((o) => !(o.kind === 'NetworkPolicy' && o.metadata.name === 'allow-frontend-to-backend'));
  const file = join(dir, 'after.json');
  writeFileSync(file, JSON.stringify(list, null, 2));
  const r = await runCli('diff', '--kubeconfig', k.kubeconfig, '--base-context', 'podnet', '-f', file, '-o', 'json');
  assert.equal(r.code, 0, r.err);
  const d = JSON.parse(r.out);
  assert.deepEqual(d.summary, { newlyAllowed: 0, newlyDenied: 1, portsChanged: 0, newExposure: 0, services: 0, dns: 0, routes: 0, mesh: 0, findingsAdded: 0, findingsRemoved: 0, total: 1 });
  const c = d.connectivity.removed[0];
  assert.deepEqual([c.from, c.to, c.before, c.after, c.closed, c.port, c.protocol, c.policies], [
    'production/deployment/frontend', 'production/deployment/backend', { TCP: '8080' }, {}, { TCP: '8080' }, 8080, 'TCP',
    { before: ['production/allow-frontend-egress-to-backend', 'production/allow-frontend-to-backend'], after: ['production/allow-frontend-egress-to-backend', 'production/allow-from-ingress-controller', 'production/deny-all'] },
  ]);
});

test('manifests before, the live cluster after: what the cluster adds (podnet\'s own kube-dns, ingress-nginx, the kubernetes Service)', async () => {
  const r = await runCli('diff', '--kubeconfig', k.kubeconfig, '--base', 'examples/shop', '--context', 'podnet', '-o', 'json');
  assert.equal(r.code, 0, r.err);
  assert.match(r.err.trimEnd(), read);
  const d = JSON.parse(r.out);
  assert.deepEqual(d.services.added.map((c: { name: string }) => c.name), ['default/kubernetes', 'ingress-nginx/ingress-nginx-controller', 'kube-system/kube-dns']);
  assert.deepEqual([d.services.removed, d.services.changed], [[], []]);
  assert.deepEqual(d.connectivity, { added: [], removed: [], changed: [] });
});

test('a context the kubeconfig does not have: exit 2 with kubectl\'s message', async () => {
  const r = await runCli('diff', '--kubeconfig', k.kubeconfig, '--base', 'examples/shop', '--context', 'elsewhere');
  assert.deepEqual([r.code, r.out], [2, '']);
  assert.equal(r.err, `error: context "elsewhere" does not exist (${k.kubeconfig} has "podnet", "podnet-token")\n`);
});
