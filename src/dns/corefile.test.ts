// The Corefile: from the coredns ConfigMap when present, kubeadm's default otherwise; plugin options that change
// answers; server blocks for stub domains; hosts, rewrite, cache; and what is not modelled is reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileDns } from './index.js';
import { parseCorefile } from './corefile.js';
import { corefileConfigMap, fixtureCluster } from './testdata/fixture.js';

const line = (r: { name: string; ttl: number; type: string; data: string }) => `${r.name} ${r.ttl} ${r.type} ${r.data}`;
const withCorefile = (corefile: string) => compileDns(fixtureCluster(corefileConfigMap(corefile)), { serial: 7 });

test('corefile: without a coredns ConfigMap, kubeadm\'s default is used (ttl 30, pods insecure)', () => {
  const m = compileDns(fixtureCluster(), { serial: 7 });
  assert.equal(m.corefile.fromConfigMap, false);
  assert.deepEqual(m.blocks.map((b) => [b.key, b.zones, b.port]), [['.:53', ['.'], 53]]);
  assert.deepEqual(m.blocks[0].kubernetes?.zones, ['cluster.local.', 'in-addr.arpa.', 'ip6.arpa.']);
  assert.equal(m.blocks[0].kubernetes?.pods, 'insecure');
  assert.deepEqual(m.diagnostics, []);
});

test('corefile: the ConfigMap\'s Corefile wins; plugin defaults are ttl 5 and pods disabled', () => {
  const m = withCorefile('.:53 {\n  kubernetes cluster.local\n  forward . 127.0.0.1:5399\n}');
  assert.equal(m.corefile.fromConfigMap, true);
  assert.deepEqual(m.resolve('backend.production.svc.cluster.local').answers.map(line), ['backend.production.svc.cluster.local. 5 A 10.96.100.10']);
  assert.equal(m.resolve('10-244-1-11.production.pod.cluster.local').rcode, 'NXDOMAIN');
  // PTR is not served: in-addr.arpa is not a kubernetes zone here, so it is forwarded.
  assert.equal(m.resolve('10.100.96.10.in-addr.arpa', 'PTR').rcode, 'FORWARDED');
  assert.deepEqual(m.resolve('www.example.com').forward?.upstreams, ['127.0.0.1:5399']);
});

test('corefile: pods verified answers only for a pod with that IP in that namespace', () => {
  const m = withCorefile('.:53 {\n  kubernetes cluster.local {\n    pods verified\n  }\n}');
  assert.deepEqual(m.resolve('10-244-1-11.production.pod.cluster.local').answers.map(line), ['10-244-1-11.production.pod.cluster.local. 5 A 10.244.1.11']);
  assert.equal(m.resolve('10-244-1-11.staging.pod.cluster.local').rcode, 'NXDOMAIN');
  assert.equal(m.resolve('1-2-3-4.production.pod.cluster.local').rcode, 'NXDOMAIN');
  assert.equal(m.resolve('production.pod.cluster.local').rcode, 'NOERROR');
});

test('corefile: pods disabled makes every name under pod.<zone> NXDOMAIN but pod.<zone> itself', () => {
  const m = withCorefile('.:53 {\n  kubernetes cluster.local {\n    pods disabled\n  }\n}');
  assert.equal(m.resolve('production.pod.cluster.local').rcode, 'NXDOMAIN');
  assert.equal(m.resolve('pod.cluster.local').rcode, 'NOERROR');
});

test('corefile: endpoint_pod_names names endpoints after their pods', () => {
  const m = withCorefile('.:53 {\n  kubernetes cluster.local {\n    endpoint_pod_names\n  }\n}');
  assert.deepEqual(m.resolve('backend-b.backend-headless.production.svc.cluster.local').answers.map(line), ['backend-b.backend-headless.production.svc.cluster.local. 5 A 10.244.2.12']);
  // A hostname still wins over the pod name.
  assert.equal(m.resolve('web-0.nginx.production.svc.cluster.local').rcode, 'NOERROR');
});

test('corefile: ignore empty_service turns a ClusterIP service without endpoints into NXDOMAIN', () => {
  const m = withCorefile('.:53 {\n  kubernetes cluster.local {\n    ignore empty_service\n  }\n}');
  assert.equal(m.resolve('empty.production.svc.cluster.local').rcode, 'NXDOMAIN');
  assert.equal(m.resolve('backend.production.svc.cluster.local').rcode, 'NOERROR');
});

