import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ejectedHosts, healthyHosts, newOutlierState, recordResponse, tick, withHosts, type OutlierState } from './outlier.js';
import type { OutlierDetectionConfig } from './traffic-policy.js';

const CFG: OutlierDetectionConfig = { consecutive5xxErrors: 3, intervalMs: 1000, baseEjectionTimeMs: 30_000, maxEjectionPercent: 50, minHealthPercent: 0 };

function feed(s: OutlierState, host: string, statuses: number[], at: number) {
  const events = [];
  for (const st of statuses) {
    const r = recordResponse(s, host, st, at);
    s = r.state;
    if (r.event) events.push(r.event);
  }
  return { s, events };
}

test('three consecutive 5xx eject a host; a success in between resets the count', () => {
  let s = newOutlierState(CFG, ['a', 'b', 'c', 'd']);
  ({ s } = feed(s, 'a', [500, 503, 200, 500, 502], 0));
  assert.deepEqual(ejectedHosts(s), []);
  const r = feed(s, 'a', [504], 10);
  assert.deepEqual(r.events, [{ host: 'a', event: 'eject', atMs: 10, untilMs: 30_010, reason: '3 consecutive 5xx responses (consecutive5xxErrors 3)' }]);
  assert.deepEqual(healthyHosts(r.s), ['b', 'c', 'd']);
});

test('the host returns after baseEjectionTime, then twice as long after a second ejection', () => {
  let s = newOutlierState(CFG, ['a', 'b']);
  ({ s } = feed(s, 'a', [500, 500, 500], 0));
  let t = tick(s, 29_999);
  assert.deepEqual(t.events, []);
  t = tick(s, 30_000);
  assert.deepEqual(t.events.map((e) => [e.host, e.event]), [['a', 'return']]);
  s = t.state;
  const again = feed(s, 'a', [500, 500, 500], 40_000);
  assert.equal(again.events[0].untilMs, 40_000 + 60_000);
});

test('maxEjectionPercent caps ejections, but one host can always be ejected', () => {
  let s = newOutlierState({ ...CFG, maxEjectionPercent: 10 }, ['a', 'b', 'c']);
  ({ s } = feed(s, 'a', [500, 500, 500], 0));
  ({ s } = feed(s, 'b', [500, 500, 500], 0));
  assert.deepEqual(ejectedHosts(s), ['a']);
  let h = newOutlierState(CFG, ['a', 'b', 'c', 'd']);
  ({ s: h } = feed(h, 'a', [500, 500, 500], 0));
  ({ s: h } = feed(h, 'b', [500, 500, 500], 0));
  ({ s: h } = feed(h, 'c', [500, 500, 500], 0));
  assert.deepEqual(ejectedHosts(h), ['a', 'b']);
});

test('consecutiveGatewayErrors counts only 502/503/504', () => {
  let s = newOutlierState({ ...CFG, consecutive5xxErrors: 0, consecutiveGatewayErrors: 2 }, ['a', 'b']);
  ({ s } = feed(s, 'a', [500, 500, 500], 0));
  assert.deepEqual(ejectedHosts(s), []);
  ({ s } = feed(s, 'a', [502, 503], 0));
  assert.deepEqual(ejectedHosts(s), ['a']);
});

test('a host that joins the cluster starts clean; known hosts keep their counters', () => {
  const cfg = { consecutive5xxErrors: 2, intervalMs: 1000, baseEjectionTimeMs: 30_000, maxEjectionPercent: 100, minHealthPercent: 0 };
  const s = recordResponse(newOutlierState(cfg, ['a']), 'a', 503, 0).state;
  assert.equal(withHosts(s, ['a']), s, 'nothing new: the same state');
  const grown = withHosts(s, ['a', 'b']);
  assert.deepEqual(grown.hosts, { a: { consecutive5xx: 1, consecutiveGateway: 1, ejections: 0 }, b: { consecutive5xx: 0, consecutiveGateway: 0, ejections: 0 } });
  assert.deepEqual(ejectedHosts(recordResponse(grown, 'a', 500, 1).state), ['a']);
});
