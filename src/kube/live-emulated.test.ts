// The live referee against the emulated lab's own API (no root): `kubectl exec … /agnhost connect` and a dig of
// several names in an emulated pod answer as agnhost and dig do, and `podnet verify --context` runs its whole course
// there — probe pods created, every flow by exec, the namespace deleted — agreeing with the model on every flow; and
// `podnet test --context` sends mesh requests by curl from probe containers through the lab's sidecars.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { runCli } from '../cli/testing.js';
import { KubeClient } from './client.js';
import { noKubectl, startKubeLab, type KubeLab } from './apiserver/testing.js';

let k: KubeLab;
before(async () => { k = await startKubeLab(['src/kube/testdata/probe-lab.yaml']); });
after(async () => { await k?.close(); });

test('kubectl exec /agnhost connect in an emulated pod: exit 0 connected, TIMEOUT dropped by policy, REFUSED with nothing listening, DNS', { skip: noKubectl }, async () => {
  const connect = (from: string, to: string) => k.kubectl(['exec', '-n', from.split('/')[0], from.split('/').slice(1).join('/'), '--', '/agnhost', 'connect', to, '--timeout=1s', '--protocol=tcp']);
  assert.deepEqual(await connect('app/deploy/web', 'db.app:5432'), { code: 0, out: '', err: '' });
  assert.deepEqual(await connect('kube-system/deploy/coredns', '10.107.71.186:5432'), { code: 1, out: '', err: 'TIMEOUT\ncommand terminated with exit code 1\n' });
  assert.deepEqual(await connect('app/deploy/db', '10.244.2.2:81'), { code: 1, out: '', err: 'REFUSED\ncommand terminated with exit code 1\n' });
  assert.deepEqual(await connect('app/deploy/db', 'nope.app:80'), { code: 1, out: '', err: 'DNS: lookup nope.app: no such host\ncommand terminated with exit code 1\n' });
  const dig = await k.kubectl(['exec', '-n', 'app', 'deploy/web', '--', 'dig', '+search', '+time=1', '+tries=2', 'db', 'A', 'no-such-service.app.svc.cluster.local', 'A']);
  assert.equal(dig.code, 0, dig.err);
  assert.deepEqual(dig.out.split('\n').filter((l) => /status:|\tA\t/.test(l)).map((l) => l.replace(/, id: \d+$/, '')), [
    ';; ->>HEADER<<- opcode: QUERY, status: NOERROR',
    'db.app.svc.cluster.local. 30\tIN\tA\t10.107.71.186',
    ';; ->>HEADER<<- opcode: QUERY, status: NXDOMAIN',
  ]);
});

test('verify --context against the emulated lab: probe pods, every flow by exec agrees, the namespace deleted', async () => {
  const r = await runCli('verify', '--context', 'podnet', '--kubeconfig', k.kubeconfig, '-o', 'json');
  assert.equal(r.code, 0, r.err + r.out.slice(0, 2000));
  const j = JSON.parse(r.out);
  assert.equal(j.summary, 'verify: 42/42 flows agree (cluster podnet, 2 nodes, 7 pods)');
  const ns = r.err.match(/in namespace (podnet-probe-[0-9a-f]{6}) of/)![1];
  assert.match(r.err, new RegExp(`\nverify: namespace ${ns} deleted\n$`));
  const left = await runCli('get', 'namespaces', '--kubeconfig', k.kubeconfig, '-o', 'name');
  assert.equal(left.out.includes(ns), false, left.out);
});

