import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../cluster/cluster.js';
import { compileMesh, type MeshRequest } from './index.js';
import { routeRequest, type RouteRequest } from './routing.js';
import { effectiveTrafficPolicy } from './traffic-policy.js';
import { withObjects } from './testdata/fixture.js';

type Obj = Record<string, any>;
const HOST = 'backend.shop.svc.cluster.local';
const vs = (spec: Obj): Obj => ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'backend', namespace: 'shop' }, spec: { hosts: ['backend'], ...spec } });
const get = (path: string, extra: Partial<RouteRequest> = {}): RouteRequest => ({ host: HOST, port: 80, method: 'GET', path, sourceLabels: { app: 'frontend' }, sourceNamespace: 'shop', ...extra });
const to = (subset?: string, weight?: number) => ({ destination: { host: 'backend', ...(subset ? { subset } : {}) }, ...(weight !== undefined ? { weight } : {}) });

interface Case { name: string; vs?: Obj; req: RouteRequest; want: Obj }

const CASES: Case[] = [
  { name: 'no VirtualService: default route, default retries', req: get('/'), want: { kind: 'route', chosen: HOST, subset: undefined, attempts: 2, timeoutMs: undefined } },
  { name: 'first matching rule wins', vs: vs({ http: [{ name: 'api', match: [{ uri: { prefix: '/api' } }], route: [to('v2')] }, { name: 'all', route: [to('v1')] }] }), req: get('/api/x'), want: { kind: 'route', rule: 0, subset: 'v2' } },
  { name: 'falls through to the catch-all', vs: vs({ http: [{ match: [{ uri: { prefix: '/api' } }], route: [to('v2')] }, { route: [to('v1')] }] }), req: get('/web'), want: { kind: 'route', rule: 1, subset: 'v1' } },
  { name: 'no rule matches: 404 NR', vs: vs({ http: [{ match: [{ uri: { exact: '/only' } }], route: [to('v1')] }] }), req: get('/other'), want: { kind: 'notFound', status: 404 } },
  { name: 'uri exact is case-sensitive', vs: vs({ http: [{ match: [{ uri: { exact: '/API' } }], route: [to('v2')] }, { route: [to('v1')] }] }), req: get('/api'), want: { rule: 1, subset: 'v1' } },
  { name: 'ignoreUriCase', vs: vs({ http: [{ match: [{ uri: { exact: '/API' }, ignoreUriCase: true }], route: [to('v2')] }, { route: [to('v1')] }] }), req: get('/api'), want: { rule: 0, subset: 'v2' } },
  { name: 'uri regex (full match)', vs: vs({ http: [{ match: [{ uri: { regex: '/v[0-9]+/.*' } }], route: [to('v2')] }, { route: [to('v1')] }] }), req: get('/v2/users'), want: { rule: 0 } },
  { name: 'header exact (keys lowercase)', vs: vs({ http: [{ match: [{ headers: { 'end-user': { exact: 'jason' } } }], route: [to('v2')] }, { route: [to('v1')] }] }), req: get('/', { headers: { 'end-user': 'jason' } }), want: { rule: 0, subset: 'v2' } },
  { name: 'header mismatch falls through', vs: vs({ http: [{ match: [{ headers: { 'end-user': { exact: 'jason' } } }], route: [to('v2')] }, { route: [to('v1')] }] }), req: get('/', { headers: { 'end-user': 'bob' } }), want: { rule: 1 } },
  { name: 'withoutHeaders', vs: vs({ http: [{ match: [{ withoutHeaders: { 'x-canary': {} } }], route: [to('v1')] }, { route: [to('v2')] }] }), req: get('/', { headers: { 'x-canary': '1' } }), want: { rule: 1, subset: 'v2' } },
  { name: 'conditions in one match are ANDed', vs: vs({ http: [{ match: [{ uri: { prefix: '/api' }, method: { exact: 'POST' } }], route: [to('v2')] }, { route: [to('v1')] }] }), req: get('/api'), want: { rule: 1 } },
  { name: 'match blocks are ORed', vs: vs({ http: [{ match: [{ method: { exact: 'POST' } }, { uri: { prefix: '/api' } }], route: [to('v2')] }, { route: [to('v1')] }] }), req: get('/api'), want: { rule: 0 } },
  { name: 'queryParams', vs: vs({ http: [{ match: [{ queryParams: { debug: { exact: 'true' } } }], route: [to('v2')] }, { route: [to('v1')] }] }), req: get('/x?debug=true'), want: { rule: 0 } },
  { name: 'sourceLabels', vs: vs({ http: [{ match: [{ sourceLabels: { app: 'frontend' } }], route: [to('v2')] }, { route: [to('v1')] }] }), req: get('/'), want: { rule: 0 } },
  { name: 'weights 90/10: draw 0.5 -> v1', vs: vs({ http: [{ route: [to('v1', 90), to('v2', 10)] }] }), req: get('/', { random: { weight: 0.5 } }), want: { subset: 'v1', percents: [90, 10] } },
  { name: 'weights 90/10: draw 0.95 -> v2', vs: vs({ http: [{ route: [to('v1', 90), to('v2', 10)] }] }), req: get('/', { random: { weight: 0.95 } }), want: { subset: 'v2' } },
  { name: 'weight 0 never chosen', vs: vs({ http: [{ route: [to('v1', 0), to('v2', 100)] }] }), req: get('/', { random: { weight: 0 } }), want: { subset: 'v2', percents: [0, 100] } },
  { name: 'weights normalized by their sum', vs: vs({ http: [{ route: [to('v1', 1), to('v2', 3)] }] }), req: get('/'), want: { subset: 'v2', percents: [25, 75] } },
  { name: 'retries and timeout', vs: vs({ http: [{ route: [to('v1')], retries: { attempts: 3, perTryTimeout: '2s', retryOn: '5xx' }, timeout: '10s' }] }), req: get('/'), want: { attempts: 3, perTryTimeoutMs: 2000, retryOn: '5xx', timeoutMs: 10000 } },
  { name: 'retries attempts 0 disables retries', vs: vs({ http: [{ route: [to('v1')], retries: { attempts: 0 } }] }), req: get('/'), want: { attempts: 0 } },
  { name: 'fault abort 100%', vs: vs({ http: [{ route: [to('v1')], fault: { abort: { httpStatus: 503, percentage: { value: 100 } } } }] }), req: get('/'), want: { status: 503, aborted: true } },
  { name: 'fault abort 50%, draw 0.7: not aborted', vs: vs({ http: [{ route: [to('v1')], fault: { abort: { httpStatus: 500, percentage: { value: 50 } } } }] }), req: get('/', { random: { abort: 0.7 } }), want: { status: undefined, aborted: false } },
  { name: 'fault delay without percentage affects nothing', vs: vs({ http: [{ route: [to('v1')], fault: { delay: { fixedDelay: '5s' } } }] }), req: get('/', { random: { delay: 0 } }), want: { delayed: false, delayMs: 5000 } },
  { name: 'fault delay 100%', vs: vs({ http: [{ route: [to('v1')], fault: { delay: { fixedDelay: '7s', percentage: { value: 100 } } } }] }), req: get('/'), want: { delayed: true, delayMs: 7000 } },
  { name: 'prefix rewrite keeps the rest of the path', vs: vs({ http: [{ match: [{ uri: { prefix: '/api/' } }], rewrite: { uri: '/' }, route: [to('v1')] }] }), req: get('/api/orders?id=1'), want: { rewrittenPath: '/orders?id=1' } },
  { name: 'redirect (301 default)', vs: vs({ http: [{ match: [{ uri: { exact: '/old' } }], redirect: { uri: '/new' } }] }), req: get('/old'), want: { kind: 'redirect', status: 301 } },
  { name: 'mirror 100% by default', vs: vs({ http: [{ route: [to('v1')], mirror: { host: 'backend', subset: 'v2' } }] }), req: get('/'), want: { mirror: { host: HOST, subset: 'v2', percent: 100, mirrored: true } } },
  { name: 'TCP: tcp rule by port', vs: vs({ tcp: [{ match: [{ port: 80 }], route: [{ destination: { host: 'backend', subset: 'v2' } }] }] }), req: get('/', { method: undefined }), want: { kind: 'route', rule: 0, subset: 'v2' } },
];

