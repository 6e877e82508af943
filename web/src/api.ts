// Calls to the lab API. The UI renders what these return; it decides nothing itself. The lab's token travels in the
// HttpOnly cookie the lab set when the page was first opened with ?token= (script never sees it); the WebSocket sends
// it too. Without it the lab answers 401 and its message (shown as the error) says which URL to open.
export async function api<T>(path: string, init?: { method: 'POST'; body: unknown }): Promise<T> {
  const res = await fetch(path, { credentials: 'same-origin', ...(init ? { method: 'POST', body: JSON.stringify(init.body), headers: { 'content-type': 'application/json' } } : {}) });
  const body = await res.json();
  if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
  return body as T;
}

export interface Finding { code: string; severity: string; object: string; source?: string; message: string; hint?: string; component?: string }
export interface Summary {
  snapshot: number;
  counts: Record<string, number>;
  config: { clusterDomain: string; cni: string; kubeProxyMode: string };
  dns: { address: string; port: number };
  entryPoints: { id: string; kind: string; http: number; https: number; modelPorts: { http: number; https: number } }[];
  exposed: { kind: string; service: string; portName: string; modelAddress: string; localPort: number }[];
  namespaces: string[];
  pods: string[];
  findings: Finding[];
  /** Present in kernel mode (`podnet up --kernel`): what was realised in network namespaces. */
  kernel?: { prefix: string; cni: string; kubeProxyMode: string; nodes: { name: string; netns: string }[] };
}
export interface Hop { step: string; node?: string; detail: Record<string, unknown>; text: string }
export interface TraceResult { verdict: 'delivered' | 'dropped'; from: string; to: string; hops: Hop[]; dropReason?: string; dropAt?: string }
/** A flow's netfilter verdict in kernel mode: the policy table's chain and the rule that decided. */
export interface NetfilterVerdict { node: string; table: string; chain: string; rule: string; verdict: string }
export interface Flow { id: number; time: string; source: string; destination: string; protocol: string; verdict: string; pod?: string; reason?: string; via: string; hops: { step: string; text: string }[]; netfilter?: NetfilterVerdict }
export interface GraphElement { data: Record<string, any>; classes?: string }

/** GET /api/mesh/graph (src/serve/lab/mesh-telemetry.ts ServiceGraph): requests of the last window, Kiali-like. */
export interface MeshNode { id: string; kind: 'workload' | 'service' | 'unknown'; namespace?: string; name: string; version?: string }
export interface MeshEdge { source: string; target: string; requests: number; rps: number; errors: number; errorRatio: number; codes: Record<string, number>; mtls: 'mutual_tls' | 'none' | 'mixed'; p50Ms: number; p95Ms: number }
export interface ServiceGraph { windowSeconds: number; requests: number; nodes: MeshNode[]; edges: MeshEdge[] }
/** GET /api/mesh/outliers: endpoints each client proxy has ejected now (`client|cluster` → pods), and the events. */
export interface OutlierEvent { host: string; event: 'eject' | 'return'; atMs: number; untilMs?: number; reason: string; client: string; cluster: string }
export interface Outliers { ejected: Record<string, string[]>; events: OutlierEvent[] }
