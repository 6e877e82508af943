import { test } from 'node:test';
import assert from 'node:assert/strict';
import { app, ask, gatewayWith, httpRouteWith, load } from './test-fixtures.js';

const route = httpRouteWith;
const base = gatewayWith('  - {name: http, port: 80, protocol: HTTP}\n') + app('a') + app('b');

test('CORS filter: the Gateway answers an allowed preflight itself; actual requests get Allow-Origin; other origins get nothing', () => {
  const { model } = load(base + route(`  - matches: [{path: {type: PathPrefix, value: /api}}]
    filters:
    - type: CORS
      cors: {allowOrigins: ["https://app.example.com", "https://*.trusted.org"], allowMethods: [GET, POST], allowHeaders: [x-token], exposeHeaders: [x-trace], allowCredentials: true, maxAge: 600}
    backendRefs: [{name: a, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /open}}]
    filters:
    - type: CORS
      cors: {allowOrigins: ["*"], allowMethods: ["*"], allowHeaders: ["*"]}
    backendRefs: [{name: a, port: 80}]
`));
  const pre = ask(model, { url: 'http://gw.example/api/x', method: 'OPTIONS', headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'x-token' } });
  assert.equal(pre.status, 204);
  assert.equal(pre.backend, undefined, 'a preflight never reaches the backend');
  assert.deepEqual(pre.cors, { preflight: true, allowed: true, origin: 'https://app.example.com' });
  assert.deepEqual(pre.responseHeaders, {
    'access-control-allow-origin': 'https://app.example.com', 'access-control-allow-credentials': 'true', 'access-control-expose-headers': 'x-trace',
    'access-control-allow-methods': 'GET, POST', 'access-control-allow-headers': 'x-token', 'access-control-max-age': '600',
  });
  const deep = ask(model, { url: 'http://gw.example/api/x', method: 'OPTIONS', headers: { Origin: 'https://a.b.trusted.org', 'Access-Control-Request-Method': 'GET' } });
  assert.equal(deep.responseHeaders?.['access-control-allow-origin'], 'https://a.b.trusted.org', '*.trusted.org covers any number of labels');
  const denied = ask(model, { url: 'http://gw.example/api/x', method: 'OPTIONS', headers: { Origin: 'http://app.example.com', 'Access-Control-Request-Method': 'GET' } });
  assert.equal(denied.status, 204);
  assert.equal(denied.responseHeaders, undefined, 'another scheme is another origin');
  const actual = ask(model, { url: 'http://gw.example/api/x', headers: { Origin: 'https://app.example.com' } });
  assert.equal(actual.status, 200);
  assert.equal(actual.backend?.service, 'a');
  assert.deepEqual(actual.responseHeaders, { 'access-control-allow-origin': 'https://app.example.com', 'access-control-allow-credentials': 'true', 'access-control-expose-headers': 'x-trace' });
  const wild = ask(model, { url: 'http://gw.example/open', method: 'OPTIONS', headers: { Origin: 'https://x.io:8443', 'Access-Control-Request-Method': 'PATCH', 'Access-Control-Request-Headers': 'a, b' } });
  assert.equal(wild.responseHeaders?.['access-control-allow-methods'], 'PATCH', 'a * list echoes what the preflight asks');
  assert.equal(wild.responseHeaders?.['access-control-allow-headers'], 'a, b');
  assert.equal(wild.responseHeaders?.['access-control-max-age'], '5', 'maxAge defaults to 5 seconds');
  assert.equal(ask(model, 'http://gw.example/api/x').cors, undefined, 'no Origin: not a CORS request');
});

test('backendRef filters: a redirect or a rewrite on one backendRef applies when that backend is chosen', () => {
  const { model } = load(base + route(`  - matches: [{path: {type: PathPrefix, value: /split}}]
    backendRefs:
    - name: a
      port: 80
      weight: 1
      filters: [{type: RequestRedirect, requestRedirect: {hostname: moved.example, statusCode: 301}}]
    - name: b
      port: 80
      weight: 1
      filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /v2}}}]
`));
  const toA = ask(model, { url: 'http://gw.example/split/x?q=1', random: 0.1 });
  assert.equal(toA.status, 301);
  assert.equal(toA.location, 'http://moved.example/split/x?q=1');
  assert.equal(toA.backend, undefined);
  const toB = ask(model, { url: 'http://gw.example/split/x?q=1', random: 0.9 });
  assert.equal(toB.status, 200);
  assert.equal(toB.backend?.service, 'b');
  assert.equal(toB.path, '/v2/x?q=1');
});

test('ResponseHeaderModifier reports set / add / remove as operations; RequestMirror keeps its percent or fraction', () => {
  const { model } = load(base + route(`  - filters:
    - type: ResponseHeaderModifier
      responseHeaderModifier: {set: [{name: X-Set, value: one}], add: [{name: X-Add, value: two}], remove: [X-Gone]}
    - type: RequestMirror
      requestMirror: {backendRef: {name: b, port: 80}, percent: 25}
    - type: RequestMirror
      requestMirror: {backendRef: {name: a, port: 80}, fraction: {numerator: 1, denominator: 8}}
    backendRefs: [{name: a, port: 80}]
`));
  const r = ask(model, 'http://gw.example/');
  assert.deepEqual(r.responseHeaderOps, [{ action: 'set', name: 'x-set', value: 'one' }, { action: 'add', name: 'x-add', value: 'two' }, { action: 'remove', name: 'x-gone' }]);
  assert.deepEqual(r.mirrors?.map((m) => [m.service, m.percent]), [['b', 25], ['a', 12.5]]);
});
