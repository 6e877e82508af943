// `node dist/scripts/peers/gateway-api.js [-v] [TEST...]`: runs podnet's routing engine over the Gateway API
// conformance suite (kubernetes-sigs/gateway-api conformance/tests: each test's manifests with the suite's base
// manifests and Setup() objects; cases.json holds the expectations the Go tests assert, one per status check or
// request) and prints how many podnet's answers agree with, per check kind and per test, and the disagreements grouped
// by reason. Status checks read `withComputedStatus` (what `podnet get -o yaml` prints); requests go through
// `model.route` (what `podnet route` answers). Cases the extraction marked `skip` are counted apart; those the live
// proxy can show (frontend client certificates, UDP echo) go through it on loopback (gateway-api-live.ts). A
// measurement, not a test.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseManifestText, type LoadedObject } from '../../src/api/load.js';
import type { KubeObject } from '../../src/api/types.js';
import { Cluster } from '../../src/cluster/cluster.js';
import { compileRouting, withComputedStatus, type RouteRequest, type RouteResult } from '../../src/ingress/index.js';
import { judgeRequest, judgeStatus, type Case } from './gateway-api-checks.js';
import { judgeLive, liveComparable } from './gateway-api-live.js';
import { MUTATIONS } from './gateway-api-mutations.js';
import { externalDir, percent } from './external.js';

interface Test { name: string; file: string; features: string[]; provisional: boolean; manifests: string[]; cases: Case[] }

const dir = externalDir('gateway-api');
if (!dir) {
  process.stdout.write('gateway-api: no data (set PODNET_EXTERNAL or put the suites in ../shared/external); nothing measured\n');
  process.exit(0);
}
const args = process.argv.slice(2);
const verbose = args.includes('-v');
const only = args.filter((a) => !a.startsWith('-'));
const data = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as { tests: Test[] };
const setup = parseManifestText(readFileSync(join(dir, 'setup.yaml'), 'utf8'), 'setup.yaml');
const texts = new Map<string, LoadedObject[]>();
function objectsOf(file: string): LoadedObject[] {
  let o = texts.get(file);
  // The suite's applier fills these placeholders with its flags (--gateway-class=podnet, the class's controller).
  const text = readFileSync(join(dir!, 'manifests', file), 'utf8').replaceAll('{GATEWAY_CLASS_NAME}', 'podnet').replaceAll('{GATEWAY_CONTROLLER_NAME}', 'podnet.dev/gateway-controller');
  if (!o) texts.set(file, (o = parseManifestText(text, file).objects));
  return o;
}

// Skips the extraction made that podnet's answers now cover: the BackendTLSPolicy handshake is modelled (the pod's mounted
// certificate checked against the policy's CA, hostname and SANs; backendTLS.sni in the answer).
// TCP cases name their Gateway and port but not the backend (the extraction lost it): compared as "the connection
// reaches a backend through a TCPRoute" only.
const NOW_MODELLED = ['BackendTLSPolicy: the outcome is a real TLS handshake', 'TCP traffic'];
/** The cluster a test's objects make, and the questions the judges ask of it. */
function world(objects: LoadedObject[]) {
  const cluster = Cluster.build(objects, [], undefined, { owned: true });
  const model = compileRouting(cluster);
  const status = (kind: string, nn: string): KubeObject | undefined => {
    const [ns, name] = nn.includes('/') ? nn.split('/') : ['', nn];
    const o = cluster.get<KubeObject>(kind, ns, name);
    return o ? withComputedStatus(cluster, o) : undefined;
  };
  const route = (req: RouteRequest, via: string): RouteResult => model.route(req, via);
  const all = (kind: string) => cluster.list<KubeObject>(kind).map((o) => withComputedStatus(cluster, o));
  return { cluster, status, route, all };
}
const MUTATION_SKIP = 'follows an object mutation';

