// `node dist/scripts/peers/istio-analyze.js [-v] [CASE...]`: runs `podnet mesh analyze` (the findings of the mesh
// component) over the cases of Istio's own analyzer tests (istio/istio pkg/config/analysis/analyzers testGrid: input
// files, the defaults Istio loads with each, the expected messages) and prints how many expected messages podnet finds.
// An expected message is found when a finding names the same Istio message code and the same object; a podnet finding
// with one of the codes the case's analyzer can emit, on an object Istio's test finds clean, is a false finding.
// Findings that carry no Istio code are matched through cases.json's mapping (the PN codes measured before). A
// measurement, not a test.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from '../../src/cluster/cluster.js';
import { clusterFindings, type Finding } from '../../src/findings/index.js';
import { percent, suiteRun } from './external.js';

interface Expected { type: string; code: string; origin: string }
interface Case { index: number; name: string; analyzer: string; inputFiles: string[]; meshConfigFile: string | null; expected: Expected[] }
interface MapEntry { podnet: string[]; match?: string }
interface Data {
  source: { defaults: string };
  catalogue: Record<string, { code: string; level: string }>;
  mapping: Record<string, Record<string, MapEntry>>;
  cases: Case[];
  skipped: { index: number; name: string; reason: string; expectedCount: number }[];
}

const { dir, verbose, only } = suiteRun('istio-analyze');
const data = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as Data;
const cases = data.cases.filter((c) => only.length === 0 || only.some((o) => c.name.includes(o) || String(c.index) === o));
const codeOf = (type: string) => data.catalogue[type]?.code ?? type;

/**
 * Which of Istio's analyzers each podnet check corresponds to. Istio's tests run one analyzer per case, while podnet
 * runs every check: a finding counts in a case only when its check belongs to that case's analyzer.
 */
const ANALYZER_OF: Record<string, string[]> = {
  PN5001: ['virtualservice.DestinationHostAnalyzer'], PN5017: ['virtualservice.DestinationHostAnalyzer'], PN5028: ['virtualservice.DestinationHostAnalyzer'],
  PN5002: ['virtualservice.DestinationRuleAnalyzer'],
  PN5003: ['virtualservice.GatewayAnalyzer'], PN5026: ['virtualservice.GatewayAnalyzer'], PN5033: ['virtualservice.GatewayAnalyzer'],
  PN5012: ['virtualservice.ConflictingMeshGatewayHostsAnalyzer'], PN5031: ['virtualservice.JWTClaimRouteAnalyzer'],
  PN5011: ['schema.ValidationAnalyzer.VirtualService'], PN5025: ['schema.ValidationAnalyzer.VirtualService'],
  PN5009: ['destinationrule.PodNotSelectedAnalyzer'], PN5010: ['destinationrule.PodNotSelectedAnalyzer'], PN5018: ['destinationrule.CaCertificateAnalyzer'],
  PN5032: ['gateway.IngressGatewayPortAnalyzer'], PN5036: ['gateway.IngressGatewayPortAnalyzer', 'gateway.ConflictingGatewayAnalyzer'], PN5029: ['gateway.ConflictingGatewayAnalyzer'],
  PN5020: ['injection.Analyzer'], PN5021: ['injection.Analyzer'], PN5024: ['injection.Analyzer'], PN5030: ['injection.Analyzer'],
  PN5022: ['sidecar.SelectorAnalyzer'], PN5023: ['sidecar.SelectorAnalyzer'], PN5034: ['sidecar.SelectorAnalyzer'], PN5037: ['sidecar.SelectorAnalyzer'],
  PN5005: ['authz.AuthorizationPoliciesAnalyzer'], PN5016: ['authz.AuthorizationPoliciesAnalyzer'], PN5038: ['authz.AuthorizationPoliciesAnalyzer'],
  PN5019: ['deprecation.FieldAnalyzer'], PN5027: ['serviceentry.ProtocolAddressesAnalyzer'], PN5035: ['serviceentry.ConflictingServiceEntryProtocolAnalyzer'],
};

/** The Istio message types a finding stands for: its own `istio` field, else the mapping of the case's analyzer. */
function typesOf(f: Finding & { istio?: { code: string; name: string } }, analyzer: string): string[] {
  if (f.istio) return ANALYZER_OF[f.code]?.includes(analyzer) ? [f.istio.name] : [];
  return Object.entries(data.mapping[analyzer] ?? {}).filter(([, m]) => m.podnet.includes(f.code) && (!m.match || new RegExp(m.match).test(f.message))).map(([t]) => t);
}

/** Istio's origin: `Kind ns/name`, or `Kind name` for an object whose file gave no namespace (podnet: default). */
function originMatches(origin: string, f: Finding): boolean {
  const [kind, ref] = origin.split(' ');
  const kindOk = f.object && f.object.kind.split('.')[0] === kind;
  if (!kindOk) return false;
  if (ref.includes('/')) return `${f.object!.namespace}/${f.object!.name}` === ref;
  return f.object!.name === ref && (f.object!.namespace === '' || f.object!.namespace === 'default' || kind === 'Namespace');
}

