// kubectl's streaming commands against the lab: exec and run/attach over WebSocket (v5.channel.k8s.io) into the
// lab's shell and tools, logs, and port-forward over SPDY tunnelled in a WebSocket. The course's commands verbatim.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { noKubectl, startKubeLab, until, type KubeLab } from './testing.js';

let k: KubeLab;
let frontend: string;
let backend: string;
before(async () => {
  if (noKubectl) return;
  k = await startKubeLab();
  const pods = k.running.lab.snapshot.cluster.pods('production').map((p) => p.metadata.name).sort();
  frontend = pods.find((p) => p.startsWith('frontend-'))!;
  backend = pods.find((p) => p.startsWith('backend-'))!;
});
after(async () => { await k?.close(); });

const PROMPT_HINT = "If you don't see a command prompt, try pressing enter.\n";

test('kubectl run test --rm -i --image=busybox --restart=Never -- nslookup kubernetes', { skip: noKubectl }, async () => {
  assert.deepEqual(await k.kubectl(['run', 'test', '--rm', '-i', '--image=busybox', '--restart=Never', '--', 'nslookup', 'kubernetes']), {
    code: 0, err: PROMPT_HINT,
    out: 'Server:\t\t10.96.0.10\nAddress:\t10.96.0.10#53\n\nName:\tkubernetes.default.svc.cluster.local\nAddress: 10.96.0.1\n\npod "test" deleted\n',
  });
  assert.equal(k.running.lab.snapshot.cluster.get('Pod', 'default', 'test'), undefined);
});

test('nslookup of a Service FQDN and of a pod\'s A record name from a kubectl run pod', { skip: noKubectl }, async () => {
  const svc = await k.kubectl(['run', 'test', '--rm', '-i', '--image=busybox', '--restart=Never', '--', 'nslookup', 'backend.production.svc.cluster.local']);
  assert.equal(svc.out, 'Server:\t\t10.96.0.10\nAddress:\t10.96.0.10#53\n\nName:\tbackend.production.svc.cluster.local\nAddress: 10.108.90.214\n\npod "test" deleted\n');
  const pod = await k.kubectl(['run', 'test', '--rm', '-i', '--image=busybox', '--restart=Never', '--', 'nslookup', '10-244-1-5.production.pod.cluster.local']);
  assert.equal(pod.out, 'Server:\t\t10.96.0.10\nAddress:\t10.96.0.10#53\n\nName:\t10-244-1-5.production.pod.cluster.local\nAddress: 10.244.1.5\n\npod "test" deleted\n');
});

test('kubectl exec -i POD -- sh -c \'wget -qO- http://backend.production:8080/hostname\' reaches a backend through the model', { skip: noKubectl }, async () => {
  const r = await k.kubectl(['exec', '-i', frontend, '-n', 'production', '--', 'sh', '-c', 'wget -qO- http://backend.production:8080/hostname']);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, '');
  assert.match(r.out, /^backend-6974c594d6-(gdtrq|qw8cw|t82mf)$/);
  // The backend may not open connections to the frontend: NetworkPolicy drops it, wget times out.
  const denied = await k.kubectl(['exec', backend, '-n', 'production', '--', 'wget', '-qO-', 'http://frontend.production/']);
  assert.deepEqual(denied, { code: 1, out: '', err: "wget: can't connect to remote host (10.101.0.100): Connection timed out\n(denied by production/allow-dns-egress, production/deny-all)\ncommand terminated with exit code 1\n" });
});

test('exec: the shell\'s builtins, files and exit codes; an interactive sh reading stdin', { skip: noKubectl }, async () => {
  assert.deepEqual(await k.kubectl(['exec', frontend, '-n', 'production', '--', 'cat', '/etc/resolv.conf']),
    { code: 0, out: 'search production.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n', err: '' });
  assert.deepEqual(await k.kubectl(['exec', frontend, '-n', 'production', '--', 'sh', '-c', 'hostname && false || echo "status $?"; exit 3']),
    { code: 3, out: `${frontend}\nstatus 1\n`, err: 'command terminated with exit code 3\n' });
  assert.deepEqual(await k.kubectl(['exec', frontend, '-n', 'production', '--', 'ls']), { code: 127, out: '', err: 'sh: ls: not found\ncommand terminated with exit code 127\n' });
  const sh = await k.kubectl(['exec', '-i', frontend, '-n', 'production', '--', 'sh'], { input: 'echo $HOSTNAME\nnslookup backend\n' });
  assert.deepEqual(sh, { code: 0, err: '', out: `${frontend}\nServer:\t\t10.96.0.10\nAddress:\t10.96.0.10#53\n\nName:\tbackend.production.svc.cluster.local\nAddress: 10.108.90.214\n\n` });
  const missing = await k.kubectl(['exec', 'nope', '-n', 'production', '--', 'sh']);
  assert.deepEqual(missing, { code: 1, out: '', err: 'Error from server (NotFound): pods "nope" not found\n' });
});

