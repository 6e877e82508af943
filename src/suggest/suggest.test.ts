import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { runCli } from '../cli/testing.js';
import { writeDiffTable } from '../cli/diff-output.js';
import { diffClusters } from '../diff/index.js';
import { Cluster } from '../cluster/cluster.js';
import type { FlowRecord } from '../serve/lab/flows.js';
import { defaultComponents } from '../trace/components.js';
import { trace } from '../trace/trace.js';
import { FlowFileError, observedFlows, parseFlowFile } from './flows.js';
import { suggestPolicies } from './policies.js';
import { prove } from './verify.js';

// examples/shop/flows.jsonl: the lab's own flow log (scripts/record-flows.ts on examples/shop/app): frontends calling
// the backend, every lookup, the backend calling the frontend, HTTPS through the Ingress (one 404 with no pod).
const FLOWS = 'examples/shop/flows.jsonl';

test('suggest on the shop\'s recorded flows: the proof line, the rules and the flows each admits', async () => {
  const r = await runCli('suggest', 'policies', '-f', 'examples/shop/app', '--from-flows', FLOWS);
  assert.equal(r.code, 0);
  assert.equal(r.err, 'suggest: 4 policies; all 12 observed flows allowed, 0 other workload pairs allowed\n');
  const lines = r.out.split('\n');
  assert.equal(lines[0], '# suggest: 4 policies; all 12 observed flows allowed, 0 other workload pairs allowed');
  assert.equal(lines[1], '# from 13 flow records: 11 distinct connections; 1 left out (no destination pod and port in the record)');
  const docs = r.out.split('\n---\n');
  assert.deepEqual(docs.map((d) => /name: (\S+)/.exec(d)![1]), ['suggested-default-deny', 'suggested-allow-dns', 'suggested-backend', 'suggested-frontend']);
  const backend = docs[2];
  assert.match(backend, /    # admits 2 observed flows:\n    # ingress-nginx\/ingress-nginx-controller-c5c8cdbc5-c9dsj → production\/backend-6974c594d6-\w+ 8080\/TCP \(flow 12\)\n/);
  assert.match(backend, /          podSelector:\n            matchLabels:\n              app: frontend\n      ports:\n        - protocol: TCP\n          port: http\n/);
  // The frontend's Service port 80 targets the container port named http too.
  assert.match(docs[3], /# production\/backend-6974c594d6-gdtrq → production\/frontend-79c4fb5544-\w+ 80\/TCP \(flow 10\)/);
});

test('suggest on the full shop: existing policies allow a pair no flow used, so the proof fails and names it', async () => {
  const r = await runCli('suggest', 'policies', '-f', 'examples/shop', '--from-flows', FLOWS);
  assert.equal(r.code, 1);
  assert.equal(r.err, [
    'suggest: 4 policies; all 12 observed flows allowed, 1 other workload pairs allowed',
    '  also allowed: ingress-nginx/deployment/ingress-nginx-controller → production/deployment/frontend (every pod pair)', '',
  ].join('\n'));
});

test('suggest --diff prints what the policies change as podnet diff does', async () => {
  const r = await runCli('suggest', 'policies', '-f', 'examples/shop/app', '--from-flows', FLOWS, '--diff');
  assert.equal(r.code, 0);
  const plain = await runCli('suggest', 'policies', '-f', 'examples/shop/app', '--from-flows', FLOWS);
  const before = Cluster.load({ paths: ['examples/shop/app'] });
  const after = Cluster.load({ paths: ['examples/shop/app'], text: plain.out, textName: 'suggested-policies.yaml' });
  assert.equal(r.out, writeDiffTable(diffClusters(before, after)));
  assert.match(r.out, /^podnet diff: connectivity 0 newly allowed, \d+ newly denied/);
  assert.match(r.out, /\n  ~ production\/deployment\/backend → production\/deployment\/frontend: closed /);
});

test('flow files: bad lines say file:line; flags are checked', async () => {
  assert.throws(() => parseFlowFile('{"id":1}\n', 'f.jsonl'), (e: Error) => e instanceof FlowFileError && e.message.startsWith('f.jsonl:1: a flow record needs source, destination, verdict and hops'));
  assert.throws(() => parseFlowFile('\n\n{oops\n', 'f.jsonl'), (e: Error) => e.message.startsWith('f.jsonl:3: not a JSON flow record'));
  assert.equal(parseFlowFile(`[${readFileSync(FLOWS, 'utf8').trim().split('\n').join(',')}]`, 'a.json').length, 13);
  const none = await runCli('suggest', 'policies', '-f', 'examples/shop/app');
  assert.deepEqual([none.code, none.err], [1, 'error: give the flows: --from-flows FILE or --lab\n']);
  const ns = await runCli('suggest', 'policies', '-f', 'examples/shop/app', '--from-flows', FLOWS, '-n', 'nope');
  assert.deepEqual([ns.code, ns.err], [1, 'error: namespaces "nope" not found\n']);
});

/** A 1,000-pod cluster on 12 nodes (110 pods each at most, as kubelet): 10 namespaces of 10 Deployments of 10 replicas, each serving 8080 named http. */
function bigCluster(): string {
  const docs: string[] = ['apiVersion: podnet.dev/v1alpha1\nkind: ClusterConfig\nmetadata: {name: big}\nspec:\n  nodeCount: 12'];
  for (let n = 0; n < 10; n++) {
    docs.push(`apiVersion: v1\nkind: Namespace\nmetadata: {name: ns${n}, labels: {team: t${n % 3}}}`);
    for (let a = 0; a < 10; a++) {
      docs.push(`apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app${a}, namespace: ns${n}}\nspec:\n  replicas: 10\n  selector: {matchLabels: {app: app${a}}}\n  template:\n    metadata: {labels: {app: app${a}, tier: t${a % 2}}}\n    spec:\n      containers: [{name: c, image: img, ports: [{name: http, containerPort: 8080}, {name: metrics, containerPort: 9090}]}]`);
    }
  }
  return docs.join('\n---\n') + '\n';
}

test('suggest on a generated 1,000-pod flow log: exactly the observed workload pairs stay open', async () => {
  const dir = mkdtempSync('/tmp/podnet-suggest-');
  writeFileSync(`${dir}/big.yaml`, bigCluster());
  const cluster = Cluster.load({ paths: [`${dir}/big.yaml`] });
  assert.equal(cluster.pods().length, 1000 + 2); // and the two CoreDNS pods
  // Flows as the lab records an exec'd connection (src/serve/lab/tools/common.ts recordTrace): app(a) → app(a+1) in
  // each namespace, and ns(n)/app0 → ns(n+1)/app9, from three replicas to three replicas each.
  const components = defaultComponents();
  const pod = (n: number, a: number, i: number) => cluster.pods(`ns${n}`).filter((p) => p.metadata.labels?.app === `app${a}`).sort((x, y) => (x.metadata.name < y.metadata.name ? -1 : 1))[i];
  const records: FlowRecord[] = [];
  const record = (src: ReturnType<typeof pod>, dst: ReturnType<typeof pod>) => {
    const t = trace(cluster, { from: `${src.metadata.namespace}/${src.metadata.name}`, to: `${(dst as { status: { podIP: string } }).status.podIP}:8080`, components });
    records.push({ id: records.length + 1, time: '2026-01-01T00:00:00.000Z', source: t.from, destination: t.to, protocol: 'TCP', verdict: t.verdict, via: 'exec', hops: t.hops.map((h) => ({ step: h.step, ...(h.node ? { node: h.node } : {}), text: h.text })), snapshot: 1 });
  };
  for (let n = 0; n < 10; n++) for (let i = 0; i < 3; i++) {
    for (let a = 0; a < 9; a++) record(pod(n, a, i), pod(n, a + 1, (i + 1) % 10));
    if (n < 9) record(pod(n, 0, i), pod(n + 1, 9, i));
  }
  writeFileSync(`${dir}/flows.jsonl`, records.map((f) => JSON.stringify(f)).join('\n') + '\n');
  assert.equal(records.length, 297);
  const t0 = performance.now();
  const r = await runCli('suggest', 'policies', '-f', `${dir}/big.yaml`, '--from-flows', `${dir}/flows.jsonl`);
  const ms = performance.now() - t0;
  // 10 × (default deny + allow-dns) + one policy for each of the 100 workloads (each sends or receives).
  assert.equal(r.err, 'suggest: 120 policies; all 297 observed flows allowed, 0 other workload pairs allowed\n');
  assert.equal(r.code, 0);
  assert.ok(ms < 60_000, `${ms} ms`);
  // The engine's own view: ns3/app4 takes 8080 from ns3/app3 only, by its named port.
  const read = observedFlows(records, () => undefined);
  const s = suggestPolicies(cluster, read.flows);
  const app4 = s.policies.find((p) => p.metadata.namespace === 'ns3' && p.metadata.name === 'suggested-app4')!;
  assert.deepEqual(app4.spec.ingress, [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ns3' } }, podSelector: { matchLabels: { app: 'app3' } } }], ports: [{ protocol: 'TCP', port: 'http' }] }]);
  assert.deepEqual(app4.spec.egress, [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ns3' } }, podSelector: { matchLabels: { app: 'app5' } } }], ports: [{ protocol: 'TCP', port: 'http' }] }]);
  const after = Cluster.load({ paths: [`${dir}/big.yaml`], text: s.yaml, textName: 's.yaml' });
  const p = prove(after, s, read.flows);
  assert.deepEqual([p.flows, p.flowsAllowed, p.dnsAllowed, p.dnsWorkloads, p.others.length, p.holds], [297, 297, 100, 100, 0, true]);
});
