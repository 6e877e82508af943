// AdminNetworkPolicy / BaselineAdminNetworkPolicy truth tables on the e2e model (after the network-policy-api
// conformance suite: rule order, priority, Pass to NetworkPolicy, Pass to baseline, ports), same grid notation as
// e2e-netpol.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check } from './targets.js';
import { anp, banp, e2eObjects, loadModel, np, runCases, type Case } from './testing.js';

const ALL = '111 111 111\n'.repeat(9);
const DENY_TO_X = `1.. 111 111\n.1. 111 111\n..1 111 111\n${'... 111 111\n'.repeat(6)}`;
/** Only namespace y (and each pod itself) reaches x. */
const ONLY_Y_TO_X = `1.. 111 111\n.1. 111 111\n..1 111 111\n${'111 111 111\n'.repeat(3)}${'... 111 111\n'.repeat(3)}`;
const nsName = (n: string) => ({ matchLabels: { 'kubernetes.io/metadata.name': n } });
const X = { namespaces: nsName('x') };

const ADMIN_CASES: Case[] = [
  { name: 'ANP 1 Deny beats a NetworkPolicy allow', policies: () => [np('x', 'allow-all', { podSelector: {}, ingress: [{}] }), anp('deny-y', { priority: 10, subject: X, ingress: [{ name: 'deny-from-y', action: 'Deny', from: [{ namespaces: nsName('y') }] }] })], probes: [{ port: 80, grid: `${'111 111 111\n'.repeat(3)}${'... 111 111\n'.repeat(3)}${'111 111 111\n'.repeat(3)}` }] },
  { name: 'ANP 2 Allow beats a NetworkPolicy deny', policies: () => [np('x', 'deny', { podSelector: {} }), anp('allow-y', { priority: 10, subject: X, ingress: [{ name: 'allow-from-y', action: 'Allow', from: [{ namespaces: nsName('y') }] }] })], probes: [{ port: 80, grid: ONLY_Y_TO_X }] },
  { name: 'ANP 3 Pass hands over to NetworkPolicy (none here: allowed), a lower-priority Deny catches the rest', policies: () => [anp('pass-y', { priority: 5, subject: X, ingress: [{ name: 'pass-y', action: 'Pass', from: [{ namespaces: nsName('y') }] }] }), anp('deny-all', { priority: 10, subject: X, ingress: [{ name: 'deny', action: 'Deny', from: [{ namespaces: {} }] }] })], probes: [{ port: 80, grid: ONLY_Y_TO_X }] },
  { name: 'ANP 4 priority decides: Deny z (1) over Allow all (2), and Allow beats NetworkPolicy deny', policies: () => [np('x', 'deny', { podSelector: {} }), anp('deny-z', { priority: 1, subject: X, ingress: [{ name: 'deny-z', action: 'Deny', from: [{ namespaces: nsName('z') }] }] }), anp('allow-all', { priority: 2, subject: X, ingress: [{ name: 'allow', action: 'Allow', from: [{ namespaces: {} }] }] })], probes: [{ port: 80, grid: `${'111 111 111\n'.repeat(6)}${'... 111 111\n'.repeat(3)}` }] },
  { name: 'ANP 5 priority decides: Allow all (1) over Deny z (2)', policies: () => [anp('allow-all', { priority: 1, subject: X, ingress: [{ name: 'allow', action: 'Allow', from: [{ namespaces: {} }] }] }), anp('deny-z', { priority: 2, subject: X, ingress: [{ name: 'deny-z', action: 'Deny', from: [{ namespaces: nsName('z') }] }] })], probes: [{ port: 80, grid: ALL }] },
  { name: 'ANP 6 rule order within a policy: first match wins', policies: () => [anp('ordered', { priority: 3, subject: X, ingress: [{ name: 'allow-y', action: 'Allow', from: [{ namespaces: nsName('y') }] }, { name: 'deny-all', action: 'Deny', from: [{ namespaces: {} }] }] })], probes: [{ port: 80, grid: ONLY_Y_TO_X }] },
  { name: 'BANP 1 fallback for pods no NetworkPolicy isolates', policies: () => [np('x', 'a-from-y', { podSelector: { matchLabels: { pod: 'a' } }, ingress: [{ from: [{ namespaceSelector: nsName('y') }] }] }), banp({ subject: X, ingress: [{ name: 'deny-all', action: 'Deny', from: [{ namespaces: {} }] }] })], probes: [{ port: 80, grid: `1.. 111 111\n.1. 111 111\n..1 111 111\n${'1.. 111 111\n'.repeat(3)}${'... 111 111\n'.repeat(3)}` }] },
  { name: 'BANP 2 Pass from ANP reaches the baseline Deny', policies: () => [anp('pass-y', { priority: 5, subject: X, ingress: [{ name: 'pass-y', action: 'Pass', from: [{ namespaces: nsName('y') }] }] }), banp({ subject: X, ingress: [{ name: 'deny-all', action: 'Deny', from: [{ namespaces: {} }] }] })], probes: [{ port: 80, grid: DENY_TO_X }] },
  { name: 'BANP 3 rule order: Allow y, then Deny all', policies: () => [banp({ subject: X, ingress: [{ name: 'allow-y', action: 'Allow', from: [{ namespaces: nsName('y') }] }, { name: 'deny-all', action: 'Deny', from: [{ namespaces: {} }] }] })], probes: [{ port: 80, grid: ONLY_Y_TO_X }] },
  { name: 'ANP 7 egress Deny to a namespace at one port', policies: () => [anp('no-z-80', { priority: 20, subject: X, egress: [{ name: 'deny-z-80', action: 'Deny', to: [{ namespaces: nsName('z') }], ports: [{ portNumber: { protocol: 'TCP', port: 80 } }] }] })], probes: [{ port: 80, grid: `${'111 111 ...\n'.repeat(3)}${'111 111 111\n'.repeat(6)}` }, { port: 81, grid: ALL }, { port: 80, protocol: 'UDP', grid: ALL }] },
  { name: 'ANP 8 egress Deny to networks (a pod /32), pods subject', policies: (ip) => [anp('no-xb', { priority: 20, subject: { pods: { namespaceSelector: nsName('x'), podSelector: { matchLabels: { pod: 'a' } } } }, egress: [{ name: 'deny-xb', action: 'Deny', to: [{ networks: [`${ip('x/b')}/32`] }] }] })], probes: [{ port: 80, grid: `1.1 111 111\n${'111 111 111\n'.repeat(8)}` }] },
  { name: 'ANP 9 namedPort Allow beats NetworkPolicy deny only on that port', policies: () => [np('x', 'deny', { podSelector: {} }), anp('udp80', { priority: 7, subject: X, ingress: [{ name: 'allow-y-udp80', action: 'Allow', from: [{ namespaces: nsName('y') }], ports: [{ namedPort: 'serve-80-udp' }] }] })], probes: [{ port: 80, protocol: 'UDP', grid: ONLY_Y_TO_X }, { port: 80, grid: DENY_TO_X }] },
  { name: 'ANP 10 portRange Deny 80-81 from z', policies: () => [anp('range', { priority: 9, subject: X, ingress: [{ name: 'deny-z', action: 'Deny', from: [{ namespaces: nsName('z') }], ports: [{ portRange: { protocol: 'TCP', start: 80, end: 81 } }] }] })], probes: [{ port: 80, grid: `${'111 111 111\n'.repeat(6)}${'... 111 111\n'.repeat(3)}` }, { port: 81, grid: `${'111 111 111\n'.repeat(6)}${'... 111 111\n'.repeat(3)}` }, { port: 82, grid: ALL }, { port: 80, protocol: 'SCTP', grid: ALL }] },
  { name: 'ANP 11 Pass then NetworkPolicy decides', policies: () => [np('x', 'from-y', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: nsName('y') }] }] }), anp('pass-all', { priority: 1, subject: X, ingress: [{ name: 'pass', action: 'Pass', from: [{ namespaces: {} }] }] }), anp('allow-all', { priority: 2, subject: X, ingress: [{ name: 'allow', action: 'Allow', from: [{ namespaces: {} }] }] })], probes: [{ port: 80, grid: ONLY_Y_TO_X }] },
];