test('kubectl run -i -- sh: the pod gets an IP, DNS and policy; its exit code is kubectl\'s; logs keep its output', { skip: noKubectl }, async () => {
  const r = await k.kubectl(['run', 'shell', '--rm', '-i', '--image=busybox', '--restart=Never', '--', 'sh'], { input: 'cat /etc/resolv.conf\nwget -qO- http://frontend.production/hostname\nexit 3\n' });
  assert.deepEqual(r, {
    code: 3,
    out: 'search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\npod "shell" deleted\n',
    err: `${PROMPT_HINT}wget: can't connect to remote host (10.101.0.100): Connection timed out\n(denied by production/allow-from-ingress-controller, production/deny-all)\npod default/shell terminated (Error)\n`,
  });
  assert.deepEqual(await k.kubectl(['run', 'job', '--image=busybox', '--restart=Never', '--', 'sh', '-c', 'echo hello from $HOSTNAME']), { code: 0, out: 'pod/job created\n', err: '' });
  await until(() => k.running.kube!.store.revisions.get('Pod', 'default', 'job')?.object.status?.phase === 'Succeeded', 10_000, 'the pod to complete');
  assert.deepEqual(await k.kubectl(['logs', 'job']), { code: 0, out: 'hello from job\n', err: '' });
  assert.equal((await k.kubectl(['get', 'pod', 'job', '--no-headers'])).out.replace(/\s+\S+\n$/, ''), 'job   0/1   Completed   0');
  assert.equal((await k.kubectl(['delete', 'pod', 'job'])).out, 'pod "job" deleted\n');
});

test('kubectl logs of an agent pod: the flows it answered', { skip: noKubectl }, async () => {
  await k.kubectl(['exec', frontend, '-n', 'production', '--', 'wget', '-qO-', `http://${k.running.lab.snapshot.cluster.get<{ status: { podIP: string } }>('Pod', 'production', backend)!.status.podIP}:8080/hostname`]);
  const r = await k.kubectl(['logs', backend, '-n', 'production', '--tail=1']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, new RegExp(`^\\S+Z production/${frontend} TCP http://10\\.244\\.2\\.3:8080/hostname delivered \\(exec\\)\\n$`));
});

test('kubectl port-forward to a pod port; a port nothing listens on is kubelet\'s error', { skip: noKubectl }, async () => {
  const pf = k.spawnKubectl(['port-forward', '-n', 'production', `pod/${backend}`, ':8080']);
  try {
    await until(() => /Forwarding from 127\.0\.0\.1:\d+ -> 8080/.test(pf.output()), 15_000, 'kubectl port-forward');
    const port = /127\.0\.0\.1:(\d+) -> 8080/.exec(pf.output())![1];
    const res = await fetch(`http://127.0.0.1:${port}/hostname`);
    assert.equal(await res.text(), backend);
    const echo = await fetch(`http://127.0.0.1:${port}/echo?msg=forwarded`);
    assert.equal(await echo.text(), 'forwarded');
  } finally { await pf.stop(); }
  const bad = k.spawnKubectl(['port-forward', '-n', 'production', `pod/${backend}`, ':9999']);
  try {
    await until(() => /-> 9999/.test(bad.output()), 15_000, 'kubectl port-forward');
    const port = /127\.0\.0\.1:(\d+) -> 9999/.exec(bad.output())![1];
    await fetch(`http://127.0.0.1:${port}/`).then(() => assert.fail('expected the connection to close'), () => undefined);
    await until(() => bad.errors().includes('lost connection to pod'), 10_000, 'kubectl to give up');
    assert.match(bad.errors(), new RegExp(`error forwarding port 9999 to pod ${backend}, uid [0-9a-f-]+: failed to connect to localhost:9999 inside the pod: nothing listens on that port in the lab`));
  } finally { await bad.stop(); }
});
