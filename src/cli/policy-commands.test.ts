// End-to-end tests of `check`, `matrix`, `explain` and `lint` through main() (and a few through ./bin/podnet):
// the JSON contracts, the text for people, exit codes for CI, and errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { e2eObjects, np, toText } from '../policy/testing.js';
import { hostNetworkNote } from '../policy/index.js';
import { runCli } from './testing.js';

const SHOP = fileURLToPath(new URL('../../../examples/shop', import.meta.url));
const BIN = fileURLToPath(new URL('../../../bin/podnet', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'podnet-policy-'));
const XYZ = join(dir, 'xyz.yaml');
writeFileSync(XYZ, toText([...e2eObjects(),
  np('x', 'deny-ingress', { podSelector: {} }),
  np('x', 'allow-b-to-a', { podSelector: { matchLabels: { pod: 'a' } }, ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }], ports: [{ port: 80 }] }] }),
]));
const FLANNEL = join(dir, 'flannel.yaml');
writeFileSync(FLANNEL, toText([{ apiVersion: 'podnet.dev/v1alpha1', kind: 'ClusterConfig', metadata: { name: 'c' }, spec: { cni: 'flannel' } }, ...e2eObjects(), np('x', 'deny-ingress', { podSelector: {} })]));

const run = runCli;

test('cli check -o json: the contract', async () => {
  const r = await run('check', '-f', XYZ, '--from', 'y/a', '--to', 'x/a', '--port', '80', '-o', 'json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.deepEqual({ allowed: j.allowed, egress: j.egress, ingress: j.ingress, warnings: j.warnings }, {
    allowed: false,
    egress: { allowed: true, isolated: false, policies: [] },
    ingress: { allowed: false, isolated: true, policies: ['x/allow-b-to-a', 'x/deny-ingress'] },
    warnings: [],
  });
  assert.equal(j.targets.length, 1);
  assert.equal(j.targets[0].ingress.reason, 'ingress to x/a is denied: x/a is isolated for ingress by x/allow-b-to-a, x/deny-ingress, and none of their rules allows y/a on 80/TCP');
});

test('cli check: text for people, one pair', async () => {
  const r = await run('check', '-f', XYZ, '--from', 'x/b', '--to', 'x/a', '--port', '80');
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, [
    'ALLOWED: x/b can connect to x/a on 80/TCP.',
    '  egress:  egress from x/b is allowed: no NetworkPolicy selects x/b for egress',
    '  ingress: ingress to x/a is allowed by NetworkPolicy x/allow-b-to-a',
    '',
  ].join('\n'));
});

test('cli check --expect: exit 1 on mismatch, 0 on match (CI gating)', async () => {
  const bad = await run('check', '-f', XYZ, '--from', 'x/b', '--to', 'x/a', '--port', '81', '--expect', 'allow');
  assert.equal(bad.code, 1);
  assert.equal(bad.err, 'error: expected allow, but the connection is denied\n');
  const good = await run('check', '-f', XYZ, '--from', 'x/b', '--to', 'x/a', '--port', '81', '--expect', 'deny');
  assert.equal(good.code, 0, good.err);
});

test('cli check: several pods are allowed only if every one is; -o json lists each pair', async () => {
  const r = await run('check', '-f', SHOP, '--from', 'production/deploy/frontend', '--to', 'production/svc/backend', '--port', '8080', '-o', 'json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.allowed, true);
  assert.equal(j.targets.length, 6);
  assert.deepEqual(j.egress, { allowed: true, isolated: true, policies: ['production/allow-frontend-egress-to-backend'] });
  const text = await run('check', '-f', SHOP, '--from', 'production/deploy/backend', '--to', 'production/deploy/frontend', '--port', 'http');
  assert.equal(text.out.split('\n')[0], 'DENIED by NetworkPolicy: 6 of 6 connections from production/deploy/backend to production/deploy/frontend (80/TCP) are denied.');
});

test('cli check: flannel allows, and says what an enforcing CNI would do', async () => {
  const r = await run('check', '-f', FLANNEL, '--from', 'y/a', '--to', 'x/a', '--port', '80');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^ALLOWED: y\/a can connect to x\/a on 80\/TCP\./);
  assert.match(r.out, /warning: the CNI \(flannel\) does not enforce NetworkPolicy: the connection is allowed; with an enforcing CNI it would be denied/);
});

