// Istio AuthorizationPolicy evaluation for one workload. Source: istio/api security/v1beta1/authorization_policy.proto
// and istio.io/latest/docs/concepts/security/#authorization-policies (spec §4.3).
// Order: CUSTOM (a matching policy hands the request to its ext-authz provider) -> DENY -> ALLOW (no ALLOW policy for
// the workload = allow; otherwise allow only when one matches). AUDIT never changes the decision. Policies annotated
// `istio.io/dry-run: "true"` are evaluated and reported but not enforced.
// A policy matches when any rule matches; `rules` absent matches nothing (an empty ALLOW = allow-nothing), `rules: [{}]`
// matches everything. In a rule: from (ORed) AND to (ORed) AND every when; in a source/operation the fields are ANDed
// and the values of one field ORed; not* fields must match none of their values.
// Peer attributes (principals, namespaces, serviceAccounts, source.principal/namespace) exist only with mTLS.
// TCP (no HTTP request): HTTP-only fields cannot be evaluated: in DENY/CUSTOM rules they are dropped (the rule matches
// more), in ALLOW/AUDIT rules they make the rule not match (istio pilot/pkg/security/authz/builder: TCP filter).
import { matchesLabelSelector } from '../api/labels.js';
import { ipBlockMatch, istioStringMatch, pathMatch } from './match.js';

type Obj = Record<string, any>;

export type AuthzAction = 'CUSTOM' | 'DENY' | 'ALLOW' | 'AUDIT';

export interface AuthzRequest {
  /** True when the peer presented a client certificate (mTLS). */
  mtls: boolean;
  /** Peer principal without the scheme: cluster.local/ns/NS/sa/SA (only meaningful with mTLS). */
  principal?: string;
  sourceIP?: string;
  /** Original client address (X-Forwarded-For); defaults to sourceIP. */
  remoteIP?: string;
  /** JWT `iss/sub` when a validated token is present. */
  requestPrincipal?: string;
  claims?: Record<string, string | string[]>;
  /** An HTTP request (method set) or a plain TCP connection. */
  http: boolean;
  host?: string;
  method?: string;
  path?: string;
  /** Header names lowercase. */
  headers?: Record<string, string>;
  /** The workload (target/container) port. */
  port: number;
  destinationIP?: string;
  sni?: string;
}

export interface PolicyMatch { policy: string; action: AuthzAction; rule: number; provider?: string }

export interface AuthzDecision {
  allowed: boolean;
  /** `ns/name` of the deciding policy; for a default deny, the first ALLOW policy that applies. */
  policy?: string;
  action?: AuthzAction;
  rule?: number;
  reason: string;
  audited: PolicyMatch[];
  /** Dry-run policies that matched (not enforced). */
  dryRun: PolicyMatch[];
}

export interface AuthzOptions {
  rootNamespace: string;
  /** What each CUSTOM provider answers; a provider not listed denies (podnet cannot call the real ext-authz). */
  customProviderAllows?: Record<string, boolean>;
}

const ACTIONS = new Set(['CUSTOM', 'DENY', 'ALLOW', 'AUDIT']);

export function actionOf(p: Obj): AuthzAction {
  const a = p.spec?.action;
  return typeof a === 'string' && ACTIONS.has(a) ? (a as AuthzAction) : 'ALLOW';
}

function refOf(p: Obj): string { return `${p.metadata.namespace}/${p.metadata.name}`; }

/**
 * The policies that apply to a workload (sidecar or ztunnel): root-namespace policies mesh-wide (selector matched against
 * workloads of every namespace), the workload namespace's own policies (no selector = all its workloads). Policies with
 * targetRefs bind to gateways and waypoints, not to sidecars.
 */
export function policiesForWorkload(policies: readonly Obj[], namespace: string, labels: Record<string, string>, rootNamespace: string): Obj[] {
  return policies.filter((p) => {
    const ns = p.metadata.namespace;
    if (ns !== rootNamespace && ns !== namespace) return false;
    if (Array.isArray(p.spec?.targetRefs) && p.spec.targetRefs.length > 0) return false;
    if (p.spec?.targetRef) return false;
    return !p.spec?.selector || matchesLabelSelector(p.spec.selector, labels);
  });
}