test('corefile: namespaces limits what is exposed', () => {
  const m = withCorefile('.:53 {\n  kubernetes cluster.local {\n    namespaces staging\n  }\n}');
  assert.equal(m.resolve('backend.production.svc.cluster.local').rcode, 'NXDOMAIN');
  assert.equal(m.resolve('cache.staging.svc.cluster.local').rcode, 'NOERROR');
});

test('corefile: stub domain server block, upstream for the rest, REFUSED outside every block', () => {
  const m = withCorefile('cluster.local:53 {\n  kubernetes cluster.local\n}\ncorp.example:53 {\n  forward . 127.0.0.1:5301\n}\nexample.org:53 {\n  forward . 127.0.0.1:5302\n}');
  assert.deepEqual(m.resolve('db.corp.example').forward?.upstreams, ['127.0.0.1:5301']);
  assert.equal(m.resolve('db.corp.example').steps[0].why[0], 'server block corp.example:53 (Corefile line 4) serves db.corp.example.');
  assert.deepEqual(m.resolve('www.example.org').forward?.upstreams, ['127.0.0.1:5302']);
  assert.equal(m.resolve('www.example.com').rcode, 'REFUSED');
});

test('corefile: the most specific server block wins', () => {
  const m = withCorefile('.:53 {\n  kubernetes cluster.local\n  forward . 127.0.0.1:5300\n}\nexample.com:53 {\n  forward . 127.0.0.1:5301\n}\na.example.com:53 {\n  forward . 127.0.0.1:5302\n}');
  assert.deepEqual(m.resolve('x.a.example.com').forward?.upstreams, ['127.0.0.1:5302']);
  assert.deepEqual(m.resolve('x.b.example.com').forward?.upstreams, ['127.0.0.1:5301']);
  assert.deepEqual(m.resolve('x.example.net').forward?.upstreams, ['127.0.0.1:5300']);
});

test('corefile: hosts answers before kubernetes; unlisted names go on only with fallthrough', () => {
  const m = withCorefile('.:53 {\n  hosts {\n    192.0.2.10 legacy.corp.example\n    fallthrough\n  }\n  kubernetes cluster.local\n  forward . 127.0.0.1:5300\n}');
  assert.deepEqual(m.resolve('legacy.corp.example').answers.map(line), ['legacy.corp.example. 3600 A 192.0.2.10']);
  assert.deepEqual(m.resolve('10.2.0.192.in-addr.arpa', 'PTR').answers.map(line), ['10.2.0.192.in-addr.arpa. 3600 PTR legacy.corp.example.']);
  assert.equal(m.resolve('backend.production.svc.cluster.local').rcode, 'NOERROR');
  const strict = withCorefile('.:53 {\n  hosts {\n    192.0.2.10 legacy.corp.example\n  }\n  forward . 127.0.0.1:5300\n}');
  assert.equal(strict.resolve('other.corp.example').rcode, 'SERVFAIL');
});

test('corefile: rewrite name maps names onto services; exact (and answer auto) answer under the asked name', () => {
  const m = withCorefile('.:53 {\n  rewrite name exact api.shop.example backend.production.svc.cluster.local\n  rewrite name suffix .internal.example .production.svc.cluster.local\n  kubernetes cluster.local\n}');
  assert.deepEqual(m.resolve('api.shop.example').answers.map(line), ['api.shop.example. 5 A 10.96.100.10']);
  // A suffix rule without `answer auto` leaves the rewritten name in the answer (the mismatch CoreDNS warns about).
  assert.deepEqual(m.resolve('nginx.internal.example').answers.map(line).sort(), ['nginx.production.svc.cluster.local. 5 A 10.244.1.20', 'nginx.production.svc.cluster.local. 5 A 10.244.2.21']);
  const auto = withCorefile('.:53 {\n  rewrite name suffix .internal.example .production.svc.cluster.local answer auto\n  kubernetes cluster.local\n}');
  assert.deepEqual(auto.resolve('nginx.internal.example').answers.map(line).sort(), ['nginx.internal.example. 5 A 10.244.1.20', 'nginx.internal.example. 5 A 10.244.2.21']);
  assert.deepEqual(auto.diagnostics, []);
  assert.match(m.resolve('api.shop.example').steps[0].why.join('\n'), /rewrite name exact api\.shop\.example\. backend\.production\.svc\.cluster\.local\. \(Corefile line 2\)/);
});

test('corefile: cache caps TTLs to its maximum (and raises them to its minimum)', () => {
  const m = withCorefile('.:53 {\n  kubernetes cluster.local {\n    ttl 0\n  }\n  cache 3\n}');
  assert.deepEqual(m.resolve('dns-version.cluster.local', 'TXT').answers.map(line), ['dns-version.cluster.local. 3 TXT "1.1.0"']);
  const hi = withCorefile('.:53 {\n  kubernetes cluster.local {\n    ttl 0\n  }\n  cache 30\n}');
  assert.deepEqual(hi.resolve('backend.production.svc.cluster.local').answers.map(line), ['backend.production.svc.cluster.local. 5 A 10.96.100.10']);
});