runCases(ADMIN_CASES);

test('ANP verdicts name the policy and rule that decided, and warn about equal priorities', () => {
  const model = loadModel([...e2eObjects(),
    anp('deny-y', { priority: 10, subject: X, ingress: [{ name: 'deny-from-y', action: 'Deny', from: [{ namespaces: nsName('y') }] }] }),
    anp('also-10', { priority: 10, subject: X, ingress: [{ name: 'noop', action: 'Allow', from: [{ namespaces: nsName('nothing') }] }] })]);
  const r = check(model, { from: 'y/a', to: 'x/b', port: 80 });
  assert.equal(r.allowed, false);
  assert.deepEqual(r.ingress, { allowed: false, isolated: false, policies: ['AdminNetworkPolicy/deny-y'] });
  const v = r.targets[0];
  assert.equal(v.ingress.decidedBy, 'AdminNetworkPolicy');
  assert.deepEqual(v.ingress.rules, [{ policy: 'AdminNetworkPolicy/deny-y', direction: 'Ingress', rule: 0, name: 'deny-from-y', action: 'Deny', tier: 'Admin' }]);
  assert.equal(v.ingress.reason, 'ingress to x/b is denied by rule "deny-from-y" of AdminNetworkPolicy deny-y (priority 10), before any NetworkPolicy');
  assert.deepEqual(r.warnings, ['AdminNetworkPolicies also-10 and deny-y both have priority 10 and select x/b: which one wins is up to the implementation (podnet takes them by name)']);
});

