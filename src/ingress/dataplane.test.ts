import { test } from 'node:test';
import assert from 'node:assert/strict';
import { app, ask, load, namespace } from './test-fixtures.js';

const BASE = `---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: podnet}
spec: {controllerName: podnet.dev/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge, namespace: infra}
spec:
  gatewayClassName: podnet
  listeners: [{name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: shop}
spec:
  parentRefs: [{name: edge, namespace: infra}]
  rules: [{backendRefs: [{name: api, port: 80}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: shop}
spec: {podSelector: {}, policyTypes: [Ingress]}
` + namespace('infra') + namespace('shop') + app('api', 'shop', { replicas: 2 });

const ALLOW_FROM_INFRA = `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-edge, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: infra}}}], ports: [{port: 8080}]}]
`;

test('the Gateway data plane is a Deployment + LoadBalancer Service named <gateway>-<class> in the Gateway namespace', () => {
  const { cluster } = load(BASE);
  const pods = cluster.pods('infra').map((p) => p.metadata.labels?.['gateway.networking.k8s.io/gateway-name']);
  assert.deepEqual(pods, ['edge']);
  const svc = cluster.get<any>('Service', 'infra', 'edge-podnet');
  assert.equal(svc.spec.type, 'LoadBalancer');
  assert.deepEqual(svc.spec.ports.map((p: any) => p.port), [80]);
});

test('a deny-all namespace without an allow from the proxy namespace gets 504 through the edge; with the allow, 200', () => {
  const denied = ask(load(BASE).model, 'http://shop.example/');
  assert.equal(denied.status, 504);
  assert.equal(denied.dataPlane?.deniedEndpoints.length, 2);
  assert.match(denied.reason, /NetworkPolicy drops every connection from the proxy pod infra\/edge-podnet-[a-z0-9]+-[a-z0-9]+/);
  const allowed = ask(load(BASE + ALLOW_FROM_INFRA).model, 'http://shop.example/');
  assert.equal(allowed.status, 200);
  assert.deepEqual(allowed.dataPlane?.deniedEndpoints, []);
  assert.equal(allowed.backend?.endpoints?.length, 2);
});

test('what a snapshot fixes is reused, never shared: changing one answer leaves the next (and a fresh model\'s) unchanged', () => {
  const ingress = `---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop, annotations: {nginx.ingress.kubernetes.io/limit-rps: "5"}}
spec:
  rules: [{host: shop.example, http: {paths: [{path: /a, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}]}}]
`;
  for (const [text, via] of [[BASE, undefined], [BASE + ALLOW_FROM_INFRA, undefined], [BASE + ingress, 'ingress:nginx'], [BASE + ALLOW_FROM_INFRA + ingress, 'gateway']] as const) {
    const { model } = load(text);
    const q = { url: 'http://shop.example/a?b=1', via };
    const first = ask(model, q);
    const want = JSON.stringify(ask(load(text).model, q));
    assert.equal(first.status, text.includes('allow-edge') ? 200 : 504);
    assert.equal(first.rateLimit?.rps, via === 'ingress:nginx' ? 5 : undefined);
    assert.equal(JSON.stringify(first), want);
    first.reason = 'changed';
    first.status = 1;
    if (first.requestHeaders) first.requestHeaders['x-podnet-source'] = '10.0.0.1';
    // (endpoint and pod lists are the snapshot's own, shared read-only by every answer, as they always were)
    first.backend!.weight = 7;
    first.backend!.protocol = 'changed';
    first.backends!.push(first.backend!);
    first.via!.name = 'changed';
    first.dataPlane!.deniedEndpoints.push('10.9.9.9:2');
    if (first.rateLimit) first.rateLimit.rps = 1000;
    assert.equal(JSON.stringify(ask(model, q)), want);
  }
});
