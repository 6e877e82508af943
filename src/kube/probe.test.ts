// The live probe plan (what `podnet verify --context` creates and asks), agnhost connect's answers read as outcomes,
// and the live referee judged by src/verify with a fake cluster that connects everything: the flows the model says
// are dropped disagree, exactly those.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Cluster } from '../cluster/cluster.js';
import { compileDns } from '../dns/index.js';
import { verifyFlows, summaryLine } from '../verify/verify.js';
import type { KubeClient } from './client.js';
import { defaultContainer, LiveReferee, ownContainer, probeContainers, reusableProbeContainer } from './live-referee.js';
import { connectCommand, connectOutcome, liveFlows, probeContainer, probeNodes, probeSetup } from './probe.js';

const LAB = readFileSync(new URL('../../../src/kube/testdata/probe-lab.yaml', import.meta.url), 'utf8');

function withProbes(pods: number) {
  const s = probeSetup(['node-1', 'node-2'], { suffix: 'abc123', pods });
  return Cluster.load({ text: `${LAB}\n---\n${[s.namespace, ...s.pods].map((o) => JSON.stringify(o)).join('\n---\n')}`, textName: 'probe-lab' });
}

test('the probe namespace and pods: agnhost netexec on 8080, one per node, spread over the schedulable nodes', () => {
  const s = probeSetup(['a', 'b', 'c', 'd'], { suffix: 'f00ba2', pods: 2 });
  assert.deepEqual(s.namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'podnet-probe-f00ba2', labels: { 'app.kubernetes.io/managed-by': 'podnet' } } });
  assert.deepEqual(s.pods.map((p) => [p.metadata.namespace, p.metadata.name, p.spec.nodeSelector]), [['podnet-probe-f00ba2', 'probe-0', { 'kubernetes.io/hostname': 'a' }], ['podnet-probe-f00ba2', 'probe-1', { 'kubernetes.io/hostname': 'c' }]]);
  assert.deepEqual(s.pods[0].spec.containers, [{ name: 'agnhost', image: 'registry.k8s.io/e2e-test-images/agnhost:2.53', args: ['netexec', '--http-port=8080'], ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }]);
  assert.deepEqual(s.pods[1].metadata.labels, { 'app.kubernetes.io/managed-by': 'podnet', 'podnet.dev/probe': 'probe-1' });
  assert.deepEqual(probeSetup([], { suffix: 'x', pods: 3, image: 'mirror.example/agnhost:2.53' }).pods.map((p) => [p.spec.nodeSelector, p.spec.containers[0].image]), [[undefined, 'mirror.example/agnhost:2.53']]);
  const nodes = [
    { metadata: { name: 'cp' }, spec: { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] } },
    { metadata: { name: 'w2' }, spec: {} }, { metadata: { name: 'w1' }, spec: { taints: [{ key: 'x', effect: 'PreferNoSchedule' }] } },
    { metadata: { name: 'cordoned' }, spec: { unschedulable: true } },
  ];
  assert.deepEqual(probeNodes(nodes), ['w1', 'w2']);
  assert.deepEqual(probeNodes([nodes[0]]), ['cp']);
});

