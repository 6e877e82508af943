// The ingress-nginx annotations users depend on (docs/user-guide/nginx-configuration/annotations.md), parsed once per
// Ingress. Values that do not parse are ignored with a warning, as the controller ignores them (it logs and skips).
import type { Diagnostic } from '../api/diagnostics.js';
import type { KubeObject } from '../api/types.js';
import { IngressCodes } from './codes.js';
import { compileRegex } from './match.js';

export const NGINX_PREFIX = 'nginx.ingress.kubernetes.io/';

export interface CanaryConfig {
  header?: string;
  headerValue?: string;
  headerPattern?: RegExp;
  cookie?: string;
  weight: number;
  weightTotal: number;
}

export interface RateLimitConfig {
  rps?: number;
  rpm?: number;
  connections?: number;
  burstMultiplier: number;
  statusCode: number;
  whitelist: string[];
}

export interface NginxConfig {
  /** ssl-redirect: default true; only acts when the host has TLS. */
  sslRedirect: boolean;
  forceSslRedirect: boolean;
  preserveTrailingSlash: boolean;
  useRegex: boolean;
  rewriteTarget?: string;
  appRoot?: string;
  permanentRedirect?: { url: string; code: number };
  temporalRedirect?: { url: string; code: number };
  fromToWwwRedirect: boolean;
  backendProtocol: string;
  upstreamVhost?: string;
  rateLimit?: RateLimitConfig;
  canary?: CanaryConfig;
  /** default-backend: a Service in the Ingress's namespace used when the rule's Service has no endpoints. */
  defaultBackend?: string;
  proxyReadTimeout?: string;
  proxyConnectTimeout?: string;
  xForwardedPrefix?: string;
}

const BACKEND_PROTOCOLS = new Set(['HTTP', 'HTTPS', 'GRPC', 'GRPCS', 'AUTO_HTTP', 'FCGI']);

