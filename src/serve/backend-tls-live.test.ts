// Live: a Gateway with a BackendTLSPolicy originates TLS to a virtual pod that serves the kubernetes.io/tls Secret it
// mounts; curl talks plain HTTP to the Gateway, the pod answers over TLS verified against the policy's CA.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from '../cluster/cluster.js';
import { caAndLeaf, caConfigMap, gatewayWith, pemSecret } from '../ingress/test-fixtures.js';
import { createServer as createHttpsServer } from 'node:https';
import { EdgeProxy } from './http-proxy.js';
import { certificateAuthority, issueCertificate } from './tls-material.js';
import { podsOf, VirtualPods } from './virtual-pods.js';
import { SECURE_WORKLOAD } from './stream-fixtures.js';

const pem = caAndLeaf(['backend.internal']);
const TEXT = gatewayWith('  - {name: http, port: 80, protocol: HTTP}\n') + pemSecret('serving', pem.crt, pem.key) + caConfigMap('ca', pem.ca) + SECURE_WORKLOAD + `---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: {name: tls-to-secure}
spec:
  targetRefs: [{group: "", kind: Service, name: secure}]
  validation: {caCertificateRefs: [{group: "", kind: ConfigMap, name: ca}], hostname: backend.internal}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r}
spec: {parentRefs: [{name: gw}], rules: [{backendRefs: [{name: secure, port: 443}]}]}
`;

function curl(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => execFile('curl', ['-s', '--max-time', '10', ...args], (err, stdout, stderr) => (err && !stdout ? reject(new Error(`${err.message} ${stderr}`)) : resolve(stdout))));
}

test('BackendTLSPolicy live: the Gateway speaks TLS to the pod (SNI backend.internal, the policy CA), the pod serves its mounted Secret', async () => {
  const cluster = Cluster.load({ text: TEXT });
  const pods = await VirtualPods.start(podsOf(cluster));
  // A tap between the proxy and the pod: it records the first byte of each upstream connection (0x16 opens TLS).
  const firstBytes: number[] = [];
  const endpoint = pods.endpoints().find((e) => e.pod.name.startsWith('secure-'))!;
  const tap = createServer((c) => {
    const up = connect(endpoint.address.port, endpoint.address.host);
    c.once('data', (b) => firstBytes.push(b[0]));
    c.pipe(up).pipe(c);
    c.on('error', () => up.destroy());
    up.on('error', () => c.destroy());
  });
  await new Promise<void>((r) => tap.listen(0, '127.0.0.1', () => r()));
  const proxy = await EdgeProxy.start({ cluster, httpPort: 0, httpsPort: 0, resolve: () => ({ host: '127.0.0.1', port: (tap.address() as AddressInfo).port }) });
  try {
    const out = await curl(['-H', 'Host: any.example', `http://127.0.0.1:${proxy.httpPort}/hostname`]);
    assert.match(out, /^secure-/);
    assert.deepEqual(firstBytes, [0x16]);
    // The pod itself: TLS with the mounted certificate, verified by curl against the CA.
    const dir = mkdtempSync(join(tmpdir(), 'podnet-btls-'));
    writeFileSync(join(dir, 'ca.pem'), pem.ca);
    const direct = await curl(['--cacert', join(dir, 'ca.pem'), '--resolve', `backend.internal:${endpoint.address.port}:127.0.0.1`, `https://backend.internal:${endpoint.address.port}/hostname`]);
    assert.match(direct, /^secure-/);
  } finally {
    await proxy.close();
    await pods.close();
    await new Promise<void>((r) => tap.close(() => r()));
  }
});

