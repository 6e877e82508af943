import { test } from 'node:test';
import assert from 'node:assert/strict';
import { app, ask, brokenTlsSecret, emptyService, GATEWAY_CLASS, gatewayOf, load, namespace, outcome, tlsSecret } from './test-fixtures.js';
import { withComputedStatus } from './index.js';

const CLASS = GATEWAY_CLASS;
const gateway = gatewayOf;
const HTTP80 = '  - {name: http, port: 80, protocol: HTTP}\n';

function route(name: string, spec: string, ns = 'default', kind = 'HTTPRoute', created?: string): string {
  return `---
apiVersion: gateway.networking.k8s.io/${kind === 'TLSRoute' ? 'v1alpha2' : 'v1'}
kind: ${kind}
metadata: {name: ${name}, namespace: ${ns}${created ? `, creationTimestamp: "${created}"` : ''}}
spec:
${spec}`;
}
const parent = (extra = ''): string => `  parentRefs: [{name: gw${extra}}]\n`;
const backend = (svc: string, extra = ''): string => `{name: ${svc}, port: 80${extra}}`;

function statusOf(cluster: ReturnType<typeof load>['cluster'], kind: string, name: string, ns = 'default'): any {
  return withComputedStatus(cluster, cluster.get(kind, ns, name)!).status;
}

test('path matching and the precedence order: Exact, longest PathPrefix, method, header count, query count', () => {
  const { model } = load(CLASS + gateway(HTTP80) + ['exact', 'prefix', 'longer', 'method', 'headers', 'query', 'regex', 'root'].map((s) => app(s)).join('') + route('r', parent() + `  rules:
  - matches: [{path: {type: PathPrefix, value: /}}]
    backendRefs: [${backend('root')}]
  - matches: [{path: {type: Exact, value: /foo}}]
    backendRefs: [${backend('exact')}]
  - matches: [{path: {type: PathPrefix, value: /foo}}]
    backendRefs: [${backend('prefix')}]
  - matches: [{path: {type: PathPrefix, value: /foo/bar}}]
    backendRefs: [${backend('longer')}]
  - matches: [{path: {type: PathPrefix, value: /m}, method: POST}]
    backendRefs: [${backend('method')}]
  - matches: [{path: {type: PathPrefix, value: /m}, headers: [{name: X-A, value: "1"}, {name: x-b, value: "2"}]}]
    backendRefs: [${backend('headers')}]
  - matches: [{path: {type: PathPrefix, value: /m}, queryParams: [{name: q, value: "1"}]}]
    backendRefs: [${backend('query')}]
  - matches: [{path: {type: RegularExpression, value: "/re/[0-9]+"}}]
    backendRefs: [${backend('regex')}]
`));
  const table: [string | { url: string; method?: string; headers?: Record<string, string> }, string][] = [
    ['http://h.com/foo', '200 exact'],
    ['http://h.com/foo/', '200 prefix'],
    ['http://h.com/foobar', '200 root'],
    ['http://h.com/foo/bar/baz', '200 longer'],
    [{ url: 'http://h.com/m', method: 'POST', headers: { 'x-a': '1', 'x-b': '2' } }, '200 method'],
    [{ url: 'http://h.com/m?q=1', headers: { 'x-a': '1', 'X-B': '2' } }, '200 headers'],
    ['http://h.com/m?q=1', '200 query'],
    ['http://h.com/m?Q=1', '200 root'],
    [{ url: 'http://h.com/m', method: 'HEAD', headers: { 'x-a': '1' } }, '200 root'],
    ['http://h.com/re/42', '200 regex'],
    ['http://h.com/re/x', '200 root'],
  ];
  for (const [q, want] of table) assert.equal(outcome(ask(model, q)), want, JSON.stringify(q));
  assert.equal(ask(model, 'http://h.com/m?q=1').via?.match, 'PathPrefix /m, query q=1');
});

