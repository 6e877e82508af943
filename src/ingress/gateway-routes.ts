// Route attachment and route status (gateway.networking.k8s.io/v1 HTTPRoute, GRPCRoute; v1alpha2 TLSRoute):
// parentRefs -> listeners (sectionName, port, allowedRoutes namespaces + kinds, hostname intersection), backendRefs
// resolved (BackendNotFound, RefNotPermitted, InvalidKind), conditions per parentRef as a conformant controller writes.
import type { Diagnostic } from '../api/diagnostics.js';
import type { KubeObject } from '../api/types.js';
import type { Cluster } from '../cluster/cluster.js';
import { resolveServicePort, toRouteBackend } from './backends.js';
import { IngressCodes } from './codes.js';
import { cond, type Condition } from './conditions.js';
import type { CompiledGateway, CompiledListener } from './gateway-listeners.js';
import { refOf } from './ingress-compile.js';
import { compileRegex, intersectHostnames } from './match.js';
import { GATEWAY_GROUP, referencePermitted } from './refgrant.js';
import type { RouteBackend } from './types.js';

type Obj = Record<string, any>;
export type RouteObj = KubeObject & { spec: Obj };

export interface HeaderMatch { name: string; exact?: string; regex?: RegExp }
export interface CompiledMatch {
  pathType: 'Exact' | 'PathPrefix' | 'RegularExpression';
  path: string;
  pathRegex?: RegExp;
  headers: HeaderMatch[];
  query: { name: string; exact?: string; regex?: RegExp }[];
  method?: string;
  /** GRPCRoute: service and method (matched on the `/service/method` path). */
  grpc?: { service?: string; method?: string; regex: boolean };
}

export interface CompiledBackendRef { backend: RouteBackend; weight: number; invalid?: string; filters: Obj[] }

export interface CompiledRule {
  route: RouteObj;
  index: number;
  matches: CompiledMatch[];
  filters: Obj[];
  backendRefs: CompiledBackendRef[];
  timeouts?: { request?: string; backendRequest?: string };
}

export interface RouteAttachment {
  listener: CompiledListener;
  route: RouteObj;
  /** The route hostnames intersected with the listener's ('*' = any). */
  hostnames: string[];
  rules: CompiledRule[];
}

export interface RouteParentStatus { parentRef: Obj; controllerName: string; conditions: Condition[] }

export interface CompiledRoutes {
  attachments: RouteAttachment[];
  /** status.parents per route, keyed kind/namespace/name. */
  status: Map<string, RouteParentStatus[]>;
}

const ROUTE_KINDS = ['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute'];

export function compileRoutes(cluster: Cluster, gateways: CompiledGateway[], routes: RouteObj[], diags: Diagnostic[]): CompiledRoutes {
  const out: CompiledRoutes = { attachments: [], status: new Map() };
  const parents = new Map<string, Parent>();
  for (const g of gateways) {
    parents.set(`Gateway/${g.gateway.metadata.namespace}/${g.gateway.metadata.name}`, { gateway: g, listeners: g.listeners, what: `Gateway ${g.gateway.metadata.namespace}/${g.gateway.metadata.name}` });
    for (const s of g.listenerSets) parents.set(`ListenerSet/${s.listenerSet.metadata.namespace}/${s.listenerSet.metadata.name}`, { gateway: g, listeners: s.listeners, what: `ListenerSet ${s.listenerSet.metadata.namespace}/${s.listenerSet.metadata.name}` });
  }
  for (const route of routes) {
    const ns = route.metadata.namespace ?? 'default';
    const gen = route.metadata.generation ?? 1;
    const rules = compileRules(cluster, route);
    const problems = rules.flatMap((r) => r.backendRefs.filter((b) => b.invalid).map((b) => b.invalid!));
    const firstBad = rules.flatMap((r) => r.backendRefs).find((b) => b.invalid);
    const resolved = firstBad
      ? cond('ResolvedRefs', false, firstBad.invalid!.split(':')[0], firstBad.invalid!.slice(firstBad.invalid!.indexOf(':') + 2), gen)
      : cond('ResolvedRefs', true, 'ResolvedRefs', 'Resolved all the Object references for the Route', gen);
    if (firstBad) diags.push({ code: IngressCodes.routeRefNotResolved, level: 'warning', object: refOf(route), source: cluster.sourceOf(route), message: `${route.kind} ${ns}/${route.metadata.name}: ${problems.join('; ')}; requests for those backends get 500` });
    const statuses: RouteParentStatus[] = [];
    for (const p of (route.spec.parentRefs ?? []) as Obj[]) {
      const kind = p.kind ?? 'Gateway';
      if ((p.group ?? GATEWAY_GROUP) !== GATEWAY_GROUP || (kind !== 'Gateway' && kind !== 'ListenerSet')) continue; // mesh (GAMMA) parents are not ours
      const parentNs = p.namespace ?? ns;
      const parent = parents.get(`${kind}/${parentNs}/${p.name}`);
      const parentRef = { group: GATEWAY_GROUP, kind, namespace: parentNs, name: p.name, ...(p.sectionName !== undefined ? { sectionName: p.sectionName } : {}), ...(p.port !== undefined ? { port: p.port } : {}) };
      const accepted = attach(cluster, route, p, parent, rules, out, gen);
      // Only a controller that owns the Gateway writes a status entry; a missing Gateway is owned by nobody (PN4104 says it).
      if (parent?.gateway.served) statuses.push({ parentRef, controllerName: parent.gateway.controllerName, conditions: [accepted, resolved] });
      if (accepted.status !== 'True') diags.push({ code: IngressCodes.routeNotAccepted, level: 'warning', object: refOf(route), source: cluster.sourceOf(route), message: `${route.kind} ${ns}/${route.metadata.name} is not accepted by ${kind} ${parentNs}/${p.name}${p.sectionName ? ` (sectionName ${p.sectionName})` : ''}: ${accepted.reason}: ${accepted.message}` });
    }
    out.status.set(`${route.kind}/${ns}/${route.metadata.name}`, statuses);
  }
  return out;
}

