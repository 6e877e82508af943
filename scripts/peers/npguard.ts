// `node dist/scripts/peers/npguard.js [-v] [CASE...]`: runs podnet's policy engine over np-guard netpol-analyzer's
// connlist fixtures (tests/<dir> manifests, test_outputs/connlist expected lists) and prints how many relations agree.
// A relation is an ordered pair of distinct workloads with the set of connections np-guard lists between them (none
// when no line names the pair), compared exactly over every protocol and port; lines with an External address range
// are compared at the range's first address and counted apart, and so are relations with a host-network pod (np-guard
// treats it as a pod-network pod). A measurement, not a test.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster } from '../../src/cluster/cluster.js';
import { compilePolicies, evaluateFlow, ipEnd, parseIP, podEnd, probePorts, type PodObj, type PolicyModel, type Protocol } from '../../src/policy/index.js';
import type { FlowEnd } from '../../src/policy/index.js';
import { externalDir, percent } from './external.js';

interface Case { name: string; suite: string; dir?: string; expected?: string; focusConn?: string; skip?: string }

const dir = externalDir('npguard');
if (!dir) {
  process.stdout.write('npguard: no data (set PODNET_EXTERNAL or put the suites in ../shared/external); nothing measured\n');
  process.exit(0);
}
const args = process.argv.slice(2);
const verbose = args.includes('-v');
const only = args.filter((a) => !a.startsWith('-'));
const lenient = !args.includes('--strict');
const cases = (JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as { cases: Case[] }).cases
  .filter((c) => !c.skip && c.dir && c.expected && (only.length === 0 || only.some((o) => c.name.includes(o))));

const PROTOS: Protocol[] = ['SCTP', 'TCP', 'UDP'];
type ConnSet = Map<Protocol, [number, number][]>;

/** np-guard's text (`All Connections`, `SCTP 1-9002,9004-65535,TCP 80`) in a canonical form. */
function canonical(set: ConnSet): string {
  if (PROTOS.every((p) => { const r = set.get(p); return r?.length === 1 && r[0][0] === 1 && r[0][1] === 65535; })) return 'All Connections';
  return PROTOS.filter((p) => (set.get(p)?.length ?? 0) > 0).map((p) => `${p} ${set.get(p)!.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',')}`).join(',') || 'No Connections';
}

function parseConns(text: string): string {
  if (text === 'All Connections') return text;
  const set: ConnSet = new Map();
  let proto: Protocol | undefined;
  for (let part of text.split(',')) {
    const m = /^(TCP|UDP|SCTP) (.*)$/.exec(part);
    if (m) { proto = m[1] as Protocol; part = m[2]; }
    if (!proto) throw new Error(`cannot read connections "${text}"`);
    const [a, b] = part.split('-').map(Number);
    let l = set.get(proto);
    if (!l) set.set(proto, (l = []));
    l.push([a, b ?? a]);
  }
  return canonical(set);
}

/** The connections podnet allows from one end to another: each probe port stands for the interval up to the next. */
function connsBetween(model: PolicyModel, probes: { protocol: Protocol; port: number }[], from: FlowEnd, to: FlowEnd): string {
  const set: ConnSet = new Map();
  probes.forEach((pr, i) => {
    const next = probes[i + 1];
    const end = next && next.protocol === pr.protocol ? next.port - 1 : 65535;
    if (!evaluateFlow(model, from, to, pr.port, pr.protocol).wouldBeAllowed) return;
    let l = set.get(pr.protocol);
    if (!l) set.set(pr.protocol, (l = []));
    const last = l[l.length - 1];
    if (last && last[1] === pr.port - 1) last[1] = end;
    else l.push([pr.port, end]);
  });
  return canonical(set);
}

interface Line { src: string; dst: string; conns: string }

function readExpected(text: string, focus: boolean): Line[] {
  const out: Line[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line.includes(' => ')) continue;
    const [pair, conns] = focus ? [line, 'focus'] : line.split(' : ');
    const [src, dst] = pair.split(' => ');
    out.push({ src, dst, conns: focus ? 'focus' : parseConns(conns) });
  }
  return out;
}