test('ties across routes: the oldest route, then namespace/name; a more specific hostname wins first', () => {
  const { model } = load(CLASS + gateway(HTTP80) + app('old') + app('new') + app('host') + app('alpha') +
    route('b-new', parent() + `  rules: [{backendRefs: [${backend('new')}]}]\n`, 'default', 'HTTPRoute', '2024-05-01T00:00:00Z') +
    route('a-old', parent() + `  rules: [{backendRefs: [${backend('old')}]}]\n`, 'default', 'HTTPRoute', '2024-01-01T00:00:00Z') +
    route('z-host', parent() + '  hostnames: [exact.com]\n' + `  rules: [{matches: [{path: {type: PathPrefix, value: /}}], backendRefs: [${backend('host')}]}]\n`, 'default', 'HTTPRoute', '2024-06-01T00:00:00Z'));
  assert.equal(outcome(ask(model, 'http://any.com/x')), '200 old');
  assert.equal(outcome(ask(model, 'http://exact.com/x')), '200 host');
});

test('header matching: names case-insensitive, values exact or regex; the first duplicate name counts', () => {
  const { model } = load(CLASS + gateway(HTTP80) + app('exact') + app('regex') + app('dflt') + route('r', parent() + `  rules:
  - matches: [{headers: [{name: Version, value: two}, {name: version, value: three}]}]
    backendRefs: [${backend('exact')}]
  - matches: [{headers: [{name: env, type: RegularExpression, value: "^prod-[a-z]+$"}]}]
    backendRefs: [${backend('regex')}]
  - backendRefs: [${backend('dflt')}]
`));
  const table: [Record<string, string>, string][] = [
    [{ version: 'two' }, '200 exact'],
    [{ VERSION: 'two' }, '200 exact'],
    [{ version: 'Two' }, '200 dflt'],
    [{ version: 'three' }, '200 dflt'],
    [{ env: 'prod-eu' }, '200 regex'],
    [{ env: 'dev-eu' }, '200 dflt'],
  ];
  for (const [headers, want] of table) assert.equal(outcome(ask(model, { url: 'http://h.com/', headers })), want, JSON.stringify(headers));
});

test('hostname intersection and listener isolation; Accepted reasons in route status', () => {
  const { model, cluster } = load(CLASS + gateway(`  - {name: wild, port: 80, protocol: HTTP, hostname: "*.example.com"}
  - {name: foo, port: 80, protocol: HTTP, hostname: "*.foo.example.com"}
`) + app('a') + app('b') + app('c') +
    route('wide', parent() + '  hostnames: ["*.example.com", "bar.other.com"]\n' + `  rules: [{backendRefs: [${backend('a')}]}]\n`) +
    route('narrow', parent(', sectionName: foo') + `  rules: [{matches: [{path: {type: Exact, value: /only}}], backendRefs: [${backend('b')}]}]\n`) +
    route('nohost', parent(', sectionName: wild') + '  hostnames: [nothing.org]\n' + `  rules: [{backendRefs: [${backend('c')}]}]\n`) +
    route('badsection', parent(', sectionName: nope') + `  rules: [{backendRefs: [${backend('c')}]}]\n`));
  assert.equal(outcome(ask(model, 'http://x.example.com/')), '200 a');
  assert.equal(outcome(ask(model, 'http://bar.other.com/')), '404', 'bar.other.com does not intersect any listener');
  assert.equal(outcome(ask(model, 'http://bar.foo.example.com/only')), '200 b');
  assert.equal(outcome(ask(model, 'http://bar.foo.example.com/')), '200 a', 'wide also attaches to the foo listener (*.example.com ∩ *.foo.example.com)');
  assert.equal(ask(model, 'http://bar.foo.example.com/').listener, 'foo');
  const reason = (name: string) => statusOf(cluster, 'HTTPRoute', name).parents.map((p: any) => `${p.conditions[0].status}/${p.conditions[0].reason}`).join(',');
  assert.equal(reason('wide'), 'True/Accepted');
  assert.equal(reason('nohost'), 'False/NoMatchingListenerHostname');
  assert.equal(reason('badsection'), 'False/NoMatchingParent');
  const gw = statusOf(cluster, 'Gateway', 'gw');
  // attachedRoutes counts the routes Accepted on each listener, after the hostname intersection: nohost is not.
  assert.deepEqual(gw.listeners.map((l: any) => [l.name, l.attachedRoutes]), [['wild', 1], ['foo', 2]]);
});