test('the flows asked of a live cluster: from the probes only, declared ports only, no outside client, no identification', () => {
  const lf = liveFlows(withProbes(2), 'podnet-probe-abc123');
  assert.deepEqual(lf.left, [{ reason: 'a port the destination pod does not declare (whether anything listens there is not in the manifests)', count: 44 }]);
  const ids = lf.flows.map((f) => f.id);
  assert.equal(ids.length, 42);
  assert.ok(lf.flows.every((f) => f.from.startsWith('podnet-probe-abc123/') && (f.kind === 'dns' || (!f.identify && f.family !== 'external'))));
  assert.deepEqual(ids.slice(0, 4), ['podnet-probe-abc123/probe-0 -> 10.244.1.2:5432/TCP', 'podnet-probe-abc123/probe-1 -> 10.244.1.2:5432/TCP', 'podnet-probe-abc123/probe-0 -> 10.244.2.2:8080/TCP', 'podnet-probe-abc123/probe-1 -> 10.244.2.2:8080/TCP']);
  assert.deepEqual(lf.flows.filter((f) => f.family === 'service' && f.from.endsWith('probe-0')).map((f) => f.kind === 'connect' && f.service), ['app/db:5432', 'app/web:80', 'kube-system/kube-dns:53', 'kube-system/kube-dns:9153']);
  assert.deepEqual(lf.flows.filter((f) => f.kind === 'dns' && f.from.endsWith('probe-1')).map((f) => f.kind === 'dns' && f.name), ['db.app.svc.cluster.local', 'db.app', 'web.app.svc.cluster.local', 'web.app', 'kubernetes.default.svc.cluster.local', 'kubernetes.default', 'kube-dns.kube-system.svc.cluster.local', 'kube-dns.kube-system', 'no-such-service.podnet-probe-abc123.svc.cluster.local']);
  const app = liveFlows(withProbes(2), 'podnet-probe-abc123', { namespaces: ['app'] });
  assert.deepEqual([app.flows.filter((f) => f.family === 'pod-pair').length, app.flows.filter((f) => f.family === 'service').length, app.flows.filter((f) => f.kind === 'dns').length], [8, 4, 10]);
});

test('agnhost connect\'s exit code and stderr as outcomes; its command line', () => {
  assert.deepEqual(connectOutcome(0, ''), { outcome: 'allowed' });
  assert.deepEqual(connectOutcome(1, 'TIMEOUT\n'), { outcome: 'timeout' });
  assert.deepEqual(connectOutcome(1, 'REFUSED\n'), { outcome: 'refused' });
  assert.deepEqual(connectOutcome(1, 'OTHER: dial tcp 10.96.5.5:80: connect: no route to host\n'), { outcome: 'refused', detail: 'OTHER: dial tcp 10.96.5.5:80: connect: no route to host' });
  assert.deepEqual(connectOutcome(1, 'OTHER: dial tcp 10.0.0.1:80: connect: connection reset by peer\n'), { outcome: 'reset', detail: 'OTHER: dial tcp 10.0.0.1:80: connect: connection reset by peer' });
  assert.deepEqual(connectOutcome(1, 'DNS: lookup web.app: no such host\n'), { outcome: 'error', detail: 'agnhost connect exited 1: DNS: lookup web.app: no such host' });
  assert.deepEqual(connectOutcome(127, 'exec: "/agnhost": stat /agnhost: no such file or directory\n'), { outcome: 'error', detail: 'agnhost connect exited 127: exec: "/agnhost": stat /agnhost: no such file or directory' });
  assert.deepEqual(connectCommand('10.96.0.10', 53, 1000), ['/agnhost', 'connect', '10.96.0.10:53', '--timeout=1s', '--protocol=tcp']);
  assert.deepEqual(connectCommand('fd00::5', 80, 1500), ['/agnhost', 'connect', '[fd00::5]:80', '--timeout=1500ms', '--protocol=tcp']);
  assert.equal(defaultContainer({ metadata: { annotations: { 'kubectl.kubernetes.io/default-container': 'app' } }, spec: { containers: [{ name: 'istio-proxy' }, { name: 'app' }] } }), 'app');
  assert.equal(defaultContainer({ spec: { containers: [{ name: 'first' }, { name: 'second' }] } }), 'first');
});

