// RequestAuthentication (istio/api security/v1/request_authentication.proto): which JWTs a workload accepts.
// - Scope as AuthorizationPolicy: root-namespace policies mesh-wide, the workload namespace's own, selector or not.
// - Token from `Authorization: Bearer <jwt>` (or a jwtRule's fromHeaders); a request without a token is accepted with no
//   request principal (an AuthorizationPolicy must require one); a token that fails (unknown issuer, audience not
//   allowed, expired, unreadable) is rejected with 401 before authorization.
// - A valid token gives request.auth.principal `iss/sub` and its claims to AuthorizationPolicy.
// podnet decodes the token but does not verify its signature (no JWKS fetches offline): the reason says so.

type Obj = Record<string, any>;

export interface JwtResult {
  status: 'none' | 'valid' | 'invalid';
  requestPrincipal?: string;
  claims?: Record<string, string | string[]>;
  /** `ns/name` of the RequestAuthentication whose rule matched (or rejected). */
  policy?: string;
  reason: string;
}

function tokenOf(rules: Obj[], headers: Record<string, string>): string | undefined {
  for (const r of rules) {
    for (const h of (Array.isArray(r?.fromHeaders) ? r.fromHeaders : []) as Obj[]) {
      const v = headers[String(h?.name ?? '').toLowerCase()];
      if (v !== undefined) return h.prefix && v.startsWith(h.prefix) ? v.slice(h.prefix.length) : v;
    }
  }
  const auth = headers.authorization;
  return auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length).trim() : undefined;
}

function decodePayload(jwt: string): Obj | undefined {
  const parts = jwt.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const json = JSON.parse(Buffer.from(parts[1].replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'));
    return json && typeof json === 'object' && !Array.isArray(json) ? json : undefined;
  } catch {
    return undefined;
  }
}

/** `applicable` are the RequestAuthentications for the workload (see policiesForWorkload). */
export function authenticateRequest(applicable: readonly Obj[], headers: Record<string, string> | undefined, nowMs: number): JwtResult {
  if (applicable.length === 0) return { status: 'none', reason: 'no RequestAuthentication applies: tokens are not checked' };
  const rules: { rule: Obj; policy: string }[] = applicable.flatMap((p) => ((Array.isArray(p.spec?.jwtRules) ? p.spec.jwtRules : []) as Obj[]).map((rule) => ({ rule, policy: `${p.metadata.namespace}/${p.metadata.name}` })));
  const token = tokenOf(rules.map((r) => r.rule), headers ?? {});
  if (token === undefined) return { status: 'none', reason: 'no JWT in the request: accepted without a request principal' };
  const payload = decodePayload(token);
  if (!payload) return { status: 'invalid', reason: 'Jwt is not in the form of Header.Payload.Signature: 401' };
  const match = rules.find((r) => r.rule.issuer === payload.iss);
  if (!match) return { status: 'invalid', reason: `Jwt issuer ${JSON.stringify(payload.iss)} is not configured: 401` };
  const auds: string[] = Array.isArray(payload.aud) ? payload.aud.map(String) : payload.aud !== undefined ? [String(payload.aud)] : [];
  if (Array.isArray(match.rule.audiences) && match.rule.audiences.length > 0 && !auds.some((a) => match.rule.audiences.includes(a))) {
    return { status: 'invalid', policy: match.policy, reason: `Audiences in Jwt are not allowed (${auds.join(', ') || 'none'}): 401` };
  }
  if (typeof payload.exp === 'number' && payload.exp * 1000 <= nowMs) return { status: 'invalid', policy: match.policy, reason: 'Jwt is expired: 401' };
  const claims: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(payload)) {
    if (typeof v === 'string') claims[k] = v;
    else if (Array.isArray(v)) claims[k] = v.map(String);
    else if (typeof v === 'number' || typeof v === 'boolean') claims[k] = String(v);
  }
  return { status: 'valid', policy: match.policy, requestPrincipal: `${payload.iss}/${payload.sub}`, claims, reason: `JWT from ${payload.iss} accepted by RequestAuthentication ${match.policy} (signature not verified by podnet)` };
}
