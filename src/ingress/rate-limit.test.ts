import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EdgeRateLimiter } from './rate-limit.js';

test('limit-rps admits the burst (rps x 5) at once, then refills at rps; limit-connections caps concurrency', () => {
  const l = new EdgeRateLimiter();
  const limit = { rps: 2, burst: 10, statusCode: 503 };
  const at0 = Array.from({ length: 13 }, () => l.admit('loc', '1.1.1.1', limit, 0).status);
  assert.deepEqual(at0, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 503, 503]);
  assert.equal(l.admit('loc', '2.2.2.2', limit, 0).status, 0, 'per client IP');
  assert.equal(l.admit('loc', '1.1.1.1', limit, 500).status, 0, 'one request refilled after 500 ms at 2 r/s');
  assert.equal(l.admit('loc', '1.1.1.1', limit, 500).status, 503);
  const c = { connections: 1, statusCode: 503 };
  const first = l.admit('c', '1.1.1.1', c, 0);
  assert.equal(first.status, 0);
  assert.equal(l.admit('c', '1.1.1.1', c, 0).status, 503);
  first.release!();
  assert.equal(l.admit('c', '1.1.1.1', c, 0).status, 0);
});
