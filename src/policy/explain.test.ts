// explain: the plain-language description, exact text for each kind of policy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainPolicies, formatExplanation } from './explain.js';
import { anp, banp, e2eObjects, loadModel, np } from './testing.js';

test('explain: a NetworkPolicy with selectors, named port, range and ipBlock', () => {
  const model = loadModel([...e2eObjects(), np('x', 'web', {
    podSelector: { matchLabels: { pod: 'a' } },
    ingress: [
      { from: [{ podSelector: { matchLabels: { pod: 'b' } } }, { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'y' } }, podSelector: { matchExpressions: [{ key: 'pod', operator: 'In', values: ['a', 'c'] }] } }], ports: [{ port: 'serve-80-tcp' }, { port: 81, endPort: 90, protocol: 'UDP' }] },
    ],
    egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }] }],
  })]);
  assert.equal(explainPolicies(model).map(formatExplanation).join('\n'), [
    'NetworkPolicy x/web  (<text>:25)',
    '  Selects: pods with pod=a in namespace x (1 pod): x/a',
    '  Isolates: ingress and egress',
    '  Ingress:',
    '    - allow from pods with pod=b in namespace x (1 pod), or pods with pod in (a,c) in namespaces with kubernetes.io/metadata.name=y (2 pods), on serve-80-tcp/TCP (named), 81-90/UDP',
    '  Egress:',
    '    - allow to IPs in 0.0.0.0/0 except 10.0.0.0/8, on every port',
  ].join('\n'));
});

test('explain: deny-all, allow-all, and rules ignored because policyTypes leaves their direction out', () => {
  const model = loadModel([...e2eObjects(), np('y', 'deny', { podSelector: {} }), np('z', 'open', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}], egress: [{ to: [{ podSelector: {} }] }] })]);
  assert.equal(explainPolicies(model).map(formatExplanation).join('\n'), [
    'NetworkPolicy y/deny  (<text>:25)',
    '  Selects: every pod in namespace y (3 pods): y/a, y/b, y/c',
    '  Isolates: ingress',
    '  Ingress:',
    '    - deny all ingress (no rules: nothing is allowed)',
    'NetworkPolicy z/open  (<text>:27)',
    '  Selects: every pod in namespace z (3 pods): z/a, z/b, z/c',
    '  Isolates: ingress',
    '  Ingress:',
    '    - allow from anywhere (every pod, every IP), on every port',
    '  Egress:',
    '    - (1 egress rule(s) ignored: policyTypes does not list Egress)',
  ].join('\n'));
});

test('explain: AdminNetworkPolicy and BaselineAdminNetworkPolicy list rules in evaluation order', () => {
  const model = loadModel([...e2eObjects(),
    anp('guard', { priority: 10, subject: { namespaces: { matchLabels: { 'kubernetes.io/metadata.name': 'x' } } }, ingress: [{ name: 'pass-y', action: 'Pass', from: [{ namespaces: { matchLabels: { 'kubernetes.io/metadata.name': 'y' } } }] }, { name: 'deny-rest', action: 'Deny', from: [{ namespaces: {} }], ports: [{ portNumber: { protocol: 'TCP', port: 80 } }, { namedPort: 'serve-81-udp' }] }] }),
    banp({ subject: { pods: { namespaceSelector: {}, podSelector: { matchLabels: { pod: 'c' } } } }, egress: [{ name: 'no-internet', action: 'Deny', to: [{ networks: ['0.0.0.0/0'] }] }] })]);
  assert.equal(explainPolicies(model).map(formatExplanation).join('\n'), [
    'AdminNetworkPolicy guard (priority 10)  (<text>:25)',
    '  Subject: every pod in namespaces with kubernetes.io/metadata.name=x (3 pods): x/a, x/b, x/c',
    '  Ingress (in order; the first matching rule decides):',
    '    - pass-y: Pass from namespaces (3 pods), on every port',
    '    - deny-rest: Deny from namespaces (11 pods), on 80/TCP, serve-81-udp (named)',
    'BaselineAdminNetworkPolicy default  (<text>:27)',
    '  Subject: pods with pod=c in every namespace (3 pods): x/c, y/c, z/c',
    '  Egress (in order; the first matching rule decides):',
    '    - no-internet: Deny to networks 0.0.0.0/0, on every port',
  ].join('\n'));
});

test('explain: filter by namespace and name', () => {
  const model = loadModel([...e2eObjects(), np('x', 'one', { podSelector: {} }), np('y', 'one', { podSelector: {} }), np('y', 'two', { podSelector: {} })]);
  assert.deepEqual(explainPolicies(model, { namespace: 'y' }).map((e) => e.name), ['y/one', 'y/two']);
  assert.deepEqual(explainPolicies(model, { name: 'one' }).map((e) => e.name), ['x/one', 'y/one']);
});

test('explain: a NetworkPolicy whose podSelector is omitted selects every pod of its namespace', () => {
  const model = loadModel([...e2eObjects(), np('x', 'bare', { policyTypes: ['Ingress'] })]);
  assert.equal(formatExplanation(explainPolicies(model)[0]), [
    'NetworkPolicy x/bare  (<text>:25)',
    '  Selects: every pod in namespace x (3 pods): x/a, x/b, x/c',
    '  Isolates: ingress',
    '  Ingress:',
    '    - deny all ingress (no rules: nothing is allowed)',
  ].join('\n'));
});
