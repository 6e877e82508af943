// A live cluster as `podnet verify`'s and `podnet test`'s referee: connections and lookups made by exec in the
// cluster's own pods, through client.ts (the one place that talks to a cluster). Where the exec runs is a target per
// source pod: a container of its own (`ownContainer`: verify's probe pods, `test --probe exec`), or an agnhost
// ephemeral container podnet adds to it (`probeContainers`, as `kubectl debug` does), which shares the pod's network
// namespace — so its connections are the pod's, whatever image the pod runs. A connection is upstream e2e's
// `/agnhost connect HOST:PORT --timeout=1s --protocol=tcp` (one exec per attempt, its exit code and stderr read by
// probe.ts), lookups are one `dig +search NAME A …` per source pod (the agnhost image carries bind-tools' dig), read
// as the kernel referee reads them. The probe pods (probe.ts's plan) are created here, waited for and always deleted with their
// namespace.
import { parseDigs } from '../realize/referee.js';
import { failedObservation, type Observation, type ProbePlan } from '../verify/compare.js';
import type { ConnectFlow, DnsFlow, Flow } from '../verify/flows.js';
import type { Referee } from '../verify/verify.js';
import { ClusterReadError, serverError, statusError, type KubeClient } from './client.js';
import { curlAnswer, curlCommand, HTTP_MAX_TIME_MS, type HttpFlow } from './live-http.js';
import { connectCommand, connectOutcome, probeContainer, PROBE_CONTAINER_SECONDS, type ProbeSetup } from './probe.js';

type Obj = Record<string, any>;

/** Attempts per flow at most: agnhost connect says only the connection's fate, so more than a few add nothing. */
const MAX_ATTEMPTS = 4;
/** Names one dig asks (one exec): a failing exec loses no more than these. */
const NAMES_PER_DIG = 25;
/** How long an exec may take beyond the probe's own timeout (the API server, the kubelet, a loaded node). */
const EXEC_SLACK_MS = 30_000;

/** A container to exec in. */
export interface ExecTarget { namespace: string; pod: string; container: string }
/** Where the flows from a pod (NS/NAME) are run, or why they cannot be. */
export type TargetOf = (pod: string) => Promise<ExecTarget | string>;

export class LiveReferee implements Referee {
  readonly name = 'cluster';
  readonly setup: string;

