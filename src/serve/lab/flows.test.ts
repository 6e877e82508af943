import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowLog, flowSelection } from './flows.js';

function logWith(times: number[]): { log: FlowLog; setNow: (t: number) => void } {
  let now = 0;
  const log = new FlowLog(2000, () => now);
  for (const t of times) { now = t; log.record({ source: 'a/x', destination: 'b/y', protocol: 'TCP', verdict: 'delivered', via: 'exec', hops: [], snapshot: 1 }); }
  return { log, setNow: (t) => (now = t) };
}

test('select: since first, then the tail of what remains; -1 or absent tail means all', () => {
  const { log, setNow } = logWith([1000, 2000, 3000, 4000, 5000]);
  setNow(6000);
  const ids = (sel: Parameters<FlowLog['select']>[0]) => log.select(sel).map((f) => f.id);
  assert.deepEqual(ids({}), [1, 2, 3, 4, 5]);
  assert.deepEqual(ids({ tailLines: -1 }), [1, 2, 3, 4, 5]);
  assert.deepEqual(ids({ tailLines: 1 }), [5]);
  assert.deepEqual(ids({ tailLines: 0 }), []);
  assert.deepEqual(ids({ sinceSeconds: 3 }), [3, 4, 5]);
  assert.deepEqual(ids({ sinceSeconds: 3, tailLines: 2 }), [4, 5]);
  assert.deepEqual(ids({ sinceSeconds: 3, tailLines: 10 }), [3, 4, 5]);
  assert.deepEqual(ids({ sinceTime: new Date(4000).toISOString() }), [4, 5]);
});

test('flowSelection reads the pod log API\'s parameters and refuses bad ones', () => {
  const sel = (q: string) => flowSelection(new URLSearchParams(q), 50);
  assert.deepEqual(sel(''), { tailLines: 50, sinceSeconds: undefined, sinceTime: undefined });
  assert.deepEqual(sel('tailLines=-1&sinceSeconds=60'), { tailLines: -1, sinceSeconds: 60, sinceTime: undefined });
  assert.deepEqual(sel('limit=3'), { tailLines: 3, sinceSeconds: undefined, sinceTime: undefined });
  assert.throws(() => sel('tailLines=-2'), { message: 'tailLines must be greater than or equal to -1' });
  assert.throws(() => sel('tailLines=x'), { message: 'tailLines must be an integer, not "x"' });
  assert.throws(() => sel('sinceSeconds=-1'), { message: 'sinceSeconds must be greater than 0' });
  assert.throws(() => sel('sinceTime=yesterday'), { message: 'sinceTime must be an RFC3339 time, not "yesterday"' });
  assert.throws(() => sel('sinceSeconds=1&sinceTime=2024-01-01T00:00:00Z'), { message: 'at most one of sinceTime or sinceSeconds may be specified' });
});
