// Gateways and their listeners (gateway.networking.k8s.io/v1 Gateway), with the status a conformant implementation
// reports: listener Accepted / ResolvedRefs / Conflicted / Programmed and supportedKinds, Gateway Accepted / Programmed.
// Every GatewayClass in the manifests is served as if its controller ran.
import type { Diagnostic } from '../api/diagnostics.js';
import { compileLabelSelector, type LabelMatcher } from '../api/labels.js';
import type { KubeObject } from '../api/types.js';
import type { Cluster } from '../cluster/cluster.js';
import { dataPlaneName } from '../cluster/dataplanes.js';
import { IngressCodes } from './codes.js';
import { cond, type Condition } from './conditions.js';
import { refOf, secretProblem } from './ingress-compile.js';
import { GATEWAY_GROUP, referencePermitted } from './refgrant.js';
import { compileListenerSets, type CompiledListenerSet } from './gateway-listenersets.js';
import { frontendValidationFor, gatewaySpecConditions, type FrontendValidation } from './gateway-spec.js';

type Obj = Record<string, any>;
export type GatewayObj = KubeObject & { spec: Obj };

export interface RouteKind { group: string; kind: string }

export interface CompiledListener {
  gateway: GatewayObj;
  /** The ListenerSet that defines the listener (GEP-1713); absent for the Gateway's own listeners. */
  listenerSet?: KubeObject & { spec: Obj };
  name: string;
  port: number;
  protocol: string;
  hostname?: string;
  tlsMode?: 'Terminate' | 'Passthrough';
  /** Resolved certificate (first valid certificateRef), ns/name. */
  certificate?: string;
  from: 'Same' | 'All' | 'Selector';
  namespaceSelector?: LabelMatcher;
  supportedKinds: RouteKind[];
  conditions: Condition[];
  /** HTTPS: the client-certificate validation the Gateway's spec.tls.frontend asks for on this port. */
  frontendValidation?: FrontendValidation;
  /** Accepted, not conflicted, refs resolved: routes attach and traffic flows. */
  programmed: boolean;
  attachedRoutes: number;
}

export interface CompiledGateway {
  gateway: GatewayObj;
  className: string;
  controllerName: string;
  /** False when the GatewayClass does not exist: no controller picks the Gateway up. */
  served: boolean;
  listeners: CompiledListener[];
  /** ListenerSets whose parentRef names this Gateway, in precedence order, with their status (gateway-listenersets.ts). */
  listenerSets: CompiledListenerSet[];
  addresses: { type: string; value: string }[];
  /** Filled after routes attach (Programmed depends on listeners only). */
  conditions: Condition[];
}

const KINDS_BY_PROTOCOL: Record<string, RouteKind[]> = {
  HTTP: [{ group: GATEWAY_GROUP, kind: 'HTTPRoute' }, { group: GATEWAY_GROUP, kind: 'GRPCRoute' }],
  HTTPS: [{ group: GATEWAY_GROUP, kind: 'HTTPRoute' }, { group: GATEWAY_GROUP, kind: 'GRPCRoute' }],
  TLS: [{ group: GATEWAY_GROUP, kind: 'TLSRoute' }],
  TCP: [{ group: GATEWAY_GROUP, kind: 'TCPRoute' }],
  UDP: [{ group: GATEWAY_GROUP, kind: 'UDPRoute' }],
};

/** Listeners that can share a port: HTTP alone; HTTPS and TLS together (both are told apart by SNI). */
export function portFamily(protocol: string): string {
  return protocol === 'HTTP' ? 'http' : protocol === 'HTTPS' || protocol === 'TLS' ? 'tls' : protocol.toLowerCase();
}