test('corefile: unmodelled plugins and options are reported, with the ConfigMap\'s file', () => {
  const m = withCorefile('.:53 {\n  template IN A example.org\n  kubernetes cluster.local {\n    multicluster clusterset.local\n  }\n  forward . 127.0.0.1:5300\n}');
  assert.deepEqual(m.diagnostics.map((d) => [d.code, d.source?.file, d.message]), [
    ['PN3002', 'fixture.yaml', 'Corefile:2: plugin "template" is not modelled by podnet; answers are computed as if it were absent'],
    ['PN3003', 'fixture.yaml', 'Corefile:4: kubernetes option "multicluster" clusterset.local is parsed but not modelled (multi-cluster Services (MCS ServiceImport) zones); answers are computed without it'],
  ]);
});

test('corefile: syntax errors are reported and what parsed is kept', () => {
  const r = parseCorefile('.:53 {\n  kubernetes cluster.local {\n    pods insecure\n');
  assert.equal(r.blocks.length, 1);
  assert.deepEqual(r.blocks[0].directives.map((d) => [d.name, d.args, d.block.map((b) => b.name)]), [['kubernetes', ['cluster.local'], ['pods']]]);
  assert.equal(r.diagnostics[0].code, 'PN3001');
  assert.match(r.diagnostics[0].message, /missing "}"/);
  const bad = withCorefile('.:53 {\n  kubernetes cluster.local {\n    pods sometimes\n    ttl 9999\n  }\n}');
  assert.deepEqual(bad.diagnostics.map((d) => d.message), ['Corefile:3: pods: "sometimes" must be disabled, insecure or verified', 'Corefile:4: ttl: "9999" must be a number of seconds from 0 to 3600']);
});

test('corefile: quoted strings, comments, one-line blocks and comma-separated keys', () => {
  const r = parseCorefile('# comment\nexample.org, example.net:1053 {\n  health { lameduck 5s }  # trailing\n  hosts "/etc/my hosts" example.org\n}\n');
  assert.deepEqual(r.blocks[0].keys, ['example.org', 'example.net:1053']);
  assert.deepEqual(r.blocks[0].directives.map((d) => [d.name, d.args, d.block.map((b) => [b.name, b.args])]), [['health', [], [['lameduck', ['5s']]]], ['hosts', ['/etc/my hosts', 'example.org'], []]]);
  assert.deepEqual(r.diagnostics, []);
});

const AUTOPATH = '.:53 {\n  autopath @kubernetes\n  kubernetes cluster.local {\n    pods verified\n  }\n  forward . 127.0.0.1:5300\n}';

test('corefile: autopath @kubernetes walks the client pod\'s search path on the server: one query, a CNAME', () => {
  const m = withCorefile(AUTOPATH);
  assert.deepEqual(m.diagnostics, []);
  const r = m.resolveFromPod('staging/client', 'backend.production');
  assert.deepEqual(r.tried, ['backend.production.staging.svc.cluster.local.']);
  assert.deepEqual(r.answers.map(line), ['backend.production.staging.svc.cluster.local. 5 CNAME backend.production.svc.cluster.local.', 'backend.production.svc.cluster.local. 5 A 10.96.100.10']);
  // An outside name: the server's walk ends at the bare name, which is forwarded.
  const ext = m.resolveFromPod('staging/client', 'www.example.com');
  assert.deepEqual(ext.tried, ['www.example.com.staging.svc.cluster.local.']);
  assert.equal(ext.forward?.name, 'www.example.com.');
  // Names that do not end in the client's first search domain are untouched; so are absolute lookups (no client pod).
  assert.equal(m.resolve('backend.production.staging.svc.cluster.local').rcode, 'NXDOMAIN');
});

test('corefile: autopath without pods verified does nothing, and says so', () => {
  const m = withCorefile(AUTOPATH.replace('pods verified', 'pods insecure'));
  assert.deepEqual(m.diagnostics.map((d) => d.message), ['Corefile:2: autopath @kubernetes needs "pods verified" in the kubernetes plugin; without it CoreDNS does no autopath']);
  assert.deepEqual(m.resolveFromPod('staging/client', 'backend.production').tried, ['backend.production.staging.svc.cluster.local.', 'backend.production.svc.cluster.local.']);
});
