// DestinationRule: which rule applies to a host, its subsets and the effective trafficPolicy for a port and subset.
// Source: istio/api networking/v1alpha3/destination_rule.proto (spec §4.5). Lookup order for a client: a rule in the
// client's namespace, then the host's (Service's) namespace, then the root namespace; an exact host beats a wildcard.
// A subset's trafficPolicy overrides the host-level one field by field (loadBalancer, connectionPool, outlierDetection,
// tls), and portLevelSettings for the port override the top level; subset policies apply only when a route names it.
import { fqdn, hostMatches, visibleTo } from './hosts.js';
import { durationMs } from './match.js';

type Obj = Record<string, any>;

export interface OutlierDetectionConfig {
  consecutive5xxErrors: number;
  consecutiveGatewayErrors?: number;
  intervalMs: number;
  baseEjectionTimeMs: number;
  maxEjectionPercent: number;
  minHealthPercent: number;
}

export interface EffectiveTrafficPolicy {
  /** `ns/name` of the DestinationRule; undefined when none applies. */
  destinationRule?: string;
  loadBalancer: { simple?: string; consistentHash?: Obj };
  connectionPool?: {
    maxConnections: number;
    http1MaxPendingRequests: number;
    http2MaxRequests: number;
    maxRetries: number;
    maxRequestsPerConnection?: number;
  };
  outlierDetection?: OutlierDetectionConfig;
  tls?: { mode: string };
}

const UNLIMITED = 2 ** 32 - 1;

export function findDestinationRule(rules: readonly Obj[], host: string, clientNamespace: string, hostNamespace: string | undefined, rootNamespace: string, clusterDomain: string): Obj | undefined {
  for (const ns of [clientNamespace, hostNamespace, rootNamespace]) {
    if (ns === undefined) continue;
    const inNs = rules.filter((r) => r.metadata.namespace === ns && typeof r.spec?.host === 'string' && visibleTo(r, clientNamespace));
    const exact = inNs.find((r) => fqdn(r.spec.host, ns, clusterDomain) === host.toLowerCase());
    if (exact) return exact;
    const wild = inNs.find((r) => hostMatches(fqdn(r.spec.host, ns, clusterDomain), host));
    if (wild) return wild;
  }
  return undefined;
}

export function subsetOf(dr: Obj | undefined, name: string): Obj | undefined {
  return Array.isArray(dr?.spec?.subsets) ? dr!.spec.subsets.find((s: Obj) => s?.name === name) : undefined;
}

function portLevel(tp: Obj | undefined, port: number | undefined): Obj {
  if (!tp || typeof tp !== 'object') return {};
  const pl = Array.isArray(tp.portLevelSettings) ? tp.portLevelSettings.find((p: Obj) => p?.port?.number === port) : undefined;
  return { ...tp, ...(pl ?? {}) };
}

export function effectiveTrafficPolicy(dr: Obj | undefined, subset: string | undefined, port: number | undefined): EffectiveTrafficPolicy {
  const host = portLevel(dr?.spec?.trafficPolicy, port);
  const sub = subset ? portLevel(subsetOf(dr, subset)?.trafficPolicy, port) : {};
  const pick = (k: string) => sub[k] ?? host[k];
  const lb = pick('loadBalancer') ?? {};
  const cp = pick('connectionPool');
  const od = pick('outlierDetection');
  const tls = pick('tls');
  const out: EffectiveTrafficPolicy = {
    destinationRule: dr ? `${dr.metadata.namespace}/${dr.metadata.name}` : undefined,
    loadBalancer: lb.consistentHash ? { consistentHash: lb.consistentHash } : { simple: lb.simple ?? 'LEAST_REQUEST' },
  };
  if (cp) {
    out.connectionPool = {
      maxConnections: num(cp.tcp?.maxConnections) ?? UNLIMITED,
      http1MaxPendingRequests: num(cp.http?.http1MaxPendingRequests) ?? UNLIMITED,
      http2MaxRequests: num(cp.http?.http2MaxRequests) ?? UNLIMITED,
      maxRetries: num(cp.http?.maxRetries) ?? UNLIMITED,
      maxRequestsPerConnection: num(cp.http?.maxRequestsPerConnection),
    };
  }
  if (od) {
    out.outlierDetection = {
      consecutive5xxErrors: num(od.consecutive5xxErrors) ?? num(od.consecutiveErrors) ?? 5,
      consecutiveGatewayErrors: num(od.consecutiveGatewayErrors),
      intervalMs: durationMs(od.interval) ?? 10_000,
      baseEjectionTimeMs: durationMs(od.baseEjectionTime) ?? 30_000,
      maxEjectionPercent: num(od.maxEjectionPercent) ?? 10,
      minHealthPercent: num(od.minHealthPercent) ?? 0,
    };
  }
  if (tls && typeof tls.mode === 'string') out.tls = { mode: tls.mode };
  return out;
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  if (v && typeof v === 'object' && typeof (v as Obj).value === 'number') return (v as Obj).value;
  return undefined;
}
