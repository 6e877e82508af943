// The kernel as a referee of ConnectivityTest expectations: the model names the connections an expectation stands for
// (which pods, which port on each after a Service's DNAT), then each is opened for real from the source pod's network
// namespace in the realised lab (src/realize, as `podnet verify --kernel` probes), and the kernel's outcome decides.
// DNS lookups are `dig` in the pod's namespace. Route expectations are real HTTP requests from the lab's outside client
// through the edge proxy in the controller pod (kernel-routes.ts). A UDP expectation is a datagram the pod's agent
// echoes (or its DNS server answers). A `via` URL is the source's own lookup, then a connection to the answer. Mesh
// requests are not realised in the kernel: such expectations fail with that said, to be run against the model. The same referee over a live cluster (`podnet test --context`,
// src/kube/live-referee.ts) execs in the spec's own source pods: connections and lookups, mesh requests with curl
// from the source pod (its sidecar captures them: live-mesh.ts), and routes with curl from a probe pod to the entry
// point's ClusterIP (kernel-routes.ts).
import { isIP } from 'node:net';
import { joinHostPort } from '../util/text.js';
import type { Observation as ProbeObservation, ProbePlan } from '../verify/compare.js';
import type { ConnectFlow, DnsFlow } from '../verify/flows.js';
import type { Referee as ProbeReferee } from '../verify/verify.js';
import type { Cluster } from '../cluster/cluster.js';
import { podIPOf, resolvePodReference } from '../cluster/refs.js';
import { defaultComponents } from '../trace/components.js';
import { DEFAULT_EXTERNAL_CLIENT, parseTarget, trace } from '../trace/trace.js';
import { routeObservation, routeProbe } from './kernel-routes.js';
import { meshObservation, meshProbe } from './live-mesh.js';
import { modelReferee, RefereeError, type Observation, type PairObservation, type Referee } from './referee.js';
import type { ConnectivityExpectation } from './spec.js';

/** The most connections one expectation may open in the kernel. */
export const MAX_KERNEL_PROBES = 2000;
const PLAN: ProbePlan = { minAttempts: 1, maxAttempts: 1, until: [], timeoutMs: 1000 };

/** How a probing referee names itself and what it cannot do, in its messages. */
interface Words {
  /** `kernel`, `cluster`: the first word of its decisions. */
  who: string;
  name: (setup: string) => string;
  /** Why mesh requests are not answered (absent: they are sent from the source pod). */
  noMesh?: string;
  /** Where a lookup ran, for `decidedBy`. */
  digIn: (pod: string) => string;
  /** Whether `from: external` can be made (the kernel lab's outside client). */
  outside: boolean;
  /**
   * Where route expectations are sent from: the kernel lab's outside client to the entry point's LoadBalancer or
   * NodePort (`outside`), or a probe pod to its ClusterIP (`inside`, where an answer may not name the pod that served it).
   */
  routes: 'outside' | 'inside';
  /** Whether UDP expectations are sent as datagrams the pods' agents echo. */
  datagrams?: boolean;
}

const KERNEL: Words = {
  who: 'kernel', name: (setup) => `kernel (${setup})`,
  noMesh: 'the realised namespaces carry no mesh proxies',
  digIn: (pod) => `dig in ${pod}'s namespace`, outside: true, routes: 'outside', datagrams: true,
};

/**
 * A live cluster (`podnet test --context`): connections, lookups and mesh requests by exec in the spec's own source
 * pods, routes from a probe pod; no client outside the cluster.
 */
const CLUSTER: Words = {
  who: 'cluster', name: (setup) => `cluster (${setup})`,
  digIn: (pod) => `dig by exec in ${pod}`, outside: false, routes: 'inside',
};

/**
 * `podnet test --context`: the spec judged by a live cluster (src/kube/live-referee.ts) through exec in its pods;
 * `routeClient` is the probe pod (NS/NAME) route requests are sent from.
 */
export function clusterReferee(cluster: Cluster, live: ProbeReferee, plan: ProbePlan = PLAN, { routeClient }: { routeClient?: string } = {}): Referee {
  return probingReferee(cluster, live, plan, CLUSTER, routeClient);
}

export function kernelReferee(cluster: Cluster, kernel: ProbeReferee, plan: ProbePlan = PLAN): Referee {
  return probingReferee(cluster, kernel, plan, KERNEL, 'external');
}

