// The conformance suite's assertions (conformance/utils/kubernetes/helpers.go, http/http.go, roundtripper) restated over
// podnet's answers: each judge returns undefined when podnet agrees, else why not. Conditions match as the suite's
// conditionsMatch does: every expected (type, status) is present, with the reason when one is expected.
import type { KubeObject } from '../../src/api/types.js';
import type { RouteRequest, RouteResult } from '../../src/ingress/index.js';

type Obj = Record<string, any>;
export interface Case { id: string; kind: string; check?: string; proto?: string; subtest?: string; skip?: string; [k: string]: any }
type StatusOf = (kind: string, nn: string) => KubeObject | undefined;
type RouteFn = (req: RouteRequest, via: string) => RouteResult;

const GROUP = 'gateway.networking.k8s.io';

function norm(c: Obj): { type: string; status: string; reason: string } {
  return { type: c.type ?? c.Type, status: c.status ?? c.Status, reason: c.reason ?? c.Reason ?? '' };
}

function conditionsMiss(expected: Obj[], actual: Obj[] | undefined): string | undefined {
  for (const e of expected.map(norm)) {
    const a = (actual ?? []).find((x) => x.type === e.type && x.status === e.status && (e.reason === '' || x.reason === e.reason));
    if (!a) {
      const got = (actual ?? []).find((x) => x.type === e.type);
      return `want ${e.type}=${e.status}${e.reason ? ` (${e.reason})` : ''}, got ${got ? `${got.status} (${got.reason})` : 'no such condition'}`;
    }
  }
  return undefined;
}

function latestMiss(o: KubeObject | undefined, conds: Obj[] | undefined): string | undefined {
  if (!o) return 'object not found';
  const gen = o.metadata.generation ?? 1;
  if (!conds || conds.length === 0) return 'no conditions';
  const stale = conds.find((c) => c.observedGeneration !== gen);
  return stale ? `${stale.type} observedGeneration ${stale.observedGeneration} ≠ generation ${gen}` : undefined;
}

/** HTTPRouteMustHaveCondition: the parents named like the Gateway (any kind), namespace unset or equal. */
function parentsFor(route: KubeObject | undefined, gwNN: string): Obj[] {
  const [ns, name] = gwNN.split('/');
  return ((route as Obj | undefined)?.status?.parents ?? []).filter((p: Obj) => p.parentRef?.name === name && (p.parentRef?.namespace === undefined || p.parentRef.namespace === ns));
}

function listenersMiss(expected: Obj[], actual: Obj[] | undefined): string | undefined {
  const act = actual ?? [];
  if (act.length !== expected.length) return `want ${expected.length} listeners, got ${act.length}`;
  for (const e of expected) {
    const a = act.find((x) => x.name === e.Name);
    if (!a) return `listener ${e.Name} missing`;
    const kinds = (e.SupportedKinds ?? []) as Obj[];
    if (kinds.length === 0 && (a.supportedKinds ?? []).length !== 0) return `listener ${e.Name}: want no supportedKinds, got ${a.supportedKinds.map((k: Obj) => k.kind).join(',')}`;
    for (const k of kinds) if (!(a.supportedKinds ?? []).some((x: Obj) => (x.group ?? GROUP) === (k.Group ?? GROUP) && x.kind === k.Kind)) return `listener ${e.Name}: supportedKinds lacks ${k.Kind}`;
    if ((a.attachedRoutes ?? 0) !== (e.AttachedRoutes ?? 0)) return `listener ${e.Name}: attachedRoutes want ${e.AttachedRoutes}, got ${a.attachedRoutes}`;
    const m = conditionsMiss(e.Conditions ?? [], a.conditions);
    if (m) return `listener ${e.Name}: ${m}`;
  }
  return undefined;
}

function listenerConditionsMiss(status: Obj | undefined, names: string[], conds: Obj[]): string | undefined {
  const ls = (status?.listeners ?? []) as Obj[];
  const chosen = names.length > 0 ? names.map((n) => ls.find((l) => l.name === n) ?? { name: n, missing: true }) : ls;
  for (const l of chosen) {
    if (l.missing) return `listener ${l.name} not in status`;
    const m = conditionsMiss(conds, l.conditions);
    if (m) return `listener ${l.name}: ${m}`;
  }
  return undefined;
}