const tmp = mkdtempSync(join(tmpdir(), 'podnet-istio-'));
let expectedTotal = 0, found = 0, falseTotal = 0, refusedFalse = 0, cleanCases = 0, cleanAgree = 0;
const missed = new Map<string, string[]>();
const falses: string[] = [];
const perCase: string[] = [];
try {
  for (const c of cases) {
    const paths = [join(dir, 'defaults', 'istio-ingressgateway.yaml'), ...c.inputFiles.map((f) => join(dir, f))];
    if (c.meshConfigFile) {
      // istiod reads its MeshConfig from ConfigMap istio-system/istio, key `mesh`.
      const mesh = readFileSync(join(dir, c.meshConfigFile), 'utf8');
      const cm = join(tmp, `mesh-${c.index}.yaml`);
      writeFileSync(cm, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: istio\n  namespace: istio-system\ndata:\n  mesh: |\n${mesh.split('\n').map((l) => `    ${l}`).join('\n')}\n`);
      paths.push(cm);
    }
    const cluster = Cluster.load({ paths, lenient: true });
    const findings = clusterFindings(cluster, { components: ['mesh'], meshInfo: true });
    const analyzerTypes = new Set(Object.keys(data.mapping[c.analyzer] ?? {}));
    const relevant = findings.map((f) => ({ f, types: typesOf(f, c.analyzer).filter((t) => analyzerTypes.has(t)) })).filter((x) => x.types.length > 0);
    const used = new Set<number>();
    let caseFound = 0;
    for (const e of c.expected) {
      expectedTotal++;
      const i = relevant.findIndex((x, j) => !used.has(j) && x.types.includes(e.type) && originMatches(e.origin, x.f));
      if (i >= 0) { used.add(i); found++; caseFound++; continue; }
      const why = relevant.some((x) => x.types.includes(e.type)) ? 'the code is found on other objects only' : findings.some((f) => originMatches(e.origin, f)) ? 'other findings on the object, not this code' : 'no finding on the object';
      const refusedHere = [...new Set(cluster.diagnostics.filter((d) => d.level === 'error' && d.object && ['Service', 'Pod'].includes(d.object.kind) && d.object.name !== 'istio-ingressgateway').map((d) => `${d.object!.kind} ${d.object!.name}`))];
      const key = `${e.code} ${e.type}: ${why}${refusedHere.length ? ` (the case holds objects the API server refuses: ${refusedHere.join(', ')})` : ''}`;
      const l = missed.get(key) ?? [];
      l.push(`${c.name} (#${c.index}): ${e.origin}`);
      missed.set(key, l);
    }
    let caseFalse = 0;
    relevant.forEach((x, j) => {
      if (used.has(j)) return;
      const flagged = c.expected.some((e) => originMatches(e.origin, x.f));
      if (flagged) return; // an extra message on an object Istio also flags: not a false finding on a clean resource
      // The API server refuses some of the suites' objects (a Service with nodePort but no type, protocol HTTP, a Pod
      // without containers); podnet drops them, and a check that reads them then sees them missing.
      const refused = cluster.diagnostics.filter((d) => d.level === 'error' && d.object && ['Service', 'Pod'].includes(d.object.kind)).map((d) => d.object!);
      const byRefused = refused.some((r) => x.f.message.includes(`"${r.name}`) || x.f.message.includes(` ${r.name} `)) || (['PN5032', 'PN5036'].includes(x.f.code) && refused.length > 0) || (x.f.code === 'PN5037' && refused.some((r) => r.kind === 'Pod'));
      if (byRefused) { refusedFalse++; falses.push(`${c.name} (#${c.index}) [an object the check reads is refused: ${[...new Set(refused.map((r) => `${r.kind} ${r.name}`))].join(', ')}]: ${x.f.code} ${x.f.message}`); return; }
      caseFalse++; falseTotal++;
      falses.push(`${c.name} (#${c.index}): ${x.f.code} [${x.types.map(codeOf).join(',')}] ${x.f.message}`);
    });
    if (c.expected.length === 0) { cleanCases++; if (caseFalse === 0) cleanAgree++; }
    perCase.push(`  #${c.index} ${c.name}: ${caseFound}/${c.expected.length} found${caseFalse ? `, ${caseFalse} false` : ''}`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

process.stdout.write(`istio analyzers (${cases.length} cases, ${data.skipped.length} skipped): ${found}/${expectedTotal} expected messages found (${percent(found, expectedTotal)}); false findings on resources Istio finds clean: ${falseTotal} (+${refusedFalse} where the API server refuses an object the check reads); clean cases clean: ${cleanAgree}/${cleanCases}\n`);
if (verbose) for (const l of perCase) process.stdout.write(`${l}\n`);
if (missed.size > 0) {
  process.stdout.write('missed, by reason:\n');
  for (const [key, l] of [...missed].sort((a, b) => b[1].length - a[1].length)) {
    process.stdout.write(`  ${key} (${l.length})\n`);
    for (const x of verbose ? l : l.slice(0, 3)) process.stdout.write(`    ${x}\n`);
    if (!verbose && l.length > 3) process.stdout.write(`    … ${l.length - 3} more\n`);
  }
}
if (falses.length > 0) {
  process.stdout.write(`false findings (${falses.length}):\n`);
  for (const x of verbose ? falses : falses.slice(0, 20)) process.stdout.write(`  ${x}\n`);
}
