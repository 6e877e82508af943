// One request through an Ingress entry point: server by Host (precise, then wildcard, then the default server `_`),
// location (nginx order: `=` exact, then longest prefix; in regex mode the first regex by descending length), then
// the location's annotations in nginx's phase order: app-root (server rewrite), permanent/temporal redirect,
// ssl-redirect, rate limits, canary choice, rewrite-target, proxy to the Service's ready endpoints.
import type { Cluster } from '../cluster/cluster.js';
import { canaryDecision } from './annotations.js';
import { resolveServicePort, toRouteBackend, type ResolvedService } from './backends.js';
import type { IngressBackendRef, IngressEntryPoint, IngressLocation, IngressServer } from './ingress-compile.js';
import { ingressHostMatches, prefixMatches } from './match.js';
import type { RouteBackend, RouteRequest, RouteResult } from './types.js';

export function selectServer(ep: IngressEntryPoint, host: string): IngressServer {
  const exact = ep.servers.get(host);
  if (exact && !exact.host.startsWith('*.')) return exact;
  for (const w of ep.wildcards) if (ingressHostMatches(w.host, host)) return w;
  return ep.defaultServer;
}

export function selectLocation(server: IngressServer, path: string): IngressLocation | undefined {
  if (server.regexMode) {
    for (const l of server.locations) if (l.regex!.test(path)) return l;
    return undefined;
  }
  let best: IngressLocation | undefined;
  for (const l of server.locations) {
    if (l.mode === 'exact') {
      if (l.path === path) return l;
      continue;
    }
    const ok = l.mode === 'element' ? prefixMatches(l.path, path) : path.startsWith(l.path);
    if (!ok) continue;
    if (!best || l.weight > best.weight || (l.weight === best.weight && best.implicitRoot && !l.implicitRoot)) best = l;
  }
  return best;
}

/**
 * nginx's auto-redirect (ngx_http_core_module `location`): a prefix location whose name ends with "/" and that proxies
 * answers a request for that name without the slash with 301 to the name, unless another location is named exactly
 * like the request (an exact `= /docs`, or a prefix `/docs`). ingress-nginx renders Prefix `/docs` as `location /docs/`
 * plus `location = /docs`, but Prefix or ImplementationSpecific `/docs/` as `location /docs/` alone. Regex locations
 * (use-regex, rewrite-target) never auto-redirect.
 */
function autoRedirectLocation(server: IngressServer, path: string): IngressLocation | undefined {
  if (server.regexMode || path.endsWith('/')) return undefined;
  let slashed: IngressLocation | undefined;
  for (const l of server.locations) {
    if (l.path === path && !l.implicitRoot) return undefined;
    if (!slashed && l.mode !== 'exact' && !l.implicitRoot && l.path === `${path}/` && (l.backend || l.canary)) slashed = l;
  }
  return slashed;
}

/** Per entry point, what every request through it repeats: its id. */
const entryPointIds = new WeakMap<IngressEntryPoint, string>();

/**
 * A location's backend: resolved once; every request gets its own RouteBackend (routing sets weight, canary, protocol),
 * built as backendOf builds it (an object literal: a spread copy that gains a field is far slower in V8).
 */
interface BackendHot { ns: string; ref: IngressBackendRef; resolved?: ResolvedService; sendsTo: string }

/**
 * What routeIngress derives from a location alone, computed on its first request: the location belongs to one compiled
 * cluster snapshot, in which Services and endpoints do not change.
 */
interface LocationHot {
  ns: string;
  name: string;
  match: string;
  where: string;
  primary?: BackendHot;
  canary?: BackendHot;
  rewrite?: RegExp;
}

const locationHots = new WeakMap<IngressLocation, LocationHot>();

function locationHot(cluster: Cluster, serverName: string, loc: IngressLocation): LocationHot {
  let h = locationHots.get(loc);
  if (h) return h;
  const ing = loc.ingress;
  const ns = ing.metadata.namespace ?? 'default';
  const match = loc.implicitRoot ? 'defaultBackend' : `${loc.pathType} ${loc.path}${loc.mode === 'regex' ? ' (case-insensitive regex)' : ''}`;
  const where = `host "${serverName}" ${loc.implicitRoot ? 'default backend' : `path ${loc.path} (${loc.pathType})`} of Ingress ${ns}/${ing.metadata.name}`;
  h = { ns, name: ing.metadata.name, match, where };
  if (loc.backend) h.primary = backendHot(cluster, ns, loc.backend, where);
  if (loc.canary?.backend) h.canary = backendHot(cluster, loc.canary.ingress.metadata.namespace ?? 'default', loc.canary.backend, where);
  locationHots.set(loc, h);
  return h;
}

