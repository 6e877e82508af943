// ClusterNetworkPolicy (v1alpha2): the CRD's validation with the API server's messages (one row per rule), and what
// check, explain and lint say about it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateClusterNetworkPolicy } from './cnp.js';
import { explainPolicies, formatExplanation } from './explain.js';
import { lintPolicies } from './lint.js';
import { check } from './targets.js';
import { anp, cnp, e2eObjects, loadModel, np } from './testing.js';

type Obj = Record<string, any>;
const base = { tier: 'Admin', priority: 1, subject: { namespaces: {} } };
const nsName = (n: string) => ({ matchLabels: { 'kubernetes.io/metadata.name': n } });
const X = { namespaces: nsName('x') };
const DOMAIN = "^(\\*\\.)?([a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\\.)+[a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\\.?$";

const VALIDATION: { name: string; obj: Obj; want: string[] }[] = [
  { name: 'a valid policy', obj: { spec: { ...base, ingress: [{ name: 'ok', action: 'Accept', from: [{ pods: { namespaceSelector: {}, podSelector: {} } }], protocols: [{ tcp: { destinationPort: { range: { start: 80, end: 81 } } } }] }] } }, want: [] },
  { name: 'no spec', obj: {}, want: ['spec: Required value'] },
  { name: 'required fields', obj: { spec: {} }, want: ['spec.priority: Required value', 'spec.subject: Required value', 'spec.tier: Required value'] },
  { name: 'tier enum and priority maximum', obj: { spec: { ...base, tier: 'Override', priority: 1001 } }, want: ['spec.priority: Invalid value: 1001: spec.priority in body should be less than or equal to 1000', 'spec.tier: Unsupported value: "Override": supported values: "Admin", "Baseline"'] },
  { name: 'priority minimum', obj: { spec: { ...base, priority: -1 } }, want: ['spec.priority: Invalid value: -1: spec.priority in body should be greater than or equal to 0'] },
  { name: 'priority of the wrong type', obj: { spec: { ...base, priority: '5' } }, want: ['spec.priority: Invalid value: "string": spec.priority in body must be of type integer: "string"'] },
  { name: 'subject: at most one field', obj: { spec: { ...base, subject: { namespaces: {}, pods: { podSelector: {} } } } }, want: ['spec.subject: Too many: 2: must have at most 1 items'] },
  { name: 'subject: at least one field', obj: { spec: { ...base, subject: {} } }, want: ['spec.subject: Invalid value: 0: spec.subject in body should have at least 1 properties'] },
  { name: 'pods needs a podSelector', obj: { spec: { ...base, subject: { pods: { namespaceSelector: {} } } } }, want: ['spec.subject.pods.podSelector: Required value'] },
  { name: 'a matchExpression needs an operator', obj: { spec: { ...base, subject: { namespaces: { matchExpressions: [{ key: 'a' }] } } } }, want: ['spec.subject.namespaces.matchExpressions[0].operator: Required value'] },
  { name: 'v1alpha1 actions are not v1alpha2 actions', obj: { spec: { ...base, ingress: [{ action: 'Allow', from: [{ namespaces: {} }] }] } }, want: ['spec.ingress[0].action: Unsupported value: "Allow": supported values: "Accept", "Deny", "Pass"'] },
  { name: 'rules need an action and at least one peer', obj: { spec: { ...base, ingress: [{ action: 'Deny', from: [] }, { from: [{ namespaces: {} }] }] } }, want: ['spec.ingress[0].from: Invalid value: 0: spec.ingress[0].from in body should have at least 1 items', 'spec.ingress[1].action: Required value'] },
  { name: 'a peer with only an unknown field is pruned to nothing', obj: { spec: { ...base, ingress: [{ action: 'Deny', from: [{ serviceAccounts: {} }] }] } }, want: ['spec.ingress[0].from[0]: Invalid value: 0: spec.ingress[0].from[0] in body should have at least 1 properties'] },
  { name: 'ingress peers have no networks', obj: { spec: { ...base, ingress: [{ action: 'Deny', from: [{ networks: ['10.0.0.0/8'] }] }] } }, want: ['spec.ingress[0].from[0]: Invalid value: 0: spec.ingress[0].from[0] in body should have at least 1 properties'] },
  { name: 'a null rule fails its type', obj: { spec: { ...base, egress: [null] } }, want: ['spec.egress[0]: Invalid value: "null": spec.egress[0] in body must be of type object: "null"'] },
  { name: 'at most 25 rules', obj: { spec: { ...base, ingress: Array.from({ length: 26 }, () => ({ action: 'Pass', from: [{ namespaces: {} }] })) } }, want: ['spec.ingress: Too many: 26: must have at most 25 items'] },
  { name: 'rule names up to 100 characters', obj: { spec: { ...base, egress: [{ name: 'r'.repeat(101), action: 'Pass', to: [{ namespaces: {} }] }] } }, want: ['spec.egress[0].name: Too long: may not be more than 100 bytes'] },
  { name: 'networks are CIDRs (CEL isCIDR)', obj: { spec: { ...base, egress: [{ action: 'Deny', to: [{ networks: ['10.0.0.0/33', '10.0.0.0/8'] }] }] } }, want: ['spec.egress[0].to[0].networks[0]: Invalid value: "string": Invalid CIDR format provided'] },
  { name: 'a port range starts below its end (CEL)', obj: { spec: { ...base, egress: [{ action: 'Deny', to: [{ namespaces: {} }], protocols: [{ udp: { destinationPort: { range: { start: 90, end: 80 } } } }] }] } }, want: ['spec.egress[0].protocols[0].udp.destinationPort.range: Invalid value: "object": Start port must be less than End port'] },
  { name: 'one protocol per entry, ports from 1, a protocol needs a destinationPort', obj: { spec: { ...base, egress: [{ action: 'Deny', to: [{ namespaces: {} }], protocols: [{ tcp: { destinationPort: { number: 0 } }, udp: { destinationPort: { number: 53 } } }, { sctp: {} }] }] } }, want: ['spec.egress[0].protocols[0]: Too many: 2: must have at most 1 items', 'spec.egress[0].protocols[0].tcp.destinationPort.number: Invalid value: 0: spec.egress[0].protocols[0].tcp.destinationPort.number in body should be greater than or equal to 1', 'spec.egress[0].protocols[1].sctp: Invalid value: 0: spec.egress[0].protocols[1].sctp in body should have at least 1 properties'] },
  { name: 'no named port towards nodes, networks or domain names (CEL)', obj: { spec: { ...base, egress: [{ action: 'Accept', to: [{ nodes: {} }], protocols: [{ destinationNamedPort: 'http' }] }] } }, want: ['spec.egress[0]: Invalid value: "object": networks/nodes/domainNames peer cannot be set with namedPorts since there are no namedPorts for networks/nodes/domainNames'] },
  { name: 'domain names: a *. prefix at most', obj: { spec: { ...base, egress: [{ action: 'Accept', to: [{ domainNames: ['*.example.com', 'api.*.example.com'] }] }] } }, want: [`spec.egress[0].to[0].domainNames[1]: Invalid value: "api.*.example.com": spec.egress[0].to[0].domainNames[1] in body should match '${DOMAIN}'`] },
];