test('allowedRoutes: Same (default), All and Selector; NotAllowedByListeners otherwise', () => {
  const { model, cluster } = load(CLASS + namespace('team-a', { shared: 'yes' }) + namespace('team-b') + app('a', 'team-a') + app('b', 'team-b') + gateway(`  - {name: same, port: 80, protocol: HTTP, hostname: same.com}
  - {name: sel, port: 80, protocol: HTTP, hostname: sel.com, allowedRoutes: {namespaces: {from: Selector, selector: {matchLabels: {shared: "yes"}}}}}
  - {name: all, port: 8080, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}
`) +
    route('ra', '  parentRefs: [{name: gw, namespace: default}]\n' + `  rules: [{backendRefs: [${backend('a')}]}]\n`, 'team-a') +
    route('rb', '  parentRefs: [{name: gw, namespace: default, sectionName: sel}]\n' + `  rules: [{backendRefs: [${backend('b')}]}]\n`, 'team-b'));
  assert.equal(outcome(ask(model, 'http://sel.com/')), '200 a');
  assert.equal(outcome(ask(model, 'http://same.com/')), '404');
  assert.equal(outcome(ask(model, 'http://x.com:8080/')), '200 a');
  const rb = statusOf(cluster, 'HTTPRoute', 'rb', 'team-b').parents[0];
  assert.equal(rb.conditions[0].reason, 'NotAllowedByListeners');
  assert.equal(rb.controllerName, 'podnet.dev/gateway-controller');
});

test('RequestRedirect: scheme, hostname, port, path and status code give the exact Location', () => {
  const rule = (prefix: string, redirect: string): string => `  - matches: [{path: {type: PathPrefix, value: ${prefix}}}]\n    filters: [{type: RequestRedirect, requestRedirect: ${redirect}}]\n`;
  const { model } = load(CLASS + gateway(HTTP80 + '  - {name: alt, port: 8080, protocol: HTTP}\n') + route('r', parent() + '  rules:\n' +
    rule('/https', '{scheme: https, statusCode: 301}') +
    rule('/host', '{hostname: example.org}') +
    rule('/port', '{port: 8443}') +
    rule('/full', '{path: {type: ReplaceFullPath, replaceFullPath: /new}}') +
    rule('/prefix', '{path: {type: ReplacePrefixMatch, replacePrefixMatch: /v2}}') +
    rule('/both', '{scheme: https, hostname: secure.org, port: 8443, statusCode: 308}')));
  const table: [string, string][] = [
    ['http://h.com/https/x?a=1', '301 https://h.com/https/x?a=1'],
    ['http://h.com/host', '302 http://example.org/host'],
    ['http://h.com/port', '302 http://h.com:8443/port'],
    ['http://h.com/full/deep', '302 http://h.com/new'],
    ['http://h.com/prefix/users', '302 http://h.com/v2/users'],
    ['http://h.com/both', '308 https://secure.org:8443/both'],
    ['http://h.com:8080/host', '302 http://example.org:8080/host'],
  ];
  for (const [url, want] of table) assert.equal(outcome(ask(model, url)), want, url);
});

test('URLRewrite and header modifiers change what the backend receives and what the client gets', () => {
  const { model } = load(CLASS + gateway(HTTP80) + app('s') + route('r', parent() + `  rules:
  - matches: [{path: {type: PathPrefix, value: /foo}}]
    filters:
    - {type: URLRewrite, urlRewrite: {hostname: internal.svc, path: {type: ReplacePrefixMatch, replacePrefixMatch: /xyz}}}
    - type: RequestHeaderModifier
      requestHeaderModifier: {set: [{name: X-Set, value: s}], add: [{name: X-Add, value: two}], remove: [x-remove]}
    - type: ResponseHeaderModifier
      responseHeaderModifier: {set: [{name: X-Resp, value: r}], remove: [server]}
    backendRefs: [${backend('s')}]
  - matches: [{path: {type: Exact, value: /full}}]
    filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplaceFullPath, replaceFullPath: /replaced}}}]
    backendRefs: [${backend('s')}]
`));
  const r = ask(model, { url: 'http://h.com/foo/bar?q=1', headers: { 'x-set': 'old', 'X-Add': 'one', 'x-remove': 'gone' } });
  assert.equal(r.status, 200);
  assert.equal(r.path, '/xyz/bar?q=1');
  assert.deepEqual(r.requestHeaders, { 'x-set': 's', 'x-add': 'one,two', host: 'internal.svc', 'x-forwarded-for': '192.0.2.1', 'x-forwarded-proto': 'http' });
  assert.deepEqual(r.responseHeaders, { 'x-resp': 'r', server: null });
  assert.equal(ask(model, 'http://h.com/foo').path, '/xyz');
  assert.equal(ask(model, 'http://h.com/full').path, '/replaced');
});

