// Values quoted in error messages are cut at MAX_QUOTED_CHARS: no input makes a megabyte error line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boundedJson, formatFieldValue, MAX_QUOTED_CHARS, quote } from './field-errors.js';
import { formatDiagnostic, MAX_MESSAGE_CHARS } from './diagnostics.js';
import { Cluster } from '../cluster/cluster.js';
import { laughs } from './testing.js';

const A = 'a'.repeat(MAX_QUOTED_CHARS);

test('strings up to 1024 characters are quoted whole, longer ones cut with their length', () => {
  assert.equal(MAX_QUOTED_CHARS, 1024);
  assert.equal(quote(A), `"${A}"`);
  assert.equal(quote(A + 'b'), `"${A}..." (1025 characters)`);
  assert.equal(formatFieldValue('x'.repeat(1 << 20)), `"${'x'.repeat(1024)}..." (1048576 characters)`);
  assert.equal(formatFieldValue(70000), '70000');
  assert.equal(formatFieldValue(null), 'null');
});

test('JSON values stop at the cut, whatever their size, depth or cycles', () => {
  const wide = Array(1_000_000).fill('lol');
  const shown = formatFieldValue(wide);
  assert.equal(shown, `${JSON.stringify(wide).slice(0, 1024)}...`);
  let deep: unknown = 'x';
  for (let i = 0; i < 200_000; i++) deep = [deep];
  assert.equal(formatFieldValue(deep), `${'['.repeat(1024)}...`);
  const cyclic: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  cyclic.self = cyclic;
  cyclic.n = 10n;
  assert.equal(formatFieldValue(cyclic), '{"self":"[Circular]","n":"10"}');
  assert.equal(boundedJson({ a: undefined, f: () => 1, b: [Infinity, NaN] }, 100), '{"b":[null,null]}');
});

test('kubectl\'s messages with the values cut: a megabyte label, kind and name', () => {
  const big = 'a'.repeat(1 << 20);
  const cut = `"${'a'.repeat(1024)}..." (1048576 characters)`;
  const text = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  labels: {app: ${big}}\n---\napiVersion: v1\nkind: ${big}\nmetadata: {name: w}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${big}}\n`;
  const lines = Cluster.load({ text, textName: 'long.yaml' }).diagnostics.map(formatDiagnostic);
  assert.deepEqual(lines, [
    `long.yaml:1: The ConfigMap "cm" is invalid: metadata.labels: Invalid value: ${cut}: must be no more than 63 characters`,
    `long.yaml:7: Warning: ${'a'.repeat(1024)}... (1048576 characters) "w" (v1) is not modelled by podnet: kept, but it does not affect the network model`,
    `long.yaml:11: The ConfigMap ${cut} is invalid: metadata.name: Invalid value: ${cut}: must be no more than 253 characters`,
  ]);
});

test('an alias-expanded value inside the bound prints cut: the depth-3 bomb is one short line, not 1,000 items', () => {
  const lines = Cluster.load({ text: laughs(3), textName: 'b.yaml' }).diagnostics.map(formatDiagnostic);
  assert.equal(lines.length, 4);
  assert.ok(lines.every((l) => l.length < 1200), lines.map((l) => l.length).join(','));
  assert.equal(lines[3], 'b.yaml:1: The Pod "bomb" is invalid: spec.containers: Required value');
  assert.equal(lines[2], `b.yaml:1: The Pod "bomb" is invalid: metadata.labels[l2]: Invalid value: ${JSON.stringify(Array(10).fill(Array(10).fill(Array(10).fill('lol')))).slice(0, 1024)}...: must be of type string`);
});

test('the net under every message: a line longer than 16,384 characters is cut', () => {
  const d = formatDiagnostic({ code: 'PN1003', level: 'error', message: 'm'.repeat(MAX_MESSAGE_CHARS + 5), source: { file: 'f.yaml', line: 3 } });
  assert.equal(d, `f.yaml:3: ${'m'.repeat(MAX_MESSAGE_CHARS)}... (5 more characters)`);
});
