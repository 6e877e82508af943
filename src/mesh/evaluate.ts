// One request through the mesh: the client's proxy (route, subset, traffic policy, the TLS it originates), the
// server's proxy (PeerAuthentication, then authorization), and the verdict with every why. As in Istio:
// - to a Service: the client sidecar uses the outbound cluster (VirtualService, DestinationRule, auto-mTLS: mTLS to
//   endpoints with a sidecar or in ambient unless their PeerAuthentication for the port is DISABLE);
// - to a pod IP: PassthroughCluster, plaintext, no peer identity; port-level mTLS applies only to Service ports;
// - a plaintext client on a STRICT port is reset (503 UF for an HTTP client through a sidecar);
// - ztunnel (ambient) enforces L4 authorization only: HTTP attributes are unavailable there.
import { findPort } from '../cluster/endpointslices.js';
import { matchesMapSelector } from '../api/labels.js';
import { evaluateAuthz, policiesForWorkload, type AuthzDecision, type AuthzRequest } from './authz.js';
import { serviceOfHost } from './hosts.js';
import { evaluateLinkerd, type LinkerdDecision } from './linkerd.js';
import { principalOf, type Membership } from './membership.js';
import { memo, podIP, portExposedByService, workloadLabels, type CompiledMesh } from './model.js';
import { peerAuthnMode, type PeerAuthnDecision } from './peer-authn.js';
import { findVirtualService, routeRequest, type RouteDecision } from './routing.js';
import { outboundMode, sidecarFor, sidecarKnowsHost } from './sidecar.js';
import { authenticateRequest, type JwtResult } from './request-authn.js';
import { effectiveTrafficPolicy, findDestinationRule, subsetOf, type EffectiveTrafficPolicy } from './traffic-policy.js';

type Obj = Record<string, any>;

export type MeshEndpoint = { kind: 'Pod'; namespace: string; name: string } | { kind: 'Service'; namespace: string; name: string } | { kind: 'IP'; ip: string };

export interface MeshRequest {
  from: MeshEndpoint;
  to: MeshEndpoint;
  /** Service port (to a Service) or container port (to a pod). */
  port: number;
  /** HTTP when set; otherwise a plain TCP connection. */
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  /** JWT `iss/sub` stated by the caller; otherwise RequestAuthentication reads the request's Bearer token. */
  requestPrincipal?: string;
  /** Clock for JWT expiry (default: now). */
  nowMs?: number;
  /** Numbers in [0,1) for weighted choice, faults, mirror and the endpoint pick (the lab's random draws). */
  random?: { weight?: number; delay?: number; abort?: number; mirror?: number; endpoint?: number };
  /** Straight to this upstream cluster, without the host's VirtualService: what Envoy does with a request mirror. */
  cluster?: { host: string; subset?: string; port?: number };
  /** Endpoints (`ns/pod`) the client's load balancer must not pick: outlier detection ejected them. */
  ejected?: ReadonlySet<string>;
  /** Endpoints to avoid when another is available: the hosts earlier tries of this request went to (Istio configures
   * Envoy's `previous_hosts` retry host predicate on every route). */
  previousHosts?: ReadonlySet<string>;
}

export interface MeshHop { proxy: 'envoy-outbound' | 'envoy-inbound' | 'ztunnel' | 'linkerd-proxy'; pod: string; lines: string[] }

/**
 * The mesh layer that decided a request, in the mesh's own words: the Sidecar resource (REGISTRY_ONLY), the route
 * (VirtualService: no match, fault, no destination), a DestinationRule subset, endpoints or outlier detection, the
 * server's PeerAuthentication (mTLS mode) or auto-mTLS to a pod without a proxy, RequestAuthentication (JWT),
 * AuthorizationPolicy, Linkerd's policy; `not-in-mesh` and `passthrough` when no mesh proxy had a say.
 */
