// Matching primitives shared by Ingress and Gateway API: host names, paths, prefix rewriting.
// Ingress wildcards cover exactly one DNS label (networking/v1 IngressRule.host); Gateway API wildcards cover one or
// more labels (gateway.networking.k8s.io/v1 Hostname). Path element-wise Prefix matching is the same in both specs.

/** Lower-cases and drops a port and a trailing dot: what both nginx and Envoy match host names on. */
export function normalizeHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end > 0 ? h.slice(0, end + 1) : h;
  }
  const colon = h.indexOf(':');
  if (colon >= 0 && h.indexOf(':', colon + 1) < 0) h = h.slice(0, colon);
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h;
}

/** Ingress host match: `*.foo.com` matches `bar.foo.com` only (one label), never `foo.com` or `a.bar.foo.com`. */
export function ingressHostMatches(ruleHost: string, host: string): boolean {
  if (!ruleHost.startsWith('*.')) return ruleHost === host;
  const suffix = ruleHost.slice(1);
  if (!host.endsWith(suffix)) return false;
  const label = host.slice(0, host.length - suffix.length);
  return label.length > 0 && !label.includes('.');
}

/** Gateway API hostname match: `*.example.com` covers `a.example.com` and `a.b.example.com`, not `example.com`. */
export function gatewayHostMatches(pattern: string | undefined, host: string): boolean {
  if (pattern === undefined || pattern === '' || pattern === '*') return true;
  if (!pattern.startsWith('*.')) return pattern === host;
  const suffix = pattern.slice(1);
  return host.length > suffix.length && host.endsWith(suffix);
}

/**
 * Intersection of a listener hostname with a route hostname (Gateway API HTTPRoute.spec.hostnames): the more specific
 * of the two when one covers the other, undefined when they do not intersect. A missing hostname is `*`.
 */
export function intersectHostnames(listener: string | undefined, route: string | undefined): string | undefined {
  const l = listener && listener !== '*' ? listener : undefined;
  const r = route && route !== '*' ? route : undefined;
  if (!l) return r ?? '*';
  if (!r) return l;
  if (wildcardCovers(l, r)) return r;
  if (wildcardCovers(r, l)) return l;
  return undefined;
}

/** True when every host `inner` matches is matched by `outer` (both Gateway API hostnames). */
function wildcardCovers(outer: string, inner: string): boolean {
  if (outer === inner) return true;
  if (!outer.startsWith('*.')) return false;
  const suffix = outer.slice(1); // ".example.com"
  if (inner.startsWith('*.')) return inner.slice(1).endsWith(suffix) && inner.length > outer.length;
  return inner.length > suffix.length && inner.endsWith(suffix);
}

/** Ingress/Gateway `Prefix`: element-wise on `/`; a trailing `/` on the rule is ignored, `/` matches everything. */
export function prefixMatches(rulePath: string, path: string): boolean {
  const p = rulePath.length > 1 && rulePath.endsWith('/') ? rulePath.slice(0, -1) : rulePath;
  if (p === '/' || p === '') return true;
  if (!path.startsWith(p)) return false;
  return path.length === p.length || path.charCodeAt(p.length) === 47; // '/'
}

/**
 * Gateway API ReplacePrefixMatch: the matched prefix (element-wise) is replaced, keeping one `/` between the
 * replacement and the rest (the table in HTTPPathModifier's documentation).
 */
export function replacePrefix(path: string, prefix: string, replacement: string): string {
  const p = prefix.length > 1 && prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  let rest = p === '/' ? path : path.slice(p.length);
  const r = replacement.endsWith('/') ? replacement.slice(0, -1) : replacement;
  if (rest === '' ) return r === '' ? '/' : r;
  if (!rest.startsWith('/')) rest = '/' + rest;
  const out = r + rest;
  return out === '' ? '/' : out;
}

/** Splits `path?query` (the query keeps no `?`). */
export function splitPathQuery(target: string): { path: string; query: string } {
  const q = target.indexOf('?');
  return q < 0 ? { path: target || '/', query: '' } : { path: target.slice(0, q) || '/', query: target.slice(q + 1) };
}

/** The first value of each query parameter, names case-sensitive (Gateway API HTTPQueryParamMatch). */
export function parseQuery(query: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!query) return out;
  for (const part of query.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const rawName = eq < 0 ? part : part.slice(0, eq);
    const rawValue = eq < 0 ? '' : part.slice(eq + 1);
    const name = safeDecode(rawName);
    if (!out.has(name)) out.set(name, safeDecode(rawValue));
  }
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** Compiles a regular expression written for PCRE/RE2 into a JS RegExp; undefined when it does not compile. */
export function compileRegex(source: string, flags = ''): RegExp | undefined {
  try {
    // (?i) inline flag (PCRE/RE2) is not JS syntax: lift it into the flags.
    let src = source;
    let f = flags;
    if (src.startsWith('(?i)')) {
      src = src.slice(4);
      if (!f.includes('i')) f += 'i';
    }
    return new RegExp(src, f);
  } catch {
    return undefined;
  }
}
