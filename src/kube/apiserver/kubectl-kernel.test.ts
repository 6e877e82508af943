// Kernel mode (root): `kubectl exec` against `podnet up --kernel` runs real busybox in the pod's network namespace:
// wget through the realised DNS, DNAT and policy, the pod's hostname, exit codes, a shell reading stdin.
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kernelDescribe, kernelTest } from '../../realize/testing.js';
import { KUBECTL, noKubectl, type Run } from './testing.js';
import { startKernelLab, type KernelLab } from '../../cli/testing.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

kernelDescribe('kubectl exec against podnet up --kernel', () => {
  let lab: KernelLab | undefined;
  let kubeconfig = '';
  const home = mkdtempSync(join(tmpdir(), 'podnet-kubectl-kernel-'));
  before(async () => {
    if (noKubectl) return;
    lab = await startKernelLab(join(root, 'examples', 'shop'));
    kubeconfig = lab.out.match(/kubeconfig (\S+)\)/)![1];
  });
  after(async () => {
    if (lab && lab.child.exitCode === null) { lab.child.kill('SIGTERM'); await lab.exited; }
    rmSync(home, { recursive: true, force: true });
  });
  const kubectl = (args: string[], input = '', timeoutMs = 60_000): Promise<Run> => new Promise((resolve) => {
    const c = spawn(KUBECTL, args, { env: { PATH: '/usr/bin:/bin', HOME: home, KUBECONFIG: kubeconfig }, stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs });
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

  kernelTest('exec -i in a pod just applied: what kubectl sends before the lab has realised the pod reaches the shell (it was dropped, and the shell waited for its input for ever)', async () => {
    if (noKubectl) return;
    const pod = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'just-applied', namespace: 'production' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    const applied = await kubectl(['apply', '-f', '-'], pod);
    assert.deepEqual([applied.code, applied.out], [0, 'pod/just-applied created\n'], applied.err);
    const t0 = Date.now();
    const sh = await kubectl(['exec', '-i', '-n', 'production', 'just-applied', '--', 'sh'], 'hostname\n', 20_000);
    assert.deepEqual([sh.code, sh.out], [0, 'just-applied\n'], `${sh.err} after ${Date.now() - t0} ms`);
    assert.equal((await kubectl(['delete', '-n', 'production', 'pod', 'just-applied'])).code, 0);
  });

  kernelTest('exec -it: an interactive shell on a real terminal (script(1) gives kubectl one): prompt, echo, answers, exit code', async () => {
    if (noKubectl) return;
    // kubectl puts its terminal in raw mode and sends keystrokes; the pod's shell runs on a pty of its own.
    const cmd = `${KUBECTL} exec -it -n production deploy/frontend -- sh`;
    const r = await new Promise<Run>((resolve) => {
      const c = spawn('script', ['-qec', cmd, '/dev/null'], { env: { PATH: '/usr/bin:/bin', HOME: home, KUBECONFIG: kubeconfig, TERM: 'xterm' }, stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      // Each line is typed once the shell has prompted for it, as a person would.
      const typed: string[] = [];
      const type = (prompts: number, line: string) => { if (!typed.includes(line) && out.split('/ # ').length > prompts) { typed.push(line); c.stdin.write(line); } };
      c.stdout.on('data', (d) => { out += d; type(1, 'hostname\n'); type(2, 'exit 4\n'); });
      const timer = setTimeout(() => c.kill(), 30_000);
      c.on('close', (code) => { clearTimeout(timer); resolve({ code: code ?? -1, out, err: '' }); });
    });
    const text = r.out.replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, '').replace(/\r/g, '');
    assert.match(text, /\/ # hostname\nfrontend-79c4fb5544-(fmhnl|p7t8q)\n\/ # exit 4\n/);
    assert.equal(r.code, 4);
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