export type MeshDecidedBy = 'Sidecar' | 'VirtualService' | 'DestinationRule' | 'endpoints' | 'outlierDetection' | 'mTLS' | 'PeerAuthentication' | 'RequestAuthentication' | 'AuthorizationPolicy' | 'Linkerd' | 'not-in-mesh' | 'passthrough';

export interface MeshEvaluation {
  allowed: boolean;
  /** Which mesh layer decided (see MeshDecidedBy). */
  decidedBy: MeshDecidedBy;
  /** http when the request had a method, else tcp. */
  protocol?: 'http' | 'tcp';
  /** What the client sees when the mesh answers or fails the request (403, 404, 503...). */
  status?: number;
  reason: string;
  source: { pod?: string; ip?: string; dataPlane: Membership['dataPlane']; identity?: string };
  destination?: { pod: string; ip?: string; targetPort: number; dataPlane: Membership['dataPlane'] };
  /** The TLS the client side originates: ISTIO_MUTUAL, DISABLE (plaintext), SIMPLE, MUTUAL. */
  clientTls: string;
  /** The client sidecar sent the connection to PassthroughCluster (pod IP, or a host its Sidecar does not know). */
  passthrough?: boolean;
  mtls: boolean;
  sourcePrincipal?: string;
  peerAuthentication?: PeerAuthnDecision;
  authz: { allowed: boolean; policy?: string; action?: string; reason: string; rule?: number };
  authzDetail?: AuthzDecision;
  jwt?: JwtResult;
  linkerd?: LinkerdDecision;
  route?: RouteDecision;
  subset?: string;
  trafficPolicy?: EffectiveTrafficPolicy;
  /** The endpoints (`ns/pod`) the client's load balancer chose from (the route's cluster, after the subset filter). */
  candidates?: string[];
  hops: MeshHop[];
}

const key = (ns: string, name: string) => `${ns}/${name}`;

function fail(decidedBy: MeshDecidedBy, base: Partial<MeshEvaluation>, status: number | undefined, reason: string): MeshEvaluation {
  return { clientTls: 'DISABLE', mtls: false, hops: [], ...base, source: base.source!, allowed: false, decidedBy, status, reason, authz: base.authz ?? { allowed: false, reason } } as MeshEvaluation;
}

/** Ready endpoints of a Service (pod refs with their target port for the Service port). */
function endpointsOf(mesh: CompiledMesh, ns: string, name: string, servicePort: Obj): { pod: Obj; targetPort: number }[] {
  const out: { pod: Obj; targetPort: number }[] = [];
  const seen = new Set<string>();
  for (const slice of mesh.cluster.slicesOfService(ns, name) as Obj[]) {
    const sp = (slice.ports ?? []).find((p: Obj) => (p.name ?? '') === (servicePort.name ?? ''));
    for (const e of slice.endpoints ?? []) {
      if (e.conditions?.ready === false || e.targetRef?.kind !== 'Pod') continue;
      const pod = mesh.pods.get(key(ns, e.targetRef.name));
      if (!pod || seen.has(pod.metadata.name)) continue;
      seen.add(pod.metadata.name);
      out.push({ pod, targetPort: sp?.port ?? findPort(pod as never, servicePort) ?? servicePort.port });
    }
  }
  return out.sort((a, b) => (a.pod.metadata.name < b.pod.metadata.name ? -1 : 1));
}

function hashKey(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h;
}

function pickEndpoint<T>(eps: T[], tp: EffectiveTrafficPolicy, req: MeshRequest, sourceIP: string | undefined): T {
  const ch = tp.loadBalancer.consistentHash;
  if (ch) {
    const k = ch.httpHeaderName ? req.headers?.[String(ch.httpHeaderName).toLowerCase()] : ch.useSourceIp ? sourceIP
      : ch.httpQueryParameterName ? new URLSearchParams((req.path ?? '').split('?')[1] ?? '').get(ch.httpQueryParameterName) ?? undefined
      : ch.httpCookie ? req.headers?.cookie?.match(new RegExp(`(?:^|; )${ch.httpCookie.name}=([^;]*)`))?.[1] : undefined;
    if (k !== undefined) return eps[hashKey(k) % eps.length];
  }
  return eps[Math.min(eps.length - 1, Math.floor((req.random?.endpoint ?? 0) * eps.length))];
}

