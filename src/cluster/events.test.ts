import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from './cluster.js';
import { controllerEvents } from './events.js';

const shop = (replicas: number, extra = '') => Cluster.load(`apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec: {selector: {app: web}, ports: [{port: 80}]}
${extra}`);

test('controller events: creation, scaling down, endpoints, unschedulable pods', () => {
  const one = shop(2);
  const first = controllerEvents(undefined, one).filter((e) => e.involvedObject.namespace === 'default');
  assert.deepEqual(first.map((e) => `${e.reason} ${e.involvedObject.kind}/${e.involvedObject.name} ${e.source.component}`).sort(), [
    ...one.pods('default').flatMap((p) => [`Scheduled Pod/${p.metadata.name} default-scheduler`, `SuccessfulCreate ReplicaSet/${p.metadata.ownerReferences![0].name} replicaset-controller`]),
    `ScalingReplicaSet Deployment/web deployment-controller`,
  ].sort());
  const two = shop(1, '---\napiVersion: v1\nkind: Pod\nmetadata: {name: stuck, namespace: default}\nspec: {nodeName: nowhere, containers: [{name: c, image: x}]}\n');
  // (The engine places and addresses pods afresh each build: the remaining pod may move, kube-dns's pods too.)
  const next = controllerEvents(one, two).filter((e) => e.involvedObject.name !== 'kube-dns').map((e) => `${e.type} ${e.reason} ${e.involvedObject.name}: ${e.message}`);
  const gone = one.pods('default').map((p) => p.metadata.name).find((n) => !two.get('Pod', 'default', n))!;
  const rs = one.pods('default')[0].metadata.ownerReferences![0].name;
  const ips = (c: Cluster) => c.pods('default').filter((p) => p.metadata.name !== 'stuck').map((p) => p.status!.podIP!);
  const kept = ips(two)[0];
  const removed = ips(one).filter((ip) => !ips(two).includes(ip));
  assert.deepEqual(next, [
    'Warning FailedScheduling stuck: spec.nodeName "nowhere" is not a node of this cluster',
    `Normal SuccessfulDelete ${rs}: Deleted pod: ${gone}`,
    `Normal ScalingReplicaSet web: Scaled down replica set ${rs} from 2 to 1`,
    `Normal EndpointsChanged web: ready endpoints ${kept} (removed ${removed.join(', ')})`,
  ]);
});
