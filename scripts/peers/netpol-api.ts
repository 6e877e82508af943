// `node dist/scripts/peers/netpol-api.js [-v]`: runs podnet's policy engine over the network-policy-api conformance
// probes (kubernetes-sigs/network-policy-api conformance/tests, one case per PokeServer call with the cluster state at
// that call) and prints how many verdicts agree, per suite version and per test. A measurement, not a test.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadedObject } from '../../src/api/load.js';
import type { KubeObject } from '../../src/api/types.js';
import { Cluster } from '../../src/cluster/cluster.js';
import { compilePolicies, evaluateFlow, podEnd, type PodObj, type Protocol } from '../../src/policy/index.js';
import { externalDir, percent } from './external.js';

interface Case {
  suite: string; test: string; subtest: string; source: string;
  from: string; to: string; protocol: Protocol; port: number; expectAllowed: boolean; state: string;
}
interface Data { suites: { version: string; commit: string }[]; cases: Case[]; states: Record<string, string[]>; objects: Record<string, KubeObject> }

const dir = externalDir('network-policy-api');
if (!dir) {
  process.stdout.write('network-policy-api: no data (set PODNET_EXTERNAL or put the suites in ../shared/external); nothing measured\n');
  process.exit(0);
}
const verbose = process.argv.includes('-v');
const data = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as Data;

/** `${podIP:NS/NAME}` in an object is that pod's address, which podnet's IPAM decides: load once without, then fill. */
function clusterOf(stateId: string): Cluster {
  const raw = data.states[stateId].map((id) => ({ id, text: JSON.stringify(data.objects[id]) }));
  const build = (ips: Map<string, string>) => Cluster.build(raw.map(({ id, text }): LoadedObject => ({
    object: JSON.parse(text.replace(/\$\{podIP:([^}]+)\}/g, (_, ref: string) => ips.get(ref) ?? '192.0.2.1')) as KubeObject,
    source: { file: `cases.json#${id}`, line: 1 },
  })), [], undefined, { owned: true });
  const refs = new Set([...raw.flatMap((r) => [...r.text.matchAll(/\$\{podIP:([^}]+)\}/g)].map((m) => m[1]))]);
  if (refs.size === 0) return build(new Map());
  const first = build(new Map());
  const ips = new Map([...refs].map((ref) => {
    const [ns, name] = ref.split('/');
    return [ref, String((first.get<PodObj>('Pod', ns, name)?.status as Record<string, unknown> | undefined)?.podIP ?? '192.0.2.1')];
  }));
  return build(ips);
}

const clusters = new Map<string, Cluster>();
const bySuite = new Map<string, { agree: number; total: number; tests: Map<string, { agree: number; total: number }> }>();
const misses: string[] = [];
for (const c of data.cases) {
  let cluster = clusters.get(c.state);
  if (!cluster) clusters.set(c.state, (cluster = clusterOf(c.state)));
  const model = compilePolicies(cluster);
  const end = (ref: string) => {
    const [ns, name] = ref.split('/');
    const pod = cluster!.get<PodObj>('Pod', ns, name);
    return pod ? podEnd(model, pod) : undefined;
  };
  const from = end(c.from), to = end(c.to);
  let got: boolean | string;
  if (!from || !to) got = `pod ${!from ? c.from : c.to} not found`;
  else got = evaluateFlow(model, from, to, c.port, c.protocol).wouldBeAllowed;
  const ok = got === c.expectAllowed;
  let s = bySuite.get(c.suite);
  if (!s) bySuite.set(c.suite, (s = { agree: 0, total: 0, tests: new Map() }));
  let t = s.tests.get(c.test);
  if (!t) s.tests.set(c.test, (t = { agree: 0, total: 0 }));
  s.total++; t.total++;
  if (ok) { s.agree++; t.agree++; continue; }
  const errors = cluster.diagnostics.filter((d) => d.level === 'error').concat(model.diagnostics.filter((d) => d.level === 'error'));
  misses.push(`${c.suite} ${c.test} (${c.source}): ${c.from} -> ${c.to} ${c.port}/${c.protocol}: expected ${c.expectAllowed ? 'allowed' : 'denied'}, podnet ${typeof got === 'string' ? got : got ? 'allowed' : 'denied'}${errors.length > 0 ? ` [${errors.length} load errors, first: ${errors[0].message}]` : ''}`);
}

for (const [suite, s] of bySuite) {
  const commit = data.suites.find((x) => x.version === suite)?.commit ?? '';
  process.stdout.write(`network-policy-api ${suite} (${commit.slice(0, 12)}): ${s.agree}/${s.total} probes agree (${percent(s.agree, s.total)})\n`);
  for (const [test, t] of [...s.tests].sort()) if (t.agree < t.total || verbose) process.stdout.write(`  ${test}: ${t.agree}/${t.total}\n`);
}
if (misses.length > 0) {
  process.stdout.write(`disagreements (${misses.length}):\n`);
  for (const m of verbose ? misses : misses.slice(0, 20)) process.stdout.write(`  ${m}\n`);
  if (!verbose && misses.length > 20) process.stdout.write(`  … ${misses.length - 20} more (-v lists all)\n`);
}
