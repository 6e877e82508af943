// `diffClusters(before, after)`: what a change to the manifests opens or closes, from two compiled snapshots, grouped
// by workload. Pure: both sides are Clusters the engine built; the result is the `podnet diff -o json` contract
// `{summary, connectivity: {added, removed, changed}, exposure, services, dns, routes, mesh, findings}`.
import type { Cluster } from '../cluster/cluster.js';
import { policyModelOf } from '../policy/index.js';
import { compileDns } from '../dns/index.js';
import { dnsUnchangedServices, equalServices } from './dirty.js';
import { meshModelOf } from '../mesh/index.js';
import { serviceExposure } from './exposure.js';
import { diffConnectivity, type ConnectivityChange, type PortSets } from './connectivity.js';
import { diffFindings, diffRecords, dnsRecords, findingsOf, meshRecords, routeRecords, serviceRecords, type FindingsDiff, type SectionDiff, type Value } from './sections.js';

export type { ConnectivityChange, PortSets } from './connectivity.js';
export type { FindingChange, FindingsDiff, RecordChange, SectionDiff } from './sections.js';
export { formatPortSets } from './ports.js';

export interface DiffSummary {
  /** Workload pairs (and workload–external pairs) newly allowed on some port, no longer allowed, allowed on other ports. */
  newlyAllowed: number;
  newlyDenied: number;
  portsChanged: number;
  /** Exposure records that appear (something newly reachable from outside or from every workload) or widen. */
  newExposure: number;
  services: number;
  dns: number;
  routes: number;
  mesh: number;
  findingsAdded: number;
  findingsRemoved: number;
  /** Every change counted above, in one number. */
  total: number;
}

export interface ClusterDiff {
  summary: DiffSummary;
  connectivity: { added: ConnectivityChange[]; removed: ConnectivityChange[]; changed: ConnectivityChange[] };
  exposure: SectionDiff;
  services: SectionDiff;
  dns: SectionDiff;
  routes: SectionDiff;
  mesh: SectionDiff & { truncated?: boolean };
  findings: FindingsDiff;
}

const count = (s: SectionDiff) => s.added.length + s.removed.length + s.changed.length;

/** Does `after` open something `before` did not (a port of some protocol more)? */
function widens(before: Value | undefined, after: Value | undefined): boolean {
  if (!after) return false;
  if (!before) return true;
  const b = (before.ports ?? {}) as PortSets, a = (after.ports ?? {}) as PortSets;
  if (JSON.stringify(b) !== JSON.stringify(a)) return Object.keys(a).some((p) => b[p as keyof PortSets] !== a[p as keyof PortSets]);
  const wb = new Set((before.workloads ?? []) as string[]);
  return ((after.workloads ?? []) as string[]).some((w) => !wb.has(w));
}