for (const c of CASES) {
  test(`VirtualService: ${c.name}`, () => {
    const d = routeRequest(c.vs, c.req, 'cluster.local');
    const got: Obj = {
      kind: d.kind, rule: d.rule, status: d.status, chosen: d.chosen?.host, subset: d.chosen?.subset, percents: d.destinations.map((x) => x.percent),
      attempts: d.retries.attempts, perTryTimeoutMs: d.retries.perTryTimeoutMs, retryOn: d.retries.retryOn, timeoutMs: d.timeoutMs,
      aborted: d.fault?.aborted, delayed: d.fault?.delayed, delayMs: d.fault?.delayMs, rewrittenPath: d.rewrittenPath, mirror: d.mirror,
    };
    for (const [k, v] of Object.entries(c.want)) assert.deepEqual(got[k], v, k);
  });
}

test('DestinationRule: subset policy overrides host policy field by field; port-level settings', () => {
  const dr = { metadata: { name: 'backend', namespace: 'shop' }, spec: {
    host: 'backend',
    trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN' }, connectionPool: { tcp: { maxConnections: 10 } }, outlierDetection: { consecutive5xxErrors: 3, interval: '1s', baseEjectionTime: '30s' },
      portLevelSettings: [{ port: { number: 8443 }, tls: { mode: 'SIMPLE' } }] },
    subsets: [{ name: 'v2', labels: { version: 'v2' }, trafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: 'x-user' } } } }],
  } };
  assert.deepEqual(effectiveTrafficPolicy(dr, undefined, 80), {
    destinationRule: 'shop/backend', loadBalancer: { simple: 'ROUND_ROBIN' },
    connectionPool: { maxConnections: 10, http1MaxPendingRequests: 4294967295, http2MaxRequests: 4294967295, maxRetries: 4294967295, maxRequestsPerConnection: undefined },
    outlierDetection: { consecutive5xxErrors: 3, consecutiveGatewayErrors: undefined, intervalMs: 1000, baseEjectionTimeMs: 30000, maxEjectionPercent: 10, minHealthPercent: 0 },
  });
  assert.deepEqual(effectiveTrafficPolicy(dr, 'v2', 80).loadBalancer, { consistentHash: { httpHeaderName: 'x-user' } });
  assert.deepEqual(effectiveTrafficPolicy(dr, undefined, 8443).tls, { mode: 'SIMPLE' });
  assert.deepEqual(effectiveTrafficPolicy(undefined, undefined, 80), { destinationRule: undefined, loadBalancer: { simple: 'LEAST_REQUEST' } });
});