/** Parses the annotations of one Ingress. `honour` false (another controller) gives the defaults. */
export function parseNginxAnnotations(ing: KubeObject, diags: Diagnostic[], source: Diagnostic['source'], honour = true): NginxConfig {
  const a = (honour ? ing.metadata.annotations : undefined) ?? {};
  const get = (k: string): string | undefined => {
    const v = a[NGINX_PREFIX + k];
    return typeof v === 'string' ? v.trim() : undefined;
  };
  const warn = (k: string, why: string): void => {
    diags.push({ code: IngressCodes.annotationInvalid, level: 'warning', object: ref(ing), source, message: `annotation ${NGINX_PREFIX}${k}: ${why}; ignored (ingress-nginx skips it too)` });
  };
  const bool = (k: string, dflt: boolean): boolean => {
    const v = get(k);
    if (v === undefined) return dflt;
    if (v === 'true') return true;
    if (v === 'false') return false;
    warn(k, `${JSON.stringify(v)} is not "true" or "false"`);
    return dflt;
  };
  const int = (k: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined => {
    const v = get(k);
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      warn(k, `${JSON.stringify(v)} is not a whole number in [${min}, ${max}]`);
      return undefined;
    }
    return Number(v);
  };
  const cfg: NginxConfig = {
    sslRedirect: bool('ssl-redirect', true),
    forceSslRedirect: bool('force-ssl-redirect', false),
    preserveTrailingSlash: bool('preserve-trailing-slash', false),
    useRegex: bool('use-regex', false),
    fromToWwwRedirect: bool('from-to-www-redirect', false),
    backendProtocol: 'HTTP',
  };
  const rt = get('rewrite-target');
  if (rt !== undefined && rt !== '') cfg.rewriteTarget = rt;
  const appRoot = get('app-root');
  if (appRoot !== undefined) {
    if (appRoot.startsWith('/')) cfg.appRoot = appRoot;
    else warn('app-root', `${JSON.stringify(appRoot)} must start with /`);
  }
  const pr = get('permanent-redirect');
  if (pr) cfg.permanentRedirect = { url: pr, code: redirectCode(int('permanent-redirect-code', 300, 308), 301) };
  const tr = get('temporal-redirect');
  if (tr) cfg.temporalRedirect = { url: tr, code: redirectCode(int('temporal-redirect-code', 300, 308), 302) };
  const bp = get('backend-protocol');
  if (bp !== undefined) {
    if (BACKEND_PROTOCOLS.has(bp.toUpperCase())) cfg.backendProtocol = bp.toUpperCase();
    else warn('backend-protocol', `${JSON.stringify(bp)} is not one of ${[...BACKEND_PROTOCOLS].join(', ')}`);
  }
  const vhost = get('upstream-vhost');
  if (vhost) cfg.upstreamVhost = vhost;
  const rps = int('limit-rps', 1);
  const rpm = int('limit-rpm', 1);
  const conns = int('limit-connections', 1);
  if (rps !== undefined || rpm !== undefined || conns !== undefined) {
    cfg.rateLimit = {
      ...(rps !== undefined ? { rps } : {}),
      ...(rpm !== undefined ? { rpm } : {}),
      ...(conns !== undefined ? { connections: conns } : {}),
      burstMultiplier: int('limit-burst-multiplier', 1) ?? 5,
      statusCode: 503,
      whitelist: (get('limit-whitelist') ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    };
  }
  const db = get('default-backend');
  if (db) cfg.defaultBackend = db;
  const prt = get('proxy-read-timeout');
  if (prt) cfg.proxyReadTimeout = `${prt}s`;
  const pct = get('proxy-connect-timeout');
  if (pct) cfg.proxyConnectTimeout = `${pct}s`;
  const xfp = get('x-forwarded-prefix');
  if (xfp) cfg.xForwardedPrefix = xfp;
  if (bool('canary', false)) {
    const pattern = get('canary-by-header-pattern');
    let headerPattern: RegExp | undefined;
    if (pattern) {
      headerPattern = compileRegex(pattern);
      if (!headerPattern) warn('canary-by-header-pattern', `${JSON.stringify(pattern)} is not a valid regular expression`);
    }
    const weightTotal = int('canary-weight-total', 1) ?? 100;
    cfg.canary = {
      ...(get('canary-by-header') ? { header: get('canary-by-header')!.toLowerCase() } : {}),
      ...(get('canary-by-header-value') ? { headerValue: get('canary-by-header-value') } : {}),
      ...(headerPattern ? { headerPattern } : {}),
      ...(get('canary-by-cookie') ? { cookie: get('canary-by-cookie') } : {}),
      weight: int('canary-weight', 0) ?? 0,
      weightTotal: weightTotal > 100 ? weightTotal : 100,
    };
  }
  return cfg;
}

function redirectCode(code: number | undefined, dflt: number): number {
  return code !== undefined && code >= 300 && code <= 308 ? code : dflt;
}

function ref(o: KubeObject) {
  return { kind: o.kind, namespace: o.metadata.namespace ?? '', name: o.metadata.name };
}

/**
 * balancer.lua route_to_alternative_balancer: header (value, else pattern, else always/never), then cookie
 * (always/never), then weight (math.random(total) <= weight). Returns why, for the result's reason.
 */
export function canaryDecision(c: CanaryConfig, headers: Record<string, string>, random: number | undefined): { canary: boolean; why: string } {
  if (c.header) {
    const v = headers[c.header];
    if (v !== undefined) {
      if (c.headerValue) {
        if (v === c.headerValue) return { canary: true, why: `header ${c.header} equals ${JSON.stringify(c.headerValue)}` };
      } else if (c.headerPattern) {
        if (c.headerPattern.test(v)) return { canary: true, why: `header ${c.header} matches ${c.headerPattern.source}` };
      } else if (v === 'always') return { canary: true, why: `header ${c.header}: always` };
      else if (v === 'never') return { canary: false, why: `header ${c.header}: never` };
    }
  }
  if (c.cookie) {
    const v = cookieValue(headers['cookie'], c.cookie);
    if (v === 'always') return { canary: true, why: `cookie ${c.cookie}=always` };
    if (v === 'never') return { canary: false, why: `cookie ${c.cookie}=never` };
  }
  if (c.weight <= 0) return { canary: false, why: 'canary weight 0' };
  if (c.weight >= c.weightTotal) return { canary: true, why: `canary weight ${c.weight}/${c.weightTotal}` };
  if (random === undefined) return { canary: false, why: `canary weight ${c.weight}/${c.weightTotal}: the primary is the likelier outcome` };
  const draw = Math.floor(random * c.weightTotal) + 1;
  return { canary: draw <= c.weight, why: `canary weight ${c.weight}/${c.weightTotal} (draw ${draw})` };
}

export function cookieValue(cookieHeader: string | undefined, name: string): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
