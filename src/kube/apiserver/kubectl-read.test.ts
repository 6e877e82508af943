// The real kubectl against the lab's Kubernetes API: discovery, auth, get/describe with kubectl's own columns,
// selectors, paging, watch. Expected outputs are what kubectl prints for these objects on a real cluster.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseManifestText } from '../../api/load.js';
import { runCli } from '../../cli/testing.js';
import { noKubectl, startKubeLab, until, type KubeLab } from './testing.js';

let k: KubeLab;
before(async () => {
  if (noKubectl) return;
  k = await startKubeLab();
  k.clock.now = new Date('2025-03-01T10:05:00Z');
});
after(async () => { await k?.close(); });

const ok = async (args: string[]) => {
  const r = await k.kubectl(args);
  assert.equal(r.err, '', `kubectl ${args.join(' ')} wrote to stderr`);
  assert.equal(r.code, 0);
  return r.out;
};

test('kubectl version and api-resources see a 1.32 server with the modelled kinds', { skip: noKubectl }, async () => {
  const v = JSON.parse(await ok(['version', '-o', 'json'])) as { serverVersion: { gitVersion: string; minor: string } };
  assert.equal(v.serverVersion.gitVersion, 'v1.32.0+podnet');
  assert.equal(await ok(['api-resources', '--api-group=networking.k8s.io']),
    'NAME              SHORTNAMES   APIVERSION             NAMESPACED   KIND\n' +
    'ingressclasses                 networking.k8s.io/v1   false        IngressClass\n' +
    'ingresses         ing          networking.k8s.io/v1   true         Ingress\n' +
    'networkpolicies   netpol       networking.k8s.io/v1   true         NetworkPolicy\n');
  assert.equal(await ok(['api-resources', '--api-group=', '--namespaced=true', '-o', 'name']), 'configmaps\nendpoints\nevents\npods\nsecrets\nservices\n');
  assert.equal(await ok(['api-resources', '--categories=all', '-o', 'name']), 'pods\nservices\ndaemonsets.apps\ndeployments.apps\nreplicasets.apps\nstatefulsets.apps\njobs.batch\n');
});

test('the course commands: get and describe networkpolicies', { skip: noKubectl }, async () => {
  assert.equal(await ok(['get', 'networkpolicies', '-n', 'production']),
    'NAME                               POD-SELECTOR                AGE\n' +
    'allow-dns-egress                   <none>                      5m\n' +
    'allow-from-ingress-controller      app in (backend,frontend)   5m\n' +
    'allow-frontend-egress-to-backend   app=frontend                5m\n' +
    'allow-frontend-to-backend          app=backend                 5m\n' +
    'deny-all                           <none>                      5m\n');
  assert.equal(await ok(['describe', 'networkpolicy', 'allow-frontend-to-backend', '-n', 'production']),
    'Name:         allow-frontend-to-backend\n' +
    'Namespace:    production\n' +
    'Created on:   2025-03-01 10:00:00 +0000 UTC\n' +
    'Labels:       <none>\n' +
    'Annotations:  <none>\n' +
    'Spec:\n' +
    '  PodSelector:     app=backend\n' +
    '  Allowing ingress traffic:\n' +
    '    To Port: 8080/TCP\n' +
    '    From:\n' +
    '      PodSelector: app=frontend\n' +
    '  Not affecting egress traffic\n' +
    '  Policy Types: Ingress\n');
});

