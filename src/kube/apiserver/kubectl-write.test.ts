// kubectl's writes against the lab's Kubernetes API: apply (client-side three-way patch and --server-side with field
// managers and conflicts), patch in its three formats, label, create, delete, dry runs, strict field validation, and
// the upstream error messages; every write goes through the lab's change path, so the model changes with it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { noKubectl, startKubeLab, until, type KubeLab } from './testing.js';

let k: KubeLab;
const file = (name: string, text: string) => { const p = join(k.dir, name); writeFileSync(p, text); return p; };
before(async () => {
  if (noKubectl) return;
  k = await startKubeLab();
  k.clock.now = new Date('2025-03-01T10:05:00Z');
});
after(async () => { await k?.close(); });

const WEB = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: production\nspec:\n  selector: {app: frontend}\n  ports: [{port: 8081, targetPort: 80}]\n';

test('apply -f (client-side): created, unchanged, configured; the lab serves the new Service', { skip: noKubectl }, async () => {
  const web = file('web.yaml', WEB);
  assert.deepEqual(await k.kubectl(['apply', '-f', web]), { code: 0, out: 'service/web created\n', err: '' });
  assert.deepEqual(await k.kubectl(['apply', '-f', web]), { code: 0, out: 'service/web unchanged\n', err: '' });
  const svc = k.running.lab.snapshot.cluster.get<{ spec: { clusterIP: string; ports: { port: number; targetPort: number }[] } }>('Service', 'production', 'web')!;
  assert.deepEqual(svc.spec.ports.map((p) => [p.port, p.targetPort]), [[8081, 80]]);
  assert.equal((await k.kubectl(['get', 'svc', 'web', '-n', 'production', '--no-headers'])).out, `web   ClusterIP   ${svc.spec.clusterIP}   <none>   8081/TCP   0s\n`);
  file('web.yaml', WEB.replace('targetPort: 80', 'targetPort: 8080'));
  assert.deepEqual(await k.kubectl(['apply', '-f', web]), { code: 0, out: 'service/web configured\n', err: '' });
  assert.equal(k.running.lab.snapshot.cluster.get<{ spec: { ports: { targetPort: number }[] } }>('Service', 'production', 'web')!.spec.ports[0].targetPort, 8080);
});

test('apply of an invalid object: exit 1 with the API server\'s message; unknown fields are refused (strict validation)', { skip: noKubectl }, async () => {
  const bad = file('bad.yaml', WEB.replace('port: 8081, targetPort: 80', 'port: 70000, targetPort: 80'));
  assert.deepEqual(await k.kubectl(['apply', '-f', bad]), { code: 1, out: '', err: 'The Service "web" is invalid: spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive\n' });
  const unknown = file('unknown.yaml', WEB.replace('name: web', 'name: web2').replace('selector:', 'foo: 1\n  selector:'));
  const r = await k.kubectl(['apply', '-f', unknown]);
  assert.deepEqual(r, { code: 1, out: '', err: `Error from server (BadRequest): error when creating "${unknown}": Service in version "v1" cannot be handled as a Service: strict decoding error: unknown field "spec.foo"\n` });
  assert.equal(k.running.lab.snapshot.cluster.get('Service', 'production', 'web2'), undefined);
});

