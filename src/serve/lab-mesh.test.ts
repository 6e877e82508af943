// The mesh in the live lab: real requests between virtual pods carried as Istio's sidecars would carry them —
// identities (x-forwarded-client-cert), STRICT mTLS against a plaintext client, AuthorizationPolicy, a 90/10
// VirtualService split over 1,000 requests, fault abort/delay, retries turning a flaky pod's 50% errors into success,
// route/per-try timeouts on a hanging pod, outlier ejection and return, Istio metrics, OTLP spans and the service graph.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Lab } from './lab.js';
import { LabApi } from './lab/api.js';
import { parsePodFault } from './pod-faults.js';

const FIXTURE = 'src/serve/testdata/mesh-lab';
let lab: Lab;
let api: LabApi;
let skewMs = 0;

before(async () => {
  lab = await Lab.start({ paths: [FIXTURE], dnsPort: 0, httpPort: 0, httpsPort: 0, nodePortsAtNodePort: false, seed: 42, now: () => Date.now() + skewMs, retryBackoff: async () => undefined });
  api = new LabApi(lab);
  await api.listen(0);
});
after(async () => { await api.close(); await lab.close(); });

const pod = (ns: string, prefix: string) => lab.snapshot.cluster.pods(ns).map((p) => `${ns}/${p.metadata.name}`).filter((n) => n.startsWith(`${ns}/${prefix}-`)).sort();
const frontend = () => pod('shop', 'frontend')[0];

