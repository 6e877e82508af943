import { test } from 'node:test';
import assert from 'node:assert/strict';
import { app, ask, brokenTlsSecret, emptyService, load, outcome, tlsSecret } from './test-fixtures.js';

const NGINX_CLASS = `---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: nginx, annotations: {ingressclass.kubernetes.io/is-default-class: "true"}}
spec: {controller: k8s.io/ingress-nginx}
`;
const OTHER_CLASS = `---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: other}
spec: {controller: example.com/spec-only}
`;

interface PathSpec { path: string; type: string; svc: string }
function ingress(name: string, opts: { host?: string; paths?: PathSpec[]; cls?: string; annotations?: Record<string, string>; tls?: { hosts: string[]; secret?: string }[]; defaultBackend?: string; created?: string; ns?: string }): string {
  const paths = (opts.paths ?? []).map((p) => `        - {path: "${p.path}", pathType: ${p.type}, backend: {service: {name: ${p.svc}, port: {number: 80}}}}`).join('\n');
  const rules = opts.paths ? `  rules:\n  - ${opts.host ? `host: "${opts.host}"\n    ` : ''}http:\n      paths:\n${paths}\n` : '';
  return `---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${name}
  namespace: ${opts.ns ?? 'default'}
${opts.created ? `  creationTimestamp: "${opts.created}"\n` : ''}  annotations: ${JSON.stringify(opts.annotations ?? {})}
spec:
${opts.cls ? `  ingressClassName: ${opts.cls}\n` : ''}${opts.defaultBackend ? `  defaultBackend: {service: {name: ${opts.defaultBackend}, port: {number: 80}}}\n` : ''}${opts.tls ? `  tls: ${JSON.stringify(opts.tls.map((t) => ({ hosts: t.hosts, ...(t.secret ? { secretName: t.secret } : {}) })))}\n` : ''}${rules}`;
}

// The path table of the Ingress documentation (concepts/services-networking/ingress, "Examples"), through both an
// ingress-nginx class and a spec-only class: the answers must agree.
// ingress-nginx differs where nginx's auto-redirect applies: a Prefix path written with the trailing slash renders
// `location /foo/` alone, and nginx answers /foo with 301 to /foo/ (port_in_redirect off).
const DOCS_TABLE: { paths: [string, string][]; request: string; want: string; nginx?: string }[] = [
  { paths: [['Prefix', '/']], request: '/anything/at/all', want: '200 p0' },
  { paths: [['Exact', '/foo']], request: '/foo', want: '200 p0' },
  { paths: [['Exact', '/foo']], request: '/bar', want: '404' },
  { paths: [['Exact', '/foo']], request: '/foo/', want: '404' },
  { paths: [['Exact', '/foo/']], request: '/foo', want: '404' },
  { paths: [['Prefix', '/foo']], request: '/foo', want: '200 p0' },
  { paths: [['Prefix', '/foo']], request: '/foo/', want: '200 p0' },
  { paths: [['Prefix', '/foo/']], request: '/foo', want: '200 p0', nginx: '301 https://foo.com/foo/' },
  { paths: [['Prefix', '/foo/']], request: '/foo/', want: '200 p0' },
  { paths: [['Prefix', '/aaa/bb']], request: '/aaa/bbb', want: '404' },
  { paths: [['Prefix', '/aaa/bbb']], request: '/aaa/bbb', want: '200 p0' },
  { paths: [['Prefix', '/aaa/bbb/']], request: '/aaa/bbb', want: '200 p0', nginx: '301 https://foo.com/aaa/bbb/' },
  { paths: [['Prefix', '/aaa/bbb']], request: '/aaa/bbb/', want: '200 p0' },
  { paths: [['Prefix', '/aaa/bbb']], request: '/aaa/bbb/ccc', want: '200 p0' },
  { paths: [['Prefix', '/aaa/bbb']], request: '/aaa/bbbxyz', want: '404' },
  { paths: [['Prefix', '/'], ['Prefix', '/aaa']], request: '/aaa/ccc', want: '200 p1' },
  { paths: [['Prefix', '/'], ['Prefix', '/aaa'], ['Prefix', '/aaa/bbb']], request: '/aaa/bbb', want: '200 p2' },
  { paths: [['Prefix', '/'], ['Prefix', '/aaa'], ['Prefix', '/aaa/bbb']], request: '/ccc', want: '200 p0' },
  { paths: [['Prefix', '/aaa']], request: '/ccc', want: '404' },
  { paths: [['Prefix', '/foo'], ['Exact', '/foo']], request: '/foo', want: '200 p1' },
];