test('apply --server-side records the field manager; a field another manager set conflicts until --force-conflicts', { skip: noKubectl }, async () => {
  const np = file('np.yaml', 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: ssa\n  namespace: production\n  labels: {team: a}\nspec:\n  podSelector: {matchLabels: {app: backend}}\n  policyTypes: [Ingress]\n');
  assert.deepEqual(await k.kubectl(['apply', '--server-side', '-f', np]), { code: 0, out: 'networkpolicy.networking.k8s.io/ssa serverside-applied\n', err: '' });
  const got = JSON.parse((await k.kubectl(['get', 'netpol', 'ssa', '-n', 'production', '-o', 'json', '--show-managed-fields'])).out);
  assert.deepEqual(got.metadata.managedFields, [{
    apiVersion: 'networking.k8s.io/v1', fieldsType: 'FieldsV1', manager: 'kubectl', operation: 'Apply', time: '2025-03-01T10:05:00Z',
    fieldsV1: { 'f:metadata': { 'f:labels': { 'f:team': {} } }, 'f:spec': { 'f:podSelector': {}, 'f:policyTypes': {} } },
  }]);
  assert.deepEqual(await k.kubectl(['label', 'netpol', 'ssa', '-n', 'production', 'team=b', '--overwrite']), { code: 0, out: 'networkpolicy.networking.k8s.io/ssa labeled\n', err: '' });
  const conflict = await k.kubectl(['apply', '--server-side', '-f', np]);
  assert.equal(conflict.code, 1);
  assert.match(conflict.err, /^error: Apply failed with 1 conflict: conflict with "kubectl-label" using networking.k8s.io\/v1: \.metadata\.labels\.team\nPlease review the fields above--they currently have other managers/);
  assert.deepEqual(await k.kubectl(['apply', '--server-side', '--force-conflicts', '-f', np]), { code: 0, out: 'networkpolicy.networking.k8s.io/ssa serverside-applied\n', err: '' });
  assert.equal((await k.kubectl(['get', 'netpol', 'ssa', '-n', 'production', '-o', 'jsonpath={.metadata.labels.team}'])).out, 'a');
  // Dropping a field from the applied configuration removes it (nobody else owns it).
  file('np.yaml', 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: ssa\n  namespace: production\nspec:\n  podSelector: {matchLabels: {app: backend}}\n  policyTypes: [Ingress]\n');
  assert.equal((await k.kubectl(['apply', '--server-side', '-f', np])).code, 0);
  assert.equal((await k.kubectl(['get', 'netpol', 'ssa', '-n', 'production', '--show-labels', '--no-headers'])).out, 'ssa   app=backend   0s    <none>\n');
});

test('patch: strategic (ports merged by port), JSON merge, JSON patch; an invalid result is refused', { skip: noKubectl }, async () => {
  const smp = await k.kubectl(['patch', 'svc', 'web', '-n', 'production', '-p', '{"spec":{"ports":[{"port":8082,"targetPort":80,"name":"b"}]}}']);
  assert.deepEqual(smp, { code: 1, out: '', err: 'The Service "web" is invalid: spec.ports[0].name: Required value\n' });
  assert.equal((await k.kubectl(['patch', 'svc', 'web', '-n', 'production', '-p', '{"spec":{"ports":[{"port":8081,"name":"a"},{"port":8082,"targetPort":80,"name":"b"}]}}'])).out, 'service/web patched\n');
  assert.equal((await k.kubectl(['get', 'svc', 'web', '-n', 'production', '-o', 'jsonpath={.spec.ports}'])).out,
    '[{"name":"a","port":8081,"protocol":"TCP","targetPort":8080},{"name":"b","port":8082,"protocol":"TCP","targetPort":80}]');
  assert.equal((await k.kubectl(['patch', 'svc', 'web', '-n', 'production', '--type=merge', '-p', '{"metadata":{"labels":{"tier":"web"}}}'])).out, 'service/web patched\n');
  assert.equal((await k.kubectl(['patch', 'svc', 'web', '-n', 'production', '--type=json', '-p', '[{"op":"remove","path":"/spec/ports/1"}]'])).out, 'service/web patched\n');
  assert.equal((await k.kubectl(['get', 'svc', 'web', '-n', 'production', '--no-headers', '-o', 'custom-columns=PORTS:.spec.ports[*].port,LABELS:.metadata.labels'])).out, '8081   map[tier:web]\n');
  const bad = await k.kubectl(['patch', 'svc', 'web', '-n', 'production', '--type=json', '-p', '[{"op":"replace","path":"/spec/ports/0/port","value":70000}]']);
  assert.deepEqual(bad, { code: 1, out: '', err: 'The Service "web" is invalid: spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive\n' });
  const missing = await k.kubectl(['patch', 'svc', 'web', '-n', 'production', '--type=json', '-p', '[{"op":"replace","path":"/spec/nothere/x","value":1}]']);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /doc is missing path: \/spec\/nothere\/x/);
});

test('create, AlreadyExists, server dry run, and delete seen by get -w; a controller\'s pod is not deletable', { skip: noKubectl }, async () => {
  const extra = file('extra.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: production}\ndata: {a: "1"}\n');
  assert.deepEqual(await k.kubectl(['create', '-f', extra]), { code: 0, out: 'configmap/settings created\n', err: '' });
  assert.deepEqual(await k.kubectl(['create', '-f', extra]), { code: 1, out: '', err: `Error from server (AlreadyExists): error when creating "${extra}": configmaps "settings" already exists\n` });
  const dry = file('dry.yaml', WEB.replace('name: web', 'name: dry'));
  assert.deepEqual(await k.kubectl(['apply', '--dry-run=server', '-f', dry]), { code: 0, out: 'service/dry created (server dry run)\n', err: '' });
  assert.equal(k.running.lab.snapshot.cluster.get('Service', 'production', 'dry'), undefined);
  const w = k.spawnKubectl(['get', 'svc', '-n', 'production', '-w']);
  try {
    await until(() => w.output().includes('web '), 10_000, 'the list');
    assert.deepEqual(await k.kubectl(['delete', 'svc', 'web', '-n', 'production']), { code: 0, out: 'service "web" deleted\n', err: '' });
    await until(() => w.output().split('\nweb ').length > 2, 10_000, 'the DELETED event');
  } finally { await w.stop(); }
  assert.equal(k.running.lab.snapshot.cluster.get('Service', 'production', 'web'), undefined);
  assert.deepEqual(await k.kubectl(['delete', 'svc', 'web', '-n', 'production']), { code: 1, out: '', err: 'Error from server (NotFound): services "web" not found\n' });
  const pod = k.running.lab.snapshot.cluster.pods('production').find((p) => p.metadata.name.startsWith('backend-'))!.metadata.name;
  assert.deepEqual(await k.kubectl(['delete', 'pod', pod, '-n', 'production']), { code: 1, out: '', err: `Error from server (Forbidden): pods "${pod}" is forbidden: the lab's ReplicaSet controller makes it from ReplicaSet "backend-6974c594d6" and would make it again as it is: change the ReplicaSet instead\n` });
  assert.deepEqual(await k.kubectl(['create', 'namespace', 'x']), { code: 1, out: '', err: 'Error from server (UnsupportedMediaType): the lab\'s Kubernetes API reads JSON and YAML bodies, not application/vnd.kubernetes.protobuf: create the object from a manifest (kubectl apply -f / kubectl create -f), which kubectl sends as JSON\n' });
});

test('kubectl delete of a NetworkPolicy changes the model: without allow-dns-egress the frontend\'s DNS fails', { skip: noKubectl }, async () => {
  const frontend = k.running.lab.snapshot.cluster.pods('production').find((p) => p.metadata.name.startsWith('frontend-'))!.metadata.name;
  assert.equal((await k.running.lab.exec(`production/${frontend}`, ['nslookup', 'backend'])).exitCode, 0);
  assert.deepEqual(await k.kubectl(['delete', 'netpol', 'allow-dns-egress', '-n', 'production']), { code: 0, out: 'networkpolicy.networking.k8s.io "allow-dns-egress" deleted\n', err: '' });
  const r = await k.running.lab.exec(`production/${frontend}`, ['nslookup', 'backend']);
  assert.equal(r.exitCode, 1);
  assert.match(r.stdout + r.stderr, /;; communications error to 10\.96\.0\.10#53: timed out\n(.*\n)*;; no servers could be reached\n/);
});

test('kubectl explain networkpolicy.spec reads the lab\'s OpenAPI v3', { skip: noKubectl }, async () => {
  const r = await k.kubectl(['explain', 'networkpolicy.spec']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^GROUP:      networking.k8s.io\nKIND:       NetworkPolicy\nVERSION:    v1\n\nFIELD: spec <NetworkPolicySpec>\n\n\nDESCRIPTION:\n    spec represents the specification of the desired behavior for this\n    NetworkPolicy.\n/);
  assert.match(r.out, /\n  podSelector\t<LabelSelector> -required-\n    podSelector selects the pods to which this NetworkPolicy object applies\./);
  assert.deepEqual(r.out.match(/^  \w+\t<[^>]+>/gm), ['  egress\t<[]NetworkPolicyEgressRule>', '  ingress\t<[]NetworkPolicyIngressRule>', '  podSelector\t<LabelSelector>', '  policyTypes\t<[]string>']);
  const pods = await k.kubectl(['explain', 'pod.spec.containers.ports.containerPort']);
  assert.match(pods.out, /FIELD: containerPort <integer>/);
});
