// The policy nftables renderer: golden transactions for small clusters (exact text), and the pieces it is built of.
// That the kernel enforces what the model decides is nftables-kernel.test.ts's job.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Cluster } from '../cluster/cluster.js';
import { parseCidr } from '../net/cidr.js';
import { compilePolicies } from './model.js';
import { renderPolicyNftables } from './nftables.js';
import { nftComment, portMatches, rangesToCidrs } from './nft-match.js';
import { e2eObjects, loadModel, np } from './testing.js';

const testdata = (f: string) => fileURLToPath(new URL(`../../../src/policy/testdata/${f}`, import.meta.url));
const example = (d: string) => fileURLToPath(new URL(`../../../examples/${d}`, import.meta.url));

test('golden: examples/shop on node-1 (calico: pods matched by their cali interface)', () => {
  const model = compilePolicies(Cluster.load({ paths: [example('shop')] }));
  assert.equal(renderPolicyNftables(model, 'node-1'), readFileSync(testdata('shop-node-1.nft'), 'utf8'));
});

test('golden: three tiers, named ports, ipBlock except, endPort, IPv6, hostNetwork (weave: pods matched by IP)', () => {
  const model = compilePolicies(Cluster.load({ paths: [testdata('tiers.yaml')] }));
  assert.deepEqual(model.diagnostics, []);
  assert.equal(renderPolicyNftables(model, 'node-1'), readFileSync(testdata('tiers-node-1.nft'), 'utf8'));
});

test('flannel does not enforce NetworkPolicy: nothing but comments', () => {
  const model = loadModel([...e2eObjects(), np('x', 'deny', { podSelector: {} })], { cni: 'flannel' });
  assert.equal(renderPolicyNftables(model, 'node-1'), '# NetworkPolicy / AdminNetworkPolicy / BaselineAdminNetworkPolicy on node node-1 (flannel): the transaction for nft -f.\n# flannel does not enforce NetworkPolicy: nothing is rendered (podnet check shows what an enforcing CNI would do).\n');
});

test('an unknown node is an error naming the nodes', () => {
  const model = loadModel(e2eObjects());
  assert.throws(() => renderPolicyNftables(model, 'node-9'), { message: 'node "node-9" not found (nodes: node-1, node-2)' });
});

test('cilium: lxc interfaces; a pod no policy selects gets no chain', () => {
  const model = loadModel([...e2eObjects(), np('x', 'deny', { podSelector: { matchLabels: { pod: 'a' } } })], { cni: 'cilium' });
  const text = renderPolicyNftables(model, 'node-1');
  const chains = text.split('\n').filter((l) => l.startsWith('add chain inet podnet-policy np-'));
  assert.equal(chains.length, 1);
  assert.match(chains[0], /^add chain inet podnet-policy np-ingress-lxc[0-9a-f]{12}$/);
  assert.match(text, /\n# x\/c \(lxc[0-9a-f]{12}, 10\.244\.\d+\.\d+\): no policy applies\n/);
});

test('ipBlock except: the block minus its holes, as the fewest CIDRs', () => {
  const b = parseCidr('10.0.0.0/8'), e = parseCidr('10.244.0.0/16');
  assert.deepEqual(rangesToCidrs([[b.base, e.base], [e.base + e.size, b.base + b.size]], 'IPv4'), ['10.0.0.0/9', '10.128.0.0/10', '10.192.0.0/11', '10.224.0.0/12', '10.240.0.0/14', '10.245.0.0/16', '10.246.0.0/15', '10.248.0.0/13']);
  const all = parseCidr('0.0.0.0/0');
  assert.deepEqual(rangesToCidrs([[all.base, all.size]], 'IPv4'), ['0.0.0.0/0']);
  const v6 = parseCidr('fd00::/8');
  assert.deepEqual(rangesToCidrs([[v6.base, v6.base + 1n], [v6.base + 1n, v6.base + 4n], [v6.base + 6n, v6.base + 7n]], 'IPv6'), ['fd00::/126', 'fd00::6']);
});

test('ports: ranges merged per protocol, a protocol alone matches all its ports', () => {
  const plan = { numeric: new Map([['TCP', { any: false, ranges: [[81, 90], [80, 80], [443, 443]] }], ['SCTP', { any: true, ranges: [] }], ['UDP', { any: false, ranges: [[53, 53]] }]] as const), named: [] };
  assert.deepEqual(portMatches(plan as never), ['tcp dport { 80-90, 443 }', 'udp dport 53', 'meta l4proto sctp']);
});

test('comments: quotes and non-ASCII replaced, cut at 128 characters', () => {
  assert.equal(nftComment('say "hé"'), "say 'h?'");
  assert.equal(nftComment('x'.repeat(200)).length, 128);
});