test('a cluster that connects everything disagrees with the model on exactly the flows its policy drops', async () => {
  const cluster = withProbes(2);
  const asked: string[][] = [];
  const fake = { context: 'fake', exec: async (_ns: string, pod: string, container: string, command: string[]) => { asked.push([pod, container, ...command]); return { code: 0, stdout: '', stderr: '' }; } } as unknown as KubeClient;
  const pods = new Map(cluster.pods().map((p) => [`${p.metadata.namespace}/${p.metadata.name}`, p]));
  const flows = liveFlows(cluster, 'podnet-probe-abc123').flows.filter((f) => f.kind === 'connect');
  const report = await verifyFlows({ cluster, dns: compileDns(cluster) }, new LiveReferee(fake, ownContainer('fake', (k) => pods.get(k))), flows);
  assert.equal(summaryLine(report), 'verify: 20/24 flows agree (cluster fake, 2 nodes, 7 pods)');
  const db = report.results.filter((r) => r.status === 'disagree');
  assert.deepEqual(db.map((r) => [r.flow.id, r.disagreements.map((d) => `${d.aspect}: model ${d.model}; cluster ${d.referee}`)]), [
    ['podnet-probe-abc123/probe-0 -> 10.244.1.2:5432/TCP', ['verdict: model dropped (timeout); cluster allowed']],
    ['podnet-probe-abc123/probe-1 -> 10.244.1.2:5432/TCP', ['verdict: model dropped (timeout); cluster allowed']],
    ['podnet-probe-abc123/probe-0 -> 10.107.71.186:5432/TCP', ['verdict: model dropped (timeout); cluster allowed']],
    ['podnet-probe-abc123/probe-1 -> 10.107.71.186:5432/TCP', ['verdict: model dropped (timeout); cluster allowed']],
  ]);
  assert.equal(report.reprobed, 4);
  assert.deepEqual(asked[0], ['probe-0', 'agnhost', '/agnhost', 'connect', '10.244.1.2:5432', '--timeout=1s', '--protocol=tcp']);
});

