// What `podnet verify --context` does when the cluster does not play along (a fake API server on 127.0.0.1:0): probe
// pods that never run (an image that cannot be pulled) end the command with each pod's state, and the namespace it
// made is deleted; a namespace RBAC forbids is reported in kubectl's words, and nothing is deleted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { runCli } from '../cli/testing.js';

let dir: string;
let server: Server;
const writes: string[] = [];
let forbidNamespaces = false;

const json = (o: unknown) => JSON.stringify(o);
const status = (code: number, reason: string, message: string) => json({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'podnet-probe-errors-'));
  const pods = new Map<string, any>();
  server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    const send = (code: number, body: string) => { res.writeHead(code, { 'Content-Type': 'application/json' }); res.end(body); };
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (req.method !== 'GET') writes.push(`${req.method} ${url.pathname}`);
      if (url.pathname === '/api') return send(200, json({ kind: 'APIVersions', versions: ['v1'] }));
      if (url.pathname === '/apis') return send(200, json({ kind: 'APIGroupList', groups: [] }));
      if (url.pathname === '/api/v1/nodes') return send(200, json({ kind: 'NodeList', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: [{ metadata: { name: 'worker-1' }, spec: {} }] }));
      if (req.method === 'POST' && url.pathname === '/api/v1/namespaces') {
        if (forbidNamespaces) return send(403, status(403, 'Forbidden', 'namespaces is forbidden: User "dev" cannot create resource "namespaces" in API group "" at the cluster scope'));
        return send(201, body);
      }
      const m = url.pathname.match(/^\/api\/v1\/namespaces\/([^/]+)\/pods$/);
      if (m && req.method === 'POST') { const p = JSON.parse(body); pods.set(p.metadata.name, p); return send(201, body); }
      if (m) return send(200, json({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items: [...pods.values()].map((p) => ({ ...p, status: { phase: 'Pending', containerStatuses: [{ name: 'agnhost', state: { waiting: { reason: 'ImagePullBackOff' } } }] } })) }));
      if (req.method === 'DELETE') return send(200, json({ kind: 'Status', status: 'Success' }));
      return send(200, json({ kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: [] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  writeFileSync(join(dir, 'kubeconfig'), `apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster: {server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true}\nusers:\n- name: dev\n  user: {token: t}\ncontexts:\n- name: fake\n  context: {cluster: fake, user: dev}\ncurrent-context: fake\n`);
});
after(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

test('probe pods that never run: the command ends naming their state, and the namespace it made is deleted', async () => {
  writes.length = 0;
  const r = await runCli('verify', '--kubeconfig', join(dir, 'kubeconfig'), '--pod-timeout', '1');
  assert.equal(r.code, 1);
  const ns = r.err.match(/in namespace (podnet-probe-[0-9a-f]{6}) of context "fake"/)![1];
  assert.ok(r.err.endsWith(`error: probe pods not Running with an IP after 1 s: probe-0: ImagePullBackOff, no IP yet\nverify: namespace ${ns} deleted\n`), r.err);
  assert.deepEqual(writes, ['POST /api/v1/namespaces', `POST /api/v1/namespaces/${ns}/pods`, `DELETE /api/v1/namespaces/${ns}`]);
});

test('a namespace the user may not create: kubectl\'s message, and nothing deleted', async () => {
  writes.length = 0;
  forbidNamespaces = true;
  const r = await runCli('verify', '--kubeconfig', join(dir, 'kubeconfig'));
  forbidNamespaces = false;
  assert.equal(r.code, 1);
  assert.match(r.err, /\nerror: Error from server \(Forbidden\): namespaces is forbidden: User "dev" cannot create resource "namespaces" in API group "" at the cluster scope \(create Namespace podnet-probe-[0-9a-f]{6}\)\n$/);
  assert.deepEqual(writes, ['POST /api/v1/namespaces']);
});