function apiGet(path: string): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: api.port, path, agent: false, headers: { authorization: `Bearer ${api.token}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type']) }));
    }).on('error', reject);
  });
}

function apiPost(path: string, body: unknown): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = http.request({ host: '127.0.0.1', port: api.port, path, method: 'POST', agent: false, headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

const statusOf = (stdout: string) => Number(stdout.match(/^HTTP\/1\.1 (\d+)/)?.[1]);

test('a meshed client reaches a meshed server over mTLS: the app sees the caller\'s SPIFFE identity', async () => {
  const r = await lab.exec(frontend(), ['curl', '-s', 'http://reviews:9080/headers']);
  assert.equal(r.exitCode, 0, r.stderr);
  const h = JSON.parse(r.stdout) as Record<string, string>;
  const reviewsPod = (r.stderr.match(/try 1 → (shop\/reviews-\S+)/) ?? [])[1];
  assert.ok(reviewsPod, r.stderr);
  assert.match(h['x-forwarded-client-cert'], /^By=spiffe:\/\/cluster\.local\/ns\/shop\/sa\/reviews;Hash=[0-9a-f]{64};Subject="";URI=spiffe:\/\/cluster\.local\/ns\/shop\/sa\/frontend$/);
  assert.equal(h['x-envoy-attempt-count'], '1');
  assert.match(h.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  assert.match(h['x-request-id'], /^[0-9a-f-]{36}$/);
  assert.match(r.stderr, /tls: ISTIO_MUTUAL \(auto-mTLS: the endpoint has an Istio proxy\)/);
  assert.match(r.stderr, /mTLS: peer identity spiffe:\/\/cluster\.local\/ns\/shop\/sa\/frontend/);
});

test('a plaintext client outside the mesh is reset by the STRICT server (curl 56)', async () => {
  const r = await lab.exec(pod('legacy', 'curl')[0], ['curl', '-sS', 'http://reviews.shop:9080/hostname']);
  assert.equal(r.exitCode, 56);
  assert.match(r.stderr, /^curl: \(56\) Recv failure: Connection reset by peer\n\(the client has no mesh proxy: plaintext; shop\/reviews-\S+ port 9080 requires mTLS \(STRICT, shop\/default\): connection reset\)/);
  const flow = lab.flows.recent(1)[0];
  assert.equal(flow.verdict, 'dropped');
  assert.equal(flow.source, pod('legacy', 'curl')[0]);
});

test('AuthorizationPolicy: GET /reviews/1 allowed, /admin and POST denied with 403 RBAC: access denied', async () => {
  const ok = await lab.exec(frontend(), ['curl', '-si', 'http://reviews:9080/reviews/1']);
  assert.equal(statusOf(ok.stdout), 200);
  assert.match(ok.stdout, /^server: envoy\r$/m);
  assert.match(ok.stdout, /^x-envoy-upstream-service-time: \d+\r$/m);
  for (const args of [['http://reviews:9080/admin/users'], ['-X', 'POST', 'http://reviews:9080/reviews/1']]) {
    const r = await lab.exec(frontend(), ['curl', '-si', ...args]);
    assert.equal(statusOf(r.stdout), 403, r.stdout);
    assert.ok(r.stdout.endsWith('\r\n\r\nRBAC: access denied'), r.stdout);
    assert.match(r.stderr, /authorization: deny \(ALLOW policies apply to the workload \(shop\/reviews\) and none matches: denied by default\)/);
    const flow = lab.flows.recent(1)[0];
    assert.equal(flow.verdict, 'dropped');
    assert.equal(flow.status, 403);
  }
});

test('VirtualService 90/10 split: 1,000 real requests land on v1/v2 within statistical tolerance', async () => {
  const v1 = new Set(pod('shop', 'reviews-v1'));
  const v2 = new Set(pod('shop', 'reviews-v2'));
  let n1 = 0;
  let n2 = 0;
  for (let i = 0; i < 1000; i++) {
    const r = await lab.exec(frontend(), ['curl', '-s', 'http://reviews:9080/hostname']);
    const who = `shop/${r.stdout}`;
    if (v1.has(who)) n1++;
    else if (v2.has(who)) n2++;
    else assert.fail(`unexpected answer ${r.stdout} ${r.stderr}`);
  }
  assert.equal(n1 + n2, 1000);
  // Binomial(1000, 0.1): mean 100, sd 9.5; 4 sd either side.
  assert.ok(n2 >= 62 && n2 <= 138, `v2 got ${n2}`);
  // The header rule wins over the split: end-user jason always goes to v2.
  for (let i = 0; i < 20; i++) {
    const r = await lab.exec(frontend(), ['curl', '-s', '-H', 'end-user: jason', 'http://reviews:9080/hostname']);
    assert.ok(v2.has(`shop/${r.stdout}`), r.stdout);
  }
});

test('VirtualService faults: abort answers 500 "fault filter abort" without reaching a pod; delay holds the request', async () => {
  const a = await lab.exec(frontend(), ['curl', '-si', 'http://reviews:9080/abort']);
  assert.equal(statusOf(a.stdout), 500);
  assert.ok(a.stdout.endsWith('fault filter abort'), a.stdout);
  assert.doesNotMatch(a.stderr, /try 1/);
  const t0 = Date.now();
  const d = await lab.exec(frontend(), ['curl', '-s', 'http://reviews:9080/delay']);
  assert.ok(Date.now() - t0 >= 195, `took ${Date.now() - t0} ms`);
  assert.match(d.stdout, /^pod shop\/reviews-v1-/);
  assert.match(d.stderr, /fault injection delays the request 200 ms/);
});

test('a VirtualService mirror sends a copy to v2 with a -shadow host; the client gets v1\'s answer', async () => {
  const r = await lab.exec(frontend(), ['curl', '-s', 'http://reviews:9080/mirror/1']);
  assert.match(r.stdout, /^pod shop\/reviews-v1-/);
  assert.match(r.stderr, /mirrors a copy to shop\/reviews-v2-\S+ \S+:9080 \(Host reviews-shadow:9080\); its answer is dropped/);
  const traceId = r.stderr.match(/trace id ([0-9a-f]{32})/)![1];
  // The copy is fire-and-forget: wait (a bounded number of turns) for its server span.
  let shadow: { attributes: { key: string; value: { stringValue?: string } }[] } | undefined;
  for (let i = 0; i < 200 && !shadow; i++) {
    const otlp = JSON.parse((await apiGet(`/api/telemetry/traces?traceId=${traceId}`)).body) as { resourceSpans: { scopeSpans: { spans: any[] }[] }[] };
    shadow = otlp.resourceSpans.flatMap((x) => x.scopeSpans[0].spans).find((s) => s.attributes.some((a: any) => a.key === 'http.url' && a.value.stringValue === 'http://reviews-shadow:9080/mirror/1'));
    if (!shadow) await new Promise((res) => setTimeout(res, 5));
  }
  assert.ok(shadow, 'the mirror\'s server span');
  assert.deepEqual(shadow.attributes.find((a) => a.key === 'http.status_code')?.value, { stringValue: '200' });
});

test('retries turn a flaky pod\'s 50% errors into >= 95% success; without retries about half fail', async () => {
  const run = async (svc: string) => {
    let ok = 0;
    for (let i = 0; i < 200; i++) {
      const r = await lab.exec(frontend(), ['curl', '-si', `http://${svc}:8080/hostname`]);
      if (statusOf(r.stdout) === 200) ok++;
      else assert.equal(statusOf(r.stdout), 503, r.stdout);
    }
    return ok;
  };
  const withRetries = await run('ratings');
  const without = await run('details');
  assert.ok(withRetries >= 190, `ratings (5 retries on 5xx): ${withRetries}/200 succeeded`);
  assert.ok(without >= 70 && without <= 130, `details (no retries): ${without}/200 succeeded`);
  const m = (await apiGet('/metrics')).body;
  assert.match(m, /istio_requests_total\{reporter="destination",[^}]*destination_workload="ratings"[^}]*response_code="503"[^}]*connection_security_policy="mutual_tls"\} \d+/);
});

