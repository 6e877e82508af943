// Field validation of Gateway API routes: what the CRDs' OpenAPI schema and CEL rules reject at admission
// (apis/v1/httproute_types.go markers). A route that fails is rejected as the API server would: an error diagnostic,
// and the route does not exist for routing.
import type { KubeObject } from '../api/types.js';

type Obj = Record<string, any>;

const PATH_TYPES = new Set(['Exact', 'PathPrefix', 'RegularExpression']);
const MATCH_TYPES = new Set(['Exact', 'RegularExpression']);
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);
const FILTERS = new Set(['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestRedirect', 'URLRewrite', 'RequestMirror', 'ExtensionRef', 'CORS']);
const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);
const HOSTNAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Returns `field: problem` strings; empty when the route would be admitted. */
export function validateRoute(route: KubeObject & { spec?: Obj }): string[] {
  const errs: string[] = [];
  const spec = route.spec ?? {};
  (spec.hostnames ?? []).forEach((h: unknown, i: number) => {
    if (typeof h !== 'string' || !HOSTNAME.test(h) || h.length > 253) errs.push(`spec.hostnames[${i}]: ${JSON.stringify(h)} is not a valid hostname (lower-case DNS name, optionally with a leading "*.")`);
  });
  if (route.kind === 'TLSRoute' && (spec.hostnames ?? []).length === 0) errs.push('spec.hostnames: a TLSRoute needs at least one hostname (SNI)');
  (spec.parentRefs ?? []).forEach((p: Obj, i: number) => {
    if (!p || typeof p.name !== 'string' || p.name === '') errs.push(`spec.parentRefs[${i}].name: Required value`);
    if (p?.port !== undefined && (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535)) errs.push(`spec.parentRefs[${i}].port: must be 1-65535`);
  });
  ((spec.rules ?? []) as Obj[]).forEach((rule, ri) => {
    const at = `spec.rules[${ri}]`;
    const matches = (rule.matches ?? []) as Obj[];
    if (route.kind === 'HTTPRoute') matches.forEach((m, mi) => validateHTTPMatch(m, `${at}.matches[${mi}]`, errs));
    const filters = (rule.filters ?? []) as Obj[];
    const seen = new Set<string>();
    for (const [fi, f] of filters.entries()) {
      const fat = `${at}.filters[${fi}]`;
      if (!FILTERS.has(f?.type)) { errs.push(`${fat}.type: Unsupported value ${JSON.stringify(f?.type)}`); continue; }
      if (f.type !== 'RequestMirror' && f.type !== 'ExtensionRef' && seen.has(f.type)) errs.push(`${fat}: ${f.type} may appear at most once per rule`);
      seen.add(f.type);
      if (f.type === 'RequestRedirect') {
        const r = f.requestRedirect ?? {};
        if (r.statusCode !== undefined && !REDIRECT_CODES.has(r.statusCode)) errs.push(`${fat}.requestRedirect.statusCode: Unsupported value ${r.statusCode} (301, 302, 303, 307, 308)`);
        if (r.scheme !== undefined && r.scheme !== 'http' && r.scheme !== 'https') errs.push(`${fat}.requestRedirect.scheme: Unsupported value ${JSON.stringify(r.scheme)}`);
        validatePathModifier(r.path, `${fat}.requestRedirect.path`, matches, errs);
      }
      if (f.type === 'URLRewrite') validatePathModifier(f.urlRewrite?.path, `${fat}.urlRewrite.path`, matches, errs);
      if ((f.type === 'RequestHeaderModifier' || f.type === 'ResponseHeaderModifier')) {
        const hm = f.requestHeaderModifier ?? f.responseHeaderModifier;
        if (!hm) errs.push(`${fat}: ${f.type} needs its ${f.type === 'RequestHeaderModifier' ? 'requestHeaderModifier' : 'responseHeaderModifier'} field`);
      }
      if (f.type === 'RequestMirror' && !f.requestMirror?.backendRef?.name) errs.push(`${fat}.requestMirror.backendRef: Required value`);
    }
    if (seen.has('RequestRedirect') && seen.has('URLRewrite')) errs.push(`${at}.filters: may specify either RequestRedirect or URLRewrite, but not both`);
    const refs = (rule.backendRefs ?? []) as Obj[];
    if (seen.has('RequestRedirect') && refs.length > 0) errs.push(`${at}: RequestRedirect filter must not be used together with backendRefs`);
    refs.forEach((b, bi) => {
      const bat = `${at}.backendRefs[${bi}]`;
      if (typeof b?.name !== 'string' || b.name === '') errs.push(`${bat}.name: Required value`);
      if (b?.weight !== undefined && (!Number.isInteger(b.weight) || b.weight < 0 || b.weight > 1000000)) errs.push(`${bat}.weight: must be 0-1000000`);
      if ((b?.group ?? '') === '' && (b?.kind ?? 'Service') === 'Service' && b?.port === undefined) errs.push(`${bat}.port: Must have port for Service reference`);
    });
  });
  return errs;
}