for (const c of VALIDATION) {
  test(`ClusterNetworkPolicy validation: ${c.name}`, () => assert.deepEqual(validateClusterNetworkPolicy(c.obj), c.want));
}

test('an invalid ClusterNetworkPolicy is left out with PN2001 and the API server\'s message', () => {
  const model = loadModel([...e2eObjects(), cnp('bad', 'Admin', 2000, { subject: X, ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }] })]);
  assert.deepEqual(model.diagnostics.map((d) => [d.code, d.message]), [['PN2001', 'The ClusterNetworkPolicy "bad" is invalid: spec.priority: Invalid value: 2000: spec.priority in body should be less than or equal to 1000 (kubectl apply would reject it; podnet leaves it out)']]);
  assert.deepEqual(model.adminPolicies, []);
  assert.equal(check(model, { from: 'y/a', to: 'x/a', port: 80 }).allowed, true);
});

test('ClusterNetworkPolicy verdicts: the tier, the written action, the rule, and the reason', () => {
  const model = loadModel([...e2eObjects(),
    np('x', 'deny', { podSelector: {} }),
    cnp('accept-y', 'Admin', 10, { subject: X, ingress: [{ name: 'accept-from-y', action: 'Accept', from: [{ namespaces: nsName('y') }] }] }),
    cnp('pass-z', 'Admin', 20, { subject: X, ingress: [{ name: 'pass-z', action: 'Pass', from: [{ namespaces: nsName('z') }] }] }),
    cnp('baseline', 'Baseline', 5, { subject: X, egress: [{ name: 'pass-all', action: 'Pass', to: [{ namespaces: {} }] }, { name: 'never', action: 'Deny', to: [{ namespaces: {} }] }] })]);
  assert.deepEqual(model.diagnostics, []);
  const accepted = check(model, { from: 'y/a', to: 'x/b', port: 80 }).targets[0];
  assert.equal(accepted.allowed, true);
  assert.equal(accepted.ingress.decidedBy, 'ClusterNetworkPolicy');
  assert.equal(accepted.ingress.tier, 'Admin');
  assert.deepEqual(accepted.ingress.rules, [{ policy: 'ClusterNetworkPolicy/accept-y', direction: 'Ingress', rule: 0, name: 'accept-from-y', action: 'Allow', writtenAction: 'Accept', tier: 'Admin' }]);
  assert.equal(accepted.ingress.reason, 'ingress to x/b is allowed by rule "accept-from-y" of ClusterNetworkPolicy accept-y (Admin tier, priority 10), before any NetworkPolicy');
  assert.deepEqual(accepted.warnings, ['calico does not implement ClusterNetworkPolicy (policy.networking.k8s.io/v1alpha2) yet: podnet shows what an implementation of the API would do']);
  const passed = check(model, { from: 'z/a', to: 'x/b', port: 80 }).targets[0];
  assert.equal(passed.allowed, false);
  assert.equal(passed.ingress.decidedBy, 'NetworkPolicy');
  assert.equal(passed.ingress.reason, 'rule "pass-z" of ClusterNetworkPolicy pass-z (Admin tier, priority 20) passes it on; ingress to x/b is denied: x/b is isolated for ingress by x/deny, and none of its rules allows z/a on 80/TCP');
  const baselinePass = check(model, { from: 'x/a', to: 'y/a', port: 53, protocol: 'UDP' }).targets[0];
  assert.equal(baselinePass.allowed, true);
  assert.equal(baselinePass.egress.decidedBy, 'not-isolated');
  assert.deepEqual(baselinePass.egress.rules.map((r) => [r.policy, r.name, r.action, r.tier]), [['ClusterNetworkPolicy/baseline', 'pass-all', 'Pass', 'Baseline']]);
  assert.equal(baselinePass.egress.reason, 'rule "pass-all" of ClusterNetworkPolicy baseline (Baseline tier, priority 5) passes it on; egress from x/a is allowed: no NetworkPolicy selects x/a for egress');
});

