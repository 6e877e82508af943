// A live cluster as the referee, end to end (root): `podnet up --kernel` on a small cluster serves its Kubernetes
// API; `podnet verify --context podnet --kubeconfig …` creates agnhost probe pods through it, execs /agnhost connect
// and dig in them (real connections from their network namespaces), agrees with the model on every flow and deletes
// its namespace; `podnet test --context` judges a spec by exec in a probe container it adds to each source pod (the
// pods/ephemeralcontainers subresource, as kubectl debug), or with --probe exec in the pods' own containers, and sends
// its route expectations with curl from a probe pod in a namespace it creates and deletes, through the Ingress the
// routes test applies (the tests run in order: verify's counts are the lab's without it).
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli, startKernelLab, type KernelLab } from '../cli/testing.js';
import { kernelDescribe, kernelTest } from '../realize/testing.js';
import { KubeClient } from './client.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const LAB = join(root, 'src/kube/testdata/probe-lab.yaml');
const SPEC = join(root, 'src/kube/testdata/probe-lab-spec.yaml');
const ROUTES = join(root, 'src/kube/testdata/probe-lab-routes.yaml');
const ROUTES_SPEC = join(root, 'src/kube/testdata/probe-lab-routes-spec.yaml');

kernelDescribe('a live cluster as referee: the lab\'s own API in kernel mode', () => {
  let lab: KernelLab | undefined;
  let kubeconfig = '';
  before(async () => {
    lab = await startKernelLab(LAB);
    kubeconfig = lab.out.match(/kubeconfig (\S+)\)/)![1];
  });
  after(async () => {
    if (lab && lab.child.exitCode === null) { lab.child.kill('SIGTERM'); await lab.exited; }
  });

  kernelTest('verify --context: probe pods, every flow by exec agrees with the model, the probe namespace deleted', async () => {
    const r = await runCli('verify', '--context', 'podnet', '--kubeconfig', kubeconfig, '--probes', '1', '-o', 'json');
    assert.equal(r.code, 0, r.err + r.out.slice(0, 3000));
    const j = JSON.parse(r.out);
    assert.deepEqual([j.referee, j.setup, j.nodes, j.pods, j.disagree, j.skipped], ['cluster', 'podnet', 2, 6, 0, 0]);
    assert.equal(j.summary, `verify: ${j.flows}/${j.flows} flows agree (cluster podnet, 2 nodes, 6 pods)`);
    // probe-0 to db (dropped by db-from-web, directly and through the Service), to both web pods, to the CoreDNS pods
    // and Services; its names; nothing from the outside.
    const byFamily = (f: string) => j.results.filter((x: { family: string }) => x.family === f).length;
    assert.deepEqual([byFamily('pod-pair'), byFamily('service'), byFamily('dns'), byFamily('external')], [7, 4, 9, 0]);
    const db = j.results.filter((x: { to: string }) => /:5432\/TCP/.test(x.to));
    assert.deepEqual(db.map((x: { observed: { attempts: { outcome: string }[] } }) => x.observed.attempts.map((a) => a.outcome)), [['timeout'], ['timeout']]);
    const web = j.results.find((x: { to: string }) => x.to.startsWith('10.102.82.126:80/TCP'));
    assert.deepEqual(web.observed.attempts.map((a: { outcome: string }) => a.outcome), ['allowed', 'allowed']);
    assert.match(r.err, /^verify: 1 probe pod\(s\) \(registry\.k8s\.io\/e2e-test-images\/agnhost:2\.53 netexec\) in namespace (podnet-probe-[0-9a-f]{6}) of context "podnet"$/m);
    const ns = r.err.match(/namespace (podnet-probe-[0-9a-f]{6}) of/)![1];
    assert.match(r.err, new RegExp(`^verify: namespace ${ns} deleted$`, 'm'));
    const client = KubeClient.open({ kubeconfig });
    try {
      assert.equal((await client.get(`/api/v1/namespaces/${ns}`)).status, 404);
    } finally { client.close(); }
  });

  kernelTest('test --context: routes by curl from a probe pod to the controller\'s ClusterIP, mesh requests from the source pods', async () => {
    const applied = await runCli('apply', '--lab', lab!.url, '-f', ROUTES);
    assert.equal(applied.code, 0, applied.err);
    const r = await runCli('test', '--context', 'podnet', '--kubeconfig', kubeconfig, '--spec', ROUTES_SPEC, '-o', 'json');
    assert.equal(r.code, 1, r.err);
    const made = r.err.match(/^test: 1 probe pod\(s\) \(registry\.k8s\.io\/e2e-test-images\/agnhost:2\.53 netexec\) in namespace (podnet-probe-[0-9a-f]{6}) of context "podnet" for the route expectations$/m);
    assert.ok(made, r.err);
    assert.match(r.err, new RegExp(`^test: namespace ${made[1]} deleted$`, 'm'));
    const j = JSON.parse(r.out);
    assert.deepEqual(j.results.map((x: { name: string; passed: boolean; actual: string }) => [x.name, x.passed, x.actual]), [
      ['the web route names its backend', true, 'backend app/web:80, status 200'],
      ['agnhost\'s /hostname names the pod', true, 'backend app/web:80, status 200'],
      ['an unrouted path is the controller\'s 404', true, 'backend not observable, status 404'],
      ['the old host is redirected', true, 'backend not observable, status 301, redirect https://web.example.com/web'],
      ['the root answers without naming its pod', false, 'backend not observable, status 200'],
      ['web calls itself through the mesh', true, 'verdict allow, authz allow, identity not observable, status 200'],
      ['the database drops CoreDNS\'s request', true, 'verdict deny, authz not observable, identity not observable'],
      ['the peer identity is not observable live', false, 'verdict allow, authz allow, identity not observable, status 200'],
    ], JSON.stringify(j.results.map((x: { decidedBy: string[] }) => x.decidedBy)) + r.err);
    const decided = j.results.map((x: { decidedBy: string[] }) => x.decidedBy[0]);
    assert.match(decided[0], /^cluster: HTTP 200, answered by app\/web-85689657c9-\w+, an endpoint of app\/web:80$/);
    assert.match(j.results[0].trace[0], /^entry point ingress:nginx through Service ingress-nginx\/ingress-nginx-controller ClusterIP 10\.\d+\.\d+\.\d+:80$/);
    assert.match(decided[1], /^cluster: HTTP 200, answered by app\/web-85689657c9-\w+, an endpoint of app\/web:80$/);
    assert.equal(decided[3], 'cluster: HTTP 301 to https://web.example.com/web: the answer does not name the pod that served it, so the backend is not observable');
    assert.match(decided[5], /^cluster: HTTP 200 from the app: the mesh let the request through$/);
    assert.match(decided[6], /^cluster: connection timeout \(curl exited 28: curl: \(28\) /);
    const client = KubeClient.open({ kubeconfig });
    try {
      assert.equal((await client.get(`/api/v1/namespaces/${made[1]}`)).status, 404);
    } finally { client.close(); }
  });

  kernelTest('test --context: connectivity and DNS by exec in a probe container added to each source pod; the route from a probe pod', async () => {
    const r = await runCli('test', '--context', 'podnet', '--kubeconfig', kubeconfig, '--spec', SPEC, '-o', 'json');
    assert.equal(r.code, 0, r.err);
    const added = r.err.match(/^test: probe container (podnet-probe-[0-9a-f]{6}) \(registry\.k8s\.io\/e2e-test-images\/agnhost:2\.53\) added to 2 pod\(s\) of context "podnet": (.*); ephemeral containers cannot be removed: each ends by itself within 1 h$/m);
    assert.ok(added, r.err);
    const [, probe, pods] = added;
    // Every pod of the source Deployments (web's two, CoreDNS's two), each once for its connections and lookups: the
    // two the routes test's mesh requests gave a probe container keep using it, the other two get one.
    const reused = r.err.match(/^test: probe containers of an earlier run reused in 2 pod\(s\): (.*)$/m);
    assert.ok(reused, r.err);
    const earlier = reused[1].split(', ').map((p) => p.match(/^(\S+) \((podnet-probe-[0-9a-f]{6})\)$/)!);
    assert.equal(new Set(earlier.map((m) => m[2])).size, 1);
    assert.notEqual(earlier[0][2], probe);
    assert.deepEqual([...pods.split(', '), ...earlier.map((m) => m[1])].map((p) => p.replace(/-[0-9a-f]+-\w+$/, '')).sort(), ['app/web', 'app/web', 'kube-system/coredns', 'kube-system/coredns']);
    const client = KubeClient.open({ kubeconfig });
    try {
      const web = pods.split(', ').find((p) => p.startsWith('app/'))!;
      const pod = (await client.get(`/api/v1/namespaces/app/pods/${web.split('/')[1]}`)).body;
      assert.deepEqual(pod.spec.ephemeralContainers.filter((c: { name: string }) => c.name === probe).map((c: { name: string; command: string[]; securityContext: { runAsUser: number } }) => [c.name, c.command, c.securityContext.runAsUser]), [[probe, ['sleep', '3600'], 65534]]);
      assert.ok(pod.status.ephemeralContainerStatuses.find((c: { name: string }) => c.name === probe).state.running);
      // An exec that floods is cut off at 1 MiB, not gathered.
      await assert.rejects(client.exec('app', web.split('/')[1], probe, ['head', '-c', '2000000', '/dev/zero']), { message: `exec in ${web} printed more than 1 MiB` });
    } finally { client.close(); }
    const j = JSON.parse(r.out);
    assert.equal(j.referee, 'cluster (podnet)');
    assert.deepEqual(j.results.map((x: { name: string; passed: boolean; actual: string }) => [x.name, x.passed, x.actual]), [
      ['web reaches the database', true, 'allow'],
      ['the database is closed to other namespaces', true, 'deny'],
      ['web resolves the database', true, 'NOERROR, records [10.107.71.186]'],
      ['the web route', true, 'backend app/web:80, status 200'],
      ['web reaches the database by name', true, 'allow'],
      ['CoreDNS cannot reach the database by its URL', true, 'deny'],
    ]);
    assert.match(j.results[4].decidedBy[0], /^app\/web-85689657c9-\w+ → db\.app:5432 5432\/TCP: cluster: db\.app → 10\.107\.71\.186 \(dig by exec in app\/web-85689657c9-\w+\); connection established; the model: /);
    // CoreDNS's pods resolve through the node's resolver (dnsPolicy Default), not the cluster's: the name is not found.
    assert.match(j.results[5].decidedBy[0], /^kube-system\/coredns-\S+ → postgres:\/\/db\.app\.svc\.cluster\.local:5432\/ 5432\/TCP: cluster: db\.app\.svc\.cluster\.local: TIMEOUT \(dig: no reply from the server\) \(dig by exec in kube-system\/coredns-\S+\); the model: dropped at dns: /);
    assert.match(j.results[0].decidedBy[0], /^app\/web-85689657c9-\w+ → app\/db-66b8d7cd4f-\w+ 5432\/TCP: cluster: connection established; the model: /);
    assert.match(j.results[1].decidedBy[0], /: cluster: no answer in 1000 ms \(dropped\); the model: /);
    assert.match(j.results[2].decidedBy[0], /^cluster: dig by exec in app\/web-85689657c9-\w+: NOERROR/);
    assert.match(j.results[3].decidedBy[0], /^cluster: HTTP 200, answered by app\/web-85689657c9-\w+, an endpoint of app\/web:80$/);
  });

  kernelTest('test --context --probe exec: in the pods\' own containers, no probe container added; a bad --probe is refused', async () => {
    const r = await runCli('test', '--context', 'podnet', '--kubeconfig', kubeconfig, '--spec', SPEC, '--probe', 'exec', '-o', 'json');
    assert.equal(r.code, 0, r.err);
    assert.doesNotMatch(r.err, /probe container/);
    const j = JSON.parse(r.out);
    assert.deepEqual(j.results.map((x: { passed: boolean; actual: string }) => [x.passed, x.actual]), [[true, 'allow'], [true, 'deny'], [true, 'NOERROR, records [10.107.71.186]'], [true, 'backend app/web:80, status 200'], [true, 'allow'], [true, 'deny']]);
    const bad = await runCli('test', '--context', 'podnet', '--kubeconfig', kubeconfig, '--spec', SPEC, '--probe', 'debug');
    assert.equal(bad.code, 1);
    assert.match(bad.err, /\nerror: --probe must be ephemeral or exec, not "debug"\n$/);
  });
});
