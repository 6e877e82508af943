// A live cluster as `podnet verify`'s and `podnet test`'s referee: connections and lookups made by exec in the
// cluster's own pods, through client.ts (the one place that talks to a cluster). A connection is upstream e2e's
// `/agnhost connect HOST:PORT --timeout=1s --protocol=tcp` (one exec per attempt, its exit code and stderr read by
// probe.ts), lookups are one `dig +search NAME A …` per source pod (the agnhost image carries bind-tools' dig), read
// as the kernel referee reads them. The probe pods (probe.ts's plan) are created here, waited for and always deleted with their
// namespace.
import { parseDigs } from '../realize/referee.js';
import { failedObservation, type Observation, type ProbePlan } from '../verify/compare.js';
import type { ConnectFlow, DnsFlow, Flow } from '../verify/flows.js';
import type { Referee } from '../verify/verify.js';
import { ClusterReadError, serverError, statusError, type KubeClient } from './client.js';
import { connectCommand, connectOutcome, type ProbeSetup } from './probe.js';

type Obj = Record<string, any>;

/** Attempts per flow at most: agnhost connect says only the connection's fate, so more than a few add nothing. */
const MAX_ATTEMPTS = 4;
/** Names one dig asks (one exec): a failing exec loses no more than these. */
const NAMES_PER_DIG = 25;
/** How long an exec may take beyond the probe's own timeout (the API server, the kubelet, a loaded node). */
const EXEC_SLACK_MS = 30_000;

export class LiveReferee implements Referee {
  readonly name = 'cluster';
  readonly setup: string;

  /** `containerOf(NS/NAME)`: the container to exec in (kubectl's default: the annotated or the first one). */
  constructor(private readonly client: KubeClient, private readonly containerOf: (pod: string) => string | undefined, private readonly concurrency = 16) {
    this.setup = client.context;
  }

  async probe(flow: Flow, plan: ProbePlan): Promise<Observation> {
    return (await this.probeAll([{ flow, plan }]))[0];
  }

  /** Connections one exec each, a bounded number at once; a pod's lookups in one dig (a query after another). */
  async probeAll(items: readonly { flow: Flow; plan: ProbePlan }[]): Promise<Observation[]> {
    const out: Observation[] = new Array(items.length);
    const jobs: (() => Promise<void>)[] = [];
    const digs = new Map<string, number[]>();
    items.forEach(({ flow }, i) => {
      if (flow.kind === 'connect') jobs.push(async () => { out[i] = await this.connect(flow, items[i].plan); });
      else digs.set(flow.from, [...(digs.get(flow.from) ?? []), i]);
    });
    for (const [, indexes] of digs) {
      for (let k = 0; k < indexes.length; k += NAMES_PER_DIG) {
        const chunk = indexes.slice(k, k + NAMES_PER_DIG);
        jobs.push(async () => { const obs = await this.dig(chunk.map((i) => items[i].flow as DnsFlow), items[chunk[0]].plan); chunk.forEach((i, j) => { out[i] = obs[j]; }); });
      }
    }
    let next = 0;
    const worker = async () => { while (next < jobs.length) await jobs[next++](); };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, jobs.length) }, worker));
    return out;
  }

  private target(flow: Flow): { ns: string; name: string; container: string } | string {
    const [ns, name] = flow.from.split('/');
    const container = this.containerOf(flow.from);
    return name && container ? { ns, name, container } : `${flow.from} is not a pod of context "${this.client.context}" with a container to exec in`;
  }

  /** One `/agnhost connect` per attempt: one for a drop, one per endpoint the model says answers (at most 4). */
  private async connect(flow: ConnectFlow, plan: ProbePlan): Promise<Observation> {
    const t = this.target(flow);
    if (typeof t === 'string') return failedObservation(flow, t);
    const n = Math.max(1, Math.min(plan.until.length, plan.minAttempts, MAX_ATTEMPTS));
    const attempts = [];
    try {
      for (let i = 0; i < n; i++) {
        const r = await this.client.exec(t.ns, t.name, t.container, connectCommand(flow.host, flow.port, plan.timeoutMs), plan.timeoutMs + EXEC_SLACK_MS);
        attempts.push(connectOutcome(r.code, r.stderr));
      }
    } catch (e) { return failedObservation(flow, (e as Error).message); }
    return { kind: 'connect', attempts };
  }

  /** `dig +search` of several names from one pod: one answer block per query, in order (the kernel referee's reading). */
  private async dig(flows: DnsFlow[], plan: ProbePlan): Promise<Observation[]> {
    const t = this.target(flows[0]);
    if (typeof t === 'string') return flows.map((f) => failedObservation(f, t));
    const seconds = Math.max(1, Math.round(plan.timeoutMs / 1000));
    let r;
    try {
      r = await this.client.exec(t.ns, t.name, t.container, ['dig', '+search', `+time=${seconds}`, '+tries=2', ...flows.flatMap((f) => [f.name, f.type])], flows.length * 2 * seconds * 1000 + EXEC_SLACK_MS);
    } catch (e) { return flows.map((f) => failedObservation(f, (e as Error).message)); }
    const answers = parseDigs(r.stdout);
    return flows.map((f, i) => (answers.length === flows.length ? answers[i] : failedObservation(f, `dig in ${f.from} gave ${answers.length} answers to ${flows.length} queries (exit ${r.code}: ${lastLine(r.stderr || r.stdout)})`)));
  }
}

