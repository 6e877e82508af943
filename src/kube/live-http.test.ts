// One HTTP request from a live cluster's pod: the curl command line (a route to the entry point's ClusterIP keeping
// the URL's Host and SNI, a mesh request to a Service's name), curl's output read as status, Location, first body
// line and the pod that answered (or how the connection ended, by curl's exit code), and those answers judged as a
// route and as the mesh's verdict (Istio's `RBAC: access denied`, Envoy's `no healthy upstream`, a reset).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../cluster/cluster.js';
import { meshObservation, meshProbe } from '../conntest/live-mesh.js';
import { routeObservation, type RouteProbe } from '../conntest/kernel-routes.js';
import type { Observation, Referee } from '../conntest/referee.js';
import type { ConnectAttempt } from '../verify/compare.js';
import { runSpecs } from '../conntest/run.js';
import { loadSpec, type MeshExpectation } from '../conntest/spec.js';
import { curlAnswer, curlCommand, podOfAnswer, type HttpFlow } from './live-http.js';

const W = ['-w', '\\npodnet-http: %{http_code} %header{location}\\t%header{l5d-proxy-error}\\n'];

function flow(host: string, port: number, request: HttpFlow['request']): HttpFlow {
  return { kind: 'connect', id: 'x', family: 'ingress', from: 'podnet-probe-abc123/probe-0', host, port, protocol: 'TCP', identify: true, request };
}

test('curl for a route: the URL\'s host sent to the ClusterIP with --resolve (Host and SNI kept), method, headers', () => {
  assert.deepEqual(curlCommand(flow('10.96.12.7', 443, { scheme: 'https', host: 'my-app.example.com', path: '/api/items?page=2', method: 'POST', headers: { 'X-Trace': 'k1', 'X-Empty': '' } }), { connectTimeoutMs: 1000 }), [
    'curl', '-s', '-S', '-k', '--connect-timeout', '1', '-m', '10', '-X', 'POST', '--resolve', 'my-app.example.com:443:10.96.12.7',
    '-H', 'X-Trace: k1', '-H', 'X-Empty;', ...W, 'https://my-app.example.com/api/items?page=2',
  ]);
  // Another port stays in the URL (and so in Host); a Host header unlike the URL's is sent as given; IPv6 is bracketed.
  assert.deepEqual(curlCommand(flow('fd00:10:96::7', 8080, { scheme: 'http', host: 'shop.example:8080', path: '/', method: 'GET', headers: { host: 'ignored' } }), { connectTimeoutMs: 1500, maxTimeMs: 4000 }), [
    'curl', '-s', '-S', '-k', '--connect-timeout', '1.5', '-m', '4', '--resolve', 'shop.example:8080:[fd00:10:96::7]', ...W, 'http://shop.example:8080/',
  ]);
  // Host is the request's even where the port is another (a NodePort); a Host differing in case only is the same.
  assert.deepEqual(curlCommand(flow('10.0.1.10', 30080, { scheme: 'http', host: 'shop.example', path: '/', headers: {} }), { connectTimeoutMs: 1000 }).slice(8), ['--resolve', 'shop.example:30080:10.0.1.10', '-H', 'Host: shop.example', ...W, 'http://shop.example:30080/']);
  assert.deepEqual(curlCommand(flow('10.96.12.7', 80, { scheme: 'http', host: 'Other.Example', path: '/', headers: {} }), { connectTimeoutMs: 1000 }).slice(8), ['--resolve', 'other.example:80:10.96.12.7', ...W, 'http://other.example/']);
  // HEAD asks for the head alone (curl -X HEAD waits for a body); globs and dot segments go as written.
  assert.deepEqual(curlCommand(flow('10.96.12.7', 80, { scheme: 'http', host: 'a.example', path: '/x/../[1-2]', method: 'HEAD', headers: {} }), { connectTimeoutMs: 1000 }), [
    'curl', '-s', '-S', '-k', '--connect-timeout', '1', '-m', '10', '-I', '-o', '/dev/null', '--resolve', 'a.example:80:10.96.12.7', '-g', '--path-as-is', ...W, 'http://a.example/x/../[1-2]',
  ]);
  assert.throws(() => curlCommand(flow('10.0.0.1', 80, { scheme: 'http', host: 'bad host', path: '/', headers: {} }), { connectTimeoutMs: 1000 }), { message: '"bad host" is not a host name for an HTTP request' });
});

