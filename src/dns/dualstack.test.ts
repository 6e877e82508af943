// Dual-stack: A and AAAA per family, one SRV with weight 50 and both addresses in additional, IPv6 endpoint names
// (colons to dashes), ip6.arpa PTR in nibble form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../cluster/cluster.js';
import { compileDns } from './index.js';
import { reverseName, dashedIP } from './names.js';

const cluster = Cluster.load({ textName: 'dual.yaml', text: `apiVersion: podnet.dev/v1alpha1
kind: ClusterConfig
metadata: {name: c}
spec: {ipFamilies: [IPv4, IPv6]}
---
{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default","labels":{"app":"ds"}},"spec":{"containers":[{"name":"c","image":"x","ports":[{"name":"http","containerPort":8080}]}]},"status":{"phase":"Running","podIP":"10.244.1.40","podIPs":[{"ip":"10.244.1.40"},{"ip":"fd00:10:244:1::40"}]}}
---
{"apiVersion":"v1","kind":"Service","metadata":{"name":"ds","namespace":"default"},"spec":{"ipFamilyPolicy":"RequireDualStack","ipFamilies":["IPv4","IPv6"],"clusterIPs":["10.96.100.50","fd00:10:96::50"],"selector":{"app":"ds"},"ports":[{"name":"http","port":80,"targetPort":"http"}]}}
---
{"apiVersion":"v1","kind":"Service","metadata":{"name":"dsh","namespace":"default"},"spec":{"clusterIP":"None","ipFamilyPolicy":"RequireDualStack","ipFamilies":["IPv4","IPv6"],"selector":{"app":"ds"},"ports":[{"name":"http","port":80,"targetPort":"http"}]}}
` });
const dns = compileDns(cluster, { serial: 1 });
const lines = (name: string, type: string, section: 'answers' | 'additional' = 'answers') => dns.resolve(name, type)[section].map((r) => `${r.name} ${r.type} ${r.data}`).sort();

test('dual-stack: A with the IPv4 ClusterIP, AAAA with the IPv6 one', () => {
  assert.deepEqual(cluster.diagnostics, []);
  assert.deepEqual(lines('ds.default.svc.cluster.local', 'A'), ['ds.default.svc.cluster.local. A 10.96.100.50']);
  assert.deepEqual(lines('ds.default.svc.cluster.local', 'AAAA'), ['ds.default.svc.cluster.local. AAAA fd00:10:96::50']);
});

test('dual-stack: one SRV, weight 50, with A and AAAA in additional', () => {
  assert.deepEqual(lines('_http._tcp.ds.default.svc.cluster.local', 'SRV'), ['_http._tcp.ds.default.svc.cluster.local. SRV 0 50 80 ds.default.svc.cluster.local.']);
  assert.deepEqual(lines('_http._tcp.ds.default.svc.cluster.local', 'SRV', 'additional'), ['ds.default.svc.cluster.local. A 10.96.100.50', 'ds.default.svc.cluster.local. AAAA fd00:10:96::50']);
});

test('dual-stack headless: IPv6 endpoint names with dashes, one SRV per address family', () => {
  assert.equal(dashedIP('fd00::'), 'fd00--0');
  assert.deepEqual(lines('fd00-10-244-1--40.dsh.default.svc.cluster.local', 'AAAA'), ['fd00-10-244-1--40.dsh.default.svc.cluster.local. AAAA fd00:10:244:1::40']);
  assert.deepEqual(lines('_http._tcp.dsh.default.svc.cluster.local', 'SRV'), [
    '_http._tcp.dsh.default.svc.cluster.local. SRV 0 50 8080 10-244-1-40.dsh.default.svc.cluster.local.',
    '_http._tcp.dsh.default.svc.cluster.local. SRV 0 50 8080 fd00-10-244-1--40.dsh.default.svc.cluster.local.',
  ]);
});

test('dual-stack: PTR for the IPv6 ClusterIP in ip6.arpa nibble form', () => {
  assert.equal(reverseName('fd00:10:96::50'), '0.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.9.0.0.0.1.0.0.0.0.d.f.ip6.arpa.');
  assert.deepEqual(lines(reverseName('fd00:10:96::50'), 'PTR'), ['0.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.9.0.0.0.1.0.0.0.0.d.f.ip6.arpa. PTR ds.default.svc.cluster.local.']);
});