export function judgeStatus(c: Case, statusOf: StatusOf, all: (kind: string) => KubeObject[] = () => []): string | undefined {
  const gw = (): Obj | undefined => statusOf('Gateway', c.gateway);
  switch (c.check) {
    case 'gatewayAddress': {
      const g = gw();
      if (!g) return 'Gateway not found';
      // WaitForGatewayAddress: an address with a type, on conditions of the latest generation.
      if (!(g.status?.addresses ?? []).some((a: Obj) => a.type && a.value)) return 'no address in status.addresses';
      return latestMiss(g as KubeObject, g.status?.conditions);
    }
    case 'gatewayCondition': return gw() ? conditionsMiss([c.condition], gw()!.status?.conditions) : 'Gateway not found';
    case 'gatewayLatestConditions': { const g = gw(); return latestMiss(g as KubeObject, g?.status?.conditions); }
    case 'gatewayListenersConditions': return listenerConditionsMiss(gw()?.status, c.listeners ?? [], c.conditions);
    case 'gatewayListenerConditions': return listenerConditionsMiss(gw()?.status, [c.listener], c.conditions);
    case 'gatewayListeners': return listenersMiss(c.listeners, gw()?.status?.listeners);
    case 'gatewayZeroRoutes': {
      const ls = (gw()?.status?.listeners ?? []) as Obj[];
      return ls.length === 0 || (ls.length === 1 && ls[0].attachedRoutes === 0) ? undefined : `listeners: ${ls.map((l) => `${l.name}=${l.attachedRoutes}`).join(', ')}`;
    }
    case 'gatewayAttachedListenerSets': {
      const n = gw()?.status?.attachedListenerSets;
      return (n ?? 0) === c.count ? undefined : `attachedListenerSets want ${c.count}, got ${n}`;
    }
    case 'gatewayClassAccepted': return conditionsMiss([{ type: 'Accepted', status: 'True' }], (statusOf('GatewayClass', c.gatewayClass) as Obj | undefined)?.status?.conditions);
    case 'gatewayClassLatestConditions': { const g = statusOf('GatewayClass', c.gatewayClass.replace(/^\//, '')) as Obj | undefined; return latestMiss(g as KubeObject, g?.status?.conditions); }
    case 'routeParents': {
      // parentsForRouteMatch: every expected parent has some actual one with the same controller, group, kind, name,
      // namespace (when required or set) and conditions; sectionName and port are not compared, nor the count.
      const r = statusOf(c.route.kind, c.route.nn) as Obj | undefined;
      if (!r) return `${c.route.kind} not found (not admitted)`;
      const act = (r.status?.parents ?? []) as Obj[];
      for (const e of c.parents as Obj[]) {
        const er = e.parentRef;
        const same = act.filter((a) => a.controllerName === e.controllerName && a.parentRef?.group === er.group && a.parentRef?.kind === er.kind && a.parentRef?.name === er.name &&
          (a.parentRef?.namespace === er.namespace || (!c.namespaceRequired && a.parentRef?.namespace === undefined)));
        if (same.length === 0) return `no parent ${er.kind}/${er.namespace}/${er.name} (got ${act.map((a) => `${a.parentRef?.kind}/${a.parentRef?.namespace}/${a.parentRef?.name}`).join(', ') || 'none'})`;
        const misses = same.map((a) => conditionsMiss(e.conditions ?? [], a.conditions));
        if (misses.every((m) => m !== undefined)) return `parent ${er.kind}/${er.name}: ${misses[0]}`;
      }
      return undefined;
    }
    case 'routeCondition': {
      const r = statusOf(c.route.kind, c.route.nn);
      if (!r) return `${c.route.kind} not found (not admitted)`;
      const ps = parentsFor(r, c.gateway);
      if (ps.length === 0) return `no status.parents entry for ${c.gateway}`;
      const misses = ps.map((p) => conditionsMiss([c.condition], p.conditions));
      return misses.every((m) => m !== undefined) ? misses[0] : undefined;
    }
    case 'routeLatestConditions': {
      const r = statusOf(c.route.kind, c.route.nn) as Obj | undefined;
      const conds = ((r?.status?.parents ?? []) as Obj[]).flatMap((p) => p.conditions ?? []);
      return latestMiss(r as KubeObject, conds);
    }
    case 'routeNoAcceptedParents': {
      const r = statusOf(c.route.kind, c.route.nn) as Obj | undefined;
      if (!r) return `${c.route.kind} not found (not admitted)`;
      const ps = (r.status?.parents ?? []) as Obj[];
      if (ps.length === 0) return undefined;
      if (ps.length > 1) return `${ps.length} parents`;
      return conditionsMiss([{ type: 'Accepted', status: 'False' }], ps[0].conditions);
    }
    case 'backendTLSPolicyCondition': {
      const p = statusOf('BackendTLSPolicy', c.policy) as Obj | undefined;
      if (!p) return 'BackendTLSPolicy not found (not admitted)';
      const [ns, name] = String(c.gateway).split('/');
      const anc = ((p.status?.ancestors ?? []) as Obj[]).find((a) => a.ancestorRef?.name === name && (a.ancestorRef?.namespace ?? p.metadata.namespace) === ns);
      return anc ? conditionsMiss([c.condition], anc.conditions) : `no status.ancestors entry for Gateway ${c.gateway}`;
    }
    case 'backendTLSPolicyLatestConditions': {
      const ps = all('BackendTLSPolicy') as Obj[];
      if (ps.length === 0) return 'no BackendTLSPolicy';
      for (const p of ps) { const m = latestMiss(p as KubeObject, ((p.status?.ancestors ?? []) as Obj[]).flatMap((a) => a.conditions ?? [])); if (m) return `${p.metadata.name}: ${m}`; }
      return undefined;
    }
    case 'listenerSetCondition': {
      const ls = statusOf('ListenerSet', c.listenerSet) as Obj | undefined;
      return ls ? conditionsMiss([c.condition], ls.status?.conditions) : 'ListenerSet not found (not admitted)';
    }
    case 'listenerSetListenersConditions': {
      const ls = statusOf('ListenerSet', c.listenerSet) as Obj | undefined;
      return ls ? listenerConditionsMiss(ls.status, c.listeners ?? [], c.conditions) : 'ListenerSet not found (not admitted)';
    }
    case 'listenerSetListeners': {
      const ls = statusOf('ListenerSet', c.listenerSet) as Obj | undefined;
      return ls ? listenersMiss(c.listeners, ls.status?.listeners) : 'ListenerSet not found (not admitted)';
    }
  }
  return `check ${c.check} not understood by the scorer`;
}

function requestOf(c: Case, host: string, random?: number): RouteRequest {
  if (c.proto === 'tcp' || c.proto === 'udp') return { scheme: 'http', host, port: c.port, path: '', query: '', method: '', headers: {}, transport: c.proto, ...(random !== undefined ? { random } : {}) };
  const r = c.request ?? {};
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries((r.headers ?? {}) as Record<string, string>)) headers[k.toLowerCase()] = String(v);
  const reqHost = String(r.host ?? host).toLowerCase().replace(/:\d+$/, '');
  if (r.host) headers.host ??= String(r.host);
  headers.host ??= reqHost;
  const scheme = c.scheme === 'https' ? 'https' : 'http';
  const [path, query = ''] = String(r.path ?? '/').split(/\?(.*)/s);
  return {
    scheme, host: reqHost, port: c.port ?? (scheme === 'https' ? 443 : 80), path, query, method: String(r.method ?? 'GET').toUpperCase(), headers,
    ...(scheme === 'https' ? { sni: String(r.sni ?? r.host ?? host).toLowerCase() } : {}),
    ...(random !== undefined ? { random } : {}),
  };
}

/** What the client receives as response headers: the backend's own, changed by podnet's response header operations. */
function responseHeaders(res: RouteResult, backendSets: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (res.status >= 200 && res.status < 300 && res.backend) for (const [k, v] of Object.entries(backendSets ?? {})) out[k.toLowerCase()] = v;
  const ops = (res as Obj).responseHeaderOps as { action: string; name: string; value?: string }[] | undefined;
  if (ops) {
    for (const op of ops) {
      const k = op.name.toLowerCase();
      if (op.action === 'set') out[k] = op.value ?? '';
      else if (op.action === 'add') out[k] = out[k] !== undefined ? `${out[k]},${op.value}` : op.value ?? '';
      else delete out[k];
    }
  } else for (const [k, v] of Object.entries(res.responseHeaders ?? {})) if (v === null) delete out[k]; else out[k] = v;
  return out;
}

const GRPC_STATUS: Record<string, number[]> = { OK: [200], Unimplemented: [404] };

export function judgeRequest(c: Case, statusOf: StatusOf, route: RouteFn): string | undefined {
  const [gwNs, gwName] = String(c.gateway).split('/');
  const g = statusOf('Gateway', c.gateway) as Obj | undefined;
  if (!g) return 'Gateway not found';
  const address = String((g.status?.addresses ?? [])[0]?.value ?? '192.0.2.10');
  const via = `gateway/${gwNs}/${gwName}`;
  const e = (c.expect ?? (c.proto === 'tcp' ? { status: [200] } : {})) as Obj;
  const randoms: (number | undefined)[] = e.randoms ?? [undefined];
  for (const rnd of randoms) {
    const req = requestOf(c, address, rnd);
    const res = route(req, via);
    const got = `got ${res.status} (${res.reason})`;
    if (e.connectionRejected) { if (res.status !== 0) return `want the connection refused, ${got}`; continue; }
    const statuses: number[] | undefined = e.grpcCode ? GRPC_STATUS[e.grpcCode] : e.status;
    if (statuses && !statuses.includes(res.status)) return `want status ${statuses.join('|')}, ${got}`;
    if (e.notStatus && e.notStatus.includes(res.status)) return `want any status but ${e.notStatus.join('|')}, ${got}`;
    if (e.tlsStream && !(res.status === 200 && res.backend)) return `want the TLS stream to reach a backend, ${got}`;
    // The backend speaks TLS when the stream passes through encrypted, or the Gateway re-encrypts (BackendTLSPolicy).
    const backendIsTLS = Boolean(res.passthrough || res.backendTLS);
    if (e.backendIsTLS !== undefined && e.backendIsTLS !== backendIsTLS) return `want the backend connection ${e.backendIsTLS ? '' : 'not '}to be TLS, podnet says ${backendIsTLS ? 'TLS' : 'plain'}`;
    if (e.backend) {
      const pod = res.backend?.pods?.[0]?.split('/')[1] ?? res.backend?.service ?? '';
      if (!pod.startsWith(e.backend)) return `want backend ${e.backend}, got ${pod || 'none'} (${res.reason})`;
    }
    if (e.namespace && (e.backend || (statuses ?? []).includes(200)) && res.status === 200 && res.backend && res.backend.namespace !== e.namespace) return `want backend namespace ${e.namespace}, got ${res.backend.namespace}`;
    if (e.backendHeaderMatchesPod) {
      const v = res.requestHeaders?.[String(e.backendHeaderMatchesPod).toLowerCase()];
      const pod = res.backend?.pods?.[0]?.split('/')[1] ?? '';
      if (!v || !pod.startsWith(v)) return `random ${rnd}: header ${e.backendHeaderMatchesPod}=${v} but pod ${pod}`;
    }
    const er = e.request as Obj | undefined;
    // Through a passthrough (or terminated) TLS stream the backend gets the request exactly as the client sent it.
    if (res.stream && res.status === 200) { res.path ??= req.query ? `${req.path}?${req.query}` : req.path; res.requestHeaders ??= { ...req.headers }; }
    if (er && res.status >= 200 && res.status < 300) {
      if (er.path && res.path !== er.path) return `backend path want ${er.path}, got ${res.path}`;
      if (er.host && (res.requestHeaders?.host ?? '') !== er.host && (res.requestHeaders?.host ?? '').replace(/:\d+$/, '') !== er.host) return `backend Host want ${er.host}, got ${res.requestHeaders?.host}`;
      if (er.method && res.status === 200 && res.backend && er.method !== (c.request?.method ?? 'GET')) return `backend method want ${er.method}`;
      for (const [k, v] of Object.entries((er.headers ?? {}) as Record<string, string>)) {
        const a = res.requestHeaders?.[k.toLowerCase()];
        if (a !== v) return `backend header ${k} want ${JSON.stringify(v)}, got ${JSON.stringify(a)}`;
      }
      for (const k of (er.absentHeaders ?? []) as string[]) if (res.requestHeaders?.[k.toLowerCase()] !== undefined) return `backend header ${k} should be absent`;
      if (er.sni && res.backendTLS?.sni !== er.sni) return `the backend should see SNI ${er.sni}, podnet ${res.backendTLS ? `sends ${res.backendTLS.sni}` : 'originates no TLS'}`;
    }
    if (e.redirect) {
      if (!res.location) return `want a redirect, ${got}`;
      const u = new URL(res.location);
      const r = e.redirect as Obj;
      const scheme = r.scheme || req.scheme;
      if (u.protocol.slice(0, -1) !== scheme) return `redirect scheme want ${scheme}, got ${u.protocol} (${res.location})`;
      if (r.host && u.hostname !== r.host) return `redirect host want ${r.host}, got ${u.hostname} (${res.location})`;
      if (r.port && u.port !== String(r.port)) return `redirect port want ${r.port}, got ${u.port || '(default)'} (${res.location})`;
      if ((r.path || req.path) !== u.pathname) return `redirect path want ${r.path || req.path}, got ${u.pathname} (${res.location})`;
    }
    const resp = e.response as Obj | undefined;
    if (resp) {
      const h = responseHeaders(res, e.backendSetsResponseHeaders);
      for (const [k, v] of Object.entries((resp.headers ?? {}) as Record<string, string>)) if (h[k.toLowerCase()] !== v) return `response header ${k} want ${JSON.stringify(v)}, got ${JSON.stringify(h[k.toLowerCase()])}`;
      for (const k of (resp.absentHeaders ?? []) as string[]) if (h[k.toLowerCase()] !== undefined) return `response header ${k} should be absent, got ${JSON.stringify(h[k.toLowerCase()])}`;
      const strip = (s: string) => (resp.ignoreWhitespace ? s.replace(/\s+/g, '') : s);
      for (const [k, vs] of Object.entries((resp.validHeaderValues ?? {}) as Record<string, string[]>)) {
        const a = h[k.toLowerCase()];
        if (a === undefined || !vs.some((v) => strip(v) === strip(a))) return `response header ${k} want one of ${JSON.stringify(vs)}, got ${JSON.stringify(a)}`;
      }
    }
    if (e.mirroredTo) {
      for (const m of e.mirroredTo as Obj[]) if (!(res.mirrors ?? []).some((x) => x.service === m.name && x.namespace === (m.namespace || res.backend?.namespace))) return `want a mirror to ${m.namespace}/${m.name}, got ${(res.mirrors ?? []).map((x) => x.service).join(',') || 'none'}`;
      if ((res.mirrors ?? []).length !== (e.mirroredTo as Obj[]).length) return `want ${e.mirroredTo.length} mirrors, got ${(res.mirrors ?? []).length}`;
    }
    if (e.weights) {
      const bs = res.backends ?? [];
      const sum = bs.reduce((s, b) => s + b.weight, 0);
      for (const [name, w] of Object.entries(e.weights as Record<string, number>)) {
        const got = bs.filter((b) => b.service === name).reduce((s, b) => s + b.weight, 0) / (sum || 1);
        if (Math.abs(got - w) > 0.01) return `weight of ${name} want ${w}, got ${got.toFixed(3)}`;
      }
    }
  }
  return undefined;
}
