// The lab's agnhost shim: agnhost connect's command line and answers (exit code, the fixed stderr words), real TCP
// connections on loopback; kernel-mode exec runs it for /agnhost and agnhost; an agnhost netexec pod is the agent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { connect, goDurationMs, parseConnectArgs } from './agnhost.js';
import { netnsArgv } from './netns-session.js';
import { isNetexec } from './processes.js';

test('agnhost connect\'s flags as cobra reads them, durations as Go parses them', () => {
  assert.deepEqual(parseConnectArgs(['10.0.0.1:80', '--timeout=1s', '--protocol=tcp']), { dest: '10.0.0.1:80', timeoutMs: 1000, protocol: 'tcp' });
  assert.deepEqual(parseConnectArgs(['--timeout', '1m30s', 'web:8080']), { dest: 'web:8080', timeoutMs: 90_000, protocol: 'tcp' });
  assert.deepEqual(parseConnectArgs(['web:8080']), { dest: 'web:8080', timeoutMs: 0, protocol: 'tcp' });
  assert.deepEqual(parseConnectArgs([]), { error: 'Error: accepts 1 arg(s), received 0' });
  assert.deepEqual(parseConnectArgs(['a:1', '--verbose']), { error: 'Error: unknown flag: --verbose' });
  assert.deepEqual(parseConnectArgs(['a:1', '--timeout=1']), { error: 'Error: invalid argument "1" for "--timeout" flag: time: invalid duration "1"' });
  assert.deepEqual(['500ms', '1.5s', '2h', '0', '', '1x'].map(goDurationMs), [500, 1500, 7_200_000, 0, undefined, undefined]);
});

test('connect: exit 0 when a listener accepts, REFUSED on a closed port, UNKNOWN without a port, TCP only', async () => {
  const server = net.createServer((s) => s.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const open = (server.address() as net.AddressInfo).port;
  assert.deepEqual(await connect({ dest: `127.0.0.1:${open}`, timeoutMs: 1000, protocol: 'tcp' }), { code: 0, stderr: '' });
  await new Promise<void>((r) => server.close(() => r()));
  assert.deepEqual(await connect({ dest: `127.0.0.1:${open}`, timeoutMs: 1000, protocol: 'tcp' }), { code: 1, stderr: 'REFUSED\n' });
  assert.deepEqual(await connect({ dest: '127.0.0.1', timeoutMs: 1000, protocol: 'tcp' }), { code: 1, stderr: 'UNKNOWN: address 127.0.0.1: missing port in address\n' });
  assert.deepEqual(await connect({ dest: '127.0.0.1:80', timeoutMs: 1000, protocol: 'udp' }), { code: 1, stderr: 'UNKNOWN: the lab\'s agnhost connect opens TCP connections only, not udp\n' });
});

test('kernel-mode exec runs the shim for /agnhost and agnhost; other commands as before', () => {
  const shim = fileURLToPath(new URL('./agnhost.js', import.meta.url));
  const inner = (program: string[]) => ['netns', 'exec', 'pn01-app-web', 'unshare', '--uts', 'busybox', 'sh', '-c', 'busybox hostname "$0" && exec "$@"', 'web-1', ...program];
  assert.deepEqual(netnsArgv('pn01-app-web', 'web-1', ['/agnhost', 'connect', '10.96.0.10:53', '--timeout=1s'], false), inner([process.execPath, shim, 'connect', '10.96.0.10:53', '--timeout=1s']));
  assert.deepEqual(netnsArgv('pn01-app-web', 'web-1', ['agnhost', 'connect', 'db:5432'], false), inner([process.execPath, shim, 'connect', 'db:5432']));
  assert.deepEqual(netnsArgv('pn01-app-web', 'web-1', ['/usr/bin/dig', 'web'], false), inner(['/usr/bin/dig', 'web']));
});

test('an agnhost pod running netexec is the lab\'s agent, not a command to run', () => {
  assert.equal(isNetexec('registry.k8s.io/e2e-test-images/agnhost:2.53', ['netexec', '--http-port=8080']), true);
  assert.equal(isNetexec('registry.k8s.io/e2e-test-images/agnhost:2.53', ['/agnhost', 'netexec']), true);
  assert.equal(isNetexec('agnhost', ['netexec']), true);
  assert.equal(isNetexec('registry.k8s.io/e2e-test-images/agnhost:2.53', ['pause']), false);
  assert.equal(isNetexec('busybox', ['netexec']), false);
  assert.equal(isNetexec('example.com/not-agnhost:1', ['netexec']), false);
});