test('get pods -o wide -A and get svc,endpointslices print kubectl\'s columns', { skip: noKubectl }, async () => {
  assert.equal(await ok(['get', 'pods', '-o', 'wide', '-A']),
    'NAMESPACE       NAME                                       READY   STATUS    RESTARTS   AGE   IP           NODE     NOMINATED NODE   READINESS GATES\n' +
    'ingress-nginx   ingress-nginx-controller-c5c8cdbc5-c9dsj   1/1     Running   0          5m    10.244.1.2   node-1   <none>           <none>\n' +
    'kube-system     coredns-7cc76cb6c5-878kv                   1/1     Running   0          5m    10.244.2.2   node-2   <none>           <none>\n' +
    'kube-system     coredns-7cc76cb6c5-wmtzp                   1/1     Running   0          5m    10.244.1.3   node-1   <none>           <none>\n' +
    'production      backend-6974c594d6-gdtrq                   1/1     Running   0          5m    10.244.2.3   node-2   <none>           <none>\n' +
    'production      backend-6974c594d6-qw8cw                   1/1     Running   0          5m    10.244.1.4   node-1   <none>           <none>\n' +
    'production      backend-6974c594d6-t82mf                   1/1     Running   0          5m    10.244.2.4   node-2   <none>           <none>\n' +
    'production      frontend-79c4fb5544-fmhnl                  1/1     Running   0          5m    10.244.1.5   node-1   <none>           <none>\n' +
    'production      frontend-79c4fb5544-p7t8q                  1/1     Running   0          5m    10.244.2.5   node-2   <none>           <none>\n');
  assert.equal(await ok(['get', 'svc,endpointslices', '-n', 'production']),
    'NAME               TYPE        CLUSTER-IP      EXTERNAL-IP   PORT(S)    AGE\n' +
    'service/backend    ClusterIP   10.108.90.214   <none>        8080/TCP   5m\n' +
    'service/frontend   ClusterIP   10.101.0.100    <none>        80/TCP     5m\n' +
    '\n' +
    'NAME                                            ADDRESSTYPE   PORTS   ENDPOINTS                          AGE\n' +
    'endpointslice.discovery.k8s.io/backend-7sc24    IPv4          8080    10.244.2.3,10.244.1.4,10.244.2.4   5m\n' +
    'endpointslice.discovery.k8s.io/frontend-5lxfk   IPv4          80      10.244.1.5,10.244.2.5              5m\n');
});

test('get -o yaml serves the object with its resourceVersion and creationTimestamp', { skip: noKubectl }, async () => {
  const rv = k.running.kube!.store.revisions.get('NetworkPolicy', 'production', 'deny-all')!.rv;
  assert.equal(await ok(['get', 'netpol', 'deny-all', '-n', 'production', '-o', 'yaml']),
    'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  creationTimestamp: "2025-03-01T10:00:00Z"\n  name: deny-all\n  namespace: production\n' +
    `  resourceVersion: "${rv}"\n  uid: 6f6f2388-a926-46b8-a2c9-d24efac9f46e\nspec:\n  podSelector: {}\n  policyTypes:\n  - Ingress\n  - Egress\n`);
  const list = parseManifestText(await ok(['get', 'netpol', '-n', 'production', '-o', 'yaml']), 'list').objects.map((o) => o.object.metadata.name);
  assert.deepEqual(list, ['allow-dns-egress', 'allow-from-ingress-controller', 'allow-frontend-egress-to-backend', 'allow-frontend-to-backend', 'deny-all']);
});

test('field and label selectors, paging, and NotFound / BadRequest Status errors', { skip: noKubectl }, async () => {
  assert.equal(await ok(['get', 'pods', '-A', '--field-selector', 'spec.nodeName=node-1,status.phase=Running', '-o', 'name']),
    'pod/ingress-nginx-controller-c5c8cdbc5-c9dsj\npod/coredns-7cc76cb6c5-wmtzp\npod/backend-6974c594d6-qw8cw\npod/frontend-79c4fb5544-fmhnl\n');
  assert.equal(await ok(['get', 'pods', '-A', '--field-selector', 'status.podIP=10.244.2.4', '-o', 'name']), 'pod/backend-6974c594d6-t82mf\n');
  assert.equal(await ok(['get', 'pods', '-A', '--field-selector', 'metadata.namespace!=production,metadata.name!=coredns-7cc76cb6c5-878kv', '-o', 'name']),
    'pod/ingress-nginx-controller-c5c8cdbc5-c9dsj\npod/coredns-7cc76cb6c5-wmtzp\n');
  assert.equal(await ok(['get', 'pods', '-n', 'production', '-l', 'app in (frontend)', '--no-headers']),
    'frontend-79c4fb5544-fmhnl   1/1   Running   0     5m\nfrontend-79c4fb5544-p7t8q   1/1   Running   0     5m\n');
  const paged = await ok(['get', 'pods', '-A', '--chunk-size=3', '-o', 'name']);
  assert.equal(paged.split('\n').filter(Boolean).length, 8);
  const missing = await k.kubectl(['get', 'pod', 'nope', '-n', 'production']);
  assert.deepEqual(missing, { code: 1, out: '', err: 'Error from server (NotFound): pods "nope" not found\n' });
  const badField = await k.kubectl(['get', 'pods', '--field-selector', 'spec.foo=bar']);
  assert.equal(badField.code, 1);
  assert.match(badField.err, /^Error from server \(BadRequest\): .*field label not supported: spec\.foo\n$/);
});