const extra = { agree: 0, total: 0 };
const extraByKind = new Map<string, { agree: number; total: number }>();
const byCheck = new Map<string, { agree: number; total: number }>();
const reasons = new Map<string, string[]>();
let agree = 0, total = 0, skipped = 0;
const skips = new Map<string, number>();
const perTest: string[] = [];
for (const test of data.tests) {
  if (only.length > 0 && !only.some((o) => test.name.includes(o))) continue;
  const objects = [...setup.objects, ...test.manifests.flatMap(objectsOf)].map((o) => ({ object: structuredClone(o.object), source: o.source }));
  const before = world(objects);
  const cluster = before.cluster;
  const mutate = MUTATIONS[test.name] as ((objects: Record<string, any>[]) => Record<string, any>[]) | undefined;
  const mutated = mutate && test.cases.some((c) => c.skip?.startsWith(MUTATION_SKIP))
    ? world(mutate(objects.map((o) => structuredClone(o.object) as Record<string, any>)).map((object) => ({ object: object as KubeObject, source: { file: 'mutation', line: 0 } as never })))
    : undefined;
  let tAgree = 0, tTotal = 0;
  const liveCases = test.cases.filter((c) => c.skip !== undefined && liveComparable(test.name, c));
  const liveAnswers = liveCases.length > 0 ? await judgeLive(test.name, cluster, liveCases) : new Map<Case, string | undefined>();
  for (const c of test.cases) {
    const live = liveAnswers.has(c);
    const after = mutated !== undefined && c.skip?.startsWith(MUTATION_SKIP) === true;
    const { status, route, all } = after ? mutated! : before;
    const modelled = live || after || (c.skip !== undefined && NOW_MODELLED.some((m) => c.skip!.startsWith(m)) && !(c.proto === 'tcp' && (c.gateway === '?' || !c.port)));
    if (c.skip && !modelled) { skipped++; skips.set(c.skip, (skips.get(c.skip) ?? 0) + 1); continue; }
    const key = live ? `live:${c.proto}` : c.kind === 'status' ? String(c.check) : `request:${c.proto}`;
    let why: string | undefined;
    try {
      why = live ? liveAnswers.get(c) : c.kind === 'status' ? judgeStatus(c, status, all) : c.kind === 'request' ? judgeRequest(c, status, route) : 'custom check not compared';
    } catch (e) {
      why = `podnet threw: ${(e as Error).message.split('\n')[0]}`;
    }
    if (modelled) {
      extra.total++;
      const k = live ? (c.skip!.startsWith('UDP') ? 'live UDP echo' : 'live frontend client certificate') : after ? 'after the test\'s mutation' : c.skip!.split(':')[0];
      let s = extraByKind.get(k);
      if (!s) extraByKind.set(k, (s = { agree: 0, total: 0 }));
      s.total++;
      if (why === undefined) { s.agree++; extra.agree++; continue; }
    } else {
      let s = byCheck.get(key);
      if (!s) byCheck.set(key, (s = { agree: 0, total: 0 }));
      s.total++; total++; tTotal++;
      if (why === undefined) { s.agree++; agree++; tAgree++; continue; }
    }
    const group = `${key}: ${why.replace(/\s*\{.*$/, '').replace(/ \(.*$/, '').slice(0, 90)}`;
    let l = reasons.get(group);
    if (!l) reasons.set(group, (l = []));
    l.push(`${c.id}${c.subtest ? ` [${c.subtest}]` : ''}: ${why}`);
  }
  if (tAgree < tTotal || verbose) perTest.push(`  ${test.name}: ${tAgree}/${tTotal}`);
}

process.stdout.write(`gateway-api conformance: ${agree}/${total} comparable expectations agree (${percent(agree, total)}); ${skipped} skipped\n`);
process.stdout.write(`made comparable (skipped by the extraction, modelled now): ${extra.agree}/${extra.total}; all together ${agree + extra.agree}/${total + extra.total} (${percent(agree + extra.agree, total + extra.total)})\n`);
for (const [k, s] of extraByKind) process.stdout.write(`  ${k}: ${s.agree}/${s.total}\n`);
process.stdout.write('by check:\n');
for (const [k, s] of [...byCheck].sort()) process.stdout.write(`  ${k}: ${s.agree}/${s.total}\n`);
if (perTest.length > 0) process.stdout.write(`tests with disagreements (${perTest.length}):\n${perTest.join('\n')}\n`);
if (reasons.size > 0) {
  process.stdout.write('disagreements by reason:\n');
  for (const [r, list] of [...reasons].sort((a, b) => b[1].length - a[1].length)) {
    process.stdout.write(`  ${list.length} × ${r}\n`);
    for (const m of verbose ? list : list.slice(0, 3)) process.stdout.write(`      ${m}\n`);
  }
}
process.stdout.write('skipped (not comparable through route/get):\n');
for (const [r, n] of [...skips].sort((a, b) => b[1] - a[1])) process.stdout.write(`  ${n} × ${r}\n`);
