// The aggregated matrix against the pod matrix it summarises: every cell is all/none/some of the pod pairs of its two
// groups, on shop, a 300-pod synthetic cluster, a host-network pod (pairs decided pod by pod) and a CNI that does not
// enforce (wouldBeAllowed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../cluster/cluster.js';
import { syntheticCluster } from '../../bench/synthetic.js';
import { compilePolicies } from './model.js';
import { classMatrix, classVerdicts, podMatrix, probePorts, type PodMatrix } from './matrix.js';
import { groupMatrix, groupOfPod, type GroupCell, type MatrixGrouping } from './matrix-groups.js';
import { e2eObjects, np, toText } from './testing.js';
import type { PodObj } from './classes.js';

function bruteForce(m: PodMatrix, groupOf: string[], names: string[], would: boolean): GroupCell[][] {
  const idx = new Map(names.map((n, i) => [n, i]));
  const tally = names.map(() => names.map(() => ({ all: 0, yes: 0 })));
  const cell = would ? m.wouldBeAllowed : m.allowed;
  for (let i = 0; i < m.pods.length; i++) for (let j = 0; j < m.pods.length; j++) {
    if (i === j) continue;
    const t = tally[idx.get(groupOf[i])!][idx.get(groupOf[j])!];
    t.all++;
    if (cell(i, j)) t.yes++;
  }
  return tally.map((r) => r.map((t) => (t.all === 0 || t.yes === t.all ? true : t.yes === 0 ? false : 'partial')));
}

function agree(cluster: Cluster, by: MatrixGrouping, port?: number): { groups: number; partial: number } {
  const model = compilePolicies(cluster);
  const m = podMatrix(model, { port, protocol: port ? 'TCP' : undefined });
  const g = groupMatrix(model, m, by);
  const groupOf = m.pods.map((k) => groupOfPod(model, model.index.podsByKey.get(k) as PodObj, by));
  const names = g.groups.map((x) => x.name);
  assert.deepEqual(names, [...new Set(groupOf)].sort());
  assert.deepEqual(g.groups.map((x) => x.pods), names.map((n) => groupOf.filter((x) => x === n).length));
  let partial = 0;
  for (const would of m.enforced ? [false] : [false, true]) {
    const want = bruteForce(m, groupOf, names, would);
    names.forEach((_, i) => assert.deepEqual(g.row(i, would), want[i], `${by} row ${names[i]} (would ${would})`));
    partial += want.flat().filter((c) => c === 'partial').length;
  }
  return { groups: names.length, partial };
}

test('shop by workload and by namespace: cells summarise their pod pairs exactly', () => {
  const shop = Cluster.load({ paths: ['examples/shop'] });
  assert.deepEqual(agree(shop, 'workload', 8080), { groups: 4, partial: 0 });
  assert.deepEqual(agree(shop, 'namespace', 8080), { groups: 3, partial: 2 });
  agree(shop, 'workload');
  agree(shop, 'namespace');
});

test('a 300-pod synthetic cluster, any port and one port', () => {
  const c = syntheticCluster({ pods: 300, namespaces: 12, services: 40, policies: 60, nodes: 4, seed: 7 });
  const w = agree(c, 'workload', 8080);
  assert.equal(w.groups, 61); // 60 Deployments of 5 pods, and CoreDNS
  agree(c, 'namespace', 8080);
  agree(c, 'workload');
});

test('host-network pods (decided pod by pod) and a CNI that does not enforce', () => {
  const host = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'x' }, spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { hostNetwork: true, containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80 }] }] } } } };
  const objs = [...e2eObjects(), host, np('x', 'deny', { podSelector: {}, policyTypes: ['Ingress'] })];
  const enforced = Cluster.load({ text: toText(objs) });
  const m = podMatrix(compilePolicies(enforced), { port: 80, protocol: 'TCP' });
  assert.equal([...m.exceptions()].filter(([i, j, ok]) => ok !== m.classAllowed(m.classOf[i], m.classOf[j])).length, 3, 'pairs the node decides otherwise than the class verdict');
  agree(enforced, 'workload', 80);
  agree(enforced, 'namespace', 80);
  const flannel = Cluster.load({ text: toText([{ apiVersion: 'podnet.dev/v1alpha1', kind: 'ClusterConfig', metadata: { name: 't' }, spec: { cni: 'flannel' } }, ...objs]) });
  agree(flannel, 'namespace', 80);
});

test('classMatrix (the transpose through shared ingress sets) equals the pair-by-pair verdicts, in and out of scope', () => {
  const model = compilePolicies(syntheticCluster({ pods: 400, namespaces: 16, services: 40, policies: 120, nodes: 4, seed: 11 }));
  const n = model.index.classes.length;
  const scope = new Set(model.index.byNamespace.get('ns-0003') ?? []);
  for (const sc of [undefined, scope]) {
    let allowed = 0;
    for (const pr of probePorts(model, sc)) {
      const v = classVerdicts(model, pr.protocol, pr.port, sc);
      const rows = classMatrix(model, pr.protocol, pr.port, sc);
      for (let c = 0; c < n; c++) for (let d = 0; d < n; d++) {
        const want = (!sc || (sc.has(c) && sc.has(d))) && v.allowed(c, d);
        assert.equal(rows[c].has(d), want, `${pr.protocol}/${pr.port} ${c}→${d}`);
        if (want) allowed++;
      }
    }
    assert.ok(allowed > 0);
  }
});
