// The non-connectivity sections of a diff: each side is turned into records keyed the way a user names the thing
// (a Service, a DNS name and type, a route's entry point + host + path, a mesh identity pair, a finding), then the two
// record sets are compared. Every value comes from the engine's own models (services, dns, ingress, mesh, findings).
import type { Cluster } from '../cluster/cluster.js';
import type { Diagnostic } from '../api/diagnostics.js';
import { groupOfPod, type PolicyModel } from '../policy/index.js';
import type { PodObj } from '../policy/classes.js';
import type { DnsModel } from '../dns/index.js';
import { compileRouting, requestFromUrl, type RouteResult } from '../ingress/index.js';
import { meshModelOf } from '../mesh/index.js';
import { clusterFindings, findingObjectText, type Finding } from '../findings/index.js';
import { BUILTIN_SOURCE } from '../cluster/cluster.js';

type Obj = Record<string, any>;
export type Value = Record<string, unknown>;

export interface RecordChange { name: string; before?: Value; after?: Value }
export interface SectionDiff { added: RecordChange[]; removed: RecordChange[]; changed: RecordChange[] }

/** A pod's workload, as the connectivity section names it. */
export function workloadOfPod(model: PolicyModel, ns: string, pod: string): string {
  const p = model.cluster.get<PodObj>('Pod', ns, pod);
  return p ? groupOfPod(model, p, 'workload') : `${ns}/pod/${pod}`;
}

const stable = (v: unknown): string => JSON.stringify(v);

export function diffRecords(before: Map<string, Value>, after: Map<string, Value>): SectionDiff {
  const out: SectionDiff = { added: [], removed: [], changed: [] };
  for (const name of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const b = before.get(name), a = after.get(name);
    if (b === undefined) out.added.push({ name, after: a });
    else if (a === undefined) out.removed.push({ name, before: b });
    else if (stable(b) !== stable(a)) out.changed.push({ name, before: b, after: a });
  }
  return out;
}

const own = (cluster: Cluster, o: Obj) => cluster.sourceOf(o as any)?.file !== BUILTIN_SOURCE.file;

/** Per Service: type, ClusterIPs, ports, external addresses, and its ready/not-ready endpoints counted by workload. */
export function serviceRecords(model: PolicyModel): Map<string, Value> {
  const cluster = model.cluster;
  const out = new Map<string, Value>();
  for (const svc of cluster.services() as Obj[]) {
    if (!own(cluster, svc)) continue;
    const ns = svc.metadata.namespace ?? 'default', name = svc.metadata.name;
    const spec = svc.spec ?? {};
    const endpoints: Record<string, { ready: number; notReady: number }> = {};
    for (const slice of cluster.slicesOfService(ns, name) as Obj[]) {
      for (const ep of (slice.endpoints ?? []) as Obj[]) {
        const ref = ep.targetRef?.kind === 'Pod' ? workloadOfPod(model, ep.targetRef.namespace ?? ns, ep.targetRef.name) : (ep.addresses ?? []).join(',');
        const e = (endpoints[ref] ??= { ready: 0, notReady: 0 });
        if (ep.conditions?.ready === false) e.notReady++; else e.ready++;
      }
    }
    // Each address family's slice repeats the pods: count a pod once per family set.
    const families = new Set((cluster.slicesOfService(ns, name) as Obj[]).map((s) => s.addressType)).size || 1;
    for (const e of Object.values(endpoints)) { e.ready /= families; e.notReady /= families; }
    const lb = ((svc.status?.loadBalancer?.ingress ?? []) as Obj[]).map((i) => i.ip ?? i.hostname).filter(Boolean);
    out.set(`${ns}/${name}`, {
      type: spec.type ?? 'ClusterIP',
      clusterIPs: spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : []),
      ports: ((spec.ports ?? []) as Obj[]).map((p) => `${p.name ? `${p.name} ` : ''}${p.port}/${p.protocol ?? 'TCP'} → ${p.targetPort ?? p.port}${p.nodePort ? ` (nodePort ${p.nodePort})` : ''}`),
      ...(spec.externalName ? { externalName: spec.externalName } : {}),
      ...(spec.externalIPs?.length ? { externalIPs: spec.externalIPs } : {}),
      ...(lb.length ? { loadBalancer: lb } : {}),
      ...(spec.externalTrafficPolicy ? { externalTrafficPolicy: spec.externalTrafficPolicy } : {}),
      endpoints,
    });
  }
  return out;
}

