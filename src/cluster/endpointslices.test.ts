import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from './cluster.js';
import { formatDiagnostic } from '../api/diagnostics.js';

const pod = (name: string, labels: string, opts: { ports?: string; meta?: string; spec?: string } = {}) => `---
apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: default, labels: {${labels}}${opts.meta ?? ''}}
spec:${opts.spec ?? ''}
  containers: [{name: c, image: app, ports: [${opts.ports ?? '{name: http, containerPort: 8080}'}]}]
`;
const svc = (name: string, spec: string) => `---
apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: default, labels: {team: shop}}
spec:
${spec}
`;

const endpoints = (c: Cluster, svcName: string) =>
  c.slicesOfService('default', svcName).flatMap((s) => (s.endpoints ?? []).map((e) => [e.targetRef?.name, e.addresses[0], e.conditions?.ready, e.conditions?.serving, e.conditions?.terminating]));

test('a slice per Service: ready/serving/terminating from readiness and deletionTimestamp; managed-by and service-name labels', () => {
  const c = Cluster.load(
    pod('a', 'app: web', { spec: '\n  nodeName: node-1' }) +
    pod('b', 'app: web', { spec: '\n  nodeName: node-2', meta: ', annotations: {podnet.dev/ready: "false"}' }) +
    pod('c', 'app: web', { spec: '\n  nodeName: node-1', meta: ', deletionTimestamp: "2026-01-01T00:00:00Z"' }) +
    pod('other', 'app: db') +
    svc('web', '  selector: {app: web}\n  ports: [{name: http, port: 80, targetPort: http}]'));
  const slices = c.slicesOfService('default', 'web');
  assert.equal(slices.length, 1);
  const s = slices[0];
  assert.match(s.metadata.name, /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  assert.deepEqual(s.metadata.labels, { team: 'shop', 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' });
  assert.equal(s.addressType, 'IPv4');
  assert.deepEqual(s.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  assert.deepEqual(endpoints(c, 'web'), [
    ['a', '10.244.1.2', true, true, false],
    ['b', '10.244.2.2', false, false, false],
    ['c', '10.244.1.3', false, true, true],
  ]);
  assert.deepEqual([s.endpoints[0].nodeName, s.endpoints[0].zone], ['node-1', 'zone-a']);
  const ep = c.get<any>('Endpoints', 'default', 'web');
  assert.deepEqual(ep.subsets, [{
    addresses: [{ ip: '10.244.1.2', nodeName: 'node-1', targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: c.get<any>('Pod', 'default', 'a').metadata.uid } }],
    notReadyAddresses: [{ ip: '10.244.2.2', nodeName: 'node-2', targetRef: { kind: 'Pod', namespace: 'default', name: 'b', uid: c.get<any>('Pod', 'default', 'b').metadata.uid } }],
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  }]);
});

test('publishNotReadyAddresses makes every endpoint ready', () => {
  const c = Cluster.load(pod('b', 'app: web', { meta: ', annotations: {podnet.dev/ready: "false"}' }) +
    svc('web', '  publishNotReadyAddresses: true\n  selector: {app: web}\n  ports: [{port: 80}]'));
  assert.deepEqual(endpoints(c, 'web').map((e) => e.slice(2)), [[true, false, false]]);
});

test('named targetPort resolves per pod; pods with other numbers get their own slice, pods lacking the name a slice with no ports', () => {
  const c = Cluster.load(
    pod('v1', 'app: api', { ports: '{name: http, containerPort: 8080}' }) +
    pod('v2', 'app: api', { ports: '{name: http, containerPort: 9090}' }) +
    pod('bare', 'app: api', { ports: '{name: metrics, containerPort: 9100}' }) +
    svc('api', '  selector: {app: api}\n  ports: [{name: web, port: 80, targetPort: http}]'));
  const bySlice = c.slicesOfService('default', 'api').map((s) => [JSON.stringify(s.ports), (s.endpoints ?? []).map((e) => e.targetRef?.name)]).sort();
  assert.deepEqual(bySlice, [
    ['[]', ['bare']],
    ['[{"name":"web","port":8080,"protocol":"TCP"}]', ['v1']],
    ['[{"name":"web","port":9090,"protocol":"TCP"}]', ['v2']],
  ]);
});

test('a Service with no matching pods keeps one empty placeholder slice', () => {
  const c = Cluster.load(svc('lonely', '  selector: {app: nobody}\n  ports: [{port: 80}]'));
  const slices = c.slicesOfService('default', 'lonely');
  assert.deepEqual(slices.map((s) => [s.endpoints, s.ports]), [[[], null]]);
  assert.equal(c.get<any>('Endpoints', 'default', 'lonely').subsets, undefined);
});

test('more than 100 endpoints are split into slices of at most 100', () => {
  const cfg = 'apiVersion: podnet.dev/v1alpha1\nkind: ClusterConfig\nmetadata: {name: c}\nspec:\n  nodeCount: 3\n';
  let text = cfg;
  for (let i = 0; i < 250; i++) text += pod(`p${String(i).padStart(3, '0')}`, 'app: big');
  text += svc('big', '  selector: {app: big}\n  ports: [{name: http, port: 80, targetPort: http}]');
  const c = Cluster.load(text);
  assert.deepEqual(c.slicesOfService('default', 'big').map((s) => s.endpoints.length).sort((a, b) => a - b), [50, 100, 100]);
  assert.equal(new Set(c.slicesOfService('default', 'big').map((s) => s.metadata.name)).size, 3);
});

test('headless Service: hostname set only when the pod subdomain matches the Service; headless label on the slice', () => {
  const c = Cluster.load(
    pod('db-0', 'app: db', { spec: '\n  hostname: db-0\n  subdomain: db' }) +
    pod('x', 'app: db', { spec: '\n  hostname: x\n  subdomain: other' }) +
    svc('db', '  clusterIP: None\n  selector: {app: db}\n  ports: [{port: 5432}]'));
  const s = c.slicesOfService('default', 'db')[0];
  assert.equal(s.metadata.labels?.['service.kubernetes.io/headless'], '');
  assert.deepEqual(s.endpoints.map((e) => [e.targetRef?.name, e.hostname]), [['db-0', 'db-0'], ['x', undefined]]);
});

test('trafficDistribution PreferClose hints every endpoint for its own zone', () => {
  const c = Cluster.load(pod('a', 'app: w', { spec: '\n  nodeName: node-1' }) + pod('b', 'app: w', { spec: '\n  nodeName: node-2' }) +
    svc('w', '  trafficDistribution: PreferClose\n  selector: {app: w}\n  ports: [{port: 80}]'));
  assert.deepEqual(c.slicesOfService('default', 'w')[0].endpoints.map((e) => e.hints), [{ forZones: [{ name: 'zone-a' }] }, { forZones: [{ name: 'zone-b' }] }]);
});

test('selectorless Service: user Endpoints are mirrored to slices; user EndpointSlices are used as given', () => {
  const c = Cluster.load(
    svc('legacy-db', '  ports: [{name: pg, port: 5432}]') + `---
apiVersion: v1
kind: Endpoints
metadata: {name: legacy-db, namespace: default}
subsets:
- addresses: [{ip: 192.0.2.10}]
  notReadyAddresses: [{ip: 192.0.2.11}]
  ports: [{name: pg, port: 5432}]
` + svc('ext-api', '  ports: [{name: https, port: 443}]') + `---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: ext-api-1, namespace: default, labels: {kubernetes.io/service-name: ext-api}}
addressType: IPv4
endpoints: [{addresses: [198.51.100.7]}]
ports: [{name: https, port: 443}]
`);
  const mirrored = c.slicesOfService('default', 'legacy-db');
  assert.equal(mirrored.length, 1);
  assert.equal(mirrored[0].metadata.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslicemirroring-controller.k8s.io');
  assert.deepEqual(mirrored[0].endpoints.map((e) => [e.addresses[0], e.conditions?.ready]), [['192.0.2.10', true], ['192.0.2.11', false]]);
  assert.deepEqual(mirrored[0].ports, [{ name: 'pg', port: 5432, protocol: 'TCP' }]);
  const user = c.slicesOfService('default', 'ext-api');
  assert.deepEqual(user.map((s) => [s.metadata.name, s.endpoints[0].addresses[0], s.ports?.[0].protocol]), [['ext-api-1', '198.51.100.7', 'TCP']]);
});

test('pods of another namespace, terminal pods and pods without an IP are not endpoints', () => {
  const c = Cluster.load(pod('done', 'app: w') + 'status:\n  phase: Succeeded\n' +
    pod('ok', 'app: w') + svc('w', '  selector: {app: w}\n  ports: [{port: 80}]') +
    `---\napiVersion: v1\nkind: Pod\nmetadata: {name: elsewhere, namespace: kube-public, labels: {app: w}}\nspec:\n  containers: [{name: c, image: x}]\n`);
  assert.deepEqual(endpoints(c, 'w').map((e) => e[0]), ['ok']);
});

test('mirroring takes at most 1000 addresses per Endpoints subset (ready first) and says how many it skipped', () => {
  const ready = Array.from({ length: 1200 }, (_, i) => ({ ip: `192.0.${2 + (i >> 8)}.${i & 0xff}` }));
  const c = Cluster.load({ text: JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext' }, spec: { ports: [{ port: 80 }] } }) + '\n---\n' + JSON.stringify({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'ext' }, subsets: [{ addresses: ready, notReadyAddresses: [{ ip: '198.51.100.1' }], ports: [{ port: 80 }] }] }), textName: 'ext.json' });
  const slices = c.slicesOfService('default', 'ext');
  assert.equal(slices.length, 10);
  assert.equal(slices.flatMap((s) => s.endpoints).length, 1000);
  assert.ok(slices.flatMap((s) => s.endpoints).every((e) => e.conditions?.ready === true));
  assert.deepEqual(c.diagnostics.filter((d) => d.message.includes('mirrored')).map(formatDiagnostic), ['ext.json:3: Warning: Endpoints default/ext: A max of 1000 addresses can be mirrored to EndpointSlices per Endpoints subset. 201 addresses were skipped']);
});

test('slices the controller made, read back from an API server, are replaced in place: one set, their names kept', () => {
  const listed = `---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-x7k2p, namespace: default, uid: 0b1e, creationTimestamp: "2025-01-01T00:00:00Z", labels: {kubernetes.io/service-name: web, endpointslice.kubernetes.io/managed-by: endpointslice-controller.k8s.io}}
addressType: IPv4
ports: [{name: http, port: 8080, protocol: TCP}]
endpoints: [{addresses: [10.244.9.9], conditions: {ready: true}}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-mine, namespace: default, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
ports: [{name: http, port: 8080, protocol: TCP}]
endpoints: [{addresses: [10.0.0.7]}]
`;
  const c = Cluster.load(pod('a', 'app: web', { spec: '\n  nodeName: node-1' }) + svc('web', '  selector: {app: web}\n  ports: [{name: http, port: 80, targetPort: http}]') + listed);
  const slices = c.slicesOfService('default', 'web');
  // The controller's own slice now holds what the controller computes (pod a); a slice it does not manage stays.
  assert.deepEqual(slices.map((s) => [s.metadata.name, (s.endpoints ?? []).map((e) => e.addresses[0])]), [['web-mine', ['10.0.0.7']], ['web-x7k2p', ['10.244.1.2']]]);
  assert.deepEqual([slices[1].metadata.uid, slices[1].metadata.creationTimestamp], ['0b1e', '2025-01-01T00:00:00Z']);
});