test('circuit breaking: with 1 connection and 1 pending request allowed, 2 of 4 concurrent requests overflow (503 UO)', async () => {
  const rs = await Promise.all([0, 1, 2, 3].map(() => lab.exec(frontend(), ['curl', '-si', 'http://cb:8080/hostname'])));
  const statuses = rs.map((r) => statusOf(r.stdout)).sort();
  assert.deepEqual(statuses, [200, 200, 503, 503]);
  const over = rs.find((r) => statusOf(r.stdout) === 503)!;
  assert.ok(over.stdout.endsWith('upstream connect error or disconnect/reset before headers. reset reason: overflow'), over.stdout);
  assert.match(over.stderr, /circuit breaker open for outbound\|8080\|\|cb\.shop\.svc\.cluster\.local: 1 connections busy \(maxConnections 1\) and 1 pending \(http1MaxPendingRequests 1\): 503 \(UO\)/);
  // Once they finished, the breaker closes again.
  assert.equal(statusOf((await lab.exec(frontend(), ['curl', '-si', 'http://cb:8080/hostname'])).stdout), 200);
});

test('`podnet fault` hang: per-try timeout and retry, then 504 upstream request timeout (UT)', async () => {
  const slow = pod('shop', 'slow')[0];
  const set = await apiPost('/api/fault', { pod: slow, fault: 'hang' });
  assert.deepEqual(set, { status: 200, json: { pod: slow, fault: 'hang' } });
  const r = await lab.exec(frontend(), ['curl', '-si', 'http://slow:8080/x']);
  assert.equal(statusOf(r.stdout), 504);
  assert.ok(r.stdout.endsWith('upstream request timeout'), r.stdout);
  assert.match(r.stderr, /2 tries \(retries: 1, retryOn 5xx, timeout 300 ms\): try 2: per-try timeout 100 ms, retries exhausted \(1\)/);
  await apiPost('/api/fault', { pod: slow, fault: null });
  const back = await lab.exec(frontend(), ['curl', '-si', 'http://slow:8080/x']);
  assert.equal(statusOf(back.stdout), 200);
  const bad = await apiPost('/api/fault', { pod: slow, fault: 'sometimes' });
  assert.equal(bad.status, 400);
  assert.match(bad.json.error, /invalid podnet\.dev\/fault "sometimes": unknown fault "sometimes"/);
  const missing = await apiPost('/api/fault', { pod: 'shop/nope', fault: '503' });
  assert.deepEqual(missing, { status: 404, json: { error: 'pods "nope" not found in namespace shop' } });
});

test('outlier detection ejects a pod after 3 consecutive 5xx and brings it back after baseEjectionTime', async () => {
  const [bad, good] = pod('shop', 'stock');
  lab.setFault(bad, parsePodFault('500'));
  const hits: string[] = [];
  for (let i = 0; i < 40; i++) {
    const r = await lab.exec(frontend(), ['curl', '-s', 'http://stock:8080/hostname']);
    hits.push(r.stdout.startsWith('fault injected') ? 'bad' : r.stdout === good.split('/')[1] ? 'good' : r.stdout);
  }
  assert.equal(hits.filter((h) => h === 'bad').length, 3, hits.join(' '));
  const lastBad = hits.lastIndexOf('bad');
  assert.ok(hits.slice(lastBad + 1).every((h) => h === 'good'), hits.join(' '));
  const ej = await apiGet('/api/mesh/outliers');
  const body = JSON.parse(ej.body) as { ejected: Record<string, string[]>; events: { host: string; event: string; reason: string }[] };
  assert.deepEqual(Object.values(body.ejected), [[bad]]);
  assert.equal(body.events.at(-1)?.event, 'eject');
  assert.equal(body.events.at(-1)?.reason, '3 consecutive 5xx responses (consecutive5xxErrors 3)');
  // 30 s later the interval tick returns it to the pool; it fails again and is ejected for 2 x 30 s.
  skewMs += 30_001;
  lab.setFault(bad, null);
  const seen = new Set<string>();
  for (let i = 0; i < 30 && !seen.has(bad); i++) {
    const r = await lab.exec(frontend(), ['curl', '-s', 'http://stock:8080/hostname']);
    seen.add(`shop/${r.stdout}`);
  }
  assert.ok(seen.has(bad), 'the pod came back and served');
  assert.equal(lab.mesh.outlierEvents().at(-1)?.event, 'return');
});