test('ClusterNetworkPolicy egress to nodes matches node IPs; networks match outside addresses', () => {
  const model = loadModel([...e2eObjects(),
    cnp('no-node-2', 'Admin', 1, { subject: X, egress: [{ name: 'deny-node-2', action: 'Deny', to: [{ nodes: { matchLabels: { 'kubernetes.io/hostname': 'node-2' } } }] }, { name: 'deny-doc', action: 'Deny', to: [{ networks: ['192.0.2.0/24'] }] }] })]);
  assert.deepEqual([['x/a', '10.0.2.10'], ['x/a', '10.0.1.10'], ['y/a', '10.0.2.10'], ['x/a', '192.0.2.7'], ['x/a', '198.51.100.7']].map(([from, to]) => check(model, { from, to, port: 10250 }).allowed), [false, true, true, false, true]);
});

test('explain: ClusterNetworkPolicies in evaluation order with their tier, priority and written actions', () => {
  const model = loadModel([...e2eObjects(),
    np('x', 'deny', { podSelector: {} }),
    cnp('baseline', 'Baseline', 3, { subject: X, ingress: [{ name: 'deny-all', action: 'Deny', from: [{ namespaces: {} }] }] }),
    cnp('admin', 'Admin', 7, { subject: { pods: { namespaceSelector: nsName('x'), podSelector: { matchLabels: { pod: 'a' } } } }, egress: [{ action: 'Accept', to: [{ pods: { namespaceSelector: nsName('y'), podSelector: {} } }], protocols: [{ tcp: { destinationPort: { number: 443 } } }, { destinationNamedPort: 'serve-80-udp' }] }] })]);
  assert.deepEqual(model.diagnostics, []);
  assert.equal(explainPolicies(model).map(formatExplanation).join('\n'), [
    'ClusterNetworkPolicy admin (Admin tier, priority 7)  (<text>:29)',
    '  Subject: pods with pod=a in namespaces with kubernetes.io/metadata.name=x (1 pod): x/a',
    '  Egress (in order; the first matching rule decides):',
    '    - Accept to pods (3 pods), on 443/TCP, serve-80-udp (named)',
    'NetworkPolicy x/deny  (<text>:25)',
    '  Selects: every pod in namespace x (3 pods): x/a, x/b, x/c',
    '  Isolates: ingress',
    '  Ingress:',
    '    - deny all ingress (no rules: nothing is allowed)',
    'ClusterNetworkPolicy baseline (Baseline tier, priority 3)  (<text>:27)',
    '  Subject: every pod in namespaces with kubernetes.io/metadata.name=x (3 pods): x/a, x/b, x/c',
    '  Ingress (in order; the first matching rule decides):',
    '    - deny-all: Deny from namespaces (11 pods), on every port',
  ].join('\n'));
});

