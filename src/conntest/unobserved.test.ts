// A probe that could not be made says nothing of the network: with no probe container (RBAC refuses
// pods/ephemeralcontainers), every expectation of test --context fails saying why, a deny included (a connection not
// made counted as denied, so each deny passed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Cluster } from '../cluster/cluster.js';
import { failedObservation } from '../verify/compare.js';
import type { Referee as ProbeReferee } from '../verify/verify.js';
import { clusterReferee } from './kernel-referee.js';
import { runSpecs } from './run.js';
import { loadSpec } from './spec.js';

test('test --context: probes that could not run fail their expectations, with the reason', async () => {
  const cluster = Cluster.load({ paths: ['src/kube/testdata/probe-lab.yaml'] });
  const { specs } = loadSpec(readFileSync('src/kube/testdata/probe-lab-spec.yaml', 'utf8'), 'probe-lab-spec.yaml');
  const refused = (pod: string) => `cannot add a probe container to ${pod}: Error from server (Forbidden): pods "${pod.split('/')[1]}" is forbidden`;
  const live: ProbeReferee = { name: 'cluster', setup: 'test', probe: async (flow) => failedObservation(flow, refused(flow.from)) };
  const r = await runSpecs(specs, clusterReferee(cluster, live, undefined, { routeClient: 'podnet-probe-abc123/probe-0' }));
  assert.deepEqual(r.outcomes.map((o) => [o.name, o.passed, o.actual]), [
    ['web reaches the database', false, 'error'],
    ['the database is closed to other namespaces', false, 'error'],
    ['web resolves the database', false, 'ERROR, records []'],
    ['the web route', false, 'error'],
    ['web reaches the database by name', false, 'error'],
    ['CoreDNS cannot reach the database by its URL', false, 'error'],
  ]);
  const coredns = r.outcomes[1].error!.match(/kube-system\/coredns-\S+/)![0];
  assert.equal(r.outcomes[1].error, `the cluster referee could not probe ${coredns} → 10.244.1.2:5432: ${refused(coredns)} (and 1 more probes)`);
  assert.equal(r.outcomes[5].error, `the cluster referee could not look db.app.svc.cluster.local up from ${coredns}: ${refused(coredns)}`);
});
