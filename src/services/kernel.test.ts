// The kernel as the referee of the kube-proxy renderers: every mode's text for every example and every node is loaded
// into a fresh network namespace of its own (iptables-restore, nft -f, ipvsadm -R where the kernel has IPVS), and
// what the kernel then holds is counted against what was rendered. Skipped, with the reason, when not root.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runCli } from '../cli/testing.js';
import { Cluster } from '../cluster/cluster.js';
import { probeKernel } from '../realize/host.js';
import { addNamespace, deleteNamespace, execInOk, listNamespaces, namespacesWithPrefix, newLabPrefix } from '../realize/netns.js';
import { inParallel } from '../realize/run.js';
import { kernelTest } from '../realize/testing.js';
import { renderIpvsRestore } from './ipvs.js';
import { servicesModel } from './model.js';

const examplesDir = fileURLToPath(new URL('../../../examples/', import.meta.url));
const examples = readdirSync(examplesDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

interface Load { example: string; node: string; mode: 'iptables' | 'nftables' | 'ipvs'; text: string }

const count = (text: string, re: RegExp) => text.split('\n').filter((l) => re.test(l)).length;

async function loadInto(ns: string, l: Load): Promise<void> {
  if (l.mode === 'iptables') {
    await execInOk(ns, 'iptables-restore', [], { input: l.text });
    const saved = await execInOk(ns, 'iptables-save', []);
    assert.equal(count(saved, /^-A /), count(l.text, /^-A /), `${ns}: rules in the kernel`);
    assert.equal(count(saved, /^:KUBE-/), count(l.text, /^:KUBE-/), `${ns}: KUBE- chains in the kernel`);
  } else if (l.mode === 'nftables') {
    await execInOk(ns, 'nft', ['-f', '-'], { input: l.text });
    const listed = await execInOk(ns, 'nft', ['list', 'table', 'ip', 'kube-proxy']);
    assert.equal(count(listed, /^\tchain /), count(l.text, /^add chain /), `${ns}: chains in the kernel`);
  } else {
    await execInOk(ns, 'ipvsadm', ['-R'], { input: l.text });
    const saved = await execInOk(ns, 'ipvsadm', ['-S', '-n']);
    assert.equal(count(saved, /^-A /), count(l.text, /^-A /), `${ns}: virtual servers in the kernel`);
  }
}

async function renderedLoads(mode: Load['mode']): Promise<Load[]> {
  const loads: Load[] = [];
  for (const example of examples) {
    const dir = examplesDir + example;
    const cluster = Cluster.load([dir]);
    const model = servicesModel(cluster);
    for (const node of cluster.nodes) {
      if (mode === 'ipvs') { loads.push({ example, node: node.name, mode, text: renderIpvsRestore(model, node) }); continue; }
      const r = await runCli('proxy-rules', '-f', dir, '--node', node.name, '--mode', mode);
      assert.equal(r.code, 0, r.err);
      loads.push({ example, node: node.name, mode, text: r.out });
    }
  }
  return loads;
}

async function loadEach(loads: Load[]): Promise<void> {
  const prefix = newLabPrefix(await listNamespaces());
  try {
    await inParallel(loads, 4, async (l, i) => {
      const ns = `${prefix}${l.mode}-${i}`;
      await addNamespace(ns);
      try { await loadInto(ns, l); } catch (e) { throw new Error(`${l.example} ${l.node} ${l.mode}: ${(e as Error).message}`); }
      finally { await deleteNamespace(ns); }
    });
  } finally {
    await Promise.all((await namespacesWithPrefix(prefix)).map(deleteNamespace));
  }
  assert.deepEqual(await namespacesWithPrefix(prefix), []);
}

for (const mode of ['iptables', 'nftables'] as const) {
  kernelTest(`kube-proxy ${mode}: proxy-rules for every example and node loads into a namespace of its own`, async () => {
    const loads = await renderedLoads(mode);
    assert.ok(loads.length >= examples.length, `${loads.length} loads`);
    await loadEach(loads);
  });
}

kernelTest('kube-proxy ipvs: every example and node loads with ipvsadm -R where the kernel has IPVS', async (t) => {
  const support = await probeKernel(newLabPrefix(await listNamespaces()));
  if (support.ipvs !== true) { t.skip(`ipvs not loaded: ${support.ipvs}`); return; }
  await loadEach(await renderedLoads('ipvs'));
});
