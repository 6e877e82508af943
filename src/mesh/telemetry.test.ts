import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../cluster/cluster.js';
import { compileMesh } from './index.js';
import { requestLabels } from './telemetry.js';
import { withObjects } from './testdata/fixture.js';

test('istio_requests_total labels for a meshed request', () => {
  const mesh = compileMesh(Cluster.load({ text: withObjects() }));
  const e = mesh.evaluate({ from: { kind: 'Pod', namespace: 'shop', name: 'frontend' }, to: { kind: 'Service', namespace: 'shop', name: 'backend' }, port: 80, method: 'GET', path: '/', random: { endpoint: 0.9 } });
  assert.deepEqual(requestLabels(mesh, e, 200), {
    reporter: 'destination', source_workload: 'frontend', source_workload_namespace: 'shop', source_principal: 'spiffe://cluster.local/ns/shop/sa/frontend',
    source_app: 'frontend', source_version: 'unknown', destination_workload: 'backend-v2', destination_workload_namespace: 'shop',
    destination_principal: 'spiffe://cluster.local/ns/shop/sa/backend', destination_app: 'backend', destination_version: 'v2',
    destination_service: 'backend.shop.svc.cluster.local', destination_service_name: 'backend', destination_service_namespace: 'shop',
    request_protocol: 'http', response_code: '200', response_flags: '-', connection_security_policy: 'mutual_tls',
  });
});