test('curl for a mesh request: the Service\'s cluster DNS name, no --resolve, no Host header', () => {
  assert.deepEqual(curlCommand(flow('reviews.shop.svc.cluster.local', 9080, { scheme: 'http', host: 'reviews.shop.svc.cluster.local:9080', path: '/reviews/1', method: 'GET', headers: { 'x-user': 'jason' } }), { connectTimeoutMs: 1000 }), [
    'curl', '-s', '-S', '-k', '--connect-timeout', '1', '-m', '10', '-H', 'x-user: jason', ...W, 'http://reviews.shop.svc.cluster.local:9080/reviews/1',
  ]);
});

test('curl\'s output: status, Location and the first body line; the pod an agent names; a cut connection by exit code', () => {
  assert.deepEqual(curlAnswer(0, 'pod app/web-85689657c9-x2x7q (10.244.1.3:8080 on node-1) answered GET /web/items\nNOW: 2026-12-02T14:00:00Z\n\npodnet-http: 200 \n', ''), {
    outcome: 'allowed', status: 200, hostname: 'web-85689657c9-x2x7q', answer: 'pod app/web-85689657c9-x2x7q (10.244.1.3:8080 on node-1) answered GET /web/items',
  });
  assert.deepEqual(curlAnswer(0, '<html>\r\n<head><title>308 Permanent Redirect</title></head>\n\npodnet-http: 308 https://my-app.example.com/api/items\n', ''), {
    outcome: 'allowed', status: 308, location: 'https://my-app.example.com/api/items', answer: '<html>',
  });
  // No body: nothing before the write-out line (a HEAD, a 204).
  assert.deepEqual(curlAnswer(0, '\npodnet-http: 204 \n', ''), { outcome: 'allowed', status: 204 });
  // A body that prints a marker of its own: the last one is curl's.
  assert.deepEqual(curlAnswer(0, 'x\npodnet-http: 500 \n\npodnet-http: 403 \n', ''), { outcome: 'allowed', status: 403, answer: 'x' });
  // An answer cut short after its head keeps its status; curl's exit says how it ended.
  assert.deepEqual(curlAnswer(28, 'partial\npodnet-http: 200 \n', 'curl: (28) Operation timed out after 10001 milliseconds with 5 bytes received\n'), {
    outcome: 'allowed', status: 200, answer: 'partial', detail: 'curl exited 28: curl: (28) Operation timed out after 10001 milliseconds with 5 bytes received',
  });
  const cut = (code: number, said: string) => curlAnswer(code, '\npodnet-http: 000 \n', `${said}\n`);
  assert.deepEqual(cut(7, 'curl: (7) Failed to connect to 10.96.12.7 port 80 after 2 ms: Couldn\'t connect to server'), { outcome: 'refused', detail: 'curl exited 7: curl: (7) Failed to connect to 10.96.12.7 port 80 after 2 ms: Couldn\'t connect to server' });
  assert.deepEqual(cut(28, 'curl: (28) Connection timed out after 1001 milliseconds').outcome, 'timeout');
  assert.deepEqual(cut(56, 'curl: (56) Recv failure: Connection reset by peer').outcome, 'reset');
  assert.deepEqual(cut(52, 'curl: (52) Empty reply from server').outcome, 'reset');
  assert.deepEqual(cut(35, 'curl: (35) OpenSSL SSL_connect: Connection reset by peer').outcome, 'reset');
  assert.deepEqual(cut(6, 'curl: (6) Could not resolve host: nope.app.svc.cluster.local'), { outcome: 'error', detail: 'curl exited 6: curl: (6) Could not resolve host: nope.app.svc.cluster.local' });
  assert.equal(curlAnswer(56, '\npodnet-http: 000 \n', 'curl: (56) Recv failure: Connection reset by peer\n(the client has no mesh proxy: plaintext)\n').detail, 'curl exited 56: curl: (56) Recv failure: Connection reset by peer');
  // No curl in the container: the runtime's words.
  assert.deepEqual(curlAnswer(127, '', 'exec: "curl": executable file not found in $PATH\n'), { outcome: 'error', detail: 'curl exited 127: exec: "curl": executable file not found in $PATH' });
  assert.deepEqual(curlAnswer(0, 'hello', ''), { outcome: 'error', detail: 'curl printed no status line (podnet-http: missing)' });
  assert.equal(podOfAnswer('pod kube-system/coredns-1 (10.244.0.2:53 on node-1) answered GET /'), 'coredns-1');
  assert.equal(podOfAnswer('NOW: 2026-12-02T14:00:00Z'), undefined);
});