function validateHTTPMatch(m: Obj, at: string, errs: string[]): void {
  const p = m.path;
  if (p) {
    const type = p.type ?? 'PathPrefix';
    if (!PATH_TYPES.has(type)) errs.push(`${at}.path.type: Unsupported value ${JSON.stringify(type)}`);
    const v = p.value ?? '/';
    if (type !== 'RegularExpression') {
      if (typeof v !== 'string' || !v.startsWith('/')) errs.push(`${at}.path.value: must be an absolute path`);
      else if (/\/\/|\/\.\/|\/\.\.\/|%2f|%2F|#/.test(v) || v.endsWith('/..') || v.endsWith('/.')) errs.push(`${at}.path.value: must not contain '//', '/./', '/../', '%2f', '#' or end with '/..' or '/.'`);
    }
  }
  for (const [hi, h] of ((m.headers ?? []) as Obj[]).entries()) {
    if (!MATCH_TYPES.has(h.type ?? 'Exact')) errs.push(`${at}.headers[${hi}].type: Unsupported value ${JSON.stringify(h.type)}`);
    if (typeof h.name !== 'string' || !/^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/.test(h.name)) errs.push(`${at}.headers[${hi}].name: invalid header name ${JSON.stringify(h.name)}`);
  }
  for (const [qi, q] of ((m.queryParams ?? []) as Obj[]).entries()) {
    if (!MATCH_TYPES.has(q.type ?? 'Exact')) errs.push(`${at}.queryParams[${qi}].type: Unsupported value ${JSON.stringify(q.type)}`);
    if (typeof q.name !== 'string' || q.name === '') errs.push(`${at}.queryParams[${qi}].name: Required value`);
  }
  if (m.method !== undefined && !METHODS.has(m.method)) errs.push(`${at}.method: Unsupported value ${JSON.stringify(m.method)}`);
}

function validatePathModifier(pm: Obj | undefined, at: string, matches: Obj[], errs: string[]): void {
  if (!pm) return;
  if (pm.type === 'ReplacePrefixMatch') {
    if (pm.replacePrefixMatch === undefined) errs.push(`${at}.replacePrefixMatch: must be specified when type is ReplacePrefixMatch`);
    const ok = matches.length === 1 && (matches[0].path?.type ?? 'PathPrefix') === 'PathPrefix';
    if (!ok) errs.push(`${at}: ReplacePrefixMatch needs the rule to have exactly one match, of path type PathPrefix`);
  } else if (pm.type === 'ReplaceFullPath') {
    if (pm.replaceFullPath === undefined) errs.push(`${at}.replaceFullPath: must be specified when type is ReplaceFullPath`);
  } else errs.push(`${at}.type: Unsupported value ${JSON.stringify(pm.type)}`);
}

/** Gateway fields the CRD rejects. */
export function validateGateway(gw: KubeObject & { spec?: Obj }): string[] {
  const errs: string[] = [];
  const listeners = (gw.spec?.listeners ?? []) as Obj[];
  if (typeof gw.spec?.gatewayClassName !== 'string' || gw.spec.gatewayClassName === '') errs.push('spec.gatewayClassName: Required value');
  if (listeners.length === 0) errs.push('spec.listeners: Required value (at least one listener)');
  const names = new Set<string>();
  listeners.forEach((l, i) => {
    if (typeof l?.name !== 'string' || l.name === '') errs.push(`spec.listeners[${i}].name: Required value`);
    else if (names.has(l.name)) errs.push(`spec.listeners[${i}].name: Duplicate value ${JSON.stringify(l.name)} (listener names must be unique)`);
    else names.add(l.name);
    if (!Number.isInteger(l?.port) || l.port < 1 || l.port > 65535) errs.push(`spec.listeners[${i}].port: must be 1-65535`);
    if (typeof l?.protocol !== 'string' || l.protocol === '') errs.push(`spec.listeners[${i}].protocol: Required value`);
    if (l?.hostname !== undefined && (typeof l.hostname !== 'string' || !HOSTNAME.test(l.hostname))) errs.push(`spec.listeners[${i}].hostname: ${JSON.stringify(l.hostname)} is not a valid hostname`);
    if ((l?.protocol === 'HTTP' || l?.protocol === 'TCP' || l?.protocol === 'UDP') && l.tls) errs.push(`spec.listeners[${i}].tls: must not be set for protocol ${l.protocol}`);
    if (l?.protocol === 'HTTPS' && !l.tls) errs.push(`spec.listeners[${i}].tls: must be set for protocol HTTPS`);
  });
  return errs;
}

/** GatewayClass: spec.controllerName is required and shaped `domain/path` (gateway.networking.k8s.io/v1 GatewayController). */
export function validateGatewayClass(gc: KubeObject & { spec?: Obj }): string[] {
  const c = gc.spec?.controllerName;
  if (typeof c !== 'string' || c === '') return ['spec.controllerName: Required value'];
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/.test(c)) return [`spec.controllerName: Invalid value: ${JSON.stringify(c)}: must be a domain-prefixed path (example.com/controller)`];
  return [];
}

/** ReferenceGrant: at least one `from` (group, kind, namespace) and one `to` (group, kind). */
export function validateReferenceGrant(g: KubeObject & { spec?: Obj }): string[] {
  const errs: string[] = [];
  const from = (g.spec?.from ?? []) as Obj[];
  const to = (g.spec?.to ?? []) as Obj[];
  if (from.length === 0) errs.push('spec.from: Required value (at least one)');
  if (to.length === 0) errs.push('spec.to: Required value (at least one)');
  from.forEach((f, i) => {
    if (typeof f?.kind !== 'string' || f.kind === '') errs.push(`spec.from[${i}].kind: Required value`);
    if (typeof f?.namespace !== 'string' || f.namespace === '') errs.push(`spec.from[${i}].namespace: Required value`);
    if (typeof f?.group !== 'string') errs.push(`spec.from[${i}].group: Required value ("" for the core group)`);
  });
  to.forEach((t, i) => {
    if (typeof t?.kind !== 'string' || t.kind === '') errs.push(`spec.to[${i}].kind: Required value`);
    if (typeof t?.group !== 'string') errs.push(`spec.to[${i}].group: Required value ("" for the core group)`);
  });
  return errs;
}