test('invalid ANP/BANP are left out with PN2001, as the API server would refuse them', () => {
  const model = loadModel([...e2eObjects(),
    anp('no-priority', { subject: X, ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }] }),
    banp({ subject: X, ingress: [{ action: 'Pass', from: [{ namespaces: {} }] }] }, 'other')]);
  assert.deepEqual(model.diagnostics.map((d) => [d.code, d.message]), [
    ['PN2001', 'The AdminNetworkPolicy "no-priority" is invalid: spec.priority: Invalid value: undefined: must be an integer between 0 and 1000, inclusive (kubectl apply would reject it; podnet leaves it out)'],
    ['PN2001', 'The BaselineAdminNetworkPolicy "other" is invalid: metadata.name: Invalid value: "other": Only one baseline admin network policy with metadata.name="default" can be created in the cluster (kubectl apply would reject it; podnet leaves it out)'],
    ['PN2001', 'The BaselineAdminNetworkPolicy "other" is invalid: spec.ingress[0].action: Unsupported value: "Pass": supported values: "Allow", "Deny" (kubectl apply would reject it; podnet leaves it out)'],
  ]);
  assert.equal(check(model, { from: 'y/a', to: 'x/a', port: 80 }).allowed, true);
});

test('an ANP peer of an unknown kind fails closed: Deny matches everything, Allow nothing', () => {
  const model = loadModel([...e2eObjects(),
    anp('future', { priority: 1, subject: X, ingress: [{ name: 'allow-new', action: 'Allow', from: [{ someFuturePeer: {} }] }, { name: 'deny-new', action: 'Deny', from: [{ someFuturePeer: {} }] }] })]);
  assert.deepEqual(model.diagnostics.map((d) => d.code), ['PN2014', 'PN2014']);
  const r = check(model, { from: 'y/a', to: 'x/a', port: 80 });
  assert.equal(r.allowed, false);
  assert.equal(r.targets[0].ingress.rules[0].name, 'deny-new');
});

test('ANP egress to nodes: matches node IPs', () => {
  const model = loadModel([...e2eObjects(),
    anp('no-nodes', { priority: 1, subject: X, egress: [{ name: 'deny-nodes', action: 'Deny', to: [{ nodes: { matchLabels: { 'kubernetes.io/hostname': 'node-2' } } }] }] })]);
  assert.equal(check(model, { from: 'x/a', to: '10.0.2.10', port: 10250 }).allowed, false);
  assert.equal(check(model, { from: 'x/a', to: '10.0.1.10', port: 10250 }).allowed, true);
  assert.equal(check(model, { from: 'y/a', to: '10.0.2.10', port: 10250 }).allowed, true);
});
