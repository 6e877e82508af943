// The lab's pods hold no socket until something contacts them: the open files of a lab do not grow with its pod
// ports (measured in /proc/self/fd), and a pod port reached once is bound from then on, answering as that pod.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab } from '../lab.js';

const openFiles = () => readdirSync('/proc/self/fd').length;

function cluster(replicas: number): string {
  return `apiVersion: v1
kind: Namespace
metadata: {name: scale}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: scale}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: c, image: agnhost, ports: [{containerPort: 8080}, {containerPort: 9090}, {containerPort: 53, protocol: UDP}]}]
`;
}

/** Starts a lab of `replicas` pods (three ports each), runs `fn`, and reports the files it had open after start. */
async function withLab<T>(replicas: number, fn: (lab: Lab) => Promise<T>): Promise<{ opened: number; result: T }> {
  const dir = mkdtempSync(join(tmpdir(), 'podnet-fleet-'));
  writeFileSync(join(dir, 'c.yaml'), cluster(replicas));
  const before = openFiles();
  const lab = await Lab.start({ paths: [dir], dnsPort: 0, httpPort: 0, httpsPort: 0, graceMs: 0, nodePortsAtNodePort: false });
  try {
    const opened = openFiles() - before;
    return { opened, result: await fn(lab) };
  } finally {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a lab of 200 pods (600 pod ports) has as many files open as one of 20 pods: the spare sockets, no pod port', async () => {
  const small = await withLab(20, async (lab) => lab.fleet.sockets);
  const large = await withLab(200, async (lab) => {
    assert.equal(lab.fleet.size, 606); // and CoreDNS's two pods, three ports each
    return lab.fleet.sockets;
  });
  assert.deepEqual(small.result, { bound: 0, spare: 36 });
  assert.deepEqual(large.result, { bound: 0, spare: 36 });
  assert.equal(large.opened, small.opened);
});

test('a pod port contacted once gets its socket and keeps it; the answer is that pod\'s', async () => {
  const { result } = await withLab(30, async (lab) => {
    const pod = lab.snapshot.cluster.pods('scale')[7];
    const r = await lab.exec(`scale/${lab.snapshot.cluster.pods('scale')[0].metadata.name}`, ['curl', '-s', `http://${pod.status!.podIP}:9090/hostname`]);
    const again = await lab.exec(`scale/${lab.snapshot.cluster.pods('scale')[1].metadata.name}`, ['curl', '-s', `http://${pod.status!.podIP}:9090/hostname`]);
    return { out: [r.stdout, again.stdout], name: pod.metadata.name, sockets: lab.fleet.sockets, starved: lab.fleet.starved };
  });
  assert.deepEqual(result.out, [result.name, result.name]);
  assert.deepEqual(result.sockets, { bound: 1, spare: 36 });
  assert.equal(result.starved, 0);
});