test('the probe container: what kubectl debug --profile=restricted sets, non-root, an hour of sleep', () => {
  assert.deepEqual(probeContainer('podnet-probe-abc123'), {
    name: 'podnet-probe-abc123', image: 'registry.k8s.io/e2e-test-images/agnhost:2.53', command: ['sleep', '3600'],
    securityContext: { runAsNonRoot: true, runAsUser: 65534, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
  });
  assert.equal(probeContainer('p', 'mirror.example/agnhost:2.53').image, 'mirror.example/agnhost:2.53');
});

/** A fake API server for one pod: the PATCH is answered `patch`, then each GET of the pod gives the next status. */
function fakeCluster(patch: { status: number; body?: unknown }, states: unknown[]) {
  const sent: unknown[][] = [];
  let gets = 0;
  const client = {
    context: 'fake',
    send: async (method: string, path: string, body: unknown, type: string) => { sent.push([method, path, body, type]); return { status: patch.status, body: patch.body, text: JSON.stringify(patch.body ?? '') }; },
    get: async (path: string) => { sent.push(['GET', path]); const state = states[Math.min(gets++, states.length - 1)]; return { status: 200, body: { status: { ephemeralContainerStatuses: state ? [{ name: 'podnet-probe-abc123', state }] : [] } }, text: '' }; },
  } as unknown as KubeClient;
  return { client, sent };
}

test('probe containers: one strategic merge patch per pod, shared by its flows, waited for until running', async () => {
  const { client, sent } = fakeCluster({ status: 200 }, [undefined, { waiting: { reason: 'ContainerCreating' } }, { running: { startedAt: '2026-12-02T00:00:00Z' } }]);
  const added: unknown[] = [];
  const targets = probeContainers(client, { name: 'podnet-probe-abc123', pollMs: 1, added: (t) => added.push(t) });
  const [a, b] = await Promise.all([targets('app/web-1'), targets('app/web-1')]);
  const want = { namespace: 'app', pod: 'web-1', container: 'podnet-probe-abc123' };
  assert.deepEqual([a, b, added], [want, want, [want]]);
  assert.deepEqual(sent, [
    ['GET', '/api/v1/namespaces/app/pods/web-1'],
    ['PATCH', '/api/v1/namespaces/app/pods/web-1/ephemeralcontainers', { spec: { ephemeralContainers: [probeContainer('podnet-probe-abc123')] } }, 'application/strategic-merge-patch+json'],
    ['GET', '/api/v1/namespaces/app/pods/web-1'], ['GET', '/api/v1/namespaces/app/pods/web-1'],
  ]);
});

test('probe containers: one an earlier run added is reused while it has 15 minutes left, not otherwise', async () => {
  const now = Date.parse('2026-12-02T15:00:00Z');
  const pod = (name: string, startedAt: string, image = 'registry.k8s.io/e2e-test-images/agnhost:2.53') => ({
    spec: { ephemeralContainers: [{ ...probeContainer(name, image) }, { name: 'debugger-x1', image, command: ['sleep', '3600'] }] },
    status: { ephemeralContainerStatuses: [{ name, state: { running: { startedAt } } }, { name: 'debugger-x1', state: { running: { startedAt } } }] },
  });
  assert.equal(reusableProbeContainer(pod('podnet-probe-0a1b2c', '2026-12-02T14:20:00Z'), 'registry.k8s.io/e2e-test-images/agnhost:2.53', now), 'podnet-probe-0a1b2c');
  // 50 minutes old: 10 minutes left, too few; another image; kubectl debug's own container is never taken.
  assert.equal(reusableProbeContainer(pod('podnet-probe-0a1b2c', '2026-12-02T14:10:00Z'), 'registry.k8s.io/e2e-test-images/agnhost:2.53', now), undefined);
  assert.equal(reusableProbeContainer(pod('podnet-probe-0a1b2c', '2026-12-02T14:50:00Z', 'mirror.example/agnhost:2.53'), 'registry.k8s.io/e2e-test-images/agnhost:2.53', now), undefined);
  assert.equal(reusableProbeContainer(pod('debugger-x2', '2026-12-02T14:50:00Z'), 'registry.k8s.io/e2e-test-images/agnhost:2.53', now), undefined);
  const sent: string[] = [];
  const client = {
    context: 'fake',
    get: async (path: string) => { sent.push(`GET ${path}`); return { status: 200, body: pod('podnet-probe-0a1b2c', '2026-12-02T14:50:00Z'), text: '' }; },
    send: async (method: string, path: string) => { sent.push(`${method} ${path}`); return { status: 200, text: '' }; },
  } as unknown as KubeClient;
  const reused: unknown[] = [];
  const t = await probeContainers(client, { name: 'podnet-probe-abc123', now: () => now, reused: (x) => reused.push(x) })('app/web-1');
  const want = { namespace: 'app', pod: 'web-1', container: 'podnet-probe-0a1b2c' };
  assert.deepEqual([t, reused, sent], [want, [want], ['GET /api/v1/namespaces/app/pods/web-1']]);
});

test('probe containers: a cluster without the subresource, a refusal, an image that does not pull and a container that ended are each said', async () => {
  const name = 'podnet-probe-abc123';
  const run = (patch: { status: number; body?: unknown }, states: unknown[]) => probeContainers(fakeCluster(patch, states).client, { name, pollMs: 1, timeoutMs: 20 })('app/web-1');
  assert.equal(await run({ status: 404, body: { kind: 'Status', status: 'Failure', reason: 'NotFound', message: 'the server could not find the requested resource', code: 404 } }, []),
    'cannot add a probe container to app/web-1: the cluster does not serve pods/ephemeralcontainers (Kubernetes 1.25 or later does): give --probe exec to exec in the pod\'s own container');
  assert.equal(await run({ status: 404, body: { kind: 'Status', status: 'Failure', reason: 'NotFound', message: 'pods "web-1" not found', details: { name: 'web-1', kind: 'pods' }, code: 404 } }, []),
    'cannot add a probe container to app/web-1: Error from server (NotFound): pods "web-1" not found');
  assert.equal(await run({ status: 403, body: { kind: 'Status', status: 'Failure', reason: 'Forbidden', message: 'pods "web-1" is forbidden: User "dev" cannot patch resource "pods/ephemeralcontainers" in API group "" in the namespace "app"', code: 403 } }, []),
    'cannot add a probe container to app/web-1: Error from server (Forbidden): pods "web-1" is forbidden: User "dev" cannot patch resource "pods/ephemeralcontainers" in API group "" in the namespace "app" (podnet needs to patch pods/ephemeralcontainers there, as kubectl debug does; or give --probe exec)');
  assert.equal(await run({ status: 200 }, [{ waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "registry.k8s.io/e2e-test-images/agnhost:2.53"' } }]),
    'the probe container podnet-probe-abc123 in app/web-1 is not running after 0.02 s: ImagePullBackOff (Back-off pulling image "registry.k8s.io/e2e-test-images/agnhost:2.53")');
  assert.equal(await run({ status: 200 }, [{ terminated: { exitCode: 1, reason: 'Error' } }]), 'the probe container podnet-probe-abc123 in app/web-1 ended: Error');
});
