// k8s_external and transfer in the Corefile model: external addresses under their own zone (plugin/k8s_external),
// the apex, headless endpoints, fallthrough; zone transfers of the kubernetes zone (plugin/kubernetes/xfr.go,
// plugin/transfer): AXFR, IXFR with a current serial, UDP and unlisted clients refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../cluster/cluster.js';
import { compileDns } from './index.js';

const CLUSTER = `apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Pod
metadata: {name: web-0, namespace: shop, labels: {app: web}}
spec: {nodeName: node-1, hostname: web-0, subdomain: web-h, containers: [{name: web, image: nginx, ports: [{containerPort: 8080, name: http}]}]}
status: {phase: Running, podIP: 10.244.1.7, podIPs: [{ip: 10.244.1.7}], conditions: [{type: Ready, status: "True"}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}, externalIPs: [203.0.113.10], ports: [{name: http, port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: lb, namespace: shop}
spec: {type: LoadBalancer, selector: {app: web}, ports: [{name: https, port: 443, targetPort: 8080}]}
status: {loadBalancer: {ingress: [{hostname: lb-1.elb.example.net}]}}
---
apiVersion: v1
kind: Service
metadata: {name: web-h, namespace: shop}
spec: {clusterIP: None, selector: {app: web}, ports: [{name: http, port: 8080}]}
`;
const COREFILE = (external: string, transfer: string) => `.:53 {
    errors
    k8s_external example.org 113.0.203.in-addr.arpa {
${external}
    }
    kubernetes cluster.local in-addr.arpa {
        pods insecure
    }
    transfer {
${transfer}
    }
    forward . 192.0.2.53
}
`;
const dnsWith = (external = '        headless', transfer = '        to 10.0.0.9') => compileDns(Cluster.load({ text: CLUSTER }), { serial: 17, corefile: COREFILE(external, transfer) });
const lines = (l: { name: string; type: string; ttl: number; data: string }[]) => l.map((r) => `${r.name} ${r.ttl} ${r.type} ${r.data}`);

test('k8s_external: external IPs, LoadBalancer hostnames (CNAME), SRV, PTR, unknown names with the zone SOA', () => {
  const dns = dnsWith();
  assert.deepEqual(dns.diagnostics.map((d) => d.message), []);
  assert.deepEqual(lines(dns.query('web.shop.example.org', 'A').answers), ['web.shop.example.org. 5 A 203.0.113.10']);
  const srv = dns.query('_http._tcp.web.shop.example.org', 'SRV');
  assert.deepEqual(lines(srv.answers), ['_http._tcp.web.shop.example.org. 5 SRV 0 100 80 web.shop.example.org.']);
  assert.deepEqual(lines(srv.additional), ['web.shop.example.org. 5 A 203.0.113.10']);
  assert.deepEqual(lines(dns.query('lb.shop.example.org', 'A').answers.slice(0, 1)), ['lb.shop.example.org. 5 CNAME lb-1.elb.example.net.']);
  assert.deepEqual(lines(dns.query('10.113.0.203.in-addr.arpa', 'PTR').answers), ['10.113.0.203.in-addr.arpa. 5 PTR web.shop.example.org.']);
  const nx = dns.query('nope.shop.example.org', 'A');
  assert.equal(nx.rcode, 'NXDOMAIN');
  assert.equal(nx.plugin, 'k8s_external');
  assert.deepEqual(lines(nx.authority), ['example.org. 5 SOA ns1.dns.example.org. hostmaster.dns.example.org. 17 7200 1800 86400 5']);
  const aaaa = dns.query('web.shop.example.org', 'AAAA');
  assert.deepEqual([aaaa.rcode, aaaa.answers.length, aaaa.authority.length], ['NOERROR', 0, 1]);
  // Cluster names still come from the kubernetes plugin.
  assert.equal(dns.query('web.shop.svc.cluster.local', 'A').plugin, 'kubernetes');
});

