import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { main } from './main.js';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let o = '';
  let e = '';
  out.on('data', (c) => (o += c));
  err.on('data', (c) => (e += c));
  const code = await main(argv, out, err);
  return { code, out: o, err: e };
}

const dir = mkdtempSync(join(tmpdir(), 'podnet-route-'));
const file = join(dir, 'gw.yaml');
writeFileSync(file, `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: eg}
spec: {controllerName: gateway.envoyproxy.io/gatewayclass-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: web, namespace: default}
spec:
  gatewayClassName: eg
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: default}
spec:
  parentRefs: [{name: web}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /old}}]
    filters: [{type: RequestRedirect, requestRedirect: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /new}, statusCode: 301}}]
  - matches: [{headers: [{name: x-env, value: canary}]}]
    backendRefs: [{name: ghost, port: 80}]
`);

test('route -o json on the shop example: the JSON contract', async () => {
  const r = await run(['route', '-f', join(root, 'examples/shop'), '--url', 'https://my-app.example.com/api/items?id=7', '-o', 'json']);
  assert.equal(r.code, 0);
  const j = JSON.parse(r.out);
  assert.deepEqual(Object.keys(j).slice(0, 7), ['status', 'via', 'backend', 'requestHeaders', 'path', 'tls', 'reason']);
  assert.equal(j.status, 200);
  assert.deepEqual(j.via, { kind: 'Ingress', namespace: 'production', name: 'my-app', rule: 0, match: 'Prefix /api' });
  assert.deepEqual([j.backend.namespace, j.backend.service, j.backend.port, j.backend.weight], ['production', 'backend', 8080, 1]);
  assert.equal(j.path, '/api/items?id=7');
  assert.deepEqual(j.tls, { secret: 'production/my-app-tls', sni: 'my-app.example.com' });
  assert.equal(j.requestHeaders.host, 'my-app.example.com');
});

test('route: plain HTTP to a TLS host is redirected with 308', async () => {
  const r = await run(['route', '-f', join(root, 'examples/shop'), '--url', 'http://my-app.example.com/web/', '-o', 'json']);
  const j = JSON.parse(r.out);
  assert.equal(j.status, 308);
  assert.equal(j.location, 'https://my-app.example.com/web');
});

test('route through a Gateway: redirect with the rewritten prefix, 500 for a missing backend, text output', async () => {
  const redirect = JSON.parse((await run(['route', '-f', file, '--url', 'http://a.example/old/page?x=1', '-o', 'json'])).out);
  assert.deepEqual([redirect.status, redirect.location, redirect.via.kind], [301, 'http://a.example/new/page?x=1', 'HTTPRoute']);
  const broken = await run(['route', '-f', file, '--url', 'http://a.example/', '-H', 'X-Env: canary']);
  assert.equal(broken.out.split('\n')[0], '500 Internal Server Error');
  assert.match(broken.out, /why {8}HTTPRoute default\/r rule 1 \(PathPrefix \/, header x-env=canary\) chose backend default\/ghost, which is invalid \(BackendNotFound: Service default\/ghost not found\): 500/);
  assert.match(broken.err, /gw.yaml:13: Warning: HTTPRoute default\/r: BackendNotFound: Service default\/ghost not found; requests for those backends get 500/);
});

test('route: the shop without its allow-from-ingress-nginx policy gets 504 through the edge', async () => {
  const shop = join(root, 'examples/shop');
  const denied = JSON.parse((await run(['route', '-f', join(shop, 'app'), '-f', join(shop, 'policies/deny-all.yaml'), '--url', 'https://my-app.example.com/api/x', '-o', 'json'])).out);
  assert.equal(denied.status, 504);
  assert.match(denied.dataPlane.pod, /^ingress-nginx\/ingress-nginx-controller-/);
  assert.equal(denied.dataPlane.deniedEndpoints.length, 3);
  const allowed = JSON.parse((await run(['route', '-f', shop, '--url', 'https://my-app.example.com/api/x', '-o', 'json'])).out);
  assert.equal(allowed.status, 200);
  assert.deepEqual(allowed.dataPlane.deniedEndpoints, []);
});

test('route: errors are clear and exit 1', async () => {
  const bad = await run(['route', '-f', file, '--url', 'ftp://x/']);
  assert.equal(bad.code, 1);
  assert.equal(bad.err.split('\n').at(-2), 'error: "ftp://x/": only http, https, tcp and udp URLs can be routed');
  const via = await run(['route', '-f', file, '--url', 'http://x/', '--via', 'gateway/default/nope']);
  assert.equal(via.code, 1);
  assert.match(via.err, /error: no entry point "gateway\/default\/nope"; the choices are: gateway\/default\/web/);
  const hdr = await run(['route', '-f', file, '--url', 'http://x/', '-H', 'novalue']);
  assert.equal(hdr.err, 'error: header "novalue" is not \'Name: value\'\n');
});

test('the built CLI answers end to end', () => {
  const out = execFileSync(join(root, 'bin/podnet'), ['route', '-f', join(root, 'examples/shop'), '--url', 'https://my-app.example.com/web', '-o', 'json'], { encoding: 'utf8' });
  assert.equal(JSON.parse(out).backend.service, 'frontend');
});