const CHECK_ERRORS: [string[], string][] = [
  [['--from', 'x/a', '--to', 'x/nope', '--port', '80'], 'error: pods "nope" not found in namespace "x"\n'],
  [['--from', 'x/a', '--to', 'x/b', '--port', '80', '--protocol', 'icmp'], 'error: unknown protocol "icmp": use TCP, UDP or SCTP\n'],
  [['--from', 'x/a', '--to', 'x/b', '--port', '80', '-o', 'yaml'], 'error: unknown output format "yaml": use text or json\n'],
  [['--from', 'x/a', '--to', 'x/b', '--port', '80', '--expect', 'maybe'], 'error: --expect must be allow or deny, not "maybe"\n'],
];
for (const [args, message] of CHECK_ERRORS) {
  test(`cli check error: ${args.join(' ')}`, async () => {
    const r = await run('check', '-f', XYZ, ...args);
    assert.equal(r.code, 1);
    assert.equal(r.err, message);
    assert.equal(r.out, '');
  });
}

test('cli matrix -o json: pods and the truth table', async () => {
  const r = await run('matrix', '-f', XYZ, '-n', 'x', '-n', 'y', '--port', '80', '-o', 'json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.deepEqual(j.pods, ['x/a', 'x/b', 'x/c', 'y/a', 'y/b', 'y/c']);
  assert.deepEqual(j.allowed, [
    [true, false, false, true, true, true],
    [true, true, false, true, true, true],
    [false, false, true, true, true, true],
    [false, false, false, true, true, true],
    [false, false, false, true, true, true],
    [false, false, false, true, true, true],
  ]);
  assert.deepEqual([j.port, j.protocol, j.enforced], [80, 'TCP', true]);
});

test('cli matrix: without --port, any port, plus one table per declared container port', async () => {
  const r = await run('matrix', '-f', XYZ, '-n', 'x', '-o', 'json');
  const j = JSON.parse(r.out);
  assert.deepEqual(j.allowed, [[true, false, false], [true, true, false], [false, false, true]]);
  assert.deepEqual(j.ports.map((p: { port: number; protocol: string }) => `${p.port}/${p.protocol}`), ['80/SCTP', '80/TCP', '80/UDP', '81/SCTP', '81/TCP', '81/UDP']);
  assert.deepEqual(j.ports.find((p: { port: number; protocol: string }) => p.port === 81 && p.protocol === 'TCP').allowed, [[true, false, false], [false, true, false], [false, false, true]]);
});

test('cli matrix: table and csv', async () => {
  const t = await run('matrix', '-f', XYZ, '-n', 'x', '--port', '80');
  assert.equal(t.out, [
    'Connectivity on 80/TCP: row = from, column = to; ✓ allowed, . denied (3 pods in 3 equivalence classes)',
    '       1 2 3',
    '1  x/a ✓ . .',
    '2  x/b ✓ ✓ .',
    '3  x/c . . ✓',
    '1 of 6 connections between different pods are allowed.',
    '',
  ].join('\n'));
  const c = await run('matrix', '-f', XYZ, '-n', 'x', '--port', '80', '-o', 'csv');
  assert.equal(c.out, 'from\\to,x/a,x/b,x/c\nx/a,1,0,0\nx/b,1,1,0\nx/c,0,0,1\n');
});

test('cli matrix errors', async () => {
  assert.deepEqual(await run('matrix', '-f', XYZ, '-n', 'nope'), { code: 1, out: '', err: 'error: namespaces "nope" not found\n' });
  const r = await run('matrix', '-f', XYZ, '--port', 'http');
  assert.equal(r.code, 1);
  assert.match(r.err, /^error: --port must be a number/);
});

test('cli explain: one policy, all policies, not found', async () => {
  const one = await run('explain', 'policy', 'allow-b-to-a', '-n', 'x', '-f', XYZ);
  assert.equal(one.code, 0, one.err);
  assert.equal(one.out, [
    `NetworkPolicy x/allow-b-to-a  (${XYZ}:27)`,
    '  Selects: pods with pod=a in namespace x (1 pod): x/a',
    '  Isolates: ingress',
    '  Ingress:',
    '    - allow from pods with pod=b in namespace x (1 pod), on 80/TCP',
    '',
  ].join('\n'));
  const all = await run('explain', '-f', XYZ, '-o', 'json');
  assert.deepEqual(JSON.parse(all.out).map((e: { name: string }) => e.name), ['x/allow-b-to-a', 'x/deny-ingress']);
  const missing = await run('explain', 'policy', 'nope', '-f', XYZ);
  assert.deepEqual([missing.code, missing.err], [1, 'error: policy "nope" not found\n']);
});

test('cli lint: text and JSON, exit codes by --fail-on', async () => {
  const text = await run('lint', '-f', FLANNEL);
  assert.equal(text.code, 0, text.err);
  assert.equal(text.out, [
    `${FLANNEL}:27: warning PN2008: the cluster's CNI (flannel) does not enforce NetworkPolicy: none of the 1 NetworkPolicies has any effect`,
    '  fix: use a CNI that enforces NetworkPolicy (calico, cilium, weave), or run Calico for policy next to flannel (canal)',
    '0 error(s), 1 warning(s), 0 info',
    '',
  ].join('\n'));
  const json = await run('lint', '-f', FLANNEL, '-o', 'json', '--fail-on', 'warning');
  assert.equal(json.code, 1);
  assert.deepEqual(JSON.parse(json.out), {
    findings: [{ code: 'PN2008', severity: 'warning', object: 'NetworkPolicy x/deny-ingress', file: FLANNEL, line: 27, message: "the cluster's CNI (flannel) does not enforce NetworkPolicy: none of the 1 NetworkPolicies has any effect", hint: 'use a CNI that enforces NetworkPolicy (calico, cilium, weave), or run Calico for policy next to flannel (canal)' }],
    summary: { errors: 0, warnings: 1, info: 0 },
  });
  const shop = await run('lint', '-f', SHOP);
  assert.deepEqual([shop.code, shop.out], [0, 'No findings: every policy selects pods, its peers and named ports exist, and DNS stays reachable.\n']);
});

test('bin/podnet check end to end: exit codes for CI', () => {
  const deny = spawnSync(process.execPath, [BIN, 'check', '-f', SHOP, '--from', 'production/deploy/frontend', '--to', '8.8.8.8', '--port', '443', '--expect', 'deny'], { encoding: 'utf8' });
  assert.equal(deny.status, 0, deny.stderr);
  assert.match(deny.stdout, /^DENIED by NetworkPolicy: 2 of 2 connections from production\/deploy\/frontend to 8\.8\.8\.8 \(443\/TCP\) are denied\./);
  const dns = spawnSync(process.execPath, [BIN, 'check', '-f', SHOP, '--from', 'production/deploy/backend', '--to', 'kube-system/svc/kube-dns', '--port', 'dns', '--expect', 'deny', '-o', 'json'], { encoding: 'utf8' });
  assert.equal(dns.status, 1);
  assert.equal(JSON.parse(dns.stdout).allowed, true);
  assert.equal(dns.stderr, 'error: expected deny, but the connection is allowed\n');
});

test('cli --lenient: a trimmed dump (containers without names, a policy named with _) is checked as np-guard reads it', async () => {
  const trimmed = join(dir, 'trimmed.yaml');
  writeFileSync(trimmed, toText([
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'x', labels: { app: 'a' } }, spec: { containers: [{ ports: [] }] } },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'b', namespace: 'x', labels: { app: 'b' } }, spec: { containers: [{ ports: [] }] } },
    np('x', 'deny_all', { podSelector: {} }),
  ]));
  const strict = await run('check', '-f', trimmed, '--from', 'x/a', '--to', 'x/b', '--port', '80');
  assert.equal(strict.code, 1);
  assert.match(strict.err, /The Pod "a" is invalid: spec\.containers\[0\]\.name: Required value\n/);
  assert.match(strict.err, /pods "a" not found in namespace "x"/);
  for (const cmd of [['check', '--from', 'x/a', '--to', 'x/b', '--port', '80', '-o', 'json'], ['matrix', '-o', 'json'], ['explain', 'netpol', 'deny_all', '-n', 'x', '-o', 'json']]) {
    const r = await run(cmd[0], '-f', trimmed, '--lenient', ...cmd.slice(1));
    assert.equal(r.code, 0, `${cmd[0]}: ${r.err}`);
    if (cmd[0] === 'check') assert.deepEqual(JSON.parse(r.out).ingress, { allowed: false, isolated: true, policies: ['x/deny_all'] });
  }
  const v = await run('validate', '-f', trimmed, '--lenient');
  assert.equal(v.code, 0, v.out);
  assert.match(v.out, /Warning: The NetworkPolicy "deny_all" is invalid: metadata\.name: .* \(kept because of --lenient: the API server would refuse it\)\n/);
});

