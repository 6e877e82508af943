import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Cluster } from '../cluster/cluster.js';
import { main } from '../cli/main.js';
import { analyzeMesh, compileMesh } from './index.js';
import { withObjects } from './testdata/fixture.js';

// dist/src/mesh -> src/mesh/testdata (YAML is not copied by tsc).
const DIR = fileURLToPath(new URL('../../../src/mesh/testdata/analyze', import.meta.url));
/** What istioctl analyze shows by default (its output threshold is Warning): info messages are checked on their own. */
const shown = <T extends { level: string }>(l: T[]) => l.filter((d) => d.level !== 'info');

test('analyzer: every check on the sample, with code, object and line', () => {
  const diags = shown(analyzeMesh(compileMesh(Cluster.load([DIR]))));
  const rows = diags.map((d) => [d.code, d.level, `${d.object?.kind} ${d.object?.namespace}/${d.object?.name}`, d.source?.line]);
  assert.deepEqual(rows, [
    ['PN5001', 'error', 'VirtualService shop/backend', 1],
    ['PN5002', 'error', 'VirtualService shop/backend', 1],
    ['PN5003', 'error', 'VirtualService shop/backend', 1],
    ['PN5007', 'warning', 'VirtualService shop/backend', 1],
    ['PN5011', 'warning', 'VirtualService shop/backend', 1],
    ['PN5012', 'error', 'VirtualService shop/backend', 1],
    ['PN5026', 'warning', 'VirtualService shop/backend', 1],
    ['PN5012', 'error', 'VirtualService shop/backend-dup', 16],
    ['PN5009', 'error', 'DestinationRule shop/backend', 23],
    ['PN5010', 'warning', 'DestinationRule shop/ghost', 32],
    ['PN5008', 'warning', 'PeerAuthentication shop/default', 37],
    ['PN5004', 'warning', 'PeerAuthentication shop/second', 42],
    ['PN5014', 'warning', 'PeerAuthentication shop/backend-ports', 47],
    ['PN5005', 'warning', 'AuthorizationPolicy shop/nobody', 54],
    ['PN5016', 'warning', 'AuthorizationPolicy legacy/legacy-web', 61],
    ['PN5015', 'error', 'AuthorizationPolicy shop/bad-when', 67],
  ]);
  assert.equal(diags.find((d) => d.code === 'PN5002')?.message, 'VirtualService shop/backend: Referenced host+subset in destinationrule not found: "backend+v3" (http[0].route[1]); requests routed there get 503 NR');
  assert.deepEqual(diags.find((d) => d.code === 'PN5002')?.istio, { code: 'IST0101', name: 'ReferencedResourceNotFound' });
  assert.deepEqual(diags.filter((d) => d.code === 'PN5012').map((d) => d.istio?.code), ['IST0109', 'IST0109']);
  assert.deepEqual(diags.filter((d) => !d.istio).map((d) => d.code), ['PN5007', 'PN5008', 'PN5004', 'PN5015']);
  assert.equal(diags.find((d) => d.code === 'PN5007')?.message, 'VirtualService shop/backend: http[0] route weights sum to 90, not 100 (Istio normalizes them: v1=88.9%, v3=11.1%)');
});

test('analyzer: a clean mesh has no findings', () => {
  const clean = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: backend, namespace: shop}
spec:
  hosts: [backend]
  http: [{route: [{destination: {host: backend, subset: v1}, weight: 90}, {destination: {host: backend, subset: v2}, weight: 10}]}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: backend, namespace: shop}
spec: {host: backend, subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: backend, namespace: shop}
spec: {selector: {matchLabels: {app: backend}}, mtls: {mode: PERMISSIVE}, portLevelMtls: {"8080": {mode: DISABLE}}}`;
  assert.deepEqual(shown(analyzeMesh(compileMesh(Cluster.load({ text: withObjects(clean) })))), []);
});

test('analyzer: principals on DISABLE workloads, CUSTOM without provider, portLevelMtls without selector', () => {
  const docs = `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: off, namespace: shop}
spec: {mtls: {mode: DISABLE}, portLevelMtls: {"8080": {mode: STRICT}}}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: by-sa, namespace: shop}
spec: {selector: {matchLabels: {app: backend}}, rules: [{from: [{source: {principals: ["cluster.local/ns/shop/sa/frontend"]}}]}]}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ext, namespace: shop}
spec: {action: CUSTOM, rules: [{}]}`;
  const diags = shown(analyzeMesh(compileMesh(Cluster.load({ text: withObjects(docs) }))));
  assert.deepEqual(diags.map((d) => [d.code, d.object?.name, d.istio?.code]), [['PN5014', 'off', 'IST0167'], ['PN5013', 'by-sa', 'IST0167'], ['PN5015', 'ext', undefined]]);
});

function sink() {
  let text = '';
  const w = new Writable({ write(chunk, _e, cb) { text += chunk.toString(); cb(); } });
  return { w, get text() { return text; } };
}

test('analyzer: gateway route to a multi-port Service without port; DestinationRule TLS without CA', () => {
  const docs = `apiVersion: v1
