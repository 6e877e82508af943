// What the model says each flow does, taken from the engine's own queries and never re-decided here: the hop-by-hop
// trace (src/trace: kube-proxy's decision from src/services, NetworkPolicy/ANP/BANP from src/policy, delivery to a
// container port) followed through every endpoint kube-proxy gives a positive probability, and the pod's DNS lookup
// (src/dns); for Ingress requests, the trace's Ingress leg (ingress-flows.ts). The service mesh is left out: the kernel
// does not realise it.
import type { Cluster } from '../cluster/cluster.js';
import { podIPOf } from '../cluster/refs.js';
import type { DnsModel } from '../dns/index.js';
import { resolveWithClusterDns, evaluateWithPolicyEngine } from '../trace/components.js';
import { DEFAULT_EXTERNAL_CLIENT, trace, type TraceResult } from '../trace/trace.js';
import type { ConnectFlow, DnsFlow, Flow } from './flows.js';
import { expectIngress } from './ingress-flows.js';

/** How one connection ends: established, refused (RST or ICMP unreachable), dropped (no answer: a timeout), reset. */
export type Outcome = 'allowed' | 'refused' | 'timeout' | 'reset';

export interface EndpointExpectation {
  /** `NS/POD`, when a pod holds the endpoint. */
  pod?: string;
  ip: string;
  port: number;
  probability: number;
  outcome: Outcome;
  /** The source address the endpoint sees (after any SNAT). */
  clientIP: string;
  snat: boolean;
  trace: string;
}

export interface ConnectExpectation {
  kind: 'connect';
  /** Every outcome some attempt may have (one per endpoint class). */
  outcomes: Outcome[];
  /** Pod names (netexec /hostname) that answer, sorted: every one must answer over repeated connections, no other. */
  answering: string[];
  /** Per answering pod name, the source address it sees. */
  clientIPs: Record<string, string>;
  /** sessionAffinity ClientIP: one client's connections all reach one endpoint. */
  affinity: boolean;
  endpoints: EndpointExpectation[];
  trace: string;
  /** For a flow carrying an HTTP request: the status the client gets. */
  status?: number;
}

export interface DnsExpectation {
  kind: 'dns';
  rcode: string;
  /** A records' addresses, sorted. */
  answers: string[];
  trace: string;
}

/** The model has no answer the referee can check (e.g. the name goes to the upstream resolver, outside the lab). */
export interface Unverifiable { kind: 'skip'; reason: string }

export type Expectation = ConnectExpectation | DnsExpectation | Unverifiable;

export interface ModelContext { cluster: Cluster; dns: DnsModel }

const MAX_HOP_TEXT = 200;

/** The trace on one line: each hop's step, node and why. */
export function traceLine(t: TraceResult): string {
  return t.hops.map((h) => `${h.step}${h.node ? `@${h.node}` : ''}: ${h.text.length > MAX_HOP_TEXT ? `${h.text.slice(0, MAX_HOP_TEXT - 1)}…` : h.text}`).join(' › ');
}

/** A trace's end as a connection's outcome: kube-proxy's REJECT and an unserved port refuse; every other drop is silent. */
export function outcomeOf(t: TraceResult): Outcome {
  if (t.verdict === 'delivered') return 'allowed';
  const last = t.hops[t.hops.length - 1];
  if (t.dropAt === 'dnat') return last?.detail.verdict === 'reject' ? 'refused' : 'timeout';
  if (t.dropAt === 'deliver') return 'refused';
  return 'timeout';
}

/** The source address the endpoint sees: the last SNAT's, else the client's own. */
function clientIPOf(t: TraceResult, sourceIP: string): { clientIP: string; snat: boolean } {
  const snats = t.hops.filter((h) => h.step === 'snat' && typeof h.detail.to === 'string');
  return snats.length ? { clientIP: snats[snats.length - 1].detail.to as string, snat: true } : { clientIP: sourceIP, snat: false };
}

function sourceIPOf(cluster: Cluster, from: string): string {
  if (from === 'external') return DEFAULT_EXTERNAL_CLIENT;
  return podIPOf(cluster, from) ?? '';
}

const podName = (key: string | undefined) => key?.split('/')[1];

