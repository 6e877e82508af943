// `podnet diff` through main(): every output format exactly, --fail-on exit codes, usage errors, and git:REF sides
// read from a repository made for the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { baseObjects, edited, netpol, without } from '../diff/testing.js';
import { toText } from '../policy/testing.js';
import { runCli } from './testing.js';

const dir = mkdtempSync(join(tmpdir(), 'podnet-diff-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const BEFORE = join(dir, 'before.yaml'), AFTER = join(dir, 'after.yaml'), CLOSE = join(dir, 'close.yaml');
const openWeb = netpol('allow-web-8080', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ ports: [{ port: 8080 }] }] });
writeFileSync(BEFORE, toText(baseObjects()));
writeFileSync(AFTER, toText(edited((o) => [...without(o, 'allow-web-to-db'), openWeb])));
writeFileSync(CLOSE, toText(edited((o) => without(o, 'allow-web-to-db'))));

const SUMMARY = 'podnet diff: connectivity 5 newly allowed, 1 newly denied, 0 with changed ports; 3 new exposures, 0 Service changes, 0 DNS changes, 1 route change, 0 mesh changes, 0 new findings, 0 findings gone';
const opened = (from: string) => `${from} → app/deployment/web: 8080/TCP (on 8080/TCP: app/deny-all → app/allow-web-8080)`;
const FROM = ['app/deployment/db', 'app/deployment/web', 'ingress-nginx/deployment/ingress-nginx-controller', 'internet', 'kube-system/deployment/coredns'];
const DENIED = 'app/deployment/web → app/deployment/db: 5432/TCP (on 5432/TCP: app/allow-web-to-db → app/deny-all)';
const EXPOSED = [
  'all namespaces → app/deployment/web: via: NetworkPolicy; workloads: app/deployment/web; ports: 8080/TCP',
  'ingress:nginx http://shop.example.com/api: via: Ingress; workloads: app/deployment/web; status: 200',
  'internet → app/deployment/web: via: NetworkPolicy; workloads: app/deployment/web; ports: 8080/TCP',
];

test('diff -o table: the summary line, then each kind of change', async () => {
  const r = await runCli('diff', '--base', BEFORE, '-f', AFTER);
  assert.deepEqual([r.code, r.err], [0, '']);
  assert.equal(r.out, [
    SUMMARY, '',
    'Connectivity newly allowed (5):', ...FROM.map((f) => `  + ${opened(f)}`), '',
    'Connectivity newly denied (1):', `  - ${DENIED}`, '',
    'Exposure (3):', ...EXPOSED.map((e) => `  + ${e}`), '',
    'Routes (1):', '  ~ ingress:nginx http://shop.example.com/api: status: 504 → 200', '',
  ].join('\n'));
});

test('diff -o json: exactly the contract keys, the sections as the engine computed them', async () => {
  const r = await runCli('diff', '--base', BEFORE, '-f', AFTER, '-o', 'json');
  assert.equal(r.code, 0, r.err);
  const d = JSON.parse(r.out);
  assert.deepEqual(Object.keys(d), ['summary', 'connectivity', 'exposure', 'services', 'dns', 'routes', 'mesh', 'findings']);
  assert.deepEqual(Object.keys(d.connectivity), ['added', 'removed', 'changed']);
  assert.deepEqual(d.summary, { newlyAllowed: 5, newlyDenied: 1, portsChanged: 0, newExposure: 3, services: 0, dns: 0, routes: 1, mesh: 0, findingsAdded: 0, findingsRemoved: 0, total: 10 });
  assert.deepEqual(d.connectivity.removed, [{ from: 'app/deployment/web', to: 'app/deployment/db', before: { TCP: '5432' }, after: {}, opened: {}, closed: { TCP: '5432' }, port: 5432, protocol: 'TCP', policies: { before: ['app/allow-web-to-db'], after: ['app/deny-all'] }, source: { file: AFTER, line: 13 } }]);
});