const VS_DR = [`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: backend, namespace: shop}
spec:
  hosts: [backend]
  http:
  - match: [{headers: {x-canary: {exact: "1"}}}]
    route: [{destination: {host: backend, subset: v3}}]
  - route:
    - {destination: {host: backend, subset: v1}, weight: 90}
    - {destination: {host: backend, subset: v2}, weight: 10}`, `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: backend, namespace: shop}
spec:
  host: backend.shop.svc.cluster.local
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}`];

test('end to end: subsets pick pods; unknown subset is 503 NR; non-sidecar clients skip the VirtualService', () => {
  const mesh = compileMesh(Cluster.load({ text: withObjects(...VS_DR) }));
  const req = (extra: Partial<MeshRequest>): MeshRequest => ({ from: { kind: 'Pod', namespace: 'shop', name: 'frontend' }, to: { kind: 'Service', namespace: 'shop', name: 'backend' }, port: 80, method: 'GET', path: '/', ...extra });
  const v1 = mesh.evaluate(req({ random: { weight: 0.1 } }));
  assert.deepEqual({ pod: v1.destination?.pod, port: v1.destination?.targetPort, subset: v1.subset }, { pod: 'shop/backend-v1', port: 8080, subset: 'v1' });
  const v2 = mesh.evaluate(req({ random: { weight: 0.95 } }));
  assert.equal(v2.destination?.pod, 'shop/backend-v2');
  const v3 = mesh.evaluate(req({ headers: { 'x-canary': '1' } }));
  assert.deepEqual({ allowed: v3.allowed, status: v3.status }, { allowed: false, status: 503 });
  assert.match(v3.reason, /subset "v3" .* not defined in any DestinationRule: 503 \(NR\)/);
  const legacy = mesh.evaluate(req({ from: { kind: 'Pod', namespace: 'legacy', name: 'client' }, headers: { 'x-canary': '1' } }));
  assert.equal(legacy.allowed, true);
  assert.equal(legacy.route?.virtualService, undefined);
  assert.deepEqual(v1.hops.map((h) => h.proxy), ['envoy-outbound', 'envoy-inbound']);
  assert.deepEqual(v1.hops[0].lines.slice(0, 3), ['http[1] of VirtualService shop/backend', 'cluster outbound|80|v1|backend.shop.svc.cluster.local', 'retries: 2 attempts, retryOn connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes']);
});

test('90/10 split over 1,000 seeded draws stays within tolerance', () => {
  const mesh = compileMesh(Cluster.load({ text: withObjects(...VS_DR) }));
  let seed = 42;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  let v2 = 0;
  for (let i = 0; i < 1000; i++) {
    const e = mesh.evaluate({ from: { kind: 'Pod', namespace: 'shop', name: 'frontend' }, to: { kind: 'Service', namespace: 'shop', name: 'backend' }, port: 80, method: 'GET', path: '/', random: { weight: rand() } });
    if (e.destination?.pod === 'shop/backend-v2') v2++;
  }
  assert.ok(v2 >= 70 && v2 <= 130, `v2 got ${v2} of 1000`);
});
