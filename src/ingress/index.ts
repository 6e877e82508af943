// The routing component's public API: compile once per cluster snapshot, then answer requests and report status.
//   const model = compileRouting(cluster);  model.route(requestFromUrl('https://my-app.example.com/api/x'), 'ingress:nginx')
// Pure: reads the cluster store, never mutates it; trace (issue 5) and the live lab (issue 7) call the same functions.
import type { Diagnostic } from '../api/diagnostics.js';
import type { KubeObject } from '../api/types.js';
import type { Cluster } from '../cluster/cluster.js';
import { IngressCodes } from './codes.js';
import { cond, type Condition } from './conditions.js';
import { allListeners, compileGateways, type CompiledGateway } from './gateway-listeners.js';
import { compileRoutes as compileGatewayRoutes, ROUTE_KINDS, type CompiledRoutes, type RouteObj } from './gateway-routes.js';
import { routeGateway } from './gateway-traffic.js';
export { listenerPorts, type ListenerPort } from './gateway-traffic.js';
export { coversSubjectAltNames } from './backend-tls.js';
export { servedTlsSecret, tlsSecretPem } from './tls.js';
import { listenerSetStatus } from './gateway-listenersets.js';
import { gatewayClassAccepted } from './gateway-spec.js';
import { applyBackendTLS, backendTLSPolicyStatus, compileBackendTLSPolicies, type CompiledBackendTLSPolicy } from './backend-tls.js';
import { compileIngressEntryPoints, refOf, type IngressEntryPoint } from './ingress-compile.js';
import { routeIngress } from './ingress-route.js';
import { applyDataPlanePolicy, proxyPods } from './dataplane-policy.js';
import { compilePolicies, type PolicyModel } from '../policy/index.js';
import { normalizeHost, splitPathQuery } from './match.js';
import { validateGateway, validateGatewayClass, validateReferenceGrant, validateRoute } from './route-validate.js';
import type { RouteRequest, RouteResult } from './types.js';

export type { RouteRequest, RouteResult, RouteBackend, RouteVia } from './types.js';
export { IngressCodes } from './codes.js';

type Obj = Record<string, any>;

export interface EntryPoint {
  /** `ingress:CLASS` or `gateway/NS/NAME` (what --via takes). */
  id: string;
  kind: 'ingress' | 'gateway';
  /** The controller that serves it (IngressClass spec.controller / GatewayClass spec.controllerName). */
  controller: string;
  /** Ports it listens on. */
  ports: number[];
  /** True when it has something to serve (Ingresses of the class, or a served Gateway). */
  active: boolean;
}

export interface RoutingModel {
  entryPoints: EntryPoint[];
  diagnostics: Diagnostic[];
  ingress: IngressEntryPoint[];
  gateways: CompiledGateway[];
  routes: CompiledRoutes;
  backendTLSPolicies: CompiledBackendTLSPolicy[];
  /** Routes one request; `via` picks the entry point (see resolveEntryPoint). */
  route(req: RouteRequest, via?: string): RouteResult;
  resolveEntryPoint(via?: string): EntryPoint;
}

export class EntryPointError extends Error {}

const cache = new WeakMap<Cluster, RoutingModel>();

/** The routing model for a cluster, compiled once per Cluster (clusters are immutable snapshots). */
export function routingModelOf(cluster: Cluster): RoutingModel {
  return compileRouting(cluster);
}

/** The data-plane pods (NS/NAME) of every active entry point, each with the first entry point it serves. */
export function activeProxyPods(cluster: Cluster): Map<string, string> {
  const out = new Map<string, string>();
  for (const ep of compileRouting(cluster).entryPoints) {
    if (!ep.active) continue;
    for (const p of proxyPods(cluster, ep.id)) {
      const key = `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`;
      if (!out.has(key)) out.set(key, ep.id);
    }
  }
  return out;
}

/**
 * Compiles Ingresses (per IngressClass) and Gateway API objects (per Gateway) into route tables with status; once per
 * Cluster (the result is cached: calling again with the same snapshot returns the same model).
 */