/** A parent a route can name: a Gateway (its own listeners) or a ListenerSet (its listeners only). */
interface Parent { gateway: CompiledGateway; listeners: CompiledListener[]; what: string }

/**
 * Accepted for one parentRef. Attachment follows the parentRef and the listeners' allowedRoutes and hostnames, not the
 * listeners' own status (ListenerStatus.AttachedRoutes): every listener the route attaches to counts it, and only
 * programmed listeners carry its traffic.
 */
function attach(cluster: Cluster, route: RouteObj, p: Obj, parent: Parent | undefined, rules: CompiledRule[], out: CompiledRoutes, gen: number): Condition {
  if (!parent) return cond('Accepted', false, 'NoMatchingParent', `${p.kind ?? 'Gateway'} ${p.namespace ?? route.metadata.namespace}/${p.name} not found`, gen);
  const selected = parent.listeners.filter((l) => (p.sectionName === undefined || l.name === p.sectionName) && (p.port === undefined || l.port === p.port));
  if (selected.length === 0) return cond('Accepted', false, 'NoMatchingParent', `No listener of ${parent.what} matches${p.sectionName !== undefined ? ` sectionName ${p.sectionName}` : ''}${p.port !== undefined ? ` port ${p.port}` : ''}`, gen);
  const routeNs = route.metadata.namespace ?? 'default';
  const nsLabels = cluster.get<KubeObject>('Namespace', '', routeNs)?.metadata.labels ?? { 'kubernetes.io/metadata.name': routeNs };
  const allowed = selected.filter((l) => l.supportedKinds.some((k) => k.kind === route.kind && k.group === GATEWAY_GROUP) &&
    (l.from === 'All' || (l.from === 'Same' && routeNs === ((l.listenerSet ?? l.gateway).metadata.namespace ?? 'default')) || (l.from === 'Selector' && l.namespaceSelector!(nsLabels))));
  if (allowed.length === 0) return cond('Accepted', false, 'NotAllowedByListeners', `No listener${p.sectionName ? ` ${p.sectionName}` : ''} of ${parent.what} allows ${route.kind}s from namespace ${routeNs}`, gen);
  const routeHosts = ((route.spec.hostnames ?? []) as string[]).map((h) => h.toLowerCase());
  let any = false;
  for (const l of allowed) {
    const hosts = route.kind === 'TCPRoute' || route.kind === 'UDPRoute' ? ['*']
      : routeHosts.length === 0 ? [intersectHostnames(l.hostname, undefined)!] : routeHosts.map((h) => intersectHostnames(l.hostname, h)).filter((h): h is string => h !== undefined);
    if (hosts.length === 0) continue;
    any = true;
    l.attachedRoutes++;
    if (l.programmed) out.attachments.push({ listener: l, route, hostnames: [...new Set(hosts)], rules });
  }
  if (!any) return cond('Accepted', false, 'NoMatchingListenerHostname', `No hostname of the route intersects the listener hostnames (${allowed.map((l) => l.hostname ?? '*').join(', ')})`, gen);
  return cond('Accepted', true, 'Accepted', 'Route is accepted', gen);
}

