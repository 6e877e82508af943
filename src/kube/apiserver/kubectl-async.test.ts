// A write through the lab's Kubernetes API is stored and watched at once, as etcd stores it before any controller
// acts; the engine's rebuild follows (coalesced when writes come in a burst) and its results arrive as MODIFIED, and
// once the lab has settled every face answers from it. An object the rebuild refuses is gone again, with a Warning
// Event; a Service (addresses allocated at write) still waits for the engine's verdict.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { noKubectl, startKubeLab, type KubeLab } from './testing.js';
import type { KubeObject } from '../../api/types.js';

let k: KubeLab;
const file = (name: string, text: string) => { const p = join(k.dir, name); writeFileSync(p, text); return p; };
before(async () => { if (!noKubectl) k = await startKubeLab(); });
after(async () => { await k?.close(); });

test('kubectl apply of a pod: ADDED (Pending) before the rebuild, then MODIFIED (Running, its IP) when built, then served', { skip: noKubectl }, async () => {
  const lab = k.running.lab;
  const seen: string[] = [];
  const off = [
    k.running.kube!.store.revisions.subscribe((e) => { if (e.object.metadata?.name === 'probe') seen.push(`${e.type} ${e.object.status?.phase} ${e.object.status?.podIP ?? '-'}`); }),
    lab.onBuilt((s) => seen.push(`built ${s.version}`)),
    lab.onSnapshot((s) => seen.push(`served ${s.version}`)),
  ];
  const version = lab.snapshot.version;
  const probe = file('probe.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: {name: probe, namespace: production, labels: {app: probe}}\nspec: {containers: [{name: c, image: agnhost}]}\n');
  assert.deepEqual(await k.kubectl(['apply', '-f', probe]), { code: 0, out: 'pod/probe created\n', err: '' });
  off.forEach((f) => f());
  const ip = lab.snapshot.cluster.get<{ status: { podIP: string } }>('Pod', 'production', 'probe')!.status.podIP;
  assert.deepEqual(seen, ['ADDED Pending -', `MODIFIED Running ${ip}`, `built ${version + 1}`, `served ${version + 1}`]);
  // The store and every face agree once settled: the pod's DNS record and its virtual server answer.
  assert.equal(k.running.kube!.store.revisions.get('Pod', 'production', 'probe')!.object.status.podIP, ip);
  assert.deepEqual(lab.snapshot.dns.resolve(`${ip.replaceAll('.', '-')}.production.pod.cluster.local`, 'A').answers.map((a) => a.data), [ip]);
  assert.ok(lab.fleet.addressOf(ip, 8080));
});

test('a burst of writes is one rebuild; the lab holds all of them after it', { skip: noKubectl }, async () => {
  const lab = k.running.lab;
  const version = lab.snapshot.version;
  const cm = (name: string) => ({ object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'production' }, data: { a: name } } as KubeObject, source: { file: '<test>', line: 1 } });
  const a = lab.write([cm('one')]);
  const b = lab.write([cm('two')]);
  assert.equal(a.settled, b.settled);
  assert.deepEqual(await b.settled, { snapshot: version + 1, errors: new Map() });
  assert.deepEqual(['one', 'two'].map((n) => lab.snapshot.cluster.get<{ data: { a: string } }>('ConfigMap', 'production', n)?.data.a), ['one', 'two']);
});

test('a Deployment the engine refuses is accepted, then gone with a Warning Event; a Service clash is a 422 at once', { skip: noKubectl }, async () => {
  const big = file('big.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: big, namespace: production}\nspec:\n  replicas: 100000\n  selector: {matchLabels: {app: big}}\n  template:\n    metadata: {labels: {app: big}}\n    spec: {containers: [{name: c, image: agnhost}]}\n');
  assert.deepEqual(await k.kubectl(['apply', '-f', big]), { code: 0, out: 'deployment.apps/big created\n', err: '' });
  assert.deepEqual(await k.kubectl(['get', 'deploy', 'big', '-n', 'production']), { code: 1, out: '', err: 'Error from server (NotFound): deployments.apps "big" not found\n' });
  const events = await k.kubectl(['get', 'events', '-n', 'production', '--field-selector', 'reason=Refused', '-o', 'custom-columns=TYPE:.type,OBJECT:.involvedObject.name,MESSAGE:.message', '--no-headers']);
  assert.equal(events.out, 'Warning   big   Deployment production/big: spec.replicas is 100000; podnet models at most 5000 pods per workload, so it makes none\n');
  const clash = file('clash.yaml', 'apiVersion: v1\nkind: Service\nmetadata: {name: clash, namespace: production}\nspec:\n  clusterIP: 10.96.0.10\n  ports: [{port: 80}]\n');
  assert.deepEqual(await k.kubectl(['apply', '-f', clash]), { code: 1, out: '', err: `The request is invalid: error when creating "${clash}": The Service "clash" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.10"}: failed to allocate IP 10.96.0.10: provided IP is already allocated\n` });
  assert.equal(k.running.kube!.store.revisions.get('Service', 'production', 'clash'), undefined);
});

test('a paged list (kubectl --chunk-size) gives every object once, in (namespace, name) order, "team" before "team-b"', { skip: noKubectl }, async () => {
  const ns = (n: string) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${n}}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: one, namespace: ${n}}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: two, namespace: ${n}}\n`;
  const applied = await k.kubectl(['apply', '-f', file('teams.yaml', ns('team-b') + '---\n' + ns('team'))]);
  assert.equal(applied.code, 0, applied.err);
  const whole = await k.kubectl(['get', 'configmaps', '-A', '--chunk-size=0', '--no-headers', '-o', 'custom-columns=NS:.metadata.namespace,NAME:.metadata.name']);
  const paged = await k.kubectl(['get', 'configmaps', '-A', '--chunk-size=1', '--no-headers', '-o', 'custom-columns=NS:.metadata.namespace,NAME:.metadata.name']);
  assert.equal(paged.out, whole.out);
  assert.match(paged.out, /\nteam +one\nteam +two\nteam-b +one\nteam-b +two\n/);
});