const isWorkload = (name: string) => /^[^[{]+\/[^[]+\[[A-Za-z]+\]$/.test(name);

const WORKLOAD_KINDS = new Set(['ReplicaSet', 'Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'ReplicationController']);

/**
 * np-guard names a pod after its workload owner (`ns/name[Kind]`; an owner reference without kind gives `[Pod]`, a
 * static pod owned by its Node is a Pod of its own); a pod podnet expanded from a workload is named after that workload.
 */
function workloadName(cluster: Cluster, pod: PodObj): string | undefined {
  const ns = pod.metadata.namespace ?? 'default';
  let owner = pod.metadata.ownerReferences?.find((r) => r.controller) ?? pod.metadata.ownerReferences?.[0];
  if (owner && owner.kind && !WORKLOAD_KINDS.has(owner.kind)) owner = undefined;
  let kind = owner?.kind || 'Pod', name = owner?.name ?? pod.metadata.name;
  let top: PodObj = pod;
  for (let hops = 0; owner?.kind && hops < 3; hops++) {
    const parent = cluster.get<PodObj>(owner.kind, ns, owner.name);
    if (parent) top = parent;
    const up = parent?.metadata.ownerReferences?.find((r) => r.controller);
    if (!parent || !up || !cluster.get(up.kind, ns, up.name)) break;
    owner = up; kind = up.kind; name = up.name;
  }
  // podnet's own objects (kube-dns, the Ingress controller it deploys) are not in np-guard's input.
  if (cluster.sourceOf(top)?.file === '<builtin>' || cluster.sourceOf(pod)?.file === '<builtin>') return undefined;
  return `${ns}/${name}[${kind}]`;
}

let pairsAgree = 0, pairsTotal = 0, extAgree = 0, extTotal = 0, hostAgree = 0, hostTotal = 0;
/**
 * np-guard reads a host-network pod as any other pod; podnet, like the CNIs, sees its traffic as its node's
 * (NetworkPolicy does not select it and pod selectors do not match it): such relations are counted apart.
 */
const isHost = (pod: PodObj | undefined) => pod?.spec?.hostNetwork === true;
const report: string[] = [];
for (const c of cases) {
  const lines = readExpected(readFileSync(join(dir, c.expected!), 'utf8'), c.focusConn !== undefined);
  const cluster = Cluster.load({ paths: [join(dir, c.dir!)], lenient });
  const model = compilePolicies(cluster);
  const known = new Set(lines.flatMap((l) => [l.src, l.dst]).filter(isWorkload));
  const byName = new Map<string, PodObj>();
  for (const pod of cluster.pods() as PodObj[]) {
    const name = workloadName(cluster, pod);
    if (name !== undefined && !byName.has(name)) byName.set(name, pod);
  }
  let probes = probePorts(model);
  if (c.focusConn) {
    const [p, n] = c.focusConn.split('-');
    probes = [{ protocol: p.toUpperCase() as Protocol, port: Number(n) }];
  }
  const expected = new Map(lines.filter((l) => isWorkload(l.src) && isWorkload(l.dst)).map((l) => [`${l.src} => ${l.dst}`, l.conns]));
  const missingNames = [...known].filter((n) => !byName.has(n));
  // A workload only one side has: the other side's answer is "no connections" (np-guard lists every workload that has
  // any connection, and with External almost all do).
  const names = [...new Set([...known, ...byName.keys()])].sort();
  let agree = 0, total = 0;
  const misses: string[] = [];
  for (const a of names) for (const b of names) {
    if (a === b) continue;
    const want = expected.get(`${a} => ${b}`) ?? 'No Connections';
    const pa = byName.get(a), pb = byName.get(b);
    let got = pa && pb ? connsBetween(model, probes, podEnd(model, pa), podEnd(model, pb)) : 'No Connections';
    if (c.focusConn) got = got === 'No Connections' ? got : 'focus';
    if (isHost(pa) || isHost(pb)) { hostTotal++; if (got === want) hostAgree++; continue; }
    total++;
    if (got === want) agree++;
    else misses.push(`${a} => ${b}: np-guard ${want}, podnet ${got}`);
  }
  let eAgree = 0, eTotal = 0;
  for (const l of lines) {
    const ext = [l.src, l.dst].find((n) => n.endsWith('[External]'));
    const wl = [l.src, l.dst].find((n) => isWorkload(n));
    if (!ext || !wl || !byName.has(wl)) continue;
    const ip = parseIP(ext.slice(0, ext.indexOf('-')));
    if (!ip) continue;
    const e = ipEnd(model, ip), p = podEnd(model, byName.get(wl)!);
    let got = l.src === ext ? connsBetween(model, probes, e, p) : connsBetween(model, probes, p, e);
    if (c.focusConn) got = got === 'No Connections' ? got : 'focus';
    if (isHost(byName.get(wl))) { hostTotal++; if (got === l.conns) hostAgree++; continue; }
    eTotal++;
    if (got === l.conns) eAgree++;
    else misses.push(`${l.src} => ${l.dst}: np-guard ${l.conns}, podnet ${got}`);
  }
  pairsAgree += agree; pairsTotal += total; extAgree += eAgree; extTotal += eTotal;
  const errors = [...cluster.diagnostics, ...model.diagnostics].filter((d) => d.level === 'error');
  if (agree < total || eAgree < eTotal || missingNames.length > 0 || verbose) {
    report.push(`  ${c.name}: pairs ${agree}/${total}, external ${eAgree}/${eTotal}${missingNames.length ? `; np-guard names podnet lacks: ${missingNames.slice(0, 4).join(', ')}${missingNames.length > 4 ? ` … (${missingNames.length})` : ''}` : ''}${errors.length ? `; ${errors.length} load errors, first: ${errors[0].message}` : ''}`);
    for (const m of verbose ? misses : misses.slice(0, 3)) report.push(`      ${m}`);
    if (!verbose && misses.length > 3) report.push(`      … ${misses.length - 3} more`);
  }
}
process.stdout.write(`np-guard connlist (${cases.length} cases${lenient ? ', loaded leniently as np-guard does' : ''}): ${pairsAgree}/${pairsTotal} workload relations agree (${percent(pairsAgree, pairsTotal)}); External lines ${extAgree}/${extTotal} (${percent(extAgree, extTotal)}); not comparable, with a host-network end: ${hostAgree}/${hostTotal} agree\n`);
for (const r of report) process.stdout.write(r + '\n');
