import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURE, run } from './printers/testing.js';

let dir = '';
let file = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'podnet-get-'));
  file = join(dir, 'fixture.yaml');
  writeFileSync(file, FIXTURE);
});
after(() => rmSync(dir, { recursive: true, force: true }));

const get = (...args: string[]) => run(['get', ...args, '-f', file]);

test('get pods,svc: one table per kind with kind/name prefixes and a blank line between', async () => {
  const r = await get('pods,svc', '-n', 'production');
  assert.equal(r.code, 0);
  assert.equal(r.err, '');
  assert.equal(r.out,
    'NAME                           READY   STATUS    RESTARTS   AGE\n' +
    'pod/backend-576cdc5cbc-4rlx8   1/1     Running   0          <unknown>\n' +
    'pod/backend-576cdc5cbc-ddzjf   1/1     Running   0          <unknown>\n' +
    '\n' +
    'NAME              TYPE        CLUSTER-IP      EXTERNAL-IP   PORT(S)        AGE\n' +
    'service/backend   ClusterIP   10.108.90.214   <none>        8080/TCP       <unknown>\n' +
    'service/web       NodePort    10.107.34.4     <none>        80:30080/TCP   <unknown>\n');
});

test('get pods -o wide adds IP NODE NOMINATED NODE READINESS GATES', async () => {
  const r = await get('po', '-n', 'production', '-o', 'wide');
  assert.equal(r.out,
    'NAME                       READY   STATUS    RESTARTS   AGE         IP           NODE     NOMINATED NODE   READINESS GATES\n' +
    'backend-576cdc5cbc-4rlx8   1/1     Running   0          <unknown>   10.244.1.3   node-1   <none>           <none>\n' +
    'backend-576cdc5cbc-ddzjf   1/1     Running   0          <unknown>   10.244.2.3   node-2   <none>           <none>\n');
});

test('get svc -A -o wide: NAMESPACE first, SELECTOR last', async () => {
  const r = await get('services', '-A', '-o', 'wide');
  assert.equal(r.out,
    'NAMESPACE     NAME         TYPE        CLUSTER-IP      EXTERNAL-IP   PORT(S)                  AGE         SELECTOR\n' +
    'default       kubernetes   ClusterIP   10.96.0.1       <none>        443/TCP                  <unknown>   <none>\n' +
    'kube-system   kube-dns     ClusterIP   10.96.0.10      <none>        53/UDP,53/TCP,9153/TCP   <unknown>   k8s-app=kube-dns\n' +
    'production    backend      ClusterIP   10.108.90.214   <none>        8080/TCP                 <unknown>   app=backend\n' +
    'production    web          NodePort    10.107.34.4     <none>        80:30080/TCP             <unknown>   app=web\n');
});

test('get netpol, endpoints and endpointslices', async () => {
  assert.equal((await get('netpol', '-n', 'production')).out,
    'NAME                        POD-SELECTOR   AGE\nallow-frontend-to-backend   app=backend    <unknown>\n');
  assert.equal((await get('ep,endpointslices', '-n', 'production')).out,
    'NAME                ENDPOINTS                         AGE\n' +
    'endpoints/backend   10.244.1.3:8080,10.244.2.3:8080   <unknown>\n' +
    'endpoints/web       <none>                            <unknown>\n' +
    '\n' +
    'NAME                                           ADDRESSTYPE   PORTS     ENDPOINTS               AGE\n' +
    'endpointslice.discovery.k8s.io/backend-7sc24   IPv4          8080      10.244.1.3,10.244.2.3   <unknown>\n' +
    'endpointslice.discovery.k8s.io/web-v8qzt       IPv4          <unset>   <unset>                 <unknown>\n');
});

test('get nodes -o wide and namespaces --show-labels', async () => {
  assert.equal((await get('no', '-o', 'wide')).out,
    'NAME     STATUS   ROLES    AGE         VERSION   INTERNAL-IP   EXTERNAL-IP   OS-IMAGE                         KERNEL-VERSION   CONTAINER-RUNTIME\n' +
    'node-1   Ready    <none>   <unknown>   v1.30.0   10.0.1.10     <none>        Debian GNU/Linux 12 (bookworm)   6.1.0-podnet     containerd://1.7.13\n' +
    'node-2   Ready    <none>   <unknown>   v1.30.0   10.0.2.10     <none>        Debian GNU/Linux 12 (bookworm)   6.1.0-podnet     containerd://1.7.13\n');
  const ns = await get('ns', 'production', '--show-labels');
  assert.equal(ns.out, 'NAME         STATUS   AGE         LABELS\nproduction   Active   <unknown>   kubernetes.io/metadata.name=production\n');
});

test('get deployments -o wide and -o name', async () => {
  assert.equal((await get('deploy', '-n', 'production', '-o', 'wide')).out,
    'NAME      READY   UP-TO-DATE   AVAILABLE   AGE         CONTAINERS   IMAGES                         SELECTOR\n' +
    'backend   2/2     2            2           <unknown>   backend      registry.example/backend:1.4   app=backend\n');
  assert.equal((await get('deploy,svc', '-n', 'production', '-o', 'name')).out, 'deployment.apps/backend\nservice/backend\nservice/web\n');
});

test('-l filters by label selector; a bad selector is kubectl\'s error', async () => {
  const r = await get('svc', '-A', '-l', 'k8s-app=kube-dns');
  assert.equal(r.out, 'NAMESPACE     NAME       TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)                  AGE\nkube-system   kube-dns   ClusterIP   10.96.0.10   <none>        53/UDP,53/TCP,9153/TCP   <unknown>\n');
  const bad = await get('svc', '-l', 'a b');
  assert.equal(bad.code, 1);
  assert.match(bad.err, /^error: unable to parse requirement: /);
});

