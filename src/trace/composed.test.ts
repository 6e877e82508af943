// The composed trace on examples/shop: src/dns resolves (search walk), src/policy decides egress and ingress,
// src/services picks the endpoint, src/net encapsulates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Cluster } from '../cluster/cluster.js';
import { defaultComponents } from './components.js';
import { trace } from './trace.js';

const shop = Cluster.load([fileURLToPath(new URL('../../../examples/shop', import.meta.url))]);
const pod = (prefix: string) => shop.pods('production').map((p) => p.metadata.name).sort().find((n) => n.startsWith(prefix))!;
const components = defaultComponents();

test('composed trace: frontend → backend by name is resolved, allowed both ways and delivered', () => {
  const r = trace(shop, { from: `production/${pod('frontend')}`, to: 'http://backend:8080/api', seed: 3, components });
  assert.equal(r.verdict, 'delivered');
  assert.deepEqual(r.hops.map((h) => h.step), ['dns', 'route', 'dnat', 'policy-egress', 'encap', 'policy-ingress', 'deliver', 'reply']);
  assert.deepEqual(r.hops[0].detail.tried, ['backend.production.svc.cluster.local.']);
  assert.equal(r.hops[0].detail.answer, shop.get<Record<string, any>>('Service', 'production', 'backend')!.spec.clusterIP);
  assert.deepEqual((r.hops[3].detail as Record<string, unknown>).policies, ['production/allow-frontend-egress-to-backend']);
  assert.deepEqual((r.hops[5].detail as Record<string, unknown>).policies, ['production/allow-frontend-to-backend']);
});

test('composed trace: the search walk shows every name tried for a short name outside the namespace', () => {
  const r = trace(shop, { from: `production/${pod('frontend')}`, to: 'kube-dns.kube-system:53', protocol: 'UDP', components });
  assert.deepEqual(r.hops[0].detail.tried, ['kube-dns.kube-system.production.svc.cluster.local.', 'kube-dns.kube-system.svc.cluster.local.']);
  assert.equal(r.hops[0].detail.answer, '10.96.0.10');
});

test('composed trace: backend → frontend is denied by deny-all at the source', () => {
  const r = trace(shop, { from: `production/${pod('backend')}`, to: 'frontend:80', components });
  assert.deepEqual([r.verdict, r.dropAt], ['dropped', 'policy-egress']);
  assert.match(r.dropReason!, /isolated for egress by .*production\/deny-all/);
});

test('composed trace: frontend → an address outside the cluster is denied by egress policy', () => {
  const r = trace(shop, { from: `production/${pod('frontend')}`, to: '198.51.100.20:443', components });
  assert.deepEqual([r.verdict, r.dropAt], ['dropped', 'policy-egress']);
});

test('composed trace: outside client → Ingress host: public DNS to the LB, ETP Local to the controller, then the controller to a backend pod', () => {
  const r = trace(shop, { from: 'external', to: 'https://my-app.example.com/api/items', seed: 2, components });
  assert.equal(r.verdict, 'delivered');
  assert.deepEqual(r.hops.map((h) => h.step), ['dns', 'route', 'dnat', 'route', 'policy-ingress', 'deliver', 'ingress', 'route', 'policy-egress', 'encap', 'policy-ingress', 'deliver', 'reply', 'reply']);
  const lb = shop.get<Record<string, any>>('Service', 'ingress-nginx', 'ingress-nginx-controller')!.status.loadBalancer.ingress[0].ip;
  assert.equal(r.hops[0].detail.answer, lb);
  const ing = r.hops[6].detail as Record<string, any>;
  assert.deepEqual([ing.entryPoint, ing.status, ing.via, ing.backend, ing.endpoints.length], ['ingress:nginx', 200, 'Ingress production/my-app (Prefix /api)', 'production/backend:8080', 3]);
  assert.match(r.hops[6].text, /TLS terminated with production\/my-app-tls \(SNI my-app\.example\.com\)/);
  assert.deepEqual((r.hops[10].detail as Record<string, unknown>).policies, ['production/allow-from-ingress-controller']);
});

test('composed trace: an Ingress path nothing serves is answered 404 by the controller', () => {
  const r = trace(shop, { from: 'external', to: 'http://my-app.example.com/nothing', components });
  assert.deepEqual([r.verdict, r.dropAt], ['dropped', 'ingress']);
  assert.equal(r.dropReason, 'ingress:nginx answers HTTP 404: server "my-app.example.com": no rule path matched and no defaultBackend is set; the controller\'s default backend answers 404');
});
