import { test } from 'node:test';
import assert from 'node:assert/strict';
import { faultHits, formatPodFault, parsePodFault, PodFaultError } from './pod-faults.js';

test('the podnet.dev/fault grammar: status, hang, delay, each with an optional percentage', () => {
  const cases: [string, unknown, string][] = [
    ['503', { kind: 'status', status: 503, percent: 100 }, '503'],
    ['503 50%', { kind: 'status', status: 503, percent: 50 }, '503 50%'],
    [' 500   12.5% ', { kind: 'status', status: 500, percent: 12.5 }, '500 12.5%'],
    ['hang', { kind: 'hang', percent: 100 }, 'hang'],
    ['hang 25%', { kind: 'hang', percent: 25 }, 'hang 25%'],
    ['delay=2s', { kind: 'delay', delayMs: 2000, percent: 100 }, 'delay=2000ms'],
    ['delay=150ms 50%', { kind: 'delay', delayMs: 150, percent: 50 }, 'delay=150ms 50%'],
    ['delay=1m', { kind: 'delay', delayMs: 60_000, percent: 100 }, 'delay=60000ms'],
  ];
  for (const [text, want, formatted] of cases) {
    const f = parsePodFault(text);
    assert.deepEqual(f, want, text);
    assert.equal(formatPodFault(f), formatted);
    assert.deepEqual(parsePodFault(formatPodFault(f)), f, 'formatting round-trips');
  }
});

test('bad fault text is a clear error', () => {
  const bad: [string, string][] = [
    ['', 'wrong number of fields'],
    ['503 50% now', 'wrong number of fields'],
    ['503 half', '"half" is not a percentage'],
    ['503 150%', 'the percentage must be between 0 and 100'],
    ['99', 'status 99 must be between 200 and 599'],
    ['delay=soon', '"soon" is not a duration like 500ms, 2s or 1m'],
    ['explode', 'unknown fault "explode"'],
  ];
  for (const [text, why] of bad) {
    assert.throws(() => parsePodFault(text), (e: Error) => e instanceof PodFaultError && e.message === `invalid podnet.dev/fault ${JSON.stringify(text)}: ${why} (expected "503", "503 50%", "hang", "hang 25%" or "delay=2s [50%]")`, text);
  }
});

test('a percentage hits that share of draws', () => {
  const f = parsePodFault('503 30%');
  assert.equal(faultHits(f, 0.29), true);
  assert.equal(faultHits(f, 0.3), false);
  assert.equal(faultHits(parsePodFault('hang'), 0.9999), true);
  assert.equal(faultHits(parsePodFault('hang 0%'), 0), false);
});
