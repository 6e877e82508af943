// `podnet policy-rules`: the renderer's text for a node, and a clear error for an unknown one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runCli } from './testing.js';

const SHOP = fileURLToPath(new URL('../../../examples/shop', import.meta.url));
const GOLDEN = fileURLToPath(new URL('../../../src/policy/testdata/shop-node-1.nft', import.meta.url));

test('cli policy-rules --node node-1: the nft transaction', async () => {
  const r = await runCli('policy-rules', '-f', SHOP, '--node', 'node-1');
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, readFileSync(GOLDEN, 'utf8'));
});

test('cli policy-rules: the first node by default; an unknown node exits 1', async () => {
  assert.equal((await runCli('policy-rules', '-f', SHOP)).out, readFileSync(GOLDEN, 'utf8'));
  const r = await runCli('policy-rules', '-f', SHOP, '--node', 'node-7');
  assert.deepEqual([r.code, r.out, r.err], [1, '', 'error: node "node-7" not found (nodes: node-1, node-2)\n']);
});
