// The comparison of a referee's observation with the model's expectation, table by table: verdicts, the answering
// endpoint set, SNAT, session affinity, DNS, and how many connections a flow needs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compare, planFor, type ConnectAttempt } from './compare.js';
import type { ConnectExpectation } from './expect.js';

const ep = (pod: string, clientIP: string, snat = false) => ({ pod: `ns/${pod}`, ip: '10.244.1.9', port: 8080, probability: 0.5, outcome: 'allowed' as const, clientIP, snat, trace: '' });
const expect = (over: Partial<ConnectExpectation> = {}): ConnectExpectation => ({
  kind: 'connect', outcomes: ['allowed'], answering: ['a', 'b'], clientIPs: { a: '10.244.1.5', b: '10.244.1.5' }, affinity: false,
  endpoints: [ep('a', '10.244.1.5'), ep('b', '10.244.1.5')], trace: 'dnat …', ...over,
});
const conn = (...attempts: ConnectAttempt[]) => ({ kind: 'connect' as const, attempts });
const ok = (hostname: string, clientIP = '10.244.1.5'): ConnectAttempt => ({ outcome: 'allowed', hostname, clientIP });

test('a flow agrees when every expected endpoint answered with the expected source address', () => {
  assert.deepEqual(compare(expect(), conn(ok('a'), ok('b'), ok('a'))), []);
});

test('verdicts: a drop the model did not predict, a refusal where it predicted a drop, a tool error', () => {
  assert.deepEqual(compare(expect(), conn({ outcome: 'timeout' })), [{ aspect: 'verdict', model: 'allowed', referee: 'dropped (timeout)' }]);
  assert.deepEqual(compare(expect({ outcomes: ['timeout'], answering: [], clientIPs: {} }), conn({ outcome: 'refused' })), [{ aspect: 'verdict', model: 'dropped (timeout)', referee: 'refused' }]);
  assert.deepEqual(compare(expect({ outcomes: ['refused'], answering: [], clientIPs: {} }), conn({ outcome: 'refused' })), []);
  assert.deepEqual(compare(expect(), conn(ok('a'), { outcome: 'error', detail: 'python3: not found' })), [{ aspect: 'verdict', model: 'allowed', referee: 'allowed and error (python3: not found)' }]);
});

test('endpoints: one the model gives a positive probability never answered, or one it does not know answered', () => {
  assert.deepEqual(compare(expect(), conn(ok('a'), ok('a'))), [{ aspect: 'endpoints', model: '{a, b}', referee: '{a} over 2 connections' }]);
  assert.deepEqual(compare(expect(), conn(ok('a'), ok('b'), ok('c', '10.244.1.5'))), [{ aspect: 'endpoints', model: '{a, b}', referee: '{a, b, c} over 3 connections' }]);
});

test('SNAT: the endpoint saw another source than the model says', () => {
  const e = expect({ clientIPs: { a: '10.0.1.10', b: '10.0.1.10' }, endpoints: [ep('a', '10.0.1.10', true), ep('b', '10.0.1.10', true)] });
  assert.deepEqual(compare(e, conn(ok('a', '10.0.1.10'), ok('b', '10.244.1.5'))), [{ aspect: 'snat', model: 'b sees 10.0.1.10 (SNAT)', referee: 'b saw 10.244.1.5' }]);
});

test('session affinity: every connection of one client reaches one endpoint', () => {
  const e = expect({ affinity: true });
  assert.deepEqual(compare(e, conn(ok('b'), ok('b'), ok('b'))), []);
  assert.deepEqual(compare(e, conn(ok('b'), ok('a'))), [{ aspect: 'affinity', model: 'sessionAffinity ClientIP: every connection reaches the same one of {a, b}', referee: '2 connections reached {a, b}' }]);
});

test('a connection the agent never answered; a port that is not the agent\'s (identify off) is judged by its verdict only', () => {
  const e = expect({ answering: ['a'], clientIPs: { a: '10.244.1.5' } });
  assert.deepEqual(compare(e, conn({ outcome: 'allowed', detail: 'TimeoutError: timed out' })), [
    { aspect: 'agent', model: 'the agent answers /hostname ({a})', referee: '1 of 1 connections got no answer from the agent (TimeoutError: timed out)' },
    { aspect: 'endpoints', model: '{a}', referee: '{} over 1 connections' },
  ]);
  assert.deepEqual(compare(e, conn({ outcome: 'allowed' }), { identify: false }), []);
});

