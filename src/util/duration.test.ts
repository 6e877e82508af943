import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGoDuration } from './duration.js';

test('Go durations as kubectl reads --since', () => {
  const table: [string, number][] = [['5s', 5000], ['2m', 120_000], ['3h', 10_800_000], ['1h30m', 5_400_000], ['1.5h', 5_400_000], ['300ms', 300], ['0', 0], ['-5s', -5000], ['.5s', 500], ['1.s', 1000], ['2us', 0.002], ['1h0m0.5s', 3_600_500]];
  for (const [text, ms] of table) assert.equal(parseGoDuration(text), ms, text);
});

test('bad durations get Go\'s messages', () => {
  const table: [string, string][] = [
    ['5x', 'time: unknown unit "x" in duration "5x"'],
    ['5', 'time: missing unit in duration "5"'],
    ['', 'time: invalid duration ""'],
    ['s', 'time: invalid duration "s"'],
    ['.s', 'time: invalid duration ".s"'],
    ['1h-5m', 'time: unknown unit "h-" in duration "1h-5m"'],
  ];
  for (const [text, message] of table) assert.throws(() => parseGoDuration(text), { message }, text);
});