export function compileGateways(cluster: Cluster, diags: Diagnostic[]): CompiledGateway[] {
  const classes = new Map(cluster.list<KubeObject & { spec?: Obj }>('GatewayClass').map((c) => [c.metadata.name, c]));
  const out: CompiledGateway[] = [];
  for (const gw of cluster.list<GatewayObj>('Gateway')) {
    const className = String(gw.spec?.gatewayClassName ?? '');
    const cls = classes.get(className);
    const gen = gw.metadata.generation ?? 1;
    if (!cls) {
      diags.push({ code: IngressCodes.gatewayClassMissing, level: 'warning', object: refOf(gw), source: cluster.sourceOf(gw), message: `Gateway ${gw.metadata.namespace}/${gw.metadata.name} names GatewayClass "${className}", which does not exist: no controller programs it` });
      out.push({ gateway: gw, className, controllerName: '', served: false, listeners: [], listenerSets: [], addresses: [], conditions: [cond('Accepted', 'Unknown', 'Pending', 'Waiting for controller', gen), cond('Programmed', 'Unknown', 'Pending', 'Waiting for controller', gen)] });
      continue;
    }
    const listeners = ((gw.spec?.listeners ?? []) as Obj[]).map((l) => compileListener(cluster, gw, l, diags));
    markConflicts(listeners);
    for (const l of listeners) finishListener(cluster, l, diags);
    const addresses = gatewayAddresses(cluster, gw, className);
    const valid = listeners.filter((l) => l.programmed).length;
    const spec = gatewaySpecConditions(cluster, gw);
    const conditions = [
      spec.notAccepted ?? (valid === listeners.length ? cond('Accepted', true, 'Accepted', 'Gateway is accepted', gen)
        : cond('Accepted', valid > 0, 'ListenersNotValid', `${listeners.length - valid} of ${listeners.length} listeners are not valid`, gen)),
      spec.notAccepted ? cond('Programmed', false, 'Invalid', `The Gateway is not accepted: ${spec.notAccepted.message}`, gen)
        : valid > 0 && addresses.length > 0 ? cond('Programmed', true, 'Programmed', 'Gateway is programmed', gen)
          : valid === 0 ? cond('Programmed', false, 'Invalid', 'No listener is valid', gen)
            : cond('Programmed', false, 'AddressNotAssigned', 'The Gateway\'s Service has no load-balancer address', gen),
      ...spec.extra,
    ];
    const compiled: CompiledGateway = { gateway: gw, className, controllerName: String(cls.spec?.controllerName ?? ''), served: true, listeners, listenerSets: [], addresses, conditions };
    compiled.listenerSets = compileListenerSets(cluster, compiled, diags);
    out.push(compiled);
  }
  return out;
}

/** The Gateway's merged listener list: its own, then those of its accepted ListenerSets in precedence order. */
export function allListeners(g: CompiledGateway): CompiledListener[] {
  return g.listenerSets.length === 0 ? g.listeners : [...g.listeners, ...g.listenerSets.flatMap((s) => s.listeners)];
}

/** Programmed from the other conditions (Accepted, not Conflicted, ResolvedRefs), with a warning when it is False. */
export function finishListener(cluster: Cluster, l: CompiledListener, diags: Diagnostic[]): void {
  const owner = l.listenerSet ?? l.gateway;
  const gen = owner.metadata.generation ?? 1;
  const accepted = l.conditions.find((c) => c.type === 'Accepted')!;
  const conflicted = l.conditions.find((c) => c.type === 'Conflicted')!;
  const resolved = l.conditions.find((c) => c.type === 'ResolvedRefs')!.status === 'True';
  l.programmed = accepted.status === 'True' && conflicted.status !== 'True' && resolved;
  l.conditions.push(l.programmed ? cond('Programmed', true, 'Programmed', 'Programmed', gen)
    : cond('Programmed', false, conflicted.status === 'True' && l.listenerSet ? conflicted.reason : 'Invalid', 'The listener is not valid: see its other conditions', gen));
  if (!l.programmed) diags.push({ code: IngressCodes.listenerNotValid, level: 'warning', object: refOf(owner), source: cluster.sourceOf(owner), message: `${owner.kind} ${owner.metadata.namespace}/${owner.metadata.name} listener "${l.name}" is not programmed: ${l.conditions.filter((c) => (c.type === 'Conflicted') === (c.status === 'True') && c.type !== 'Programmed').map((c) => `${c.type}=${c.status} (${c.reason}: ${c.message})`).join('; ')}` });
}

