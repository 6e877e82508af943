// AdminNetworkPolicy / BaselineAdminNetworkPolicy truth tables on the e2e model (after the network-policy-api
// conformance suite: rule order, priority, Pass to NetworkPolicy, Pass to baseline, ports), same grid notation as
// e2e-netpol.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check } from './targets.js';
import { ADMIN_CASES } from './e2e-cases.js';
import { anp, banp, e2eObjects, loadModel, np, runCases } from './testing.js';

const nsName = (n: string) => ({ matchLabels: { 'kubernetes.io/metadata.name': n } });
const X = { namespaces: nsName('x') };

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
