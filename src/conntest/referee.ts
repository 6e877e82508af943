// Referees: what decides whether an expectation holds. A referee observes (what happens to this connection, this
// lookup, this request) and the runner judges the observation against the expectation, so every referee is judged
// alike. The model referee asks the engine (policy check, DNS, routing, mesh, trace); a kernel referee (real packets in
// the namespaces src/realize builds) and a live-cluster referee (probe pods) plug in behind the same interface.
import { compileLabelSelector } from '../api/labels.js';
import type { Cluster } from '../cluster/cluster.js';
import { podIPOf, resolvePodReference } from '../cluster/refs.js';
import { ipAt, parseCidr } from '../net/cidr.js';
import { compileDns } from '../dns/index.js';
import { compileRouting, requestFromUrl } from '../ingress/index.js';
import { compileMesh, type MeshEndpoint } from '../mesh/index.js';
import { check, policyModelOf, probePorts, type Protocol, type Verdict } from '../policy/index.js';
import { defaultComponents } from '../trace/components.js';
import { DEFAULT_EXTERNAL_CLIENT, trace } from '../trace/trace.js';
import type { ConnectivityExpectation, DnsExpectation, EndpointSpec, Expectation, MeshExpectation, RouteExpectation } from './spec.js';

/** One (source, destination, port) the referee decided. */
export interface PairObservation { from: string; to: string; port: number; protocol: string; allowed: boolean; decidedBy: string; rules: string[] }

export type Observation =
  | { type: 'connectivity'; pairs: PairObservation[]; trace: string[]; note?: string }
  | { type: 'dns'; rcode: string; records: string[]; decidedBy: string; trace: string[] }
  | { type: 'route'; status: number; backend?: string; redirect?: string; decidedBy: string; trace: string[]; unobserved?: 'backend'[] }
  | { type: 'mesh'; allowed: boolean; authz: boolean; identity?: string; status?: number; decidedBy: string; trace: string[]; unobserved?: ('authz' | 'identity')[] };

/** The fields of an observation the referee could not see (a live cluster's answer names no pod, no peer identity): an expectation on one fails, saying so. */
export const NOT_OBSERVABLE = 'not observable';

export interface Referee {
  readonly name: string;
  observe(e: Expectation): Observation | Promise<Observation>;
}

/** A query the referee cannot answer as written (unknown pod, no pods selected...): the expectation fails with it. */
export class RefereeError extends Error {}

/** The most (source, destination, port) evaluations one expectation may ask for. */
export const MAX_PAIRS = 20_000;