const probe = (path: string, pods = ['app/web-1', 'app/web-2']): RouteProbe => ({
  flow: flow('10.96.12.7', 80, { scheme: 'http', host: 'web.example.com', path, headers: {} }), entryPoint: 'ingress:nginx', address: 'Service ingress-nginx/ingress-nginx-controller ClusterIP 10.96.12.7:80',
  model: { status: 200, reason: 'rule 0 path /web', path, backend: { namespace: 'app', service: 'web', port: 80, pods } as never },
});

test('a live route answer: the backend named by the agent or by /hostname, else not observable (said so)', () => {
  const named = routeObservation(probe('/web/x'), { outcome: 'allowed', status: 200, hostname: 'web-2', answer: 'pod app/web-2 (…' }, 'cluster', 'unobserved');
  assert.deepEqual([named.type === 'route' && named.backend, named.type === 'route' && named.unobserved, named.type === 'route' && named.decidedBy], ['app/web:80', undefined, 'cluster: HTTP 200, answered by app/web-2, an endpoint of app/web:80']);
  const hostname = routeObservation(probe('/hostname'), { outcome: 'allowed', status: 200, answer: 'web-1' }, 'cluster', 'unobserved');
  assert.equal(hostname.type === 'route' && hostname.backend, 'app/web:80');
  const app = routeObservation(probe('/'), { outcome: 'allowed', status: 200, answer: '<!doctype html>' }, 'cluster', 'unobserved');
  assert.deepEqual(app, {
    type: 'route', status: 200, unobserved: ['backend'], decidedBy: 'cluster: HTTP 200: the answer does not name the pod that served it, so the backend is not observable',
    trace: ['entry point ingress:nginx through Service ingress-nginx/ingress-nginx-controller ClusterIP 10.96.12.7:80', 'the model: 200 from app/web:80: rule 0 path /web'],
  });
  // The kernel lab's agents always name themselves: an unnamed answer there is the edge's own (no backend).
  const edge = routeObservation(probe('/'), { outcome: 'allowed', status: 404, answer: '<html>' }, 'kernel');
  assert.deepEqual([edge.type === 'route' && edge.backend, edge.type === 'route' && edge.unobserved], [undefined, undefined]);
});

