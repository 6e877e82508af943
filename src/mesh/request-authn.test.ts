import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../cluster/cluster.js';
import { compileMesh, type MeshRequest } from './index.js';
import { withObjects } from './testdata/fixture.js';

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const jwt = (payload: object) => `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(payload)}.c2ln`;
const NOW = Date.UTC(2026, 0, 1);

const DOCS = [`apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt, namespace: shop}
spec:
  selector: {matchLabels: {app: backend}}
  jwtRules: [{issuer: "https://issuer.example", audiences: [shop]}]`, `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: require-jwt, namespace: shop}
spec:
  selector: {matchLabels: {app: backend}}
  rules:
  - from: [{source: {requestPrincipals: ["https://issuer.example/*"]}}]
    when: [{key: "request.auth.claims[group]", values: [admins]}]`];

const req = (token?: string): MeshRequest => ({ from: { kind: 'Pod', namespace: 'shop', name: 'frontend' }, to: { kind: 'Service', namespace: 'shop', name: 'backend' }, port: 80, method: 'GET', path: '/', headers: token ? { authorization: `Bearer ${token}` } : {}, nowMs: NOW });

const CASES: [string, string | undefined, boolean, number | undefined, string][] = [
  ['valid token with the claim', jwt({ iss: 'https://issuer.example', sub: 'alice', aud: 'shop', group: 'admins', exp: NOW / 1000 + 60 }), true, undefined, 'ALLOW policy shop/require-jwt rule 0 matches (mTLS from spiffe://cluster.local/ns/shop/sa/frontend)'],
  ['valid token without the claim', jwt({ iss: 'https://issuer.example', sub: 'bob', aud: ['shop'], group: 'users' }), false, 403, 'ALLOW policies apply to the workload (shop/require-jwt) and none matches: denied by default: 403 RBAC: access denied'],
  ['no token: accepted by authentication, then no request principal', undefined, false, 403, 'ALLOW policies apply to the workload (shop/require-jwt) and none matches: denied by default: 403 RBAC: access denied'],
  ['unknown issuer', jwt({ iss: 'https://evil.example', sub: 'x' }), false, 401, 'Jwt issuer "https://evil.example" is not configured: 401'],
  ['wrong audience', jwt({ iss: 'https://issuer.example', sub: 'x', aud: 'other' }), false, 401, 'Audiences in Jwt are not allowed (other): 401'],
  ['expired', jwt({ iss: 'https://issuer.example', sub: 'x', aud: 'shop', exp: NOW / 1000 - 1 }), false, 401, 'Jwt is expired: 401'],
  ['garbage', 'not-a-jwt', false, 401, 'Jwt is not in the form of Header.Payload.Signature: 401'],
];

for (const [name, token, allowed, status, reason] of CASES) {
  test(`RequestAuthentication: ${name}`, () => {
    const e = compileMesh(Cluster.load({ text: withObjects(...DOCS) })).evaluate(req(token));
    assert.deepEqual({ allowed: e.allowed, status: e.status, reason: e.reason }, { allowed, status, reason });
  });
}

test('RequestAuthentication: the valid token gives request.auth.principal', () => {
  const e = compileMesh(Cluster.load({ text: withObjects(...DOCS) })).evaluate(req(jwt({ iss: 'https://issuer.example', sub: 'alice', aud: 'shop', group: 'admins' })));
  assert.deepEqual({ status: e.jwt?.status, principal: e.jwt?.requestPrincipal, policy: e.jwt?.policy }, { status: 'valid', principal: 'https://issuer.example/alice', policy: 'shop/jwt' });
});
