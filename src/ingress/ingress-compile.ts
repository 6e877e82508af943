// Ingress (networking.k8s.io/v1) compiled per IngressClass into virtual servers and locations, the way ingress-nginx
// builds its nginx.conf (internal/ingress/controller/controller.go createServers/createUpstreams, template
// buildLocation): one server per host, hostless rules in the default server `_`, Ingresses merged oldest first.
// Classes of other controllers follow the Ingress spec (ImplementationSpecific is treated as Prefix, no annotations).
import type { Diagnostic } from '../api/diagnostics.js';
import type { KubeObject } from '../api/types.js';
import type { Cluster } from '../cluster/cluster.js';
import { parseNginxAnnotations, type CanaryConfig, type NginxConfig } from './annotations.js';
import { IngressCodes } from './codes.js';
import { compileRegex } from './match.js';
import { certificateCovers, parseTlsSecret } from './tls.js';
import type { X509Certificate } from 'node:crypto';

type Obj = Record<string, any>;
export type IngressObj = KubeObject & { spec?: Obj };
export const NGINX_CONTROLLER = 'k8s.io/ingress-nginx';
const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';

export interface IngressBackendRef {
  service?: { name: string; port: number | string };
  resource?: { apiGroup?: string; kind: string; name: string };
}

export interface IngressLocation {
  ingress: IngressObj;
  ruleIndex: number;
  path: string;
  pathType: string;
  /** How it matches: equality, element-wise prefix (spec Prefix), string prefix (nginx), or regex. */
  mode: 'exact' | 'element' | 'string' | 'regex';
  regex?: RegExp;
  /** nginx location length used for longest-prefix / regex ordering. */
  weight: number;
  /** undefined: the controller's default backend (404). */
  backend?: IngressBackendRef;
  cfg: NginxConfig;
  canary?: { ingress: IngressObj; backend?: IngressBackendRef; config: CanaryConfig };
  /** The server's implicit `/` location (no rule path `/`): the Ingress defaultBackend or the controller's. */
  implicitRoot?: boolean;
}

export interface TlsBinding { secret: string; valid: boolean; problem?: string }

export interface IngressServer {
  host: string;
  locations: IngressLocation[];
  regexMode: boolean;
  tls?: TlsBinding;
  appRoot?: string;
}

export interface IngressEntryPoint {
  className: string;
  controller: string;
  nginx: boolean;
  servers: Map<string, IngressServer>;
  wildcards: IngressServer[];
  defaultServer: IngressServer;
  ingresses: IngressObj[];
  /** from-to-www-redirect: alias host -> the rule host it redirects to (only when no Ingress defines the alias). */
  wwwRedirects: Map<string, string>;
}

