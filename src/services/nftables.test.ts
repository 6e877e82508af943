// Golden test against kube-proxy's TestOverallNFTablesRules (pkg/proxy/nftables/proxier_test.go), compared as that
// test compares (sortNFTablesTransaction: blank lines and comments dropped, lines ordered by object type, then object
// name, rules of one chain kept in the order they were added). Since that comparison is order-blind across chains,
// a second test checks what `nft -f` needs: every chain, set and map is added before a line refers to it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Cluster } from '../cluster/cluster.js';
import { servicesModel } from './model.js';
import { renderNftables } from './nftables.js';

const testdata = (f: string) => fileURLToPath(new URL(`../../../src/services/testdata/${f}`, import.meta.url));

const objectOrder: Record<string, number> = { table: 10, chain: 9, rule: 8, set: 7, map: 6, element: 5 };

function sortTransaction(tx: string): string[] {
  const lines = tx.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  return lines
    .map((line, i) => ({ line, i, w: line.split(' ') }))
    .sort((a, b) => {
      if (a.w[1] !== b.w[1]) return (objectOrder[b.w[1]] ?? 0) - (objectOrder[a.w[1]] ?? 0);
      if (a.w[4] !== b.w[4]) return a.w[4] < b.w[4] ? -1 : 1;
      return a.i - b.i;
    })
    .map((x) => x.line);
}

/** The names a line refers to but does not itself add: jump/goto targets and @sets. */
function undeclaredReferences(tx: string): string[] {
  const declared = new Set<string>();
  const problems: string[] = [];
  tx.split('\n').forEach((line, i) => {
    const w = line.split(' ');
    if (w[0] !== 'add') return;
    if (w[1] === 'chain' || w[1] === 'set' || w[1] === 'map') { declared.add(`${w[1] === 'chain' ? 'chain' : 'set'} ${w[4]}`); return; }
    const refs = [
      ...[...line.matchAll(/\b(?:jump|goto) (\S+)/g)].map((m) => `chain ${m[1]}`),
      ...[...line.matchAll(/@([^\s,}]+)/g)].map((m) => `set ${m[1]}`),
      ...(w[1] === 'rule' ? [`chain ${w[4]}`] : w[1] === 'element' ? [`set ${w[4]}`] : []),
    ];
    for (const r of refs) if (!declared.has(r)) problems.push(`line ${i + 1}: ${r} used before it is added`);
  });
  return problems;
}

function overall(): { c: Cluster; text: string } {
  // The nftables test gives svc5 ClientIP session affinity; the iptables one does not.
  const yaml = readFileSync(testdata('overall.yaml'), 'utf8').replace('externalTrafficPolicy: Cluster', 'externalTrafficPolicy: Cluster\n  sessionAffinity: ClientIP');
  const c = Cluster.load({ text: yaml, textName: 'overall.yaml' });
  assert.deepEqual(c.diagnostics.filter((d) => d.level === 'error'), []);
  return { c, text: renderNftables(servicesModel(c), c.nodes[0], { only: (sp) => sp.namespace.startsWith('ns') }) };
}

test('nftables: TestOverallNFTablesRules golden, compared as kube-proxy compares', () => {
  const got = sortTransaction(overall().text);
  const want = sortTransaction(readFileSync(testdata('overall.nft'), 'utf8'));
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) assert.equal(got[i], want[i], `sorted line ${i + 1}`);
});

test('nftables: every chain and set is added before a rule or element refers to it', () => {
  assert.deepEqual(undeclaredReferences(overall().text), []);
  const shop = Cluster.load([fileURLToPath(new URL('../../../examples/shop', import.meta.url))]);
  const model = servicesModel(shop);
  for (const node of shop.nodes) assert.deepEqual(undeclaredReferences(renderNftables(model, node)), [], node.name);
  // The checker itself: a goto ahead of its chain is reported with its line.
  assert.deepEqual(undeclaredReferences('add table ip t\nadd chain ip t a\nadd rule ip t a goto b\nadd chain ip t b\n'), ['line 3: chain b used before it is added']);
});
