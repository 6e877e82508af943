import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maxOf, minOf, pushAll } from './arrays.js';

test('pushAll, maxOf and minOf take a million items, where spreading them into a call overflows the stack', () => {
  const big = Array.from({ length: 1_000_000 }, (_, i) => i);
  assert.throws(() => [].push(...(big as never[])), RangeError);
  const into = [-1];
  assert.equal(pushAll(into, big), into);
  assert.equal(into.length, 1_000_001);
  assert.equal(into[1_000_000], 999_999);
  assert.equal(maxOf(big), 999_999);
  assert.equal(minOf(big), 0);
});

test('maxOf and minOf answer as Math.max and Math.min do: empty, NaN, iterables', () => {
  assert.equal(maxOf([]), -Infinity);
  assert.equal(minOf([]), Infinity);
  assert.ok(Number.isNaN(maxOf([1, NaN, 3])));
  assert.ok(Number.isNaN(minOf([1, NaN, 3])));
  assert.equal(maxOf(new Set([3, 9, 2])), 9);
  assert.equal(minOf([3, -9, 2].values()), -9);
  assert.deepEqual(pushAll(['a'], new Map([['k', 'v']]).values()), ['a', 'v']);
});
