import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listSome } from './text.js';

test('listSome shows at most max items, then counts the rest', () => {
  assert.equal(listSome([]), '');
  assert.equal(listSome(['a', 'b'], 2), 'a, b');
  assert.equal(listSome([1, 2, 3], 1, (n) => `#${n}`), '#1 and 2 more');
  assert.equal(listSome(['a', 'b', 'c'], 2), 'a, b and 1 more');
  assert.equal(listSome(Array.from({ length: 12 }, (_, i) => `p${i}`)), 'p0, p1, p2, p3, p4, p5, p6, p7, p8, p9 and 2 more');
});