test('weighted backendRefs: proportional, weight 0 never chosen, the heaviest when no draw is given', () => {
  const { model } = load(CLASS + gateway(HTTP80) + app('v1') + app('v2') + app('v0') + route('r', parent() + `  rules:
  - backendRefs: [${backend('v1', ', weight: 90')}, ${backend('v2', ', weight: 10')}, ${backend('v0', ', weight: 0')}]
`));
  const table: [number | undefined, string][] = [[undefined, '200 v1'], [0, '200 v1'], [0.89, '200 v1'], [0.9, '200 v2'], [0.999, '200 v2']];
  for (const [random, want] of table) assert.equal(outcome(ask(model, { url: 'http://h.com/', random })), want, String(random));
  assert.deepEqual(ask(model, 'http://h.com/').backends?.map((b) => [b.service, b.weight]), [['v1', 90], ['v2', 10], ['v0', 0]]);
});

test('cross-namespace backends need a ReferenceGrant in the target namespace; invalid refs give 500 and ResolvedRefs=False', () => {
  const grant = (ns: string, fromNs: string, toName?: string): string => `---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: g, namespace: ${ns}}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: ${fromNs}}]
  to: [{group: "", kind: Service${toName ? `, name: ${toName}` : ''}}]
`;
  const base = CLASS + namespace('apps') + app('remote', 'apps') + gateway(HTTP80) + route('r', parent() + `  rules:
  - matches: [{path: {type: PathPrefix, value: /remote}}]
    backendRefs: [{name: remote, namespace: apps, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /missing}}]
    backendRefs: [{name: ghost, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /kind}}]
    backendRefs: [{name: thing, kind: ConfigMap, port: 80}]
`);
  const cases: [string, string, string][] = [
    ['', '500', 'RefNotPermitted'],
    [grant('apps', 'default'), '200 remote', 'BackendNotFound'],
    [grant('default', 'default'), '500', 'RefNotPermitted'],
    [grant('apps', 'other'), '500', 'RefNotPermitted'],
    [grant('apps', 'default', 'remote'), '200 remote', 'BackendNotFound'],
    [grant('apps', 'default', 'someone-else'), '500', 'RefNotPermitted'],
  ];
  for (const [extra, want, reason] of cases) {
    const { model, cluster } = load(base + extra);
    const r = ask(model, 'http://h.com/remote');
    assert.equal(r.status === 200 ? `200 ${r.backend?.service}` : String(r.status), want, extra);
    assert.equal(statusOf(cluster, 'HTTPRoute', 'r').parents[0].conditions[1].reason, reason, extra);
  }
  const { model } = load(base);
  assert.equal(ask(model, 'http://h.com/missing').status, 500);
  assert.equal(ask(model, 'http://h.com/kind').status, 500);
  assert.match(ask(model, 'http://h.com/kind').reason, /InvalidKind/);
});

test('a Service without endpoints gives 503, a rule without backendRefs 500, an unknown host on a hostname listener 404', () => {
  const { model } = load(CLASS + gateway('  - {name: http, port: 80, protocol: HTTP, hostname: h.com}\n') + emptyService('empty') + route('r', parent() + `  rules:
  - matches: [{path: {type: PathPrefix, value: /empty}}]
    backendRefs: [${backend('empty')}]
  - matches: [{path: {type: PathPrefix, value: /none}}]
`));
  assert.equal(ask(model, 'http://h.com/empty').status, 503);
  assert.equal(ask(model, 'http://h.com/none').status, 500);
  assert.equal(ask(model, 'http://other.com/').status, 404);
  assert.equal(ask(model, 'http://h.com:9999/').status, 0);
});

