import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateAuthz, policiesForWorkload, type AuthzRequest } from './authz.js';
import { pathMatch } from './match.js';

type Obj = Record<string, any>;
const ap = (name: string, spec: Obj, ns = 'shop', annotations?: Obj): Obj => ({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name, namespace: ns, ...(annotations ? { annotations } : {}) }, spec });

const FRONTEND = 'cluster.local/ns/shop/sa/frontend';
const mtlsGet = (path: string, extra: Partial<AuthzRequest> = {}): AuthzRequest => ({ mtls: true, principal: FRONTEND, sourceIP: '10.244.1.5', http: true, method: 'GET', path, port: 8080, ...extra });
const plainGet = (path: string, extra: Partial<AuthzRequest> = {}): AuthzRequest => ({ mtls: false, sourceIP: '10.244.1.5', http: true, method: 'GET', path, port: 8080, ...extra });
const tcp = (extra: Partial<AuthzRequest> = {}): AuthzRequest => ({ mtls: true, principal: FRONTEND, sourceIP: '10.244.1.5', http: false, port: 8080, ...extra });

const allowFrontend = ap('allow-frontend', { action: 'ALLOW', rules: [{ from: [{ source: { principals: [FRONTEND] } }] }] });
const denyAdmin = ap('deny-admin', { action: 'DENY', rules: [{ to: [{ operation: { paths: ['/admin*'] } }] }] });

interface Case { name: string; policies: Obj[]; req: AuthzRequest; allowed: boolean; policy?: string; action?: string; custom?: Record<string, boolean> }