for (const cls of ['nginx', 'other']) {
  test(`the Ingress docs' path table (${cls === 'nginx' ? 'ingress-nginx' : 'spec-only controller'})`, () => {
    for (const row of DOCS_TABLE) {
      const paths = row.paths.map(([type, path], i) => ({ type, path, svc: `p${i}` }));
      const { model } = load(NGINX_CLASS + OTHER_CLASS + app('p0') + app('p1') + app('p2') + ingress('t', { cls, host: 'foo.com', paths }));
      const r = ask(model, { url: `https://foo.com${row.request}`, via: `ingress:${cls}` });
      assert.equal(outcome(r), (cls === 'nginx' ? row.nginx : undefined) ?? row.want, `${row.paths.map((p) => p.join(' ')).join(', ')} <- ${row.request}`);
    }
  });
}

test('ingress-nginx: /docs with only a /docs/ location gets nginx\'s 301 to /docs/, naming the rule; an exact or prefix /docs location, regex mode or another class do not', () => {
  const paths = [{ path: '/docs/', type: 'Prefix', svc: 'p0' }, { path: '/static/', type: 'ImplementationSpecific', svc: 'p1' }, { path: '/api/', type: 'Prefix', svc: 'p0' }, { path: '/api', type: 'Exact', svc: 'p1' }];
  const { model } = load(NGINX_CLASS + OTHER_CLASS + app('p0') + app('p1') + ingress('site', { cls: 'nginx', host: 'h.com', paths }) + ingress('other', { cls: 'other', host: 'h.com', paths }) +
    ingress('rx', { cls: 'nginx', host: 'rx.com', annotations: { 'nginx.ingress.kubernetes.io/use-regex': 'true' }, paths: [{ path: '/docs/', type: 'Prefix', svc: 'p0' }] }));
  const r = ask(model, { url: 'http://h.com/docs?page=2', via: 'ingress:nginx' });
  assert.equal(r.status, 301);
  assert.equal(r.location, 'http://h.com/docs/?page=2');
  assert.deepEqual(r.via, { kind: 'Ingress', namespace: 'default', name: 'site', rule: 0, match: 'Prefix /docs/' });
  assert.match(r.reason, /^nginx: location \/docs\/ .* ends with "\/" and proxies, so a request for \/docs gets nginx's permanent redirect to \/docs\//);
  assert.equal(outcome(ask(model, { url: 'http://h.com:8080/docs', via: 'ingress:nginx' })), '0', 'nginx listens on 80 and 443 only');
  assert.equal(outcome(ask(model, { url: 'https://h.com/static', via: 'ingress:nginx' })), '301 https://h.com/static/', 'ImplementationSpecific /static/ is the same nginx location');
  assert.equal(outcome(ask(model, { url: 'http://h.com/docs/', via: 'ingress:nginx' })), '200 p0');
  assert.equal(outcome(ask(model, { url: 'http://h.com/api', via: 'ingress:nginx' })), '200 p1', 'the exact location = /api is found first');
  assert.equal(outcome(ask(model, { url: 'http://h.com/docs', via: 'ingress:other' })), '200 p0', 'the spec: Prefix /docs/ matches /docs');
  assert.equal(outcome(ask(model, { url: 'http://rx.com/docs', via: 'ingress:nginx' })), '404', 'regex locations never auto-redirect');
});

test('hosts: precise beats wildcard beats hostless; wildcard covers one label; names are case-insensitive', () => {
  const { model } = load(app('exact') + app('wild') + app('any') +
    ingress('a', { host: 'foo.bar.com', paths: [{ path: '/', type: 'Prefix', svc: 'exact' }] }) +
    ingress('b', { host: '*.bar.com', paths: [{ path: '/', type: 'Prefix', svc: 'wild' }] }) +
    ingress('c', { paths: [{ path: '/', type: 'Prefix', svc: 'any' }] }));
  const table: [string, string][] = [
    ['http://foo.bar.com/', '200 exact'],
    ['http://FOO.Bar.com/', '200 exact'],
    ['http://baz.bar.com/x', '200 wild'],
    ['http://a.baz.bar.com/x', '200 any'],
    ['http://bar.com/', '200 any'],
    ['http://10.0.0.1/', '200 any'],
  ];
  for (const [url, want] of table) assert.equal(outcome(ask(model, url)), want, url);
});

test('Ingresses for one host merge oldest first: longest path wins, an identical path of a newer Ingress is ignored', () => {
  const { model, cluster } = load(app('a') + app('b') + app('c') + app('d') +
    ingress('older', { host: 'h.com', created: '2024-01-01T00:00:00Z', paths: [{ path: '/api', type: 'Prefix', svc: 'a' }] }) +
    ingress('newer', { host: 'h.com', created: '2024-02-01T00:00:00Z', paths: [{ path: '/api', type: 'Prefix', svc: 'c' }, { path: '/api/v1', type: 'Prefix', svc: 'b' }, { path: '/api', type: 'Exact', svc: 'd' }] }));
  assert.equal(outcome(ask(model, 'http://h.com/api/x')), '200 a');
  assert.equal(outcome(ask(model, 'http://h.com/api/v1/users')), '200 b');
  assert.equal(outcome(ask(model, 'http://h.com/api')), '200 d', 'Exact beats Prefix on equal length');
  const conflict = model.diagnostics.find((d) => d.code === 'PN4004');
  assert.equal(conflict?.message, 'Ingress default/newer: host "h.com" path /api (Prefix) is already defined by Ingress default/older, which is older; this one is ignored');
  assert.equal(cluster.diagnostics.length >= 0, true);
});

test('defaultBackend: the Ingress default for its hosts, and an Ingress with only a defaultBackend is the catch-all', () => {
  const { model } = load(app('api') + app('fallback') + app('catchall') +
    ingress('rules', { host: 'h.com', defaultBackend: 'fallback', paths: [{ path: '/api', type: 'Prefix', svc: 'api' }] }) +
    ingress('all', { defaultBackend: 'catchall' }));
  assert.equal(outcome(ask(model, 'http://h.com/api')), '200 api');
  assert.equal(outcome(ask(model, 'http://h.com/other')), '200 fallback');
  assert.equal(outcome(ask(model, 'http://unknown.com/x')), '200 catchall');
  assert.equal(ask(model, 'http://h.com/other').via?.match, 'defaultBackend');
});

test('ImplementationSpecific: a plain string prefix in ingress-nginx, Prefix for a spec-only controller', () => {
  const text = NGINX_CLASS + OTHER_CLASS + app('s') +
    ingress('n', { cls: 'nginx', host: 'h.com', paths: [{ path: '/foo', type: 'ImplementationSpecific', svc: 's' }] }) +
    ingress('o', { cls: 'other', host: 'h.com', paths: [{ path: '/foo', type: 'ImplementationSpecific', svc: 's' }] });
  const { model } = load(text);
  assert.equal(outcome(ask(model, { url: 'http://h.com/foobar', via: 'ingress:nginx' })), '200 s');
  assert.equal(outcome(ask(model, { url: 'http://h.com/foobar', via: 'ingress:other' })), '404');
  assert.equal(outcome(ask(model, { url: 'http://h.com/foo/bar', via: 'ingress:other' })), '200 s');
});

test('use-regex switches every location of the host to case-insensitive regex, first match by descending length', () => {
  const { model } = load(app('re') + app('plain') + app('short') +
    ingress('r', { host: 'h.com', annotations: { 'nginx.ingress.kubernetes.io/use-regex': 'true' }, paths: [{ path: '/foo/.*', type: 'ImplementationSpecific', svc: 're' }] }) +
    ingress('p', { host: 'h.com', paths: [{ path: '/bar', type: 'Prefix', svc: 'plain' }, { path: '/b', type: 'Prefix', svc: 'short' }] }));
  assert.equal(outcome(ask(model, 'http://h.com/FOO/x')), '200 re');
  assert.equal(outcome(ask(model, 'http://h.com/barbaz')), '200 plain', 'Prefix /bar became the regex ^/bar');
  assert.equal(outcome(ask(model, 'http://h.com/bz')), '200 short');
  assert.equal(ask(model, 'http://h.com/FOO/x').via?.match, 'ImplementationSpecific /foo/.* (case-insensitive regex)');
});

test('rewrite-target substitutes capture groups; the query is kept', () => {
  const { model } = load(app('s') + ingress('rw', { host: 'h.com', annotations: { 'nginx.ingress.kubernetes.io/rewrite-target': '/$2' }, paths: [{ path: '/something(/|$)(.*)', type: 'ImplementationSpecific', svc: 's' }] }));
  const table: [string, string][] = [
    ['http://h.com/something', '/'],
    ['http://h.com/something/', '/'],
    ['http://h.com/something/new', '/new'],
    ['http://h.com/something/new?a=1', '/new?a=1'],
  ];
  for (const [url, path] of table) assert.equal(ask(model, url).path, path, url);
});

test('ssl-redirect, force-ssl-redirect and preserve-trailing-slash: 308 with the exact Location', () => {
  const { model } = load(app('s') + app('t') + app('u') + app('v') + tlsSecret('cert') +
    ingress('tls', { host: 'secure.com', tls: [{ hosts: ['secure.com'], secret: 'cert' }], paths: [{ path: '/', type: 'Prefix', svc: 's' }] }) +
    ingress('off', { host: 'plain.com', annotations: { 'nginx.ingress.kubernetes.io/ssl-redirect': 'false' }, tls: [{ hosts: ['plain.com'], secret: 'cert' }], paths: [{ path: '/', type: 'Prefix', svc: 't' }] }) +
    ingress('force', { host: 'force.com', annotations: { 'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true' }, paths: [{ path: '/', type: 'Prefix', svc: 'u' }] }) +
    ingress('keep', { host: 'keep.com', annotations: { 'nginx.ingress.kubernetes.io/preserve-trailing-slash': 'true' }, tls: [{ hosts: ['keep.com'], secret: 'cert' }], paths: [{ path: '/', type: 'Prefix', svc: 'v' }] }));
  const table: [string, string][] = [
    ['http://secure.com/a/b?x=1', '308 https://secure.com/a/b?x=1'],
    ['http://secure.com/dir/', '308 https://secure.com/dir'],
    ['http://secure.com/', '308 https://secure.com'],
    ['https://secure.com/a', '200 s'],
    ['http://plain.com/a', '200 t'],
    ['http://force.com/a', '308 https://force.com/a'],
    ['http://keep.com/dir/', '308 https://keep.com/dir/'],
  ];
  for (const [url, want] of table) assert.equal(outcome(ask(model, url)), want, url);
  assert.deepEqual(ask(model, 'https://secure.com/a').tls, { secret: 'default/cert', sni: 'secure.com' });
});

test('app-root, permanent-redirect (with code), temporal-redirect and from-to-www-redirect', () => {
  const { model } = load(app('s') +
    ingress('root', { host: 'root.com', annotations: { 'nginx.ingress.kubernetes.io/app-root': '/app1' }, paths: [{ path: '/', type: 'Prefix', svc: 's' }] }) +
    ingress('perm', { host: 'perm.com', annotations: { 'nginx.ingress.kubernetes.io/permanent-redirect': 'https://www.google.com' }, paths: [{ path: '/', type: 'Prefix', svc: 's' }] }) +
    ingress('perm308', { host: 'p308.com', annotations: { 'nginx.ingress.kubernetes.io/permanent-redirect': 'https://x.io/', 'nginx.ingress.kubernetes.io/permanent-redirect-code': '308' }, paths: [{ path: '/', type: 'Prefix', svc: 's' }] }) +
    ingress('temp', { host: 'temp.com', annotations: { 'nginx.ingress.kubernetes.io/temporal-redirect': 'https://t.io/x' }, paths: [{ path: '/', type: 'Prefix', svc: 's' }] }) +
    ingress('www', { host: 'root.com', annotations: { 'nginx.ingress.kubernetes.io/from-to-www-redirect': 'true' }, paths: [{ path: '/other', type: 'Prefix', svc: 's' }] }) +
    ingress('taken', { host: 'www-taken.com', annotations: { 'nginx.ingress.kubernetes.io/from-to-www-redirect': 'true' }, paths: [{ path: '/', type: 'Prefix', svc: 's' }] }) +
    ingress('taken2', { host: 'www.www-taken.com', paths: [{ path: '/', type: 'Prefix', svc: 's' }] }));
  const table: [string, string][] = [
    ['http://root.com/', '302 http://root.com/app1'],
    ['http://root.com/other', '200 s'],
    ['http://perm.com/x', '301 https://www.google.com'],
    ['http://p308.com/x', '308 https://x.io/'],
    ['http://temp.com/', '302 https://t.io/x'],
    ['http://www.root.com/a?b=1', '308 http://root.com/a?b=1'],
    ['http://www.www-taken.com/', '200 s'],
  ];
  for (const [url, want] of table) assert.equal(outcome(ask(model, url)), want, url);
});

const canaryBase = app('main') + app('canary') + ingress('main', { host: 'c.com', paths: [{ path: '/', type: 'Prefix', svc: 'main' }] });
function canaryIngress(annotations: Record<string, string>): string {
  return ingress('canary', { host: 'c.com', annotations: { 'nginx.ingress.kubernetes.io/canary': 'true', ...annotations }, paths: [{ path: '/', type: 'Prefix', svc: 'canary' }] });
}

test('canary by header: always / never / a value / a pattern, falling through to cookie and weight', () => {
  const P = 'nginx.ingress.kubernetes.io/';
  const cases: { ann: Record<string, string>; headers?: Record<string, string>; random?: number; want: string }[] = [
    { ann: { [P + 'canary-by-header']: 'X-Canary' }, headers: { 'X-Canary': 'always' }, want: '200 canary' },
    { ann: { [P + 'canary-by-header']: 'X-Canary' }, headers: { 'X-Canary': 'never' }, want: '200 main' },
    { ann: { [P + 'canary-by-header']: 'X-Canary' }, want: '200 main' },
    { ann: { [P + 'canary-by-header']: 'X-Canary', [P + 'canary-by-header-value']: 'v2' }, headers: { 'x-canary': 'v2' }, want: '200 canary' },
    { ann: { [P + 'canary-by-header']: 'X-Canary', [P + 'canary-by-header-value']: 'v2' }, headers: { 'x-canary': 'always' }, want: '200 main' },
    { ann: { [P + 'canary-by-header']: 'X-Canary', [P + 'canary-by-header-pattern']: '^v[0-9]+$' }, headers: { 'x-canary': 'v42' }, want: '200 canary' },
    { ann: { [P + 'canary-by-header']: 'X-Canary', [P + 'canary-by-header-pattern']: '^v[0-9]+$' }, headers: { 'x-canary': 'beta' }, want: '200 main' },
    { ann: { [P + 'canary-by-cookie']: 'canary' }, headers: { cookie: 'a=b; canary=always' }, want: '200 canary' },
    { ann: { [P + 'canary-by-cookie']: 'canary', [P + 'canary-weight']: '100' }, headers: { cookie: 'canary=never' }, want: '200 main' },
    { ann: { [P + 'canary-by-header']: 'X-Canary', [P + 'canary-weight']: '100' }, headers: { 'x-canary': 'never' }, want: '200 main' },
    { ann: { [P + 'canary-by-header']: 'X-Canary', [P + 'canary-by-header-value']: 'v2', [P + 'canary-weight']: '100' }, headers: { 'x-canary': 'other' }, want: '200 canary' },
    { ann: { [P + 'canary-weight']: '30' }, random: 0.1, want: '200 canary' },
    { ann: { [P + 'canary-weight']: '30' }, random: 0.5, want: '200 main' },
    { ann: { [P + 'canary-weight']: '30' }, want: '200 main' },
    { ann: { [P + 'canary-weight']: '3', [P + 'canary-weight-total']: '1000' }, random: 0.002, want: '200 canary' },
    { ann: { [P + 'canary-weight']: '3', [P + 'canary-weight-total']: '1000' }, random: 0.004, want: '200 main' },
  ];
  for (const c of cases) {
    const { model } = load(canaryBase + canaryIngress(c.ann));
    const r = ask(model, { url: 'http://c.com/', headers: c.headers, random: c.random });
    assert.equal(outcome(r), c.want, JSON.stringify(c));
  }
});

test('backends: no endpoints or no Service -> 503; default-backend annotation steps in; backend-protocol and rate limits are reported', () => {
  const P = 'nginx.ingress.kubernetes.io/';
  const { model } = load(app('spare') + emptyService('empty') +
    ingress('a', { host: 'a.com', paths: [{ path: '/', type: 'Prefix', svc: 'empty' }] }) +
    ingress('b', { host: 'b.com', paths: [{ path: '/', type: 'Prefix', svc: 'missing' }] }) +
    ingress('c', { host: 'c.com', annotations: { [P + 'default-backend']: 'spare' }, paths: [{ path: '/', type: 'Prefix', svc: 'empty' }] }) +
    ingress('d', { host: 'd.com', annotations: { [P + 'backend-protocol']: 'HTTPS', [P + 'limit-rps']: '5', [P + 'limit-connections']: '2' }, paths: [{ path: '/', type: 'Prefix', svc: 'spare' }] }));
  assert.equal(outcome(ask(model, 'http://a.com/')), '503 empty');
  assert.equal(ask(model, 'http://a.com/').reason, 'host "a.com" path / (Prefix) of Ingress default/a: service "default/empty" has no ready endpoints; the controller answers 503');
  assert.equal(outcome(ask(model, 'http://b.com/')), '503 missing');
  assert.deepEqual(model.diagnostics.filter((d) => d.code === 'PN4007').map((d) => d.message), ['Ingress default/b: Service "default/missing" does not exist; requests for it get 503']);
  assert.equal(outcome(ask(model, 'http://c.com/')), '200 spare');
  const d = ask(model, 'http://d.com/');
  assert.equal(d.backend?.protocol, 'HTTPS');
  assert.deepEqual(d.rateLimit, { rps: 5, connections: 2, burst: 25, statusCode: 503 });
  assert.deepEqual(d.backend?.endpoints?.length, 1);
});

test('TLS: a Secret that does not parse, or does not cover the host, gives the fallback certificate (PN4003)', () => {
  const { model } = load(app('s') + brokenTlsSecret('broken') + tlsSecret('narrow', 'default', ['only.com']) + tlsSecret('wild', 'default', ['*.w.com']) +
    ingress('b', { host: 'b.com', tls: [{ hosts: ['b.com'], secret: 'broken' }], paths: [{ path: '/', type: 'Prefix', svc: 's' }] }) +
    ingress('n', { host: 'n.com', tls: [{ hosts: ['n.com'], secret: 'narrow' }], paths: [{ path: '/', type: 'Prefix', svc: 's' }] }) +
    ingress('w', { host: 'x.w.com', tls: [{ hosts: ['x.w.com'], secret: 'wild' }], paths: [{ path: '/', type: 'Prefix', svc: 's' }] }));
  assert.deepEqual(ask(model, 'https://b.com/').tls, { secret: 'default/broken', sni: 'b.com', fallback: true });
  assert.deepEqual(ask(model, 'https://n.com/').tls, { secret: 'default/narrow', sni: 'n.com', fallback: true });
  assert.deepEqual(ask(model, 'https://x.w.com/').tls, { secret: 'default/wild', sni: 'x.w.com' });
  assert.deepEqual(model.diagnostics.filter((d) => d.code === 'PN4003').map((d) => d.message), [
    'Ingress default/b: TLS secret "default/broken" holds a tls.crt that is not a PEM certificate; the controller serves its fallback (self-signed) certificate',
    'Ingress default/n: TLS secret "default/narrow" does not cover host n.com (no matching Subject Alternative Name or Common Name); the controller serves its fallback (self-signed) certificate for that host',
  ]);
  assert.equal(ask(model, 'http://b.com/').status, 308, 'TLS is configured for the host, so ssl-redirect still applies');
});

test('TLS: a missing Secret gives the fallback certificate and PN4003; unknown SNI too', () => {
  const { model } = load(app('s') + ingress('t', { host: 'h.com', tls: [{ hosts: ['h.com'], secret: 'nope' }], paths: [{ path: '/', type: 'Prefix', svc: 's' }] }));
  assert.deepEqual(ask(model, 'https://h.com/').tls, { secret: 'default/nope', sni: 'h.com', fallback: true });
  assert.equal(model.diagnostics.find((d) => d.code === 'PN4003')?.message, 'Ingress default/t: TLS secret "default/nope" does not exist; the controller serves its fallback (self-signed) certificate');
  assert.deepEqual(ask(model, 'https://other.com/').tls, { secret: '', sni: 'other.com', fallback: true });
});

test('classes: an unknown class is not served (PN4001); several classes need --via; ports other than 80/443 refuse', () => {
  const { model } = load(NGINX_CLASS + OTHER_CLASS + app('s') +
    ingress('x', { cls: 'ghost', host: 'h.com', paths: [{ path: '/', type: 'Prefix', svc: 's' }] }) +
    ingress('n', { cls: 'nginx', host: 'n.com', paths: [{ path: '/', type: 'Prefix', svc: 's' }] }) +
    ingress('o', { cls: 'other', host: 'o.com', paths: [{ path: '/', type: 'Prefix', svc: 's' }] }));
  assert.equal(model.diagnostics.find((d) => d.code === 'PN4001')?.message, 'Ingress default/x names IngressClass "ghost", which does not exist: no controller serves it');
  assert.throws(() => ask(model, 'http://n.com/'), /there are 2 entry points; choose one with --via: ingress:nginx, ingress:other/);
  assert.equal(outcome(ask(model, { url: 'http://n.com/', via: 'ingress:nginx' })), '200 s');
  assert.equal(outcome(ask(model, { url: 'http://o.com/', via: 'ingress:nginx' })), '404');
  assert.equal(ask(model, { url: 'http://n.com:8080/', via: 'ingress:nginx' }).status, 0);
});

test('upstream headers: what ingress-nginx sets, the client\'s own kept, hop-by-hop dropped', () => {
  const { model } = load(app('s') + ingress('h', { host: 'h.com', paths: [{ path: '/', type: 'Prefix', svc: 's' }] }));
  const r = ask(model, { url: 'http://h.com/p?q=1', headers: { 'X-Custom': 'yes', Connection: 'close', 'X-Forwarded-For': '1.2.3.4' } });
  assert.deepEqual(r.requestHeaders, {
    'x-custom': 'yes', host: 'h.com', 'x-original-forwarded-for': '1.2.3.4', 'x-real-ip': '192.0.2.1', 'x-forwarded-for': '192.0.2.1',
    'x-forwarded-host': 'h.com', 'x-forwarded-port': '80', 'x-forwarded-proto': 'http', 'x-forwarded-scheme': 'http', 'x-scheme': 'http', 'x-original-uri': '/p?q=1',
  });
  assert.equal(r.path, '/p?q=1');
});

test('resource backends: served by a spec-only controller, skipped by ingress-nginx (PN4009)', () => {
  const res = (cls: string): string => `---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: res-${cls}, namespace: default}
spec:
  ingressClassName: ${cls}
  rules:
  - host: static.com
    http:
      paths: [{path: /assets, pathType: Prefix, backend: {resource: {apiGroup: k8s.example.com, kind: StorageBucket, name: static-assets}}}]
`;
  const { model } = load(NGINX_CLASS + OTHER_CLASS + res('nginx') + res('other'));
  const other = ask(model, { url: 'http://static.com/assets/a.png', via: 'ingress:other' });
  assert.equal(other.status, 200);
  assert.deepEqual(other.backend?.resource, { apiGroup: 'k8s.example.com', kind: 'StorageBucket', name: 'static-assets' });
  assert.equal(ask(model, { url: 'http://static.com/assets/a.png', via: 'ingress:nginx' }).status, 404);
  assert.equal(model.diagnostics.find((d) => d.code === 'PN4009')?.message, 'Ingress default/res-nginx path /assets: ingress-nginx does not serve resource backends (StorageBucket static-assets); the path is skipped');
});
