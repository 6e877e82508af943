// Live: one Gateway whose every listener port the proxy serves on loopback — HTTP on two ports, HTTPS, TLS
// passthrough and terminate on one port told apart by SNI, TCP and UDP, and a TCP listener whose
// TCPRoute names a missing Service. Real clients: openssl s_client, node tls/net/dgram, curl.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { Cluster } from '../cluster/cluster.js';
import { caAndLeaf, gatewayWith, pemSecret } from '../ingress/test-fixtures.js';
import { EdgeProxy } from './http-proxy.js';
import { podsOf, VirtualPods } from './virtual-pods.js';
import { ECHO_AND_ROUTES, SECURE_WORKLOAD, tcpExchange, udpExchange } from './stream-fixtures.js';

const pod = caAndLeaf(['backend.internal']);
const gw = caAndLeaf(['gw.example.com']);
const term = caAndLeaf(['term.example.com']);

const LISTENERS = `  - {name: http, port: 80, protocol: HTTP}
  - {name: https, port: 443, protocol: HTTPS, hostname: gw.example.com, tls: {certificateRefs: [{name: gw-cert}]}}
  - {name: pass, port: 8443, protocol: TLS, hostname: backend.internal, tls: {mode: Passthrough}}
  - {name: term, port: 8443, protocol: TLS, hostname: term.example.com, tls: {mode: Terminate, certificateRefs: [{name: term-cert}]}}
  - {name: tcp, port: 9000, protocol: TCP}
  - {name: udp, port: 9002, protocol: UDP}
  - {name: tcp-bad, port: 9001, protocol: TCP}
  - {name: http-alt, port: 8080, protocol: HTTP}
`;

const TEXT = gatewayWith(LISTENERS) + ECHO_AND_ROUTES + pemSecret('serving', pod.crt, pod.key) + pemSecret('gw-cert', gw.crt, gw.key) + pemSecret('term-cert', term.crt, term.key) + SECURE_WORKLOAD + `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web}
spec: {parentRefs: [{name: gw}], rules: [{backendRefs: [{name: echo, port: 80}]}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: TLSRoute
metadata: {name: pass}
spec: {parentRefs: [{name: gw, sectionName: pass}], hostnames: [backend.internal], rules: [{backendRefs: [{name: secure, port: 443}]}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: TLSRoute
metadata: {name: term}
spec: {parentRefs: [{name: gw, sectionName: term}], hostnames: [term.example.com], rules: [{backendRefs: [{name: echo, port: 7000}]}]}
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TCPRoute
metadata: {name: bad}
spec: {parentRefs: [{name: gw, sectionName: tcp-bad}], rules: [{backendRefs: [{name: missing, port: 7000}]}]}
`;

function run(cmd: string, args: string[], input = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = execFile(cmd, args, { timeout: 5_000 }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
    c.stdin?.end(input);
  });
}

test('live Gateway: every listener port is served — TLS passthrough and terminate by SNI, TCP and UDP echo, HTTP on a second port; an invalid backend is refused', async () => {
  const cluster = Cluster.load({ text: TEXT });
  const pods = await VirtualPods.start(podsOf(cluster));
  const lines: string[] = [];
  const proxy = await EdgeProxy.start({ cluster, httpPort: 0, httpsPort: 0, log: (l) => lines.push(l), resolve: (ep, protocol) => pods.addressOf(ep.slice(0, ep.lastIndexOf(':')), Number(ep.slice(ep.lastIndexOf(':') + 1)), protocol) });
  try {
    const local = (port: number, protocol: string) => proxy.ports.find((p) => p.port === port && p.protocol === protocol)!.local;
    assert.deepEqual(proxy.ports.map((p) => `${p.protocol}/${p.port}`), ['HTTP/80', 'HTTPS/443', 'HTTPS/8443', 'TCP/9000', 'UDP/9002', 'TCP/9001', 'HTTP/8080']);
    assert.equal(local(80, 'HTTP'), proxy.httpPort);
    assert.equal(local(443, 'HTTPS'), proxy.httpsPort);
    const dir = mkdtempSync(join(tmpdir(), 'podnet-streams-'));
    writeFileSync(join(dir, 'pod-ca.pem'), pod.ca);

    // Passthrough: the certificate openssl sees is the pod's (CN backend.internal from the pod's CA), not the Gateway's.
    const tlsPort = local(8443, 'HTTPS');
    const s = await run('openssl', ['s_client', '-connect', `127.0.0.1:${tlsPort}`, '-servername', 'backend.internal', '-CAfile', join(dir, 'pod-ca.pem'), '-verify_return_error', '-brief', '-ign_eof'], 'GET /hostname HTTP/1.1\r\nHost: backend.internal\r\nConnection: close\r\n\r\n');
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stderr, /Peer certificate: CN\s*=\s*backend\.internal\n/);
    assert.match(s.stderr, /Verification: OK\n/);
    assert.match(s.stdout, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nsecure-[a-z0-9]+-[a-z0-9]+$/);

    // Terminate: the Gateway ends TLS with term-cert and sends the plain bytes to the pod's TCP echo.
    const echoed = await new Promise<{ subject: string; reply: string }>((resolve, reject) => {
      let reply = '';
      const c = tlsConnect({ host: '127.0.0.1', port: tlsPort, servername: 'term.example.com', ca: term.ca }, () => c.write('terminated hello\n'));
      c.setEncoding('utf8');
      c.on('data', (d: string) => { reply += d; if (reply.length >= 17) { const subject = String(c.getPeerCertificate().subject.CN); c.destroy(); resolve({ subject, reply }); } });
      c.on('error', reject);
    });
    assert.deepEqual(echoed, { subject: 'term.example.com', reply: 'terminated hello\n' });

    // TCPRoute: exact bytes back from the pod's echo; UDPRoute: the datagram echoed.
    assert.deepEqual(await tcpExchange(local(9000, 'TCP'), 'tcp ping\n', 9), { reply: 'tcp ping\n' });
    const reply = await udpExchange(local(9002, 'UDP'), 'udp ping');
    assert.equal(reply, 'udp ping');

    // A TCPRoute whose backend is invalid: the connection is reset, no HTTP answer.
    assert.deepEqual(await tcpExchange(local(9001, 'TCP'), 'anyone?\n', 1), { reply: '', error: 'ECONNRESET' });
    assert.ok(lines.some((l) => /"TCP :9001" refused: TCPRoute default\/bad .*missing.*the connection is refused/.test(l)), lines.join('\n'));

    // HTTP on the second HTTP listener port and HTTPS on 443 with the Gateway's certificate.
    const alt = await run('curl', ['-s', '-H', 'Host: any.example', `http://127.0.0.1:${local(8080, 'HTTP')}/hostname`]);
    assert.match(alt.stdout, /^echo-[a-z0-9]+-[a-z0-9]+$/);
    writeFileSync(join(dir, 'gw-ca.pem'), gw.ca);
    const https = await run('curl', ['-s', '--cacert', join(dir, 'gw-ca.pem'), '--resolve', `gw.example.com:${proxy.httpsPort}:127.0.0.1`, `https://gw.example.com:${proxy.httpsPort}/hostname`]);
    assert.match(https.stdout, /^echo-[a-z0-9]+-[a-z0-9]+$/);
  } finally {
    await proxy.close();
    await pods.close();
  }
});