/** One listener of a Gateway, or of a ListenerSet (`owner`: its namespace, generation and ReferenceGrant kind). */
export function compileListener(cluster: Cluster, gw: GatewayObj, l: Obj, diags: Diagnostic[], owner: KubeObject & { spec: Obj } = gw): CompiledListener {
  const gen = owner.metadata.generation ?? 1;
  const ns = owner.metadata.namespace ?? 'default';
  const protocol = String(l.protocol ?? '');
  const from = (l.allowedRoutes?.namespaces?.from ?? 'Same') as CompiledListener['from'];
  const listener: CompiledListener = {
    gateway: gw, name: String(l.name ?? ''), port: Number(l.port), protocol, hostname: typeof l.hostname === 'string' && l.hostname !== '' ? l.hostname.toLowerCase() : undefined,
    from, supportedKinds: [], conditions: [], programmed: false, attachedRoutes: 0, ...(owner !== gw ? { listenerSet: owner } : {}),
  };
  if (from === 'Selector') listener.namespaceSelector = compileLabelSelector(l.allowedRoutes?.namespaces?.selector ?? {});
  const conditions: Condition[] = [];
  // Accepted
  let accepted: Condition = cond('Accepted', true, 'Accepted', 'Listener is accepted', gen);
  if (!KINDS_BY_PROTOCOL[protocol]) accepted = cond('Accepted', false, 'UnsupportedProtocol', `Protocol ${protocol} is not supported (supported: HTTP, HTTPS, TLS, TCP, UDP)`, gen);
  else if (!['Same', 'All', 'Selector'].includes(from)) accepted = cond('Accepted', false, 'UnsupportedValue', `allowedRoutes.namespaces.from ${from} is not Same, All or Selector`, gen);
  const tls = l.tls as Obj | undefined;
  let resolved: Condition = cond('ResolvedRefs', true, 'ResolvedRefs', 'All references are resolved', gen);
  if (protocol === 'HTTPS' || protocol === 'TLS') {
    const mode = (tls?.mode ?? 'Terminate') as 'Terminate' | 'Passthrough';
    listener.tlsMode = mode;
    if (protocol === 'HTTPS' && mode !== 'Terminate') accepted = cond('Accepted', false, 'UnsupportedValue', 'HTTPS listeners terminate TLS; tls.mode Passthrough needs protocol TLS', gen);
    if (mode === 'Terminate') {
      const refs = (tls?.certificateRefs ?? []) as Obj[];
      if (refs.length === 0) resolved = cond('ResolvedRefs', false, 'InvalidCertificateRef', 'tls.certificateRefs is empty: a terminating listener needs a certificate', gen);
      for (const ref of refs) {
        const group = ref.group ?? '';
        const kind = ref.kind ?? 'Secret';
        const refNs = ref.namespace ?? ns;
        if (group !== '' || kind !== 'Secret') { resolved = cond('ResolvedRefs', false, 'InvalidCertificateRef', `certificateRef ${group || 'core'}/${kind} ${ref.name} is not a Secret`, gen); break; }
        if (!referencePermitted(cluster, { group: GATEWAY_GROUP, kind: owner.kind, namespace: ns }, { group: '', kind: 'Secret', namespace: refNs, name: ref.name })) {
          resolved = cond('ResolvedRefs', false, 'RefNotPermitted', `certificateRef to Secret ${refNs}/${ref.name} is not permitted: no ReferenceGrant in namespace ${refNs} allows ${owner.kind}s from ${ns}`, gen);
          break;
        }
        const problem = secretProblem(cluster.get('Secret', refNs, ref.name));
        if (problem) { resolved = cond('ResolvedRefs', false, 'InvalidCertificateRef', `Secret ${refNs}/${ref.name} ${problem}`, gen); break; }
        listener.certificate ??= `${refNs}/${ref.name}`;
      }
      if (protocol === 'HTTPS') {
        const fv = frontendValidationFor(cluster, gw, listener.port);
        if (fv.validation) listener.frontendValidation = fv.validation;
        if (fv.problem && resolved.status === 'True') resolved = cond('ResolvedRefs', false, fv.problem.reason, `spec.tls.frontend: ${fv.problem.message}`, gen);
        if (fv.validation && fv.validation.cas.length === 0 && accepted.status === 'True') accepted = cond('Accepted', false, 'NoValidCACertificate', `spec.tls.frontend: no caCertificateRef for port ${listener.port} is a valid CA certificate${fv.problem ? ` (${fv.problem.message})` : ''}`, gen);
      }
      if (resolved.status === 'False') diags.push({ code: IngressCodes.listenerCertificateInvalid, level: 'warning', object: refOf(owner), source: cluster.sourceOf(owner), message: `${owner.kind} ${ns}/${owner.metadata.name} listener "${listener.name}": ${resolved.message}` });
    }
  }
  // Route kinds: the protocol's kinds, narrowed by allowedRoutes.kinds; unknown kinds make ResolvedRefs False.
  const allowedKinds = KINDS_BY_PROTOCOL[protocol] ?? [];
  const requested = (l.allowedRoutes?.kinds ?? []) as Obj[];
  if (requested.length === 0) listener.supportedKinds = allowedKinds;
  else {
    const bad: string[] = [];
    for (const k of requested) {
      const rk = { group: k.group ?? GATEWAY_GROUP, kind: String(k.kind) };
      if (allowedKinds.some((a) => a.group === rk.group && a.kind === rk.kind)) listener.supportedKinds.push(rk);
      else bad.push(`${rk.group}/${rk.kind}`);
    }
    if (bad.length > 0 && resolved.status === 'True') resolved = cond('ResolvedRefs', false, 'InvalidRouteKinds', `Route kinds ${bad.join(', ')} are not supported on a ${protocol} listener`, gen);
  }
  conditions.push(accepted, resolved);
  listener.conditions = conditions;
  return listener;
}

