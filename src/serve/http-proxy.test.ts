// Live tests: real curl and real TLS against the proxy on 127.0.0.1, backends are virtual pods.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from '../cluster/cluster.js';
import { EdgeProxy } from './http-proxy.js';
import { selfSignedKeyPair } from './tls-material.js';
import { podsOf, VirtualPods } from './virtual-pods.js';

const dir = mkdtempSync(join(tmpdir(), 'podnet-proxy-'));
const pair = selfSignedKeyPair('my-app.example.com')!;
const caFile = join(dir, 'ca.pem');
writeFileSync(caFile, pair.cert);
const gwPair = selfSignedKeyPair('gw.example.com')!;
const gwCaFile = join(dir, 'gw-ca.pem');
writeFileSync(gwCaFile, gwPair.cert);
const b64 = (s: string) => Buffer.from(s).toString('base64');

function deployment(name: string, ns: string, replicas: number): string {
  return `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${ns}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {containers: [{name: c, image: agnhost, ports: [{containerPort: 8080}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${ns}}
spec: {selector: {app: ${name}}, ports: [{port: 80, targetPort: 8080}]}
`;
}

const INGRESS = `apiVersion: v1
kind: Namespace
metadata: {name: production}
---
apiVersion: v1
kind: Secret
metadata: {name: my-app-tls, namespace: production}
type: kubernetes.io/tls
data: {tls.crt: ${b64(pair.cert)}, tls.key: ${b64(pair.key)}}
` + deployment('backend', 'production', 3) + deployment('canary', 'production', 1) + `---
apiVersion: v1
kind: Service
metadata: {name: empty, namespace: production}
spec: {selector: {app: none}, ports: [{port: 80}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: my-app, namespace: production}
spec:
  tls: [{hosts: [my-app.example.com], secretName: my-app-tls}]
  rules:
  - host: my-app.example.com
    http:
      paths:
      - {path: /api, pathType: Prefix, backend: {service: {name: backend, port: {number: 80}}}}
      - {path: /empty, pathType: Prefix, backend: {service: {name: empty, port: {number: 80}}}}
      - {path: /docs/, pathType: Prefix, backend: {service: {name: backend, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: my-app-canary
  namespace: production
  annotations: {nginx.ingress.kubernetes.io/canary: "true", nginx.ingress.kubernetes.io/canary-by-header: X-Canary}
spec:
  rules:
  - host: my-app.example.com
    http:
      paths: [{path: /api, pathType: Prefix, backend: {service: {name: canary, port: {number: 80}}}}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: limited
  namespace: production
  annotations: {nginx.ingress.kubernetes.io/limit-rps: "1", nginx.ingress.kubernetes.io/limit-burst-multiplier: "2"}
spec:
  rules:
  - host: limited.example.com
    http:
      paths: [{path: /, pathType: Prefix, backend: {service: {name: backend, port: {number: 80}}}}]
`;

const GATEWAY = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: podnet}
spec: {controllerName: podnet.dev/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  gatewayClassName: podnet
  listeners:
  - {name: http, port: 80, protocol: HTTP}
  - {name: https, port: 443, protocol: HTTPS, hostname: gw.example.com, tls: {certificateRefs: [{name: gw-cert}]}}
---
apiVersion: v1
kind: Secret
metadata: {name: gw-cert, namespace: default}
type: kubernetes.io/tls
data: {tls.crt: ${b64(gwPair.cert)}, tls.key: ${b64(gwPair.key)}}
` + deployment('v1', 'default', 1) + deployment('v2', 'default', 1) + `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: default}
spec:
  parentRefs: [{name: gw}]
  hostnames: [gw.example.com]
  rules:
  - matches: [{path: {type: PathPrefix, value: /split}}]
    filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /}}}]
    backendRefs: [{name: v1, port: 80, weight: 50}, {name: v2, port: 80, weight: 50}]
  - matches: [{path: {type: PathPrefix, value: /hdr}}]
    filters:
    - {type: URLRewrite, urlRewrite: {path: {type: ReplaceFullPath, replaceFullPath: /headers}}}
    - {type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: X-Team, value: blue}], remove: [x-drop]}}
    - {type: ResponseHeaderModifier, responseHeaderModifier: {add: [{name: X-Served-By, value: podnet}]}}
    backendRefs: [{name: v1, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /old}}]
    filters: [{type: RequestRedirect, requestRedirect: {hostname: new.example.com, statusCode: 301}}]
  - matches: [{path: {type: PathPrefix, value: /cors}}]
    filters: [{type: CORS, cors: {allowOrigins: ["https://app.example.com"], allowMethods: [GET, PUT], maxAge: 60}}]
    backendRefs: [{name: v1, port: 80}]
