import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../cluster/cluster.js';
import { clusterFindings, countFindings } from './index.js';
import { runCli } from '../cli/testing.js';

const PN5008 = {
  code: 'PN5008', level: 'warning', component: 'mesh',
  object: { kind: 'PeerAuthentication', namespace: 'shop', name: 'default' },
  source: { file: 'examples/mesh-canary/mesh.yaml', line: 1 },
  message: 'PeerAuthentication shop/default: STRICT mTLS on 3 serving workload(s) (frontend, reviews-v1, reviews-v2) while 1 workload(s) have no mesh proxy (legacy/curl): their plaintext requests are rejected',
};

test('the one list holds the mesh\'s findings with the others; components choose a part of it', () => {
  const cluster = Cluster.load({ paths: ['examples/mesh-canary'] });
  assert.deepEqual(clusterFindings(cluster), [PN5008]);
  assert.deepEqual(clusterFindings(cluster, { components: ['mesh'] }), [PN5008]);
  assert.deepEqual(clusterFindings(cluster, { components: ['manifests', 'services', 'routing', 'dns', 'policy'] }), []);
  assert.deepEqual(countFindings(clusterFindings(cluster)), { errors: 0, warnings: 1, info: 0 });
});

test('lint repeats no API-server refusal the manifests already report; each finding says its component', () => {
  const text = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: empty, namespace: default}\nspec:\n  podSelector: {matchLabels: {app: nothing}}\n  policyTypes: [Ingress]\n';
  const cluster = Cluster.load({ text, textName: 'np.yaml' });
  const all = clusterFindings(cluster);
  assert.deepEqual(all.map((f) => [f.component, f.code, f.level]), [['policy', 'PN2002', 'warning']]);
  assert.equal(all[0].hint, 'check the podSelector labels against the pods\' labels (kubectl get pods --show-labels)');
});

test('validate, lint and mesh analyze print parts of the same list', async () => {
  const cluster = Cluster.load({ paths: ['examples/shop', 'examples/mesh-canary/mesh.yaml'] });
  const all = clusterFindings(cluster);
  const fromCli = [
    ...JSON.parse((await runCli('validate', '-f', 'examples/shop', '-f', 'examples/mesh-canary/mesh.yaml', '-o', 'json')).out).diagnostics.map((d: { code: string; message: string }) => `${d.code} ${d.message}`),
    ...JSON.parse((await runCli('lint', '-f', 'examples/shop', '-f', 'examples/mesh-canary/mesh.yaml', '-o', 'json')).out).findings.map((d: { code: string; message: string }) => `${d.code} ${d.message}`),
    ...JSON.parse((await runCli('mesh', 'analyze', '-f', 'examples/shop', '-f', 'examples/mesh-canary/mesh.yaml', '-o', 'json')).out).findings.map((d: { code: string; message: string }) => `${d.code} ${d.message}`),
  ];
  assert.deepEqual(fromCli.sort(), all.map((f) => `${f.code} ${f.message}`).sort());
  assert.ok(all.length > 0);
});