const sourceNamespaceOf = (principal: string | undefined) => principal?.match(/\/ns\/([^/]+)\//)?.[1];
const serviceAccountOfPrincipal = (principal: string | undefined) => {
  const m = principal?.match(/\/ns\/([^/]+)\/sa\/([^/]+)$/);
  return m ? `${m[1]}/${m[2]}` : undefined;
};

type FieldCheck = (values: string[]) => boolean;

/** Checks a positive/negative field pair; returns undefined when neither is set. */
function pair(obj: Obj, field: string, one: (pattern: string) => boolean): boolean | undefined {
  const pos = obj[field];
  const negName = `not${field[0].toUpperCase()}${field.slice(1)}`;
  const neg = obj[negName];
  let r: boolean | undefined;
  if (Array.isArray(pos)) r = pos.some((v) => one(String(v)));
  if (Array.isArray(neg)) r = (r ?? true) && !neg.some((v) => one(String(v)));
  return r;
}

const HTTP_SOURCE = ['requestPrincipals', 'notRequestPrincipals'];
const HTTP_OPERATION = ['hosts', 'notHosts', 'methods', 'notMethods', 'paths', 'notPaths'];
const isHttpWhenKey = (k: string) => k.startsWith('request.');

function hasAny(o: Obj | undefined, fields: string[]): boolean {
  return !!o && fields.some((f) => Array.isArray(o[f]));
}

function sourceMatches(s: Obj, req: AuthzRequest): boolean {
  const principal = req.mtls ? req.principal : undefined;
  const checks: (boolean | undefined)[] = [
    pair(s, 'principals', (v) => istioStringMatch(v, principal)),
    pair(s, 'namespaces', (v) => istioStringMatch(v, req.mtls ? sourceNamespaceOf(principal) : undefined)),
    pair(s, 'serviceAccounts', (v) => v === (req.mtls ? serviceAccountOfPrincipal(principal) : undefined)),
    pair(s, 'ipBlocks', (v) => ipBlockMatch(v, req.sourceIP)),
    pair(s, 'remoteIpBlocks', (v) => ipBlockMatch(v, req.remoteIP ?? req.sourceIP)),
    req.http ? pair(s, 'requestPrincipals', (v) => istioStringMatch(v, req.requestPrincipal)) : undefined,
  ];
  return checks.every((c) => c !== false);
}

function operationMatches(o: Obj, req: AuthzRequest): boolean {
  const checks: (boolean | undefined)[] = [
    pair(o, 'ports', (v) => v === String(req.port)),
    req.http ? pair(o, 'hosts', (v) => istioStringMatch(v, req.host, { ignoreCase: true })) : undefined,
    req.http ? pair(o, 'methods', (v) => istioStringMatch(v, req.method)) : undefined,
    req.http ? pair(o, 'paths', (v) => pathMatch(v, req.path)) : undefined,
  ];
  return checks.every((c) => c !== false);
}

function whenValue(key: string, req: AuthzRequest): string | string[] | undefined {
  const header = key.match(/^request\.headers\[(.+)\]$/);
  if (header) return req.headers?.[header[1].toLowerCase()];
  const claim = key.match(/^request\.auth\.claims\[(.+)\]$/);
  if (claim) return req.claims?.[claim[1].split('][')[0]];
  switch (key) {
    case 'source.ip': return req.sourceIP;
    case 'remote.ip': return req.remoteIP ?? req.sourceIP;
    case 'source.namespace': return req.mtls ? sourceNamespaceOf(req.principal) : undefined;
    case 'source.principal': return req.mtls ? req.principal : undefined;
    case 'request.auth.principal': return req.requestPrincipal;
    case 'request.auth.audiences': return req.claims?.aud;
    case 'request.auth.presenter': return req.claims?.azp as string | undefined;
    case 'destination.ip': return req.destinationIP;
    case 'destination.port': return String(req.port);
    case 'connection.sni': return req.sni;
    default: return undefined;
  }
}

function conditionMatches(c: Obj, req: AuthzRequest): boolean {
  const key = String(c.key ?? '');
  const raw = whenValue(key, req);
  const values = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  const ipKey = key.endsWith('.ip');
  const one = (pattern: string) => values.some((v) => (ipKey ? ipBlockMatch(pattern, v) : istioStringMatch(pattern, v)));
  const check: FieldCheck = (vs) => vs.some((p) => one(String(p)));
  let ok = true;
  if (Array.isArray(c.values)) ok &&= check(c.values);
  if (Array.isArray(c.notValues)) ok &&= !check(c.notValues);
  return ok;
}

/** Does rule `r` of a policy with `action` match `req`? Applies the TCP rules for HTTP-only fields. */
export function ruleMatches(r: Obj, action: AuthzAction, req: AuthzRequest): boolean {
  if (!r || typeof r !== 'object') return false;
  const from: Obj[] = Array.isArray(r.from) ? r.from : [];
  const to: Obj[] = Array.isArray(r.to) ? r.to : [];
  const when: Obj[] = Array.isArray(r.when) ? r.when : [];
  const broaden = action === 'DENY' || action === 'CUSTOM';
  if (!req.http && !broaden) {
    // ALLOW/AUDIT on TCP: a rule that needs an HTTP attribute cannot match.
    if (from.some((f) => hasAny(f.source, HTTP_SOURCE)) || to.some((t) => hasAny(t.operation, HTTP_OPERATION)) || when.some((w) => isHttpWhenKey(String(w.key ?? '')))) return false;
  }
  if (from.length > 0 && !from.some((f) => sourceMatches(f.source ?? {}, req))) return false;
  if (to.length > 0 && !to.some((t) => operationMatches(t.operation ?? {}, req))) return false;
  return when.every((w) => (!req.http && isHttpWhenKey(String(w.key ?? ''))) || conditionMatches(w, req));
}

/** The index of the first matching rule, or -1 (also for a policy without rules). */
export function policyMatches(p: Obj, req: AuthzRequest): number {
  const rules = p.spec?.rules;
  if (!Array.isArray(rules)) return -1;
  const action = actionOf(p);
  return rules.findIndex((r) => ruleMatches(r, action, req));
}

const isDryRun = (p: Obj) => p.metadata?.annotations?.['istio.io/dry-run'] === 'true';

/** Evaluates the policies that apply to one workload (see policiesForWorkload) in Istio's order. */
export function evaluateAuthz(applicable: readonly Obj[], req: AuthzRequest, opts: AuthzOptions): AuthzDecision {
  const audited: PolicyMatch[] = [];
  const dryRun: PolicyMatch[] = [];
  const enforced = applicable.filter((p) => !isDryRun(p));
  for (const p of applicable.filter(isDryRun)) {
    const rule = policyMatches(p, req);
    if (rule >= 0) dryRun.push({ policy: refOf(p), action: actionOf(p), rule });
  }
  for (const p of enforced.filter((x) => actionOf(x) === 'AUDIT')) {
    const rule = policyMatches(p, req);
    if (rule >= 0) audited.push({ policy: refOf(p), action: 'AUDIT', rule });
  }
  const base = { audited, dryRun };
  for (const p of enforced.filter((x) => actionOf(x) === 'CUSTOM')) {
    const rule = policyMatches(p, req);
    if (rule < 0) continue;
    const provider = String(p.spec?.provider?.name ?? '');
    if (!(opts.customProviderAllows?.[provider] ?? false)) {
      return { ...base, allowed: false, policy: refOf(p), action: 'CUSTOM', rule, reason: `CUSTOM policy ${refOf(p)} rule ${rule} sends the request to ext-authz provider "${provider}", which denies it` };
    }
  }
  for (const p of enforced.filter((x) => actionOf(x) === 'DENY')) {
    const rule = policyMatches(p, req);
    if (rule >= 0) return { ...base, allowed: false, policy: refOf(p), action: 'DENY', rule, reason: `DENY policy ${refOf(p)} rule ${rule} matches` };
  }
  const allows = enforced.filter((x) => actionOf(x) === 'ALLOW');
  if (allows.length === 0) return { ...base, allowed: true, reason: 'no ALLOW policy applies to the workload' };
  for (const p of allows) {
    const rule = policyMatches(p, req);
    if (rule >= 0) return { ...base, allowed: true, policy: refOf(p), action: 'ALLOW', rule, reason: `ALLOW policy ${refOf(p)} rule ${rule} matches` };
  }
  return { ...base, allowed: false, policy: refOf(allows[0]), action: 'ALLOW', reason: `ALLOW policies apply to the workload (${allows.map(refOf).join(', ')}) and none matches: denied by default` };
}
