// `podnet up --context X`: a lab that mirrors a live cluster (here another lab's Kubernetes API). What the source holds
// is in the mirror at start; a write through the source's API (kubectl apply / delete) reaches the mirror's model
// through the watches.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { startLab, type RunningLab } from '../cli/up.js';
import { readLive } from '../cli/live.js';
import { runCli } from '../cli/testing.js';
import { startKubeLab, until, type KubeLab } from './apiserver/testing.js';

let source: KubeLab;
let mirror: RunningLab;
let log = '';
before(async () => {
  source = await startKubeLab(['examples/shop']);
  const err = new PassThrough();
  err.on('data', (d) => (log += d));
  const io = { out: new PassThrough(), err };
  const live = await readLive({ kubeconfig: source.kubeconfig }, io);
  mirror = await startLab({ filename: [], live, kubeconfig: source.kubeconfig, uiPort: '0', dnsPort: '0', httpPort: '0', httpsPort: '0', apiPort: '0', grace: '0' }, io,
    { quiet: true, nodePortsAtNodePort: false, stateDir: join(source.dir, 'mirror') });
});
after(async () => { await mirror?.close(); await source?.close(); });

const pods = (r: { lab: { snapshot: { cluster: { pods(): { metadata: { namespace?: string; name: string }; status?: { podIP?: string } }[] } } } }) =>
  r.lab.snapshot.cluster.pods().map((p) => `${p.metadata.namespace}/${p.metadata.name} ${p.status?.podIP}`).sort();

test('the mirror starts with the source\'s pods, addresses and policies, and answers as the source does', async () => {
  assert.deepEqual(pods(mirror), pods(source.running));
  assert.equal(pods(mirror).length, 8);
  assert.deepEqual(mirror.lab.snapshot.cluster.networkPolicies('production').map((p) => p.metadata.name).sort(),
    ['allow-dns-egress', 'allow-from-ingress-controller', 'allow-frontend-egress-to-backend', 'allow-frontend-to-backend', 'deny-all']);
  const args = ['check', '--from', 'production/deploy/frontend', '--to', 'production/svc/backend', '-o', 'json'];
  assert.equal((await runCli(...args, '--kubeconfig', mirror.kubeconfigPath!)).out, (await runCli(...args, '-f', 'examples/shop')).out);
  assert.match(log, /^Read \d+ objects of \d+ kinds from context "podnet"/);
});

test('kubectl apply and delete through the source\'s API reach the mirror\'s model', async () => {
  const pod = 'apiVersion: v1\nkind: Pod\nmetadata: {name: probe, namespace: production, labels: {app: probe}}\nspec: {containers: [{name: c, image: busybox}]}\n';
  assert.equal((await source.kubectl(['apply', '-f', '-'], { input: pod })).out, 'pod/probe created\n');
  const inSource = () => source.running.lab.snapshot.cluster.get<{ status?: { podIP?: string } }>('Pod', 'production', 'probe')?.status?.podIP;
  const inMirror = () => mirror.lab.snapshot.cluster.get<{ status?: { podIP?: string } }>('Pod', 'production', 'probe')?.status?.podIP;
  await until(() => inMirror() !== undefined, 15_000, 'the pod in the mirror');
  assert.equal(inMirror(), inSource());
  // production's policies isolate the new pod's egress; a policy applied at the source opens it in the mirror.
  const check = async () => (JSON.parse((await runCli('check', '--from', 'production/probe', '--to', 'ingress-nginx/deploy/ingress-nginx-controller', '--port', '80', '--kubeconfig', mirror.kubeconfigPath!, '-o', 'json')).out) as { allowed: boolean }).allowed;
  assert.equal(await check(), false);
  const allow = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: probe-egress, namespace: production}\nspec: {podSelector: {matchLabels: {app: probe}}, policyTypes: [Egress], egress: [{}]}\n';
  assert.equal((await source.kubectl(['apply', '-f', '-'], { input: allow })).out, 'networkpolicy.networking.k8s.io/probe-egress created\n');
  await until(() => mirror.lab.snapshot.cluster.get('NetworkPolicy', 'production', 'probe-egress') !== undefined, 15_000, 'the policy in the mirror');
  assert.equal(await check(), true);
  assert.equal((await source.kubectl(['delete', 'netpol', 'deny-all', '-n', 'production'])).out, 'networkpolicy.networking.k8s.io "deny-all" deleted\n');
  await until(() => mirror.lab.snapshot.cluster.get('NetworkPolicy', 'production', 'deny-all') === undefined, 15_000, 'deny-all gone from the mirror');
  assert.deepEqual(pods(mirror), pods(source.running));
  assert.ok(mirror.mirror!.changes >= 3);
});
