import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { runCli } from '../cli/testing.js';
import { Cluster } from '../cluster/cluster.js';
import { generateSpec } from './generate.js';
import { modelReferee, representative } from './referee.js';
import { formatJUnit, formatTap } from './report.js';
import { runSpecs } from './run.js';
import { loadSpec } from './spec.js';

const SHOP = 'src/conntest/testdata/shop.yaml';
const MESH = 'src/conntest/testdata/mesh.yaml';
const tick = () => { let t = 0; return () => (t += 2); };

test('every expectation type against the shop: six hold, the seventh fails with the deciding rules and the trace', async () => {
  const r = await runCli('test', '-f', 'examples/shop', '--spec', SHOP, '-o', 'json');
  assert.equal(r.code, 1);
  const j = JSON.parse(r.out);
  assert.deepEqual([j.referee, j.passed, j.failed], ['model', 6, 1]);
  assert.deepEqual(j.results.map((x: any) => [x.type, x.name, x.passed, x.expected, x.actual, `${x.line}:${x.column}`]), [
    ['connectivity', 'frontend reaches the backend Service', true, 'allow', 'allow', '7:5'],
    ['connectivity', 'backend cannot call the frontend', true, 'deny', 'deny', '13:5'],
    ['connectivity', 'the internet reaches the frontend through the Ingress', true, 'allow', 'allow', '19:5'],
    ['dns', 'backend resolves', true, 'records [10.108.90.214]', 'NOERROR, records [10.108.90.214]', '24:5'],
    ['dns', 'no such name', true, 'NXDOMAIN', 'NXDOMAIN, records []', '30:5'],
    ['route', 'API route', true, 'backend production/backend:8080, status 200', 'backend production/backend:8080, status 200', '33:5'],
    ['connectivity', 'the frontend\'s name is not a port of the backend', false, 'deny', 'allow', '36:5'],
  ]);
  const failed = j.results[6];
  assert.equal(failed.decidedBy.length, 6);
  assert.equal(failed.decidedBy[0], 'production/frontend-79c4fb5544-fmhnl → production/backend-6974c594d6-gdtrq 8080/TCP: egress: egress from production/frontend-79c4fb5544-fmhnl is allowed by NetworkPolicy production/allow-frontend-egress-to-backend; ingress: ingress to production/backend-6974c594d6-gdtrq is allowed by NetworkPolicy production/allow-frontend-to-backend [production/allow-frontend-egress-to-backend egress[0] Allow, production/allow-frontend-to-backend ingress[0] Allow]');
  assert.equal(failed.decidedBy[5], 'and 1 more connections');
  assert.equal(failed.trace[0], 'trace production/frontend-79c4fb5544-fmhnl → 10.244.2.3:8080');
  assert.equal(failed.trace[failed.trace.length - 2], '5. [deliver] node-2: delivered to production/backend-6974c594d6-gdtrq 10.244.2.3:8080/TCP (container api)');
  // The Ingress path: delivered through the controller to a backend pod, from the CIDR's first address.
  assert.equal(j.results[2].trace[0], 'trace external:203.0.113.1 → https://my-app.example.com/api/items');
  assert.equal(j.results[1].decidedBy.length, 5);
});

test('a port range is decided on every port: deny over 8000-9000 fails on the one port a policy opens', async () => {
  const dir = mkdtempSync('/tmp/podnet-conntest-');
  writeFileSync(`${dir}/range.yaml`, 'apiVersion: podnet.dev/v1alpha1\nkind: ConnectivityTest\nmetadata: {name: range}\nspec:\n  expectations:\n  - name: range\n    connectivity: {from: production/deploy/frontend, to: {namespace: production, podSelector: {matchLabels: {app: backend}}}, port: 8000-9000}\n    expect: deny\n  - name: below\n    connectivity: {from: production/deploy/frontend, to: production/deploy/backend, port: 1-8079}\n    expect: deny\n');
  const r = await runCli('test', '-f', 'examples/shop', '--spec', `${dir}/range.yaml`, '-o', 'json');
  const j = JSON.parse(r.out);
  // 2 frontends × 3 backends on the 5 ports of the range where some verdict can change: only the 6 on 8080 are allowed.
  assert.deepEqual(j.results.map((x: any) => [x.passed, x.actual]), [[false, 'allow on 6 of 30 connections'], [true, 'deny']]);
  assert.equal(r.code, 1);
});