/** Conflicted: ProtocolConflict for listeners of incompatible protocols on one port; HostnameConflict for equal hostnames. */
function markConflicts(listeners: CompiledListener[]): void {
  for (const l of listeners) {
    const gen = l.gateway.metadata.generation ?? 1;
    const samePort = listeners.filter((o) => o !== l && o.port === l.port);
    let c: Condition = cond('Conflicted', false, 'NoConflicts', 'No conflicts', gen);
    if (samePort.some((o) => portFamily(o.protocol) !== portFamily(l.protocol))) c = cond('Conflicted', true, 'ProtocolConflict', `Another listener on port ${l.port} uses an incompatible protocol`, gen);
    else if (samePort.some((o) => (o.hostname ?? '') === (l.hostname ?? ''))) c = cond('Conflicted', true, 'HostnameConflict', `Another listener on port ${l.port} has the same hostname${l.hostname ? ` ${l.hostname}` : ' (none)'}`, gen);
    l.conditions.splice(1, 0, c);
  }
}

/** The Gateway's address: the load-balancer IP of its data-plane Service (src/cluster/dataplanes.ts), if allocated. */
function gatewayAddresses(cluster: Cluster, gw: GatewayObj, className: string): { type: string; value: string }[] {
  const ns = gw.metadata.namespace ?? 'default';
  const svc = cluster.get<KubeObject & Obj>('Service', ns, dataPlaneName(gw.metadata.name, className));
  const out: { type: string; value: string }[] = [];
  for (const ing of (svc?.status?.loadBalancer?.ingress ?? []) as Obj[]) {
    if (ing.ip) out.push({ type: 'IPAddress', value: ing.ip });
    else if (ing.hostname) out.push({ type: 'Hostname', value: ing.hostname });
  }
  if (out.length === 0 && svc?.spec?.clusterIP && svc.spec.clusterIP !== 'None') out.push({ type: 'IPAddress', value: svc.spec.clusterIP });
  return out;
}