test('cli: ClusterNetworkPolicy through get (the CRD\'s columns), check -o json, explain cnp', async () => {
  const file = join(dir, 'cnp.yaml');
  writeFileSync(file, toText([...e2eObjects(),
    { apiVersion: 'policy.networking.k8s.io/v1alpha2', kind: 'ClusterNetworkPolicy', metadata: { name: 'deny-y' }, spec: { tier: 'Baseline', priority: 7, subject: { namespaces: { matchLabels: { 'kubernetes.io/metadata.name': 'x' } } }, ingress: [{ name: 'no-y', action: 'Deny', from: [{ namespaces: { matchLabels: { 'kubernetes.io/metadata.name': 'y' } } }] }] } },
  ]));
  const get = await run('get', 'cnp', '-f', file);
  assert.equal(get.code, 0, get.err);
  assert.equal(get.out, 'NAME     TIER       PRIORITY   AGE\ndeny-y   Baseline   7          <unknown>\n');
  const c = await run('check', '-f', file, '--from', 'y/a', '--to', 'x/a', '--port', '80', '-o', 'json', '--expect', 'deny');
  assert.equal(c.code, 0, c.err);
  const j = JSON.parse(c.out);
  assert.deepEqual(j.ingress, { allowed: false, isolated: false, policies: ['ClusterNetworkPolicy/deny-y'] });
  assert.deepEqual([j.targets[0].ingress.decidedBy, j.targets[0].ingress.tier], ['ClusterNetworkPolicy', 'Baseline']);
  const e = await run('explain', 'cnp', 'deny-y', '-f', file);
  assert.equal(e.code, 0, e.err);
  assert.match(e.out, /^ClusterNetworkPolicy deny-y \(Baseline tier, priority 7\) {2}\(.*cnp\.yaml:\d+\)\n {2}Subject: every pod in namespaces with kubernetes\.io\/metadata\.name=x \(3 pods\): x\/a, x\/b, x\/c\n/);
});

