// A lab killed with SIGKILL leaves its namespaces behind; the next start finds its state file, sees its pid is gone and
// removes them. A live lab's namespaces are never touched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cluster } from '../cluster/cluster.js';
import { compileDns } from '../dns/index.js';
import { namespacesWithPrefix } from './netns.js';
import { KernelLab } from './realize.js';
import { cleanupStaleLabs, ETC_NETNS, readStates, stateFile } from './state.js';
import { kernelTest } from './testing.js';

const smallPath = fileURLToPath(new URL('../../../src/net/testdata/kernel-small.yaml', import.meta.url));
const realizeJs = new URL('./realize.js', import.meta.url).href;
const clusterJs = new URL('../cluster/cluster.js', import.meta.url).href;
const dnsJs = new URL('../dns/index.js', import.meta.url).href;

kernelTest('kill -9 of a kernel lab, then a new start: every namespace and file it left is removed', async () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'podnet-state-'));
  try {
    const script = `
      const { KernelLab } = await import(${JSON.stringify(realizeJs)});
      const { Cluster } = await import(${JSON.stringify(clusterJs)});
      const { compileDns } = await import(${JSON.stringify(dnsJs)});
      const cluster = Cluster.load([${JSON.stringify(smallPath)}]);
      const lab = await KernelLab.start({ cluster, dns: compileDns(cluster) }, { stateDir: ${JSON.stringify(stateDir)} });
      console.log('READY ' + lab.prefix);
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const prefix = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => { out += d; const m = out.match(/READY (pn[0-9a-f]{4}-)/); if (m) resolve(m[1]); });
      child.on('exit', (code) => reject(new Error(`the lab exited with ${code} before it was ready`)));
    });
    const left = await namespacesWithPrefix(prefix);
    assert.equal(left.length, 8, left.join(' '));
    assert.deepEqual(readStates(stateDir).map((s) => [s.prefix, s.pid]), [[prefix, child.pid]]);
    // A cleanup while it lives removes nothing.
    assert.deepEqual(await cleanupStaleLabs(stateDir), []);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    assert.equal((await namespacesWithPrefix(prefix)).length, 8);

    const lines: string[] = [];
    const cluster = Cluster.load([smallPath]);
    const next = await KernelLab.start({ cluster, dns: compileDns(cluster) }, { stateDir, log: (l) => lines.push(l) });
    try {
      assert.deepEqual(lines, [`removed 8 namespace(s) left by lab ${prefix.slice(0, -1)} (pid ${child.pid} is gone)`]);
      assert.deepEqual(await namespacesWithPrefix(prefix), []);
      assert.deepEqual(existsSync(ETC_NETNS) ? readdirSync(ETC_NETNS).filter((d) => d.startsWith(prefix)) : [], []);
      assert.equal(existsSync(stateFile(prefix, stateDir)), false);
      assert.deepEqual(readStates(stateDir).map((s) => s.prefix), [next.prefix]);
    } finally {
      await next.close();
    }
    assert.deepEqual(await namespacesWithPrefix(next.prefix), []);
    assert.deepEqual(readStates(stateDir), []);
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
});
