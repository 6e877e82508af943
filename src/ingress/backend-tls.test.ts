import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withComputedStatus } from './index.js';
import { ask, caAndLeaf, caConfigMap, gatewayWith, httpRouteWith, load, pemSecret } from './test-fixtures.js';

const pem = caAndLeaf(['backend.internal', 'spiffe://cluster.local/ns/default/sa/web']);
const other = caAndLeaf(['elsewhere.internal']);

/** A pod serving TLS with a mounted kubernetes.io/tls Secret, its Service (port name https), and a plain one. */
const backends = pemSecret('serving', pem.crt, pem.key) + caConfigMap('ca', pem.ca) + caConfigMap('wrong-ca', other.ca) + `---
apiVersion: v1
kind: ConfigMap
metadata: {name: junk}
data: {ca.crt: not a certificate}
` + ['secure', 'plain'].map((name) => `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers: [{name: c, image: echo, ports: [{containerPort: 8443}]}]
${name === 'secure' ? '      volumes: [{name: tls, secret: {secretName: serving}}]\n' : ''}---
apiVersion: v1
kind: Service
metadata: {name: ${name}}
spec: {selector: {app: ${name}}, ports: [{name: https, port: 443, targetPort: 8443}]}
`).join('');

function policy(name: string, service: string, validation: string, created = '2026-01-01T00:00:00Z', section = ''): string {
  return `---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: {name: ${name}, creationTimestamp: "${created}"}
spec:
  targetRefs: [{group: "", kind: Service, name: ${service}${section ? `, sectionName: ${section}` : ''}}]
  validation: ${validation}
`;
}

const routes = httpRouteWith(`  - matches: [{path: {type: PathPrefix, value: /secure}}]
    backendRefs: [{name: secure, port: 443}]
  - matches: [{path: {type: PathPrefix, value: /plain}}]
    backendRefs: [{name: plain, port: 443}]
`);

const statusOf = (cluster: any, name: string) => (withComputedStatus(cluster, cluster.get('BackendTLSPolicy', 'default', name)) as any).status;

test('BackendTLSPolicy: TLS originated with the policy hostname as SNI, the pod certificate checked against the CA and the name', () => {
  const base = gatewayWith('  - {name: http, port: 80, protocol: HTTP}\n') + backends + routes;
  let { model, cluster } = load(base + policy('good', 'secure', '{caCertificateRefs: [{group: "", kind: ConfigMap, name: ca}], hostname: backend.internal}') +
    policy('plain-tls', 'plain', '{caCertificateRefs: [{group: "", kind: ConfigMap, name: ca}], hostname: backend.internal}'));
  const r = ask(model, 'http://gw.example/secure');
  assert.equal(r.status, 200);
  assert.deepEqual(r.backendTLS, { policy: 'default/good', sni: 'backend.internal', caCertificateRefs: ['ca'] });
  const p = ask(model, 'http://gw.example/plain');
  assert.equal(p.status, 502);
  assert.match(p.backendTLS!.problem!, /serves no TLS/);
  const st = statusOf(cluster, 'good');
  assert.deepEqual(st.ancestors.map((a: any) => [a.ancestorRef.kind, a.ancestorRef.name, a.controllerName, ...a.conditions.map((c: any) => `${c.type}=${c.status}/${c.reason}`)]),
    [['Gateway', 'gw', 'podnet.dev/gateway-controller', 'Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs']]);

  ({ model } = load(base + policy('wrong-name', 'secure', '{caCertificateRefs: [{group: "", kind: ConfigMap, name: ca}], hostname: other.internal}')));
  assert.equal(ask(model, 'http://gw.example/secure').status, 502, 'the certificate does not cover other.internal');
  ({ model } = load(base + policy('wrong-ca', 'secure', '{caCertificateRefs: [{group: "", kind: ConfigMap, name: wrong-ca}], hostname: backend.internal}')));
  assert.match(ask(model, 'http://gw.example/secure').backendTLS!.problem!, /not signed by the policy's CA/);
  ({ model } = load(base + policy('san', 'secure', '{caCertificateRefs: [{group: "", kind: ConfigMap, name: ca}], hostname: x.internal, subjectAltNames: [{type: URI, uri: "spiffe://cluster.local/ns/default/sa/web"}]}')));
  assert.equal(ask(model, 'http://gw.example/secure').status, 200, 'a matching URI SAN replaces the hostname check');
  ({ model } = load(base + policy('system', 'secure', '{wellKnownCACertificates: System, hostname: backend.internal}')));
  assert.deepEqual(ask(model, 'http://gw.example/secure').backendTLS, { policy: 'default/system', sni: 'backend.internal', wellKnownCACertificates: 'System' });
});

test('BackendTLSPolicy status: bad CA refs, unsupported kinds, and conflicts (older wins; a sectionName policy is distinct)', () => {
  const { cluster, model } = load(gatewayWith('  - {name: http, port: 80, protocol: HTTP}\n') + backends + routes +
    policy('a-old', 'secure', '{caCertificateRefs: [{group: "", kind: ConfigMap, name: ca}], hostname: backend.internal}', '2026-01-01T00:00:00Z') +
    policy('b-new', 'secure', '{caCertificateRefs: [{group: "", kind: ConfigMap, name: ca}], hostname: backend.internal}', '2026-01-02T00:00:00Z') +
    policy('c-section', 'secure', '{caCertificateRefs: [{group: "", kind: ConfigMap, name: ca}], hostname: backend.internal}', '2026-01-03T00:00:00Z', 'https') +
    policy('junk', 'plain', '{caCertificateRefs: [{group: "", kind: ConfigMap, name: junk}], hostname: backend.internal}') +
    policy('kind', 'plain', '{caCertificateRefs: [{group: example.com, kind: Vault, name: v}], hostname: backend.internal}', '2026-02-01T00:00:00Z'));
  const conds = (n: string) => statusOf(cluster, n).ancestors[0].conditions.map((c: any) => `${c.type}=${c.status}/${c.reason}`).join(' ');
  assert.equal(conds('a-old'), 'Accepted=True/Accepted ResolvedRefs=True/ResolvedRefs');
  assert.equal(conds('b-new'), 'Accepted=False/Conflicted ResolvedRefs=True/ResolvedRefs');
  assert.equal(conds('c-section'), 'Accepted=True/Accepted ResolvedRefs=True/ResolvedRefs');
  assert.equal(conds('junk'), 'Accepted=False/NoValidCACertificate ResolvedRefs=False/InvalidCACertificateRef');
  assert.equal(conds('kind'), 'Accepted=False/Conflicted ResolvedRefs=False/InvalidKind');
  assert.equal(ask(model, 'http://gw.example/secure').backendTLS?.policy, 'default/c-section', 'the policy naming the port wins over the whole-Service one');
  assert.equal(ask(model, 'http://gw.example/plain').status, 502, 'a policy without a valid CA fails the connection');
});
