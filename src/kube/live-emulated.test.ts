// The live referee against the emulated lab's own API (no root): `kubectl exec … /agnhost connect` and a dig of
// several names in an emulated pod answer as agnhost and dig do, and `podnet verify --context` runs its whole course
// there — probe pods created, every flow by exec, the namespace deleted — agreeing with the model on every flow.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../cli/testing.js';
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