test('spec errors: file:line:column and apimachinery\'s words, nothing run; YAML errors as the loader says them', async () => {
  const r = await runCli('test', '-f', 'examples/shop', '--spec', 'src/conntest/testdata/invalid.yaml');
  assert.equal(r.code, 1);
  assert.equal(r.out, '');
  const f = 'src/conntest/testdata/invalid.yaml';
  assert.equal(r.err, [
    `${f}:6:5: The ConnectivityTest "bad" is invalid: spec.expectations[0].expect: Required value`,
    `${f}:7:82: The ConnectivityTest "bad" is invalid: spec.expectations[0].connectivity.port: Invalid value: 70000: must be between 1 and 65535, inclusive`,
    `${f}:10:5: The ConnectivityTest "bad" is invalid: spec.expectations[1].route: Forbidden: only one of dns, route may be given`,
    `${f}:14:37: The ConnectivityTest "bad" is invalid: spec.expectations[2].connectivity.from.podSelctor: Unsupported value: "podSelctor": supported values: "pod", "workload", "service", "namespace", "namespaceSelector", "podSelector", "cidr", "ip"`,
    `${f}:16:5: The ConnectivityTest "bad" is invalid: spec.expectations[2].expect: Unsupported value: "maybe": supported values: "allow", "deny"`,
    `${f}:18:13: The ConnectivityTest "bad" is invalid: spec.expectations[3].route.url: Invalid value: "ftp://x/": must be an http or https URL`,
    `${f}:19:14: The ConnectivityTest "bad" is invalid: spec.expectations[3].expect.status: Invalid value: "200": must be a number`,
    'error: the spec is invalid (see above); nothing was run', '',
  ].join('\n'));
  assert.deepEqual(loadSpec('a: [\n', 's.yaml').diagnostics.map((d) => `${d.source?.line} ${d.message}`), ['2 error converting YAML to JSON: yaml: line 2: deficient indentation']);
  assert.deepEqual(loadSpec('apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n', 's.yaml').diagnostics.map((d) => d.message), ['s.yaml: expected apiVersion podnet.dev/v1alpha1, kind ConnectivityTest; got "v1", "Pod"']);
  const none = await runCli('test', '-f', 'examples/shop', '--spec', '/nonexistent.yaml');
  assert.deepEqual([none.code, none.err], [1, 'error: cannot read the spec "/nonexistent.yaml": the path does not exist\n']);
});

test('-o junit is well-formed XML in the JUnit shape (parsed by Python\'s expat), failures carry message and body', async () => {
  const cluster = Cluster.load({ paths: ['examples/shop'] });
  const { specs } = loadSpec(readFileSync(SHOP, 'utf8'), SHOP);
  const xml = formatJUnit(await runSpecs(specs, modelReferee(cluster), tick()), '2026-01-01T00:00:00');
  const shape = execFileSync('python3', ['-c', `
import sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.read())
assert root.tag == 'testsuites', root.tag
out = [root.get('tests'), root.get('failures'), root.get('errors')]
for s in root.findall('testsuite'):
    assert all(s.get(a) is not None for a in ('name', 'tests', 'failures', 'errors', 'time', 'timestamp'))
    for c in s.findall('testcase'):
        assert all(c.get(a) is not None for a in ('name', 'classname', 'time'))
        float(c.get('time'))
        for f in c:
            assert f.tag in ('failure', 'error') and f.get('message'), f.tag
            out.append(c.get('name') + ' | ' + f.get('message') + ' | ' + f.text.split(chr(10))[0])
print(chr(10).join(out))
`], { input: xml, encoding: 'utf8' });
  assert.equal(shape, `7\n1\n0\nthe frontend's name is not a port of the backend | expected deny, got allow | ${SHOP}:36:5: expected deny, got allow\n`);
  assert.match(xml, /<testcase name="frontend reaches the backend Service" classname="shop.connectivity" file="src\/conntest\/testdata\/shop.yaml" line="7" time="0.002"\/>/);
});