`;

interface Edge { proxy: EdgeProxy; pods: VirtualPods }
async function start(text: string): Promise<Edge> {
  const cluster = Cluster.load({ text });
  const pods = await VirtualPods.start(podsOf(cluster));
  const proxy = await EdgeProxy.start({ cluster, httpPort: 0, httpsPort: 0, resolve: (ep) => pods.addressOf(ep.slice(0, ep.lastIndexOf(':')), Number(ep.slice(ep.lastIndexOf(':') + 1))) });
  return { proxy, pods };
}

function curl(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => execFile('curl', ['-s', '--max-time', '10', ...args], (err, stdout, stderr) => (err && !stdout ? reject(new Error(`${err.message} ${stderr}`)) : resolve(stdout))));
}

let ing: Edge;
let gw: Edge;
before(async () => { ing = await start(INGRESS); gw = await start(GATEWAY); });
after(async () => { for (const e of [ing, gw]) { await e.proxy.close(); await e.pods.close(); } });

const resolveTo = (host: string, port: number) => ['--resolve', `${host}:${port}:127.0.0.1`];

test('HTTPS with the Secret\'s certificate, verified by curl against its CA; the pods answer in turn', async () => {
  const p = ing.proxy.httpsPort;
  const out = await curl([...resolveTo('my-app.example.com', p), '--cacert', caFile, '-w', '\n%{ssl_verify_result} %{http_code}', ...[1, 2, 3].map(() => `https://my-app.example.com:${p}/api/x`)]);
  const pods = [...out.matchAll(/pod production\/(backend-[a-z0-9]+-[a-z0-9]+) /g)].map((m) => m[1]);
  assert.equal(new Set(pods).size, 3, out);
  assert.deepEqual([...out.matchAll(/\n(\d+ \d+)/g)].map((m) => m[1]), ['0 200', '0 200', '0 200']);
});

test('HTTP/2 over TLS, and an unknown SNI gets the fallback certificate', async () => {
  const p = ing.proxy.httpsPort;
  assert.equal(await curl(['-k', '--http2', '-o', '/dev/null', '-w', '%{http_version} %{http_code}', ...resolveTo('my-app.example.com', p), `https://my-app.example.com:${p}/api/hostname`]), '2 200');
  const verbose = await new Promise<string>((resolve) => execFile('curl', ['-skv', '-o', '/dev/null', ...resolveTo('other.example.com', p), `https://other.example.com:${p}/`], (_e, _o, stderr) => resolve(stderr)));
  assert.match(verbose, /subject: O=Acme Co; CN=Kubernetes Ingress Controller Fake Certificate/);
});

test('plain HTTP to the TLS host: 308 to the live https port; canary by header; 503 without endpoints', async () => {
  const h = ing.proxy.httpPort;
  const s = ing.proxy.httpsPort;
  const redirect = await curl(['-o', '/dev/null', '-w', '%{http_code} %{redirect_url}', ...resolveTo('my-app.example.com', h), `http://my-app.example.com:${h}/api/x?q=1`]);
  assert.equal(redirect, `308 https://my-app.example.com:${s}/api/x?q=1`);
  const canary = await curl(['-k', '-H', 'X-Canary: always', ...resolveTo('my-app.example.com', s), `https://my-app.example.com:${s}/api/hostname`]);
  assert.match(canary, /^pod production\/canary-/);
  const empty = await curl(['-k', '-w', '%{http_code}', ...resolveTo('my-app.example.com', s), `https://my-app.example.com:${s}/empty`]);
  assert.equal(empty, '503 Service Temporarily Unavailable\n503');
});

test('limit-rps 1 with burst multiplier 2 admits 3 quick requests, then 503', async () => {
  const h = ing.proxy.httpPort;
  const codes = await curl(['-w', '%{http_code}\n', ...resolveTo('limited.example.com', h), ...Array.from({ length: 5 }, () => ['-o', '/dev/null', `http://limited.example.com:${h}/x`]).flat()]);
  assert.deepEqual(codes.trim().split('\n'), ['200', '200', '200', '503', '503']);
});

