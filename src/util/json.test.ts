import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sameJson } from './json.js';

test('sameJson answers as comparing the JSON.stringify texts does', () => {
  const cases: [unknown, unknown][] = [
    [{ a: 1, b: [1, 'x', null, { c: true }] }, { a: 1, b: [1, 'x', null, { c: true }] }],
    [{ a: 1, b: 2 }, { b: 2, a: 1 }], // key order is part of the text
    [{ a: 1, b: undefined }, { a: 1 }], // undefined values are left out
    [{ a: undefined }, {}],
    [[undefined], [null]], // an undefined element is written null
    [[1, 2], [1, 2, 3]],
    [{ a: [] }, { a: {} }],
    [{ a: '1' }, { a: 1 }],
    [null, {}],
    [0, -0],
    [NaN, null],
    [{ a: { b: { c: [1, { d: 'x' }] } } }, { a: { b: { c: [1, { d: 'y' }] } } }],
    [{ a: 1 }, { a: 1, b: 0 }],
  ];
  for (const [a, b] of cases) assert.equal(sameJson(a, b), JSON.stringify(a) === JSON.stringify(b), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  assert.equal(sameJson({ a: 1, b: 2 }, { b: 2, a: 1 }), false);
  assert.equal(sameJson({ a: [1, { b: 'x' }] }, { a: [1, { b: 'x' }] }), true);
});
