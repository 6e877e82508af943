import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from './cluster.js';
import { PodReferenceError, podIPOf, podsOfWorkload, resolvePodReference } from './refs.js';

const c = Cluster.load(['examples/shop']);

test('a workload reference stands for its pods; NS/POD and NS/pod/NAME stay a pod', () => {
  const pods = podsOfWorkload(c, 'Deployment', 'production', 'backend').map((p) => p.metadata.name);
  assert.equal(pods.length, 3);
  assert.deepEqual(pods, [...pods].sort());
  assert.equal(resolvePodReference(c, 'production/deploy/backend'), `production/${pods[0]}`);
  assert.equal(resolvePodReference(c, 'production/pod/x'), 'production/x');
  assert.equal(resolvePodReference(c, 'production/x'), 'production/x');
});

test('unknown workloads and kinds are clear errors', () => {
  assert.throws(() => resolvePodReference(c, 'production/deploy/nope'), (e: unknown) => e instanceof PodReferenceError && e.message === 'deployments "nope" not found in namespace "production"');
  assert.throws(() => resolvePodReference(c, 'production/cronjob/x'), /"cronjob" in production\/cronjob\/x is not a workload kind/);
});

test('podIPOf: a pod key gives the pod IP the model assigned; unknown pods and bare names give undefined', () => {
  const pod = podsOfWorkload(c, 'Deployment', 'production', 'backend')[0];
  const ip = (pod.status as { podIP: string }).podIP;
  assert.match(ip, /^10\.244\.\d+\.\d+$/);
  assert.equal(podIPOf(c, `production/${pod.metadata.name}`), ip);
  assert.equal(podIPOf(c, 'production/nope'), undefined);
  assert.equal(podIPOf(c, 'external'), undefined);
});
