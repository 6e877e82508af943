// The lab's edge: one live proxy (src/serve/http-proxy.ts) per active entry point of the routing model — each
// Ingress class and each served Gateway — built for one snapshot. A new snapshot gets new proxies; the old ones finish
// what they carry and close after the grace period.
import type net from 'node:net';
import { proxyPods, routingModelOf } from '../../ingress/index.js';
import { EdgeProxy } from '../http-proxy.js';
import type { Snapshot } from './snapshot.js';

export interface Edge {
  id: string;
  kind: 'ingress' | 'gateway';
  proxy: EdgeProxy;
  /** Where this proxy really listens (ephemeral); the user-facing ports forward here. */
  internal: { http: number; https: number };
  modelPorts: { http: number; https: number };
  dataPlanePods: Set<string>;
}

/**
 * Tells a proxy the user-facing ports, so that what it writes into answers (the https port of an ssl-redirect
 * Location) is the port users connect to, not the proxy's internal one.
 */
export function setPublicPorts(e: Edge, http: number, https: number): void {
  e.proxy.httpPort = http;
  e.proxy.httpsPort = https;
}

export async function startEdges(snap: Snapshot, resolve: (endpoint: string) => { host: string; port: number } | undefined, log: (entryPoint: string, line: string) => void): Promise<Edge[]> {
  const model = routingModelOf(snap.cluster);
  const edges: Edge[] = [];
  try {
    for (const ep of model.entryPoints.filter((e) => e.active)) {
      const proxy = await EdgeProxy.start({ cluster: snap.cluster, via: ep.id, httpPort: 0, httpsPort: 0, resolve, log: (line) => log(ep.id, line) });
      const dataPlanePods = new Set(proxyPods(snap.cluster, ep.id).map((p) => `${(p as { metadata: { namespace: string } }).metadata.namespace}/${(p as { metadata: { name: string } }).metadata.name}`));
      edges.push({ id: ep.id, kind: ep.kind, proxy, internal: { http: proxy.httpPort, https: proxy.httpsPort }, modelPorts: { http: proxy.modelHttpPort, https: proxy.modelHttpsPort }, dataPlanePods });
    }
  } catch (e) {
    await Promise.all(edges.map((x) => x.proxy.close()));
    throw e;
  }
  return edges;
}

/** Closes proxies after `graceMs`, so connections already on them finish. */
export function retireEdges(edges: readonly Edge[], graceMs: number, retired: Map<NodeJS.Timeout, readonly Edge[]>): void {
  if (edges.length === 0) return;
  const t = setTimeout(() => { retired.delete(t); for (const e of edges) void e.proxy.close(); }, graceMs);
  t.unref();
  retired.set(t, edges);
}

export type { net };
