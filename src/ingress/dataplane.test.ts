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