/**
 * The names the cluster DNS serves for Services (A, AAAA; a headless Service's pod hostnames), with their answers;
 * but those of the `unchanged` Services (`ns/name`: the same answers on the other side, dirty.ts).
 */
export function dnsRecords(cluster: Cluster, dns: DnsModel, unchanged: ReadonlySet<string> = new Set()): Map<string, Value> {
  const out = new Map<string, Value>();
  const names = new Set<string>();
  for (const svc of cluster.services() as Obj[]) {
    const ns = svc.metadata.namespace ?? 'default', name = svc.metadata.name;
    if (unchanged.has(`${ns}/${name}`) || !own(cluster, svc)) continue;
    const base = `${name}.${ns}.svc.${dns.clusterDomain}`;
    names.add(base);
    for (const slice of cluster.slicesOfService(ns, name) as Obj[]) for (const ep of (slice.endpoints ?? []) as Obj[]) if (typeof ep.hostname === 'string') names.add(`${ep.hostname}.${base}`);
  }
  for (const name of names) {
    for (const type of ['A', 'AAAA']) {
      const r = dns.query(`${name}.`, type);
      const answers = r.answers.map((a) => `${a.type} ${a.data}`).sort();
      if (r.rcode === 'NOERROR' && answers.length === 0 && type === 'AAAA') continue; // an IPv4-only name: nothing to say
      out.set(`${name} ${type}`, { rcode: r.rcode, answers });
    }
  }
  return out;
}

function backendText(b: NonNullable<RouteResult['backend']>): string {
  return `${b.namespace}/${b.service}:${b.port}${b.weight !== undefined && b.weight !== 1 ? ` (weight ${b.weight})` : ''}`;
}

/** What one request to a route's host and path gets: status, backends (by workload), redirect, TLS. */
function routeValue(model: PolicyModel, r: RouteResult): Value {
  const backends = (r.backends ?? (r.backend ? [r.backend] : [])).map(backendText);
  const workloads = [...new Set((r.backends ?? (r.backend ? [r.backend] : [])).flatMap((b) => (b.pods ?? []).map((p) => { const [ns, pod] = p.split('/'); return workloadOfPod(model, ns, pod); })))].sort();
  return {
    status: r.status,
    ...(backends.length ? { backends } : {}),
    ...(workloads.length ? { workloads } : {}),
    ...(r.location ? { location: r.location } : {}),
    ...(r.tls ? { tls: r.tls.secret } : {}),
    ...(r.path ? { path: r.path } : {}),
  };
}

const hostFor = (h: string | undefined) => (!h || h === '*' || h === '_' ? 'any-host.example' : h.startsWith('*.') ? `any${h.slice(1)}` : h);

/** Every Ingress path and Gateway route match, keyed `entry point host path`, with what a request there gets. */
export function routeRecords(model: PolicyModel): Map<string, Value> {
  const routing = compileRouting(model.cluster);
  const out = new Map<string, Value>();
  const probe = (via: string, scheme: string, host: string, port: number, path: string, key: string) => {
    let r: RouteResult;
    try { r = routing.route({ ...requestFromUrl(`${scheme}://${hostFor(host)}${path}`), port }, via); } catch { return; }
    out.set(key, routeValue(model, r));
  };
  for (const ep of routing.ingress) {
    const via = `ingress:${ep.className}`;
    for (const server of [...ep.servers.values(), ...ep.wildcards]) {
      for (const loc of server.locations) {
        if (loc.mode === 'regex' || loc.implicitRoot) continue;
        const host = server.host === '_' ? '*' : server.host;
        probe(via, 'http', host, 80, loc.path, `${via} http://${host}${loc.path}`);
        if (server.tls) probe(via, 'https', host, 443, loc.path, `${via} https://${host}${loc.path}`);
      }
    }
  }
  for (const a of routing.routes.attachments) {
    const gw = a.listener.gateway;
    const via = `gateway/${gw.metadata.namespace}/${gw.metadata.name}`;
    const scheme = a.listener.protocol === 'HTTPS' ? 'https' : 'http';
    if (a.listener.protocol !== 'HTTP' && a.listener.protocol !== 'HTTPS') continue;
    for (const host of a.hostnames.length ? a.hostnames : ['*']) {
      for (const rule of a.rules) {
        for (const m of rule.matches.length ? rule.matches : [{ path: '/', pathType: 'PathPrefix' } as const]) {
          if (m.pathType === 'RegularExpression') continue;
          probe(via, scheme, host, a.listener.port, m.path, `${via} ${scheme}://${host}:${a.listener.port}${m.path}`);
        }
      }
    }
  }
  return out;
}