kind: Service
metadata: {name: multi, namespace: shop}
spec: {selector: {app: backend}, ports: [{name: http, port: 80, targetPort: 8080}, {name: admin, port: 9090}]}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: shop}
spec: {selector: {istio: ingressgateway}, servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: edge, namespace: shop}
spec: {hosts: [shop.example.com], gateways: [gw], http: [{match: [{uri: {prefix: /a}}], route: [{destination: {host: multi}}]}, {route: [{destination: {host: multi, port: {number: 80}}}]}]}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ext, namespace: shop}
spec: {host: multi, trafficPolicy: {tls: {mode: SIMPLE}, portLevelSettings: [{port: {number: 9090}, tls: {mode: MUTUAL, caCertificates: /etc/ca.pem}}]}}`;
  const diags = shown(analyzeMesh(compileMesh(Cluster.load({ text: withObjects(docs) }))));
  assert.deepEqual(diags.map((d) => [d.code, d.object?.name, d.message, d.istio?.code]), [
    ['PN5036', 'gw', 'Gateway shop/gw: Referenced selector not found: "istio=ingressgateway" (no pod runs this gateway)', 'IST0101'],
    ['PN5017', 'edge', 'VirtualService shop/edge: http[0].route[0] routes to multi, which exposes 2 ports (80, 9090), without destination.port', 'IST0112'],
    ['PN5018', 'ext', "DestinationRule shop/ext: trafficPolicy.tls mode SIMPLE without caCertificates: the server's certificate is not verified", 'IST0128'],
  ]);
});

test('podnet mesh analyze: text, json and exit codes', async () => {
  const out = sink(); const err = sink();
  const code = await main(['mesh', 'analyze', '-f', DIR], out.w, err.w);
  assert.equal(code, 1);
  assert.match(out.text, /^Error \[PN5001 \(IST0101 ReferencedResourceNotFound\)\] \(VirtualService shop\/backend .*mesh\.yaml:1\) VirtualService shop\/backend: Referenced host not found: "nowhere" \(http\[2\]\.route\[0\]\)$/m);
  assert.match(out.text, /^Warning \[PN5007\] \(VirtualService shop\/backend /m);
  assert.match(out.text, /\n7 error\(s\), 9 warning\(s\)\n$/);
  const withInfo = sink();
  await main(['mesh', 'analyze', '-f', DIR, '--output-threshold', 'info'], withInfo.w, sink().w);
  assert.match(withInfo.text, /^Info \[PN5020 \(IST0102 NamespaceNotInjected\)\] \(Namespace legacy .*\) Namespace legacy: is not enabled for Istio injection: /m);
  assert.match(withInfo.text, /\n7 error\(s\), 9 warning\(s\), 2 info\n$/);
  const j = sink();
  assert.equal(await main(['mesh', 'analyze', '-f', DIR, '-o', 'json', '--fail-on', 'none'], j.w, sink().w), 0);
  const parsed = JSON.parse(j.text);
  assert.deepEqual(parsed.summary, { errors: 7, warnings: 9, info: 0 });
  assert.deepEqual(Object.keys(parsed.findings[0]), ['code', 'level', 'object', 'file', 'line', 'message', 'istio']);
  assert.deepEqual(parsed.findings[0].istio, { code: 'IST0101', name: 'ReferencedResourceNotFound' });
  assert.equal(parsed.findings.find((f: { code: string }) => f.code === 'PN5007').istio, null);
  const sarif = sink();
  await main(['mesh', 'analyze', '-f', DIR, '-o', 'sarif'], sarif.w, sink().w);
  const results = JSON.parse(sarif.text).runs[0].results as { ruleId: string; properties?: { istio?: unknown } }[];
  assert.deepEqual(results.find((r) => r.ruleId === 'PN5001')?.properties, { istio: { code: 'IST0101', name: 'ReferencedResourceNotFound' } });
  assert.equal(results.find((r) => r.ruleId === 'PN5007')?.properties, undefined);
  const bad = sink();
  assert.equal(await main(['mesh', 'analyze', '-f', DIR, '-o', 'yaml'], sink().w, bad.w), 1);
  assert.equal(bad.text, 'error: unknown output format "yaml": use text, json, sarif or github\n');
});

test('podnet mesh check: denied by STRICT for a plaintext client, JSON mesh fields for a meshed one', async () => {
  const out = sink();
  const code = await main(['mesh', 'check', '-f', DIR, '--from', 'legacy/client', '--to', 'shop/svc/frontend', '--port', '80', '--method', 'GET'], out.w, sink().w);
  assert.equal(code, 0);
  assert.match(out.text, /^DENIED \(PeerAuthentication\): the client has no mesh proxy: plaintext; shop\/frontend port 80 requires mTLS \(STRICT, shop\/default\): connection reset\n/);
  const j = sink();
  assert.equal(await main(['mesh', 'check', '-f', DIR, '--from', 'shop/frontend', '--to', 'shop/svc/frontend', '--port', '80', '--method', 'GET', '-o', 'json'], j.w, sink().w), 0);
  assert.deepEqual(JSON.parse(j.text).mesh, { mtls: true, sourcePrincipal: 'spiffe://cluster.local/ns/shop/sa/frontend', authz: { allowed: true } });
});
