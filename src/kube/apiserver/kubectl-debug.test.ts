// Ephemeral containers against the lab's Kubernetes API: `kubectl debug POD --image=… -c NAME` patches
// pods/NAME/ephemeralcontainers, the pod shows the container and its running state, `kubectl exec -c NAME` runs in the
// pod's network (policy and DNS as the pod's own), a Deployment's pod takes one too, and the upstream validation of
// the subresource (existing containers may not change or go, no ports, unique names) answers as kube-apiserver does.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { KubeClient } from '../client.js';
import { noKubectl, startKubeLab, type KubeLab } from './testing.js';

let k: KubeLab;
let frontend = '';
let backend = '';
before(async () => {
  if (noKubectl) return;
  k = await startKubeLab();
  const pods = (await k.kubectl(['get', 'pods', '-n', 'production', '-o', 'name'])).out.split('\n').map((l) => l.replace('pod/', ''));
  frontend = pods.find((p) => p.startsWith('frontend'))!;
  backend = pods.find((p) => p.startsWith('backend'))!;
});
after(async () => { await k?.close(); });

const AGNHOST = 'registry.k8s.io/e2e-test-images/agnhost:2.53';

test('kubectl debug adds an ephemeral container to a Deployment\'s pod; exec in it is the pod\'s network', { skip: noKubectl }, async () => {
  const r = await k.kubectl(['debug', '-n', 'production', frontend, `--image=${AGNHOST}`, '--profile=general', '-c', 'probe', '--', 'sleep', '3600']);
  assert.deepEqual([r.code, r.err], [0, '']);
  const pod = JSON.parse((await k.kubectl(['get', 'pod', frontend, '-n', 'production', '-o', 'json'])).out);
  assert.deepEqual(pod.spec.ephemeralContainers, [{
    name: 'probe', image: AGNHOST, command: ['sleep', '3600'], imagePullPolicy: 'IfNotPresent', resources: {},
    securityContext: { capabilities: { add: ['SYS_PTRACE'] } }, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File',
  }]);
  assert.equal(pod.status.ephemeralContainerStatuses.length, 1);
  const s = pod.status.ephemeralContainerStatuses[0];
  assert.deepEqual([s.name, s.image, s.ready, s.restartCount, Object.keys(s.state)], ['probe', AGNHOST, false, 0, ['running']]);
  // The pod's own policy decides: frontend may reach the backend; the backend's egress to frontend is dropped.
  const ok = await k.kubectl(['exec', frontend, '-n', 'production', '-c', 'probe', '--', 'wget', '-qO-', 'http://backend.production:8080/hostname']);
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.out, /^backend-6974c594d6-(gdtrq|qw8cw|t82mf)$/);
  assert.equal((await k.kubectl(['logs', frontend, '-n', 'production', '-c', 'probe'])).out, '');
  const attach = await k.kubectl(['attach', frontend, '-n', 'production', '-c', 'probe']);
  assert.equal(attach.code, 1);
  assert.match(attach.err, /the lab runs no process in ephemeral container probe to attach to: exec in it instead/);
  const none = await k.kubectl(['exec', backend, '-n', 'production', '-c', 'probe', '--', 'hostname']);
  assert.equal(none.code, 1);
  assert.match(none.err, new RegExp(`container probe is not valid for pod ${backend}`));
});

test('the ephemeralcontainers subresource refuses what kube-apiserver refuses, with its messages', { skip: noKubectl }, async () => {
  const client = KubeClient.open({ kubeconfig: k.kubeconfig });
  const path = `/api/v1/namespaces/production/pods/${backend}/ephemeralcontainers`;
  const put = async (containers: unknown[]) => {
    const pod = (await client.get(`/api/v1/namespaces/production/pods/${backend}`)).body;
    return client.send('PUT', path, { ...pod, spec: { ...pod.spec, ephemeralContainers: containers } });
  };
  try {
    const main = (await client.get(`/api/v1/namespaces/production/pods/${backend}`)).body.spec.containers[0].name;
    const dup = await put([{ name: main, image: 'busybox:1.36' }]);
    assert.equal(dup.status, 422);
    assert.equal(dup.body.message, `Pod "${backend}" is invalid: spec.ephemeralContainers[0].name: Duplicate value: "${main}"`);
    const ports = await put([{ name: 'dbg', image: 'busybox:1.36', ports: [{ containerPort: 80 }], targetContainerName: 'nope' }]);
    assert.equal(ports.status, 422);
    assert.equal(ports.body.message, `Pod "${backend}" is invalid: [spec.ephemeralContainers[0].targetContainerName: Not found: "nope", spec.ephemeralContainers[0].ports: Forbidden: cannot be set for an Ephemeral Container]`);
    assert.deepEqual(ports.body.details.causes.map((c: { reason: string }) => c.reason), ['FieldValueNotFound', 'FieldValueForbidden']);
    const added = await put([{ name: 'dbg', image: 'busybox:1.36', command: ['sleep', '60'] }]);
    assert.equal(added.status, 200, JSON.stringify(added.body));
    assert.deepEqual(added.body.spec.ephemeralContainers.map((c: { name: string }) => c.name), ['dbg']);
    const changed = await put([{ name: 'dbg', image: 'busybox:1.37', command: ['sleep', '60'] }]);
    assert.equal(changed.status, 422);
    assert.equal(changed.body.message, `Pod "${backend}" is invalid: spec.ephemeralContainers[dbg]: Forbidden: existing ephemeral containers "dbg" may not be changed`);
    const removed = await put([]);
    assert.equal(removed.status, 422);
    assert.equal(removed.body.message, `Pod "${backend}" is invalid: spec.ephemeralContainers: Forbidden: existing ephemeral containers "dbg" may not be removed\n`);
    // A strategic merge patch adds by name, keeping the existing one.
    const res = await client.request(path, { method: 'PATCH', body: JSON.stringify({ spec: { ephemeralContainers: [{ name: 'dbg2', image: 'busybox' }] } }) });
    assert.equal(res.statusCode, 415);
    res.resume();
    // The containers are stored with the pod: past etcd's 1.5 MiB request limit they are refused, as etcd refuses it.
    const big = await put([{ name: 'dbg', image: 'busybox:1.36', command: ['sleep', '60'] }, { name: 'big', image: 'busybox:1.36', env: [{ name: 'X', value: 'x'.repeat(1_600_000) }] }]);
    assert.deepEqual([big.status, big.body.reason, big.body.message], [413, 'RequestEntityTooLarge', 'etcdserver: request is too large']);
    const sub = (await client.get(path)).body;
    assert.deepEqual(sub.spec.ephemeralContainers.map((c: { name: string; imagePullPolicy: string }) => [c.name, c.imagePullPolicy]), [['dbg', 'IfNotPresent']]);
  } finally { client.close(); }
});