export function compileRouting(cluster: Cluster): RoutingModel {
  const cached = cache.get(cluster);
  if (cached) return cached;
  const diagnostics: Diagnostic[] = [];
  const ingress = compileIngressEntryPoints(cluster, diagnostics);
  const validGateways = new Set<KubeObject>();
  for (const gw of cluster.list<KubeObject & { spec?: Obj }>('Gateway')) {
    const errs = validateGateway(gw);
    if (errs.length === 0) validGateways.add(gw);
    else for (const e of errs) diagnostics.push({ code: IngressCodes.gatewayFieldInvalid, level: 'error', object: refOf(gw), source: cluster.sourceOf(gw), message: `Gateway.gateway.networking.k8s.io "${gw.metadata.name}" is invalid: ${e}` });
  }
  for (const [kind, validate] of [['GatewayClass', validateGatewayClass], ['ReferenceGrant', validateReferenceGrant]] as const) {
    for (const o of cluster.list<KubeObject & { spec?: Obj }>(kind)) {
      for (const e of validate(o)) diagnostics.push({ code: IngressCodes.gatewayFieldInvalid, level: 'error', object: refOf(o), source: cluster.sourceOf(o), message: `${kind}.gateway.networking.k8s.io "${o.metadata.name}" is invalid: ${e}` });
    }
  }
  const gateways = compileGateways(cluster, diagnostics).filter((g) => validGateways.has(g.gateway));
  const routeObjs: RouteObj[] = [];
  for (const kind of ROUTE_KINDS) {
    for (const r of cluster.list<RouteObj>(kind)) {
      const errs = validateRoute(r);
      if (errs.length === 0) routeObjs.push(r);
      else for (const e of errs) diagnostics.push({ code: IngressCodes.gatewayFieldInvalid, level: 'error', object: refOf(r), source: cluster.sourceOf(r), message: `${kind}.gateway.networking.k8s.io "${r.metadata.name}" is invalid: ${e}` });
    }
  }
  const routes = compileGatewayRoutes(cluster, gateways, routeObjs, diagnostics);
  const backendTLSPolicies = compileBackendTLSPolicies(cluster, gateways, routes.attachments);
  const entryPoints: EntryPoint[] = [
    ...ingress.map((e) => ({ id: `ingress:${e.className}`, kind: 'ingress' as const, controller: e.controller, ports: [80, 443], active: e.ingresses.length > 0 })),
    ...gateways.filter((g) => g.served).map((g) => ({ id: `gateway/${g.gateway.metadata.namespace}/${g.gateway.metadata.name}`, kind: 'gateway' as const, controller: g.controllerName, ports: [...new Set(allListeners(g).map((l) => l.port))].sort((a, b) => a - b), active: true })),
  ];
  let policyModel: PolicyModel | undefined;
  const policies = (): PolicyModel => (policyModel ??= compilePolicies(cluster));
  // Per request only the route itself is computed: the entry point a `via` names and its compiled tables are looked up.
  const byId = new Map<string, EntryPoint>();
  for (const e of entryPoints) if (!byId.has(e.id)) byId.set(e.id, e);
  const ingressById = new Map<string, IngressEntryPoint>();
  for (const e of ingress) { const id = `ingress:${e.className}`; if (!ingressById.has(id)) ingressById.set(id, e); }
  const gatewayById = new Map<string, CompiledGateway>();
  for (const g of gateways) { const id = `gateway/${g.gateway.metadata.namespace}/${g.gateway.metadata.name}`; if (!gatewayById.has(id)) gatewayById.set(id, g); }
  let defaultEntryPoint: EntryPoint | undefined;
  const entryPointOf = (via?: string): EntryPoint => {
    if (via === undefined || via === '') return (defaultEntryPoint ??= resolveEntryPoint(entryPoints, via));
    return byId.get(via) ?? resolveEntryPoint(entryPoints, via);
  };
  const model: RoutingModel = {
    entryPoints, diagnostics, ingress, gateways, routes, backendTLSPolicies,
    resolveEntryPoint(via?: string): EntryPoint {
      return resolveEntryPoint(entryPoints, via);
    },
    route(req: RouteRequest, via?: string): RouteResult {
      const ep = entryPointOf(via);
      let result: RouteResult;
      if (ep.kind === 'ingress') result = routeIngress(cluster, ingressById.get(ep.id)!, req);
      else {
        result = routeGateway(gatewayById.get(ep.id)!, routes.attachments, req);
        applyBackendTLS(cluster, backendTLSPolicies, result);
      }
      return applyDataPlanePolicy(cluster, policies, result);
    },
  };
  cache.set(cluster, model);
  return model;
}