test('Gateway: header modifiers and rewrite reach the pod, response header added, redirect, weighted split', async () => {
  const h = gw.proxy.httpPort;
  const out = await curl(['-i', '-H', 'X-Drop: 1', '-H', 'X-Keep: 2', ...resolveTo('gw.example.com', h), `http://gw.example.com:${h}/hdr/anything`]);
  assert.match(out, /x-served-by: podnet/i);
  const body = JSON.parse(out.slice(out.indexOf('{')));
  assert.equal(body['x-team'], 'blue');
  assert.equal(body['x-keep'], '2');
  assert.equal(body['x-drop'], undefined);
  assert.equal(body.host, `gw.example.com:${h}`);
  const redirect = await curl(['-o', '/dev/null', '-w', '%{http_code} %{redirect_url}', ...resolveTo('gw.example.com', h), `http://gw.example.com:${h}/old/page`]);
  assert.equal(redirect, '301 http://new.example.com/old/page');
  const many = await curl([...resolveTo('gw.example.com', h), '-w', '\n', ...Array.from({ length: 40 }, () => `http://gw.example.com:${h}/split/hostname`)]);
  const seen = new Set(many.trim().split('\n').map((l) => l.replace(/-[a-z0-9]+-[a-z0-9]+$/, '')));
  assert.deepEqual([...seen].sort(), ['v1', 'v2']);
});

test('Gateway HTTPS listener: the certificateRef Secret is served (verified by curl), HTTP/2 works', async () => {
  const s = gw.proxy.httpsPort;
  const out = await curl(['--cacert', gwCaFile, '--http2', '-w', '\n%{ssl_verify_result} %{http_version} %{http_code}', ...resolveTo('gw.example.com', s), `https://gw.example.com:${s}/split/hostname`]);
  assert.match(out, /^v[12]-[a-z0-9]+-[a-z0-9]+\n0 2 200$/);
});

test('ingress-nginx: /docs with only the Prefix /docs/ gets nginx\'s 301 to /docs/ (no port: port_in_redirect off); /docs/ is proxied', async () => {
  const s = ing.proxy.httpsPort;
  const out = await curl(['-k', '-o', '/dev/null', '-w', '%{http_code} %{redirect_url}', ...resolveTo('my-app.example.com', s), `https://my-app.example.com:${s}/docs?x=1`]);
  assert.equal(out, '301 https://my-app.example.com/docs/?x=1');
  assert.match(await curl(['-k', ...resolveTo('my-app.example.com', s), `https://my-app.example.com:${s}/docs/`]), /^pod production\/backend-/);
});

