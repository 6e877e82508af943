// The cluster zone, record by record: Kubernetes DNS spec 1.1.0 cases as CoreDNS answers them (kubeadm's Corefile:
// ttl 30, pods insecure). Each row: query, expected rcode, the exact answer records, and where it matters the
// additional section or the authority SOA.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileDns } from './index.js';
import { fixtureCluster } from './testdata/fixture.js';

const model = compileDns(fixtureCluster(), { serial: 1700000000 });
const line = (r: { name: string; ttl: number; type: string; data: string }) => `${r.name} ${r.ttl} ${r.type} ${r.data}`;
const SOA = 'cluster.local. 30 SOA ns.dns.cluster.local. hostmaster.cluster.local. 1700000000 7200 1800 86400 30';

interface Row { what: string; name: string; type: string; rcode: string; answers: string[]; additional?: string[]; authority?: string[] }

const rows: Row[] = [
  // ClusterIP services
  { what: 'ClusterIP service A', name: 'backend.production.svc.cluster.local', type: 'A', rcode: 'NOERROR', answers: ['backend.production.svc.cluster.local. 30 A 10.96.100.10'] },
  { what: 'the kubernetes service', name: 'kubernetes.default.svc.cluster.local.', type: 'A', rcode: 'NOERROR', answers: ['kubernetes.default.svc.cluster.local. 30 A 10.96.0.1'] },
  { what: 'kube-dns itself', name: 'kube-dns.kube-system.svc.cluster.local.', type: 'A', rcode: 'NOERROR', answers: ['kube-dns.kube-system.svc.cluster.local. 30 A 10.96.0.10'] },
  { what: 'AAAA on an IPv4-only service is NODATA, not NXDOMAIN (coredns#779)', name: 'backend.production.svc.cluster.local.', type: 'AAAA', rcode: 'NOERROR', answers: [], authority: [SOA] },
  { what: 'a ClusterIP service without endpoints still answers A', name: 'empty.production.svc.cluster.local.', type: 'A', rcode: 'NOERROR', answers: ['empty.production.svc.cluster.local. 30 A 10.96.100.12'] },
  { what: 'names are case-insensitive; the owner echoes the query', name: 'BackEnd.Production.SVC.cluster.local.', type: 'A', rcode: 'NOERROR', answers: ['BackEnd.Production.SVC.cluster.local. 30 A 10.96.100.10'] },
  { what: 'unknown service', name: 'nope.production.svc.cluster.local.', type: 'A', rcode: 'NXDOMAIN', answers: [], authority: [SOA] },
  { what: 'service of another namespace under this one', name: 'cache.production.svc.cluster.local.', type: 'A', rcode: 'NXDOMAIN', answers: [] },
  { what: 'the same service in its own namespace', name: 'cache.staging.svc.cluster.local.', type: 'A', rcode: 'NOERROR', answers: ['cache.staging.svc.cluster.local. 30 A 10.96.200.10'] },
  // SRV
  { what: 'SRV for a named port of a ClusterIP service targets the service name', name: '_http._tcp.backend.production.svc.cluster.local.', type: 'SRV', rcode: 'NOERROR',
    answers: ['_http._tcp.backend.production.svc.cluster.local. 30 SRV 0 100 80 backend.production.svc.cluster.local.'], additional: ['backend.production.svc.cluster.local. 30 A 10.96.100.10'] },
  { what: 'port and protocol labels match case-insensitively', name: '_GRPC._TCP.backend.production.svc.cluster.local.', type: 'SRV', rcode: 'NOERROR',
    answers: ['_GRPC._TCP.backend.production.svc.cluster.local. 30 SRV 0 100 9000 backend.production.svc.cluster.local.'] },
  { what: 'SRV with the wrong protocol: no such port -> NXDOMAIN', name: '_http._udp.backend.production.svc.cluster.local.', type: 'SRV', rcode: 'NXDOMAIN', answers: [] },
  { what: 'an unnamed port has no _port._proto name', name: '_9090._tcp.metrics.production.svc.cluster.local.', type: 'SRV', rcode: 'NXDOMAIN', answers: [] },
  { what: 'SRV on the bare service name lists every port, named or not (CoreDNS extension)', name: 'backend.production.svc.cluster.local.', type: 'SRV', rcode: 'NOERROR',
    answers: ['backend.production.svc.cluster.local. 30 SRV 0 50 80 backend.production.svc.cluster.local.', 'backend.production.svc.cluster.local. 30 SRV 0 50 9000 backend.production.svc.cluster.local.'],
    additional: ['backend.production.svc.cluster.local. 30 A 10.96.100.10'] },
  { what: 'bare SRV on an unnamed single port', name: 'metrics.production.svc.cluster.local.', type: 'SRV', rcode: 'NOERROR', answers: ['metrics.production.svc.cluster.local. 30 SRV 0 100 9090 metrics.production.svc.cluster.local.'] },
  // Headless
  { what: 'headless A: ready endpoints only', name: 'backend-headless.production.svc.cluster.local.', type: 'A', rcode: 'NOERROR',
    answers: ['backend-headless.production.svc.cluster.local. 30 A 10.244.1.11', 'backend-headless.production.svc.cluster.local. 30 A 10.244.2.12'] },
  { what: 'headless with publishNotReadyAddresses: the not-ready pod too', name: 'backend-all.production.svc.cluster.local.', type: 'A', rcode: 'NOERROR',
    answers: ['backend-all.production.svc.cluster.local. 30 A 10.244.1.11', 'backend-all.production.svc.cluster.local. 30 A 10.244.1.13', 'backend-all.production.svc.cluster.local. 30 A 10.244.2.12'] },
  { what: 'headless SRV: one per ready endpoint, the container port, dashed-IP targets', name: '_http._tcp.backend-headless.production.svc.cluster.local.', type: 'SRV', rcode: 'NOERROR',
    answers: ['_http._tcp.backend-headless.production.svc.cluster.local. 30 SRV 0 50 8080 10-244-1-11.backend-headless.production.svc.cluster.local.', '_http._tcp.backend-headless.production.svc.cluster.local. 30 SRV 0 50 8080 10-244-2-12.backend-headless.production.svc.cluster.local.'],
    additional: ['10-244-1-11.backend-headless.production.svc.cluster.local. 30 A 10.244.1.11', '10-244-2-12.backend-headless.production.svc.cluster.local. 30 A 10.244.2.12'] },
  { what: 'headless with hostname + subdomain = service name: SRV targets use the hostname', name: '_web._tcp.nginx.production.svc.cluster.local.', type: 'SRV', rcode: 'NOERROR',
    answers: ['_web._tcp.nginx.production.svc.cluster.local. 30 SRV 0 50 80 web-0.nginx.production.svc.cluster.local.', '_web._tcp.nginx.production.svc.cluster.local. 30 SRV 0 50 80 web-1.nginx.production.svc.cluster.local.'] },
  { what: 'per-endpoint name from hostname', name: 'web-0.nginx.production.svc.cluster.local.', type: 'A', rcode: 'NOERROR', answers: ['web-0.nginx.production.svc.cluster.local. 30 A 10.244.1.20'] },
  { what: 'per-endpoint name from the dashed IP', name: '10-244-2-12.backend-headless.production.svc.cluster.local.', type: 'A', rcode: 'NOERROR', answers: ['10-244-2-12.backend-headless.production.svc.cluster.local. 30 A 10.244.2.12'] },
  { what: 'a not-ready endpoint has no per-endpoint name', name: '10-244-1-13.backend-headless.production.svc.cluster.local.', type: 'A', rcode: 'NXDOMAIN', answers: [] },
  { what: 'with publishNotReadyAddresses it has one', name: '10-244-1-13.backend-all.production.svc.cluster.local.', type: 'A', rcode: 'NOERROR', answers: ['10-244-1-13.backend-all.production.svc.cluster.local. 30 A 10.244.1.13'] },
  { what: 'the dashed IP is not a name when a hostname is set', name: '10-244-1-20.nginx.production.svc.cluster.local.', type: 'A', rcode: 'NXDOMAIN', answers: [] },
  { what: 'endpoint names work under ClusterIP services too (CoreDNS)', name: '10-244-1-11.backend.production.svc.cluster.local.', type: 'A', rcode: 'NOERROR', answers: ['10-244-1-11.backend.production.svc.cluster.local. 30 A 10.244.1.11'] },
  { what: 'subdomain not matching the service: no hostname record, dashed IP instead', name: 'lone.lone.production.svc.cluster.local.', type: 'A', rcode: 'NXDOMAIN', answers: [] },
  { what: 'headless without ports: A works', name: 'lone.production.svc.cluster.local.', type: 'A', rcode: 'NOERROR', answers: ['lone.production.svc.cluster.local. 30 A 10.244.1.30'] },
  { what: 'headless without ports: no SRV (sentinel port -1)', name: 'lone.production.svc.cluster.local.', type: 'SRV', rcode: 'NOERROR', answers: [] },
  // ExternalName
  { what: 'ExternalName CNAME query', name: 'external.production.svc.cluster.local.', type: 'CNAME', rcode: 'NOERROR', answers: ['external.production.svc.cluster.local. 30 CNAME db.example.com.'] },
  { what: 'ExternalName to an in-cluster name: CNAME then the target A', name: 'to-internal.production.svc.cluster.local.', type: 'A', rcode: 'NOERROR',
    answers: ['to-internal.production.svc.cluster.local. 30 CNAME backend.production.svc.cluster.local.', 'backend.production.svc.cluster.local. 30 A 10.96.100.10'] },
  { what: 'names below an ExternalName service', name: 'x.external.production.svc.cluster.local.', type: 'A', rcode: 'NXDOMAIN', answers: [] },
  { what: 'SRV on an ExternalName service is NODATA', name: 'external.production.svc.cluster.local.', type: 'SRV', rcode: 'NOERROR', answers: [] },
  { what: 'CNAME query on a ClusterIP service is NODATA', name: 'backend.production.svc.cluster.local.', type: 'CNAME', rcode: 'NOERROR', answers: [] },
  // PTR
  { what: 'PTR of a ClusterIP', name: '10.100.96.10.in-addr.arpa.', type: 'PTR', rcode: 'NOERROR', answers: ['10.100.96.10.in-addr.arpa. 30 PTR backend.production.svc.cluster.local.'] },
  { what: 'PTR of an endpoint IP: one per service it backs', name: '11.1.244.10.in-addr.arpa.', type: 'PTR', rcode: 'NOERROR',
    answers: ['11.1.244.10.in-addr.arpa. 30 PTR 10-244-1-11.backend-all.production.svc.cluster.local.', '11.1.244.10.in-addr.arpa. 30 PTR 10-244-1-11.backend-headless.production.svc.cluster.local.', '11.1.244.10.in-addr.arpa. 30 PTR 10-244-1-11.backend.production.svc.cluster.local.', '11.1.244.10.in-addr.arpa. 30 PTR 10-244-1-11.metrics.production.svc.cluster.local.'] },
  { what: 'PTR of a hostname endpoint', name: '20.1.244.10.in-addr.arpa.', type: 'PTR', rcode: 'NOERROR', answers: ['20.1.244.10.in-addr.arpa. 30 PTR web-0.nginx.production.svc.cluster.local.'] },
  { what: 'PTR of an unknown IP falls through to forward (fallthrough in-addr.arpa)', name: '9.9.9.10.in-addr.arpa.', type: 'PTR', rcode: 'FORWARDED', answers: [] },
  // Pods (pods insecure)
  { what: 'pod A record (pods insecure)', name: '10-244-1-11.production.pod.cluster.local.', type: 'A', rcode: 'NOERROR', answers: ['10-244-1-11.production.pod.cluster.local. 30 A 10.244.1.11'] },
  { what: 'pods insecure answers any IP in an existing namespace', name: '1-2-3-4.production.pod.cluster.local.', type: 'A', rcode: 'NOERROR', answers: ['1-2-3-4.production.pod.cluster.local. 30 A 1.2.3.4'] },
  { what: 'pod record in a missing namespace', name: '1-2-3-4.nowhere.pod.cluster.local.', type: 'A', rcode: 'NXDOMAIN', answers: [] },
  { what: 'pod label that is not an IP', name: 'web-0.production.pod.cluster.local.', type: 'A', rcode: 'NXDOMAIN', answers: [] },
  // Apex, empty non-terminals, other types
  { what: 'schema version', name: 'dns-version.cluster.local.', type: 'TXT', rcode: 'NOERROR', answers: ['dns-version.cluster.local. 30 TXT "1.1.0"'] },
  { what: 'svc.<zone> is an empty non-terminal', name: 'svc.cluster.local.', type: 'A', rcode: 'NOERROR', answers: [], authority: [SOA] },
  { what: '<ns>.svc.<zone> is NODATA for an existing namespace', name: 'production.svc.cluster.local.', type: 'A', rcode: 'NOERROR', answers: [] },
  { what: '<ns>.svc.<zone> is NXDOMAIN for a missing namespace', name: 'nsnoexist.svc.cluster.local.', type: 'A', rcode: 'NXDOMAIN', answers: [] },
  { what: 'a label other than svc|pod under the zone', name: 'foo.cluster.local.', type: 'A', rcode: 'NXDOMAIN', answers: [] },
  { what: 'too many labels', name: 'a.b.c.backend.production.svc.cluster.local.', type: 'A', rcode: 'NXDOMAIN', answers: [] },
  { what: 'NS at the apex points to kube-dns with glue', name: 'cluster.local.', type: 'NS', rcode: 'NOERROR', answers: ['cluster.local. 30 NS kube-dns.kube-system.svc.cluster.local.'], additional: ['kube-dns.kube-system.svc.cluster.local. 30 A 10.96.0.10'] },
  { what: 'SOA at the apex', name: 'cluster.local.', type: 'SOA', rcode: 'NOERROR', answers: [SOA] },
  { what: 'SOA below the apex is NODATA', name: 'backend.production.svc.cluster.local.', type: 'SOA', rcode: 'NOERROR', answers: [], authority: [SOA] },
  { what: 'an unserved type on an existing name is NODATA', name: 'backend.production.svc.cluster.local.', type: 'MX', rcode: 'NOERROR', answers: [] },
  { what: 'an unserved type on a missing name is NXDOMAIN', name: 'blah.production.svc.cluster.local.', type: 'HINFO', rcode: 'NXDOMAIN', answers: [] },
  { what: 'TXT on an existing name other than dns-version', name: 'backend.production.svc.cluster.local.', type: 'TXT', rcode: 'NOERROR', answers: [] },
  { what: 'zone transfer straight to the kubernetes plugin', name: 'cluster.local.', type: 'AXFR', rcode: 'REFUSED', answers: [] },
  { what: 'outside the cluster zone: forwarded upstream', name: 'www.example.com.', type: 'A', rcode: 'FORWARDED', answers: [] },
];