const lastLine = (s: string) => s.trim().split('\n').pop() ?? '';

/** The container kubectl exec picks: `kubectl.kubernetes.io/default-container`, else the first. */
export function defaultContainer(pod: Obj | undefined): string | undefined {
  const names = ((pod?.spec?.containers ?? []) as Obj[]).map((c) => String(c.name));
  const annotated = pod?.metadata?.annotations?.['kubectl.kubernetes.io/default-container'];
  return annotated && names.includes(annotated) ? annotated : names[0];
}

async function created(client: KubeClient, path: string, object: Obj): Promise<void> {
  const a = await client.send('POST', path, object);
  if (a.status !== 201 && a.status !== 200) throw statusError(a, `create ${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`);
}

/** Why a pod is not running yet, as `kubectl get pods` shows it (a waiting reason such as ImagePullBackOff). */
function podState(p: Obj): string {
  const waiting = (p.status?.containerStatuses ?? []).map((c: Obj) => c.state?.waiting?.reason).find(Boolean);
  return `${p.metadata?.name}: ${waiting ?? p.status?.phase ?? 'Pending'}${p.status?.podIP ? '' : ', no IP yet'}`;
}

/** Creates the probe namespace: once this resolves, the namespace is podnet's to delete (a name taken is not). */
export async function createProbeNamespace(client: KubeClient, setup: ProbeSetup): Promise<void> {
  await created(client, '/api/v1/namespaces', setup.namespace);
}

/**
 * Creates the probe pods in their namespace, then waits (polling every 500 ms, as `kubectl wait` would watch) until
 * every pod is Running with an IP. A pod that fails, or a wait past `timeoutMs`, rejects naming each pod's state.
 */
export async function createProbes(client: KubeClient, setup: ProbeSetup, { timeoutMs = 120_000, pollMs = 500 } = {}): Promise<Obj[]> {
  const ns = setup.namespace.metadata.name as string;
  await Promise.all(setup.pods.map((pod) => created(client, `/api/v1/namespaces/${ns}/pods`, pod)));
  const end = Date.now() + timeoutMs;
  for (;;) {
    const a = await client.get(`/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent('app.kubernetes.io/managed-by=podnet')}`);
    if (a.status !== 200) throw new ClusterReadError(`${serverError(a)} (list pods in ${ns})`);
    const pods = (a.body?.items ?? []) as Obj[];
    const failed = pods.filter((p) => p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded');
    if (failed.length) throw new ClusterReadError(`probe pods ended: ${failed.map(podState).join('; ')}`);
    if (pods.length === setup.pods.length && pods.every((p) => p.status?.phase === 'Running' && p.status?.podIP)) return pods;
    if (Date.now() > end) throw new ClusterReadError(`probe pods not Running with an IP after ${timeoutMs / 1000} s: ${pods.map(podState).join('; ') || 'none listed'}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Deletes the probe namespace (and with it its pods); a namespace already gone is fine. */
export async function deleteProbes(client: KubeClient, namespace: string): Promise<void> {
  const a = await client.send('DELETE', `/api/v1/namespaces/${encodeURIComponent(namespace)}`, { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background', gracePeriodSeconds: 0 });
  if (a.status !== 200 && a.status !== 202 && a.status !== 404) throw new ClusterReadError(`${serverError(a)} (delete namespace ${namespace})`);
}