test('HTTPS listeners: certificate from a Secret, cross-namespace Secrets need a grant, 421 for a Host of another listener', () => {
  const { model, cluster } = load(CLASS + namespace('certs') + tlsSecret('a-cert') + tlsSecret('remote', 'certs') + app('a') + app('b') + gateway(`  - {name: a, port: 443, protocol: HTTPS, hostname: a.com, tls: {certificateRefs: [{name: a-cert}]}}
  - {name: b, port: 443, protocol: HTTPS, hostname: b.com, tls: {certificateRefs: [{name: a-cert}]}}
  - {name: c, port: 443, protocol: HTTPS, hostname: c.com, tls: {certificateRefs: [{name: remote, namespace: certs}]}}
`) + route('ra', parent(', sectionName: a') + `  rules: [{backendRefs: [${backend('a')}]}]\n`) + route('rb', parent(', sectionName: b') + `  rules: [{backendRefs: [${backend('b')}]}]\n`));
  const r = ask(model, 'https://a.com/');
  assert.equal(outcome(r), '200 a');
  assert.deepEqual(r.tls, { secret: 'default/a-cert', sni: 'a.com' });
  assert.equal(ask(model, { url: 'https://a.com/', headers: { host: 'b.com' } }).status, 421);
  const listeners = statusOf(cluster, 'Gateway', 'gw').listeners;
  const c = listeners.find((l: any) => l.name === 'c');
  assert.deepEqual(c.conditions.map((x: any) => `${x.type}=${x.status}/${x.reason}`), ['Accepted=True/Accepted', 'Conflicted=False/NoConflicts', 'ResolvedRefs=False/RefNotPermitted', 'Programmed=False/Invalid']);
  assert.equal(ask(model, 'https://c.com/').status, 0);
});

test('listener conflicts and unsupported protocols show in Gateway status', () => {
  const { cluster } = load(CLASS + gateway(`  - {name: one, port: 80, protocol: HTTP, hostname: x.com}
  - {name: two, port: 80, protocol: HTTP, hostname: x.com}
  - {name: sctp, port: 53, protocol: SCTP}
  - {name: ok, port: 81, protocol: HTTP}
`));
  const st = statusOf(cluster, 'Gateway', 'gw');
  const summary = st.listeners.map((l: any) => `${l.name}:${l.conditions.filter((c: any) => c.status !== 'True' || c.type === 'Conflicted').map((c: any) => `${c.type}=${c.status}/${c.reason}`).join(',')}`);
  assert.deepEqual(summary, [
    'one:Conflicted=True/HostnameConflict,Programmed=False/Invalid',
    'two:Conflicted=True/HostnameConflict,Programmed=False/Invalid',
    'sctp:Accepted=False/UnsupportedProtocol,Conflicted=False/NoConflicts,Programmed=False/Invalid',
    'ok:Conflicted=False/NoConflicts',
  ]);
  assert.deepEqual(st.conditions.map((c: any) => `${c.type}=${c.status}/${c.reason}`), ['Accepted=True/ListenersNotValid', 'Programmed=True/Programmed']);
  assert.equal(st.addresses.length, 1);
});

test('invalid routes are rejected as the API server would (PN4101), and not served', () => {
  const { model } = load(CLASS + gateway(HTTP80) + app('s') + route('bad', parent() + `  rules:
  - filters:
    - {type: RequestRedirect, requestRedirect: {scheme: https}}
    - {type: URLRewrite, urlRewrite: {hostname: x}}
  - matches: [{path: {type: Exact, value: "/a//b"}}]
    backendRefs: [{name: s}]
`));
  assert.deepEqual(model.diagnostics.filter((d) => d.code === 'PN4101').map((d) => d.message), [
    'HTTPRoute.gateway.networking.k8s.io "bad" is invalid: spec.rules[0].filters: may specify either RequestRedirect or URLRewrite, but not both',
    'HTTPRoute.gateway.networking.k8s.io "bad" is invalid: spec.rules[1].matches[0].path.value: must not contain \'//\', \'/./\', \'/../\', \'%2f\', \'#\' or end with \'/..\' or \'/.\'',
    'HTTPRoute.gateway.networking.k8s.io "bad" is invalid: spec.rules[1].backendRefs[0].port: Must have port for Service reference',
  ]);
  assert.equal(ask(model, 'http://h.com/').status, 404);
});