function probingReferee(cluster: Cluster, kernel: ProbeReferee, plan: ProbePlan, w: Words, routeClient: string | undefined): Referee {
  const model = modelReferee(cluster);
  return {
    name: w.name(kernel.setup),
    async observe(e) {
      if (e.type === 'route') {
        if (!routeClient) throw new RefereeError(`the ${w.who} referee has no probe pod to send the request from`);
        const p = routeProbe(cluster, e, routeClient, w.who);
        const [o] = await probe([p.flow]);
        return routeObservation(p, o.kind === 'connect' ? o.attempts[0] : undefined, w.who, w.routes === 'outside' ? 'none' : 'unobserved');
      }
      if (e.type === 'mesh') {
        if (w.noMesh) throw new RefereeError(`the ${w.who} referee does not answer mesh expectations (${w.noMesh}): run them against the model`);
        const flow = meshProbe(cluster, e, w.who);
        let trace: string[] = [];
        // The model's view is shown beside the answer; a request the model cannot evaluate is still sent.
        try { const m = await model.observe(e); if (m.type === 'mesh') trace = [`the model: ${m.allowed ? 'allow' : 'deny'}: ${m.decidedBy}`, ...m.trace]; } catch { trace = []; }
        const [o] = await probe([flow]);
        unobserved([flow], [o]);
        return meshObservation(o.kind === 'connect' ? o.attempts[0] : undefined, w.who, trace);
      }
      if (e.type === 'connectivity' && e.via !== undefined) return followVia(e, e.via);
      if (e.type === 'dns') {
        if (!e.from) throw new RefereeError(`the ${w.who} referee looks names up from a pod: give dns.from`);
        if (e.qtype !== 'A') throw new RefereeError(`the ${w.who} referee asks for A records only, not ${e.qtype}`);
        const m = await model.observe(e);
        const from = resolvePodReference(cluster, e.from);
        const flow: DnsFlow = { kind: 'dns', id: `${from} dns ${e.qname}`, family: 'dns', from, name: e.qname, type: 'A' };
        const [o] = await probe([flow]);
        if (o.kind !== 'dns') throw new Error(`the ${w.who} answered a connection for a lookup`);
        return { type: 'dns', rcode: o.rcode, records: [...o.answers].sort(), decidedBy: `${w.who}: ${w.digIn(from)}: ${o.rcode}${o.detail ? ` (${o.detail})` : ''}`, trace: m.type === 'dns' ? ['the model\'s resolution:', ...m.trace] : [] };
      }
      const m = await model.observe(e);
      if (m.type !== 'connectivity') throw new Error('the model answered another kind of observation');
      const protocol = checkedProtocol(e);
      if (m.pairs.length > MAX_KERNEL_PROBES) throw new RefereeError(`${m.pairs.length} connections are more than the ${MAX_KERNEL_PROBES} the ${w.who} referee opens for one expectation: narrow the selection`);
      const flows: ConnectFlow[] = m.pairs.map((p) => {
        const from = sourceOf(p.from);
        const host = p.to.includes('/') ? podIPOf(cluster, p.to) : p.to;
        if (!host) throw new RefereeError(`${p.to} has no IP`);
        return connectFlow(from, host, p.port, protocol);
      });
      const seen = await probe(flows);
      unobserved(flows, seen);
      const pairs: PairObservation[] = m.pairs.map((p, i) => ({ ...p, allowed: connected(seen[i]), decidedBy: `${w.who}: ${connectWords(seen[i], protocol)}; the model: ${p.decidedBy}` }));
      return { type: 'connectivity', pairs, trace: m.trace.length ? ['the model\'s trace:', ...m.trace] : [] } satisfies Observation;
    },
  };

  function checkedProtocol(e: ConnectivityExpectation): 'TCP' | 'UDP' {
    const protocol = e.protocol ?? 'TCP';
    if (protocol !== 'TCP' && !(protocol === 'UDP' && w.datagrams)) throw new RefereeError(`the ${w.who} referee ${w.datagrams ? 'sends TCP connections and UDP datagrams' : 'opens TCP connections'} only, not ${protocol}`);
    return protocol;
  }

  /** Where a pair's connection is made from: the source pod, or the kernel lab's outside client. */
  function sourceOf(from: string): string {
    if (from.includes('/')) return from;
    // A traced pair (`via`) names its outside client as the trace does.
    if (from.startsWith('external:')) return sourceOf(from.slice('external:'.length));
    if (from !== DEFAULT_EXTERNAL_CLIENT) throw new RefereeError(`the kernel's outside client is ${DEFAULT_EXTERNAL_CLIENT}: write from: external, not ${from}`);
    if (!w.outside) throw new RefereeError(`not verified live: the ${w.who} referee has no client outside the cluster (from: ${from}): run it against the model or --kernel`);
    return 'external';
  }

  function connectFlow(from: string, host: string, port: number, protocol: 'TCP' | 'UDP'): ConnectFlow {
    return { kind: 'connect', id: `${from} -> ${host}:${port}/${protocol}`, family: from === 'external' ? 'external' : 'pod-pair', from, host, port, protocol, identify: false };
  }

  /**
   * A probe that could not be made (no probe container, no agnhost or curl in the image, an exec refused) says
   * nothing of the network: the expectation fails with why, rather than a connection not made counting as denied.
   */
  function unobserved(flows: readonly (ConnectFlow | DnsFlow)[], seen: readonly ProbeObservation[]): void {
    const failed = seen.flatMap((o, i) => {
      const detail = o.kind === 'connect' ? (o.attempts.length === 0 ? 'no attempt' : o.attempts[0].outcome === 'error' ? o.attempts[0].detail ?? 'error' : undefined) : o.rcode === 'ERROR' ? o.detail ?? 'error' : undefined;
      return detail === undefined ? [] : [{ flow: flows[i], detail }];
    });
    if (!failed.length) return;
    const [{ flow, detail }] = failed;
    const what = flow.kind === 'dns' ? `look ${flow.name} up from ${flow.from}` : `probe ${flow.from} → ${joinHostPort(flow.host, flow.port)}`;
    throw new RefereeError(`the ${w.who} referee could not ${what}: ${detail}${failed.length > 1 ? ` (and ${failed.length - 1} more probes)` : ''}`);
  }

  function connected(o: ProbeObservation): boolean { return o.kind === 'connect' && o.attempts[0]?.outcome === 'allowed'; }

  function connectWords(o: ProbeObservation, protocol: 'TCP' | 'UDP'): string {
    const outcome = o.kind === 'connect' ? (o.attempts[0]?.outcome ?? 'error') : 'error';
    const detail = o.kind === 'connect' ? o.attempts[0]?.detail : undefined;
    const done = protocol === 'UDP' ? 'the datagram was answered' : 'connection established';
    return `${outcome === 'allowed' ? done : outcome === 'timeout' ? `no answer in ${plan.timeoutMs} ms (dropped)` : outcome}${detail ? ` (${detail})` : ''}`;
  }

  /**
   * `via`: each source connects to the URL's (or HOST:PORT's) host and port for real. A pod looks the name up itself
   * (dig in it, through its resolv.conf and the cluster's DNS); the kernel lab's outside client has no cluster DNS and
   * takes the model's public answer (the Ingress's LoadBalancer address), as the model's trace does.
   */
  async function followVia(e: ConnectivityExpectation, via: string): Promise<Observation> {
    const protocol = checkedProtocol(e);
    const m = await model.observe(e);
    if (m.type !== 'connectivity') throw new Error('the model answered another kind of observation');
    let target: { host: string; port: number };
    try { target = parseTarget(via); } catch (err) { throw new RefereeError((err as Error).message); }
    const sources = m.pairs.map((p) => sourceOf(p.from));
    const name = isIP(target.host) ? undefined : target.host;
    const digs = name ? sources.map((from): DnsFlow => ({ kind: 'dns', id: `${from} dns ${name}`, family: 'dns', from, name, type: 'A' })) : [];
    const lookups = await probe(digs.filter((f) => f.from !== 'external'));
    unobserved(digs.filter((f) => f.from !== 'external'), lookups);
    // The outside client's one answer, from the model's public DNS (the same for every outside source).
    let outside: { ip?: string; how: string } | undefined;
    const publicAnswer = () => {
      const t = trace(cluster, { from: `external:${DEFAULT_EXTERNAL_CLIENT}`, to: via, protocol, components: defaultComponents() });
      const ip = t.hops.find((h) => h.step === 'dns')?.detail.answer as string | undefined;
      return { ip, how: ip ? `${name} → ${ip} (the model's public DNS); ` : `${name}: no public answer in the model` };
    };
    let looked = 0;
    const addresses = sources.map((from): { ip?: string; how: string } => {
      if (!name) return { ip: target.host, how: '' };
      if (from === 'external') return (outside ??= publicAnswer());
      const o = lookups[looked++];
      const ip = o.kind === 'dns' ? o.answers.find((a) => isIP(a) === 4) : undefined;
      return { ip, how: ip ? `${name} → ${ip} (${w.digIn(from)}); ` : `${name}: ${o.kind === 'dns' ? o.rcode : 'no answer'}${o.kind === 'dns' && o.detail ? ` (${o.detail})` : ''} (${w.digIn(from)})` };
    });
    const asked = addresses.flatMap((a, i) => (a.ip ? [{ i, flow: connectFlow(sources[i], a.ip, target.port, protocol) }] : []));
    const seen = await probe(asked.map((x) => x.flow));
    unobserved(asked.map((x) => x.flow), seen);
    const byPair = new Map(asked.map((x, k) => [x.i, seen[k]]));
    const pairs: PairObservation[] = m.pairs.map((p, i) => {
      const o = byPair.get(i);
      return { ...p, port: target.port, allowed: o ? connected(o) : false, decidedBy: `${w.who}: ${addresses[i].how}${o ? connectWords(o, protocol) : ''}; the model: ${p.decidedBy}` };
    });
    return { type: 'connectivity', pairs, trace: m.trace.length ? ['the model\'s trace:', ...m.trace] : [], ...(m.note ? { note: m.note } : {}) } satisfies Observation;
  }

  async function probe(flows: (ConnectFlow | DnsFlow)[]) {
    const items = flows.map((flow) => ({ flow, plan }));
    return kernel.probeAll ? kernel.probeAll(items) : Promise.all(items.map((it) => kernel.probe(it.flow, it.plan)));
  }
}