test('TLS passthrough live: the SNI of a passthrough TLSRoute reaches the pod still encrypted (the client sees the pod\'s certificate); other names end at the HTTPS listener', async () => {
  const gwPair = caAndLeaf(['gw.example.com']);
  const text = TEXT.replace('  - {name: http, port: 80, protocol: HTTP}\n', '  - {name: http, port: 80, protocol: HTTP}\n  - {name: pass, port: 443, protocol: TLS, hostname: backend.internal, tls: {mode: Passthrough}}\n  - {name: https, port: 443, protocol: HTTPS, hostname: gw.example.com, tls: {certificateRefs: [{name: gw-cert}]}}\n') + pemSecret('gw-cert', gwPair.crt, gwPair.key) + `---
apiVersion: gateway.networking.k8s.io/v1
kind: TLSRoute
metadata: {name: pass}
spec: {parentRefs: [{name: gw, sectionName: pass}], hostnames: [backend.internal], rules: [{backendRefs: [{name: secure, port: 443}]}]}
`;
  const cluster = Cluster.load({ text });
  const pods = await VirtualPods.start(podsOf(cluster));
  const proxy = await EdgeProxy.start({ cluster, httpPort: 0, httpsPort: 0, resolve: (ep) => pods.addressOf(ep.slice(0, ep.lastIndexOf(':')), Number(ep.slice(ep.lastIndexOf(':') + 1))) });
  try {
    const dir = mkdtempSync(join(tmpdir(), 'podnet-pass-'));
    writeFileSync(join(dir, 'pod-ca.pem'), pem.ca);
    writeFileSync(join(dir, 'gw-ca.pem'), gwPair.ca);
    const p = proxy.httpsPort;
    const pass = await curl(['--cacert', join(dir, 'pod-ca.pem'), '--resolve', `backend.internal:${p}:127.0.0.1`, `https://backend.internal:${p}/hostname`]);
    assert.match(pass, /^secure-/, 'verified against the pod\'s CA: the Gateway did not terminate');
    const term = await curl(['--cacert', join(dir, 'gw-ca.pem'), '--resolve', `gw.example.com:${p}:127.0.0.1`, `https://gw.example.com:${p}/hostname`]);
    assert.match(term, /^secure-/, 'the HTTPS listener terminates with its own certificate and routes (over TLS to the pod)');
  } finally {
    await proxy.close();
    await pods.close();
  }
});

test('BackendTLSPolicy subjectAltNames live: the certificate the pod really serves must carry one of them (a server with only the hostname gets 502)', async () => {
  const ca = certificateAuthority('san-test-ca')!;
  const good = issueCertificate(ca, { cn: 'backend.internal', dns: ['backend.internal', 'san.internal'] }, 'server')!;
  const impostor = issueCertificate(ca, { cn: 'backend.internal', dns: ['backend.internal'] }, 'server')!;
  const text = TEXT.replace(pemSecret('serving', pem.crt, pem.key), pemSecret('serving', good.cert, good.key)).replace(caConfigMap('ca', pem.ca), caConfigMap('ca', ca.cert))
    .replace('hostname: backend.internal}', 'hostname: backend.internal, subjectAltNames: [{type: Hostname, hostname: san.internal}]}');
  const cluster = Cluster.load({ text });
  const pods = await VirtualPods.start(podsOf(cluster));
  // Same CA, same hostname, but not the SAN the policy asks for: only the live check can tell.
  const other = createHttpsServer({ cert: impostor.cert, key: impostor.key }, (_q, r) => r.end('impostor'));
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
  let target: 'pod' | 'impostor' = 'pod';
  const endpoint = pods.endpoints().find((e) => e.pod.name.startsWith('secure-'))!;
  const proxy = await EdgeProxy.start({ cluster, httpPort: 0, httpsPort: 0, resolve: () => (target === 'pod' ? endpoint.address : { host: '127.0.0.1', port: (other.address() as AddressInfo).port }) });
  try {
    assert.match(await curl(['-H', 'Host: any.example', `http://127.0.0.1:${proxy.httpPort}/hostname`]), /^secure-/);
    target = 'impostor';
    const out = await curl(['-o', '/dev/null', '-w', '%{http_code}', '-H', 'Host: other.example', `http://127.0.0.1:${proxy.httpPort}/hostname`]);
    assert.equal(out, '502');
  } finally {
    await proxy.close();
    await pods.close();
    await new Promise<void>((r) => other.close(() => r()));
  }
});
