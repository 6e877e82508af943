// Events for what the lab's controllers do, as kubectl get events and kubectl describe show them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { noKubectl, startKubeLab, type KubeLab } from './testing.js';

let k: KubeLab;
before(async () => {
  if (noKubectl) return;
  k = await startKubeLab();
  k.clock.now = new Date('2025-03-01T10:05:00Z');
});
after(async () => { await k?.close(); });

test('the scheduler, ReplicaSet and Deployment controllers\' events at start', { skip: noKubectl }, async () => {
  const r = await k.kubectl(['get', 'events', '-n', 'production', '--field-selector', 'involvedObject.name=frontend-79c4fb5544']);
  assert.deepEqual(r, { code: 0, err: '', out:
    'LAST SEEN   TYPE     REASON             OBJECT                           MESSAGE\n' +
    '5m          Normal   SuccessfulCreate   replicaset/frontend-79c4fb5544   Created pod: frontend-79c4fb5544-fmhnl\n' +
    '5m          Normal   SuccessfulCreate   replicaset/frontend-79c4fb5544   Created pod: frontend-79c4fb5544-p7t8q\n' });
  const d = await k.kubectl(['describe', 'pod', 'frontend-79c4fb5544-fmhnl', '-n', 'production']);
  assert.match(d.out, /\nEvents:\n  Type    Reason     Age +From               Message\n  ----    ------     ---- +----               -------\n  Normal  Scheduled  \S+ +default-scheduler  Successfully assigned production\/frontend-79c4fb5544-fmhnl to node-1\n$/);
  const deploy = await k.kubectl(['describe', 'deployment', 'backend', '-n', 'production']);
  assert.match(deploy.out, /  Normal  ScalingReplicaSet  \S+ +deployment-controller  Scaled up replica set backend-6974c594d6 from 0 to 3\n$/);
});

test('scaling a Deployment, an unschedulable pod and a Service\'s endpoints changing are recorded', { skip: noKubectl }, async () => {
  k.clock.now = new Date('2025-03-01T10:06:00Z');
  assert.equal((await k.kubectl(['patch', 'deployment', 'frontend', '-n', 'production', '-p', '{"spec":{"replicas":3}}'])).code, 0);
  const pending = join(k.dir, 'pending.yaml');
  writeFileSync(pending, 'apiVersion: v1\nkind: Pod\nmetadata: {name: stuck, namespace: production}\nspec:\n  nodeSelector: {disk: ssd}\n  containers: [{name: c, image: busybox}]\n');
  assert.equal((await k.kubectl(['apply', '-f', pending])).code, 0);
  k.clock.now = new Date('2025-03-01T10:07:00Z');
  const r = await k.kubectl(['get', 'events', '-n', 'production', '--field-selector', 'reason!=Scheduled,reason!=SuccessfulCreate']);
  const rows = r.out.split('\n').filter((l) => l.startsWith('60s ')).map((l) => l.replace(/ {2,}/g, ' | '));
  const newPod = k.running.lab.snapshot.cluster.pods('production').map((p) => p.metadata.name).find((n) => n.startsWith('frontend-') && !['frontend-79c4fb5544-fmhnl', 'frontend-79c4fb5544-p7t8q'].includes(n))!;
  const ip = k.running.lab.snapshot.cluster.get<{ status: { podIP: string } }>('Pod', 'production', newPod)!.status.podIP;
  assert.equal(ip, '10.244.1.6');
  assert.deepEqual(rows, [
    '60s | Normal | ScalingReplicaSet | deployment/frontend | Scaled up replica set frontend-79c4fb5544 from 2 to 3',
    '60s | Normal | EndpointsChanged | service/frontend | ready endpoints 10.244.1.5, 10.244.1.6, 10.244.2.5 (added 10.244.1.6)',
    "60s | Warning | FailedScheduling | pod/stuck | 0/2 nodes are available: no node matches the pod's node selector, tolerates its taints and has room",
  ]);
  const created = await k.kubectl(['get', 'events', '-n', 'production', '--field-selector', `reason=SuccessfulCreate,involvedObject.kind=ReplicaSet`, '--no-headers']);
  assert.match(created.out, new RegExp(`\\n60s +Normal +SuccessfulCreate +replicaset/frontend-79c4fb5544 +Created pod: ${newPod}\\n`));
});
