// Property: whatever the request, routing answers with a known status and never throws (servers never die).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cluster } from '../cluster/cluster.js';
import { compileRouting } from './index.js';
import type { RouteRequest } from './types.js';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');
const STATUSES = new Set([0, 200, 301, 302, 303, 307, 308, 404, 421, 500, 503, 504]);

const GATEWAY = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: c}
spec: {controllerName: x.io/c}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: production}
spec:
  gatewayClassName: c
  listeners:
  - {name: http, port: 80, protocol: HTTP, hostname: "*.example.com"}
  - {name: https, port: 443, protocol: HTTPS, tls: {certificateRefs: [{name: my-app-tls}]}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: production}
spec:
  parentRefs: [{name: gw}]
  rules:
  - matches: [{path: {type: RegularExpression, value: "/re/(a|b)+"}, headers: [{name: x, type: RegularExpression, value: "^v"}]}]
    backendRefs: [{name: backend, port: 8080, weight: 3}, {name: frontend, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /r}, queryParams: [{name: q, value: "1"}]}]
    filters: [{type: RequestRedirect, requestRedirect: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /s}}}]
  - matches: [{path: {type: PathPrefix, value: /w}}]
    filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /}}}]
    backendRefs: [{name: frontend, port: 80}]
`;

test('routing never throws and answers a known status, for any request', () => {
  const shop = readFileSync(join(root, 'examples/shop/app/ingress.yaml'), 'utf8');
  const cluster = Cluster.load({ paths: [join(root, 'examples/shop')], text: GATEWAY + '\n---\n' + shop.replace('name: my-app', 'name: my-app-regex').replace('namespace: production', 'namespace: production\n  annotations: {nginx.ingress.kubernetes.io/use-regex: "true", nginx.ingress.kubernetes.io/canary: "false"}').replace('my-app.example.com', 'regex.example.com').replace('my-app.example.com', 'regex.example.com') });
  const model = compileRouting(cluster);
  const segment = fc.stringMatching(/^[a-zA-Z0-9._~%()*+$-]{0,8}$/);
  const request = fc.record({
    scheme: fc.constantFrom('http' as const, 'https' as const),
    host: fc.constantFrom('my-app.example.com', 'regex.example.com', 'a.example.com', 'x.y.example.com', '', '10.0.0.1', '[::1]', 'weird_host'),
    port: fc.constantFrom(80, 443, 8080),
    path: fc.array(segment, { maxLength: 5 }).map((s) => '/' + s.join('/')),
    query: fc.constantFrom('', 'q=1', 'q=%zz', '&&=', 'a=1&a=2'),
    method: fc.constantFrom('GET', 'POST', 'HEAD', 'BREW'),
    headers: fc.dictionary(fc.constantFrom('x', 'x-canary', 'cookie', 'content-type', 'host'), fc.string({ maxLength: 10 })),
    random: fc.option(fc.double({ min: 0, max: 0.999999, noNaN: true }), { nil: undefined }),
  });
  fc.assert(fc.property(request, fc.constantFrom('ingress:nginx', 'gateway/production/gw'), (req, via) => {
    const r = model.route(req as RouteRequest, via);
    assert.ok(STATUSES.has(r.status), `status ${r.status}`);
    assert.equal(typeof r.reason, 'string');
    if (r.status >= 300 && r.status < 400) assert.equal(typeof r.location, 'string');
  }), { numRuns: 3000, seed: 42 });
});