test('RequestMirror, timeouts, GRPCRoute and TLSRoute passthrough', () => {
  const { model } = load(CLASS + app('s') + app('mirror') + app('grpc') + app('tls') + gateway(HTTP80 + '  - {name: tls, port: 443, protocol: TLS, hostname: "*.pass.com", tls: {mode: Passthrough}}\n') +
    route('r', parent(', sectionName: http') + `  rules:
  - filters: [{type: RequestMirror, requestMirror: {backendRef: {name: mirror, port: 80}}}]
    timeouts: {request: 10s}
    backendRefs: [${backend('s')}]
`) + route('g', parent(', sectionName: http') + `  rules:
  - matches: [{method: {service: echo.Echo, method: Say}}]
    backendRefs: [${backend('grpc')}]
`, 'default', 'GRPCRoute') + route('t', parent(', sectionName: tls') + `  hostnames: [db.pass.com]
  rules: [{backendRefs: [${backend('tls')}]}]
`, 'default', 'TLSRoute'));
  const r = ask(model, 'http://h.com/x');
  assert.deepEqual(r.mirrors?.map((m) => m.service), ['mirror']);
  assert.deepEqual(r.timeouts, { request: '10s' });
  assert.equal(outcome(ask(model, { url: 'http://h.com/echo.Echo/Say', method: 'POST', headers: { 'content-type': 'application/grpc' } })), '200 grpc');
  assert.equal(ask(model, { url: 'http://h.com/echo.Echo/Other', method: 'POST', headers: { 'content-type': 'application/grpc' } }).status, 404);
  const t = ask(model, 'https://db.pass.com/');
  assert.equal(outcome(t), '200 tls');
  assert.equal(t.passthrough, true);
  assert.equal(ask(model, 'https://web.pass.com/').status, 0);
});

test('status: a route to a missing Gateway has no parent status but a PN4104 warning; GatewayClass is Accepted', () => {
  const { model, cluster } = load(CLASS + gateway(HTTP80) + app('s') + route('lost', `  parentRefs: [{name: nope}]\n  rules: [{backendRefs: [${backend('s')}]}]\n`));
  assert.deepEqual(statusOf(cluster, 'HTTPRoute', 'lost'), { parents: [] });
  assert.equal(model.diagnostics.find((d) => d.code === 'PN4104')?.message, 'HTTPRoute default/lost is not accepted by Gateway default/nope: NoMatchingParent: Gateway default/nope not found');
  const gc = withComputedStatus(cluster, cluster.get('GatewayClass', '', 'podnet')!) as any;
  assert.deepEqual(gc.status.conditions.map((c: any) => `${c.type}=${c.status}`), ['Accepted=True']);
  assert.equal(cluster.get<any>('GatewayClass', '', 'podnet').status, undefined, 'the store is never mutated');
});

test('a certificateRef to a Secret that does not parse: ResolvedRefs=False/InvalidCertificateRef, listener not programmed', () => {
  const { cluster } = load(CLASS + brokenTlsSecret('bad') + gateway('  - {name: https, port: 443, protocol: HTTPS, tls: {certificateRefs: [{name: bad}]}}\n'));
  const l = statusOf(cluster, 'Gateway', 'gw').listeners[0];
  assert.deepEqual(l.conditions.filter((c: any) => c.status === 'False' && c.type !== 'Conflicted').map((c: any) => `${c.type}/${c.reason}: ${c.message}`), [
    'ResolvedRefs/InvalidCertificateRef: Secret default/bad holds a tls.crt that is not a PEM certificate',
    'Programmed/Invalid: The listener is not valid: see its other conditions',
  ]);
});

test('an invalid backendRef among valid ones: requests that would go to it get 500, in proportion', () => {
  const { model } = load(CLASS + gateway(HTTP80) + app('good') + route('r', parent() + `  rules:
  - backendRefs: [${backend('good')}, ${backend('ghost')}]
`));
  const table: [number, string][] = [[0, '200 good'], [0.49, '200 good'], [0.5, '500'], [0.99, '500']];
  for (const [random, want] of table) {
    const r = ask(model, { url: 'http://h.com/', random });
    assert.equal(r.status === 200 ? `200 ${r.backend?.service}` : String(r.status), want, String(random));
  }
});

test('GatewayClass and ReferenceGrant fields are validated (PN4101)', () => {
  const { model } = load(`apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: bad}
spec: {controllerName: not-a-path}
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: g, namespace: default}
spec:
  from: [{kind: HTTPRoute, namespace: x}]
`);
  assert.deepEqual(model.diagnostics.filter((d) => d.code === 'PN4101').map((d) => d.message), [
    'GatewayClass.gateway.networking.k8s.io "bad" is invalid: spec.controllerName: Invalid value: "not-a-path": must be a domain-prefixed path (example.com/controller)',
    'ReferenceGrant.gateway.networking.k8s.io "g" is invalid: spec.to: Required value (at least one)',
    'ReferenceGrant.gateway.networking.k8s.io "g" is invalid: spec.from[0].group: Required value ("" for the core group)',
  ]);
});