/** The trace of one connection, then once more through each endpoint kube-proxy gives a positive probability. */
function followEndpoints(ctx: ModelContext, from: string, host: string, port: number, protocol: 'TCP' | 'UDP') {
  const components = { dns: (c: Cluster, pod: string, name: string) => resolveWithClusterDns(c, pod, name, ctx.dns), policy: evaluateWithPolicyEngine };
  const req = { from, to: `${host}:${port}`, protocol, components };
  const base = trace(ctx.cluster, req);
  const dnat = base.hops.find((h) => h.step === 'dnat' && !h.detail.dropped);
  const candidates = (dnat?.detail.candidates as { pod?: string; ip: string; port: number; probability: number }[] | undefined)?.filter((c) => c.probability > 0);
  const src = sourceIPOf(ctx.cluster, from);
  const endpoints: EndpointExpectation[] = [];
  const follow = (t: TraceResult, c?: { pod?: string; ip: string; port: number; probability: number }) => {
    const delivered = t.hops.filter((h) => h.step === 'deliver').pop();
    const pod = c?.pod ?? (delivered?.detail.pod as string | undefined);
    endpoints.push({ ...(pod ? { pod } : {}), ip: c?.ip ?? host, port: c?.port ?? port, probability: c?.probability ?? 1, outcome: outcomeOf(t), ...clientIPOf(t, src), trace: traceLine(t) });
  };
  if (candidates?.length) for (const c of candidates) follow(trace(ctx.cluster, { ...req, endpoint: `${c.ip}:${c.port}` }), c);
  else follow(base);
  return { base, dnat, endpoints };
}

const reachCache = new WeakMap<ModelContext, Map<string, EndpointExpectation[]>>();

/** Whether a pod's DNS queries reach its nameserver, per endpoint (the same for every name it asks). */
function nameserverReach(ctx: ModelContext, from: string, nameserver: string): EndpointExpectation[] {
  let m = reachCache.get(ctx);
  if (!m) reachCache.set(ctx, (m = new Map()));
  const key = `${from} ${nameserver}`;
  let r = m.get(key);
  if (!r) m.set(key, (r = followEndpoints(ctx, from, nameserver, 53, 'UDP').endpoints));
  return r;
}

export function expectConnect(ctx: ModelContext, flow: ConnectFlow): ConnectExpectation {
  const { base, dnat, endpoints } = followEndpoints(ctx, flow.from, flow.host, flow.port, flow.protocol);
  const answeringEps = endpoints.filter((e) => e.outcome === 'allowed' && e.pod);
  const clientIPs: Record<string, string> = {};
  for (const e of answeringEps) clientIPs[podName(e.pod)!] = e.clientIP;
  return {
    kind: 'connect',
    outcomes: [...new Set(endpoints.map((e) => e.outcome))].sort(),
    answering: [...new Set(answeringEps.map((e) => podName(e.pod)!))].sort(),
    clientIPs,
    affinity: Boolean(dnat?.detail.affinity),
    endpoints,
    trace: traceLine(base),
  };
}

export function expectDns(ctx: ModelContext, flow: DnsFlow): DnsExpectation | Unverifiable {
  const l = ctx.dns.resolveFromPod(flow.from, flow.name, flow.type);
  if (l.from && !ctx.dns.clusterDNS.includes(l.from.nameserver)) {
    // dnsPolicy Default (and ClusterFirst on the host network) hands the pod its node's resolver, which the lab does not
    // run: what can be checked is that the pod does not ask the cluster DNS, so the kernel must see no answer at all.
    if (l.from.effectivePolicy === 'Default') return { kind: 'dns', rcode: 'TIMEOUT', answers: [], trace: `dnsPolicy ${l.from.dnsPolicy}: the pod asks its node's resolver ${l.from.nameserver}, not the cluster DNS; the lab runs no resolver there, so no answer comes` };
    return { kind: 'skip', reason: `dnsPolicy ${l.from.dnsPolicy}: the pod asks ${l.from.nameserver}, not the cluster DNS (outside the lab)` };
  }
  // The query itself is a UDP packet to the nameserver: through kube-proxy to a CoreDNS pod and NetworkPolicy (an
  // egress policy without a DNS rule leaves the pod with no answer at all).
  if (l.from) {
    const endpoints = nameserverReach(ctx, flow.from, l.from.nameserver);
    const reach = new Set(endpoints.map((e) => e.outcome));
    if (!reach.has('allowed')) return { kind: 'dns', rcode: 'TIMEOUT', answers: [], trace: `the query to ${l.from.nameserver}:53/UDP gets no answer: ${endpoints[0]?.trace ?? ''}` };
    if (reach.size > 1) return { kind: 'skip', reason: 'whether the query is answered depends on which cluster DNS pod kube-proxy picks' };
  }
  if (l.rcode === 'FORWARDED' || l.forward) return { kind: 'skip', reason: `the name goes to the upstream resolver (${l.stop}), outside the lab` };
  const answers = l.answers.flatMap((r) => (r.rdata.type === 'A' ? [r.rdata.address] : [])).sort();
  return { kind: 'dns', rcode: l.rcode, answers, trace: `resolver (${l.from?.resolver ?? 'glibc'}, ${l.from?.effectivePolicy ?? ''}) tried ${l.tried.join(', ')}: ${l.rcode}${answers.length ? ` ${answers.join(', ')}` : ''} (${l.stop})` };
}

export function expectFlow(ctx: ModelContext, flow: Flow): Expectation {
  if (flow.kind === 'dns') return expectDns(ctx, flow);
  return flow.request ? expectIngress(ctx, flow) : expectConnect(ctx, flow);
}
