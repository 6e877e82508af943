// `podnet up --kernel` as a user runs it: the banner lists the namespaces, `podnet exec` runs real commands in a pod's,
// a node's and the outside client's namespace, apply/delete add and remove pod namespaces without breaking a
// connection in flight, `podnet down` removes everything; SIGTERM cleans up; not root is a clear error, exit 1.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { namespacesWithPrefix } from '../realize/netns.js';
import { kernelDescribe, kernelTest } from '../realize/testing.js';
import { runCli, startKernelLab as up, type KernelLab as Up } from './testing.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

kernelDescribe('podnet up --kernel -f examples/shop', () => {
  let lab: Up;
  const dir = mkdtempSync(join(tmpdir(), 'podnet-kernel-cli-'));
  before(async () => { lab = await up(join(root, 'examples', 'shop')); });
  after(async () => {
    if (lab && lab.child.exitCode === null) { lab.child.kill('SIGTERM'); await lab.exited; }
    if (lab) assert.deepEqual(await namespacesWithPrefix(lab.prefix), []);
    rmSync(dir, { recursive: true, force: true });
  });
  const exec = (target: string | string[], ...argv: string[]) => runCli('exec', '--lab', lab.url, ...(Array.isArray(target) ? target : [target]), '--', ...argv);

  test('the banner lists every namespace and what was realised', () => {
    assert.equal(lab.out.split('\n').filter((l) => /^ {2}(fabric|external|node-\d|pod) +pn[0-9a-f]{4}-/.test(l)).length, 12);
    assert.match(lab.out, new RegExp(`Kernel mode   lab ${lab.prefix.slice(0, -1)}: 12 network namespaces`));
    assert.match(lab.out, /  CNI           Calico \((VXLAN|BGP \+ IP-in-IP)\); kube-proxy iptables rules loaded per node; NetworkPolicy in nftables/);
    if (lab.out.includes('Calico (VXLAN)')) assert.match(lab.out, /  substituted   Calico \(VXLAN\): vxlan\.calico \(UDP 4789, VNI 4096, \+50 bytes, pod MTU 1450\) for Calico \(BGP \+ IP-in-IP\): tunl0 \(IP protocol 4, \+20 bytes\): this kernel has no ipip link type/);
  });

  test('podnet exec production/deploy/frontend -- curl: a backend pod answers, through real DNS, DNAT and policy', async () => {
    const r = await exec('production/deploy/frontend', 'curl', '-s', 'http://backend.production:8080/hostname');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^backend-6974c594d6-(gdtrq|qw8cw|t82mf)$/);
    const denied = await exec('production/deploy/backend', 'curl', '-s', '-m', '1', 'http://frontend.production/');
    assert.equal(denied.code, 28, 'deny-all drops it: curl times out');
  });

  test('podnet exec --node and external: the node\'s rules, and the Ingress served by the edge proxy in the controller pod through its NodePort', async () => {
    const nat = await exec(['--node', 'node-1'], 'iptables-save', '-t', 'nat');
    assert.equal(nat.code, 0, nat.err);
    assert.ok(nat.out.includes('-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES'));
    const np = lab.out.match(/NodePort +ingress-nginx\/ingress-nginx-controller https: 10\.0\.1\.10:(\d+)/)![1];
    const ext = await exec('external', 'curl', '-sk', '--resolve', `my-app.example.com:${np}:10.0.1.10`, `https://my-app.example.com:${np}/api/hostname`);
    assert.match(ext.out, /^pod production\/backend-6974c594d6-(gdtrq|qw8cw|t82mf) \(10\.244\.\d\.\d:8080 on node-\d\) answered GET \/api\/hostname\n/);
    const http = lab.out.match(/NodePort +ingress-nginx\/ingress-nginx-controller http: 10\.0\.1\.10:(\d+)/)![1];
    const redirect = await exec('external', 'curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '-H', 'Host: my-app.example.com', `http://10.0.1.10:${http}/api/hostname`);
    assert.equal(redirect.out, '308');
    const bad = await exec(['--node', 'nope'], 'ip', 'route');
    assert.equal(bad.code, 1);
    assert.equal(bad.err, 'error: node "nope" is not realised in the kernel (nodes: node-1, node-2; or external, NS/POD, NS/deploy/NAME)\n');
  });

  test('apply adds a pod namespace and delete removes it; a connection through the ClusterIP survives the re-syncs', async () => {
    const held = spawn('ip', ['netns', 'exec', `${lab.prefix}production-frontend-79c4fb5544-fmhnl`, 'busybox', 'nc', '10.108.90.214', '8080'], { stdio: ['pipe', 'pipe', 'ignore'] });
    let echoed = '';
    held.stdout!.on('data', (d: Buffer) => { echoed += d; });
    held.stdin!.write('before\n');
    const file = join(dir, 'extra.yaml');
    // Named to sort last: the model places pods in name order, so every other pod keeps its node and IP.
    writeFileSync(file, 'apiVersion: v1\nkind: Pod\nmetadata: {name: zz-extra, namespace: production, labels: {app: backend}}\nspec: {containers: [{name: c, image: agnhost, ports: [{containerPort: 8080, name: http}]}]}\n');
    const applied = await runCli('apply', '--lab', lab.url, '-f', file);
    assert.equal(applied.code, 0, applied.err);
    assert.deepEqual(await namespacesWithPrefix(`${lab.prefix}production-zz-extra`), [`${lab.prefix}production-zz-extra`]);
    assert.match(lab.log(), /kernel: 1 pod namespace\(s\) added, 0 removed, rules re-synced/);
    const direct = await exec('production/zz-extra', 'cat', '/etc/resolv.conf');
    assert.match(direct.out, /^search production\.svc\.cluster\.local svc\.cluster\.local cluster\.local\nnameserver 10\.96\.0\.10\n/);
    const seen = new Set<string>();
    for (let i = 0; i < 20 && !seen.has('zz-extra'); i++) seen.add((await exec('production/deploy/frontend', 'curl', '-s', 'http://backend.production:8080/hostname')).out);
    assert.ok(seen.has('zz-extra'), `the new endpoint never answered: ${[...seen]}`);
    const deleted = await runCli('delete', '--lab', lab.url, 'pod', 'zz-extra', '-n', 'production');
    assert.equal(deleted.code, 0, deleted.err);
    assert.deepEqual(await namespacesWithPrefix(`${lab.prefix}production-zz-extra`), []);
    assert.match(lab.log(), /kernel: 0 pod namespace\(s\) added, 1 removed, rules re-synced/);
    held.stdin!.write('after\n');
    for (let i = 0; i < 50 && !echoed.includes('after'); i++) await new Promise((r) => setTimeout(r, 100));
    held.kill();
    assert.equal(echoed, 'before\nafter\n');
  });

  test('podnet down stops the lab and removes every namespace', async () => {
    const r = await runCli('down', '--lab', lab.url);
    assert.equal(r.out.split('\n')[0], `lab at ${lab.url} stopped (kernel lab ${lab.prefix.slice(0, -1)} removed)`);
    assert.equal(await lab.exited, 0);
    assert.deepEqual(await namespacesWithPrefix(lab.prefix), []);
  });
});

kernelTest('podnet up --kernel: SIGTERM removes the namespaces; as a user that is not root it refuses and says why', async () => {
  const small = fileURLToPath(new URL('../../../src/net/testdata/kernel-small.yaml', import.meta.url));
  const lab = await up(small);
  assert.equal((await namespacesWithPrefix(lab.prefix)).length, 8);
  lab.child.kill('SIGTERM');
  assert.equal(await lab.exited, 0);
  assert.deepEqual(await namespacesWithPrefix(lab.prefix), []);
  const refused = await up(small, ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups']).then(() => undefined, (e: { code: number; err: string }) => e);
  assert.equal(refused?.code, 1);
  assert.equal(refused?.err, 'error: kernel mode cannot start:\n  - kernel mode must run as root (it creates network namespaces): run it with sudo\n');
});
