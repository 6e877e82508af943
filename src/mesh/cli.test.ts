import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { main } from '../cli/main.js';

const DIR = fileURLToPath(new URL('../../../src/mesh/testdata/analyze', import.meta.url));

function sink() {
  let text = '';
  const w = new Writable({ write(chunk, _e, cb) { text += chunk.toString(); cb(); } });
  return { w, get text() { return text; } };
}

test('podnet check gains the mesh: STRICT rejects a plaintext client that NetworkPolicy allows', async () => {
  const out = sink();
  const code = await main(['check', '-f', DIR, '--from', 'legacy/client', '--to', 'shop/svc/backend', '--port', '80', '--method', 'GET', '--path', '/api', '--expect', 'deny'], out.w, sink().w);
  assert.equal(code, 0);
  assert.match(out.text, /^DENIED by the service mesh \(PeerAuthentication\): legacy\/client cannot connect to shop\/svc\/backend \(8080\/TCP\); NetworkPolicy allows all 2 connections\.\n/);
  assert.match(out.text, /  mesh:    denied \(PeerAuthentication\): the client has no mesh proxy: plaintext; shop\/backend-v\d port 8080 requires mTLS \(STRICT, shop\/default\): connection reset; mTLS no\n$/);
});

test('podnet check --output json adds the mesh object', async () => {
  const out = sink();
  assert.equal(await main(['check', '-f', DIR, '--from', 'shop/frontend', '--to', 'shop/svc/backend', '--port', '80', '--method', 'GET', '-o', 'json'], out.w, sink().w), 0);
  const j = JSON.parse(out.text);
  assert.equal(j.allowed, true);
  assert.deepEqual({ mtls: j.mesh.mtls, sourcePrincipal: j.mesh.sourcePrincipal, authz: j.mesh.authz }, { mtls: true, sourcePrincipal: 'spiffe://cluster.local/ns/shop/sa/frontend', authz: { allowed: true } });
  const pod = sink();
  await main(['check', '-f', DIR, '--from', 'shop/frontend', '--to', 'shop/backend-v1', '--port', '8080', '--method', 'GET', '-o', 'json'], pod.w, sink().w);
  const p = JSON.parse(pod.text);
  assert.deepEqual({ allowed: p.allowed, mtls: p.mesh.mtls, principal: p.mesh.sourcePrincipal }, { allowed: false, mtls: false, principal: undefined });
});