test('/metrics speaks Istio\'s names, labels and buckets', async () => {
  const m = await apiGet('/metrics');
  assert.equal(m.status, 200);
  assert.match(m.type, /^text\/plain; version=0\.0\.4/);
  assert.match(m.body, /^# TYPE istio_requests_total counter$/m);
  assert.match(m.body, /^# TYPE istio_request_duration_milliseconds histogram$/m);
  assert.match(m.body, /^istio_request_duration_milliseconds_bucket\{le="0\.5",reporter="source",source_workload="frontend",source_workload_namespace="shop",source_principal="spiffe:\/\/cluster\.local\/ns\/shop\/sa\/frontend",/m);
  assert.match(m.body, /le="3600000"/);
  assert.match(m.body, /istio_requests_total\{reporter="source",source_workload="frontend",[^}]*destination_service="reviews\.shop\.svc\.cluster\.local",[^}]*response_code="403",response_flags="-",connection_security_policy="mutual_tls"\} 2/);
  assert.match(m.body, /istio_requests_total\{reporter="source",[^}]*destination_service="reviews\.shop\.svc\.cluster\.local",[^}]*response_code="500",response_flags="FI",/);
});

test('every proxy hop is an OpenTelemetry span: client span of the caller\'s sidecar, server span of the callee\'s', async () => {
  const r = await lab.exec(frontend(), ['curl', '-s', 'http://reviews:9080/reviews/7']);
  const traceId = r.stderr.match(/trace id ([0-9a-f]{32})/)?.[1];
  assert.ok(traceId);
  const res = await apiGet(`/api/telemetry/traces?traceId=${traceId}`);
  const otlp = JSON.parse(res.body) as { resourceSpans: { resource: { attributes: { key: string; value: { stringValue: string } }[] }; scopeSpans: { spans: any[] }[] }[] };
  const spans = otlp.resourceSpans.flatMap((rs) => rs.scopeSpans[0].spans.map((s) => ({ ...s, service: rs.resource.attributes[0].value.stringValue })));
  assert.equal(spans.length, 2);
  const client = spans.find((s) => s.kind === 3)!;
  const server = spans.find((s) => s.kind === 2)!;
  assert.equal(client.service, 'frontend.shop');
  assert.match(server.service, /^reviews-v[12]\.shop$/);
  assert.equal(client.name, 'reviews.shop.svc.cluster.local:9080/*');
  assert.equal(server.parentSpanId, client.spanId);
  assert.equal(server.traceId, traceId);
  assert.match(client.startTimeUnixNano, /^\d{19}$/);
  const attr = (s: any, k: string) => s.attributes.find((a: any) => a.key === k)?.value;
  assert.deepEqual(attr(client, 'http.status_code'), { stringValue: '200' });
  assert.match(attr(client, 'upstream_cluster').stringValue, /^outbound\|9080\|v[12]\|reviews\.shop\.svc\.cluster\.local$/);
  assert.deepEqual(attr(server, 'peer.principal'), { stringValue: 'spiffe://cluster.local/ns/shop/sa/frontend' });
});

