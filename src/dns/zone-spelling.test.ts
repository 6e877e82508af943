// What CoreDNS builds from the query's spelling of the zone (handler.go keeps `qname[len(qname)-len(zone):]`): SRV
// targets, extras, the SOA of negative answers and NS names are the objects' lower-case names under the zone as
// typed; and NS at the apex for a headless Service fronting CoreDNS (ns.go nsAddrs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../cluster/cluster.js';
import { compileDns } from './index.js';
import { fixtureCluster } from './testdata/fixture.js';

const model = compileDns(fixtureCluster(), { serial: 7 });
const lines = (l: { name: string; type: string; data: string }[]) => l.map((r) => `${r.name} ${r.type} ${r.data}`);

test('mixed-case SRV: the owner echoes the query, the target is the lower-case Service under the typed zone', () => {
  const a = model.query('_HTTP._Tcp.BackEnd.Production.svc.CLUSTER.Local.', 'SRV');
  assert.deepEqual(lines(a.answers), ['_HTTP._Tcp.BackEnd.Production.svc.CLUSTER.Local. SRV 0 100 80 backend.production.svc.CLUSTER.Local.']);
  assert.deepEqual(lines(a.additional), ['backend.production.svc.CLUSTER.Local. A 10.96.100.10']);
});

test('mixed-case negative answers and apex records use the typed zone', () => {
  const nx = model.query('nope.production.svc.Cluster.Local.', 'A');
  assert.equal(nx.rcode, 'NXDOMAIN');
  assert.deepEqual(lines(nx.authority), ['Cluster.Local. SOA ns.dns.Cluster.Local. hostmaster.Cluster.Local. 7 7200 1800 86400 30']);
  assert.deepEqual(lines(model.query('CLUSTER.local.', 'SOA').answers), ['CLUSTER.local. SOA ns.dns.CLUSTER.local. hostmaster.CLUSTER.local. 7 7200 1800 86400 30']);
  assert.deepEqual(lines(model.query('CLUSTER.local.', 'NS').answers), ['CLUSTER.local. NS kube-dns.kube-system.svc.CLUSTER.local.']);
});

test('NS at the apex: a headless Service fronting CoreDNS adds one NS per CoreDNS endpoint, with glue', () => {
  const cluster = Cluster.load({ text: `apiVersion: v1
kind: Pod
metadata: {name: coredns-a, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec: {nodeName: node-1, containers: [{name: coredns, image: coredns/coredns:1.11.3}]}
status: {phase: Running, podIP: 10.244.0.53, podIPs: [{ip: 10.244.0.53}], conditions: [{type: Ready, status: "True"}]}
---
apiVersion: v1
kind: Service
metadata: {name: dns-direct, namespace: kube-system}
spec: {clusterIP: None, selector: {k8s-app: kube-dns}, ports: [{name: dns, port: 53, protocol: UDP}]}
` });
  const a = compileDns(cluster, { serial: 1 }).query('cluster.local.', 'NS');
  assert.deepEqual(lines(a.answers).sort(), ['cluster.local. NS 10-244-0-53.dns-direct.kube-system.svc.cluster.local.', 'cluster.local. NS kube-dns.kube-system.svc.cluster.local.']);
  assert.deepEqual(lines(a.additional).sort(), ['10-244-0-53.dns-direct.kube-system.svc.cluster.local. A 10.244.0.53', 'kube-dns.kube-system.svc.cluster.local. A 10.96.0.10']);
});
