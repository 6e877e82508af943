// A client nobody here wrote: Debian's python3-kubernetes (the official Python client) lists and watches the lab's
// pods through the lab's kubeconfig, unchanged.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseManifestText } from '../../api/load.js';
import { startKubeLab, until, type KubeLab } from './testing.js';

const PYTHON = '/usr/bin/python3';
const noPython = !existsSync(PYTHON) ? `${PYTHON} is missing` : (() => {
  const probe = spawn(PYTHON, ['-c', 'import kubernetes']);
  return new Promise<string | false>((r) => probe.on('close', (c) => r(c === 0 ? false : 'python3-kubernetes is not installed')));
})();

const SCRIPT = `
import sys
from kubernetes import client, config, watch
config.load_kube_config()
v1 = client.CoreV1Api()
pods = v1.list_pod_for_all_namespaces(label_selector='app=backend')
for p in pods.items:
    print('pod', p.metadata.namespace, p.metadata.name, p.status.pod_ip, p.spec.node_name, p.status.container_statuses[0].ready)
print('listed', flush=True)
w = watch.Watch()
for e in w.stream(v1.list_namespaced_pod, 'production', resource_version=pods.metadata.resource_version, timeout_seconds=20):
    print('event', e['type'], e['object'].metadata.name, e['object'].status.pod_ip, flush=True)
    w.stop()
`;

let k: KubeLab;
let skip: string | false;
before(async () => {
  skip = await noPython;
  if (!skip) k = await startKubeLab();
});
after(async () => { await k?.close(); });

test('python kubernetes client: list_pod_for_all_namespaces with a label selector, then a watch sees a new pod', async (t) => {
  if (skip) { t.skip(skip); return; }
  const child = spawn(PYTHON, ['-c', SCRIPT], { env: { PATH: '/usr/bin:/bin', HOME: k.dir, KUBECONFIG: k.kubeconfig } });
  let out = '';
  let err = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (err += c));
  const done = new Promise<number>((r) => child.on('close', (c) => r(c ?? -1)));
  await until(() => out.includes('listed') || err !== '', 20_000, 'the python list');
  assert.equal(err, '');
  assert.equal(out,
    'pod production backend-6974c594d6-gdtrq 10.244.2.3 node-2 True\n' +
    'pod production backend-6974c594d6-qw8cw 10.244.1.4 node-1 True\n' +
    'pod production backend-6974c594d6-t82mf 10.244.2.4 node-2 True\n' +
    'listed\n');
  const doc = 'apiVersion: v1\nkind: Pod\nmetadata: {name: probe, namespace: production}\nspec: {containers: [{name: c, image: busybox}]}\n';
  await k.running.lab.apply(parseManifestText(doc, 'probe.yaml').objects);
  assert.equal(await done, 0, err);
  assert.match(out, /\nevent ADDED probe 10\.244\.\d+\.\d+\n$/);
});