test('diff -o md: a pull-request comment, summary first, collapsible sections cut at --max-rows', async () => {
  const r = await runCli('diff', '--base', BEFORE, '-f', AFTER, '-o', 'md', '--max-rows', '2');
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, [
    `**${SUMMARY.replace(/>/g, '&gt;')}**`, '',
    '<details>', '<summary>Connectivity: 5 newly allowed, 1 newly denied, 0 with changed ports</summary>', '',
    '|  | from | to | ports | decided before | decided after |', '|---|---|---|---|---|---|',
    '| + | app/deployment/db | app/deployment/web | 8080/TCP | app/deny-all | app/allow-web-8080 |',
    '| + | app/deployment/web | app/deployment/web | 8080/TCP | app/deny-all | app/allow-web-8080 |',
    '', '… and 4 more', '', '</details>', '',
    '<details>', '<summary>Exposure: 3 added, 0 removed, 0 changed</summary>', '',
    '|  | name | what |', '|---|---|---|',
    `| + | all namespaces → app/deployment/web | via: NetworkPolicy; workloads: app/deployment/web; ports: 8080/TCP |`,
    `| + | ingress:nginx http://shop.example.com/api | via: Ingress; workloads: app/deployment/web; status: 200 |`,
    '', '… and 1 more', '', '</details>', '',
    '<details>', '<summary>Routes: 0 added, 0 removed, 1 changed</summary>', '',
    '|  | name | what |', '|---|---|---|',
    '| ~ | ingress:nginx http://shop.example.com/api | status: 504 → 200 |',
    '', '</details>', '',
  ].join('\n'));
});

test('diff -o github: workflow annotations with the runner\'s escaping; new exposure is a warning', async () => {
  const r = await runCli('diff', '--base', BEFORE, '-f', AFTER, '-o', 'github');
  assert.equal(r.code, 0, r.err);
  const file = AFTER.replace(/:/g, '%3A').replace(/,/g, '%2C');
  assert.equal(r.out, [
    `::notice title=podnet diff::${SUMMARY}`,
    ...FROM.map((f) => `::notice file=${file},line=15,title=podnet diff%3A newly allowed::${opened(f)}`),
    `::notice file=${file},line=13,title=podnet diff%3A newly denied::${DENIED}`,
    ...EXPOSED.map((e) => `::warning title=podnet diff%3A new exposure::new exposure: ${e}`),
    '::notice title=podnet diff%3A Routes::~ ingress:nginx http://shop.example.com/api: status: 504 → 200',
    '',
  ].join('\n'));
});

test('--fail-on: 1 when the gate trips (with a message), 0 when the change holds nothing of that kind', async () => {
  const gate = async (file: string, g: string) => { const r = await runCli('diff', '--base', BEFORE, '-f', file, '-o', 'json', '--fail-on', g); return [r.code, r.err]; };
  assert.deepEqual(await gate(AFTER, 'new-exposure'), [1, 'error: --fail-on new-exposure: the change exposes something new\n']);
  assert.deepEqual(await gate(AFTER, 'new-allowed'), [1, 'error: --fail-on new-allowed: the change allows new connections\n']);
  assert.deepEqual(await gate(CLOSE, 'new-allowed'), [0, '']);
  assert.deepEqual(await gate(CLOSE, 'new-exposure'), [0, '']);
  assert.deepEqual(await gate(CLOSE, 'any'), [1, 'error: --fail-on any: the change changes something\n']);
  assert.deepEqual(await gate(BEFORE, 'any'), [0, '']);
  assert.deepEqual((await runCli('diff', '--base', BEFORE, '-f', AFTER)).code, 0); // without --fail-on: never 1
});

