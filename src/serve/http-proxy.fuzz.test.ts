// The edge proxy never dies on bad input: 3,000 connections carrying mutated HTTP/1.1 requests (bit flips, cut heads,
// doubled or broken header lines, huge values, stray bytes after a request, random garbage) against the cleartext
// port with real routes and real backends. Every connection ends (answered or closed), nothing throws, and a valid
// request afterwards is still answered by a backend pod.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Cluster } from '../cluster/cluster.js';
import { seededRandom } from '../util/prng.js';
import { EdgeProxy } from './http-proxy.js';
import { podsOf, VirtualPods } from './virtual-pods.js';

const MANIFESTS = `apiVersion: apps/v1
kind: Deployment
metadata: {name: backend, namespace: default}
spec:
  replicas: 2
  selector: {matchLabels: {app: backend}}
  template:
    metadata: {labels: {app: backend}}
    spec: {containers: [{name: c, image: agnhost, ports: [{containerPort: 8080}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: backend, namespace: default}
spec: {selector: {app: backend}, ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: app
  namespace: default
  annotations: {nginx.ingress.kubernetes.io/rewrite-target: /$2}
spec:
  rules:
  - host: app.example.com
    http:
      paths: [{path: /api(/|$)(.*), pathType: ImplementationSpecific, backend: {service: {name: backend, port: {number: 80}}}}]
`;

const SEEDS = [
  'GET /api/items HTTP/1.1\r\nHost: app.example.com\r\nUser-Agent: fuzz\r\n\r\n',
  'POST /api/x HTTP/1.1\r\nHost: app.example.com\r\nContent-Length: 5\r\n\r\nhello',
  'GET /api/y HTTP/1.1\r\nHost: app.example.com\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
  'HEAD / HTTP/1.0\r\nHost: app.example.com\r\nConnection: keep-alive\r\n\r\n',
  'GET /api/a HTTP/1.1\r\nHost: app.example.com\r\n\r\nGET /api/b HTTP/1.1\r\nHost: app.example.com\r\n\r\n',
];

function mutate(r: () => number, seed: string): Buffer {
  const b = Buffer.from(seed, 'latin1');
  const pick = (n: number) => Math.floor(r() * n);
  switch (pick(8)) {
    case 0: { const c = Buffer.from(b); for (let i = 0; i < 1 + pick(4); i++) c[pick(c.length)] ^= 1 << pick(8); return c; }
    case 1: return b.subarray(0, pick(b.length));
    case 2: return Buffer.concat([b.subarray(0, b.indexOf('\r\n') + 2), Buffer.from(`X-Big: ${'a'.repeat(pick(20_000))}\r\n`), b.subarray(b.indexOf('\r\n') + 2)]);
    case 3: return Buffer.from(seed.replace('\r\n', `\r\nHost: other${pick(3)}.example.com\r\n`), 'latin1');
    case 4: return Buffer.from(seed.replace(/\r\n/g, pick(2) ? '\n' : '\r'), 'latin1');
    case 5: return Buffer.concat([b, Buffer.from(Array.from({ length: pick(64) }, () => pick(256)))]);
    case 6: return Buffer.from(Array.from({ length: 1 + pick(512) }, () => pick(256)));
    default: return Buffer.from(seed.replace('HTTP/1.1', ['HTTP/2.0', 'HTTP/1.9', 'HTP/1.1', 'HTTP/1.1 x'][pick(4)]), 'latin1');
  }
}

function exchange(port: number, data: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    const done = () => { clearTimeout(t); s.destroy(); resolve(); };
    // Cut requests wait for more bytes: end our side, and give up after a moment (the server's 408 is not waited for).
    const t = setTimeout(done, 300);
    s.on('error', done);
    s.on('close', done);
    s.on('data', () => undefined);
    s.write(data, () => s.end());
  });
}

test('3,000 mutated requests: the proxy answers or closes each, and still serves a valid request', async () => {
  const cluster = Cluster.load({ text: MANIFESTS });
  const pods = await VirtualPods.start(podsOf(cluster));
  const proxy = await EdgeProxy.start({ cluster, httpPort: 0, resolve: (ep) => pods.addressOf(ep.slice(0, ep.lastIndexOf(':')), Number(ep.slice(ep.lastIndexOf(':') + 1))) });
  const errors: unknown[] = [];
  const onError = (e: unknown) => errors.push(e);
  process.on('uncaughtException', onError);
  try {
    const r = seededRandom(2026);
    const batch = 50;
    for (let i = 0; i < 3000; i += batch) {
      await Promise.all(Array.from({ length: batch }, () => exchange(proxy.httpPort, mutate(r, SEEDS[Math.floor(r() * SEEDS.length)]))));
    }
    const answer = await new Promise<string>((resolve, reject) => {
      const s = connect(proxy.httpPort, '127.0.0.1');
      let text = '';
      s.on('data', (d) => { text += d; if (text.includes('\r\n\r\n') && /answered/.test(text)) { s.destroy(); resolve(text); } });
      s.on('error', reject);
      s.write('GET /api/hostname-check HTTP/1.1\r\nHost: app.example.com\r\nConnection: close\r\n\r\n');
      s.on('end', () => resolve(text));
    });
    assert.match(answer, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(answer, /pod default\/backend-\S+ \(\S+:8080 on \S+\) answered GET \/hostname-check/);
    assert.deepEqual(errors, []);
  } finally {
    process.off('uncaughtException', onError);
    await proxy.close();
    await pods.close();
  }
});