/** Istio/Linkerd: per client identity and Service port, whether a request is allowed and where its route splits. */
export function meshRecords(model: PolicyModel, limit = 100_000): { records: Map<string, Value>; truncated: boolean } {
  const mesh = meshModelOf(model.cluster);
  const out = new Map<string, Value>();
  if (!mesh.active) return { records: out, truncated: false };
  const clients = new Map<string, { ns: string; pod: string }>();
  for (const m of mesh.memberships.values()) if (m.dataPlane !== 'none' && m.identity && !clients.has(m.identity)) clients.set(m.identity, { ns: m.namespace, pod: m.pod });
  const sorted = [...clients.entries()].sort();
  let n = 0;
  for (const svc of model.cluster.services() as Obj[]) {
    if (!own(model.cluster, svc)) continue;
    const ns = svc.metadata.namespace ?? 'default', name = svc.metadata.name;
    for (const port of ((svc.spec?.ports ?? []) as Obj[]).filter((p) => (p.protocol ?? 'TCP') === 'TCP')) {
      for (const [identity, c] of sorted) {
        if (++n > limit) return { records: out, truncated: true };
        const e = mesh.evaluate({ from: { kind: 'Pod', namespace: c.ns, name: c.pod }, to: { kind: 'Service', namespace: ns, name }, port: port.port, method: 'GET', path: '/' });
        if (e.decidedBy === 'not-in-mesh') continue;
        const split = (e.route?.destinations ?? []).map((d) => `${d.host}${d.subset ? `/${d.subset}` : ''} ${d.percent}%`);
        out.set(`${identity} → ${ns}/${name}:${port.port}`, {
          allowed: e.allowed, decidedBy: e.decidedBy, mtls: e.mtls,
          ...(e.authz.policy ? { policy: e.authz.policy } : {}),
          ...(e.route?.virtualService ? { virtualService: e.route.virtualService } : {}),
          ...(split.length > 1 ? { split } : {}),
        });
      }
    }
  }
  return { records: out, truncated: false };
}

/** A finding without its line (lines move when a file is edited; the finding is the same). */
export function findingKey(f: Finding): string {
  return `${f.code} ${findingObjectText(f) ?? ''}: ${f.message}`;
}

export interface FindingChange { code: string; severity: Finding['level']; object: string | null; file: string | null; line: number | null; message: string }
export interface FindingsDiff { added: FindingChange[]; removed: FindingChange[] }

export function diffFindings(before: readonly Finding[], after: readonly Finding[]): FindingsDiff {
  const json = (f: Finding): FindingChange => ({
    code: f.code, severity: f.level,
    object: findingObjectText(f),
    file: f.source?.file ?? null, line: f.source?.line ?? null, message: f.message,
  });
  const keys = (l: readonly Finding[]) => new Set(l.map(findingKey));
  const kb = keys(before), ka = keys(after);
  return { added: after.filter((f) => !kb.has(findingKey(f))).map(json), removed: before.filter((f) => !ka.has(findingKey(f))).map(json) };
}

export function findingsOf(cluster: Cluster, dnsDiagnostics?: readonly Diagnostic[]): Finding[] {
  return clusterFindings(cluster, { dnsDiagnostics });
}