test('-o tap and the mesh: identity and verdict', async () => {
  const r = await runCli('test', '-f', 'examples/mesh-canary', '--spec', MESH, '-o', 'tap');
  assert.deepEqual([r.code, r.out], [0, 'TAP version 14\n1..2\nok 1 - frontend calls reviews with its identity\nok 2 - legacy plaintext is refused\n']);
  const cluster = Cluster.load({ paths: ['examples/mesh-canary'] });
  const text = readFileSync(MESH, 'utf8').replace('identity: spiffe://cluster.local/ns/shop/sa/frontend', 'identity: cluster.local/ns/shop/sa/reviews');
  const run = await runSpecs(loadSpec(text, 'm.yaml').specs, modelReferee(cluster), tick());
  assert.equal(formatTap(run).split('\n').slice(2, 8).join('\n'), [
    'not ok 1 - frontend calls reviews with its identity', '  ---', '  type: mesh', '  at: "m.yaml:6:5"',
    '  expected: "verdict allow, identity cluster.local/ns/shop/sa/reviews"',
    '  actual: "verdict allow, authz allow, identity spiffe://cluster.local/ns/shop/sa/frontend"',
  ].join('\n'));
});

test('--generate writes a spec that passes on the same input', async () => {
  const counts: Record<string, number[]> = { 'examples/shop': [13, 5, 11], 'examples/mesh-canary': [24, 0, 0], 'examples/shop/app,examples/seed-policies': [6, 5, 18] };
  for (const paths of [['examples/shop'], ['examples/mesh-canary'], ['examples/shop/app', 'examples/seed-policies']]) {
    const g = generateSpec(Cluster.load({ paths }), { denied: 5 });
    assert.deepEqual([g.allowed, g.denied, g.deniedTotal], counts[paths.join()]);
    const { specs, diagnostics } = loadSpec(g.yaml, 'generated.yaml');
    assert.deepEqual(diagnostics, []);
    const run = await runSpecs(specs, modelReferee(Cluster.load({ paths })));
    assert.deepEqual([run.failed, run.passed], [0, g.allowed + g.denied], paths.join());
  }
  const g = generateSpec(Cluster.load({ paths: ['examples/shop'] }));
  assert.deepEqual([g.allowed, g.denied, g.deniedTotal, g.partial], [13, 11, 11, 0]);
  const dir = mkdtempSync('/tmp/podnet-generate-');
  const w = await runCli('test', '-f', 'examples/shop', '--generate', '--out', `${dir}/baseline.yaml`);
  assert.deepEqual([w.code, w.err], [0, `generate: 13 allowed and 11 of 11 denied workload pairs written to ${dir}/baseline.yaml\n`]);
  const t = await runCli('test', '-f', 'examples/shop', '--spec', `${dir}/baseline.yaml`);
  assert.equal(t.code, 0);
  assert.match(t.out, /\n24 passed, 0 failed \(referee: model\)\n$/);
});

test('two referees at once, or a model from both -f and a cluster, are refused; a CIDR stands for its first host', async () => {
  const both = await runCli('test', '-f', 'examples/shop', '--spec', SHOP, '--context', 'prod');
  assert.deepEqual([both.code, both.err], [1, 'error: -f and --kubeconfig/--context are alternatives: read manifests, or read a live cluster\n']);
  assert.deepEqual(['203.0.113.0/24', '10.1.2.3/32', '192.0.2.8/31', '2001:db8::/64', '10.0.0.77/8'].map(representative), ['203.0.113.1', '10.1.2.3', '192.0.2.8', '2001:db8::1', '10.0.0.1']);
});

test('--generate is bounded: more than 300 workloads asks for -n', async () => {
  const docs = Array.from({ length: 301 }, (_, i) => `apiVersion: v1\nkind: Pod\nmetadata: {name: p${i}, namespace: default, labels: {app: p${i}}}\nspec:\n  containers: [{name: c, image: img}]`);
  const dir = mkdtempSync('/tmp/podnet-generate-');
  writeFileSync(`${dir}/pods.yaml`, docs.join('\n---\n'));
  const r = await runCli('test', '-f', `${dir}/pods.yaml`, '--generate');
  assert.deepEqual([r.code, r.err.split('\n').filter((l) => l.startsWith('error:'))], [1, ['error: 302 workloads: --generate checks every pair on every port (302² pairs), at most 300 workloads; choose namespaces with -n']]);
  const n = await runCli('test', '-f', `${dir}/pods.yaml`, '-n', 'kube-system', '--generate');
  assert.equal(n.code, 0);
});
