import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../../cluster/cluster.js';
import { firstServicePort, matrixView } from './ui-data.js';

test('the Matrix opens on the pod port behind the first Service the user wrote; podnet\'s own Services do not count', () => {
  const shop = Cluster.load({ paths: ['examples/shop'] });
  assert.deepEqual(firstServicePort(shop), { port: 8080, protocol: 'TCP' });
  assert.deepEqual(firstServicePort(shop, ['kube-system']), undefined);
  assert.deepEqual(firstServicePort(Cluster.load({ paths: ['examples/mesh-canary'] })), { port: 80, protocol: 'TCP' });
  const v = matrixView(shop, { port: 'service', namespaces: ['production'] });
  assert.deepEqual([v.port, v.protocol, v.pods.length], [8080, 'TCP', 5]);
  const fi = v.pods.findIndex((p) => p.startsWith('production/frontend-'));
  const bi = v.pods.findIndex((p) => p.startsWith('production/backend-'));
  assert.deepEqual([v.rows[fi][bi], v.rows[bi][fi]], ['1', '0']);
  assert.equal(matrixView(shop, { port: 'service', namespaces: ['kube-system'] }).port, undefined);
});