test('CORS: the Gateway answers a preflight itself (204, Access-Control-*); an actual request gets Allow-Origin from the backend\'s answer', async () => {
  const h = gw.proxy.httpPort;
  const pre = await curl(['-i', '-X', 'OPTIONS', '-H', 'Origin: https://app.example.com', '-H', 'Access-Control-Request-Method: PUT', ...resolveTo('gw.example.com', h), `http://gw.example.com:${h}/cors/x`]);
  assert.match(pre, /^HTTP\/1.1 204 /);
  assert.match(pre, /access-control-allow-origin: https:\/\/app.example.com\r\n/i);
  assert.match(pre, /access-control-allow-methods: GET, PUT\r\n/i);
  assert.match(pre, /access-control-max-age: 60\r\n/i);
  assert.doesNotMatch(pre, /pod default\//, 'no backend answered');
  const actual = await curl(['-i', '-H', 'Origin: https://app.example.com', ...resolveTo('gw.example.com', h), `http://gw.example.com:${h}/cors/x`]);
  assert.match(actual, /^HTTP\/1.1 200 /);
  assert.match(actual, /access-control-allow-origin: https:\/\/app.example.com\r\n/i);
  assert.match(actual, /pod default\/v1-/);
});

test('malformed requests get 400 and the proxy keeps serving', async () => {
  const h = gw.proxy.httpPort;
  const reply = await new Promise<string>((resolve) => {
    const s = connect(h, '127.0.0.1', () => s.write('GARBAGE\r\n\r\n'));
    let data = '';
    s.on('data', (c) => (data += c));
    s.on('close', () => resolve(data));
    s.on('error', () => resolve(data));
  });
  assert.match(reply, /^HTTP\/1\.1 400 Bad Request/);
  assert.equal(await curl(['-o', '/dev/null', '-w', '%{http_code}', ...resolveTo('gw.example.com', h), `http://gw.example.com:${h}/split/`]), '200');
});

test('route timeouts: no answer within timeouts.request gives 504; durations parse like Gateway API durations', async () => {
  const { createServer } = await import('node:http');
  const { parseDuration } = await import('./http-proxy.js');
  assert.deepEqual(['10s', '500ms', '1h30m', '1m5s', '', 'x', '10'].map((d) => parseDuration(d)), [10000, 500, 5400000, 65000, undefined, undefined, undefined]);
  const silent = createServer(() => undefined);
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const port = (silent.address() as { port: number }).port;
  const cluster = Cluster.load({ text: GATEWAY.replace('  - matches: [{path: {type: PathPrefix, value: /split}}]', '  - matches: [{path: {type: PathPrefix, value: /slow}}]\n    timeouts: {request: 300ms}\n    backendRefs: [{name: v1, port: 80}]\n  - matches: [{path: {type: PathPrefix, value: /split}}]') });
  const proxy = await EdgeProxy.start({ cluster, httpPort: 0, resolve: () => ({ host: '127.0.0.1', port }) });
  try {
    const t0 = Date.now();
    const code = await curl(['-o', '/dev/null', '-w', '%{http_code}', ...resolveTo('gw.example.com', proxy.httpPort), `http://gw.example.com:${proxy.httpPort}/slow`]);
    assert.equal(code, '504');
    assert.ok(Date.now() - t0 < 3000);
  } finally {
    await proxy.close();
    silent.closeAllConnections();
    silent.close();
  }
});

test('answers reach the client as the upstream sent them: big bodies streamed, HEAD, bodies of requests forwarded', async () => {
  const { createServer } = await import('node:http');
  const seen: { method: string; url: string; headers: Record<string, unknown>; body: string }[] = [];
  const upstream = createServer((req, res) => {
    let body = '';
    req.setEncoding('latin1');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      if (req.url === '/api/big') {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'set-cookie': ['a=1', 'b=2'] });
        for (let i = 0; i < 30; i++) res.write('x'.repeat(10_000));
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(Buffer.byteLength(`${req.method} ${body}`)) });
      res.end(req.method === 'HEAD' ? undefined : `${req.method} ${body}`);
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const port = (upstream.address() as { port: number }).port;
  const plain = `---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: plain, namespace: production}
spec:
  rules:
  - host: plain.example.com
    http:
      paths: [{path: /, pathType: Prefix, backend: {service: {name: backend, port: {number: 80}}}}]
`;
  const proxy = await EdgeProxy.start({ cluster: Cluster.load({ text: INGRESS + plain }), httpPort: 0, resolve: () => ({ host: '127.0.0.1', port }) });
  const url = (path: string) => [...resolveTo('plain.example.com', proxy.httpPort), `http://plain.example.com:${proxy.httpPort}${path}`];
  try {
    const big = await curl(['-D', '-', ...url('/api/big')]);
    assert.equal(big.length - big.indexOf('\r\n\r\n') - 4, 300_000);
    assert.match(big, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(big, /set-cookie: a=1\r\nset-cookie: b=2\r\n/);
    assert.match(big, /transfer-encoding: chunked/i);
    assert.equal(await curl(['-I', '-o', '/dev/null', '-w', '%{http_code} %{size_download}', ...url('/api/head')]), '200 0');
    assert.equal(await curl(['-d', 'a=1&b=2', ...url('/api/post')]), 'POST a=1&b=2');
    assert.equal(await curl(['-X', 'POST', ...url('/api/empty')]), 'POST ');
    const get = seen.find((s) => s.url === '/api/big')!;
    assert.equal(get.headers['connection'], 'keep-alive');
    assert.equal(get.headers['content-length'], undefined);
    assert.equal(get.headers['x-forwarded-host'], `plain.example.com:${proxy.httpPort}`);
    assert.equal(seen.find((s) => s.url === '/api/post')!.headers['content-length'], '7');
    assert.equal(seen.find((s) => s.url === '/api/empty')!.headers['content-length'], '0');
    assert.deepEqual(seen.map((s) => s.method), ['GET', 'HEAD', 'POST', 'POST']);
  } finally {
    await proxy.close();
    upstream.closeAllConnections();
    upstream.close();
  }
});
