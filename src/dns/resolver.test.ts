// A pod's view: resolv.conf per dnsPolicy and dnsConfig (kubelet), and the search walk (glibc, musl): `tried` lists
// every name sent, in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileDns, formatResolvConf, PodNotFoundError } from './index.js';
import { fixtureCluster } from './testdata/fixture.js';

const model = compileDns(fixtureCluster(), { serial: 1 });

const resolvConfs: { what: string; pod: string; text: string; effective: string }[] = [
  { what: 'ClusterFirst (default)', pod: 'production/backend-a', effective: 'ClusterFirst',
    text: 'search production.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n' },
  { what: 'ClusterFirst in another namespace', pod: 'staging/client', effective: 'ClusterFirst',
    text: 'search staging.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n' },
  { what: 'ClusterFirst on hostNetwork falls back to Default (the node\'s resolv.conf)', pod: 'production/hostnet', effective: 'Default', text: 'nameserver 10.0.0.2\n' },
  { what: 'ClusterFirstWithHostNet', pod: 'production/hostnet-cf', effective: 'ClusterFirstWithHostNet',
    text: 'search production.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n' },
  { what: 'Default', pod: 'production/dflt', effective: 'Default', text: 'nameserver 10.0.0.2\n' },
  { what: 'None + dnsConfig (the example of the Kubernetes docs)', pod: 'production/custom', effective: 'None',
    text: 'search ns1.svc.cluster-domain.example my.dns.search.suffix\nnameserver 1.2.3.4\noptions ndots:2 edns0\n' },
  { what: 'ClusterFirst + dnsConfig: appended, duplicates dropped, options merged by name', pod: 'production/merged', effective: 'ClusterFirst',
    text: 'search production.svc.cluster.local svc.cluster.local cluster.local corp.example\nnameserver 10.96.0.10\nnameserver 192.0.2.53\noptions ndots:2 edns0\n' },
];

for (const row of resolvConfs) {
  test(`resolv.conf: ${row.what}`, () => {
    const rc = model.resolvConf(row.pod);
    assert.equal(formatResolvConf(rc), row.text);
    assert.equal(rc.effectivePolicy, row.effective);
  });
}

