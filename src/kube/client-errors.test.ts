// What a live cluster can refuse: kubeconfig choice by kubectl's rules (KUBECONFIG merge, first wins), a context that
// does not exist, a server that refuses connections or credentials, and an API server (a fake on 127.0.0.1:0) that
// forbids one kind and lacks others: each is named, the rest is read, pages are followed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { runCli } from '../cli/testing.js';
import { chooseContext, KubeconfigChoiceError } from './contexts.js';
import { allKinds } from '../api/kinds.js';

let dir: string;
let server: Server;
let port: number;
const requests: string[] = [];

const status = (code: number, reason: string, message: string) => JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
const list = (kind: string, apiVersion: string, items: unknown[], cont = '') => JSON.stringify({ kind, apiVersion, metadata: { resourceVersion: '7', ...(cont ? { continue: cont } : {}) }, items });
const pod = (name: string, ip: string) => ({ metadata: { name, namespace: 'web', labels: { app: 'web' }, resourceVersion: '5', managedFields: [{ manager: 'kubectl' }] }, spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'nginx' }] }, status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] } });

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'podnet-client-'));
  server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    requests.push(`${req.headers.authorization} ${url.pathname}${url.search}`);
    const send = (code: number, body: string) => { res.writeHead(code, { 'Content-Type': 'application/json' }); res.end(body); };
    if (req.headers.authorization !== 'Bearer dev-token') return send(401, status(401, 'Unauthorized', 'Unauthorized'));
    switch (url.pathname) {
      case '/api': return send(200, JSON.stringify({ kind: 'APIVersions', versions: ['v1'] }));
      case '/apis': return send(200, JSON.stringify({ kind: 'APIGroupList', groups: ['apps/v1', 'batch/v1', 'discovery.k8s.io/v1', 'networking.k8s.io/v1'].map((gv) => ({ name: gv.split('/')[0], versions: [{ groupVersion: gv, version: 'v1' }] })) }));
      case '/api/v1/namespaces': return send(200, list('NamespaceList', 'v1', [{ metadata: { name: 'web' } }]));
      case '/api/v1/pods':
        return url.searchParams.get('continue') === 'page-2'
          ? send(200, list('PodList', 'v1', [pod('web-2', '10.244.1.3')]))
          : send(200, list('PodList', 'v1', [pod('web-1', '10.244.1.2')], 'page-2'));
      case '/apis/networking.k8s.io/v1/networkpolicies':
        return send(403, status(403, 'Forbidden', 'networkpolicies.networking.k8s.io is forbidden: User "dev" cannot list resource "networkpolicies" in API group "networking.k8s.io" at the cluster scope'));
      case '/apis/networking.k8s.io/v1/ingresses': return send(404, status(404, 'NotFound', 'the server could not find the requested resource'));
      case '/apis/networking.k8s.io/v1/ingressclasses': res.writeHead(404, { 'Content-Type': 'text/plain' }); return res.end('404 page not found\n');
      default: return send(200, list('List', 'v1', []));
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  writeFileSync(join(dir, 'dev.yaml'), kubeconfig({ server: `http://127.0.0.1:${port}`, current: 'dev', contexts: { dev: 'dev-token', stranger: 'wrong' } }));
});
after(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

function kubeconfig(o: { server: string; current?: string; contexts: Record<string, string>; cluster?: string }): string {
  const cluster = o.cluster ?? 'fake';
  return [
    'apiVersion: v1', 'kind: Config',
    `clusters:\n- name: ${cluster}\n  cluster: {server: "${o.server}", insecure-skip-tls-verify: true}`,
    'users:', ...Object.entries(o.contexts).map(([n, token]) => `- name: ${n}\n  user: {token: ${token}}`),
    'contexts:', ...Object.keys(o.contexts).map((n) => `- name: ${n}\n  context: {cluster: ${cluster}, user: ${n}}`),
    ...(o.current ? [`current-context: ${o.current}`] : []), '',
  ].join('\n');
}

/** The modelled kinds of the groups the fake does not serve, grouped as the warning groups them, in src/api/kinds.ts order. */
const unservedGroups = new Map<string, string[]>();
for (const k of allKinds()) {
  const group = k.apiVersions[0].split('/')[0];
  if (!k.modelled || k.kind === 'ClusterConfig' || !k.apiVersions[0].includes('/') || ['apps', 'batch', 'discovery.k8s.io', 'networking.k8s.io'].includes(group)) continue;
  unservedGroups.set(group, [...(unservedGroups.get(group) ?? []), k.kind.split('.')[0]]);
}
const NOT_SERVED = `context "dev" does not serve ${[...unservedGroups].map(([g, kinds]) => `${g} (${kinds.join(', ')})`).join('; ')}: the model has none of these kinds`;

const READ = (objects: number, kinds: number, context = 'dev') => `Read ${objects} objects of ${kinds} kinds from context "${context}" (http://127.0.0.1:${port}) in 0.0 s\n`;
const timeless = (s: string) => s.replace(/ in \d+\.\d s\n/, ' in 0.0 s\n');

test('a forbidden kind and missing kinds are warnings naming each; what could be read is the model, pages followed', async () => {
  requests.length = 0;
  const r = await runCli('get', 'pods', '-n', 'web', '-o', 'name', '--kubeconfig', join(dir, 'dev.yaml'));
  assert.equal(r.out, 'pod/web-1\npod/web-2\n');
  assert.equal(r.code, 0);
  assert.equal(timeless(r.err), READ(3, 13) +
    'Warning: cannot list networkpolicies.networking.k8s.io (NetworkPolicy, networking.k8s.io/v1) in context "dev": Error from server (Forbidden): networkpolicies.networking.k8s.io is forbidden: User "dev" cannot list resource "networkpolicies" in API group "networking.k8s.io" at the cluster scope; the model has no NetworkPolicy and answers as if there were none\n' +
    'Warning: cannot list ingresses.networking.k8s.io (Ingress, networking.k8s.io/v1) in context "dev": Error from server (NotFound): the server could not find the requested resource; the model has no Ingress and answers as if there were none\n' +
    'Warning: cannot list ingressclasses.networking.k8s.io (IngressClass, networking.k8s.io/v1) in context "dev": Error from server (NotFound): the server could not find the requested resource (get ingressclasses.networking.k8s.io); the model has no IngressClass and answers as if there were none\n' +
    `Warning: ${NOT_SERVED}\n`);
  assert.match(r.err, /\nWarning: context "dev" does not serve policy\.networking\.k8s\.io \(AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy\); gateway\.networking\.k8s\.io \(GatewayClass, Gateway, /);
  assert.deepEqual(requests.filter((q) => q.includes('/pods')), ['Bearer dev-token /api/v1/pods?limit=500', 'Bearer dev-token /api/v1/pods?limit=500&continue=page-2']);
  assert.equal(requests.length, 2 + 16 + 1);
  // The check says it saw no policy, and stderr says why: the model never hides what it could not see.
  const c = await runCli('check', '--from', 'web/web-1', '--to', 'web/web-2', '--port', '80', '--kubeconfig', join(dir, 'dev.yaml'));
  assert.match(c.out, /^ALLOWED: web\/web-1 can connect to web\/web-2 on 80\/TCP\./);
  assert.match(c.err, /Warning: cannot list networkpolicies\.networking\.k8s\.io .*Forbidden/);
  const v = JSON.parse((await runCli('validate', '-o', 'json', '--kubeconfig', join(dir, 'dev.yaml'))).out) as { diagnostics: { code: string; message: string }[] };
  assert.deepEqual(v.diagnostics.filter((d) => d.code === 'PN1022').map((d) => d.message.split(':')[0]), [
    'cannot list networkpolicies.networking.k8s.io (NetworkPolicy, networking.k8s.io/v1) in context "dev"',
    'cannot list ingresses.networking.k8s.io (Ingress, networking.k8s.io/v1) in context "dev"',
    'cannot list ingressclasses.networking.k8s.io (IngressClass, networking.k8s.io/v1) in context "dev"',
    NOT_SERVED.replace(/: the model has none of these kinds$/, ''),
  ]);
});

test('kubectl\'s errors: a context that does not exist, refused credentials, a refused connection, -f with --context, no file', async () => {
  const cfg = join(dir, 'dev.yaml');
  assert.deepEqual(await runCli('matrix', '--kubeconfig', cfg, '--context', 'nope'), { code: 1, out: '', err: `error: context "nope" does not exist (${cfg} has "dev", "stranger")\n` });
  assert.deepEqual(await runCli('matrix', '--kubeconfig', cfg, '--context', 'stranger'), { code: 1, out: '', err: 'error: You must be logged in to the server (Unauthorized)\n' });
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const dead = (closed.address() as AddressInfo).port;
  await new Promise((r) => closed.close(r));
  writeFileSync(join(dir, 'dead.yaml'), kubeconfig({ server: `https://127.0.0.1:${dead}`, current: 'dev', contexts: { dev: 'x' } }));
  assert.deepEqual(await runCli('lint', '--kubeconfig', join(dir, 'dead.yaml')), { code: 1, out: '', err: `error: The connection to the server 127.0.0.1:${dead} was refused - did you specify the right host or port?\n` });
  assert.deepEqual(await runCli('lint', '--kubeconfig', cfg, '-f', 'examples/shop'), { code: 1, out: '', err: 'error: -f and --kubeconfig/--context are alternatives: read manifests, or read a live cluster\n' });
  assert.deepEqual(await runCli('lint', '--kubeconfig', join(dir, 'none.yaml')), { code: 1, out: '', err: `error: stat ${join(dir, 'none.yaml')}: no such file or directory\n` });
  writeFileSync(join(dir, 'broken.yaml'), 'clusters: [\n');
  const broken = await runCli('lint', '--kubeconfig', join(dir, 'broken.yaml'));
  assert.equal(broken.code, 1);
  assert.match(broken.err, new RegExp(`^error: error loading config file "${join(dir, 'broken.yaml')}": .+\n$`));
});

test('KUBECONFIG: files merged in order, the first to name a context or set current-context wins, missing files skipped', () => {
  const a = join(dir, 'a.yaml');
  const b = join(dir, 'b.yaml');
  writeFileSync(a, kubeconfig({ server: 'https://a.example:6443', current: 'shared', contexts: { shared: 't1' }, cluster: 'ca' }));
  writeFileSync(b, kubeconfig({ server: 'https://b.example:6443', current: 'only-b', contexts: { shared: 't2', 'only-b': 't3' }, cluster: 'cb' }));
  const env = { KUBECONFIG: [join(dir, 'missing.yaml'), a, b].join(':'), HOME: dir };
  const first = chooseContext({}, env);
  assert.deepEqual([first.context, first.cluster.server, first.kc.getCurrentUser()?.token, first.files], ['shared', 'https://a.example:6443', 't1', [a, b]]);
  const other = chooseContext({ context: 'only-b' }, env);
  assert.deepEqual([other.context, other.cluster.server, other.kc.getCurrentUser()?.token], ['only-b', 'https://b.example:6443', 't3']);
  assert.throws(() => chooseContext({ context: 'x' }, env), new KubeconfigChoiceError(`context "x" does not exist (${a}:${b} has "shared", "only-b")`));
  assert.throws(() => chooseContext({}, { HOME: dir }), /invalid configuration: no configuration has been provided/);
  assert.equal(chooseContext({ kubeconfig: b }, env).context, 'only-b');
});
