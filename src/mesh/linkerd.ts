// Linkerd inbound policy basics. Sources: linkerd/linkerd2 charts/linkerd-crds/templates/policy/*.yaml,
// policy-controller/k8s/index (defaults.rs) and linkerd.io/2/reference/authorization-policy (spec §4.7).
// - Without a Server for the port: the default inbound policy (pod annotation, else namespace annotation
//   config.linkerd.io/default-inbound-policy, else the cluster default all-unauthenticated).
// - With a Server: requests must be authorized by a ServerAuthorization (server by name or selector) or an
//   AuthorizationPolicy (targetRef the Server or the Namespace; every requiredAuthenticationRef must be satisfied; a
//   missing ref makes the policy ignored); else the Server's accessPolicy (default deny) decides.
// - If policy.linkerd.io HTTPRoutes are attached to the Server, an HTTP request that matches none gets 404.
// - Denied: 403 for HTTP, connection refused for TCP.
import { matchesLabelSelector } from '../api/labels.js';
import { ipBlockMatch } from './match.js';

type Obj = Record<string, any>;

/** Linkerd's default clusterNetworks (charts/linkerd-control-plane values.yaml). */
export const CLUSTER_NETWORKS = ['10.0.0.0/8', '100.64.0.0/10', '172.16.0.0/12', '192.168.0.0/16', 'fd00::/8'];

export interface LinkerdObjects {
  servers: readonly Obj[];
  serverAuthorizations: readonly Obj[];
  authorizationPolicies: readonly Obj[];
  meshTLSAuthentications: readonly Obj[];
  networkAuthentications: readonly Obj[];
  httpRoutes: readonly Obj[];
}

export interface LinkerdRequest {
  /** Client identity when the client is a Linkerd-meshed pod (meshed-to-meshed traffic is mTLS). */
  clientIdentity?: string;
  sourceIP?: string;
  http: boolean;
  method?: string;
  path?: string;
}

export interface LinkerdDecision { allowed: boolean; server?: string; authorization?: string; status?: number; reason: string }

function ref(o: Obj): string { return `${o.metadata.namespace}/${o.metadata.name}`; }

function defaultPolicyAllows(policy: string, req: LinkerdRequest): boolean {
  const inCluster = CLUSTER_NETWORKS.some((c) => ipBlockMatch(c, req.sourceIP));
  switch (policy) {
    case 'all-unauthenticated': case 'audit': return true;
    case 'all-authenticated': return req.clientIdentity !== undefined;
    case 'cluster-authenticated': return req.clientIdentity !== undefined && inCluster;
    case 'cluster-unauthenticated': return inCluster;
    default: return false;
  }
}

function identityMatches(patterns: unknown, identity: string | undefined): boolean {
  if (!identity || !Array.isArray(patterns)) return false;
  return patterns.some((p) => p === '*' || p === identity || (typeof p === 'string' && p.startsWith('*.') && identity.endsWith(p.slice(1))));
}

function saIdentity(name: string, ns: string): string { return `${name}.${ns}.serviceaccount.identity.linkerd.cluster.local`; }

export function serversFor(objs: LinkerdObjects, namespace: string, labels: Record<string, string>, port: number, portName: string | undefined): Obj[] {
  return objs.servers.filter((s) => s.metadata.namespace === namespace && matchesLabelSelector(s.spec?.podSelector, labels)
    && (s.spec?.port === port || (portName !== undefined && s.spec?.port === portName)));
}