test('the service graph counts requests per edge with error ratios and mTLS', async () => {
  const g = JSON.parse((await apiGet('/api/mesh/graph?window=600')).body) as { edges: { source: string; target: string; requests: number; errorRatio: number; mtls: string }[] };
  const edge = (s: string, t: string) => g.edges.find((e) => e.source === s && e.target === t);
  const toReviews = edge('workload:shop/frontend', 'service:shop/reviews');
  assert.ok(toReviews && toReviews.requests >= 1020, JSON.stringify(toReviews));
  assert.equal(toReviews.mtls, 'mutual_tls');
  const details = edge('workload:shop/frontend', 'service:shop/details')!;
  assert.equal(details.requests, 200);
  assert.ok(details.errorRatio > 0.3 && details.errorRatio < 0.7, String(details.errorRatio));
  const legacy = edge('workload:legacy/curl', 'service:shop/reviews')!;
  assert.deepEqual({ requests: legacy.requests, errorRatio: legacy.errorRatio, mtls: legacy.mtls }, { requests: 1, errorRatio: 1, mtls: 'none' });
  const bad = await apiGet('/api/mesh/graph?window=0');
  assert.equal(bad.status, 400);
});

test('a NodePort to a STRICT meshed pod: the outside client\'s plaintext connection is reset', async () => {
  const { ManifestSet } = await import('./lab/snapshot.js');
  const np = ManifestSet.parse(`apiVersion: v1
kind: Service
metadata: {name: reviews-np, namespace: shop}
spec:
  type: NodePort
  selector: {app: reviews}
  ports: [{name: http, port: 9080, targetPort: http, nodePort: 30980}]`, '<test>');
  await lab.apply(np.objects);
  const x = lab.exposed().find((e) => e.service === 'shop/reviews-np')!;
  assert.ok(x, JSON.stringify(lab.exposed()));
  const outcome = await new Promise<string>((resolve) => {
    http.get({ host: '127.0.0.1', port: x.localPort, path: '/hostname', agent: false }, (res) => resolve(`HTTP ${res.statusCode}`)).on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
  assert.match(outcome, /^(ECONNRESET|EPIPE)$/);
  const flow = lab.flows.recent(5).reverse().find((f) => f.via === 'nodeport')!;
  assert.equal(flow.verdict, 'dropped');
  assert.match(flow.reason ?? '', /^shop\/reviews-v[12]-\S+ requires mTLS on port 9080 \(STRICT\): the plaintext connection is reset$/);
  assert.match(flow.hops.at(-1)!.text, /PeerAuthentication STRICT \(namespace policy shop\/default\) on port 9080: plaintext from outside the mesh is reset$/);
});

test('the Ingress into the mesh: STRICT resets nginx\'s plaintext (502), authorization answers 403, an allowed request passes', async () => {
  const { ManifestSet } = await import('./lab/snapshot.js');
  const apply = async (text: string) => { await lab.apply(ManifestSet.parse(text, '<test>').objects); };
  await apply(`apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: reviews, namespace: shop}
spec:
  ingressClassName: nginx
  rules:
  - host: reviews.example.com
    http:
      paths: [{path: /, pathType: Prefix, backend: {service: {name: reviews, port: {number: 9080}}}}]`);
  const entry = () => lab.entryListeners().find((e) => e.kind === 'ingress')!;
  const get = (path: string) => new Promise<{ status: number; body: string }>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: entry().http, path, headers: { host: 'reviews.example.com' }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
  const strict = await get('/reviews/1');
  assert.equal(strict.status, 502, strict.body);
  // PERMISSIVE for reviews: the plaintext request gets past mTLS, then the ALLOW policy (frontend's principal) denies it;
  // a policy naming namespaces would not help either (namespaces come from the peer certificate), an ipBlock does.
  await apply(`apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: reviews-permissive, namespace: shop}
spec:
  selector: {matchLabels: {app: reviews}}
  mtls: {mode: PERMISSIVE}`);
  const denied = await get('/reviews/1');
  assert.deepEqual(denied, { status: 403, body: 'RBAC: access denied' });
  await apply(`apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: reviews-from-ingress, namespace: shop}
spec:
  selector: {matchLabels: {app: reviews}}
  action: ALLOW
  rules: [{from: [{source: {ipBlocks: [10.244.0.0/16]}}]}]`);
  const ok = await get('/headers');
  assert.equal(ok.status, 200, ok.body);
  const h = JSON.parse(ok.body) as Record<string, string>;
  assert.equal(h['x-forwarded-client-cert'], undefined, 'plaintext from the ingress: no peer certificate');
  assert.equal(h.host, 'reviews.example.com');
  const m = (await apiGet('/metrics')).body;
  assert.match(m, /istio_requests_total\{reporter="destination",source_workload="ingress-nginx-controller",source_workload_namespace="ingress-nginx",source_principal="unknown",[^}]*response_code="403",[^}]*connection_security_policy="none"\} 1/);
});
