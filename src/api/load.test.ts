import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPaths, parseManifestText } from './load.js';
import { formatDiagnostic } from './diagnostics.js';

test('multi-document YAML keeps each object with the line it starts on', () => {
  const text = [
    '# leading comment',
    'apiVersion: v1',
    'kind: Namespace',
    'metadata:',
    '  name: a',
    '---',
    '',
    'apiVersion: v1',
    'kind: Namespace',
    'metadata: {name: b}',
    '---',
    '---',
  ].join('\n');
  const r = parseManifestText(text, 'ns.yaml');
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual(r.objects.map((o) => [o.object.metadata.name, o.source.line]), [['a', 2], ['b', 8]]);
  assert.equal(r.objects[0].source.file, 'ns.yaml');
});

test('a kubectl get -A -o yaml dump (v1 List with status and managedFields) yields its items with their lines', () => {
  const text = `apiVersion: v1
items:
- apiVersion: v1
  kind: Pod
  metadata:
    creationTimestamp: "2026-01-01T00:00:00Z"
    managedFields:
    - manager: kubectl
      operation: Update
    name: web
    namespace: default
    resourceVersion: "123"
    uid: 0b0b0b0b-0000-4000-a000-000000000001
  spec:
    containers:
    - name: web
      image: nginx
  status:
    phase: Running
    podIP: 10.244.1.7
- apiVersion: v1
  kind: Service
  metadata:
    name: web
    namespace: default
  spec:
    ports:
    - port: 80
kind: List
metadata:
  resourceVersion: ""
`;
  const r = parseManifestText(text, 'dump.yaml');
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual(r.objects.map((o) => [o.object.kind, o.object.metadata.name, o.source.line]), [['Pod', 'web', 3], ['Service', 'web', 21]]);
});

test('typed lists (PodList) and JSON files are read too', () => {
  const json = JSON.stringify({ apiVersion: 'v1', kind: 'PodList', items: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }] } }] }, null, 2);
  const r = parseManifestText(json, 'pods.json');
  assert.deepEqual(r.objects.map((o) => [o.object.kind, o.object.metadata.name, o.source.line]), [['Pod', 'p', 5]]);
});

test('YAML syntax errors name the file and line and do not stop the other documents', () => {
  const text = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ok\n---\nkind: Pod\nmetadata:\n  name: [broken\n';
  const r = parseManifestText(text, 'bad.yaml');
  assert.equal(r.objects.length, 1);
  assert.equal(r.diagnostics.length, 1);
  const d = r.diagnostics[0];
  assert.equal(d.code, 'PN1001');
  assert.equal(d.source?.file, 'bad.yaml');
  assert.match(formatDiagnostic(d), /^bad\.yaml:\d+: error converting YAML to JSON: yaml: line \d+: /);
});

test('documents that are not objects, or lack apiVersion/kind, are reported with their location', () => {
  const r = parseManifestText('just a string\n---\n- a\n- b\n---\nmetadata: {name: x}\nkind: Pod\n', 'odd.yaml');
  assert.equal(r.objects.length, 0);
  assert.deepEqual(r.diagnostics.map(formatDiagnostic), [
    'odd.yaml:1: error: unable to decode document: expected a Kubernetes object (a mapping with apiVersion and kind), got the string "just a string"',
    'odd.yaml:3: error: unable to decode document: expected a Kubernetes object (a mapping with apiVersion and kind), got a list',
    'odd.yaml:6: error validating data: [apiVersion not set] for object "x"; every object needs apiVersion and kind',
  ]);
});

test('folders are read recursively in name order, only .yaml/.yml/.json, and missing paths are reported', () => {
  const dir = mkdtempSync(join(tmpdir(), 'podnet-load-'));
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'b.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n');
  writeFileSync(join(dir, 'a.yml'), 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n');
  writeFileSync(join(dir, 'sub', 'c.json'), '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"c"}}');
  writeFileSync(join(dir, 'notes.txt'), 'not a manifest');
  const r = loadPaths([dir, join(dir, 'nope.yaml')]);
  assert.deepEqual(r.objects.map((o) => o.object.metadata.name), ['a', 'b', 'c']);
  assert.deepEqual(r.diagnostics.map((d) => d.message), [`the path "${join(dir, 'nope.yaml')}" does not exist`]);
});

test('- reads stdin', () => {
  const r = loadPaths(['-'], () => 'apiVersion: v1\nkind: Namespace\nmetadata: {name: from-stdin}\n');
  assert.deepEqual(r.objects.map((o) => [o.object.metadata.name, o.source.file]), [['from-stdin', '<stdin>']]);
});

test('typed lists lend their kind and apiVersion to items that carry neither, as the API server returns them', () => {
  const cases: { name: string; text: string; want: [string, string, string, number][]; errors: string[] }[] = [
    {
      name: 'NamespaceList from kubectl get ns -o yaml (items without kind)',
      text: 'apiVersion: v1\nkind: NamespaceList\nitems:\n- metadata:\n    name: prod\n    labels: {env: prod}\n- metadata:\n    name: dev\n',
      want: [['v1', 'Namespace', 'prod', 4], ['v1', 'Namespace', 'dev', 7]], errors: [],
    },
    {
      name: 'DeploymentList in another group',
      text: 'apiVersion: apps/v1\nkind: DeploymentList\nitems:\n- metadata: {name: web}\n  spec: {}\n',
      want: [['apps/v1', 'Deployment', 'web', 4]], errors: [],
    },
    {
      name: 'an item with its own kind and apiVersion keeps them',
      text: 'apiVersion: v1\nkind: PodList\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: p}\n- apiVersion: networking.k8s.io/v1\n  kind: NetworkPolicy\n  metadata: {name: np}\n',
      want: [['v1', 'Pod', 'p', 4], ['networking.k8s.io/v1', 'NetworkPolicy', 'np', 7]], errors: [],
    },
    {
      name: 'an item with only one of the two is not completed (apimachinery needs both unset)',
      text: 'apiVersion: v1\nkind: PodList\nitems:\n- kind: Pod\n  metadata: {name: half}\n',
      want: [], errors: ['l.yaml:4: error validating data: [apiVersion not set] for items[0] ("half") of the PodList; every object needs apiVersion and kind'],
    },
    {
      name: 'kind: List lends nothing: the item without kind is named with its line',
      text: 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata: {name: ok}\n- metadata:\n    name: bare\n',
      want: [['v1', 'Namespace', 'ok', 4]],
      errors: ['l.yaml:7: error validating data: [apiVersion not set, kind not set] for items[1] ("bare") of the List; the items of a `kind: List` need their own apiVersion and kind (only a typed list such as PodList lends its kind to its items)'],
    },
    {
      name: 'a list item that is not an object',
      text: 'apiVersion: v1\nkind: ServiceList\nitems:\n- 42\n',
      want: [], errors: ['l.yaml:4: error: unable to decode items[0] of the ServiceList: expected a Kubernetes object (a mapping with apiVersion and kind), got a number'],
    },
  ];
  for (const c of cases) {
    const r = parseManifestText(c.text, 'l.yaml');
    assert.deepEqual(r.objects.map((o) => [o.object.apiVersion, o.object.kind, o.object.metadata.name, o.source.line]), c.want, c.name);
    assert.deepEqual(r.diagnostics.map(formatDiagnostic), c.errors, c.name);
  }
});
