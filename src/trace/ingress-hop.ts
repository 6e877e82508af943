// The Ingress leg of a trace, through src/ingress's public API: which address an outside client's DNS gives for an
// Ingress host (the Ingress's status.loadBalancer, as external-dns would publish it), and, when a request reaches an
// ingress controller's data-plane pod, the routing decision and the backend endpoint it proxies to (controllers
// proxy to pod endpoints directly, not through the ClusterIP).
import type { Cluster } from '../cluster/cluster.js';
import { requestFromUrl, routingModelOf, withComputedStatus } from '../ingress/index.js';
import { proxyPods } from '../ingress/index.js';
import type { IngressStep } from './hooks.js';

type Obj = Record<string, any>;

function hostMatches(pattern: string, host: string): boolean {
  if (pattern.startsWith('*.')) {
    const rest = pattern.slice(1);
    return host.endsWith(rest) && !host.slice(0, -rest.length).includes('.');
  }
  return pattern === host;
}

/** The load balancer address published for an Ingress host, if an Ingress serves it. */
export function ingressAddressFor(cluster: Cluster, host: string): string | undefined {
  const h = host.toLowerCase();
  for (const ing of cluster.ingresses() as Obj[]) {
    const hosts = ((ing.spec?.rules ?? []) as Obj[]).map((r) => r.host).filter(Boolean) as string[];
    if (!hosts.some((p) => hostMatches(p, h))) continue;
    const status = (withComputedStatus(cluster, ing as never) as Obj).status;
    const ip = status?.loadBalancer?.ingress?.find((i: Obj) => i.ip)?.ip as string | undefined;
    if (ip) return ip;
  }
  return undefined;
}

/** When `pod` is a data-plane pod of an active entry point, what it does with the request for `url`. */
export function routeAtDataPlane(cluster: Cluster, pod: string, url: string, clientIP: string, random?: number): IngressStep | undefined {
  const model = routingModelOf(cluster);
  for (const ep of model.entryPoints.filter((e) => e.active)) {
    if (!proxyPods(cluster, ep.id).some((p) => `${p.metadata.namespace}/${p.metadata.name}` === pod)) continue;
    const r = model.route(requestFromUrl(url, { clientIP, ...(random !== undefined ? { random } : {}) }), ep.id);
    const b = r.backend;
    const endpoints = (b?.endpoints ?? []).map((e, i) => {
      const [ip, port] = [e.slice(0, e.lastIndexOf(':')).replace(/^\[|\]$/g, ''), Number(e.slice(e.lastIndexOf(':') + 1))];
      return { ip, port, ...(b?.pods?.[i] ? { pod: b.pods[i] } : {}) };
    });
    return {
      entryPoint: ep.id, status: r.status, reason: r.reason,
      ...(r.via ? { via: `${r.via.kind} ${r.via.namespace}/${r.via.name}${r.via.match ? ` (${r.via.match})` : ''}` } : {}),
      ...(b ? { backend: `${b.namespace}/${b.service}:${b.port}` } : {}),
      endpoints,
      ...(r.dataPlane?.deniedEndpoints?.length ? { deniedEndpoints: r.dataPlane.deniedEndpoints } : {}),
      ...(r.tls ? { tls: `TLS terminated with ${r.tls.secret} (SNI ${r.tls.sni})` } : {}),
    };
  }
  return undefined;
}