test('a live mesh answer: RBAC denial, Envoy\'s own 503, linkerd-proxy\'s l5d-proxy-error, a reset, the app\'s answer; the identity never observed', () => {
  const mesh = (a: ConnectAttempt) => meshObservation(a, 'cluster', []) as Extract<Observation, { type: 'mesh' }>;
  const seen = (status: number, answer?: string) => mesh({ outcome: 'allowed', status, ...(answer !== undefined ? { answer } : {}) });
  assert.deepEqual(seen(403, 'RBAC: access denied'), { type: 'mesh', allowed: false, authz: false, status: 403, decidedBy: 'cluster: HTTP 403 RBAC: access denied (an AuthorizationPolicy of the server\'s sidecar denied the request)', trace: [], unobserved: ['identity'] });
  assert.deepEqual(seen(503, 'no healthy upstream'), { type: 'mesh', allowed: false, authz: false, status: 503, decidedBy: 'cluster: HTTP 503 no healthy upstream (Envoy\'s own answer, response flag UH: the client\'s sidecar has no healthy endpoint)', trace: [], unobserved: ['authz', 'identity'] });
  assert.equal(seen(503, 'upstream connect error or disconnect/reset before headers. reset reason: connection failure').decidedBy, 'cluster: HTTP 503 upstream connect error or disconnect/reset before headers. reset reason: connection failure (Envoy\'s own answer, response flag UF: the sidecar could not reach the upstream)');
  // Envoy names the reset reason it met, after retries too: each is its own answer, not the app's.
  assert.deepEqual(['upstream connect error or disconnect/reset before headers. retried and the latest reset reason: remote connection failure, transport failure reason: delayed connect error: 111',
    'upstream connect error or disconnect/reset before headers. reset reason: remote reset'].map((b) => [seen(503, b).allowed, seen(503, b).decidedBy]), [
    [false, 'cluster: HTTP 503 upstream connect error or disconnect/reset before headers. retried and the latest reset reason: remote connection failure, transport failure reason: delayed connect error: 111 (Envoy\'s own answer, response flag UF: the sidecar could not reach the upstream)'],
    [false, 'cluster: HTTP 503 upstream connect error or disconnect/reset before headers. reset reason: remote reset (Envoy\'s own answer, response flag UR: the sidecar could not reach the upstream)'],
  ]);
  assert.equal(seen(418, 'fault filter abort').decidedBy, 'cluster: HTTP 418 fault filter abort (Envoy\'s own answer, response flag FI: a fault the VirtualService injects)');
  // The app's own 403 and 404 passed the mesh.
  assert.deepEqual(seen(404, 'page not found'), { type: 'mesh', allowed: true, authz: true, status: 404, decidedBy: 'cluster: HTTP 404 from the app: the mesh let the request through', trace: [], unobserved: ['identity'] });
  assert.equal(seen(403, 'forbidden by the app').allowed, true);
  assert.equal(mesh({ outcome: 'allowed', status: 200, hostname: 'reviews-v1-1' }).decidedBy, 'cluster: HTTP 200 from the app (pod reviews-v1-1): the mesh let the request through');
  // linkerd-proxy: an empty 403 with the reason in l5d-proxy-error; its other errors are its own answers too.
  const ld = 'client 10.244.1.7:53274: server: 10.244.1.9:8080: unauthorized request on route';
  assert.deepEqual(mesh({ outcome: 'allowed', status: 403, proxyError: ld }), { type: 'mesh', allowed: false, authz: false, status: 403, decidedBy: `cluster: HTTP 403 l5d-proxy-error: ${ld} (a Linkerd authorization policy of the server's proxy denied the request)`, trace: [], unobserved: ['identity'] });
  assert.deepEqual(mesh({ outcome: 'allowed', status: 503, proxyError: 'service in fail-fast' }), { type: 'mesh', allowed: false, authz: false, status: 503, decidedBy: 'cluster: HTTP 503 l5d-proxy-error: service in fail-fast (linkerd-proxy\'s own answer: the request did not reach the app)', trace: [], unobserved: ['authz', 'identity'] });
  assert.deepEqual(curlAnswer(0, '\npodnet-http: 403 \t' + ld + '\n', ''), { outcome: 'allowed', status: 403, proxyError: ld });
  assert.deepEqual(curlAnswer(0, 'ok\npodnet-http: 301 https://web.example.com/\t\n', ''), { outcome: 'allowed', status: 301, location: 'https://web.example.com/', answer: 'ok' });
  // curl 7.81 (Ubuntu 22.04) writes %header{} out as it is: neither is a header's value, the status still stands.
  const old = curlAnswer(0, 'ok\npodnet-http: 200 %header{location}\t%header{l5d-proxy-error}\n', '');
  assert.deepEqual(old, { outcome: 'allowed', status: 200, answer: 'ok', detail: 'curl older than 7.84 prints no response headers (--write-out %header{}): Location and l5d-proxy-error not read' });
  assert.equal(mesh(old).allowed, true);
  assert.deepEqual(meshObservation({ outcome: 'reset', detail: 'curl exited 56: curl: (56) Recv failure: Connection reset by peer' }, 'cluster', ['the model: deny: …']), {
    type: 'mesh', allowed: false, authz: false, trace: ['the model: deny: …'], unobserved: ['authz', 'identity'],
    decidedBy: 'cluster: the connection was reset before an HTTP answer (as a sidecar resets a connection an AuthorizationPolicy denies at L4, or a plaintext client under STRICT mTLS) (curl exited 56: curl: (56) Recv failure: Connection reset by peer)',
  });
});

