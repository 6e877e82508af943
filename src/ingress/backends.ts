// Service backends as edge proxies see them: ingress-nginx and Gateway implementations (Envoy) resolve a Service port
// to its EndpointSlices and proxy straight to ready pod endpoints (podIP:targetPort), not through the ClusterIP.
import { joinHostPort } from '../util/text.js';
import type { Cluster } from '../cluster/cluster.js';
import type { KubeObject } from '../api/types.js';
import type { RouteBackend } from './types.js';

type Obj = Record<string, any>;

export interface ResolvedService {
  namespace: string;
  service: string;
  /** The Service port number. */
  port: number;
  /** The ServicePort's name ('' when unnamed): EndpointSlice ports are matched by it. */
  portName: string;
  appProtocol?: string;
  endpoints: string[];
  pods: string[];
  /** Set when the Service or port does not exist (500 for Gateway API, 503 for ingress-nginx). */
  problem?: 'ServiceNotFound' | 'PortNotFound';
  externalName?: string;
}

/**
 * Resolves `namespace/name` + port (number or ServicePort name) to ready endpoints. Ready = EndpointSlice condition
 * ready (serving and not terminating), which is what ingress-nginx and Envoy load-balance over.
 */
export function resolveServicePort(cluster: Cluster, namespace: string, name: string, port: number | string | undefined): ResolvedService {
  // Pure per cluster snapshot: memoized, because the live proxy asks on every request.
  let memo = resolved.get(cluster);
  if (!memo) resolved.set(cluster, (memo = new Map()));
  const key = `${namespace}/${name}:${typeof port}:${port}`;
  let r = memo.get(key);
  if (!r) memo.set(key, (r = resolveUncached(cluster, namespace, name, port)));
  return r;
}

const resolved = new WeakMap<Cluster, Map<string, ResolvedService>>();

function resolveUncached(cluster: Cluster, namespace: string, name: string, port: number | string | undefined): ResolvedService {
  const svc = cluster.get<KubeObject & { spec: Obj }>('Service', namespace, name);
  const base: ResolvedService = { namespace, service: name, port: typeof port === 'number' ? port : 0, portName: '', endpoints: [], pods: [] };
  if (!svc) return { ...base, problem: 'ServiceNotFound' };
  const ports = (svc.spec.ports ?? []) as Obj[];
  const sp = ports.find((p) => (typeof port === 'number' ? p.port === port : p.name === port));
  if (svc.spec.type === 'ExternalName') {
    const n = typeof port === 'number' ? port : Number(sp?.port ?? 80);
    return { ...base, port: n, externalName: svc.spec.externalName, endpoints: [`${svc.spec.externalName}:${n}`] };
  }
  if (!sp) return { ...base, problem: 'PortNotFound' };
  const out: ResolvedService = { ...base, port: sp.port, portName: sp.name ?? '', appProtocol: sp.appProtocol, endpoints: [], pods: [] };
  const seen = new Set<string>();
  for (const slice of cluster.slicesOfService(namespace, name) as (KubeObject & Obj)[]) {
    const slicePort = ((slice.ports ?? []) as Obj[]).find((p) => (p.name ?? '') === out.portName && (p.protocol ?? 'TCP') === (sp.protocol ?? 'TCP'));
    if (!slicePort || typeof slicePort.port !== 'number') continue;
    for (const ep of (slice.endpoints ?? []) as Obj[]) {
      if (ep.conditions?.ready === false) continue;
      for (const addr of (ep.addresses ?? []) as string[]) {
        const hostPort = joinHostPort(addr, slicePort.port);
        if (seen.has(hostPort)) continue;
        seen.add(hostPort);
        out.endpoints.push(hostPort);
        out.pods.push(ep.targetRef?.kind === 'Pod' ? `${ep.targetRef.namespace ?? namespace}/${ep.targetRef.name}` : '');
      }
    }
  }
  return out;
}

export function toRouteBackend(r: ResolvedService, weight: number): RouteBackend {
  const b: RouteBackend = { namespace: r.namespace, service: r.service, port: r.port, weight, endpoints: r.endpoints, pods: r.pods };
  if (r.problem === 'ServiceNotFound') b.problem = `service "${r.namespace}/${r.service}" not found`;
  else if (r.problem === 'PortNotFound') b.problem = `service "${r.namespace}/${r.service}" has no port ${r.port || '(named)'}`;
  else if (r.endpoints.length === 0) b.problem = `service "${r.namespace}/${r.service}" has no ready endpoints`;
  if (r.appProtocol) b.protocol = r.appProtocol;
  return b;
}

/** Picks an index by weight with r in [0,1); without r, the heaviest (first on ties). -1 when all weights are 0. */
export function pickWeighted(weights: readonly number[], r: number | undefined): number {
  let total = 0;
  for (const w of weights) total += Math.max(0, w);
  if (total <= 0) return -1;
  if (r === undefined) {
    let best = -1;
    for (let i = 0; i < weights.length; i++) if (weights[i] > 0 && (best < 0 || weights[i] > weights[best])) best = i;
    return best;
  }
  let x = r * total;
  for (let i = 0; i < weights.length; i++) {
    const w = Math.max(0, weights[i]);
    if (x < w) return i;
    x -= w;
  }
  return weights.length - 1;
}
