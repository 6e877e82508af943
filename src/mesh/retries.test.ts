import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRetriable, runWithRetries, runWithRetriesAsync } from './retries.js';
import { DEFAULT_RETRIES } from './routing.js';

const ok = { status: 200, durationMs: 10 };
const e503 = { status: 503, durationMs: 10 };

test('retryOn conditions', () => {
  const cases: [string, { status?: number; connectFailure?: boolean; reset?: boolean; durationMs: number }, boolean, boolean][] = [
    ['5xx', { status: 500, durationMs: 1 }, false, true],
    ['5xx', { status: 404, durationMs: 1 }, false, false],
    ['5xx', { connectFailure: true, durationMs: 1 }, false, true],
    ['gateway-error', { status: 500, durationMs: 1 }, false, false],
    ['gateway-error', { status: 503, durationMs: 1 }, false, true],
    ['gateway-error', ok, true, true],
    ['connect-failure', { status: 503, durationMs: 1 }, false, false],
    ['connect-failure,refused-stream', { reset: true, durationMs: 1 }, false, true],
    ['retriable-4xx', { status: 409, durationMs: 1 }, false, true],
    ['503', e503, false, true],
    [DEFAULT_RETRIES.retryOn, { status: 500, durationMs: 1 }, false, false],
  ];
  for (const [on, o, timedOut, want] of cases) assert.equal(isRetriable(on, o, timedOut), want, `${on} ${JSON.stringify(o)}`);
  assert.equal(isRetriable(DEFAULT_RETRIES.retryOn, e503, false, DEFAULT_RETRIES.retriableStatusCodes), true, 'Istio\'s default policy retries 503');
});

test('retries turn a 50% flaky backend into >= 95% success (attempts 3, retryOn 5xx)', () => {
  let seed = 7;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const policy = { attempts: 3, retryOn: '5xx', default: false };
  let success = 0;
  let plain = 0;
  for (let i = 0; i < 1000; i++) {
    const r = runWithRetries(policy, undefined, () => (rand() < 0.5 ? e503 : ok));
    if (r.status === 200) success++;
    if (runWithRetries({ ...policy, attempts: 0 }, undefined, () => (rand() < 0.5 ? e503 : ok)).status === 200) plain++;
  }
  assert.ok(success >= 950, `with retries: ${success}/1000`);
  assert.ok(plain >= 430 && plain <= 570, `without retries: ${plain}/1000`);
});

test('exhausted retries, per-try timeout and the route timeout', () => {
  assert.deepEqual(runWithRetries({ attempts: 2, retryOn: '5xx', default: false }, undefined, () => e503), {
    status: 503, tries: 3, elapsedMs: 10 + 25 + 10 + 50 + 10, outcomes: [e503, e503, e503], reason: 'try 3: 503, retries exhausted (2)',
  });
  const slowThenOk = (i: number) => (i === 0 ? { status: 200, durationMs: 5000 } : ok);
  const r = runWithRetries({ attempts: 2, perTryTimeoutMs: 1000, retryOn: 'gateway-error', default: false }, undefined, slowThenOk);
  assert.deepEqual({ status: r.status, tries: r.tries, elapsed: r.elapsedMs }, { status: 200, tries: 2, elapsed: 1000 + 25 + 10 });
  const t = runWithRetries({ attempts: 5, perTryTimeoutMs: 1000, retryOn: '5xx', default: false }, 2500, () => ({ status: 200, durationMs: 5000 }));
  assert.deepEqual({ status: t.status, tries: t.tries, reason: t.reason }, { status: 504, tries: 3, reason: 'route timeout 2500 ms expired during try 3: 504 (UT)' });
  assert.equal(runWithRetries(DEFAULT_RETRIES, undefined, () => e503).tries, 3);
  assert.equal(runWithRetries(DEFAULT_RETRIES, undefined, () => ({ status: 500, durationMs: 1 })).tries, 1);
});

test('runWithRetriesAsync: the same decisions over real tries, with per-try and route budgets and backoff waits', async () => {
  const waits: number[] = [];
  const sleep = async (ms: number) => { waits.push(ms); };
  const budgets: (number | undefined)[] = [];
  const outcomes = [e503, e503, ok];
  const r = await runWithRetriesAsync({ attempts: 3, retryOn: '5xx', perTryTimeoutMs: 100, default: false }, 1000, async (i, budget) => { budgets.push(budget); return outcomes[i]; }, sleep);
  assert.deepEqual({ status: r.status, tries: r.tries, reason: r.reason }, { status: 200, tries: 3, reason: 'try 3: 200, succeeded' });
  assert.deepEqual(waits, [25, 50]);
  // A try may take the per-try timeout (plus the millisecond that tells it expired) while the route has time left.
  assert.deepEqual(budgets, [101, 101, 101]);
  // A hanging upstream: each try runs out its budget; the route timeout ends the request with 504 UT.
  const hang = await runWithRetriesAsync({ attempts: 5, retryOn: '5xx', default: false }, 300, async (_i, budget) => ({ reset: true, durationMs: budget ?? 0 }), sleep);
  assert.deepEqual({ status: hang.status, tries: hang.tries, reason: hang.reason }, { status: 504, tries: 1, reason: 'route timeout 300 ms expired during try 1: 504 (UT)' });
  const sync = runWithRetries({ attempts: 3, retryOn: '5xx', perTryTimeoutMs: 100, default: false }, 1000, (i) => outcomes[i]);
  assert.deepEqual({ status: sync.status, tries: sync.tries, elapsedMs: sync.elapsedMs }, { status: 200, tries: 3, elapsedMs: 30 + 25 + 50 });
  assert.equal(r.elapsedMs, sync.elapsedMs);
});
