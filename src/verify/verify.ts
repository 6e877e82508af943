// `podnet verify`: every flow's model answer against a referee's observation. The referee is anything that can make a
// flow happen and say what happened — the kernel realisation (src/realize/referee.ts), later a live cluster — behind
// one method, `probe(flow, plan)`; enumeration (flows.ts), expectation (expect.ts) and comparison (compare.ts) know
// nothing of it. Flows are probed in parallel, a bounded number at a time.
import type { Cluster } from '../cluster/cluster.js';
import { compare, failedObservation, planFor, DEFAULT_TIMEOUT_MS, type Disagreement, type Observation, type ProbePlan } from './compare.js';
import { expectFlow, type Expectation, type ModelContext } from './expect.js';
import type { Flow } from './flows.js';

export interface Referee {
  /** What answers, for people: `kernel`, `cluster kind-kind`. */
  readonly name: string;
  /** A few words on how it is set up, for the summary: `calico/iptables`. */
  readonly setup: string;
  probe(flow: Flow, plan: ProbePlan): Promise<Observation>;
  /** Many flows at once, when the referee can batch them (one process per source): used instead of `probe`. */
  probeAll?(items: readonly { flow: Flow; plan: ProbePlan }[]): Promise<Observation[]>;
}

export interface FlowResult {
  flow: Flow;
  status: 'agree' | 'disagree' | 'skipped';
  expected: Expectation;
  observed?: Observation;
  disagreements: Disagreement[];
}

export interface VerifyReport {
  referee: string;
  setup: string;
  nodes: number;
  pods: number;
  flows: number;
  agree: number;
  disagree: number;
  skipped: number;
  /** Flows asked a second time because the first answer disagreed. */
  reprobed: number;
  ms: number;
  results: FlowResult[];
}

export interface VerifyOptions {
  /** Flows probed at once (for a referee without `probeAll`). */
  concurrency?: number;
  timeoutMs?: number;
  /** How long a flow the model says gets no answer waits (default: timeoutMs); see planFor. */
  dropTimeoutMs?: number;
}

export async function verifyFlows(ctx: ModelContext, referee: Referee, flows: readonly Flow[], opts: VerifyOptions = {}): Promise<VerifyReport> {
  const t0 = performance.now();
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const expected = flows.map((f) => expectFlow(ctx, f));
  const asked = flows.flatMap((flow, i) => { const e = expected[i]; return e.kind === 'skip' ? [] : [{ flow, plan: planFor(e, timeoutMs, opts.dropTimeoutMs ?? timeoutMs), index: i }]; });
  const observed: (Observation | undefined)[] = new Array(flows.length);
  const failed = (flow: Flow, e: unknown): Observation => failedObservation(flow, (e as Error).message);
  if (referee.probeAll) {
    try {
      const obs = await referee.probeAll(asked);
      asked.forEach((a, k) => { observed[a.index] = obs[k]; });
    } catch (e) { for (const a of asked) observed[a.index] = failed(a.flow, e); }
  } else {
    let next = 0;
    const worker = async () => {
      while (next < asked.length) {
        const a = asked[next++];
        try { observed[a.index] = await referee.probe(a.flow, a.plan); } catch (e) { observed[a.index] = failed(a.flow, e); }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 8, asked.length)) }, worker));
  }
  const judge = (i: number): FlowResult => {
    const flow = flows[i];
    const e = expected[i];
    const o = observed[i];
    if (e.kind === 'skip' || !o) return { flow, status: 'skipped', expected: e, disagreements: [] };
    const disagreements = compare(e, o, { identify: flow.kind === 'connect' ? flow.identify : undefined });
    return { flow, status: disagreements.length ? 'disagree' : 'agree', expected: e, observed: o, disagreements };
  };
  const results = flows.map((_, i) => judge(i));
  // A disagreeing flow is asked once more, alone: many flows at once on a loaded machine can lose an ICMP error to
  // the kernel's (host-wide) ICMP rate limit or an answer to a busy event loop. Only a repeated disagreement counts.
  let reprobed = 0;
  for (const a of asked) {
    if (results[a.index].status !== 'disagree') continue;
    reprobed++;
    try { observed[a.index] = await referee.probe(a.flow, a.plan); } catch (e) { observed[a.index] = failed(a.flow, e); }
    results[a.index] = judge(a.index);
  }
  const count = (s: FlowResult['status']) => results.filter((r) => r.status === s).length;
  return { referee: referee.name, setup: referee.setup, nodes: ctx.cluster.nodes.length, pods: runningPods(ctx.cluster), flows: results.length - count('skipped'), agree: count('agree'), disagree: count('disagree'), skipped: count('skipped'), reprobed, ms: performance.now() - t0, results };
}

