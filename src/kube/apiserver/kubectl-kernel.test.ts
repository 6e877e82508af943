// Kernel mode (root): `kubectl exec` against `podnet up --kernel` runs real busybox in the pod's network namespace:
// wget through the realised DNS, DNAT and policy, the pod's hostname, exit codes, a shell reading stdin.
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kernelDescribe, kernelTest } from '../../realize/testing.js';
import { KUBECTL, noKubectl, type Run } from './testing.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

kernelDescribe('kubectl exec against podnet up --kernel', () => {
  let child: ChildProcess;
  let exited: Promise<unknown>;
  let kubeconfig = '';
  const home = mkdtempSync(join(tmpdir(), 'podnet-kubectl-kernel-'));
  before(async () => {
    if (noKubectl) return;
    child = spawn(process.execPath, [join(root, 'bin', 'podnet'), 'up', '--kernel', '-f', join(root, 'examples', 'shop'), '--ui-port', '0', '--dns-port', '0', '--http-port', '0', '--https-port', '0', '--api-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    exited = new Promise((r) => child.on('exit', r));
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => { out += d; });
    child.stderr!.on('data', (d: Buffer) => { err += d; });
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => { if (out.includes('  podnet down\n')) { clearInterval(timer); resolve(); } }, 50);
      void exited.then((code) => { clearInterval(timer); reject(new Error(`podnet up exited with ${code}: ${err}`)); });
    });
    kubeconfig = out.match(/kubeconfig (\S+)\)/)![1];
  });
  after(async () => {
    if (child && child.exitCode === null) { child.kill('SIGTERM'); await exited; }
    rmSync(home, { recursive: true, force: true });
  });
  const kubectl = (args: string[], input = ''): Promise<Run> => new Promise((resolve) => {
    const c = spawn(KUBECTL, args, { env: { PATH: '/usr/bin:/bin', HOME: home, KUBECONFIG: kubeconfig }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (err += d));
    c.on('close', (code) => resolve({ code: code ?? -1, out, err }));
    c.stdin.end(input);
  });

  kernelTest('exec sh -c wget: busybox in the pod\'s namespace reaches a backend through real DNS and DNAT', async () => {
    if (noKubectl) return;
    const r = await kubectl(['exec', '-n', 'production', 'deploy/frontend', '--', 'sh', '-c', 'wget -qO- http://backend.production:8080/hostname']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^backend-6974c594d6-(gdtrq|qw8cw|t82mf)$/);
    const denied = await kubectl(['exec', '-n', 'production', 'deploy/backend', '--', 'wget', '-T', '1', '-qO-', 'http://frontend.production/']);
    // deny-all drops it: busybox wget gives up after its 1 s timeout, with a non-zero code kubectl passes on.
    assert.notEqual(denied.code, 0);
    assert.match(denied.err, new RegExp(`command terminated with exit code ${denied.code}\n$`));
  });

  kernelTest('the pod\'s hostname, its exit code, and a shell reading stdin (nslookup from the pod\'s resolv.conf)', async () => {
    if (noKubectl) return;
    assert.match((await kubectl(['exec', '-n', 'production', 'deploy/frontend', '--', 'hostname'])).out, /^frontend-79c4fb5544-(fmhnl|p7t8q)\n$/);
    const three = await kubectl(['exec', '-n', 'production', 'deploy/frontend', '--', 'sh', '-c', 'exit 3']);
    assert.deepEqual([three.code, three.err], [3, 'command terminated with exit code 3\n']);
    const sh = await kubectl(['exec', '-i', '-n', 'production', 'deploy/frontend', '--', 'sh'], 'nslookup backend.production.svc.cluster.local\necho done\n');
    assert.equal(sh.code, 0, sh.err);
    assert.match(sh.out, /Name:\s+backend\.production\.svc\.cluster\.local\nAddress:\s+10\.108\.90\.214\n/);
    assert.match(sh.out, /done\n$/);
  });
});