export function diffClusters(before: Cluster, after: Cluster, opts: { meshLimit?: number } = {}): ClusterDiff {
  const pb = policyModelOf(before), pa = policyModelOf(after);
  const conn = diffConnectivity(pb, pa);
  const services = [serviceRecords(pb), serviceRecords(pa)];
  const equal = equalServices(before, after);
  // What an outside client reaches through a Service equal on both sides, whose endpoints are all clean workloads, is
  // the same on both sides (unless a mesh's sidecars judge it: mesh configuration is not part of "clean").
  const meshActive = meshModelOf(before).active || meshModelOf(after).active;
  const sameExposure = new Set(meshActive ? [] : [...equal].filter((k) => {
    const v = services[0].get(k);
    return v !== undefined && Object.keys(v.endpoints as object).every(conn.clean);
  }));
  const routes = [routeRecords(pb), routeRecords(pa)];
  const exposureOf = (s: 0 | 1): Map<string, Value> => {
    const out = new Map<string, Value>();
    for (const [w, ports] of conn.exposure[s].internet) out.set(`internet → ${w}`, { via: 'NetworkPolicy', workloads: [w], ports });
    for (const [w, ports] of conn.exposure[s].allNamespaces) out.set(`all namespaces → ${w}`, { via: 'NetworkPolicy', workloads: [w], ports });
    for (const [key, v] of serviceExposure([pb, pa][s], services[s], conn.internetIP, sameExposure)) out.set(key, v);
    // A route exposes its workloads when a request there reaches them (not a 5xx: no endpoints, or policy drops the controller).
    for (const [key, v] of routes[s]) if (Array.isArray(v.workloads) && v.workloads.length > 0 && (v.status as number) < 500) out.set(key, { via: key.startsWith('ingress:') ? 'Ingress' : 'Gateway', workloads: v.workloads, status: v.status });
    return out;
  };
  const exposure = diffRecords(exposureOf(0), exposureOf(1));
  const mesh = [meshRecords(pb, opts.meshLimit), meshRecords(pa, opts.meshLimit)];
  const dnsModels = [compileDns(before, { serial: 1 }), compileDns(after, { serial: 1 })] as const;
  const dnsSame = dnsUnchangedServices(equal, after, dnsModels);
  const dns = [dnsRecords(before, dnsModels[0], dnsSame), dnsRecords(after, dnsModels[1], dnsSame)];
  const result: ClusterDiff = {
    summary: {} as DiffSummary,
    connectivity: { added: conn.added, removed: conn.removed, changed: conn.changed },
    exposure,
    services: diffRecords(services[0], services[1]),
    dns: diffRecords(dns[0], dns[1]),
    routes: diffRecords(routes[0], routes[1]),
    mesh: { ...diffRecords(mesh[0].records, mesh[1].records), ...(mesh[0].truncated || mesh[1].truncated ? { truncated: true } : {}) },
    findings: diffFindings(findingsOf(before, dnsModels[0].diagnostics), findingsOf(after, dnsModels[1].diagnostics)),
  };
  const newExposure = exposure.added.length + exposure.changed.filter((c) => widens(c.before, c.after)).length;
  const s: DiffSummary = {
    newlyAllowed: conn.added.length, newlyDenied: conn.removed.length, portsChanged: conn.changed.length, newExposure,
    services: count(result.services), dns: count(result.dns), routes: count(result.routes), mesh: count(result.mesh),
    findingsAdded: result.findings.added.length, findingsRemoved: result.findings.removed.length, total: 0,
  };
  s.total = s.newlyAllowed + s.newlyDenied + s.portsChanged + count(exposure) + s.services + s.dns + s.routes + s.mesh + s.findingsAdded + s.findingsRemoved;
  result.summary = s;
  return result;
}

/** Does a connectivity change open something (a pair newly allowed, or more ports)? */
export const opensSomething = (c: ConnectivityChange): boolean => Object.keys(c.opened).length > 0;

/** The summary line people read first. */
export function summaryLine(d: ClusterDiff): string {
  const s = d.summary;
  if (s.total === 0) return 'podnet diff: no change in connectivity, exposure, Services, DNS, routes, mesh or findings';
  const parts = [
    `${s.newlyAllowed} newly allowed`, `${s.newlyDenied} newly denied`, `${s.portsChanged} with changed ports`,
  ];
  const n = (k: number, one: string, many: string) => `${k} ${k === 1 ? one : many}`;
  const more = [
    n(s.newExposure, 'new exposure', 'new exposures'), n(s.services, 'Service change', 'Service changes'), n(s.dns, 'DNS change', 'DNS changes'),
    n(s.routes, 'route change', 'route changes'), n(s.mesh, 'mesh change', 'mesh changes'), n(s.findingsAdded, 'new finding', 'new findings'),
    n(s.findingsRemoved, 'finding gone', 'findings gone'),
  ];
  return `podnet diff: connectivity ${parts.join(', ')}; ${more.join(', ')}`;
}