test('k8s_external: headless endpoints only with the headless option; apex, ttl and fallthrough', () => {
  const headless = dnsWith();
  assert.deepEqual(lines(headless.query('web-h.shop.example.org', 'A').answers), ['web-h.shop.example.org. 5 A 10.244.1.7']);
  assert.deepEqual(lines(headless.query('web-h.shop.example.org', 'SRV').answers), ['web-h.shop.example.org. 5 SRV 0 100 8080 web-0.web-h.shop.example.org.']);
  assert.deepEqual(lines(headless.query('web-0.web-h.shop.example.org', 'A').answers), ['web-0.web-h.shop.example.org. 5 A 10.244.1.7']);
  assert.equal(dnsWith('        ttl 60').query('web-h.shop.example.org', 'A').rcode, 'NXDOMAIN');
  const custom = dnsWith('        apex ext\n        ttl 60');
  assert.deepEqual(lines(custom.query('example.org', 'SOA').answers), ['example.org. 60 SOA ns1.ext.example.org. hostmaster.ext.example.org. 17 7200 1800 86400 60']);
  const ns = custom.query('example.org', 'NS');
  assert.deepEqual(lines(ns.answers), ['example.org. 60 NS ns1.ext.example.org.']);
  assert.equal(custom.query('ns1.ext.example.org', 'A').rcode, 'NOERROR');
  assert.equal(custom.query('ns2.ext.example.org', 'A').rcode, 'NXDOMAIN');
  const fall = dnsWith('        fallthrough');
  assert.equal(fall.query('nope.shop.example.org', 'A').rcode, 'FORWARDED');
  assert.deepEqual(dnsWith('        bogus').diagnostics.map((d) => [d.code, d.message]), [['PN3004', 'Corefile:4: k8s_external: unknown property "bogus"']]);
});

test('transfer: AXFR of the cluster zone as xfr.go lists it, SOA first and last; IXFR with the current serial is the SOA alone', () => {
  const dns = dnsWith();
  const axfr = dns.transfer('cluster.local', 'AXFR', { transport: 'tcp', clientIP: '10.0.0.9' });
  assert.equal(axfr.rcode, 'NOERROR');
  const all = lines(axfr.answers);
  const soa = 'cluster.local. 5 SOA ns.dns.cluster.local. hostmaster.cluster.local. 17 7200 1800 86400 5';
  assert.equal(all[0], soa);
  assert.equal(all[all.length - 1], soa);
  for (const want of [
    'cluster.local. 5 NS kube-dns.kube-system.svc.cluster.local.',
    'web.shop.svc.cluster.local. 5 SRV 0 100 80 web.shop.svc.cluster.local.',
    '_http._tcp.web.shop.svc.cluster.local. 5 SRV 0 100 80 web.shop.svc.cluster.local.',
    'web-h.shop.svc.cluster.local. 5 A 10.244.1.7',
    'web-0.web-h.shop.svc.cluster.local. 5 A 10.244.1.7',
    '_http._tcp.web-h.shop.svc.cluster.local. 5 SRV 0 100 8080 web-0.web-h.shop.svc.cluster.local.',
  ]) assert.ok(all.includes(want), want);
  assert.deepEqual(lines(dns.transfer('cluster.local', 'IXFR', { transport: 'tcp', clientIP: '10.0.0.9', serial: 17 }).answers), [soa]);
  assert.equal(dns.transfer('cluster.local', 'IXFR', { transport: 'tcp', clientIP: '10.0.0.9', serial: 16 }).answers.length, all.length);
  assert.equal(dns.transfer('cluster.local', 'AXFR', { transport: 'udp', clientIP: '10.0.0.9' }).rcode, 'REFUSED');
  const stranger = dns.transfer('cluster.local', 'AXFR', { transport: 'tcp', clientIP: '10.0.0.8' });
  assert.equal(stranger.rcode, 'REFUSED');
  assert.match(stranger.why.join('\n'), /10\.0\.0\.8 is not in "to 10\.0\.0\.9": REFUSED/);
  // Without the transfer plugin the kubernetes plugin refuses transfers.
  const none = compileDns(Cluster.load({ text: CLUSTER }), { corefile: '.:53 {\n    kubernetes cluster.local\n}\n' });
  assert.equal(none.transfer('cluster.local', 'AXFR', { transport: 'tcp' }).rcode, 'REFUSED');
});

test('multicluster and zonal are parsed, with a warning naming them', () => {
  const dns = compileDns(Cluster.load({ text: CLUSTER }), { corefile: '.:53 {\n    kubernetes cluster.local clusterset.local {\n        multicluster clusterset.local\n        zonal\n    }\n}\n' });
  assert.deepEqual(dns.diagnostics.map((d) => [d.code, d.level, d.message]), [
    ['PN3003', 'warning', 'Corefile:3: kubernetes option "multicluster" clusterset.local is parsed but not modelled (multi-cluster Services (MCS ServiceImport) zones); answers are computed without it'],
    ['PN3003', 'warning', 'Corefile:4: kubernetes option "zonal" is parsed but not modelled (zone.pin / zone.prefer topology names); answers are computed without it'],
  ]);
});
