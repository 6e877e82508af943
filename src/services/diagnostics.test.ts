import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Cluster } from '../cluster/cluster.js';
import { serviceDiagnostics } from './diagnostics.js';

const cluster = Cluster.load([fileURLToPath(new URL('../../../src/services/testdata/services.yaml', import.meta.url))]);
const diags = serviceDiagnostics(cluster);
const of = (name: string) => diags.filter((d) => d.object?.name === name).map((d) => `${d.code} ${d.message}`);

test('diagnostics: no endpoints → PN4901', () => {
  assert.deepEqual(of('empty'), ['PN4901 Service t/empty:http has no ready or serving endpoint: kube-proxy REJECTs connections to it ("connection refused")']);
  assert.deepEqual(of('nonserving'), ['PN4901 Service t/nonserving:http has no ready or serving endpoint: kube-proxy REJECTs connections to it ("connection refused")']);
});

test('diagnostics: Local traffic policies name the nodes that DROP', () => {
  assert.deepEqual(of('np-local'), ['PN4903 Service t/np-local:http has externalTrafficPolicy Local: nodes node-2, node-3 have no local endpoint, so external traffic entering there is DROPped']);
  assert.deepEqual(of('lb-local'), ['PN4903 Service t/lb-local:http has externalTrafficPolicy Local: nodes node-3 have no local endpoint, so external traffic entering there is DROPped (their healthCheckNodePort 30090 answers 503)']);
  assert.deepEqual(of('itp-local'), ['PN4904 Service t/itp-local:http has internalTrafficPolicy Local: clients on nodes node-1, node-3 have no local endpoint, so their ClusterIP traffic is DROPped']);
});

test('diagnostics: a named targetPort a selected pod lacks → PN4902; healthy Services say nothing', () => {
  const c = Cluster.load({ text: [
    'apiVersion: v1\nkind: Pod\nmetadata: {name: a, labels: {app: x}}\nspec:\n  containers: [{name: c, image: nginx, ports: [{name: web, containerPort: 80}]}]',
    'apiVersion: v1\nkind: Pod\nmetadata: {name: b, labels: {app: x}}\nspec:\n  containers: [{name: c, image: nginx}]',
    'apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec:\n  selector: {app: x}\n  ports: [{port: 80, targetPort: web}]',
  ].join('\n---\n') + '\n' });
  assert.deepEqual(serviceDiagnostics(c).filter((d) => d.object?.name === 'x').map((d) => `${d.code} ${d.message}`), ['PN4902 Service default/x port 80 targets the named port "web", which pod b does not declare: it is left out of the endpoints']);
  assert.deepEqual(of('web'), []);
});