test('judged: an expectation on a field not observed fails, saying so; the other fields are judged', async () => {
  const { specs } = loadSpec(`apiVersion: podnet.dev/v1alpha1
kind: ConnectivityTest
metadata: {name: live}
spec:
  expectations:
  - {name: status only, route: {url: http://web.example.com/}, expect: {status: 200}}
  - {name: backend, route: {url: http://web.example.com/}, expect: {backend: app/web}}
  - {name: verdict only, mesh: {from: app/web-1, to: app/svc/web, port: 80, method: GET}, expect: allow}
  - {name: identity, mesh: {from: app/web-1, to: app/svc/web, port: 80, method: GET}, expect: {verdict: allow, identity: spiffe://cluster.local/ns/app/sa/web}}
  - {name: authz after a 503, mesh: {from: app/web-1, to: app/svc/web, port: 80, method: GET}, expect: {authz: allow}}
`, 'live.yaml');
  const referee: Referee = {
    name: 'cluster (fake)',
    observe: (e) => e.type === 'route' ? routeObservation(probe('/'), { outcome: 'allowed', status: 200, answer: '<!doctype html>' }, 'cluster', 'unobserved')
      : meshObservation({ outcome: 'allowed', ...(e.name === 'authz after a 503' ? { status: 503, answer: 'no healthy upstream' } : { status: 200, answer: 'ok' }) }, 'cluster', []),
  };
  const r = await runSpecs(specs, referee);
  assert.deepEqual(r.outcomes.map((o) => [o.name, o.passed, o.actual]), [
    ['status only', true, 'backend not observable, status 200'],
    ['backend', false, 'backend not observable, status 200'],
    ['verdict only', true, 'verdict allow, authz allow, identity not observable, status 200'],
    ['identity', false, 'verdict allow, authz allow, identity not observable, status 200'],
    ['authz after a 503', false, 'verdict deny, authz not observable, identity not observable, status 503'],
  ]);
});

test('a mesh expectation as a request: from the source pod to the Service\'s cluster DNS name on the port; a method is needed', () => {
  const cluster = Cluster.load({ paths: ['examples/mesh-canary'] });
  const { specs } = loadSpec(`apiVersion: podnet.dev/v1alpha1
kind: ConnectivityTest
metadata: {name: m}
spec:
  expectations:
  - {name: get, mesh: {from: shop/deploy/frontend, to: shop/svc/reviews, port: 9080, method: get, path: /reviews/1, headers: {x-user: jason}}, expect: allow}
  - {name: tcp, mesh: {from: shop/deploy/frontend, to: shop/svc/reviews, port: 9080}, expect: allow}
`, 'm.yaml');
  const [get, tcp] = specs[0].expectations as MeshExpectation[];
  const f = meshProbe(cluster, get, 'cluster');
  assert.match(f.from, /^shop\/frontend-\w+-\w+$/);
  assert.deepEqual({ ...f, from: '' }, {
    kind: 'connect', id: `${f.from} -> http://reviews.shop.svc.cluster.local:9080/reviews/1`, family: 'service', from: '', host: 'reviews.shop.svc.cluster.local', port: 9080, protocol: 'TCP', identify: false,
    request: { scheme: 'http', host: 'reviews.shop.svc.cluster.local:9080', path: '/reviews/1', method: 'GET', headers: { 'x-user': 'jason' } },
  });
  assert.throws(() => meshProbe(cluster, tcp, 'cluster'), { message: 'the cluster referee sends HTTP requests through the mesh: give mesh.method (and path)' });
});