test('DNS: rcode and the set of addresses', () => {
  const e = { kind: 'dns' as const, rcode: 'NOERROR', answers: ['10.96.0.10'], trace: '' };
  assert.deepEqual(compare(e, { kind: 'dns', rcode: 'NOERROR', answers: ['10.96.0.10'] }), []);
  assert.deepEqual(compare(e, { kind: 'dns', rcode: 'TIMEOUT', answers: [], detail: 'dig: no reply from the server' }), [{ aspect: 'dns', model: 'NOERROR {10.96.0.10}', referee: 'TIMEOUT {} (dig: no reply from the server)' }]);
  assert.deepEqual(compare({ kind: 'skip', reason: 'upstream' }, { kind: 'dns', rcode: 'SERVFAIL', answers: [] }), []);
});

test('plans: one connection for a drop, enough for every one of k endpoints to answer with probability 1 − 1e-4', () => {
  assert.deepEqual(planFor(expect({ outcomes: ['timeout'], answering: [] }), 1000), { minAttempts: 1, maxAttempts: 1, until: [], timeoutMs: 1000 });
  assert.deepEqual(planFor(expect({ answering: ['a'] }), 1000), { minAttempts: 2, maxAttempts: 2, until: ['a'], timeoutMs: 1000 });
  assert.deepEqual(planFor(expect(), 1000), { minAttempts: 4, maxAttempts: 15, until: ['a', 'b'], timeoutMs: 1000 });
  assert.deepEqual(planFor(expect({ answering: ['a', 'b', 'c'] }), 1000), { minAttempts: 6, maxAttempts: 26, until: ['a', 'b', 'c'], timeoutMs: 1000 });
  assert.deepEqual(planFor(expect({ affinity: true }), 1000), { minAttempts: 6, maxAttempts: 6, until: [], timeoutMs: 1000 });
});

test('plans: a flow the model says some connections of get no answer waits the drop timeout; one always answered waits the full one', () => {
  const none = { answering: [], clientIPs: {}, endpoints: [] };
  assert.deepEqual(planFor(expect({ outcomes: ['timeout'], ...none }), 1000, 300), { minAttempts: 1, maxAttempts: 1, until: [], timeoutMs: 300 });
  assert.deepEqual(planFor(expect({ outcomes: ['refused'], ...none }), 1000, 300), { minAttempts: 1, maxAttempts: 1, until: [], timeoutMs: 1000 });
  assert.deepEqual(planFor(expect({ outcomes: ['allowed', 'timeout'], answering: ['a'] }), 1000, 300), { minAttempts: 4, maxAttempts: 15, until: ['a'], timeoutMs: 300 });
  assert.deepEqual(planFor(expect({ answering: ['a'] }), 1000, 300), { minAttempts: 2, maxAttempts: 2, until: ['a'], timeoutMs: 1000 });
  assert.deepEqual(planFor({ kind: 'dns', rcode: 'TIMEOUT', answers: [], trace: '' }, 1000, 300), { minAttempts: 1, maxAttempts: 1, until: [], timeoutMs: 300 });
  assert.deepEqual(planFor({ kind: 'dns', rcode: 'NXDOMAIN', answers: [], trace: '' }, 1000, 300), { minAttempts: 1, maxAttempts: 1, until: [], timeoutMs: 1000 });
  // Without a drop timeout every flow waits the one timeout (the CLI's --timeout).
  assert.deepEqual(planFor(expect({ outcomes: ['timeout'], ...none }), 1000), { minAttempts: 1, maxAttempts: 1, until: [], timeoutMs: 1000 });
});

test('an HTTP request through the edge: the status must match, then (for a 200) the answering backend pods', () => {
  const ingress = expect({ status: 200, clientIPs: {}, endpoints: [] });
  const http = (status: number | undefined, hostname?: string): ConnectAttempt => ({ outcome: 'allowed', ...(status !== undefined ? { status } : {}), ...(hostname ? { hostname } : {}) });
  assert.deepEqual(compare(ingress, conn(http(200, 'a'), http(200, 'b'))), []);
  assert.deepEqual(compare(ingress, conn(http(200, 'a'), http(504))), [{ aspect: 'http', model: 'HTTP 200', referee: 'HTTP 200 and HTTP 504' }]);
  assert.deepEqual(compare(ingress, conn(http(200, 'a'), { outcome: 'allowed', detail: 'SSLError: handshake' })), [{ aspect: 'http', model: 'HTTP 200', referee: 'HTTP 200 and no answer (SSLError: handshake)' }]);
  assert.deepEqual(compare(ingress, conn(http(200, 'a'), http(200, 'a'))), [{ aspect: 'endpoints', model: '{a, b}', referee: '{a} over 2 connections' }]);
  // A redirect names no backend: the status alone is the answer.
  assert.deepEqual(compare(expect({ status: 308, answering: [], clientIPs: {}, endpoints: [] }), conn(http(308), http(308))), []);
});
