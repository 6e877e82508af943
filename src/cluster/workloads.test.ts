import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from './cluster.js';

const deployment = (name: string, replicas: number, extra = '') => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: default}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers: [{name: c, image: nginx, ports: [{containerPort: 80, name: http}]}]${extra}
`;

const podNames = (c: Cluster, ns: string) => c.pods(ns).map((p) => p.metadata.name);

test('a Deployment makes a ReplicaSet name-<pod-template-hash> and pods name-<hash>-<5 chars>, deterministically', () => {
  const a = Cluster.load(deployment('web', 3));
  const b = Cluster.load(deployment('web', 3));
  const rs = a.list('ReplicaSet', 'default');
  assert.equal(rs.length, 1);
  const hash = rs[0].metadata.labels?.['pod-template-hash'];
  assert.match(hash ?? '', /^[bcdfghjklmnpqrstvwxz2456789]{6,10}$/);
  assert.equal(rs[0].metadata.name, `web-${hash}`);
  assert.deepEqual(rs[0].metadata.ownerReferences?.map((r) => [r.kind, r.name, r.controller]), [['Deployment', 'web', true]]);
  const names = podNames(a, 'default');
  assert.equal(names.length, 3);
  for (const n of names) assert.match(n, new RegExp(`^web-${hash}-[bcdfghjklmnpqrstvwxz2456789]{5}$`));
  assert.equal(new Set(names).size, 3);
  assert.deepEqual(podNames(b, 'default'), names);
  const pod = a.pods('default')[0];
  assert.deepEqual(pod.metadata.labels, { app: 'web', 'pod-template-hash': hash });
  assert.deepEqual(pod.metadata.ownerReferences?.map((r) => [r.kind, r.name]), [['ReplicaSet', `web-${hash}`]]);
  const d = a.get<any>('Deployment', 'default', 'web');
  assert.deepEqual([d.status.replicas, d.status.readyReplicas, d.status.availableReplicas], [3, 3, 3]);
});

test('a changed template changes the pod-template-hash', () => {
  const a = Cluster.load(deployment('web', 1)).list('ReplicaSet')[0].metadata.name;
  const b = Cluster.load(deployment('web', 1).replace('image: nginx', 'image: nginx:2')).list('ReplicaSet')[0].metadata.name;
  assert.notEqual(a, b);
});

test('a StatefulSet makes name-0..n-1 with hostname and subdomain = serviceName', () => {
  const c = Cluster.load(`
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: default}
spec:
  serviceName: db-headless
  replicas: 3
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, image: postgres}]}
`);
  const pods = c.pods('default');
  assert.deepEqual(pods.map((p) => [p.metadata.name, p.spec?.hostname, p.spec?.subdomain]), [
    ['db-0', 'db-0', 'db-headless'], ['db-1', 'db-1', 'db-headless'], ['db-2', 'db-2', 'db-headless'],
  ]);
  assert.equal(pods[1].metadata.labels?.['statefulset.kubernetes.io/pod-name'], 'db-1');
  assert.equal(pods[1].metadata.labels?.['apps.kubernetes.io/pod-index'], '1');
});

test('a DaemonSet puts one pod on every node its nodeSelector and taints allow', () => {
  const text = `
apiVersion: podnet.dev/v1alpha1
kind: ClusterConfig
metadata: {name: c}
spec:
  nodes:
  - {name: n1, internalIP: 10.0.1.10, podCIDR: 10.244.1.0/24, labels: {disk: ssd}}
  - {name: n2, internalIP: 10.0.2.10, podCIDR: 10.244.2.0/24, labels: {disk: ssd}, taints: [{key: dedicated, value: gpu, effect: NoSchedule}]}
  - {name: n3, internalIP: 10.0.3.10, podCIDR: 10.244.3.0/24, labels: {disk: hdd}}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: kube-system}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      nodeSelector: {disk: ssd}
      containers: [{name: c, image: agent}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: everywhere, namespace: kube-system}
spec:
  selector: {matchLabels: {app: everywhere}}
  template:
    metadata: {labels: {app: everywhere}}
    spec:
      tolerations: [{operator: Exists}]
      containers: [{name: c, image: agent}]
`;
  const c = Cluster.load(text);
  const nodesOf = (prefix: string) => c.pods('kube-system').filter((p) => p.metadata.name.startsWith(prefix + '-')).map((p) => p.spec?.nodeName).sort();
  assert.deepEqual(nodesOf('agent'), ['n1']);
  assert.deepEqual(nodesOf('everywhere'), ['n1', 'n2', 'n3']);
});

test('a Job runs min(parallelism, completions) pods labelled job-name, selector generated from its uid', () => {
  const c = Cluster.load(`
apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: default}
spec:
  parallelism: 2
  completions: 5
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: migrate}]
`);
  const pods = c.pods('default');
  assert.equal(pods.length, 2);
  const job = c.get<any>('Job', 'default', 'migrate');
  for (const p of pods) {
    assert.match(p.metadata.name, /^migrate-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.equal(p.metadata.labels?.['job-name'], 'migrate');
    assert.equal(p.metadata.labels?.['batch.kubernetes.io/controller-uid'], job.metadata.uid);
  }
  assert.deepEqual(job.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': job.metadata.uid } });
});

test('a dump whose ReplicaSets and Pods are present is not expanded again; pods keep their IPs and nodes', () => {
  const c = Cluster.load(`
apiVersion: v1
kind: List
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: web, namespace: default, uid: d-1}
  spec:
    replicas: 1
    selector: {matchLabels: {app: web}}
    template:
      metadata: {labels: {app: web}}
      spec: {containers: [{name: c, image: nginx}]}
- apiVersion: apps/v1
  kind: ReplicaSet
  metadata:
    name: web-abc
    namespace: default
    uid: rs-1
    ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: d-1, controller: true}]
  spec:
    replicas: 1
    selector: {matchLabels: {app: web, pod-template-hash: abc}}
    template:
      metadata: {labels: {app: web, pod-template-hash: abc}}
      spec: {containers: [{name: c, image: nginx}]}
- apiVersion: v1
  kind: Pod
  metadata:
    name: web-abc-xyz12
    namespace: default
    labels: {app: web, pod-template-hash: abc}
    ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-abc, uid: rs-1, controller: true}]
  spec:
    nodeName: node-2
    containers: [{name: c, image: nginx}]
  status:
    phase: Running
    podIP: 10.244.2.77
    conditions: [{type: Ready, status: "True"}]
`);
  assert.deepEqual(c.pods('default').map((p) => [p.metadata.name, p.spec?.nodeName, p.status?.podIP]), [['web-abc-xyz12', 'node-2', '10.244.2.77']]);
  assert.deepEqual(c.list('ReplicaSet', 'default').map((r) => r.metadata.name), ['web-abc']);
});
