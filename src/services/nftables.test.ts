// Golden test against kube-proxy's TestOverallNFTablesRules (pkg/proxy/nftables/proxier_test.go): same input, the
// same transaction line by line (blank lines and # comments aside).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Cluster } from '../cluster/cluster.js';
import { servicesModel } from './model.js';
import { renderNftables } from './nftables.js';

const testdata = (f: string) => fileURLToPath(new URL(`../../../src/services/testdata/${f}`, import.meta.url));

test('nftables: TestOverallNFTablesRules golden, rule by rule', () => {
  // The nftables test gives svc5 ClientIP session affinity; the iptables one does not.
  const text = readFileSync(testdata('overall.yaml'), 'utf8').replace('externalTrafficPolicy: Cluster', 'externalTrafficPolicy: Cluster\n  sessionAffinity: ClientIP');
  const c = Cluster.load({ text, textName: 'overall.yaml' });
  assert.deepEqual(c.diagnostics.filter((d) => d.level === 'error'), []);
  const lines = (s: string) => s.split('\n').filter((l) => l.trim() && !l.startsWith('#'));
  const got = lines(renderNftables(servicesModel(c), c.nodes[0], { only: (sp) => sp.namespace.startsWith('ns') }));
  const want = lines(readFileSync(testdata('overall.nft'), 'utf8'));
  for (let i = 0; i < Math.max(got.length, want.length); i++) assert.equal(got[i], want[i], `line ${i + 1}`);
});