  constructor(private readonly client: KubeClient, private readonly targetOf: TargetOf, private readonly concurrency = 16) {
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

  /** One `/agnhost connect` per attempt: one for a drop, one per endpoint the model says answers (at most 4). */
  private async connect(flow: ConnectFlow, plan: ProbePlan): Promise<Observation> {
    if (flow.request) return this.request(flow as HttpFlow, plan);
    const n = Math.max(1, Math.min(plan.until.length, plan.minAttempts, MAX_ATTEMPTS));
    const attempts = [];
    try {
      const t = await this.targetOf(flow.from);
      if (typeof t === 'string') return failedObservation(flow, t);
      for (let i = 0; i < n; i++) {
        const r = await this.client.exec(t.namespace, t.pod, t.container, connectCommand(flow.host, flow.port, plan.timeoutMs), plan.timeoutMs + EXEC_SLACK_MS);
        attempts.push(connectOutcome(r.code, r.stderr));
      }
    } catch (e) { return failedObservation(flow, (e as Error).message); }
    return { kind: 'connect', attempts };
  }

  /** A flow that carries an HTTP request: one curl (live-http.ts), its status, Location and first body line. */
  private async request(flow: HttpFlow, plan: ProbePlan): Promise<Observation> {
    try {
      const t = await this.targetOf(flow.from);
      if (typeof t === 'string') return failedObservation(flow, t);
      const r = await this.client.exec(t.namespace, t.pod, t.container, curlCommand(flow, { connectTimeoutMs: plan.timeoutMs }), Math.max(plan.timeoutMs, HTTP_MAX_TIME_MS) + EXEC_SLACK_MS);
      return { kind: 'connect', attempts: [curlAnswer(r.code, r.stdout, r.stderr)] };
    } catch (e) { return failedObservation(flow, (e as Error).message); }
  }

  /** `dig +search` of several names from one pod: one answer block per query, in order (the kernel referee's reading). */
  private async dig(flows: DnsFlow[], plan: ProbePlan): Promise<Observation[]> {
    const seconds = Math.max(1, Math.round(plan.timeoutMs / 1000));
    let r;
    try {
      const t = await this.targetOf(flows[0].from);
      if (typeof t === 'string') return flows.map((f) => failedObservation(f, t));
      r = await this.client.exec(t.namespace, t.pod, t.container, ['dig', '+search', `+time=${seconds}`, '+tries=2', ...flows.flatMap((f) => [f.name, f.type])], flows.length * 2 * seconds * 1000 + EXEC_SLACK_MS);
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

/** Exec in each pod's own default container (`podOf(NS/NAME)`: the pod as the model lists it). */
export function ownContainer(context: string, podOf: (key: string) => Obj | undefined): TargetOf {
  return async (key) => {
    const [namespace, pod] = key.split('/');
    const container = defaultContainer(podOf(key));
    return pod && container ? { namespace, pod, container } : `${key} is not a pod of context "${context}" with a container to exec in`;
  };
}

/**
 * Exec in an agnhost ephemeral container added to each source pod the first time a flow needs it (one per pod, shared
 * by its flows), as `kubectl debug POD --image=… --profile=restricted` adds one: a strategic merge patch of
 * pods/NAME/ephemeralcontainers, then a wait (polling every `pollMs`) until its status says running. `added` hears of
 * each one made; a pod that runs one of an earlier run still (`reusableProbeContainer`) gets none, and `reused` hears
 * of it. A cluster without the subresource, a pod that refuses it, or a container not running after
 * `timeoutMs` is that pod's flows' error, with the reason.
 */
export function probeContainers(client: KubeClient, opts: ProbeContainerOptions): TargetOf {
  const made = new Map<string, Promise<ExecTarget | string>>();
  return (key) => {
    let p = made.get(key);
    if (!p) { p = addProbeContainer(client, key, opts); made.set(key, p); }
    return p;
  };
}

/** How long a reused probe container must still have to run: a run that outlives its container fails. */
const REUSE_MARGIN_SECONDS = 15 * 60;

/**
 * A probe container an earlier run added that runs on for long enough: reused rather than another added, since
 * ephemeral containers cannot be removed and a CI that tests often would pile them up in long-lived pods.
 */
export function reusableProbeContainer(pod: Obj, image: string, nowMs: number): string | undefined {
  const specs = new Map(((pod.spec?.ephemeralContainers ?? []) as Obj[]).map((c) => [c.name, c]));
  for (const st of (pod.status?.ephemeralContainerStatuses ?? []) as Obj[]) {
    const c = specs.get(st.name);
    if (!c || !/^podnet-probe-[0-9a-f]{6}$/.test(String(st.name)) || c.image !== image || c.command?.[0] !== 'sleep' || !st.state?.running) continue;
    const started = Date.parse(st.state.running.startedAt);
    if (Number.isFinite(started) && nowMs - started < (PROBE_CONTAINER_SECONDS - REUSE_MARGIN_SECONDS) * 1000) return String(st.name);
  }
  return undefined;
}

type ProbeContainerOptions = { name: string; image?: string; timeoutMs?: number; pollMs?: number; added?: (t: ExecTarget) => void; reused?: (t: ExecTarget) => void; now?: () => number };

async function addProbeContainer(client: KubeClient, key: string, opts: ProbeContainerOptions): Promise<ExecTarget | string> {
  const [namespace, pod] = key.split('/');
  if (!pod) return `${key} is not a pod`;
  const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}`;
  const container = probeContainer(opts.name, opts.image);
  const current = await client.get(path);
  if (current.status !== 200) return `${serverError(current)} (get pod ${key})`;
  const earlier = reusableProbeContainer(current.body ?? {}, container.image, (opts.now ?? Date.now)());
  if (earlier) {
    const t = { namespace, pod, container: earlier };
    opts.reused?.(t);
    return t;
  }
  const a = await client.send('PATCH', `${path}/ephemeralcontainers`, { spec: { ephemeralContainers: [container] } }, 'application/strategic-merge-patch+json');
  if (a.status === 404 && a.body?.details?.kind !== 'pods') return `cannot add a probe container to ${key}: the cluster does not serve pods/ephemeralcontainers (Kubernetes 1.25 or later does): give --probe exec to exec in the pod's own container`;
  if (a.status !== 200) return `cannot add a probe container to ${key}: ${serverError(a)}${a.status === 403 ? ' (podnet needs to patch pods/ephemeralcontainers there, as kubectl debug does; or give --probe exec)' : ''}`;
  const target = { namespace, pod, container: opts.name };
  opts.added?.(target);
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const end = Date.now() + timeoutMs;
  for (;;) {
    const g = await client.get(path);
    if (g.status !== 200) return `${serverError(g)} (get pod ${key})`;
    const st = ((g.body?.status?.ephemeralContainerStatuses ?? []) as Obj[]).find((c) => c.name === opts.name);
    if (st?.state?.running) return target;
    if (st?.state?.terminated) return `the probe container ${opts.name} in ${key} ended: ${st.state.terminated.reason ?? `exit code ${st.state.terminated.exitCode}`}`;
    if (Date.now() > end) return `the probe container ${opts.name} in ${key} is not running after ${timeoutMs / 1000} s: ${st?.state?.waiting?.reason ?? 'no status yet'}${st?.state?.waiting?.message ? ` (${st.state.waiting.message})` : ''}`;
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 500));
  }
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
async function createProbeNamespace(client: KubeClient, setup: ProbeSetup): Promise<void> {
  await created(client, '/api/v1/namespaces', setup.namespace);
}

/**
 * Creates the probe pods in their namespace, then waits (polling every 500 ms, as `kubectl wait` would watch) until
 * every pod is Running with an IP. A pod that fails, or a wait past `timeoutMs`, rejects naming each pod's state.
 */
async function createProbes(client: KubeClient, setup: ProbeSetup, { timeoutMs = 120_000, pollMs = 500 } = {}): Promise<Obj[]> {
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

/**
 * A command's probe namespace (`who`: verify, test) from creation to deletion: `create` makes the namespace and its
 * pods and waits until they run; `remove` deletes it once, however often it is called (a signal and `finally`), and
 * only if podnet made it — a signal while it is being created waits for the answer, then deletes. Said on `say`.
 */
export function probeNamespace(client: KubeClient, setup: ProbeSetup, who: string, say: (line: string) => void) {
  const name = setup.namespace.metadata.name as string;
  let owned: Promise<boolean> = Promise.resolve(false);
  let removing: Promise<void> | undefined;
  return {
    name,
    async create(podTimeoutMs: number): Promise<Obj[]> {
      const making = createProbeNamespace(client, setup);
      owned = making.then(() => true);
      await making;
      return createProbes(client, setup, { timeoutMs: podTimeoutMs });
    },
    remove: (): Promise<void> => (removing ??= (async () => {
      if (!(await owned.catch(() => false))) return;
      try { await deleteProbes(client, name); say(`${who}: namespace ${name} deleted`); } catch (e) { say(`error: the probe namespace ${name} could not be deleted (delete it with kubectl delete namespace ${name}): ${(e as Error).message}`); }
    })()),
  };
}

/** Deletes the probe namespace (and with it its pods); a namespace already gone is fine. */
async function deleteProbes(client: KubeClient, namespace: string): Promise<void> {
  const a = await client.send('DELETE', `/api/v1/namespaces/${encodeURIComponent(namespace)}`, { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background', gracePeriodSeconds: 0 });
  if (a.status !== 200 && a.status !== 202 && a.status !== 404) throw new ClusterReadError(`${serverError(a)} (delete namespace ${namespace})`);
}