test('empty results and missing objects print kubectl\'s messages', async () => {
  assert.deepEqual(await get('pods'), { code: 0, out: '', err: 'No resources found in default namespace.\n' });
  assert.deepEqual(await get('pods', '-A', '-l', 'app=nothing'), { code: 0, out: '', err: 'No resources found\n' });
  assert.deepEqual(await get('pod', 'nope', '-n', 'production'), { code: 1, out: '', err: 'Error from server (NotFound): pods "nope" not found\n' });
  assert.deepEqual(await get('deploy', 'nope', '-n', 'production'), { code: 1, out: '', err: 'Error from server (NotFound): deployments.apps "nope" not found\n' });
  assert.deepEqual(await get('widgets'), { code: 1, out: '', err: 'error: the server doesn\'t have a resource type "widgets"\n' });
  const fmt = await get('pods', '-o', 'xml');
  assert.equal(fmt.code, 1);
  assert.equal(fmt.err, 'error: unable to match a printer suitable for the output format "xml", allowed formats are: json,name,wide,yaml\n');
});

test('-o json: one named object is the object; anything else is a List', async () => {
  const one = JSON.parse((await get('svc', 'web', '-n', 'production', '-o', 'json')).out);
  assert.equal(one.kind, 'Service');
  assert.deepEqual(one.spec.ports, [{ nodePort: 30080, port: 80, protocol: 'TCP', targetPort: 8080 }]);
  const list = JSON.parse((await get('svc', '-n', 'production', '-o', 'json')).out);
  assert.equal(list.kind, 'List');
  assert.deepEqual(list.metadata, { resourceVersion: '' });
  assert.deepEqual(list.items.map((i: { metadata: { name: string } }) => i.metadata.name), ['backend', 'web']);
  const y = await get('svc', 'web', '-n', 'production', '-o', 'yaml');
  assert.match(y.out, /^apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n/);
});

test('get all prints pods, services, deployments and replicasets with prefixes', async () => {
  const r = await get('all', '-n', 'production');
  assert.equal(r.out,
    'NAME                           READY   STATUS    RESTARTS   AGE\n' +
    'pod/backend-576cdc5cbc-4rlx8   1/1     Running   0          <unknown>\n' +
    'pod/backend-576cdc5cbc-ddzjf   1/1     Running   0          <unknown>\n' +
    '\n' +
    'NAME              TYPE        CLUSTER-IP      EXTERNAL-IP   PORT(S)        AGE\n' +
    'service/backend   ClusterIP   10.108.90.214   <none>        8080/TCP       <unknown>\n' +
    'service/web       NodePort    10.107.34.4     <none>        80:30080/TCP   <unknown>\n' +
    '\n' +
    'NAME                      READY   UP-TO-DATE   AVAILABLE   AGE\n' +
    'deployment.apps/backend   2/2     2            2           <unknown>\n' +
    '\n' +
    'NAME                                 DESIRED   CURRENT   READY   AGE\n' +
    'replicaset.apps/backend-576cdc5cbc   2         2         2       <unknown>\n');
});

test('manifest errors go to stderr first, the rest still prints, and the exit code is 1', async () => {
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, FIXTURE + '---\napiVersion: v1\nkind: Service\nmetadata:\n  name: broken\n  namespace: production\nspec:\n  ports:\n  - port: 99999\n');
  const r = await run(['get', 'svc', '-n', 'production', '-o', 'name', '-f', bad]);
  assert.equal(r.code, 1);
  assert.match(r.err, /bad\.yaml:\d+: .*broken/);
  assert.equal(r.out, 'service/backend\nservice/web\n');
});

test('AGE is kubectl\'s human duration when a creationTimestamp exists; other kinds fall back to NAME AGE', async () => {
  const { runGet } = await import('./get.js');
  const { Capture } = await import('./printers/testing.js');
  const f = join(dir, 'dump.yaml');
  writeFileSync(f, [
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default, creationTimestamp: "2024-05-01T08:50:00Z"}\ndata: {x: "1", y: "2"}',
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: default, creationTimestamp: "2024-04-28T12:00:00Z"}',
    'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1}\nspec: {size: 3}',
    'apiVersion: v1\nkind: Service\nmetadata: {name: lb, namespace: default}\nspec:\n  type: LoadBalancer\n  ports: [{port: 443}]',
    'apiVersion: v1\nkind: Service\nmetadata: {name: ext, namespace: default}\nspec: {type: ExternalName, externalName: db.example.com}',
  ].join('\n---\n'));
  const io = () => ({ out: new Capture(), err: new Capture() });
  const now = new Date('2024-05-01T12:00:00Z');
  const cm = io();
  runGet(['cm'], { filename: [f], namespace: 'default' }, cm, now);
  assert.equal(cm.out.text, 'NAME   DATA   AGE\na      2      3h10m\nb      0      3d\n');
  const w = io();
  runGet(['widgets'], { filename: [f], namespace: 'default' }, w, now);
  assert.equal(w.out.text, 'NAME   AGE\nw1     <unknown>\n');
  assert.match(w.err.text, /Warning: Widget "w1"/);
  const svc = io();
  runGet(['svc', 'lb', 'ext'], { filename: [f], namespace: 'default' }, svc, now);
  assert.match(svc.out.text, /^NAME   TYPE           CLUSTER-IP     EXTERNAL-IP      PORT\(S\)         AGE\nlb     LoadBalancer   10\.\d+\.\d+\.\d+ +172\.18\.255\.200   443:3\d{4}\/TCP   <unknown>\next    ExternalName   <none> +db\.example\.com   <none>          <unknown>\n$/);
});