function backendHot(cluster: Cluster, ns: string, ref: IngressBackendRef, where: string): BackendHot {
  if (ref.resource) return { ns, ref, sendsTo: `${where} sends to ${ns}/:0` };
  const resolved = resolveServicePort(cluster, ns, ref.service!.name, ref.service!.port);
  return { ns, ref, resolved, sendsTo: `${where} sends to ${resolved.namespace}/${resolved.service}:${resolved.port}` };
}

/** What backendOf(cluster, ns, ref) gives, without looking the Service port up again. */
function backendFrom(h: BackendHot): RouteBackend {
  return h.resolved ? toRouteBackend(h.resolved, 1) : { namespace: h.ns, service: '', port: 0, weight: 1, resource: h.ref.resource, endpoints: [] };
}

export function routeIngress(cluster: Cluster, ep: IngressEntryPoint, req: RouteRequest): RouteResult {
  let entryPoint = entryPointIds.get(ep);
  if (entryPoint === undefined) entryPointIds.set(ep, (entryPoint = `ingress:${ep.className}`));
  if (req.transport) return { status: 0, entryPoint, reason: `an Ingress routes HTTP only; a raw ${req.transport.toUpperCase()} stream to port ${req.port} needs ingress-nginx's ${req.transport}-services ConfigMap, which podnet does not model` };
  if (req.port !== 80 && req.port !== 443) {
    return { status: 0, entryPoint, reason: `the ${ep.controller || 'ingress'} controller listens on 80 and 443; nothing listens on port ${req.port} (connection refused)` };
  }
  const server = selectServer(ep, req.host);
  const result: RouteResult = { status: 404, entryPoint, reason: '' };
  if (req.scheme === 'https') {
    const sni = req.sni ?? req.host;
    const certServer = selectServer(ep, sni);
    const tls = certServer.tls;
    result.tls = tls?.valid ? { secret: tls.secret, sni } : { secret: tls?.secret ?? '', sni, fallback: true };
  }
  const rawHost = req.headers['host'] ?? (isDefaultPort(req.scheme, req.port) ? req.host : `${req.host}:${req.port}`);
  const serverName = server.host || '_';
  const wwwTarget = ep.nginx && ep.wwwRedirects.size > 0 ? ep.wwwRedirects.get(req.host) : undefined;
  if (wwwTarget) {
    const uri = req.query ? `${req.path}?${req.query}` : req.path;
    return Object.assign(result, { status: 308, location: `${req.scheme}://${wwwTarget}${isDefaultPort(req.scheme, req.port) ? '' : `:${req.port}`}${uri}`, reason: `from-to-www-redirect: ${req.host} redirects to ${wwwTarget}` });
  }
  if (ep.nginx && server.appRoot && req.path === '/') {
    return Object.assign(result, { status: 302, location: `${req.scheme}://${rawHost}${server.appRoot}`, reason: `app-root on server "${serverName}" redirects / to ${server.appRoot}` });
  }
  const slashed = ep.nginx ? autoRedirectLocation(server, req.path) : undefined;
  if (slashed) {
    const hot = locationHot(cluster, serverName, slashed);
    result.via = { kind: 'Ingress', namespace: hot.ns, name: hot.name, rule: slashed.ruleIndex, match: hot.match };
    // nginx builds the absolute Location from the scheme and the Host's name; ingress-nginx sets port_in_redirect off.
    const location = `${req.scheme}://${req.host}${slashed.path}${req.query ? `?${req.query}` : ''}`;
    return Object.assign(result, { status: 301, location, reason: `nginx: location ${slashed.path} (${hot.where}) ends with "/" and proxies, so a request for ${req.path} gets nginx's permanent redirect to ${slashed.path} (ingress-nginx adds "location = ${req.path}" only for a Prefix path written without the trailing slash)` });
  }
  const loc = selectLocation(server, req.path);
  if (!loc || (!loc.backend && !loc.canary)) {
    const why = loc ? 'no rule path matched and no defaultBackend is set' : 'no location matched';
    return Object.assign(result, { status: 404, reason: `server "${serverName}": ${why}; the controller's default backend answers 404` });
  }
  const hot = locationHot(cluster, serverName, loc);
  result.via = loc.ruleIndex >= 0
    ? { kind: 'Ingress', namespace: hot.ns, name: hot.name, rule: loc.ruleIndex, match: hot.match }
    : { kind: 'Ingress', namespace: hot.ns, name: hot.name, match: hot.match };
  const cfg = loc.cfg;
  const where = hot.where;
  const requestUri = req.query ? `${req.path}?${req.query}` : req.path;
  if (ep.nginx) {
    const redirect = cfg.permanentRedirect ?? cfg.temporalRedirect;
    if (redirect) return Object.assign(result, { status: redirect.code, location: redirect.url, reason: `${cfg.permanentRedirect ? 'permanent' : 'temporal'}-redirect on ${where}` });
    if (req.scheme === 'http' && (cfg.forceSslRedirect || (cfg.sslRedirect && server.tls))) {
      let uri = requestUri;
      if (!cfg.preserveTrailingSlash && uri.endsWith('/')) uri = uri.slice(0, -1);
      const httpsPort = req.httpsPort ?? 443;
      const location = `https://${req.host}${httpsPort === 443 ? '' : `:${httpsPort}`}${uri}`;
      return Object.assign(result, { status: 308, location, reason: `${cfg.forceSslRedirect ? 'force-ssl-redirect' : 'ssl-redirect (the host has TLS)'} on ${where}` });
    }
    if (cfg.rateLimit) {
      const r = cfg.rateLimit;
      // Field by field (a spread copy that gains fields is slow in V8); the order is the JSON contract's.
      const rl = {} as NonNullable<RouteResult['rateLimit']>;
      if (r.rps) rl.rps = r.rps;
      if (r.rpm) rl.rpm = r.rpm;
      if (r.connections) rl.connections = r.connections;
      rl.burst = (r.rps ?? r.rpm ?? 0) * r.burstMultiplier;
      rl.statusCode = r.statusCode;
      if (r.whitelist.length) rl.whitelist = r.whitelist;
      result.rateLimit = rl;
    }
    if (cfg.proxyReadTimeout) result.timeouts = { backendRequest: cfg.proxyReadTimeout };
  }
  let chosen: IngressBackendRef | undefined = loc.backend;
  let canary = false;
  let canaryWhy = '';
  const ns = hot.ns;
  const primary = hot.primary ? backendFrom(hot.primary) : undefined;
  const alternatives: RouteBackend[] = primary ? [primary] : [];
  if (loc.canary && ep.nginx) {
    const c = loc.canary;
    const canaryBackend = hot.canary ? backendFrom(hot.canary) : undefined;
    if (canaryBackend) {
      canaryBackend.canary = true;
      canaryBackend.weight = c.config.weight;
      if (primary) primary.weight = c.config.weightTotal - c.config.weight;
      alternatives.push(canaryBackend);
    }
    const d = canaryDecision(c.config, req.headers, req.random);
    canaryWhy = d.why;
    if (d.canary && c.backend) { chosen = c.backend; canary = true; }
  }
  result.backends = alternatives;
  if (!chosen) return Object.assign(result, { status: 404, reason: `${where}: no backend; the controller's default backend answers 404` });
  const chosenNs = canary ? loc.canary!.ingress.metadata.namespace ?? 'default' : ns;
  let backend = canary ? alternatives[alternatives.length - 1] : primary!;
  if (chosen.resource) {
    result.backend = { namespace: chosenNs, service: '', port: 0, weight: 1, resource: chosen.resource };
    return Object.assign(result, { status: 200, reason: `${where} sends to resource backend ${chosen.resource.kind}/${chosen.resource.name}` });
  }
  let sendsTo = (canary ? hot.canary : hot.primary)!.sendsTo;
  let note = '';
  if (backend.endpoints!.length === 0 && ep.nginx && cfg.defaultBackend) {
    const fallback = backendOf(cluster, ns, { service: { name: cfg.defaultBackend, port: 80 } }, true);
    if (fallback.endpoints!.length > 0) {
      note = `; ${backend.service} has no ready endpoints, so the default-backend annotation's ${cfg.defaultBackend} answers`;
      backend = fallback;
      sendsTo = `${where} sends to ${backend.namespace}/${backend.service}:${backend.port}`;
    }
  }
  if (ep.nginx) backend.protocol = cfg.backendProtocol;
  result.backend = backend;
  if (canary) result.backend.canary = true;
  const canaryNote = loc.canary ? ` (canary ${canary ? 'chosen' : 'not chosen'}: ${canaryWhy})` : '';
  if (backend.problem) return Object.assign(result, { status: 503, reason: `${where}: ${backend.problem}${canaryNote}; the controller answers 503` });
  // rewrite-target: `rewrite "(?i)<path>" <target> break;` — the whole URI becomes the target with $n substituted.
  let path = req.path;
  if (ep.nginx && cfg.rewriteTarget && !loc.implicitRoot) {
    const m = loc.regex ? (hot.rewrite ??= new RegExp(loc.regex.source.slice(1), 'i')).exec(req.path) : null;
    if (m) path = cfg.rewriteTarget.replace(/\$(\d)/g, (_, d: string) => m[Number(d)] ?? '');
  }
  result.path = req.query ? (path.includes('?') ? `${path}&${req.query}` : `${path}?${req.query}`) : path;
  result.requestHeaders = nginxUpstreamHeaders(req, rawHost, requestUri, ep.nginx ? cfg.upstreamVhost : undefined, ep.nginx ? cfg.xForwardedPrefix : undefined);
  // The result is this request's own object: finish it in place (same fields, same order as a copy would have).
  result.status = 200;
  result.reason = canaryNote === '' && note === '' ? sendsTo : `${sendsTo}${canaryNote}${note}`;
  return result;
}