function resolveEntryPoint(entryPoints: EntryPoint[], via?: string): EntryPoint {
  const list = (): string => entryPoints.map((e) => e.id).join(', ') || 'none';
  if (via === undefined || via === '') {
    const active = entryPoints.filter((e) => e.active);
    if (active.length === 1) return active[0];
    if (active.length === 0 && entryPoints.length === 1) return entryPoints[0];
    if (active.length === 0) throw new EntryPointError(entryPoints.length === 0 ? 'the manifests have no Ingress and no Gateway: there is no entry point to route through' : `no entry point has anything to serve; choose one with --via (${list()})`);
    throw new EntryPointError(`there are ${active.length} entry points; choose one with --via: ${active.map((e) => e.id).join(', ')}`);
  }
  if (via === 'ingress' || via === 'gateway') {
    const ing = entryPoints.filter((e) => e.kind === via);
    const act = ing.filter((e) => e.active);
    if (act.length === 1) return act[0];
    if (ing.length === 1) return ing[0];
    const what = via === 'ingress' ? 'IngressClass' : 'Gateway';
    throw new EntryPointError(ing.length === 0 ? `there is no ${what} to route through` : `there are ${ing.length} ${what}es; choose one: ${ing.map((e) => e.id).join(', ')}`.replace('Gatewayes', 'Gateways'));
  }
  const id = via.startsWith('gateway:') ? `gateway/${via.slice(8)}` : via;
  const found = entryPoints.find((e) => e.id === id) ?? (id.startsWith('gateway/') && id.split('/').length === 2 ? entryPoints.find((e) => e.id.endsWith(`/${id.split('/')[1]}`) && e.kind === 'gateway') : undefined);
  if (!found) throw new EntryPointError(`no entry point ${JSON.stringify(via)}; the choices are: ${list()}`);
  return found;
}

/** Builds a RouteRequest from a URL, as curl would send it (SNI and Host from the URL unless a Host header is given). */
export function requestFromUrl(url: string, opts: { method?: string; headers?: Record<string, string>; clientIP?: string; random?: number } = {}): RouteRequest {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new EntryPointError(`${JSON.stringify(url)} is not a URL (like http://my-app.example.com/api)`);
  }
  if (u.protocol === 'tcp:' || u.protocol === 'udp:') {
    if (!u.port) throw new EntryPointError(`${JSON.stringify(url)}: a ${u.protocol.slice(0, -1)} URL needs a port (like ${u.protocol}//gateway.example:9000)`);
    return { scheme: 'http', host: normalizeHost(u.hostname), port: Number(u.port), path: '', query: '', method: '', headers: {}, transport: u.protocol === 'udp:' ? 'udp' : 'tcp', ...(opts.clientIP ? { clientIP: opts.clientIP } : {}), ...(opts.random !== undefined ? { random: opts.random } : {}) };
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new EntryPointError(`${JSON.stringify(url)}: only http, https, tcp and udp URLs can be routed`);
  const scheme = u.protocol === 'https:' ? 'https' : 'http';
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.headers ?? {})) {
    const key = k.toLowerCase();
    headers[key] = headers[key] !== undefined ? `${headers[key]}, ${v}` : v;
  }
  const urlHost = u.host; // with port when not default
  if (headers['host'] === undefined) headers['host'] = urlHost;
  const { path, query } = splitPathQuery(u.pathname + u.search);
  return {
    scheme, host: normalizeHost(headers['host']), port: u.port ? Number(u.port) : scheme === 'https' ? 443 : 80,
    path, query, method: (opts.method ?? 'GET').toUpperCase(), headers, sni: scheme === 'https' ? normalizeHost(u.hostname) : undefined,
    ...(opts.clientIP ? { clientIP: opts.clientIP } : {}), ...(opts.random !== undefined ? { random: opts.random } : {}),
  };
}

