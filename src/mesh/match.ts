// String matching as Istio's AuthorizationPolicy defines it (istio/api security/v1beta1/authorization_policy.proto):
// exact, prefix `abc*`, suffix `*abc`, presence `*`; paths also take the URI templates `{*}` (one segment) and `{**}`
// (any remaining segments, last only). Kept apart so authorization, analysis and tests share one definition.
import { cidrContains, isValidIP, parseCidr } from '../net/cidr.js';

/** Istio's string match: `*` = any non-empty value, `abc*` prefix, `*abc` suffix, else exact. */
export function istioStringMatch(pattern: string, value: string | undefined, { ignoreCase = false } = {}): boolean {
  if (value === undefined) return false;
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const v = ignoreCase ? value.toLowerCase() : value;
  if (p === '*') return v !== '';
  if (p.endsWith('*')) return v.startsWith(p.slice(0, -1));
  if (p.startsWith('*')) return v.endsWith(p.slice(1));
  return p === v;
}

/**
 * A path pattern against a request path (query string removed, as Envoy's url_path matcher does). `{*}` matches one
 * segment, `{**}` one or more remaining segments (only last); otherwise the string match above.
 */
export function pathMatch(pattern: string, path: string | undefined): boolean {
  if (path === undefined) return false;
  const p = path.split('?')[0];
  if (!pattern.includes('{')) return istioStringMatch(pattern, p);
  const pat = pattern.split('/');
  const segs = p.split('/');
  for (let i = 0; i < pat.length; i++) {
    if (pat[i] === '{**}') return i === pat.length - 1 && segs.length > i && segs.slice(i).join('/') !== '';
    if (i >= segs.length) return false;
    if (pat[i] === '{*}') { if (segs[i] === '') return false; continue; }
    if (pat[i] !== segs[i]) return false;
  }
  return pat.length === segs.length;
}

/** `10.0.0.1` or `10.0.0.0/16` contains ip (a bad block matches nothing; the analyzer reports it). */
export function ipBlockMatch(block: string, ip: string | undefined): boolean {
  if (!ip || !isValidIP(ip)) return false;
  try {
    if (!block.includes('/')) return isValidIP(block) && block === ip;
    return cidrContains(parseCidr(block), ip);
  } catch {
    return false;
  }
}

/** Go-style duration ("1.5s", "300ms", "2m", "1h") to milliseconds; undefined when absent or unreadable. */
export function durationMs(d: unknown): number | undefined {
  if (typeof d !== 'string') return undefined;
  const re = /(\d+(?:\.\d+)?)(ms|us|µs|ns|s|m|h)/g;
  let total = 0;
  let matched = '';
  for (const m of d.matchAll(re)) {
    const n = Number(m[1]);
    total += m[2] === 'h' ? n * 3_600_000 : m[2] === 'm' ? n * 60_000 : m[2] === 's' ? n * 1000 : m[2] === 'ms' ? n : m[2] === 'ns' ? n / 1e6 : n / 1000;
    matched += m[0];
  }
  return matched !== '' && matched === d ? total : undefined;
}

/** Istio StringMatch ({exact|prefix|regex}) used by VirtualService matches; regex is RE2, full match. */
export function stringMatchObj(m: Record<string, unknown> | undefined, value: string | undefined, ignoreCase = false): boolean {
  if (!m || typeof m !== 'object') return true;
  if (value === undefined) return false;
  const v = ignoreCase ? value.toLowerCase() : value;
  const norm = (s: unknown) => (ignoreCase ? String(s).toLowerCase() : String(s));
  if (typeof m.exact === 'string') return v === norm(m.exact);
  if (typeof m.prefix === 'string') return v.startsWith(norm(m.prefix));
  if (typeof m.regex === 'string') {
    try { return new RegExp(`^(?:${m.regex})$`, ignoreCase ? 'i' : '').test(value); } catch { return false; }
  }
  return true;
}
