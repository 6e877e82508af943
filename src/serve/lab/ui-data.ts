// What the UI draws and asks, as plain JSON from one snapshot: the topology graph (nodes, pods, Services and their
// endpoints, Ingresses/Gateways, NetworkPolicies), objects as YAML, the connectivity matrix and single checks.
// Every relation comes from the engine's own objects (EndpointSlices, the routing model, policy selection) — the UI
// only lays them out.
import YAML from 'yaml';
import { BUILTIN_SOURCE, type Cluster } from '../../cluster/cluster.js';
import { routingModelOf, withComputedStatus } from '../../ingress/index.js';
import { check, podMatrix, policyModelOf, PolicyQueryError, type Protocol } from '../../policy/index.js';
import { clusterFindings, type FindingComponent } from '../../findings/index.js';
import type { Diagnostic } from '../../api/diagnostics.js';
import { compileLabelSelector } from '../../api/labels.js';

type Obj = Record<string, any>;

export interface GraphElement { data: Record<string, unknown>; classes?: string }


const ref = (o: Obj) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** Topology for Cytoscape: compound node boxes hold their pods; edges are endpoint, backend and policy relations. */
export function topology(cluster: Cluster, opts: { maxPods?: number } = {}): { elements: GraphElement[]; truncated: boolean } {
  const els: GraphElement[] = [];
  const max = opts.maxPods ?? 400;
  for (const n of cluster.nodes) els.push({ data: { id: `node:${n.name}`, kind: 'Node', name: n.name, label: `${n.name}\n${n.podCIDRs.join(', ')}`, ip: n.internalIPs[0], zone: n.zone }, classes: 'node' });
  const pods = cluster.pods() as Obj[];
  const shown = pods.slice(0, max);
  const podIds = new Set<string>();
  for (const p of shown) {
    const id = `pod:${ref(p)}`;
    podIds.add(id);
    const labels = (p.metadata.labels ?? {}) as Record<string, string>;
    const colourKey = labels['app.kubernetes.io/name'] ?? labels.app ?? labels['k8s-app'] ?? p.metadata.namespace;
    els.push({ data: { id, kind: 'Pod', namespace: p.metadata.namespace, name: p.metadata.name, label: `${p.metadata.name}\n${p.status?.podIP ?? ''}`, ip: p.status?.podIP, parent: p.spec.nodeName ? `node:${p.spec.nodeName}` : undefined, colour: hue(String(colourKey)), ready: (p.status?.conditions ?? []).some((c: Obj) => c.type === 'Ready' && c.status === 'True') }, classes: 'pod' });
  }
  for (const s of cluster.services() as Obj[]) {
    const id = `svc:${ref(s)}`;
    els.push({ data: { id, kind: 'Service', namespace: s.metadata.namespace, name: s.metadata.name, label: `svc ${s.metadata.name}\n${s.spec.clusterIP ?? ''}`, type: s.spec.type }, classes: 'service' });
    const seen = new Set<string>();
    for (const slice of cluster.slicesOfService(s.metadata.namespace, s.metadata.name) as Obj[]) {
      for (const ep of (slice.endpoints ?? []) as Obj[]) {
        const t = ep.targetRef;
        if (t?.kind !== 'Pod') continue;
        const pid = `pod:${t.namespace ?? s.metadata.namespace}/${t.name}`;
        if (!podIds.has(pid) || seen.has(pid)) continue;
        seen.add(pid);
        els.push({ data: { id: `ep:${id}->${pid}`, source: id, target: pid, kind: 'endpoint', ready: ep.conditions?.ready !== false }, classes: ep.conditions?.ready === false ? 'endpoint notready' : 'endpoint' });
      }
    }
  }
  const routing = routingModelOf(cluster);
  for (const ing of cluster.ingresses() as Obj[]) {
    const id = `ing:${ref(ing)}`;
    els.push({ data: { id, kind: 'Ingress', namespace: ing.metadata.namespace, name: ing.metadata.name, label: `ingress ${ing.metadata.name}` }, classes: 'ingress' });
    const backends = new Set<string>();
    const add = (b: Obj | undefined) => { if (b?.service?.name) backends.add(`svc:${ing.metadata.namespace}/${b.service.name}`); };
    add(ing.spec?.defaultBackend);
    for (const r of (ing.spec?.rules ?? []) as Obj[]) for (const p of (r.http?.paths ?? []) as Obj[]) add(p.backend);
    for (const b of backends) els.push({ data: { id: `be:${id}->${b}`, source: id, target: b, kind: 'backend' }, classes: 'backend' });
  }
  for (const g of routing.gateways) {
    const id = `gw:${ref(g.gateway as Obj)}`;
    els.push({ data: { id, kind: 'Gateway', namespace: g.gateway.metadata.namespace, name: g.gateway.metadata.name, label: `gateway ${g.gateway.metadata.name}` }, classes: 'gateway' });
  }
  for (const kind of ['HTTPRoute', 'GRPCRoute']) {
    for (const r of cluster.list<Obj>(kind)) {
      const id = `route:${kind}:${ref(r)}`;
      els.push({ data: { id, kind, namespace: r.metadata.namespace, name: r.metadata.name, label: `${kind} ${r.metadata.name}` }, classes: 'gateway' });
      for (const p of (r.spec?.parentRefs ?? []) as Obj[]) if ((p.kind ?? 'Gateway') === 'Gateway') els.push({ data: { id: `pr:${id}->${p.name}`, source: `gw:${p.namespace ?? r.metadata.namespace}/${p.name}`, target: id, kind: 'parent' }, classes: 'backend' });
      for (const rule of (r.spec?.rules ?? []) as Obj[]) for (const b of (rule.backendRefs ?? []) as Obj[]) if ((b.kind ?? 'Service') === 'Service') els.push({ data: { id: `be:${id}->${b.name}`, source: id, target: `svc:${b.namespace ?? r.metadata.namespace}/${b.name}`, kind: 'backend' }, classes: 'backend' });
    }
  }
  // Policies sit together in one box per namespace (their selection is on the details panel and in the matrix).
  const policyBoxes = new Set<string>();
  for (const np of cluster.networkPolicies() as Obj[]) {
    const boxId = `policies:${np.metadata.namespace}`;
    if (!policyBoxes.has(boxId)) { policyBoxes.add(boxId); els.push({ data: { id: boxId, kind: 'Group', label: `NetworkPolicies in ${np.metadata.namespace}` }, classes: 'node' }); }
    const id = `np:${ref(np)}`;
    const sel = compileLabelSelector(np.spec?.podSelector ?? {});
    const selected = shown.filter((p) => p.metadata.namespace === np.metadata.namespace && sel((p.metadata.labels ?? {}) as Record<string, string>)).map((p) => `pod:${ref(p)}`);
    els.push({ data: { id, parent: boxId, kind: 'NetworkPolicy', namespace: np.metadata.namespace, name: np.metadata.name, label: `${np.metadata.name}\nselects ${selected.length} pod(s)`, selects: selected.length, policyTypes: np.spec?.policyTypes }, classes: 'policy' });
  }
  // Drop edges whose ends are not drawn (a backend Service that does not exist, pods beyond the cap).
  const ids = new Set(els.filter((e) => !e.data.source).map((e) => e.data.id));
  return { elements: els.filter((e) => !e.data.source || (ids.has(e.data.source) && ids.has(e.data.target))), truncated: pods.length > shown.length };
}