test('resolv.conf: more than 3 nameservers after the merge are cut to 3, with a warning', () => {
  const m = compileDns(fixtureCluster(), { serial: 1, nodeResolvConf: { nameservers: ['10.0.0.2', '10.0.0.3'], searches: ['corp.internal'], options: ['timeout:2'] } });
  const text = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"many","namespace":"production"},"spec":{"dnsPolicy":"Default","dnsConfig":{"nameservers":["192.0.2.1","192.0.2.2"]},"containers":[{"name":"c","image":"x"}]}}`;
  const m2 = compileDns(fixtureCluster(text), { serial: 1, nodeResolvConf: { nameservers: ['10.0.0.2', '10.0.0.3'], searches: ['corp.internal'], options: ['timeout:2'] } });
  void m;
  const rc = m2.resolvConf('production/many');
  assert.deepEqual(rc.nameservers, ['10.0.0.2', '10.0.0.3', '192.0.2.1']);
  assert.deepEqual(rc.searches, ['corp.internal']);
  assert.deepEqual(rc.options, [{ name: 'timeout', value: '2' }]);
  assert.match(rc.notes.join(' '), /192\.0\.2\.2 dropped/);
});

test('resolv.conf: ClusterFirst appends the node\'s search domains and drops its options', () => {
  const m = compileDns(fixtureCluster(), { serial: 1, nodeResolvConf: { nameservers: ['10.0.0.2'], searches: ['corp.internal', 'cluster.local'], options: ['timeout:2'] } });
  assert.equal(formatResolvConf(m.resolvConf('production/backend-a')), 'search production.svc.cluster.local svc.cluster.local cluster.local corp.internal\nnameserver 10.96.0.10\noptions ndots:5\n');
});

const walks: { what: string; pod: string; name: string; type?: string; resolver?: 'glibc' | 'musl'; rcode: string; tried: string[]; answers: string[] }[] = [
  { what: 'a short name resolves in the pod\'s own namespace first', pod: 'production/backend-a', name: 'backend', rcode: 'NOERROR',
    tried: ['backend.production.svc.cluster.local.'], answers: ['backend.production.svc.cluster.local. A 10.96.100.10'] },
  { what: 'the same short name from another namespace walks the whole list and fails', pod: 'staging/client', name: 'backend', rcode: 'FORWARDED',
    tried: ['backend.staging.svc.cluster.local.', 'backend.svc.cluster.local.', 'backend.cluster.local.', 'backend.'], answers: [] },
  { what: '<svc>.<ns> works through the second search domain', pod: 'staging/client', name: 'backend.production', rcode: 'NOERROR',
    tried: ['backend.production.staging.svc.cluster.local.', 'backend.production.svc.cluster.local.'], answers: ['backend.production.svc.cluster.local. A 10.96.100.10'] },
  { what: '<svc>.<ns>.svc works through the third', pod: 'staging/client', name: 'backend.production.svc', rcode: 'NOERROR',
    tried: ['backend.production.svc.staging.svc.cluster.local.', 'backend.production.svc.svc.cluster.local.', 'backend.production.svc.cluster.local.'], answers: ['backend.production.svc.cluster.local. A 10.96.100.10'] },
  { what: 'a fully qualified name with fewer than 5 dots still walks the search list first (ndots:5)', pod: 'production/backend-a', name: 'kubernetes.default.svc.cluster.local', rcode: 'NOERROR',
    tried: ['kubernetes.default.svc.cluster.local.production.svc.cluster.local.', 'kubernetes.default.svc.cluster.local.svc.cluster.local.', 'kubernetes.default.svc.cluster.local.cluster.local.', 'kubernetes.default.svc.cluster.local.'],
    answers: ['kubernetes.default.svc.cluster.local. A 10.96.0.1'] },
  { what: 'a trailing dot is absolute: one query', pod: 'production/backend-a', name: 'kubernetes.default.svc.cluster.local.', rcode: 'NOERROR',
    tried: ['kubernetes.default.svc.cluster.local.'], answers: ['kubernetes.default.svc.cluster.local. A 10.96.0.1'] },
  { what: 'an external name costs three NXDOMAINs before going upstream', pod: 'production/backend-a', name: 'www.example.com', rcode: 'FORWARDED',
    tried: ['www.example.com.production.svc.cluster.local.', 'www.example.com.svc.cluster.local.', 'www.example.com.cluster.local.', 'www.example.com.'], answers: [] },
  { what: 'glibc keeps walking past NODATA and reports it at the end', pod: 'production/backend-a', name: 'backend', type: 'AAAA', rcode: 'FORWARDED',
    tried: ['backend.production.svc.cluster.local.', 'backend.svc.cluster.local.', 'backend.cluster.local.', 'backend.'], answers: [] },
  { what: 'musl stops at the first NODATA', pod: 'production/backend-a', name: 'backend', type: 'AAAA', resolver: 'musl', rcode: 'NOERROR',
    tried: ['backend.production.svc.cluster.local.'], answers: [] },
  { what: 'with ndots:2, a name with 2 dots is tried as is first (glibc)', pod: 'production/merged', name: 'backend.production.svc', rcode: 'FORWARDED',
    tried: ['backend.production.svc.'], answers: [] },
  { what: 'musl never searches a name with >= ndots dots', pod: 'production/merged', name: 'cache.staging', resolver: 'musl', rcode: 'NOERROR',
    tried: ['cache.staging.production.svc.cluster.local.', 'cache.staging.svc.cluster.local.'], answers: ['cache.staging.svc.cluster.local. A 10.96.200.10'] },
  { what: 'dnsPolicy Default sends everything to the node\'s resolver, not CoreDNS', pod: 'production/dflt', name: 'backend', rcode: 'FORWARDED', tried: ['backend.'], answers: [] },
  { what: 'hostNetwork + ClusterFirst: service names do not reach CoreDNS', pod: 'production/hostnet', name: 'kubernetes.default.svc.cluster.local', rcode: 'FORWARDED', tried: ['kubernetes.default.svc.cluster.local.'], answers: [] },
  { what: 'ClusterFirstWithHostNet: they do', pod: 'production/hostnet-cf', name: 'kubernetes.default', rcode: 'NOERROR',
    tried: ['kubernetes.default.production.svc.cluster.local.', 'kubernetes.default.svc.cluster.local.'], answers: ['kubernetes.default.svc.cluster.local. A 10.96.0.1'] },
  { what: 'dnsPolicy None with an outside nameserver', pod: 'production/custom', name: 'backend', rcode: 'FORWARDED', tried: ['backend.ns1.svc.cluster-domain.example.'], answers: [] },
  { what: 'SRV through the search list', pod: 'production/backend-a', name: '_http._tcp.backend', type: 'SRV', rcode: 'NOERROR',
    tried: ['_http._tcp.backend.production.svc.cluster.local.'], answers: ['_http._tcp.backend.production.svc.cluster.local. SRV 0 100 80 backend.production.svc.cluster.local.'] },
];

for (const row of walks) {
  test(`search walk: ${row.what}`, () => {
    const r = model.resolveFromPod(row.pod, row.name, row.type ?? 'A', { resolver: row.resolver });
    assert.equal(r.rcode, row.rcode, r.stop);
    assert.deepEqual(r.tried, row.tried);
    assert.deepEqual(r.answers.map((a) => `${a.name} ${a.type} ${a.data}`), row.answers);
  });
}

test('search walk: glibc reports the remembered NODATA when nothing has records', () => {
  const m = compileDns(fixtureCluster(), { serial: 1, corefile: 'cluster.local:53 {\n kubernetes cluster.local\n}\n' });
  const r = m.resolveFromPod('production/backend-a', 'backend', 'AAAA');
  assert.deepEqual(r.tried, ['backend.production.svc.cluster.local.', 'backend.svc.cluster.local.', 'backend.cluster.local.', 'backend.']);
  assert.equal(r.rcode, 'NOERROR');
  assert.equal(r.question.name, 'backend');
  assert.match(r.stop, /NODATA it saw for backend\.production\.svc\.cluster\.local\./);
  assert.equal(r.steps[3].rcode, 'REFUSED');
});

test('search walk: an unknown pod is a clear error', () => {
  assert.throws(() => model.resolveFromPod('production/ghost', 'backend'), (e: unknown) => e instanceof PodNotFoundError && /pods "ghost" not found in namespace production/.test((e as Error).message));
});

test('/etc/hosts first: a pod\'s own hostname and FQDN never reach DNS', () => {
  const short = model.resolveFromPod('production/web-0', 'web-0');
  assert.deepEqual([short.rcode, short.tried, short.answers.map((a) => `${a.name} ${a.type} ${a.data}`)], ['NOERROR', [], ['web-0. A 10.244.1.20']]);
  assert.match(short.stop, /in the pod's \/etc\/hosts/);
  const fq = model.resolveFromPod('production/web-0', 'web-0.nginx.production.svc.cluster.local');
  assert.deepEqual(fq.tried, []);
  // Another pod asks DNS for the same name.
  assert.deepEqual(model.resolveFromPod('production/web-1', 'web-0.nginx.production.svc.cluster.local.').tried, ['web-0.nginx.production.svc.cluster.local.']);
  assert.deepEqual(model.resolveFromPod('production/backend-a', 'localhost').answers.map((a) => a.data), ['127.0.0.1']);
  assert.deepEqual(model.resolveFromPod('production/backend-a', 'localhost', 'AAAA').answers.map((a) => a.data), ['::1']);
});

test('/etc/hosts: spec.hostAliases answer only in the pod that declares them', () => {
  const pod = '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"aliased","namespace":"production"},"spec":{"hostAliases":[{"ip":"192.0.2.7","hostnames":["legacy-db","legacy-db.corp"]}],"containers":[{"name":"c","image":"x"}]}}';
  const m = compileDns(fixtureCluster(pod), { serial: 1 });
  const r = m.resolveFromPod('production/aliased', 'legacy-db.corp');
  assert.deepEqual([r.rcode, r.tried, r.answers.map((a) => `${a.data} ${a.from}`)], ['NOERROR', [], ['192.0.2.7 spec.hostAliases of Pod production/aliased (/etc/hosts)']]);
  assert.deepEqual(m.resolveFromPod('production/backend-a', 'legacy-db.corp').tried.length, 4);
});
