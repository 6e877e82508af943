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

test('iptables: internal and external traffic policy both Local still write the cluster chain the short-circuit jumps to (kube-proxy UsesClusterEndpoints; found by podnet verify, iptables-restore refused the jump)', () => {
  const c = Cluster.load({ text: `apiVersion: podnet.dev/v1alpha1
kind: ClusterConfig
metadata: {name: t}
spec: {nodes: [{name: node-1, internalIP: 10.0.1.10}, {name: node-2, internalIP: 10.0.1.11}]}
---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x, labels: {pod: a}}
spec: {nodeName: node-1, containers: [{name: c, image: agnhost, ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: both-local, namespace: x}
spec: {type: NodePort, externalTrafficPolicy: Local, internalTrafficPolicy: Local, selector: {pod: a}, ports: [{port: 80}]}
` });
  const m = servicesModel(c);
  const sp = m.ports.find((p) => p.name === 'both-local')!;
  const text = renderIptables(m, c.nodes[1]);
  const svc = iptablesChains.cluster(sp);
  const ext = iptablesChains.external(sp);
  assert.ok(text.includes(`-A ${ext} -m comment --comment "pod traffic for x/both-local external destinations" -s 10.244.0.0/16 -j ${svc}`));
  assert.ok(text.split('\n').includes(`:${svc} - [0:0]`), `${svc} is declared`);
  assert.ok(text.includes(`-A ${svc} -m comment --comment "x/both-local -> 10.244.1.2:80" -j ${iptablesChains.endpoint(sp, sp.endpoints[0])}`));
});