test('usage and input errors exit 2 with a clear message', async () => {
  const cases: [string[], string][] = [
    [['-f', AFTER], 'error: must specify --base (the manifests before the change: a path, or git:REF) or --base-context (a live cluster)\n'],
    [['--base', BEFORE, '--base-context', 'prod', '-f', AFTER], 'error: --base and --base-context are alternatives: the manifests before the change, or a live cluster\n'],
    [['--base', BEFORE, '-f', AFTER, '--context', 'prod'], 'error: -f and --context are alternatives: the manifests after the change, or a live cluster\n'],
    [['--base', BEFORE, '-f', AFTER, '--kubeconfig', BEFORE], 'error: --kubeconfig is for --base-context and --context: name the context of a side\n'],
    [['--base', 'git:HEAD', '--context', 'prod'], 'error: --base git:HEAD reads the -f paths at that revision: give -f\n'],
    [['--base', BEFORE, '-f', AFTER, '-o', 'xml'], 'error: unknown output format "xml": use table, json, md, github\n'],
    [['--base', BEFORE, '-f', AFTER, '--fail-on', 'new'], 'error: --fail-on must be new-exposure, new-allowed, any, not "new"\n'],
    [['--base', BEFORE, '-f', AFTER, '--max-rows', '0'], 'error: --max-rows must be a positive number, not "0"\n'],
    [['--base', join(dir, 'nope.yaml'), '-f', AFTER], `error: the path "${join(dir, 'nope.yaml')}" does not exist\n`],
    [['--base', BEFORE], 'error: must specify -f (a manifest file, a folder, or - for stdin)\n'],
  ];
  for (const [args, err] of cases) {
    const r = await runCli('diff', ...args);
    assert.deepEqual([r.code, r.err, r.out], [2, err, ''], args.join(' '));
  }
  const help = await runCli('diff', '--help');
  assert.equal(help.code, 0);
  assert.match(help.out, /\nExit status \(as diff\(1\)\): 0 when no change matches --fail-on \(always 0 without it\), 1 when the --fail-on gate trips,\n2 on a usage or input error/);
  const unknown = await runCli('diff', '--base', BEFORE, '-f', AFTER, '--bogus');
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /^error: unknown option '--bogus'/);
});

test('--base git:REF reads the -f paths (a folder) at that revision; bad revisions and paths are refused', async () => {
  const repo = join(dir, 'repo');
  mkdirSync(join(repo, 'k8s', 'policies'), { recursive: true });
  const g = (...args: string[]) => execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', '-c', 'init.defaultBranch=main', '-C', repo, ...args], { encoding: 'utf8' });
  g('init', '-q');
  const objs = baseObjects();
  const apps = objs.filter((o) => o.kind !== 'NetworkPolicy'), pols = objs.filter((o) => o.kind === 'NetworkPolicy');
  writeFileSync(join(repo, 'k8s', 'app.yaml'), toText(apps));
  writeFileSync(join(repo, 'k8s', 'policies', 'policies.yaml'), toText(pols));
  writeFileSync(join(repo, 'k8s', 'notes.txt'), 'not a manifest');
  g('add', '.');
  g('commit', '-qm', 'base');
  // The work tree: one policy more, not committed.
  writeFileSync(join(repo, 'k8s', 'policies', 'open.yaml'), toText([openWeb]));
  const r = await runCli('diff', '--base', 'git:main', '-f', join(repo, 'k8s'), '-o', 'json');
  assert.equal(r.code, 0, r.err);
  const d = JSON.parse(r.out);
  assert.deepEqual([d.summary.newlyAllowed, d.summary.newlyDenied, d.summary.newExposure], [5, 0, 3]);
  assert.deepEqual(d.connectivity.added[0].policies, { before: ['app/deny-all'], after: ['app/allow-web-8080'] });
  const same = await runCli('diff', '--base', 'git:HEAD', '-f', join(repo, 'k8s', 'app.yaml'), '-o', 'json');
  assert.equal(JSON.parse(same.out).summary.total, 0, same.err);
  const bad = await runCli('diff', '--base', 'git:no-such-branch', '-f', join(repo, 'k8s'));
  assert.deepEqual([bad.code, bad.err], [2, `error: --base git:no-such-branch: unknown revision "no-such-branch" in ${repo}\n`]);
  const missing = await runCli('diff', '--base', 'git:main', '-f', join(repo, 'k8s', 'policies', 'open.yaml'));
  assert.deepEqual([missing.code, missing.err], [2, `error: the path "${join(repo, 'k8s', 'policies', 'open.yaml')}" does not exist at main\n`]);
  const outside = await runCli('diff', '--base', 'git:main', '-f', join(repo, 'k8s'), '-f', BEFORE);
  assert.deepEqual([outside.code, outside.err], [2, `error: the path "${BEFORE}" is outside the repository ${repo}\n`]);
});
