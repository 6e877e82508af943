import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withComputedStatus } from './index.js';
import { app, ask, gatewayWith, load, tlsSecret } from './test-fixtures.js';

const listeners = `  - {name: pass, port: 443, protocol: TLS, hostname: "*.pass.example", tls: {mode: Passthrough}}
  - {name: term, port: 443, protocol: TLS, hostname: db.term.example, tls: {mode: Terminate, certificateRefs: [{name: cert}]}}
  - {name: tcp, port: 5432, protocol: TCP}
  - {name: udp, port: 5353, protocol: UDP}
`;

function route(kind: string, name: string, spec: string, created = '2026-01-01T00:00:00Z'): string {
  return `---
apiVersion: gateway.networking.k8s.io/v1
kind: ${kind}
metadata: {name: ${name}, creationTimestamp: "${created}"}
spec:
${spec}`;
}

const text = gatewayWith(listeners) + tlsSecret('cert', 'default', ['db.term.example']) + app('a') + app('b') + app('c') +
  route('TLSRoute', 'pass', '  parentRefs: [{name: gw, sectionName: pass}]\n  hostnames: [app.pass.example]\n  rules: [{backendRefs: [{name: a, port: 80}]}]\n') +
  route('TLSRoute', 'term', '  parentRefs: [{name: gw, sectionName: term}]\n  hostnames: [db.term.example]\n  rules: [{backendRefs: [{name: b, port: 80}]}]\n') +
  route('TLSRoute', 'broken', '  parentRefs: [{name: gw, sectionName: pass}]\n  hostnames: [gone.pass.example]\n  rules: [{backendRefs: [{name: nothing, port: 80}]}]\n') +
  route('TCPRoute', 'old', '  parentRefs: [{name: gw, sectionName: tcp}]\n  rules: [{backendRefs: [{name: c, port: 80}]}]\n', '2026-01-01T00:00:00Z') +
  route('TCPRoute', 'new', '  parentRefs: [{name: gw, sectionName: tcp}]\n  rules: [{backendRefs: [{name: a, port: 80}]}]\n', '2026-01-05T00:00:00Z') +
  route('UDPRoute', 'dns', '  parentRefs: [{name: gw, port: 5353}]\n  rules: [{backendRefs: [{name: b, port: 80}]}]\n');

test('TLSRoute: Passthrough forwards the encrypted stream by SNI; Terminate ends TLS with the listener certificate', () => {
  const { model } = load(text);
  const p = ask(model, 'https://app.pass.example/');
  assert.deepEqual([p.status, p.backend?.service, p.passthrough, p.stream, p.tls], [200, 'a', true, { protocol: 'TLS', terminated: false }, undefined]);
  const t = ask(model, 'https://db.term.example/');
  assert.deepEqual([t.status, t.backend?.service, t.passthrough, t.stream, t.tls], [200, 'b', undefined, { protocol: 'TLS', terminated: true }, { secret: 'default/cert', sni: 'db.term.example' }]);
  assert.equal(t.via?.kind, 'TLSRoute');
  const broken = ask(model, 'https://gone.pass.example/');
  assert.equal(broken.status, 0, 'an invalid backendRef refuses the connection (no HTTP to answer 500 with)');
  assert.match(broken.reason, /BackendNotFound.*the connection is refused/);
  assert.equal(ask(model, 'https://other.pass.example/').status, 0);
});

test('TCPRoute and UDPRoute: tcp:// and udp:// requests reach the oldest attached route; status and attachedRoutes', () => {
  const { model, cluster } = load(text);
  const tcp = ask(model, 'tcp://gw.example:5432');
  assert.deepEqual([tcp.status, tcp.via?.kind, tcp.via?.name, tcp.backend?.service, tcp.stream], [200, 'TCPRoute', 'old', 'c', { protocol: 'TCP' }]);
  const udp = ask(model, 'udp://gw.example:5353');
  assert.deepEqual([udp.status, udp.via?.name, udp.backend?.service, udp.stream], [200, 'dns', 'b', { protocol: 'UDP' }]);
  assert.equal(ask(model, 'tcp://gw.example:5353').status, 0, 'no TCP listener on the UDP port');
  const gw = (withComputedStatus(cluster, cluster.get('Gateway', 'default', 'gw')!) as any).status;
  assert.deepEqual(gw.listeners.map((l: any) => [l.name, l.supportedKinds.map((k: any) => k.kind).join(), l.attachedRoutes]),
    [['pass', 'TLSRoute', 2], ['term', 'TLSRoute', 1], ['tcp', 'TCPRoute', 2], ['udp', 'UDPRoute', 1]]);
  const st = (withComputedStatus(cluster, cluster.get('TCPRoute', 'default', 'new')!) as any).status;
  assert.deepEqual(st.parents[0].conditions.map((c: any) => `${c.type}=${c.status}`), ['Accepted=True', 'ResolvedRefs=True']);
  assert.throws(() => ask(model, 'tcp://gw.example'), /a tcp URL needs a port/);
});
