// The lab's edge: one live proxy (src/serve/http-proxy.ts) per active entry point of the routing model — each
// Ingress class and each served Gateway — built for one snapshot. A new snapshot gets new proxies; the old ones finish
// what they carry and close after the grace period.
import type net from 'node:net';
import { proxyPods, routingModelOf } from '../../ingress/index.js';
import { EdgeProxy, type LivePort } from '../http-proxy.js';
import { FrontListener, UdpFrontListener, type FrontTarget } from './front.js';
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

/** The user-facing fronts of one entry point: its first HTTP and HTTPS ports, and every other listener port. */
export interface EntryFronts { http: FrontListener; https: FrontListener; listeners: Map<string, FrontListener | UdpFrontListener> }

const portKey = (p: LivePort): string => `${p.protocol}/${p.port}`;

/** A proxy's listener ports beyond its first HTTP and HTTPS ones (those have their own fronts). */
function otherPorts(e: Edge): LivePort[] {
  return e.proxy.ports.filter((p) => !(p.protocol === 'HTTP' && p.port === e.modelPorts.http) && !(p.protocol === 'HTTPS' && p.port === e.modelPorts.https));
}

/**
 * Gives every other listener port of the current proxy a user-facing front (ephemeral, kept across snapshots while
 * the listener exists) that forwards to wherever the current proxy serves that port; fronts of removed listeners close.
 */
export async function syncListenerFronts(f: EntryFronts, e: Edge, current: (key: string) => FrontTarget | undefined, host: string): Promise<void> {
  const want = new Map(otherPorts(e).map((p) => [portKey(p), p]));
  for (const [key, front] of f.listeners) {
    if (want.has(key)) continue;
    f.listeners.delete(key);
    await front.close();
  }
  for (const [key, p] of want) {
    if (f.listeners.has(key)) continue;
    const front = p.protocol === 'UDP' ? new UdpFrontListener(() => current(key), host) : new FrontListener(() => current(key), host);
    await front.listen(0);
    f.listeners.set(key, front);
  }
}

/** Where the proxy serves a listener port (`PROTOCOL/port`) now. */
export function livePortOf(e: Edge, key: string): FrontTarget | undefined {
  const p = e.proxy.ports.find((x) => portKey(x) === key);
  return p ? { host: '127.0.0.1', port: p.local } : undefined;
}

/** Every listener port of an entry point as users reach it: the model port, its protocol and the local port. */
export function userListenerPorts(e: Edge, f: EntryFronts): { port: number; protocol: LivePort['protocol']; local: number }[] {
  return e.proxy.ports.map((p) => ({
    port: p.port, protocol: p.protocol,
    local: p.protocol === 'HTTP' && p.port === e.modelPorts.http ? f.http.port : p.protocol === 'HTTPS' && p.port === e.modelPorts.https ? f.https.port : f.listeners.get(portKey(p))?.port ?? 0,
  }));
}

export type { net };