test('cli matrix and check: a host-network pod is marked in the table, listed in JSON, with the CNI\'s treatment', async () => {
  const file = join(dir, 'hostnet.yaml');
  writeFileSync(file, toText([...e2eObjects(), { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'agent', namespace: 'x' }, spec: { hostNetwork: true, nodeName: 'node-2', containers: [{ name: 'agent', image: 'agent' }] } }]));
  const note = hostNetworkNote('calico');
  const t = await run('matrix', '-f', file, '-n', 'x', '--port', '80');
  assert.equal(t.code, 0, t.err);
  assert.match(t.out, /\n2 {2}x\/agent \(host network\) /);
  assert.ok(t.out.endsWith(`note: 1 pod uses the host network (x/agent on node-2): ${note}\n`), t.out);
  const j = JSON.parse((await run('matrix', '-f', file, '-n', 'x', '--port', '80', '-o', 'json')).out);
  assert.deepEqual(j.hostNetwork, [{ pod: 'x/agent', node: 'node-2', ip: '10.0.2.10', cni: 'calico', note, index: 1 }]);
  const c = JSON.parse((await run('check', '-f', file, '--from', 'x/a', '--to', 'x/agent', '--port', '80', '-o', 'json')).out);
  assert.deepEqual(c.hostNetwork, [{ pod: 'x/agent', node: 'node-2', ip: '10.0.2.10', role: 'destination', cni: 'calico', note }]);
});