function runningPods(cluster: Cluster): number {
  return (cluster.pods() as { status?: { podIP?: string; phase?: string } }[]).filter((p) => p.status?.podIP && p.status.phase !== 'Succeeded' && p.status.phase !== 'Failed').length;
}

function target(f: Flow): string {
  if (f.kind === 'dns') return `dig ${f.name} ${f.type}`;
  if (f.request) return `${f.request.scheme}://${f.request.host}${f.request.path} at ${f.host}:${f.port} (${f.service})`;
  return `${f.host}:${f.port}/${f.protocol}${f.service ? ` (${f.via} of ${f.service})` : ''}`;
}

/** One line per disagreement: the flow, what differs, both answers and the model's trace. */
export function disagreementLines(report: VerifyReport): string[] {
  const out: string[] = [];
  for (const r of report.results) {
    if (r.status !== 'disagree') continue;
    const trace = r.expected.kind === 'skip' ? '' : r.expected.trace;
    for (const d of r.disagreements) out.push(`DISAGREE ${r.flow.from} -> ${target(r.flow)}: ${d.aspect}: model ${d.model}; ${report.referee} ${d.referee}; trace: ${trace}`);
  }
  return out;
}

/** `verify: 412/412 flows agree (kernel calico/iptables, 3 nodes, 24 pods)` */
export function summaryLine(report: VerifyReport): string {
  return `verify: ${report.agree}/${report.flows} flows agree (${report.referee} ${report.setup}, ${report.nodes} nodes, ${report.pods} pods)`;
}

export function formatReport(report: VerifyReport): string {
  const lines = disagreementLines(report);
  const skipped = report.results.filter((r) => r.status === 'skipped');
  if (skipped.length) {
    const why = new Map<string, number>();
    for (const r of skipped) if (r.expected.kind === 'skip') why.set(r.expected.reason, (why.get(r.expected.reason) ?? 0) + 1);
    for (const [reason, n] of why) lines.push(`not verified: ${n} flow(s): ${reason}`);
  }
  lines.push(summaryLine(report));
  return lines.join('\n') + '\n';
}

/** The JSON contract of `podnet verify -o json` (README): the counts, then every flow with both answers. */
export function reportJson(report: VerifyReport) {
  return {
    referee: report.referee, setup: report.setup, nodes: report.nodes, pods: report.pods,
    flows: report.flows, agree: report.agree, disagree: report.disagree, skipped: report.skipped, reprobed: report.reprobed,
    seconds: Number((report.ms / 1000).toFixed(3)), flowsPerSecond: Number((report.flows / Math.max(report.ms / 1000, 1e-3)).toFixed(1)),
    summary: summaryLine(report),
    results: report.results.map((r) => ({
      id: r.flow.id, family: r.flow.family, kind: r.flow.kind, from: r.flow.from, to: target(r.flow),
      ...(r.flow.kind === 'connect' && r.flow.service ? { service: r.flow.service, via: r.flow.via } : {}),
      status: r.status,
      model: r.expected,
      ...(r.observed ? { observed: r.observed } : {}),
      disagreements: r.disagreements,
    })),
  };
}
