import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowLog, flowSelection, netfilterFlow } from './flows.js';

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

test('netfilterFlow: the kernel\'s trace of a first packet as a flow; a Service connection shows its DNAT; a drop names no answering pod; no pod on either side is no flow', () => {
  const pods: Record<string, string> = { '10.244.1.5': 'production/frontend-1', '10.244.2.3': 'production/backend-1' };
  const podAt = (ip: string) => pods[ip];
  const base = { node: 'node-2', trace: '1', protocol: 'tcp', saddr: '10.244.1.5', daddr: '10.244.2.3', sport: 40000, dport: 8080, table: 'inet podnet-policy' };
  assert.deepEqual(netfilterFlow({ ...base, original: { daddr: '10.108.90.214', dport: 8080 }, verdict: 'accept', chain: 'ingress', rule: 'production/allow-frontend-to-backend', rules: [{ chain: 'pod-backend-1', rule: 'ip saddr 10.244.1.5 accept', comment: 'production/allow-frontend-to-backend ingress rule 1', verdict: 'accept' }] }, podAt), {
    source: 'production/frontend-1', destination: '10.108.90.214:8080', protocol: 'TCP', verdict: 'delivered', via: 'kernel', pod: 'production/backend-1',
    reason: 'netfilter on node-2: accept by inet podnet-policy ingress: production/allow-frontend-to-backend',
    hops: [
      { step: 'dnat', node: 'node-2', text: '10.108.90.214:8080 → 10.244.2.3:8080 (production/backend-1)' },
      { step: 'netfilter', node: 'node-2', text: 'inet podnet-policy pod-backend-1: production/allow-frontend-to-backend ingress rule 1 (verdict accept)' },
    ],
    netfilter: { node: 'node-2', table: 'inet podnet-policy', chain: 'ingress', rule: 'production/allow-frontend-to-backend', verdict: 'accept' },
  });
  assert.deepEqual(netfilterFlow({ ...base, saddr: '203.0.113.10', sport: undefined, dport: undefined, protocol: 'icmp', verdict: 'drop', chain: 'pod-backend-1', rule: 'production/deny-all ingress: isolated, no rule allows', rules: [] }, podAt), {
    source: '203.0.113.10', destination: '10.244.2.3', protocol: 'ICMP', verdict: 'dropped', via: 'kernel',
    reason: 'netfilter on node-2: drop by inet podnet-policy pod-backend-1: production/deny-all ingress: isolated, no rule allows',
    hops: [{ step: 'netfilter', node: 'node-2', text: 'inet podnet-policy pod-backend-1: production/deny-all ingress: isolated, no rule allows' }],
    netfilter: { node: 'node-2', table: 'inet podnet-policy', chain: 'pod-backend-1', rule: 'production/deny-all ingress: isolated, no rule allows', verdict: 'drop' },
  });
  assert.equal(netfilterFlow({ ...base, saddr: '10.0.1.10', daddr: '10.0.2.10', verdict: 'accept', chain: 'forward', rule: 'policy accept', rules: [] }, podAt), undefined);
});
