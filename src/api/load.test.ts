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