function backendOf(cluster: Cluster, ns: string, ref: IngressBackendRef, forceService = false): RouteBackend {
  if (ref.resource && !forceService) return { namespace: ns, service: '', port: 0, weight: 1, resource: ref.resource, endpoints: [] };
  const r = resolveServicePort(cluster, ns, ref.service!.name, ref.service!.port);
  if (forceService && r.problem === 'PortNotFound') return toRouteBackend(resolveServicePort(cluster, ns, ref.service!.name, firstPort(cluster, ns, ref.service!.name)), 1);
  return toRouteBackend(r, 1);
}

function firstPort(cluster: Cluster, ns: string, name: string): number | undefined {
  const svc = cluster.get<{ spec: { ports?: { port: number }[] } }>('Service', ns, name);
  return svc?.spec.ports?.[0]?.port;
}

function isDefaultPort(scheme: string, port: number): boolean {
  return (scheme === 'http' && port === 80) || (scheme === 'https' && port === 443);
}

/** The headers ingress-nginx's template sets with proxy_set_header, over the client's own (hop-by-hop ones dropped). */
export function nginxUpstreamHeaders(req: RouteRequest, rawHost: string, requestUri: string, vhost?: string, prefix?: string): Record<string, string> {
  const out: Record<string, string> = {};
  const h = req.headers;
  for (const k in h) {
    if (k === 'connection' || k === 'proxy' || k === 'keep-alive' || k === 'upgrade' || k === 'te' || k === 'transfer-encoding') continue;
    out[k] = h[k];
  }
  const client = req.clientIP ?? '192.0.2.1';
  if (req.headers['x-forwarded-for'] !== undefined) out['x-original-forwarded-for'] = req.headers['x-forwarded-for'];
  out['host'] = vhost ?? rawHost;
  out['x-real-ip'] = client;
  out['x-forwarded-for'] = client;
  out['x-forwarded-host'] = rawHost;
  out['x-forwarded-port'] = String(req.port);
  out['x-forwarded-proto'] = req.scheme;
  out['x-forwarded-scheme'] = req.scheme;
  out['x-scheme'] = req.scheme;
  out['x-original-uri'] = requestUri;
  if (prefix) out['x-forwarded-prefix'] = prefix;
  return out;
}
