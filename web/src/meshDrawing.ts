// The service graph's drawing rules, kept apart from React and Cytoscape so they read as a spec: what an edge says
// ("0.83 rps · 2.5% err"), which colour its error ratio earns, how its line tells mTLS from plaintext, and which
// column each node sits in. The numbers themselves are the lab's (GET /api/mesh/graph); nothing is recomputed here.
import type { GraphElement, MeshEdge, MeshNode, ServiceGraph } from './api';

/** Up to 2 decimals, no trailing zeros: 0.833 → "0.83", 17 → "17", 0.1 → "0.1". */
export function twoDecimals(x: number): string {
  return String(Math.round(x * 100) / 100);
}

/** Requests per second as the edge label shows it; a handful of requests over a long window is "<0.01", not "0". */
export function formatRps(e: Pick<MeshEdge, 'rps' | 'requests'>): string {
  return e.requests > 0 && e.rps < 0.005 ? '<0.01' : twoDecimals(e.rps);
}

/** The error ratio as a percentage with up to 2 decimals: 0.0213 → "2.13", 1 → "100". */
export function formatErrorPercent(errorRatio: number): string {
  return twoDecimals(errorRatio * 100);
}

export function edgeLabel(e: MeshEdge): string {
  return `${formatRps(e)} rps · ${formatErrorPercent(e.errorRatio)}% err`;
}

export type Health = 'healthy' | 'degraded' | 'failing';

/** Kiali's default thresholds: under 1% errors healthy (green), 1–20% degraded (orange), over 20% failing (red). */
export function edgeHealth(errorRatio: number): Health {
  if (errorRatio < 0.01) return 'healthy';
  if (errorRatio <= 0.2) return 'degraded';
  return 'failing';
}

export const HEALTH_COLOUR: Record<Health, string> = { healthy: '#22c55e', degraded: '#f97316', failing: '#ef4444' };

/** mTLS edges are drawn solid, plaintext dashed, a mix of both dotted. */
export const MTLS_LINE: Record<MeshEdge['mtls'], 'solid' | 'dashed' | 'dotted'> = { mutual_tls: 'solid', none: 'dashed', mixed: 'dotted' };
export const MTLS_TEXT: Record<MeshEdge['mtls'], string> = { mutual_tls: 'mutual TLS', none: 'plaintext', mixed: 'mixed (mTLS and plaintext)' };

export const edgeId = (e: Pick<MeshEdge, 'source' | 'target'>) => `${e.source}>${e.target}`;

/** A node's label: its name, then namespace and (workloads) version. */
export function nodeLabel(n: MeshNode): string {
  const second = [n.namespace, n.version].filter(Boolean).join(' · ');
  return second ? `${n.name}\n${second}` : n.name;
}

/**
 * Each node's column, left to right as requests flow: a node sits one column right of the furthest node calling it
 * (longest path from the callers nobody calls). So source workloads come first, then the services they call, then
 * the workloads behind those services, then what those call. Cycles (a workload calling a service it backs) are
 * broken at their back edges, found walking forward from the callers nobody calls (then from what is left, by id).
 */
