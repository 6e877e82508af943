// The alias bound of kubectl's YAML decoder. Every accept/refuse pair below was checked against kubectl v1.32
// (`kubectl label --local -f FILE x=y -o name`), at the exact count where kubectl starts refusing; the last test asks
// kubectl again when it is installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allowedAliasRatio, excessiveAliasing, parseYamlDocument, YamlError } from './yaml.js';
import { loadPaths, parseManifestText } from './load.js';
import { formatDiagnostic } from './diagnostics.js';
import { laughs, nestedAliases, wideMap, wideSeq } from './testing.js';

const HEAD = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\nextra:\n';
const nested = nestedAliases;

const verdict = (text: string) => {
  try { parseYamlDocument(text); return 'ok'; } catch (e) { return (e as YamlError).reason; }
};

test('the allowed aliased share: 99% up to 400,000 decoded nodes, 10% from 4,000,000, linear between', () => {
  assert.equal(allowedAliasRatio(1), 0.99);
  assert.equal(allowedAliasRatio(400_000), 0.99);
  assert.equal(allowedAliasRatio(2_200_000).toFixed(6), '0.545000');
  assert.equal(allowedAliasRatio(4_000_000), 0.10);
  assert.equal(allowedAliasRatio(40_000_000), 0.10);
  assert.equal(excessiveAliasing({ decoded: 1000, aliased: 999 }), false, 'needs more than 1000 decoded nodes');
  assert.equal(excessiveAliasing({ decoded: 10_000, aliased: 100 }), false, 'needs more than 100 aliased nodes');
  assert.equal(excessiveAliasing({ decoded: 1001, aliased: 992 }), true);
  assert.equal(excessiveAliasing({ decoded: 1001, aliased: 990 }), false);
});

test('refused exactly where kubectl starts refusing: sequences, mappings, aliases inside anchors', () => {
  const cases: [string, string, string][] = [
    ['1000 scalars x 111', wideSeq(1000, 111), 'ok'],
    ['1000 scalars x 112', wideSeq(1000, 112), 'document contains excessive aliasing'],
    ['1000 pairs x 104', wideMap(1000, 104), 'ok'],
    ['1000 pairs x 105', wideMap(1000, 105), 'document contains excessive aliasing'],
    ['nested x 12', nested(12), 'ok'],
    ['nested x 13', nested(13), 'document contains excessive aliasing'],
    ['10 scalars x 10,000 (a ratio of 11/12 never passes 99%)', wideSeq(10, 10_000), 'ok'],
    ['laughs depth 3', laughs(3), 'ok'],
    ['laughs depth 4', laughs(4), 'document contains excessive aliasing'],
  ];
  for (const [name, text, want] of cases) assert.equal(verdict(text), want, name);
});

test('a manifest that reuses a small anchor 101 times is fine (the yaml library\'s default maxAliasCount of 100 refuses it)', () => {
  const items = Array.from({ length: 101 }, (_, i) => `{apiVersion: v1, kind: ConfigMap, metadata: {name: c${i + 1}, labels: *r}}`).join(', ');
  const r = parseManifestText(`apiVersion: v1\nkind: List\nitems: [{apiVersion: v1, kind: ConfigMap, metadata: {name: c0, labels: &r {app: x}}}, ${items}]\n`, 'many.yaml');
  assert.deepEqual(r.diagnostics, []);
  assert.equal(r.objects.length, 102);
});

test('the 10 x 10 and depth-6 bombs are refused at the alias that crosses the bound, with file:line, in < 1 s', () => {
  for (const depth of [10, 6]) {
    const t0 = performance.now();
    const r = parseManifestText(laughs(depth), 'bomb.yaml');
    const ms = performance.now() - t0;
    assert.deepEqual(r.objects, []);
    assert.deepEqual(r.diagnostics.map(formatDiagnostic), ['bomb.yaml:9: error converting YAML to JSON: yaml: line 9: document contains excessive aliasing']);
    assert.ok(ms < 1000, `depth ${depth} took ${ms.toFixed(0)} ms`);
  }
});

test('an anchor that contains itself and an unknown anchor get Go\'s messages and their line', () => {
  const r = parseManifestText('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: rec\n  labels: &a {x: *a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: unk\n  labels: {x: *nope}\n', 'a.yaml');
  assert.deepEqual(r.diagnostics.map(formatDiagnostic), [
    "a.yaml:5: error converting YAML to JSON: yaml: line 5: anchor 'a' value contains itself",
    "a.yaml:11: error converting YAML to JSON: yaml: line 11: unknown anchor 'nope' referenced",
  ]);
});

test('anchors do not cross documents, and the count starts again in each document', () => {
  const doc = wideSeq(1000, 111);
  const r = parseManifestText(`${doc}---\n${doc}---\n${HEAD}  b: [*a]\n`, 'docs.yaml');
  assert.deepEqual(r.diagnostics.map(formatDiagnostic), ["docs.yaml:22: error converting YAML to JSON: yaml: line 22: unknown anchor 'a' referenced"]);
  assert.equal(r.objects.length, 2);
});

test('the same guard on every way in: a file, a folder and stdin', () => {
  const dir = mkdtempSync(join(tmpdir(), 'podnet-bomb-'));
  const file = join(dir, 'bomb.yaml');
  writeFileSync(file, laughs(10));
  const want = (f: string) => [`${f}:9: error converting YAML to JSON: yaml: line 9: document contains excessive aliasing`];
  assert.deepEqual(loadPaths([file]).diagnostics.map(formatDiagnostic), want(file));
  assert.deepEqual(loadPaths([dir]).diagnostics.map(formatDiagnostic), want(file));
  assert.deepEqual(loadPaths(['-'], () => laughs(10)).diagnostics.map(formatDiagnostic), want('<stdin>'));
});

test('kubectl agrees on the boundary documents', { skip: !existsSync('/usr/bin/kubectl') && 'kubectl is not installed' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'podnet-kubectl-aliases-'));
  for (const [name, text] of [['seq-111', wideSeq(1000, 111)], ['seq-112', wideSeq(1000, 112)], ['nested-12', nested(12)], ['nested-13', nested(13)]]) {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, text);
    let kubectl = 'ok';
    try {
      execFileSync('/usr/bin/kubectl', ['label', '--local', '-f', file, 'x=y', '-o', 'name'], { stdio: 'pipe' });
    } catch (e) {
      kubectl = String((e as { stderr?: Buffer }).stderr).includes('excessive aliasing') ? 'document contains excessive aliasing' : `failed: ${String((e as { stderr?: Buffer }).stderr)}`;
    }
    assert.equal(verdict(text), kubectl, name);
  }
});

test('a JSON document is read as Go\'s encoding/json reads it: the last of duplicate keys wins, deep nesting is still refused at its line', () => {
  assert.deepEqual(parseYamlDocument('{"kind": "Pod", "kind": "Service", "a": [1, {"b": null}]}'), { kind: 'Service', a: [1, { b: null }] });
  const deep = parseManifestText(`${'['.repeat(101)}${']'.repeat(101)}`, 'deep.json');
  assert.deepEqual(deep.diagnostics.map(formatDiagnostic), ['deep.json:1: error converting YAML to JSON: yaml: line 1: nesting exceeded maxDepth (100)']);
  assert.deepEqual(parseYamlDocument(`${'['.repeat(100)}${']'.repeat(100)}`), JSON.parse(`${'['.repeat(100)}${']'.repeat(100)}`));
  // Not JSON after all (a YAML flow mapping with a comment): the YAML parser reads it.
  assert.deepEqual(parseYamlDocument('{a: 1} # c'), { a: 1 });
});