function compileRules(cluster: Cluster, route: RouteObj): CompiledRule[] {
  const ns = route.metadata.namespace ?? 'default';
  return ((route.spec.rules ?? []) as Obj[]).map((rule, index) => {
    const rawMatches = (rule.matches ?? []) as Obj[];
    const matches = route.kind === 'GRPCRoute' ? grpcMatches(rawMatches) : route.kind === 'HTTPRoute' ? httpMatches(rawMatches) : [];
    const backendRefs = ((rule.backendRefs ?? []) as Obj[]).map((b) => compileBackendRef(cluster, route.kind, ns, b));
    return { route, index, matches, filters: (rule.filters ?? []) as Obj[], backendRefs, ...(rule.timeouts ? { timeouts: rule.timeouts } : {}) };
  });
}

function httpMatches(raw: Obj[]): CompiledMatch[] {
  const list = raw.length === 0 ? [{}] : raw;
  return list.map((m) => {
    const pathType = (m.path?.type ?? 'PathPrefix') as CompiledMatch['pathType'];
    const path = String(m.path?.value ?? '/');
    return {
      pathType, path, ...(pathType === 'RegularExpression' ? { pathRegex: compileRegex(`^(?:${path})$`) ?? /(?!)/ } : {}),
      headers: firstOfEachName((m.headers ?? []) as Obj[], true).map((h) => ({ name: h.name.toLowerCase(), ...(h.type === 'RegularExpression' ? { regex: compileRegex(h.value) ?? /(?!)/ } : { exact: String(h.value) }) })),
      query: firstOfEachName((m.queryParams ?? []) as Obj[], false).map((q) => ({ name: q.name, ...(q.type === 'RegularExpression' ? { regex: compileRegex(q.value) ?? /(?!)/ } : { exact: String(q.value) }) })),
      ...(m.method ? { method: String(m.method) } : {}),
    };
  });
}

function grpcMatches(raw: Obj[]): CompiledMatch[] {
  const list = raw.length === 0 ? [{}] : raw;
  return list.map((m) => ({
    pathType: 'PathPrefix', path: '/',
    headers: firstOfEachName((m.headers ?? []) as Obj[], true).map((h) => ({ name: h.name.toLowerCase(), ...(h.type === 'RegularExpression' ? { regex: compileRegex(h.value) ?? /(?!)/ } : { exact: String(h.value) }) })),
    query: [],
    grpc: { ...(m.method?.service ? { service: m.method.service } : {}), ...(m.method?.method ? { method: m.method.method } : {}), regex: m.method?.type === 'RegularExpression' },
  }));
}

/** Duplicated names in one match: only the first counts (header names case-insensitive, query names case-sensitive). */
function firstOfEachName(list: Obj[], caseInsensitive: boolean): Obj[] {
  const seen = new Set<string>();
  return list.filter((x) => {
    const k = caseInsensitive ? String(x.name).toLowerCase() : String(x.name);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Resolves one backendRef: invalid ones carry `Reason: message`, and requests routed to them get 500. */
export function compileBackendRef(cluster: Cluster, routeKind: string, routeNs: string, b: Obj): CompiledBackendRef {
  const group = b.group ?? '';
  const kind = b.kind ?? 'Service';
  const ns = b.namespace ?? routeNs;
  const weight = b.weight ?? 1;
  const filters = (b.filters ?? []) as Obj[];
  if (group !== '' || kind !== 'Service') {
    return { backend: { namespace: ns, service: String(b.name), port: b.port ?? 0, weight, problem: `${group || 'core'}/${kind} is not a supported backend kind` }, weight, filters, invalid: `InvalidKind: backendRef ${group ? group + '/' : ''}${kind} ${b.name} is not a Service` };
  }
  if (!referencePermitted(cluster, { group: GATEWAY_GROUP, kind: routeKind, namespace: routeNs }, { group: '', kind: 'Service', namespace: ns, name: String(b.name) })) {
    return { backend: { namespace: ns, service: String(b.name), port: b.port ?? 0, weight, problem: `reference to Service ${ns}/${b.name} is not permitted (no ReferenceGrant)` }, weight, filters, invalid: `RefNotPermitted: backendRef to Service ${ns}/${b.name} is not permitted: no ReferenceGrant in namespace ${ns} allows ${routeKind}s from ${routeNs}` };
  }
  const r = resolveServicePort(cluster, ns, String(b.name), b.port);
  const backend = toRouteBackend(r, weight);
  if (r.problem === 'ServiceNotFound') return { backend, weight, filters, invalid: `BackendNotFound: Service ${ns}/${b.name} not found` };
  if (r.problem === 'PortNotFound') return { backend, weight, filters, invalid: `BackendNotFound: Service ${ns}/${b.name} has no port ${b.port}` };
  return { backend, weight, filters };
}

export { ROUTE_KINDS };