export function meshColumns(nodes: readonly Pick<MeshNode, 'id'>[], edges: readonly Pick<MeshEdge, 'source' | 'target'>[]): Map<string, number> {
  const ids = nodes.map((n) => n.id).sort();
  const known = new Set(ids);
  const succ = new Map<string, string[]>(ids.map((id) => [id, []]));
  const indegree = new Map<string, number>(ids.map((id) => [id, 0]));
  for (const e of edges) {
    if (e.source === e.target || !known.has(e.source) || !known.has(e.target)) continue;
    succ.get(e.source)!.push(e.target);
    indegree.set(e.target, indegree.get(e.target)! + 1);
  }
  for (const list of succ.values()) list.sort();
  // Depth-first from the roots: an edge back to a node still on the walk's stack closes a cycle and is left out.
  const state = new Map<string, 'open' | 'done'>();
  const forward: [string, string][] = [];
  const walk = (root: string) => {
    const stack: { id: string; next: number }[] = [{ id: root, next: 0 }];
    state.set(root, 'open');
    while (stack.length) {
      const top = stack[stack.length - 1];
      const out = succ.get(top.id)!;
      if (top.next === out.length) { state.set(top.id, 'done'); stack.pop(); continue; }
      const t = out[top.next++];
      if (state.get(t) === 'open') continue;
      forward.push([top.id, t]);
      if (!state.has(t)) { state.set(t, 'open'); stack.push({ id: t, next: 0 }); }
    }
  };
  for (const id of ids) if (indegree.get(id) === 0 && !state.has(id)) walk(id);
  for (const id of ids) if (!state.has(id)) walk(id);
  // Longest path over what is left (a DAG), in topological order.
  const preds = new Map<string, string[]>(ids.map((id) => [id, []]));
  const remaining = new Map<string, number>(ids.map((id) => [id, 0]));
  const next = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const [s, t] of forward) { preds.get(t)!.push(s); next.get(s)!.push(t); remaining.set(t, remaining.get(t)! + 1); }
  const column = new Map<string, number>();
  const ready = ids.filter((id) => remaining.get(id) === 0);
  while (ready.length) {
    const id = ready.shift()!;
    column.set(id, Math.max(0, ...preds.get(id)!.map((p) => column.get(p)! + 1)));
    for (const t of next.get(id)!) {
      remaining.set(t, remaining.get(t)! - 1);
      if (remaining.get(t) === 0) ready.push(t);
    }
  }
  return column;
}

const COLUMN_GAP = 300;
const ROW_GAP = 110;

/** Preset positions: one column per layer, nodes stacked by id and centred on the same horizontal line. */
export function meshLayout(g: Pick<ServiceGraph, 'nodes' | 'edges'>): Record<string, { x: number; y: number }> {
  const columns = meshColumns(g.nodes, g.edges);
  const byColumn = new Map<number, string[]>();
  for (const n of g.nodes) {
    const c = columns.get(n.id) ?? 0;
    byColumn.set(c, [...(byColumn.get(c) ?? []), n.id]);
  }
  const pos: Record<string, { x: number; y: number }> = {};
  for (const [c, ids] of byColumn) {
    ids.sort();
    ids.forEach((id, i) => { pos[id] = { x: c * COLUMN_GAP, y: (i - (ids.length - 1) / 2) * ROW_GAP }; });
  }
  return pos;
}

/** The graph as Cytoscape elements: data carries the labels and styles, classes the kind, health and mTLS. */
export function meshElements(g: Pick<ServiceGraph, 'nodes' | 'edges'>): GraphElement[] {
  const nodes = g.nodes.map((n): GraphElement => ({ data: { id: n.id, label: nodeLabel(n), kind: n.kind, name: n.name, namespace: n.namespace, version: n.version }, classes: n.kind }));
  const edges = g.edges.map((e): GraphElement => {
    const health = edgeHealth(e.errorRatio);
    return {
      data: { id: edgeId(e), source: e.source, target: e.target, label: edgeLabel(e), colour: HEALTH_COLOUR[health], line: MTLS_LINE[e.mtls], mtls: e.mtls, health },
      classes: `${health} ${e.mtls === 'mutual_tls' ? 'mtls' : e.mtls === 'none' ? 'plaintext' : 'mixed'}`,
    };
  });
  return [...nodes, ...edges];
}

/** The ejected hosts of GET /api/mesh/outliers, one row per ejected pod: which client's proxy ejected it and why. */
export function ejectedRows(o: { ejected: Record<string, string[]>; events: { host: string; event: string; reason: string; client: string; cluster: string }[] }): { client: string; cluster: string; pod: string; reason?: string }[] {
  const rows: { client: string; cluster: string; pod: string; reason?: string }[] = [];
  for (const [key, pods] of Object.entries(o.ejected)) {
    const bar = key.indexOf('|');
    const client = bar < 0 ? key : key.slice(0, bar);
    const cluster = bar < 0 ? '' : key.slice(bar + 1);
    for (const pod of pods) {
      const ev = [...o.events].reverse().find((x) => x.event === 'eject' && x.host === pod && x.client === client && x.cluster === cluster);
      rows.push({ client, cluster, pod, reason: ev?.reason });
    }
  }
  return rows.sort((a, b) => (a.pod + a.client).localeCompare(b.pod + b.client));
}