export function modelReferee(cluster: Cluster): Referee {
  const policy = policyModelOf(cluster);
  let dns: ReturnType<typeof compileDns> | undefined;
  let routing: ReturnType<typeof compileRouting> | undefined;
  let mesh: ReturnType<typeof compileMesh> | undefined;
  const components = defaultComponents();

  const ends = (e: EndpointSpec): string[] => {
    if (e.kind === 'ref') return [e.text === 'external' ? DEFAULT_EXTERNAL_CLIENT : e.text];
    if (e.kind === 'cidr') return [representative(e.cidr)];
    const nsSel = e.namespaceSelector ? compileLabelSelector(e.namespaceSelector as never) : undefined;
    const podSel = compileLabelSelector((e.podSelector ?? {}) as never);
    const nsLabels = new Map(cluster.store.list('Namespace').map((n) => [n.metadata.name, n.metadata.labels]));
    const pods = cluster.pods(e.namespace).filter((p) => {
      const ns = p.metadata.namespace ?? 'default';
      return (!nsSel || nsSel(nsLabels.get(ns) ?? { 'kubernetes.io/metadata.name': ns })) && podSel(p.metadata.labels);
    });
    if (pods.length === 0) {
      const what = [e.namespace !== undefined ? `namespace ${e.namespace}` : 'any namespace', e.namespaceSelector ? `namespaceSelector ${JSON.stringify(e.namespaceSelector)}` : '', e.podSelector ? `podSelector ${JSON.stringify(e.podSelector)}` : ''].filter(Boolean).join(', ');
      throw new RefereeError(`no pod matches ${what}`);
    }
    return pods.map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
  };

  const ports = (e: ConnectivityExpectation): (number | string | undefined)[] => {
    if (e.port === undefined) return [undefined];
    if ('name' in e.port) return [e.port.name];
    const { first, last } = e.port;
    if (first === last) return [first];
    // A verdict can only change where some policy port, endPort or container port starts or ends: probing those
    // (and the first port) inside the range decides every port of it.
    const proto = e.protocol ?? 'TCP';
    const inside = probePorts(policy).filter((p) => p.protocol === proto && p.port > first && p.port <= last).map((p) => p.port);
    return [first, ...new Set(inside)];
  };

  const connectivity = (e: ConnectivityExpectation): Observation => {
    const froms = ends(e.from);
    if (e.via !== undefined) {
      const pairs: PairObservation[] = [];
      const lines: string[] = [];
      for (const f of froms.slice(0, 50)) {
        const src = f.includes('/') ? resolvePodReference(cluster, f) : `external:${f}`;
        const t = trace(cluster, { from: src, to: e.via, protocol: e.protocol, components });
        const deliver = [...t.hops].reverse().find((h) => h.step === 'deliver');
        pairs.push({ from: t.from, to: t.to, port: 0, protocol: e.protocol ?? 'TCP', allowed: t.verdict === 'delivered', decidedBy: t.verdict === 'delivered' ? (deliver?.text ?? 'delivered') : `dropped at ${t.dropAt}: ${t.dropReason}`, rules: [] });
        if (lines.length === 0 || (t.verdict === 'delivered') !== (e.expect === 'allow')) { lines.length = 0; lines.push(...traceLines(t)); }
      }
      return { type: 'connectivity', pairs, trace: lines, note: froms.length > 50 ? `the first 50 of ${froms.length} sources` : undefined };
    }
    const tos = ends(e.to!);
    const ps = ports(e);
    if (froms.length * tos.length * ps.length > MAX_PAIRS) throw new RefereeError(`${froms.length} sources × ${tos.length} destinations × ${ps.length} ports is more than ${MAX_PAIRS} checks: narrow the selection`);
    const pairs: PairObservation[] = [];
    for (const from of froms) for (const to of tos) for (const port of ps) {
      let r;
      try { r = check(policy, { from, to, port, protocol: e.protocol as Protocol | undefined }); } catch (err) { throw new RefereeError((err as Error).message); }
      for (const v of r.targets) if (v.from !== v.to) pairs.push(pairOf(v));
    }
    // The hop-by-hop trace of the first connection that is not as expected (or of the first, when all are).
    const shown = pairs.find((p) => p.allowed !== (e.expect === 'allow')) ?? pairs[0];
    return { type: 'connectivity', pairs, trace: shown ? pairTrace(shown) : [] };
  };

  const pairTrace = (p: PairObservation): string[] => {
    const dst = p.to.includes('/') ? podIPOf(cluster, p.to) : p.to;
    if (!dst) return [];
    try {
      const t = trace(cluster, { from: p.from.includes('/') ? p.from : `external:${p.from}`, to: `${dst.includes(':') ? `[${dst}]` : dst}:${p.port}`, protocol: p.protocol as Protocol, components });
      return traceLines(t);
    } catch {
      return [];
    }
  };

  const pairOf = (v: Verdict): PairObservation => {
    const denied = [v.egress, v.ingress].filter((d) => !d.allowed);
    const deciding = denied.length > 0 ? denied : [v.egress, v.ingress];
    return {
      from: v.from, to: v.to, port: v.port, protocol: v.protocol, allowed: v.allowed,
      decidedBy: deciding.map((d) => `${d === v.egress ? 'egress' : 'ingress'}: ${d.reason}`).join('; '),
      rules: deciding.flatMap((d) => d.rules.map((r) => `${r.policy} ${r.direction.toLowerCase()}[${r.rule}]${r.name ? ` (${r.name})` : ''} ${r.action}`)),
    };
  };

  const dnsLookup = (e: DnsExpectation): Observation => {
    dns ??= compileDns(cluster);
    const r = e.from ? dns.resolveFromPod(resolvePodReference(cluster, e.from), e.qname, e.qtype) : dns.resolve(e.qname, e.qtype);
    const records = r.answers.filter((a) => a.type === e.qtype).map((a) => a.data).sort();
    const last = r.steps[r.steps.length - 1];
    return { type: 'dns', rcode: r.rcode, records, decidedBy: last ? `${last.name} → ${last.rcode}: ${last.why.join('; ')}` : r.stop, trace: [...r.steps.map((s) => `${s.name} → ${s.rcode} (${s.answers} answers)${s.why.length ? `: ${s.why.join('; ')}` : ''}`), r.stop] };
  };

  const route = (e: RouteExpectation): Observation => {
    routing ??= compileRouting(cluster);
    const r = routing.route(requestFromUrl(e.url, { method: e.method, headers: e.headers }), e.via);
    const via = r.via ? `${r.via.kind} ${r.via.namespace}/${r.via.name}${r.via.rule !== undefined ? ` rule ${r.via.rule}` : ''}` : 'no route';
    return {
      type: 'route', status: r.status, backend: r.backend ? `${r.backend.namespace}/${r.backend.service}:${r.backend.port}` : undefined, redirect: r.location,
      decidedBy: `${via}: ${r.reason}`, trace: [`entry ${r.entryPoint ?? ''}${r.listener ? ` listener ${r.listener}` : ''}`, `via ${via}`, r.reason],
    };
  };

  const meshRequest = (e: MeshExpectation): Observation => {
    mesh ??= compileMesh(cluster);
    const endpoint = (text: string): MeshEndpoint => {
      const parts = text.split('/');
      if (parts.length === 3 && ['svc', 'service', 'services'].includes(parts[1])) return { kind: 'Service', namespace: parts[0], name: parts[2] };
      if (parts.length === 1) return { kind: 'IP', ip: text };
      const [ns, name] = resolvePodReference(cluster, text).split('/');
      return { kind: 'Pod', namespace: ns, name };
    };
    const headers = Object.fromEntries(Object.entries(e.headers).map(([k, v]) => [k.toLowerCase(), v]));
    const r = mesh.evaluate({ from: endpoint(e.from), to: endpoint(e.to), port: e.port, method: e.method, path: e.method ? (e.path ?? '/') : undefined, headers });
    return {
      type: 'mesh', allowed: r.allowed, authz: r.authz.allowed, identity: r.sourcePrincipal, status: r.status,
      decidedBy: `${r.decidedBy}${r.status !== undefined ? ` (${r.status})` : ''}: ${r.reason}`,
      trace: r.hops.flatMap((h) => [`${h.proxy} (${h.pod}):`, ...h.lines.map((l) => `  ${l}`)]),
    };
  };

  return {
    name: 'model',
    observe(e) {
      switch (e.type) {
        case 'connectivity': return connectivity(e);
        case 'dns': return dnsLookup(e);
        case 'route': return route(e);
        case 'mesh': return meshRequest(e);
      }
    },
  };
}

function traceLines(t: ReturnType<typeof trace>): string[] {
  return [`trace ${t.from} → ${t.to}`, ...t.hops.map((h, i) => `${i + 1}. [${h.step}]${h.node ? ` ${h.node}:` : ''} ${h.text}`)];
}

/** The address that stands for a CIDR: its first host (the network address itself for /31, /32, /127, /128). */
export function representative(cidr: string): string {
  const c = parseCidr(cidr);
  return ipAt(c, c.size >= 4n ? 1n : 0n);
}