/** The class each Ingress belongs to (spec.ingressClassName, the legacy annotation, or the single default class). */
export function effectiveIngressClass(ing: IngressObj, classes: readonly KubeObject[]): string | undefined {
  const named = ing.spec?.ingressClassName ?? ing.metadata.annotations?.['kubernetes.io/ingress.class'];
  if (typeof named === 'string' && named !== '') return named;
  const defaults = classes.filter((c) => c.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true');
  return defaults.length === 1 ? defaults[0].metadata.name : undefined;
}

export function compileIngressEntryPoints(cluster: Cluster, diags: Diagnostic[]): IngressEntryPoint[] {
  const ingresses = (cluster.ingresses() as IngressObj[]).slice().sort(oldestFirst);
  let classes = cluster.list<KubeObject & { spec?: Obj }>('IngressClass');
  if (classes.length === 0 && ingresses.length > 0) {
    // What the foundation adds when the manifests carry none: ingress-nginx's `nginx` class, marked default.
    classes = [{ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'nginx', annotations: { [DEFAULT_CLASS_ANNOTATION]: 'true' } }, spec: { controller: NGINX_CONTROLLER } }];
  }
  const defaults = classes.filter((c) => c.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true');
  const byClass = new Map<string, IngressObj[]>(classes.map((c) => [c.metadata.name, []]));
  for (const ing of ingresses) {
    const cls = effectiveIngressClass(ing, classes);
    const source = cluster.sourceOf(ing);
    if (cls === undefined) {
      const why = defaults.length > 1
        ? `${defaults.length} IngressClasses are marked default (${defaults.map((d) => d.metadata.name).join(', ')}), so the admission plugin rejects an Ingress without ingressClassName`
        : 'it names no IngressClass and no IngressClass is marked default';
      diags.push({ code: defaults.length > 1 ? IngressCodes.multipleDefaultClasses : IngressCodes.ingressClassMissing, level: 'warning', object: refOf(ing), source, message: `Ingress ${ing.metadata.namespace}/${ing.metadata.name} is served by no controller: ${why}` });
      continue;
    }
    const list = byClass.get(cls);
    if (!list) {
      diags.push({ code: IngressCodes.ingressClassMissing, level: 'warning', object: refOf(ing), source, message: `Ingress ${ing.metadata.namespace}/${ing.metadata.name} names IngressClass "${cls}", which does not exist: no controller serves it` });
      continue;
    }
    list.push(ing);
  }
  return classes.map((c) => compileClass(cluster, c.metadata.name, String(c.spec?.controller ?? ''), byClass.get(c.metadata.name) ?? [], diags));
}

function compileClass(cluster: Cluster, className: string, controller: string, ingresses: IngressObj[], diags: Diagnostic[]): IngressEntryPoint {
  const nginx = controller === NGINX_CONTROLLER;
  const ep: IngressEntryPoint = { className, controller, nginx, servers: new Map(), wildcards: [], defaultServer: { host: '', locations: [], regexMode: false }, ingresses, wwwRedirects: new Map() };
  const cfgs = new Map<IngressObj, NginxConfig>();
  for (const ing of ingresses) cfgs.set(ing, parseNginxAnnotations(ing, diags, cluster.sourceOf(ing), nginx));
  const serverFor = (host: string): IngressServer => {
    if (host === '') return ep.defaultServer;
    let s = ep.servers.get(host);
    if (!s) ep.servers.set(host, (s = { host, locations: [], regexMode: false }));
    return s;
  };
  const primaries = ingresses.filter((i) => !cfgs.get(i)!.canary);
  const wwwAliases: string[] = [];
  const canaries = ingresses.filter((i) => cfgs.get(i)!.canary);

  for (const ing of primaries) {
    const cfg = cfgs.get(ing)!;
    const rules = (ing.spec?.rules ?? []) as Obj[];
    const dflt = backendRef(ing.spec?.defaultBackend);
    if (rules.length === 0 && dflt && !ep.defaultServer.locations.some((l) => l.implicitRoot)) {
      // An Ingress with only a defaultBackend becomes the catch-all: the default server's `/`.
      ep.defaultServer.locations.push(rootLocation(ing, dflt, cfg));
    }
    rules.forEach((rule, ruleIndex) => {
      const server = serverFor(String(rule.host ?? '').toLowerCase());
      if (!server.locations.some((l) => l.implicitRoot)) server.locations.push(rootLocation(ing, dflt, cfg));
      if (nginx && cfg.appRoot && server.appRoot === undefined) server.appRoot = cfg.appRoot;
      if (nginx && cfg.fromToWwwRedirect && server.host && !server.host.startsWith('*.')) wwwAliases.push(server.host);
      if (nginx && (cfg.useRegex || cfg.rewriteTarget)) server.regexMode = true;
      for (const p of (rule.http?.paths ?? []) as Obj[]) {
        const path = typeof p.path === 'string' && p.path !== '' ? p.path : '/';
        const pathType = String(p.pathType ?? 'ImplementationSpecific');
        const backend = backendRef(p.backend);
        if (nginx && backend?.resource) {
          diags.push({ code: IngressCodes.resourceBackendUnsupported, level: 'warning', object: refOf(ing), source: cluster.sourceOf(ing), message: `Ingress ${ing.metadata.namespace}/${ing.metadata.name} path ${path}: ingress-nginx does not serve resource backends (${backend.resource.kind} ${backend.resource.name}); the path is skipped` });
          continue;
        }
        const clash = server.locations.find((l) => !l.implicitRoot && l.path === path && l.pathType === pathType);
        if (clash) {
          diags.push({ code: IngressCodes.ingressPathConflict, level: 'warning', object: refOf(ing), source: cluster.sourceOf(ing), message: `Ingress ${ing.metadata.namespace}/${ing.metadata.name}: host "${server.host || '*'}" path ${path} (${pathType}) is already defined by Ingress ${clash.ingress.metadata.namespace}/${clash.ingress.metadata.name}, which is older; this one is ignored` });
          continue;
        }
        if (path === '/' && pathType !== 'Exact') {
          // A rule for `/` replaces the implicit root location.
          server.locations = server.locations.filter((l) => !l.implicitRoot);
        }
        server.locations.push({ ingress: ing, ruleIndex, path, pathType, mode: 'element', weight: path.length, backend, cfg });
      }
    });
    for (const t of (ing.spec?.tls ?? []) as Obj[]) {
      const binding = tlsBinding(cluster, ing, t.secretName, diags);
      for (const h of (t.hosts ?? []) as string[]) {
        const host = String(h).toLowerCase();
        const server = ep.servers.get(host);
        if (!server) {
          diags.push({ code: IngressCodes.tlsHostWithoutRule, level: 'warning', object: refOf(ing), source: cluster.sourceOf(ing), message: `Ingress ${ing.metadata.namespace}/${ing.metadata.name}: TLS host "${host}" has no rule; TLS applies only to hosts that rules name` });
          continue;
        }
        if (server.tls) continue;
        if (binding.valid && binding.cert && !certificateCovers(binding.cert, host)) {
          const problem = `does not cover host ${host} (no matching Subject Alternative Name or Common Name)`;
          diags.push({ code: IngressCodes.tlsSecretInvalid, level: 'warning', object: refOf(ing), source: cluster.sourceOf(ing), message: `Ingress ${ing.metadata.namespace}/${ing.metadata.name}: TLS secret "${binding.secret}" ${problem}; the controller serves its fallback (self-signed) certificate for that host` });
          server.tls = { secret: binding.secret, valid: false, problem };
          continue;
        }
        server.tls = { secret: binding.secret, valid: binding.valid, ...(binding.problem ? { problem: binding.problem } : {}) };
      }
    }
  }
  for (const server of [ep.defaultServer, ...ep.servers.values()]) finishServer(server, nginx, cluster, diags);
  for (const ing of ingresses) checkBackends(cluster, ing, diags);
  for (const host of wwwAliases) {
    const alias = host.startsWith('www.') ? host.slice(4) : `www.${host}`;
    if (!ep.servers.has(alias)) ep.wwwRedirects.set(alias, host);
  }
  for (const s of ep.servers.values()) if (s.host.startsWith('*.')) ep.wildcards.push(s);
  for (const ing of canaries) attachCanary(cluster, ep, ing, cfgs.get(ing)!, diags);
  return ep;
}

/** Decides how each location matches, and orders regex locations by descending path length (nginx takes the first). */
function finishServer(server: IngressServer, nginx: boolean, cluster: Cluster, diags: Diagnostic[]): void {
  for (const l of server.locations) {
    if (server.regexMode) {
      const regex = compileRegex(`^${l.path}`, 'i');
      if (!regex) {
        diags.push({ code: IngressCodes.invalidRegex, level: 'warning', object: refOf(l.ingress), source: cluster.sourceOf(l.ingress), message: `Ingress ${l.ingress.metadata.namespace}/${l.ingress.metadata.name}: path ${JSON.stringify(l.path)} is not a valid regular expression, and host "${server.host || '_'}" uses regex locations (use-regex or rewrite-target); the location never matches` });
        l.regex = /(?!)/;
      } else l.regex = regex;
      l.mode = 'regex';
    } else if (l.implicitRoot) l.mode = 'string';
    else if (l.pathType === 'Exact') l.mode = 'exact';
    else if (l.pathType === 'ImplementationSpecific' && nginx) l.mode = 'string';
    else l.mode = 'element';
    // nginx renders Prefix /foo as `location /foo/` (+ `= /foo`): its length for longest-prefix is that of /foo/.
    l.weight = l.mode === 'element' && l.path !== '/' && !l.path.endsWith('/') ? l.path.length + 1 : l.path.length;
  }
  if (server.regexMode) server.locations = server.locations.map((l, i) => [l, i] as const).sort((a, b) => b[0].path.length - a[0].path.length || a[1] - b[1]).map(([l]) => l);
}

function attachCanary(cluster: Cluster, ep: IngressEntryPoint, ing: IngressObj, cfg: NginxConfig, diags: Diagnostic[]): void {
  const canaryCfg = cfg.canary!;
  const miss = (what: string): void => {
    diags.push({ code: IngressCodes.canaryWithoutPrimary, level: 'warning', object: refOf(ing), source: cluster.sourceOf(ing), message: `canary Ingress ${ing.metadata.namespace}/${ing.metadata.name}: ${what} has no primary (non-canary) Ingress to attach to; it receives no traffic` });
  };
  const dflt = backendRef(ing.spec?.defaultBackend);
  for (const rule of (ing.spec?.rules ?? []) as Obj[]) {
    const host = String(rule.host ?? '').toLowerCase();
    const server = host === '' ? ep.defaultServer : ep.servers.get(host);
    if (!server) { miss(`host "${host}"`); continue; }
    for (const p of (rule.http?.paths ?? []) as Obj[]) {
      const path = typeof p.path === 'string' && p.path !== '' ? p.path : '/';
      const candidates = server.locations.filter((l) => l.path === path && !l.implicitRoot);
      const primary = candidates.find((l) => l.pathType === p.pathType) ?? candidates[0] ?? (path === '/' ? server.locations.find((l) => l.implicitRoot) : undefined);
      if (!primary) { miss(`host "${host || '*'}" path ${path}`); continue; }
      if (primary.canary) continue; // at most one canary per location: the oldest
      primary.canary = { ingress: ing, backend: backendRef(p.backend), config: canaryCfg };
    }
    if (dflt) {
      const root = server.locations.find((l) => l.implicitRoot);
      if (root && !root.canary) root.canary = { ingress: ing, backend: dflt, config: canaryCfg };
    }
  }
}

/** PN4007 for Service backends that do not exist or lack the port: requests for them get 503. */
function checkBackends(cluster: Cluster, ing: IngressObj, diags: Diagnostic[]): void {
  const ns = ing.metadata.namespace ?? 'default';
  const refs: IngressBackendRef[] = [];
  const d = backendRef(ing.spec?.defaultBackend);
  if (d) refs.push(d);
  for (const rule of (ing.spec?.rules ?? []) as Obj[]) for (const p of (rule.http?.paths ?? []) as Obj[]) { const b = backendRef(p.backend); if (b) refs.push(b); }
  const seen = new Set<string>();
  for (const r of refs) {
    if (!r.service) continue;
    const key = `${r.service.name}:${r.service.port}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const svc = cluster.get<KubeObject & { spec: Obj }>('Service', ns, r.service.name);
    const port = r.service.port;
    const problem = !svc ? `Service "${ns}/${r.service.name}" does not exist`
      : !((svc.spec.ports ?? []) as Obj[]).some((p) => (typeof port === 'number' ? p.port === port : p.name === port)) && svc.spec.type !== 'ExternalName' ? `Service "${ns}/${r.service.name}" has no port ${port}` : undefined;
    if (problem) diags.push({ code: IngressCodes.ingressBackendNotFound, level: 'warning', object: refOf(ing), source: cluster.sourceOf(ing), message: `Ingress ${ns}/${ing.metadata.name}: ${problem}; requests for it get 503` });
  }
}

function rootLocation(ing: IngressObj, backend: IngressBackendRef | undefined, cfg: NginxConfig): IngressLocation {
  return { ingress: ing, ruleIndex: -1, path: '/', pathType: 'Prefix', mode: 'string', weight: 1, backend, cfg, implicitRoot: true };
}

export function backendRef(b: Obj | undefined): IngressBackendRef | undefined {
  if (!b || typeof b !== 'object') return undefined;
  if (b.service && typeof b.service.name === 'string') {
    const port = b.service.port?.number ?? b.service.port?.name;
    return { service: { name: b.service.name, port: typeof port === 'number' || typeof port === 'string' ? port : 80 } };
  }
  if (b.resource && typeof b.resource.name === 'string') return { resource: { apiGroup: b.resource.apiGroup, kind: String(b.resource.kind ?? ''), name: b.resource.name } };
  return undefined;
}

/** A kubernetes.io/tls Secret whose certificate and key parse; anything else makes the controller use its fallback certificate. */
function tlsBinding(cluster: Cluster, ing: IngressObj, secretName: unknown, diags: Diagnostic[]): TlsBinding & { cert?: X509Certificate } {
  const ns = ing.metadata.namespace ?? 'default';
  if (typeof secretName !== 'string' || secretName === '') return { secret: '', valid: false, problem: 'no secretName (TLS for the host with the controller\'s default certificate)' };
  const { problem, cert } = parseTlsSecret(cluster.get<KubeObject & Obj>('Secret', ns, secretName));
  if (problem) {
    diags.push({ code: IngressCodes.tlsSecretInvalid, level: 'warning', object: refOf(ing), source: cluster.sourceOf(ing), message: `Ingress ${ns}/${ing.metadata.name}: TLS secret "${ns}/${secretName}" ${problem}; the controller serves its fallback (self-signed) certificate` });
    return { secret: `${ns}/${secretName}`, valid: false, problem };
  }
  return { secret: `${ns}/${secretName}`, valid: true, cert };
}

export function secretProblem(secret: (KubeObject & Obj) | undefined): string | undefined {
  return parseTlsSecret(secret).problem;
}

function oldestFirst(a: IngressObj, b: IngressObj): number {
  const ta = a.metadata.creationTimestamp ? Date.parse(String(a.metadata.creationTimestamp)) : 0;
  const tb = b.metadata.creationTimestamp ? Date.parse(String(b.metadata.creationTimestamp)) : 0;
  if (ta !== tb) return ta - tb;
  const ka = `${a.metadata.namespace}/${a.metadata.name}`;
  const kb = `${b.metadata.namespace}/${b.metadata.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

export function refOf(o: KubeObject) {
  return { kind: o.kind, namespace: o.metadata.namespace ?? '', name: o.metadata.name };
}
