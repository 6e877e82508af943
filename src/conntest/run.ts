// Runs a spec's expectations through a referee and judges each observation: passed or not, what was expected and what
// happened, the rule that decided and the trace behind it.
import type { SourceRef } from '../api/types.js';
import { NOT_OBSERVABLE, type Observation, type PairObservation, type Referee } from './referee.js';
import type { ConnectivityTestSpec, Expectation } from './spec.js';

export interface Outcome {
  /** `SPEC/EXPECTATION`. */
  suite: string;
  name: string;
  type: Expectation['type'];
  passed: boolean;
  expected: string;
  actual: string;
  /** The rule(s) that decided, in the component's words. */
  decidedBy: string[];
  trace: string[];
  source: SourceRef;
  /** The expectation could not be evaluated (unknown pod, bad URL...): it fails with this message. */
  error?: string;
  referee: string;
  ms: number;
}

export interface RunResult { referee: string; outcomes: Outcome[]; passed: number; failed: number }

/** At most this many offending pairs are named in one failure. */
const SHOWN_PAIRS = 5;

export async function runSpecs(specs: readonly ConnectivityTestSpec[], referee: Referee, now: () => number = () => performance.now()): Promise<RunResult> {
  const outcomes: Outcome[] = [];
  for (const spec of specs) {
    for (const e of spec.expectations) {
      const t0 = now();
      const base = { suite: spec.name, name: e.name, type: e.type, source: e.source, referee: referee.name, expected: expectedText(e) };
      try {
        const obs = await referee.observe(e);
        outcomes.push({ ...base, ...judge(e, obs), ms: now() - t0 });
      } catch (err) {
        outcomes.push({ ...base, passed: false, actual: 'error', decidedBy: [], trace: [], error: (err as Error).message, ms: now() - t0 });
      }
    }
  }
  const passed = outcomes.filter((o) => o.passed).length;
  return { referee: referee.name, outcomes, passed, failed: outcomes.length - passed };
}

export function expectedText(e: Expectation): string {
  switch (e.type) {
    case 'connectivity': return e.expect;
    case 'dns': return [e.expect.rcode, e.expect.records ? `records [${[...e.expect.records].sort().join(', ')}]` : undefined].filter(Boolean).join(', ');
    case 'route': return fields(e.expect);
    case 'mesh': return fields(e.expect);
  }
}

const fields = (o: Record<string, unknown>) => Object.entries(o).filter(([, v]) => v !== undefined).map(([k, v]) => `${k} ${v}`).join(', ');
const pairText = (p: PairObservation) => `${p.from} → ${p.to}${p.port ? ` ${p.port}/${p.protocol}` : ''}`;

function judge(e: Expectation, o: Observation): Pick<Outcome, 'passed' | 'actual' | 'decidedBy' | 'trace'> {
  if (e.type === 'connectivity' && o.type === 'connectivity') {
    const want = e.expect === 'allow';
    const wrong = o.pairs.filter((p) => p.allowed !== want);
    const allowed = o.pairs.filter((p) => p.allowed).length;
    const actual = allowed === o.pairs.length ? 'allow' : allowed === 0 ? 'deny' : `allow on ${allowed} of ${o.pairs.length} connections`;
    const shown = (wrong.length > 0 ? wrong : o.pairs).slice(0, SHOWN_PAIRS);
    const decidedBy = shown.map((p) => `${pairText(p)}: ${p.decidedBy}${p.rules.length ? ` [${p.rules.join(', ')}]` : ''}`);
    if (wrong.length > SHOWN_PAIRS) decidedBy.push(`and ${wrong.length - SHOWN_PAIRS} more connections`);
    if (o.note) decidedBy.push(o.note);
    return { passed: o.pairs.length > 0 && wrong.length === 0, actual: o.pairs.length === 0 ? 'no connection to check' : actual, decidedBy, trace: o.trace };
  }
  if (e.type === 'dns' && o.type === 'dns') {
    const records = [...(e.expect.records ?? [])].sort();
    const rcodeOk = e.expect.rcode === undefined ? (e.expect.records === undefined || o.rcode === 'NOERROR') : e.expect.rcode === o.rcode;
    const recordsOk = e.expect.records === undefined || JSON.stringify(records) === JSON.stringify(o.records);
    return { passed: rcodeOk && recordsOk, actual: `${o.rcode}, records [${o.records.join(', ')}]`, decidedBy: [o.decidedBy], trace: o.trace };
  }
  if (e.type === 'route' && o.type === 'route') {
    const x = e.expect;
    const unseen = new Set(o.unobserved);
    const backendOk = x.backend === undefined || (!unseen.has('backend') && sameBackend(x.backend, o.backend));
    const ok = backendOk && (x.status === undefined || x.status === o.status) && (x.redirect === undefined || x.redirect === o.redirect);
    return { passed: ok, actual: fields({ backend: unseen.has('backend') ? NOT_OBSERVABLE : o.backend ?? 'none', status: o.status, redirect: o.redirect }), decidedBy: [o.decidedBy], trace: o.trace };
  }
  if (e.type === 'mesh' && o.type === 'mesh') {
    const x = e.expect;
    const unseen = new Set(o.unobserved);
    const norm = (s?: string) => s?.replace(/^spiffe:\/\//, '');
    const ok = (x.verdict === undefined || (x.verdict === 'allow') === o.allowed) && (x.authz === undefined || (!unseen.has('authz') && (x.authz === 'allow') === o.authz))
      && (x.identity === undefined || (!unseen.has('identity') && norm(x.identity) === norm(o.identity))) && (x.status === undefined || x.status === o.status);
    const actual = fields({ verdict: o.allowed ? 'allow' : 'deny', authz: unseen.has('authz') ? NOT_OBSERVABLE : o.authz ? 'allow' : 'deny', identity: unseen.has('identity') ? NOT_OBSERVABLE : o.identity ?? 'none', status: o.status });
    return { passed: ok, actual, decidedBy: [o.decidedBy], trace: o.trace };
  }
  throw new Error(`referee answered a ${o.type} observation for a ${e.type} expectation`);
}

/** `production/backend:8080` matches `production/backend:8080`, `production/backend` and `backend`. */
function sameBackend(want: string, got: string | undefined): boolean {
  if (!got) return want === 'none';
  if (want === got) return true;
  const [nsName] = got.split(':');
  return want === nsName || want === nsName.split('/')[1];
}