test('test --context on a mesh: curl from a probe container through the sidecars: allowed, 403 RBAC, a reset; no identity', async () => {
  const mesh = await startKubeLab(['examples/mesh-canary']);
  try {
    const r = await runCli('test', '--context', 'podnet', '--kubeconfig', mesh.kubeconfig, '--spec', 'src/kube/testdata/mesh-live-spec.yaml', '-o', 'json');
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /^test: probe container podnet-probe-[0-9a-f]{6} \(registry\.k8s\.io\/e2e-test-images\/agnhost:2\.53\) added to 2 pod\(s\) of context "podnet": shop\/frontend-\S+, legacy\/curl-\S+; /m);
    const j = JSON.parse(r.out);
    assert.deepEqual(j.results.map((x: { name: string; passed: boolean; actual: string }) => [x.name, x.passed, x.actual]), [
      ['frontend reads a review', true, 'verdict allow, authz allow, identity not observable, status 200'],
      ['frontend may not post a review', true, 'verdict deny, authz deny, identity not observable, status 403'],
      ['legacy plaintext is refused', true, 'verdict deny, authz not observable, identity not observable'],
      ['the identity is not observable live', false, 'verdict allow, authz allow, identity not observable, status 200'],
    ]);
    const decided = j.results.map((x: { decidedBy: string[] }) => x.decidedBy[0]);
    assert.match(decided[0], /^cluster: HTTP 200 from the app \(pod reviews-v[12]-\w+-\w+\): the mesh let the request through$/);
    assert.equal(decided[1], 'cluster: HTTP 403 RBAC: access denied (an AuthorizationPolicy of the server\'s sidecar denied the request)');
    assert.equal(decided[2], 'cluster: the connection was reset before an HTTP answer (as a sidecar resets a connection an AuthorizationPolicy denies at L4, or a plaintext client under STRICT mTLS) (curl exited 56: curl: (56) Recv failure: Connection reset by peer)');
    // The model's decision beside the cluster's.
    assert.match(j.results[1].trace[0], /^the model: deny: AuthorizationPolicy \(403\): /);
  } finally { await mesh.close(); }
});

test('test --context on Linkerd: the authorized client reads; another is refused by linkerd-proxy\'s 403 with l5d-proxy-error', async () => {
  const ld = await startKubeLab(['src/kube/testdata/linkerd-live.yaml']);
  try {
    const r = await runCli('test', '--context', 'podnet', '--kubeconfig', ld.kubeconfig, '--spec', 'src/kube/testdata/linkerd-live-spec.yaml', '-o', 'json');
    assert.equal(r.code, 0, r.err + r.out);
    const j = JSON.parse(r.out);
    assert.deepEqual(j.results.map((x: { name: string; passed: boolean; actual: string }) => [x.name, x.passed, x.actual]), [
      ['the authorized client reads', true, 'verdict allow, authz allow, identity not observable, status 200'],
      ['another meshed client is refused by linkerd-proxy', true, 'verdict deny, authz deny, identity not observable, status 403'],
    ]);
    const denied = j.results[1].decidedBy[0];
    assert.match(denied, /^cluster: HTTP 403 l5d-proxy-error: client 10\.\d+\.\d+\.\d+: server: 10\.\d+\.\d+\.\d+:8080: unauthorized request on route \(a Linkerd authorization policy of the server's proxy denied the request\)$/);
  } finally { await ld.close(); }
});

test('test --context interrupted (Ctrl-C): it still names the pods it gave a probe container, and exits 130', async () => {
  const child = spawn(process.execPath, ['bin/podnet', 'test', '--context', 'podnet', '--kubeconfig', k.kubeconfig, '--spec', 'src/kube/testdata/probe-lab-slow-spec.yaml'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const client = KubeClient.open({ kubeconfig: k.kubeconfig });
  try {
    // Interrupted once a CoreDNS pod shows its probe container (the run then has seconds of drops ahead).
    for (let i = 0; ; i++) {
      const pods = (await client.get('/api/v1/namespaces/kube-system/pods')).body.items as { spec: { ephemeralContainers?: unknown[] } }[];
      if (pods.some((p) => p.spec.ephemeralContainers?.length)) break;
      assert.ok(i < 200, `no probe container after 10 s: ${err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally { client.close(); }
  child.kill('SIGINT');
  assert.equal(await exited, 130, err);
  assert.match(err, /^test: probe container podnet-probe-[0-9a-f]{6} \(registry\.k8s\.io\/e2e-test-images\/agnhost:2\.53\) added to [12] pod\(s\) of context "podnet": kube-system\/coredns-[\w-]+(, kube-system\/coredns-[\w-]+)?; ephemeral containers cannot be removed: each ends by itself within 1 h$/m);
});