const CASES: Case[] = [
  { name: 'no policy: allow', policies: [], req: plainGet('/'), allowed: true },
  { name: 'empty ALLOW spec {} = allow-nothing', policies: [ap('allow-nothing', {})], req: mtlsGet('/'), allowed: false, policy: 'shop/allow-nothing', action: 'ALLOW' },
  { name: 'rules: [{}] allows everything', policies: [ap('allow-all', { rules: [{}] })], req: plainGet('/x'), allowed: true, policy: 'shop/allow-all', action: 'ALLOW' },
  { name: 'DENY with rules: [{}] denies everything', policies: [ap('deny-all', { action: 'DENY', rules: [{}] })], req: mtlsGet('/'), allowed: false, policy: 'shop/deny-all', action: 'DENY' },
  { name: 'DENY without rules never matches', policies: [ap('deny-none', { action: 'DENY' })], req: mtlsGet('/'), allowed: true },
  { name: 'ALLOW principal with mTLS', policies: [allowFrontend], req: mtlsGet('/'), allowed: true, policy: 'shop/allow-frontend', action: 'ALLOW' },
  { name: 'ALLOW principal without mTLS: no principal, denied', policies: [allowFrontend], req: plainGet('/'), allowed: false, policy: 'shop/allow-frontend', action: 'ALLOW' },
  { name: 'ALLOW principal, other identity', policies: [allowFrontend], req: mtlsGet('/', { principal: 'cluster.local/ns/shop/sa/other' }), allowed: false, action: 'ALLOW', policy: 'shop/allow-frontend' },
  { name: 'principal wildcard prefix', policies: [ap('a', { rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/*'] } }] }] })], req: mtlsGet('/'), allowed: true, policy: 'shop/a', action: 'ALLOW' },
  { name: 'principals ["*"] = any authenticated peer; plaintext denied', policies: [ap('a', { rules: [{ from: [{ source: { principals: ['*'] } }] }] })], req: plainGet('/'), allowed: false, policy: 'shop/a', action: 'ALLOW' },
  { name: 'DENY notPrincipals ["*"] denies plaintext', policies: [ap('require-mtls', { action: 'DENY', rules: [{ from: [{ source: { notPrincipals: ['*'] } }] }] })], req: plainGet('/'), allowed: false, policy: 'shop/require-mtls', action: 'DENY' },
  { name: 'DENY notPrincipals ["*"] lets mTLS through', policies: [ap('require-mtls', { action: 'DENY', rules: [{ from: [{ source: { notPrincipals: ['*'] } }] }] })], req: mtlsGet('/'), allowed: true },
  { name: 'namespaces from the mTLS principal', policies: [ap('ns', { rules: [{ from: [{ source: { namespaces: ['shop'] } }] }] })], req: mtlsGet('/'), allowed: true, policy: 'shop/ns', action: 'ALLOW' },
  { name: 'namespaces need mTLS', policies: [ap('ns', { rules: [{ from: [{ source: { namespaces: ['shop'] } }] }] })], req: plainGet('/'), allowed: false, policy: 'shop/ns', action: 'ALLOW' },
  { name: 'notNamespaces excludes the caller', policies: [ap('ns', { rules: [{ from: [{ source: { notNamespaces: ['shop'] } }] }] })], req: mtlsGet('/'), allowed: false, policy: 'shop/ns', action: 'ALLOW' },
  { name: 'serviceAccounts ns/sa', policies: [ap('sa', { rules: [{ from: [{ source: { serviceAccounts: ['shop/frontend'] } }] }] })], req: mtlsGet('/'), allowed: true, policy: 'shop/sa', action: 'ALLOW' },
  { name: 'ipBlocks CIDR', policies: [ap('ip', { rules: [{ from: [{ source: { ipBlocks: ['10.244.1.0/24'] } }] }] })], req: plainGet('/'), allowed: true, policy: 'shop/ip', action: 'ALLOW' },
  { name: 'notIpBlocks excludes the caller', policies: [ap('ip', { rules: [{ from: [{ source: { notIpBlocks: ['10.244.1.5'] } }] }] })], req: plainGet('/'), allowed: false, policy: 'shop/ip', action: 'ALLOW' },
  { name: 'requestPrincipals present', policies: [ap('jwt', { rules: [{ from: [{ source: { requestPrincipals: ['https://issuer.example/*'] } }] }] })], req: plainGet('/', { requestPrincipal: 'https://issuer.example/alice' }), allowed: true, policy: 'shop/jwt', action: 'ALLOW' },
  { name: 'requestPrincipals absent token', policies: [ap('jwt', { rules: [{ from: [{ source: { requestPrincipals: ['*'] } }] }] })], req: plainGet('/'), allowed: false, policy: 'shop/jwt', action: 'ALLOW' },
  { name: 'fields in one source are ANDed', policies: [ap('and', { rules: [{ from: [{ source: { namespaces: ['shop'], ipBlocks: ['192.168.0.0/16'] } }] }] })], req: mtlsGet('/'), allowed: false, policy: 'shop/and', action: 'ALLOW' },
  { name: 'from entries are ORed', policies: [ap('or', { rules: [{ from: [{ source: { namespaces: ['other'] } }, { source: { ipBlocks: ['10.244.0.0/16'] } }] }] })], req: mtlsGet('/'), allowed: true, policy: 'shop/or', action: 'ALLOW' },
  { name: 'path prefix wildcard', policies: [ap('p', { rules: [{ to: [{ operation: { paths: ['/api/*'] } }] }] })], req: plainGet('/api/orders?x=1'), allowed: true, policy: 'shop/p', action: 'ALLOW' },
  { name: 'path suffix wildcard', policies: [ap('p', { rules: [{ to: [{ operation: { paths: ['*.png'] } }] }] })], req: plainGet('/img/a.jpg'), allowed: false, policy: 'shop/p', action: 'ALLOW' },
  { name: 'path exact does not match a longer path', policies: [ap('p', { rules: [{ to: [{ operation: { paths: ['/api'] } }] }] })], req: plainGet('/api/x'), allowed: false, policy: 'shop/p', action: 'ALLOW' },
  { name: 'path template {*}', policies: [ap('p', { rules: [{ to: [{ operation: { paths: ['/users/{*}/profile'] } }] }] })], req: plainGet('/users/42/profile'), allowed: true, policy: 'shop/p', action: 'ALLOW' },
  { name: 'path template {**}', policies: [ap('p', { rules: [{ to: [{ operation: { paths: ['/files/{**}'] } }] }] })], req: plainGet('/files/a/b/c'), allowed: true, policy: 'shop/p', action: 'ALLOW' },
  { name: 'methods and notPaths', policies: [ap('m', { rules: [{ to: [{ operation: { methods: ['GET', 'HEAD'], notPaths: ['/private*'] } }] }] })], req: plainGet('/private/x'), allowed: false, policy: 'shop/m', action: 'ALLOW' },
  { name: 'method mismatch', policies: [ap('m', { rules: [{ to: [{ operation: { methods: ['POST'] } }] }] })], req: plainGet('/'), allowed: false, policy: 'shop/m', action: 'ALLOW' },
  { name: 'hosts are case-insensitive', policies: [ap('h', { rules: [{ to: [{ operation: { hosts: ['Backend.shop.svc.cluster.local'] } }] }] })], req: plainGet('/', { host: 'backend.SHOP.svc.cluster.local' }), allowed: true, policy: 'shop/h', action: 'ALLOW' },
  { name: 'ports are the workload port', policies: [ap('port', { rules: [{ to: [{ operation: { ports: ['8080'] } }] }] })], req: tcp(), allowed: true, policy: 'shop/port', action: 'ALLOW' },
  { name: 'DENY beats ALLOW', policies: [allowFrontend, denyAdmin], req: mtlsGet('/admin/users'), allowed: false, policy: 'shop/deny-admin', action: 'DENY' },
  { name: 'DENY not matching, ALLOW matches', policies: [allowFrontend, denyAdmin], req: mtlsGet('/shop'), allowed: true, policy: 'shop/allow-frontend', action: 'ALLOW' },
  { name: 'CUSTOM first: provider denies', policies: [ap('ext', { action: 'CUSTOM', provider: { name: 'opa' }, rules: [{ to: [{ operation: { paths: ['/admin*'] } }] }] }), denyAdmin], req: mtlsGet('/admin'), allowed: false, policy: 'shop/ext', action: 'CUSTOM' },
  { name: 'CUSTOM provider allows: DENY still applies', policies: [ap('ext', { action: 'CUSTOM', provider: { name: 'opa' }, rules: [{}] }), denyAdmin], req: mtlsGet('/admin'), allowed: false, policy: 'shop/deny-admin', action: 'DENY', custom: { opa: true } },
  { name: 'CUSTOM not matching: no effect', policies: [ap('ext', { action: 'CUSTOM', provider: { name: 'opa' }, rules: [{ to: [{ operation: { paths: ['/admin*'] } }] }] })], req: mtlsGet('/public'), allowed: true },
  { name: 'AUDIT never changes the decision', policies: [ap('audit', { action: 'AUDIT', rules: [{}] })], req: plainGet('/'), allowed: true },
  { name: 'dry-run DENY is not enforced', policies: [ap('dry', { action: 'DENY', rules: [{}] }, 'shop', { 'istio.io/dry-run': 'true' })], req: mtlsGet('/'), allowed: true },
  { name: 'TCP: DENY on methods drops the HTTP field and denies', policies: [ap('deny-get', { action: 'DENY', rules: [{ to: [{ operation: { methods: ['GET'] } }] }] })], req: tcp(), allowed: false, policy: 'shop/deny-get', action: 'DENY' },
  { name: 'TCP: ALLOW on paths cannot match', policies: [ap('allow-path', { rules: [{ to: [{ operation: { paths: ['/'] } }] }] })], req: tcp(), allowed: false, policy: 'shop/allow-path', action: 'ALLOW' },
  { name: 'when request.headers', policies: [ap('w', { rules: [{ when: [{ key: 'request.headers[X-Version]', values: ['v2'] }] }] })], req: plainGet('/', { headers: { 'x-version': 'v2' } }), allowed: true, policy: 'shop/w', action: 'ALLOW' },
  { name: 'when notValues', policies: [ap('w', { rules: [{ when: [{ key: 'source.ip', notValues: ['10.244.1.0/24'] }] }] })], req: plainGet('/'), allowed: false, policy: 'shop/w', action: 'ALLOW' },
  { name: 'when source.namespace needs mTLS', policies: [ap('w', { rules: [{ when: [{ key: 'source.namespace', values: ['shop'] }] }] })], req: plainGet('/'), allowed: false, policy: 'shop/w', action: 'ALLOW' },
  { name: 'when destination.port', policies: [ap('w', { action: 'DENY', rules: [{ when: [{ key: 'destination.port', values: ['8080'] }] }] })], req: tcp(), allowed: false, policy: 'shop/w', action: 'DENY' },
];

for (const c of CASES) {
  test(`AuthorizationPolicy: ${c.name}`, () => {
    const d = evaluateAuthz(c.policies, c.req, { rootNamespace: 'istio-system', customProviderAllows: c.custom });
    assert.deepEqual({ allowed: d.allowed, policy: d.policy, action: d.action }, { allowed: c.allowed, policy: c.policy, action: c.action });
  });
}

test('AUDIT and dry-run matches are reported', () => {
  const d = evaluateAuthz([ap('audit', { action: 'AUDIT', rules: [{}] }), ap('dry', { action: 'DENY', rules: [{}] }, 'shop', { 'istio.io/dry-run': 'true' })], plainGet('/'), { rootNamespace: 'istio-system' });
  assert.deepEqual(d.audited, [{ policy: 'shop/audit', action: 'AUDIT', rule: 0 }]);
  assert.deepEqual(d.dryRun, [{ policy: 'shop/dry', action: 'DENY', rule: 0 }]);
});

test('policy scope: root namespace mesh-wide, own namespace, selector, targetRefs', () => {
  const policies = [
    ap('mesh', {}, 'istio-system'),
    ap('mesh-sel', { selector: { matchLabels: { app: 'backend' } } }, 'istio-system'),
    ap('ns', {}),
    ap('sel', { selector: { matchLabels: { app: 'backend' } } }),
    ap('sel-other', { selector: { matchLabels: { app: 'frontend' } } }),
    ap('other-ns', {}, 'other'),
    ap('waypoint', { targetRefs: [{ kind: 'Service', group: '', name: 'backend' }] }),
  ];
  assert.deepEqual(policiesForWorkload(policies, 'shop', { app: 'backend' }, 'istio-system').map((p) => p.metadata.name), ['mesh', 'mesh-sel', 'ns', 'sel']);
});

test('path templates', () => {
  const cases: [string, string, boolean][] = [
    ['/a/{*}', '/a/b', true], ['/a/{*}', '/a/b/c', false], ['/a/{*}', '/a/', false], ['/a/{**}', '/a/b/c', true], ['/a/{**}', '/a', false], ['*', '/', true], ['/x*', '/xyz?q', true],
  ];
  for (const [p, path, want] of cases) assert.equal(pathMatch(p, path), want, `${p} ${path}`);
});
