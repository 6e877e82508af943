// Golden test: the rules podnet renders for the input of kube-proxy's TestOverallIPTablesRules must equal, line by
// line, the expected iptables-restore text in kubernetes/kubernetes pkg/proxy/iptables/proxier_test.go (after that
// test's own normalisation, which is also podnet's output order). Built-in Services are left out, as the upstream
// test has none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Cluster } from '../cluster/cluster.js';
import { servicesModel } from './model.js';
import { renderIptables } from './iptables.js';
import { iptablesChains } from './chains.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const testdata = (f: string) => `${here}/../../../src/services/testdata/${f}`;

export function overallCluster(): Cluster {
  const c = Cluster.load([testdata('overall.yaml')]);
  const errors = c.diagnostics.filter((d) => d.level === 'error');
  assert.deepEqual(errors, []);
  return c;
}

const withoutBuiltins = (sp: { namespace: string }) => sp.namespace.startsWith('ns');

test('iptables: TestOverallIPTablesRules golden, rule by rule', () => {
  const c = overallCluster();
  const got = renderIptables(servicesModel(c), c.nodes[0], { only: withoutBuiltins }).split('\n').filter((l) => l && !l.startsWith('#'));
  const want = readFileSync(testdata('overall.iptables'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
  for (let i = 0; i < Math.max(got.length, want.length); i++) assert.equal(got[i], want[i], `line ${i + 1}`);
});

test('iptables: chain names hash the service port name and protocol like kube-proxy', () => {
  const c = overallCluster();
  const m = servicesModel(c);
  const sp = m.ports.find((p) => p.nameString === 'ns1/svc1:p80')!;
  assert.equal(iptablesChains.cluster(sp), 'KUBE-SVC-XPGD46QRK7WJZT7O');
  assert.equal(iptablesChains.external(sp), 'KUBE-EXT-XPGD46QRK7WJZT7O');
  assert.equal(iptablesChains.local(sp), 'KUBE-SVL-XPGD46QRK7WJZT7O');
  assert.equal(iptablesChains.endpoint(sp, sp.endpoints[0]), 'KUBE-SEP-SXIVWICOYRO3J4NJ');
});