for (const row of rows) {
  test(`zone: ${row.what} (${row.name} ${row.type})`, () => {
    const r = model.resolve(row.name, row.type);
    assert.equal(r.rcode, row.rcode, r.steps.flatMap((s) => s.why).join('\n'));
    assert.deepEqual(r.answers.map(line).sort(), [...row.answers].sort());
    if (row.additional) assert.deepEqual(r.additional.map(line).sort(), [...row.additional].sort());
    if (row.authority) assert.deepEqual(r.authority.map(line), row.authority);
    assert.deepEqual(r.tried, [row.name.endsWith('.') ? row.name : `${row.name}.`]);
  });
}

test('zone: every answer says which object produced it', () => {
  const r = model.resolve('web-1.nginx.production.svc.cluster.local', 'A');
  assert.equal(r.answers[0].from, 'endpoint 10.244.2.21 (Pod production/web-1) of Service production/nginx (headless)');
  const n = model.resolve('nope.production.svc.cluster.local', 'A');
  assert.match(n.steps[0].why.join(' '), /no Service "nope" in namespace production/);
});

test('zone: forwarded queries name the upstream (the node resolv.conf stand-in)', () => {
  const r = model.resolve('www.example.com', 'A');
  assert.deepEqual(r.forward, { name: 'www.example.com.', type: 'A', upstreams: ['10.0.0.2'], rule: 'forward . /etc/resolv.conf' });
});

test('zone: ExternalName to an outside name: the CNAME, and the target goes upstream', () => {
  const r = model.resolve('external.production.svc.cluster.local', 'A');
  assert.equal(r.rcode, 'NOERROR');
  assert.deepEqual(r.answers.map(line), ['external.production.svc.cluster.local. 30 CNAME db.example.com.']);
  assert.equal(r.forward?.name, 'db.example.com.');
});