test('lint: equal priorities within a tier, a CNI without ClusterNetworkPolicy, v1alpha1 and v1alpha2 together', () => {
  const model = loadModel([...e2eObjects(),
    cnp('one', 'Baseline', 4, { subject: X, ingress: [{ action: 'Deny', from: [{ namespaces: nsName('y') }] }] }),
    cnp('two', 'Baseline', 4, { subject: X, ingress: [{ action: 'Deny', from: [{ namespaces: nsName('z') }] }] }),
    cnp('admin-4', 'Admin', 4, { subject: X, ingress: [{ action: 'Pass', from: [{ namespaces: nsName('z') }] }] }),
    anp('old', { priority: 9, subject: X, ingress: [{ action: 'Deny', from: [{ namespaces: nsName('z') }] }] })]);
  assert.deepEqual(lintPolicies(model).map((f) => [f.code, f.severity, `${f.object.kind}/${f.object.name}`, f.message]), [
    ['PN2011', 'warning', 'ClusterNetworkPolicy/two', 'ClusterNetworkPolicies one and two have the same priority (4) in the Baseline tier and select the same pods: which one wins is up to the implementation'],
    ['PN2012', 'warning', 'ClusterNetworkPolicy/admin-4', "the cluster's CNI (calico) does not implement ClusterNetworkPolicy (policy.networking.k8s.io/v1alpha2) yet: 3 such policies have no effect there (podnet shows what an implementation of the API would do)"],
    ['PN2016', 'info', 'ClusterNetworkPolicy/admin-4', 'ClusterNetworkPolicy (v1alpha2) and AdminNetworkPolicy/BaselineAdminNetworkPolicy (v1alpha1) are used together: no implementation is known to serve both; podnet merges them into one Admin and one Baseline tier by priority (the BANP last)'],
  ]);
});
