import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DESCRIBE_TABWRITER, GET_TABWRITER, tabwrite } from './tabwriter.js';
import { formatGoTime, formatRFC1123Z, humanDuration, translateTimestampSince } from './duration.js';
import { formatLabels, formatLabelSelector, selectorString } from './format.js';
import { asList, toJSON, toYAML } from './output.js';

test('tabwriter: get settings pad columns to the widest cell + 3, never the last cell', () => {
  assert.equal(tabwrite('NAME\tAGE\nkubernetes\t5d\n', GET_TABWRITER), 'NAME         AGE\nkubernetes   5d\n');
  // minwidth 6: a column of short cells is still 6 wide.
  assert.equal(tabwrite('A\tB\nx\ty\n', GET_TABWRITER), 'A     B\nx     y\n');
});

test('tabwriter: a line without a cell in a column ends that column block (describe layout)', () => {
  const text = 'Name:\tfrontend\nNamespace:\tproduction\nIPs:\n  IP:\t10.244.1.3\nControlled By:\tReplicaSet/x\n';
  assert.equal(tabwrite(text, DESCRIBE_TABWRITER),
    'Name:       frontend\nNamespace:  production\nIPs:\n  IP:           10.244.1.3\nControlled By:  ReplicaSet/x\n');
});

test('tabwriter: nested columns are sized per block, counting runes', () => {
  assert.equal(tabwrite('a\tbb\tc\naaa\tb\tc\nx', { minwidth: 0, padding: 1 }), 'a   bb c\naaa b  c\nx');
  assert.equal(tabwrite('é\tx\nab\ty', { minwidth: 0, padding: 1 }), 'é  x\nab y');
});

test('humanDuration follows apimachinery duration.HumanDuration', () => {
  const table: [number, string][] = [
    [-5000, '<invalid>'], [-1000, '0s'], [0, '0s'], [59_000, '59s'], [119_000, '119s'], [120_000, '2m'],
    [(5 * 60 + 7) * 1000, '5m7s'], [10 * 60_000, '10m'], [179 * 60_000, '179m'], [190 * 60_000, '3h10m'],
    [8 * 3600_000, '8h'], [47 * 3600_000, '47h'], [48 * 3600_000, '2d'], [(2 * 24 + 5) * 3600_000, '2d5h'],
    [30 * 86400_000, '30d'], [800 * 86400_000, '2y70d'], [3650 * 86400_000, '10y'],
  ];
  for (const [ms, want] of table) assert.equal(humanDuration(ms), want, `${ms}ms`);
});

test('translateTimestampSince: <unknown> without a timestamp, else the age at now', () => {
  const now = new Date('2024-05-01T12:00:00Z');
  assert.equal(translateTimestampSince(undefined, now), '<unknown>');
  assert.equal(translateTimestampSince('2024-05-01T08:50:00Z', now), '3h10m');
  assert.equal(translateTimestampSince('2024-04-29T12:00:00Z', now), '2d');
  assert.equal(formatRFC1123Z('2024-05-01T08:50:03Z'), 'Wed, 01 May 2024 08:50:03 +0000');
  assert.equal(formatRFC1123Z(undefined), 'Mon, 01 Jan 0001 00:00:00 +0000');
  assert.equal(formatGoTime(undefined), '0001-01-01 00:00:00 +0000 UTC');
});

test('selectors and labels print as apimachinery formats them', () => {
  assert.equal(formatLabels({ tier: 'db', app: 'backend' }), 'app=backend,tier=db');
  assert.equal(formatLabels({}), '<none>');
  assert.equal(formatLabelSelector({}), '<none>');
  assert.equal(formatLabelSelector(undefined), '<none>');
  assert.equal(selectorString({ matchLabels: { z: '1' }, matchExpressions: [
    { key: 'env', operator: 'In', values: ['prod', 'dev'] }, { key: 'a', operator: 'DoesNotExist' }, { key: 'b', operator: 'Exists' },
    { key: 'c', operator: 'NotIn', values: ['x'] },
  ] }), '!a,b,c notin (x),env in (dev,prod),z=1');
});

test('json and yaml output: sorted keys, Go escaping, kubectl List wrapper', () => {
  assert.equal(toJSON(asList([{ kind: 'Pod', apiVersion: 'v1', metadata: { name: '<x>' } }])),
    '{\n    "apiVersion": "v1",\n    "items": [\n        {\n            "apiVersion": "v1",\n            "kind": "Pod",\n' +
    '            "metadata": {\n                "name": "\\u003cx\\u003e"\n            }\n        }\n    ],\n' +
    '    "kind": "List",\n    "metadata": {\n        "resourceVersion": ""\n    }\n}\n');
  assert.equal(toYAML({ spec: { ports: [{ port: 80, name: 'http' }], x: '80' }, a: {} }),
    'a: {}\nspec:\n  ports:\n  - name: http\n    port: 80\n  x: "80"\n');
});