/** A request sent to one upstream cluster as is (a mirror's copy): no route match, no retries, no timeout. */
function clusterRoute(c: { host: string; subset?: string; port?: number }): RouteDecision {
  const d = { host: c.host, ...(c.subset ? { subset: c.subset } : {}), ...(c.port ? { port: c.port } : {}), weight: 100, percent: 100 };
  return { kind: 'route', destinations: [d], chosen: d, retries: { attempts: 0, retryOn: '', default: false }, reason: `mirror copy straight to ${c.subset ? `subset ${c.subset} of ` : ''}${c.host} (no VirtualService)` };
}

export function evaluateRequest(mesh: CompiledMesh, req: MeshRequest): MeshEvaluation {
  const e = evaluateInner(mesh, req);
  const passthrough = e.source.dataPlane === 'sidecar' && (req.to.kind !== 'Service' || e.hops.some((h) => h.proxy === 'envoy-outbound' && h.lines[0]?.includes('PassthroughCluster')));
  return { ...e, protocol: req.method !== undefined ? 'http' : 'tcp', ...(passthrough ? { passthrough } : {}) };
}

function evaluateInner(mesh: CompiledMesh, req: MeshRequest): MeshEvaluation {
  const src = req.from.kind === 'Pod' ? mesh.pods.get(key(req.from.namespace, req.from.name)) : undefined;
  if (req.from.kind === 'Pod' && !src) throw new Error(`pod ${req.from.namespace}/${req.from.name} not found`);
  if (req.from.kind === 'Service') throw new Error('the source must be a pod or an IP address');
  const srcM = src ? mesh.memberships.get(key(src.metadata.namespace, src.metadata.name))! : undefined;
  const sourceIP = src ? podIP(src) : req.from.kind === 'IP' ? req.from.ip : undefined;
  const srcPlane = srcM?.dataPlane ?? 'none';
  const source = { pod: src ? key(src.metadata.namespace, src.metadata.name) : undefined, ip: sourceIP, dataPlane: srcPlane, identity: srcM?.identity };
  const srcNs = src?.metadata.namespace ?? '';
  const http = req.method !== undefined;
  const hops: MeshHop[] = [];

  let dst: Obj | undefined;
  let targetPort = req.port;
  let route: RouteDecision | undefined;
  let tp: EffectiveTrafficPolicy | undefined;
  let subset: string | undefined;
  let viaService = false;
  let passthrough = false;
  let candidates: string[] | undefined;
  if (req.to.kind === 'Service') {
    viaService = true;
    const svc = mesh.cluster.get<Obj>('Service', req.to.namespace, req.to.name);
    if (!svc) throw new Error(`service ${req.to.namespace}/${req.to.name} not found`);
    const host = `${req.to.name}.${req.to.namespace}.svc.${mesh.clusterDomain}`;
    let usesVs = srcPlane === 'sidecar';
    if (usesVs) {
      const sc = memo(mesh, `sc|${source.pod}`, () => sidecarFor(mesh.objects.sidecars, srcNs, src!.metadata.labels ?? {}, mesh.rootNamespace));
      if (!sidecarKnowsHost(sc, host, req.to.namespace)) {
        const scRef = `${sc!.metadata.namespace}/${sc!.metadata.name}`;
        if (outboundMode(sc) === 'REGISTRY_ONLY') {
          hops.push({ proxy: 'envoy-outbound', pod: source.pod ?? '', lines: [`${host} is not in the egress hosts of Sidecar ${scRef} and outboundTrafficPolicy is REGISTRY_ONLY: BlackHoleCluster`] });
          return fail('Sidecar', { source, hops }, 502, `${host} is not in the egress hosts of Sidecar ${scRef} (REGISTRY_ONLY): BlackHoleCluster, 502`);
        }
        hops.push({ proxy: 'envoy-outbound', pod: source.pod ?? '', lines: [`${host} is not in the egress hosts of Sidecar ${scRef}: PassthroughCluster (no VirtualService, no DestinationRule, plaintext)`] });
        usesVs = false;
        passthrough = true;
      }
    }
    const vs = usesVs && !req.cluster ? memo(mesh, `vs|${host}|${srcNs}`, () => findVirtualService(mesh.objects.virtualServices, host, srcNs, mesh.clusterDomain)) : undefined;
    route = req.cluster ? clusterRoute(req.cluster) : routeRequest(vs, { host, port: req.port, method: req.method, path: req.path, headers: req.headers, sourceLabels: src?.metadata.labels ?? {}, sourceNamespace: srcNs, random: req.random }, mesh.clusterDomain);
    const out: MeshHop = { proxy: 'envoy-outbound', pod: source.pod ?? '', lines: [route.reason] };
    if (usesVs) hops.push(out);
    else if (passthrough) hops[hops.length - 1].lines.push(route.reason);
    if (route.status !== undefined || !route.chosen) {
      const status = route.status ?? 503;
      return fail('VirtualService', { source, route, hops }, status, route.kind === 'notFound' ? route.reason : route.fault?.aborted ? `fault injection aborts the request with ${status} (${route.reason})` : route.chosen ? route.reason : `${route.reason}: no destination with weight > 0 (503)`);
    }
    const chosenSvc = serviceOfHost(route.chosen.host, mesh.clusterDomain);
    const svc2 = chosenSvc ? mesh.cluster.get<Obj>('Service', chosenSvc.namespace, chosenSvc.name) : undefined;
    if (!chosenSvc || !svc2) return fail('VirtualService', { source, route, hops }, 503, `route destination ${route.chosen.host} is not a Service in the cluster: 503 (NR)`);
    const port = route.chosen.port ?? (svc2.spec.ports.length === 1 ? svc2.spec.ports[0].port : req.port);
    const sp = (svc2.spec.ports ?? []).find((p: Obj) => p.port === port);
    if (!sp) return fail('VirtualService', { source, route, hops }, 503, `Service ${chosenSvc.namespace}/${chosenSvc.name} has no port ${port}: 503 (NR)`);
    const chosenHost = route.chosen.host;
    const dr = usesVs ? memo(mesh, `dr|${chosenHost}|${srcNs}`, () => findDestinationRule(mesh.objects.destinationRules, chosenHost, srcNs, chosenSvc.namespace, mesh.rootNamespace, mesh.clusterDomain)) : undefined;
    subset = route.chosen.subset;
    let eps = memo(mesh, `eps|${chosenSvc.namespace}/${chosenSvc.name}|${sp.name ?? ''}`, () => endpointsOf(mesh, chosenSvc.namespace, chosenSvc.name, sp));
    if (subset) {
      const s = subsetOf(dr, subset);
      if (!s) return fail('DestinationRule', { source, route, hops, subset }, 503, `subset "${subset}" of ${route.chosen.host} is not defined in any DestinationRule: 503 (NR)`);
      eps = eps.filter((e) => matchesMapSelector(s.labels ?? {}, workloadLabels(mesh, e.pod)));
    }
    tp = effectiveTrafficPolicy(dr, subset, port);
    if (usesVs) out.lines.push(`cluster outbound|${port}|${subset ?? ''}|${route.chosen.host}`, `retries: ${route.retries.attempts} attempts${route.retries.perTryTimeoutMs !== undefined ? `, perTryTimeout ${route.retries.perTryTimeoutMs} ms` : ''}, retryOn ${route.retries.retryOn}`, `timeout: ${route.timeoutMs !== undefined ? `${route.timeoutMs} ms` : 'none'}`, `loadBalancer: ${tp.loadBalancer.simple ?? 'consistentHash'}${tp.destinationRule ? ` (DestinationRule ${tp.destinationRule})` : ''}`);
    if (eps.length === 0) return fail('endpoints', { source, route, hops, subset, trafficPolicy: tp }, 503, `no ready endpoint of ${route.chosen.host}${subset ? ` in subset ${subset}` : ''}: 503 (UH, no healthy upstream)`);
    candidates = eps.map((e) => key(e.pod.metadata.namespace, e.pod.metadata.name));
    // Istio sets minHealthPercent 0 (no panic mode): ejected hosts are never picked, even when none is left.
    const ejected = req.ejected;
    const healthy = ejected?.size ? eps.filter((e) => !ejected.has(key(e.pod.metadata.namespace, e.pod.metadata.name))) : eps;
    if (healthy.length === 0) return fail('outlierDetection', { source, route, hops, subset, trafficPolicy: tp, candidates }, 503, `every endpoint of ${route.chosen.host}${subset ? ` subset ${subset}` : ''} is ejected by outlier detection: 503 (UH, no healthy upstream)`);
    const prev = req.previousHosts;
    const fresh = prev?.size ? healthy.filter((e) => !prev.has(key(e.pod.metadata.namespace, e.pod.metadata.name))) : healthy;
    const ep = pickEndpoint(fresh.length ? fresh : healthy, tp, req, sourceIP);
    dst = ep.pod;
    targetPort = ep.targetPort;
  } else if (req.to.kind === 'Pod') {
    dst = mesh.pods.get(key(req.to.namespace, req.to.name));
    if (!dst) throw new Error(`pod ${req.to.namespace}/${req.to.name} not found`);
  } else {
    const ip = req.to.ip;
    dst = [...mesh.pods.values()].find((p) => podIP(p) === ip);
    if (!dst) {
      return { allowed: true, decidedBy: 'passthrough', reason: `${ip} is not a pod: the mesh passes the connection through`, source, clientTls: 'DISABLE', mtls: false, authz: { allowed: true, reason: 'no mesh proxy at the destination' }, hops };
    }
  }

  const dstM = mesh.memberships.get(key(dst.metadata.namespace, dst.metadata.name))!;
  const destination = { pod: key(dst.metadata.namespace, dst.metadata.name), ip: podIP(dst), targetPort, dataPlane: dstM.dataPlane };
  const base = { source, destination, route, subset, trafficPolicy: tp, hops, ...(candidates ? { candidates } : {}) };
  const istioServer = dstM.dataPlane === 'sidecar' || dstM.dataPlane === 'ambient';
  const d0 = dst;
  const exposed = viaService || memo(mesh, `exp|${destination.pod}|${targetPort}`, () => portExposedByService(mesh, d0, targetPort));
  const pa = istioServer ? memo(mesh, `pa|${destination.pod}|${targetPort}|${exposed}`, () => peerAuthnMode(mesh.peerAuthnInput, d0.metadata.namespace, d0.metadata.labels ?? {}, targetPort, exposed)) : undefined;
  // Ambient does not support DISABLE: ztunnel treats it as PERMISSIVE.
  const serverMode = pa ? (dstM.dataPlane === 'ambient' && pa.mode === 'DISABLE' ? 'PERMISSIVE' : pa.mode) : undefined;

  // The TLS the client side originates.
  let clientTls = 'DISABLE';
  let tlsWhy = 'the client has no mesh proxy: plaintext';
  if (srcPlane === 'sidecar') {
    if (!viaService) tlsWhy = 'to a pod IP: PassthroughCluster, plaintext';
    else if (passthrough) tlsWhy = 'PassthroughCluster (host unknown to the Sidecar): plaintext';
    else if (tp?.tls) { clientTls = tp.tls.mode; tlsWhy = `DestinationRule ${tp.destinationRule} sets tls.mode ${tp.tls.mode}`; }
    else if (istioServer && serverMode !== 'DISABLE') { clientTls = 'ISTIO_MUTUAL'; tlsWhy = 'auto-mTLS: the endpoint has an Istio proxy'; }
    else tlsWhy = istioServer ? 'auto-mTLS: the endpoint\'s PeerAuthentication is DISABLE, plaintext' : 'auto-mTLS: the endpoint has no proxy, plaintext';
  } else if (srcPlane === 'ambient') {
    if (istioServer) { clientTls = 'ISTIO_MUTUAL'; tlsWhy = 'ztunnel: HBONE mTLS to a meshed endpoint'; }
    else tlsWhy = 'ztunnel: the endpoint is outside the mesh, plaintext';
  } else if (srcPlane === 'linkerd' && dstM.dataPlane === 'linkerd') {
    clientTls = 'ISTIO_MUTUAL';
    tlsWhy = 'Linkerd: meshed-to-meshed traffic is mTLS';
  }
  const outHop = hops.find((h) => h.proxy === 'envoy-outbound');
  outHop?.lines.push(`tls: ${clientTls} (${tlsWhy})`);

  if (dstM.dataPlane === 'linkerd') {
    const mtls = clientTls === 'ISTIO_MUTUAL';
    const ld = evaluateLinkerd(mesh.objects.linkerd, dst, mesh.namespaces.get(dst.metadata.namespace), targetPort, undefined, { clientIdentity: mtls ? srcM?.identity : undefined, sourceIP, http, method: req.method, path: req.path });
    hops.push({ proxy: 'linkerd-proxy', pod: destination.pod, lines: [ld.reason] });
    const authz = { allowed: ld.allowed, policy: ld.authorization, reason: ld.reason };
    return { ...base, allowed: ld.allowed, decidedBy: 'Linkerd', status: ld.allowed ? undefined : ld.status, reason: ld.reason, clientTls, mtls, sourcePrincipal: mtls ? srcM?.identity : undefined, authz, linkerd: ld };
  }
  if (!istioServer) {
    if (clientTls === 'ISTIO_MUTUAL' || clientTls === 'MUTUAL') {
      return fail('mTLS', { ...base, clientTls }, 503, `${tlsWhy}, but ${destination.pod} has no proxy to terminate mTLS: connection reset (503 UF)`);
    }
    return { ...base, allowed: true, decidedBy: 'not-in-mesh', reason: `${destination.pod} is not in the mesh: no mTLS, no authorization`, clientTls, mtls: false, authz: { allowed: true, reason: 'no mesh proxy at the destination' } };
  }

  const inbound: MeshHop = { proxy: dstM.dataPlane === 'ambient' ? 'ztunnel' : 'envoy-inbound', pod: destination.pod, lines: [`PeerAuthentication: ${serverMode}${pa?.policy ? ` (${pa.level} policy ${pa.policy})` : ' (default)'} on port ${targetPort}`] };
  hops.push(inbound);
  const sendsMtls = clientTls === 'ISTIO_MUTUAL';
  if (serverMode === 'STRICT' && !sendsMtls) {
    const why = `${tlsWhy}; ${destination.pod} port ${targetPort} requires mTLS (STRICT${pa?.policy ? `, ${pa.policy}` : ''}): connection reset${srcPlane === 'sidecar' && http ? ' (503 UF)' : ''}`;
    inbound.lines.push('plaintext rejected');
    return fail('PeerAuthentication', { ...base, clientTls, peerAuthentication: pa }, srcPlane === 'sidecar' && http ? 503 : undefined, why);
  }
  if (serverMode === 'DISABLE' && sendsMtls) {
    inbound.lines.push('mTLS offered to a DISABLE port: handshake fails');
    return fail('PeerAuthentication', { ...base, clientTls, peerAuthentication: pa }, 503, `${tlsWhy}, but ${destination.pod} port ${targetPort} has mTLS DISABLE (${pa?.policy}): the TLS handshake fails (503 UF)`);
  }
  const mtls = sendsMtls;
  const sourcePrincipal = mtls ? srcM?.identity : undefined;
  inbound.lines.push(mtls ? `mTLS: peer identity ${sourcePrincipal}` : 'plaintext: no peer identity');
  const dstNs = dst.metadata.namespace;
  const inScope = memo(mesh, `apns|${dstNs}`, () => mesh.objects.authorizationPolicies.filter((p) => p.metadata.namespace === dstNs || p.metadata.namespace === mesh.rootNamespace));
  const applicable = memo(mesh, `ap|${destination.pod}`, () => policiesForWorkload(inScope, dstNs, d0.metadata.labels ?? {}, mesh.rootNamespace));
  const l7 = http && dstM.dataPlane === 'sidecar';
  let jwt: JwtResult | undefined;
  if (l7 && req.requestPrincipal === undefined) {
    const ras = memo(mesh, `ra|${destination.pod}`, () => policiesForWorkload(mesh.objects.requestAuthentications, dstNs, d0.metadata.labels ?? {}, mesh.rootNamespace));
    jwt = authenticateRequest(ras, req.headers, req.nowMs ?? Date.now());
    if (jwt.status !== 'none') inbound.lines.push(`RequestAuthentication: ${jwt.reason}`);
    if (jwt.status === 'invalid') {
      return { ...base, allowed: false, decidedBy: 'RequestAuthentication', status: 401, reason: jwt.reason, clientTls, mtls, sourcePrincipal, peerAuthentication: pa, authz: { allowed: false, reason: jwt.reason }, jwt };
    }
  }
  const areq: AuthzRequest = {
    mtls, principal: principalOf(sourcePrincipal), sourceIP, http: l7, method: req.method, path: route?.rewrittenPath ?? req.path,
    headers: req.headers, host: route?.rewrittenAuthority ?? (viaService ? req.headers?.host ?? `${(req.to as { name: string }).name}.${(req.to as { namespace: string }).namespace}.svc.${mesh.clusterDomain}` : req.headers?.host),
    requestPrincipal: req.requestPrincipal ?? jwt?.requestPrincipal, claims: jwt?.claims, port: targetPort, destinationIP: podIP(dst),
  };
  const d = evaluateAuthz(applicable, areq, { rootNamespace: mesh.rootNamespace, customProviderAllows: mesh.options.customProviderAllows });
  inbound.lines.push(`authorization: ${d.allowed ? 'allow' : 'deny'} (${d.reason})`);
  const authz = { allowed: d.allowed, policy: d.policy, action: d.action, reason: d.reason, rule: d.rule };
  if (!d.allowed) {
    return { ...base, allowed: false, decidedBy: 'AuthorizationPolicy', status: http ? 403 : undefined, reason: `${d.reason}: ${http ? '403 RBAC: access denied' : 'connection closed'}`, clientTls, mtls, sourcePrincipal, peerAuthentication: pa, authz, authzDetail: d, ...(jwt ? { jwt } : {}) };
  }
  return { ...base, allowed: true, decidedBy: 'AuthorizationPolicy', reason: `${d.reason}${mtls ? ` (mTLS from ${sourcePrincipal})` : ''}`, clientTls, mtls, sourcePrincipal, peerAuthentication: pa, authz, authzDetail: d, ...(jwt ? { jwt } : {}) };
}

/** The `mesh` object of `podnet check --output json` (issue 8 contract). */
export function meshJson(e: MeshEvaluation): { mtls: boolean; sourcePrincipal?: string; authz: { allowed: boolean; policy?: string; action?: string } } {
  return { mtls: e.mtls, sourcePrincipal: e.sourcePrincipal, authz: { allowed: e.authz.allowed, policy: e.authz.policy, action: e.authz.action } };
}