function hue(key: string): string {
  let h = 0;
  for (const ch of key) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return `hsl(${h % 360}, 62%, 52%)`;
}

/** One object as YAML (with the status its controllers would write) and where it came from. A Secret's values are
 * replaced by their sizes (`redacted: true`) unless `reveal`. */
export function objectView(cluster: Cluster, kind: string, namespace: string, name: string, opts: { reveal?: boolean } = {}): { yaml: string; source?: { file: string; line: number }; redacted?: true } | undefined {
  const o = cluster.get<Obj>(kind, namespace, name) ?? (kind === 'Node' ? cluster.nodeObjects().find((n) => (n as Obj).metadata.name === name) as Obj | undefined : undefined);
  if (!o) return undefined;
  const source = cluster.sourceOf(o as never);
  if (kind === 'Secret' && !opts.reveal) return { yaml: YAML.stringify(redactedSecret(o)), source, redacted: true };
  const shown = ['Ingress', 'Gateway', 'HTTPRoute', 'GRPCRoute'].includes(kind) ? withComputedStatus(cluster, o as never) : o;
  return { yaml: YAML.stringify(shown), source };
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** A Secret with each value replaced by its size in bytes, as `kubectl describe secret` prints them (data is base64,
 * stringData plain). kubectl apply's last-applied annotation holds the whole Secret again, so it goes too. */
export function redactedSecret(secret: Obj): Obj {
  const sizes = (m: unknown, size: (v: string) => number) => (m && typeof m === 'object' ? Object.fromEntries(Object.entries(m).map(([k, v]) => [k, `<redacted: ${size(String(v))} bytes>`])) : m);
  const out: Obj = { ...secret };
  if (secret.data !== undefined) out.data = sizes(secret.data, (v) => Buffer.from(v, 'base64').length);
  if (secret.stringData !== undefined) out.stringData = sizes(secret.stringData, (v) => Buffer.byteLength(v));
  const annotations = secret.metadata?.annotations;
  if (annotations && LAST_APPLIED in annotations) out.metadata = { ...secret.metadata, annotations: { ...annotations, [LAST_APPLIED]: '<redacted: it holds the Secret>' } };
  return out;
}

export interface MatrixView {
  pods: string[]; port?: number; protocol?: string; enforced: boolean; rows: string[];
  /** Host-network pods among `pods`: their index and what the CNI does with them. */
  hostNetwork: { index: number; pod: string; node?: string; note: string }[];
}

/**
 * The port the Matrix opens on: the pod port behind the first port of the first Service (by namespace, then name) in
 * the namespaces shown, as its EndpointSlices give it. Services podnet added itself and Services without pod
 * endpoints are skipped; undefined when none is left (the matrix is then for any port).
 */
export function firstServicePort(cluster: Cluster, namespaces?: string[]): { port: number; protocol: Protocol } | undefined {
  const shown = namespaces?.length ? new Set(namespaces) : undefined;
  const services = (cluster.services() as Obj[])
    .filter((s) => (!shown || shown.has(s.metadata.namespace)) && cluster.sourceOf(s as never)?.file !== BUILTIN_SOURCE.file)
    .sort((a, b) => (a.metadata.namespace + '/' + a.metadata.name < b.metadata.namespace + '/' + b.metadata.name ? -1 : 1));
  for (const svc of services) {
    const first = (svc.spec?.ports ?? [])[0] as Obj | undefined;
    if (!first) continue;
    for (const slice of cluster.slicesOfService(svc.metadata.namespace, svc.metadata.name) as Obj[]) {
      const p = ((slice.ports ?? []) as Obj[]).find((x) => (x.name ?? '') === (first.name ?? ''));
      if (p?.port && ((slice.endpoints ?? []) as Obj[]).some((e) => e.targetRef?.kind === 'Pod')) return { port: p.port, protocol: (p.protocol ?? 'TCP') as Protocol };
    }
  }
  return undefined;
}

/** The pod × pod matrix; each row a string of 1 (allowed) and 0 (denied). `port: 'service'` is firstServicePort's. */
export function matrixView(cluster: Cluster, opts: { port?: number | 'service'; protocol?: Protocol; namespaces?: string[] }): MatrixView {
  const chosen = opts.port === 'service' ? firstServicePort(cluster, opts.namespaces) : undefined;
  const m = podMatrix(policyModelOf(cluster), opts.port === 'service' ? { namespaces: opts.namespaces, port: chosen?.port, protocol: chosen?.protocol ?? opts.protocol } : { ...opts, port: opts.port });
  return {
    pods: m.pods, port: m.port, protocol: m.protocol, enforced: m.enforced, rows: m.rows().map((r) => r.map((b) => (b ? '1' : '0')).join('')),
    hostNetwork: m.hostNetwork.map((h) => ({ index: h.index, pod: h.pod, node: h.node, note: h.note })),
  };
}

export function checkView(cluster: Cluster, from: string, to: string, port?: number, protocol?: Protocol): ReturnType<typeof check> {
  return check(policyModelOf(cluster), { from, to, port, protocol });
}

export { PolicyQueryError };

export interface Finding { code: string; severity: string; object: string; source?: string; message: string; hint?: string; component: FindingComponent }

/** The one findings list (src/findings) in the UI's shape: manifests, Services, routing, DNS, policy lint and mesh. */
export function findings(cluster: Cluster, dnsDiagnostics: readonly Diagnostic[]): Finding[] {
  const obj = (o?: { kind?: string; namespace?: string; name?: string }) => (o?.kind ? `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}` : '');
  const src = (s?: { file: string; line: number }) => (s ? (s.line > 0 ? `${s.file}:${s.line}` : s.file) : undefined);
  return clusterFindings(cluster, { dnsDiagnostics }).map((f) => ({ code: f.code, severity: f.level, object: obj(f.object), source: src(f.source), message: f.message, ...(f.hint ? { hint: f.hint } : {}), component: f.component }));
}
