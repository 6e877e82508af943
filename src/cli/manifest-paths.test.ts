// Every command that reads manifests: no -f, or a path that does not exist, is kubectl's error and exit 1, before
// anything is loaded, printed or listening (no "No resources found" after it, no -k that podnet does not have).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from './testing.js';

const COMMANDS: string[][] = [
  ['get', 'pods'], ['describe', 'pod', 'x'], ['validate'], ['check', '--from', 'a/b', '--to', 'c/d'], ['matrix'],
  ['explain'], ['lint'], ['dns', 'kubernetes'], ['dns', 'serve', '--port', '0'], ['endpoints', '--service', 'a/b'],
  ['proxy-rules', '--node', 'node-1'], ['trace', '--from', 'a/b', '--to', 'http://x'], ['route', '--url', 'http://x/'],
  ['serve', 'ingress', '--http-port', '0', '--https-port', '0'], ['mesh', 'analyze'], ['mesh', 'check', '--from', 'a/b', '--to', 'c/d', '--port', '80'],
  ['up', '--ui-port', '0', '--dns-port', '0', '--http-port', '0', '--https-port', '0'], ['apply', '--lab', 'http://127.0.0.1:1'],
];

test('a path that does not exist: error: the path "..." does not exist, exit 1, nothing else printed', async () => {
  for (const argv of COMMANDS) {
    assert.deepEqual(await runCli(...argv, '-f', 'examples/nope'), { code: 1, out: '', err: 'error: the path "examples/nope" does not exist\n' }, argv.join(' '));
  }
  assert.deepEqual(await runCli('delete', '-f', 'examples/nope', '--lab', 'http://127.0.0.1:1'), { code: 1, out: '', err: 'error: the path "examples/nope" does not exist\n' });
  assert.deepEqual(await runCli('get', 'pods', '-f', 'examples/shop', '--config', 'nope.yaml'), { code: 1, out: '', err: 'error: the path "nope.yaml" does not exist\n' });
});

test('no -f: one message naming only the flags podnet has (--kubeconfig/--context where the command reads live clusters)', async () => {
  for (const argv of COMMANDS) {
    const live = argv[0] !== 'apply';
    const err = `error: must specify -f (a manifest file, a folder, or - for stdin)${live ? ', or --kubeconfig/--context to read a live cluster' : ''}\n`;
    assert.deepEqual(await runCli(...argv), { code: 1, out: '', err }, argv.join(' '));
  }
});