/**
 * The object with the status the controllers would write: GatewayClass, Gateway (addresses, conditions, listeners),
 * ListenerSet (conditions, listeners), HTTPRoute / GRPCRoute / TLSRoute / TCPRoute / UDPRoute (status.parents), Ingress (status.loadBalancer from the controller's Service).
 * Other kinds are returned as they are. Never mutates the store.
 */
export function withComputedStatus<T extends KubeObject>(cluster: Cluster, obj: T): T {
  const model = routingModelOf(cluster);
  const ns = obj.metadata.namespace ?? '';
  const copy = structuredClone(obj) as Obj;
  switch (obj.kind) {
    case 'GatewayClass':
      copy.status = { conditions: [gatewayClassAccepted(cluster, obj as KubeObject & { spec?: Obj })] };
      break;
    case 'Gateway': {
      const g = model.gateways.find((x) => x.gateway.metadata.namespace === ns && x.gateway.metadata.name === obj.metadata.name);
      if (!g) {
        const original = cluster.get<KubeObject>('Gateway', ns, obj.metadata.name);
        copy.status = original && !model.gateways.some((x) => x.gateway === original) ? { conditions: [cond('Accepted', false, 'Invalid', 'The Gateway fails validation', obj.metadata.generation ?? 1)] } : copy.status;
        break;
      }
      copy.status = {
        ...(g.addresses.length ? { addresses: g.addresses } : {}),
        conditions: g.conditions,
        listeners: g.listeners.map((l) => ({ name: l.name, supportedKinds: l.supportedKinds, attachedRoutes: l.attachedRoutes, conditions: l.conditions as Condition[] })),
        ...(g.gateway.spec?.allowedListeners || g.listenerSets.length > 0 ? { attachedListenerSets: g.listenerSets.filter((s) => s.accepted).length } : {}),
      };
      break;
    }
    case 'BackendTLSPolicy': {
      const p = model.backendTLSPolicies.find((x) => x.policy.metadata.namespace === ns && x.policy.metadata.name === obj.metadata.name);
      if (p) copy.status = backendTLSPolicyStatus(p);
      break;
    }
    case 'ListenerSet': {
      const set = model.gateways.flatMap((g) => g.listenerSets).find((s) => s.listenerSet.metadata.namespace === ns && s.listenerSet.metadata.name === obj.metadata.name);
      if (set) copy.status = listenerSetStatus(set);
      break;
    }
    case 'HTTPRoute': case 'GRPCRoute': case 'TLSRoute': case 'TCPRoute': case 'UDPRoute': {
      const parents = model.routes.status.get(`${obj.kind}/${ns}/${obj.metadata.name}`);
      copy.status = { parents: parents ?? [] };
      break;
    }
    case 'Ingress': {
      const svc = cluster.get<KubeObject & Obj>('Service', 'ingress-nginx', 'ingress-nginx-controller');
      const lb = svc?.status?.loadBalancer?.ingress;
      if (lb?.length) copy.status = { loadBalancer: { ingress: lb.map((i: Obj) => ({ ...(i.ip ? { ip: i.ip } : {}), ...(i.hostname ? { hostname: i.hostname } : {}) })) } };
      break;
    }
  }
  return copy as T;
}
export { proxyPods } from './dataplane-policy.js';
export { entryPointAddress, entryPointClusterAddress, type EntryPointAddress } from './entry-address.js';

/** The kinds whose status the routing controllers write (`podnet get` shows it computed). */
export const ROUTING_STATUS_KINDS: ReadonlySet<string> = new Set(['GatewayClass', 'Gateway', 'ListenerSet', 'HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute', 'BackendTLSPolicy', 'Ingress']);
export { normalizeHost } from './match.js';
export { EdgeRateLimiter } from './rate-limit.js';
