// Live: Gateway spec.tls.frontend (GEP-91) — the proxy asks HTTPS clients for a certificate per port and verifies it
// against that port's CA ConfigMaps (perPort, else the default); AllowValidOnly refuses the handshake without a valid
// one, AllowInsecureFallback lets such clients through. curl with --cert and without; node's TLS client for the refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from '../cluster/cluster.js';
import { app, caAndLeaf, caConfigMap, GATEWAY_CLASS, pemSecret } from '../ingress/test-fixtures.js';
import { EdgeProxy } from './http-proxy.js';
import { podsOf, VirtualPods } from './virtual-pods.js';

const server = caAndLeaf(['a.example', 'b.example', 'c.example']);
const client1 = caAndLeaf(['client-one']);
const client2 = caAndLeaf(['client-two']);

const TEXT = GATEWAY_CLASS + pemSecret('srv', server.crt, server.key) + caConfigMap('clients-1', client1.ca) + caConfigMap('clients-2', client2.ca) + app('web') + `---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  gatewayClassName: podnet
  tls:
    frontend:
      default:
        validation: {caCertificateRefs: [{group: "", kind: ConfigMap, name: clients-1}]}
      perPort:
      - port: 8443
        tls: {validation: {caCertificateRefs: [{group: "", kind: ConfigMap, name: clients-2}]}}
      - port: 9443
        tls: {validation: {mode: AllowInsecureFallback, caCertificateRefs: [{group: "", kind: ConfigMap, name: clients-2}]}}
  listeners:
  - {name: a, port: 443, protocol: HTTPS, hostname: a.example, tls: {certificateRefs: [{name: srv}]}}
  - {name: b, port: 8443, protocol: HTTPS, hostname: b.example, tls: {certificateRefs: [{name: srv}]}}
  - {name: c, port: 9443, protocol: HTTPS, hostname: c.example, tls: {certificateRefs: [{name: srv}]}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r}
spec: {parentRefs: [{name: gw}], rules: [{backendRefs: [{name: web, port: 80}]}]}
`;

interface Outcome { exit: number; body: string; error: string }

function curl(args: string[]): Promise<Outcome> {
  return new Promise((resolve) => execFile('curl', ['-sS', '--max-time', '10', ...args], (err, stdout, stderr) => resolve({ exit: err ? Number((err as { code?: number }).code) : 0, body: stdout, error: stderr.trim() })));
}

test('frontend client certificates live: demanded and verified per port; no certificate fails the handshake, another CA\'s is cut, AllowInsecureFallback lets it through', async () => {
  const cluster = Cluster.load({ text: TEXT });
  const pods = await VirtualPods.start(podsOf(cluster));
  const proxy = await EdgeProxy.start({ cluster, httpPort: 0, httpsPort: 0, resolve: (ep) => pods.addressOf(ep.slice(0, ep.lastIndexOf(':')), Number(ep.slice(ep.lastIndexOf(':') + 1))) });
  try {
    const dir = mkdtempSync(join(tmpdir(), 'podnet-mtls-'));
    const file = (name: string, text: string) => { writeFileSync(join(dir, name), text); return join(dir, name); };
    const ca = file('server-ca.pem', server.ca), c1 = file('c1.pem', client1.crt), k1 = file('k1.pem', client1.key), c2 = file('c2.pem', client2.crt), k2 = file('k2.pem', client2.key);
    const local = (port: number) => proxy.ports.find((p) => p.port === port && p.protocol === 'HTTPS')!.local;
    const get = (host: string, port: number, cert?: [string, string]) =>
      curl(['--cacert', ca, ...(cert ? ['--cert', cert[0], '--key', cert[1]] : []), '--resolve', `${host}:${local(port)}:127.0.0.1`, `https://${host}:${local(port)}/hostname`]);
    const ok = (o: Outcome) => assert.match(o.body, /^web-[a-z0-9]+-[a-z0-9]+$/, JSON.stringify(o));
    // Refusals through node's TLS client, which sends nothing after its Finished: in TLS 1.3 the server's alert comes
    // after the client's Finished, and a client that already sent its request (curl) races it against the reset
    // (curl exits 56 with the alert, or 55).
    // A certificate from another CA passes OpenSSL's handshake (node verifies it afterwards) and the connection is
    // closed before anything is read from it: no alert, no HTTP answer.
    const refusal = (host: string, port: number, cert?: [string, string]) => new Promise<string>((resolve) => {
      let bytes = 0;
      const c = tlsConnect({ host: '127.0.0.1', port: local(port), servername: host, ca: server.ca, ...(cert ? { cert: client(cert[0]), key: client(cert[1]) } : {}) });
      c.on('data', (d: Buffer) => { bytes += d.length; });
      c.on('error', (e: NodeJS.ErrnoException) => resolve(String(e.code)));
      c.on('close', () => resolve(`closed after ${bytes} bytes`));
    });
    const client = (path: string) => readFileSync(path, 'utf8');
    ok(await get('a.example', 443, [c1, k1]));
    assert.equal(await refusal('a.example', 443), 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
    assert.equal(await refusal('a.example', 443, [c2, k2]), 'closed after 0 bytes');
    // Port 8443's perPort entry replaces the default: its CA, not the default's.
    ok(await get('b.example', 8443, [c2, k2]));
    assert.equal(await refusal('b.example', 8443, [c1, k1]), 'closed after 0 bytes');
    assert.equal(await refusal('b.example', 8443), 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
    // AllowInsecureFallback: asked for, not required.
    ok(await get('c.example', 9443));
    ok(await get('c.example', 9443, [c2, k2]));
    ok(await get('c.example', 9443, [c1, k1]));
  } finally {
    await proxy.close();
    await pods.close();
  }
});
