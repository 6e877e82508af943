import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withComputedStatus } from './index.js';
import { app, ask, caAndLeaf, caConfigMap, load, tlsSecret } from './test-fixtures.js';

const ca = caAndLeaf(['client.example']).ca;
const objects = `---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: podnet}
spec: {controllerName: podnet.dev/gateway-controller}
` + caConfigMap('client-ca', ca) + tlsSecret('cert', 'default', ['a.com', 'b.com', 'c.com']) + app('web');

function gateway(name: string, spec: string): string {
  return `---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: ${name}}
spec:
  gatewayClassName: podnet
${spec}`;
}
const https = (port: number, host: string) => `  - {name: https-${port}, port: ${port}, protocol: HTTPS, hostname: ${host}, tls: {certificateRefs: [{name: cert}]}}\n`;
const conds = (cs: any[]) => cs.map((c: any) => `${c.type}=${c.status}/${c.reason}`);

test('spec.tls.frontend: the CA references are judged on each matching HTTPS listener; a fallback mode shows on the Gateway', () => {
  const { cluster, model } = load(objects + gateway('gw', `  tls:
    frontend:
      default: {validation: {caCertificateRefs: [{group: "", kind: ConfigMap, name: client-ca}]}}
      perPort:
      - {port: 8443, tls: {validation: {caCertificateRefs: [{group: "", kind: ConfigMap, name: missing}]}}}
      - {port: 9443, tls: {validation: {mode: AllowInsecureFallback, caCertificateRefs: [{group: "", kind: Secret, name: cert}]}}}
  listeners:
  - {name: http, port: 80, protocol: HTTP}
${https(443, 'a.com')}${https(8443, 'b.com')}${https(9443, 'c.com')}`) + `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r}
spec: {parentRefs: [{name: gw}], rules: [{backendRefs: [{name: web, port: 80}]}]}
`);
  const st = (withComputedStatus(cluster, cluster.get('Gateway', 'default', 'gw')!) as any).status;
  const byName = Object.fromEntries(st.listeners.map((l: any) => [l.name, conds(l.conditions).filter((c: string) => !c.startsWith('Conflicted'))]));
  assert.deepEqual(byName['http'], ['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs', 'Programmed=True/Programmed']);
  assert.deepEqual(byName['https-443'], ['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs', 'Programmed=True/Programmed']);
  assert.deepEqual(byName['https-8443'], ['Accepted=False/NoValidCACertificate', 'ResolvedRefs=False/InvalidCACertificateRef', 'Programmed=False/Invalid']);
  assert.deepEqual(byName['https-9443'], ['Accepted=False/NoValidCACertificate', 'ResolvedRefs=False/InvalidCACertificateKind', 'Programmed=False/Invalid']);
  assert.deepEqual(conds(st.conditions).slice(2), ['InsecureFrontendValidationMode=True/ConfigurationChanged']);
  assert.deepEqual(ask(model, 'https://a.com/').tls?.clientValidation, { mode: 'AllowValidOnly', caCertificateRefs: ['default/client-ca'] });
  assert.equal(ask(model, { url: 'https://b.com:8443/' }).status, 0, 'the listener with no valid CA is not programmed');
});

test('spec.tls.backend.clientCertificateRef, infrastructure.parametersRef and address types in the Gateway conditions', () => {
  const { cluster } = load(objects + `---
apiVersion: v1
kind: ConfigMap
metadata: {name: params}
` + gateway('client-ok', '  tls: {backend: {clientCertificateRef: {name: cert}}}\n  listeners: [{name: http, port: 80, protocol: HTTP}]\n') +
    gateway('client-missing', '  tls: {backend: {clientCertificateRef: {name: nope}}}\n  listeners: [{name: http, port: 80, protocol: HTTP}]\n') +
    gateway('client-other-ns', '  tls: {backend: {clientCertificateRef: {name: cert, namespace: vault}}}\n  listeners: [{name: http, port: 80, protocol: HTTP}]\n') +
    gateway('params-ok', '  infrastructure: {parametersRef: {group: "", kind: ConfigMap, name: params}}\n  listeners: [{name: http, port: 80, protocol: HTTP}]\n') +
    gateway('params-bad', '  infrastructure: {parametersRef: {group: example.io, kind: Tuning, name: t}}\n  listeners: [{name: http, port: 80, protocol: HTTP}]\n') +
    gateway('address-bad', '  addresses: [{type: example.io/magic, value: x}]\n  listeners: [{name: http, port: 80, protocol: HTTP}]\n'));
  const c = (name: string) => conds((withComputedStatus(cluster, cluster.get('Gateway', 'default', name)!) as any).status.conditions).join(' ');
  assert.equal(c('client-ok'), 'Accepted=True/Accepted Programmed=True/Programmed ResolvedRefs=True/ResolvedRefs');
  assert.equal(c('client-missing'), 'Accepted=True/Accepted Programmed=True/Programmed ResolvedRefs=False/InvalidClientCertificateRef');
  assert.equal(c('client-other-ns'), 'Accepted=True/Accepted Programmed=True/Programmed ResolvedRefs=False/RefNotPermitted');
  assert.equal(c('params-ok'), 'Accepted=True/Accepted Programmed=True/Programmed');
  assert.equal(c('params-bad'), 'Accepted=False/InvalidParameters Programmed=False/Invalid');
  assert.equal(c('address-bad'), 'Accepted=False/UnsupportedAddress Programmed=False/Invalid');
});

test('GatewayClass parametersRef: an existing ConfigMap is accepted, anything else is InvalidParameters', () => {
  const { cluster } = load(`---
apiVersion: v1
kind: ConfigMap
metadata: {name: class-params, namespace: default}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: good}
spec: {controllerName: podnet.dev/gateway-controller, parametersRef: {group: "", kind: ConfigMap, name: class-params, namespace: default}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: bad}
spec: {controllerName: podnet.dev/gateway-controller, parametersRef: {group: example.io, kind: Config, name: x}}
`);
  const c = (name: string) => conds((withComputedStatus(cluster, cluster.get('GatewayClass', '', name)!) as any).status.conditions).join(' ');
  assert.equal(c('good'), 'Accepted=True/Accepted');
  assert.equal(c('bad'), 'Accepted=False/InvalidParameters');
});