export function evaluateLinkerd(objs: LinkerdObjects, pod: Obj, nsObj: Obj | undefined, port: number, portName: string | undefined, req: LinkerdRequest): LinkerdDecision {
  const ns = pod.metadata.namespace;
  const deny = (server: string | undefined, reason: string): LinkerdDecision => ({ allowed: false, server, status: req.http ? 403 : undefined, reason: `${reason}${req.http ? ': 403' : ': connection refused'}` });
  const server = serversFor(objs, ns, pod.metadata.labels ?? {}, port, portName)[0];
  if (!server) {
    const policy = pod.metadata.annotations?.['config.linkerd.io/default-inbound-policy'] ?? nsObj?.metadata?.annotations?.['config.linkerd.io/default-inbound-policy'] ?? 'all-unauthenticated';
    return defaultPolicyAllows(policy, req) ? { allowed: true, reason: `no Server for port ${port}: default inbound policy ${policy} allows` } : deny(undefined, `no Server for port ${port}: default inbound policy ${policy} denies`);
  }
  const sref = ref(server);
  const routes = objs.httpRoutes.filter((r) => r.metadata.namespace === ns && Array.isArray(r.spec?.parentRefs) && r.spec.parentRefs.some((p: Obj) => p?.kind === 'Server' && p?.name === server.metadata.name));
  if (req.http && routes.length > 0 && !routes.some((r) => routeMatches(r, req))) {
    return { allowed: false, server: sref, status: 404, reason: `HTTPRoutes are attached to Server ${sref} and none matches: 404` };
  }
  for (const sa of objs.serverAuthorizations.filter((a) => a.metadata.namespace === ns)) {
    const target = sa.spec?.server;
    const targets = target?.name ? target.name === server.metadata.name : target?.selector ? matchesLabelSelector(target.selector, server.metadata.labels ?? {}) : false;
    if (!targets) continue;
    const c = sa.spec?.client ?? {};
    const networksOk = !Array.isArray(c.networks) || c.networks.some((n: Obj) => ipBlockMatch(String(n.cidr), req.sourceIP) && !(n.except ?? []).some((e: string) => ipBlockMatch(e, req.sourceIP)));
    const meshOk = c.unauthenticated === true || (c.meshTLS && (c.meshTLS.unauthenticatedTLS === true
      || identityMatches(c.meshTLS.identities, req.clientIdentity)
      || (Array.isArray(c.meshTLS.serviceAccounts) && c.meshTLS.serviceAccounts.some((s: Obj) => req.clientIdentity === saIdentity(s.name, s.namespace ?? ns)))));
    if (networksOk && meshOk) return { allowed: true, server: sref, authorization: `ServerAuthorization ${ref(sa)}`, reason: `ServerAuthorization ${ref(sa)} authorizes the client` };
  }
  for (const ap of objs.authorizationPolicies.filter((a) => a.metadata.namespace === ns)) {
    const t = ap.spec?.targetRef ?? {};
    const targets = (t.kind === 'Server' && t.name === server.metadata.name) || t.kind === 'Namespace'
      || (t.kind === 'HTTPRoute' && req.http && routes.some((r) => r.metadata.name === t.name && routeMatches(r, req)));
    if (!targets) continue;
    const refs: Obj[] = Array.isArray(ap.spec?.requiredAuthenticationRefs) ? ap.spec.requiredAuthenticationRefs : [];
    const results = refs.map((r) => authnSatisfied(objs, r, ap.metadata.namespace, req));
    if (results.includes(undefined)) continue; // a missing reference: the policy is ignored
    if (results.every((x) => x === true)) return { allowed: true, server: sref, authorization: `AuthorizationPolicy ${ref(ap)}`, reason: `AuthorizationPolicy ${ref(ap)}: all required authentications satisfied` };
  }
  const access = server.spec?.accessPolicy ?? 'deny';
  if (access !== 'deny' && defaultPolicyAllows(access, req)) return { allowed: true, server: sref, reason: `Server ${sref} accessPolicy ${access} allows` };
  return deny(sref, `no authorization for Server ${sref} admits the client (accessPolicy ${access})`);
}

function authnSatisfied(objs: LinkerdObjects, r: Obj, ns: string, req: LinkerdRequest): boolean | undefined {
  const refNs = r.namespace ?? ns;
  if (r.kind === 'MeshTLSAuthentication') {
    const m = objs.meshTLSAuthentications.find((x) => x.metadata.namespace === refNs && x.metadata.name === r.name);
    if (!m) return undefined;
    if (identityMatches(m.spec?.identities, req.clientIdentity)) return true;
    return Array.isArray(m.spec?.identityRefs) && m.spec.identityRefs.some((i: Obj) => (i.kind === 'ServiceAccount' && req.clientIdentity === saIdentity(i.name, i.namespace ?? refNs)) || (i.kind === 'ServiceAccount' && i.name === '*' && req.clientIdentity !== undefined));
  }
  if (r.kind === 'NetworkAuthentication') {
    const n = objs.networkAuthentications.find((x) => x.metadata.namespace === refNs && x.metadata.name === r.name);
    if (!n) return undefined;
    return Array.isArray(n.spec?.networks) && n.spec.networks.some((x: Obj) => ipBlockMatch(String(x.cidr), req.sourceIP) && !(x.except ?? []).some((e: string) => ipBlockMatch(e, req.sourceIP)));
  }
  if (r.kind === 'ServiceAccount') return req.clientIdentity === saIdentity(r.name, refNs);
  return undefined;
}

function routeMatches(route: Obj, req: LinkerdRequest): boolean {
  const rules: Obj[] = Array.isArray(route.spec?.rules) ? route.spec.rules : [{}];
  return rules.some((rule) => !Array.isArray(rule.matches) || rule.matches.length === 0 || rule.matches.some((m: Obj) => {
    if (m.method && m.method !== req.method) return false;
    const p = m.path;
    if (!p) return true;
    const path = (req.path ?? '/').split('?')[0];
    const v = String(p.value ?? '/');
    if (p.type === 'Exact') return path === v;
    if (p.type === 'RegularExpression') { try { return new RegExp(`^(?:${v})$`).test(path); } catch { return false; } }
    return v === '/' || path === v || path.startsWith(v.endsWith('/') ? v : `${v}/`);
  }));
}
