// What every `podnet mesh analyze` check shares: the findings list (each with its PN code and the Istio message it
// mirrors), the object references, and the host registry as istioctl analyze sees it (Services and ServiceEntries,
// scoped by exportTo). Sources: istio/istio pkg/config/analysis/analyzers/util (service_lookup.go, hosts.go,
// exportto.go, in_mesh.go).
import type { Diagnostic } from '../api/diagnostics.js';
import { storeKindOf } from '../api/kinds.js';
import type { ObjectRef } from '../api/types.js';
import type { IstioMessage } from './istio-messages.js';
import type { CompiledMesh } from './model.js';

type Obj = Record<string, any>;

/** One host a client can address: a Service or a ServiceEntry host, with its ports. */
export interface RegistryHost { host: string; ports: { number: number; protocol?: string; name?: string }[]; from: Obj; selector?: Record<string, string> }

export interface AnalyzeContext {
  mesh: CompiledMesh;
  pods: Obj[];
  add(code: string, level: Diagnostic['level'], o: Obj, message: string, istio?: IstioMessage): void;
  /** Istio's GetDestinationHost: the registry entry a config in `ns` (with that exportTo) reaches for `host`. */
  destinationHost(ns: string, exportTo: unknown, host: string): RegistryHost | undefined;
  /** Istio's PodInMesh, plus ambient redirection: a sidecar member, or a pod ztunnel captures. */
  inMesh(pod: Obj): boolean;
}

/** Short names become `<name>.<ns>.svc.cluster.local`; names with a dot or a leading `*` are taken as written. */
export function hostFqdn(host: string, ns: string, clusterDomain: string): string {
  return host.startsWith('*') || host.includes('.') ? host : `${host}.${ns}.svc.${clusterDomain}`;
}

/** `exportTo` as the set of scopes it names: `*` for everywhere (also when empty), `.` resolved to the owner's namespace. */
export function exportScopes(exportTo: unknown, ns: string): string[] {
  const list = Array.isArray(exportTo) ? exportTo.map(String) : [];
  if (list.length === 0 || list.includes('*')) return ['*'];
  return [...new Set(list.map((e) => (e === '.' ? ns : e)))];
}

/** Istio's host.Name.Matches: two names overlap when equal, or a wildcard's suffix covers the other. */
export function hostsOverlap(a: string, b: string): boolean {
  const x = a.toLowerCase(), y = b.toLowerCase();
  if (x === '*' || y === '*') return true;
  const wx = x.startsWith('*'), wy = y.startsWith('*');
  if (!wx && !wy) return x === y;
  if (wx && !wy) return y.endsWith(x.slice(1));
  if (!wx && wy) return x.endsWith(y.slice(1));
  return x.length >= y.length ? x.endsWith(y.slice(1)) : y.endsWith(x.slice(1));
}

export function createContext(mesh: CompiledMesh, out: Diagnostic[]): AnalyzeContext {
  const ref = (o: Obj): ObjectRef => ({ kind: storeKindOf(o.kind, o.apiVersion), namespace: o.metadata.namespace ?? '', name: o.metadata.name });
  const domain = mesh.clusterDomain;
  const registry = new Map<string, RegistryHost>();
  for (const se of mesh.objects.serviceEntries) {
    const ns = se.metadata.namespace;
    const ports = (Array.isArray(se.spec?.ports) ? se.spec.ports : []).map((p: Obj) => ({ number: Number(p?.number), protocol: p?.protocol, name: p?.name }));
    for (const h of (Array.isArray(se.spec?.hosts) ? se.spec.hosts : []) as string[]) {
      for (const scope of exportScopes(se.spec?.exportTo, ns)) registry.set(`${scope}/${hostFqdn(String(h), ns, domain)}`, { host: String(h), ports, from: se, selector: se.spec?.workloadSelector?.labels });
    }
  }
  for (const svc of mesh.cluster.services() as Obj[]) {
    const ns = svc.metadata.namespace;
    const anno = svc.metadata.annotations?.['networking.istio.io/exportTo'];
    const scopes = typeof anno === 'string' && anno.trim() !== '' ? anno.split(',').map((s) => (s.trim() === '.' ? ns : s.trim())) : ['*'];
    const ports = ((svc.spec?.ports ?? []) as Obj[]).map((p) => ({ number: Number(p.port), protocol: p.protocol, name: p.name }));
    for (const scope of scopes) registry.set(`${scope}/${svc.metadata.name}.${ns}.svc.${domain}`, { host: `${svc.metadata.name}.${ns}.svc.${domain}`, ports, from: svc });
  }
  const destinationHost = (ns: string, exportTo: unknown, host: string): RegistryHost | undefined => {
    const f = hostFqdn(host, ns, domain);
    const all = registry.get(`*/${f}`);
    if (all) return all;
    const list = Array.isArray(exportTo) ? exportTo.map(String) : [];
    for (const scope of list.length === 0 ? [ns] : list.map((e) => (e === '.' ? ns : e))) {
      const r = registry.get(`${scope}/${f}`);
      if (r) return r;
    }
    for (const [key, r] of registry) {
      const i = key.indexOf('/');
      const scope = key.slice(0, i), seHost = key.slice(i + 1);
      if (!seHost.startsWith('*') || (scope !== '*' && scope !== ns)) continue;
      if (host.replace(/^\*/, '').endsWith(seHost.slice(1))) return r;
    }
    return undefined;
  };
  const inMesh = (pod: Obj): boolean => {
    const dp = mesh.memberships.get(`${pod.metadata.namespace}/${pod.metadata.name}`)?.dataPlane;
    return dp === 'sidecar' || dp === 'ambient';
  };
  return {
    mesh,
    pods: [...mesh.pods.values()],
    add: (code, level, o, message, istio) => out.push({
      code, level, object: ref(o), source: mesh.cluster.sourceOf(ref(o)),
      message: `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}: ${message}`,
      ...(istio ? { istio: { code: istio.code, name: istio.name } } : {}),
    }),
    destinationHost,
    inMesh,
  };
}