test('authentication: the token context works, a wrong token is Unauthorized', { skip: noKubectl }, async () => {
  assert.equal(await ok(['--context', 'podnet-token', 'get', 'ns', 'production', '-o', 'name']), 'namespace/production\n');
  const bad = await k.kubectl(['--context', 'podnet-token', '--token', 'not-the-token', 'get', 'pods']);
  assert.deepEqual(bad, { code: 1, out: '', err: 'error: You must be logged in to the server (Unauthorized)\n' });
});

test('get -w prints the row of a policy created while it watches', { skip: noKubectl }, async () => {
  const w = k.spawnKubectl(['get', 'networkpolicies', '-n', 'production', '-w']);
  try {
    await until(() => w.output().includes('deny-all'), 10_000, 'the first list');
    const doc = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: watched, namespace: production}\nspec: {podSelector: {matchLabels: {app: backend}}}\n';
    await k.running.lab.apply(parseManifestText(doc, 'watched.yaml').objects);
    await until(() => w.output().includes('watched'), 10_000, 'the watch event');
    assert.match(w.output(), /\nwatched {28}app=backend {17}0s\n$/);
  } finally {
    await w.stop();
  }
  assert.equal(w.errors(), '');
});

test('podnet kubeconfig prints the lab\'s kubeconfig; --merge adds context podnet to $KUBECONFIG and kubectl uses it', { skip: noKubectl }, async () => {
  const saved = { XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR, KUBECONFIG: process.env.KUBECONFIG };
  const mine = join(k.dir, 'mine.yaml');
  writeFileSync(mine, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts:\n- name: elsewhere\n  context: {cluster: other, user: someone}\ncurrent-context: elsewhere\nusers: []\n');
  process.env.XDG_RUNTIME_DIR = k.dir;
  process.env.KUBECONFIG = mine;
  try {
    const lab = `http://127.0.0.1:${k.running.api.port}`;
    const printed = await runCli('kubeconfig', '--lab', lab);
    assert.equal(printed.code, 0);
    assert.equal(printed.out, readFileSync(k.kubeconfig, 'utf8'));
    assert.equal(statSync(k.kubeconfig).mode & 0o777, 0o600);
    const merged = await runCli('kubeconfig', '--merge', '--lab', lab);
    assert.equal(merged.out, `Merged the podnet lab's cluster, users and contexts (podnet, podnet-token) into ${mine}.\nSwitched to context "podnet". (It was "elsewhere": kubectl config use-context elsewhere switches back.)\n`);
    const r = await k.kubectl(['get', 'ns', 'production', '-o', 'name'], { env: { KUBECONFIG: mine } });
    assert.deepEqual(r, { code: 0, out: 'namespace/production\n', err: '' });
    const contexts = await k.kubectl(['config', 'get-contexts', '-o', 'name'], { env: { KUBECONFIG: mine } });
    assert.equal(contexts.out, 'elsewhere\npodnet\npodnet-token\n');
    const none = await runCli('kubeconfig', '--lab', 'http://127.0.0.1:1');
    assert.equal(none.code, 1);
    assert.match(none.err, /^error: no lab with a Kubernetes API is running on port 1 \(.*lab-1\.kubeconfig does not exist\)/);
  } finally {
    for (const [key, v] of Object.entries(saved)) if (v === undefined) delete process.env[key]; else process.env[key] = v;
  }
});
