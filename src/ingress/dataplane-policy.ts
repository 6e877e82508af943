// The controllers' data planes are pods, so NetworkPolicies apply to proxied traffic exactly as in a cluster: the
// proxy pod (ingress-nginx controller, or the Gateway's proxy) opens a connection to each backend endpoint, which needs
// egress allowed at the proxy and ingress allowed at the backend pod. Endpoints that policy denies are dropped
// packets: the proxy's connect times out and, with none left, the client gets 504 (ingress-nginx proxy_connect_timeout,
// Envoy's upstream connect timeout: "upstream connect error ... 504"/503 — podnet answers 504, as nginx does).
import type { KubeObject } from '../api/types.js';
import type { Cluster } from '../cluster/cluster.js';
import { GATEWAY_NAME_LABEL } from '../cluster/dataplanes.js';
import { compilePolicies, evaluateFlow, podEnd, type PolicyModel } from '../policy/index.js';
import type { RouteResult } from './types.js';

type PodObj = KubeObject & { spec: Record<string, any>; status?: Record<string, any> };

/** The data-plane pods of an entry point: the first (by name) is the one podnet reasons about. */
export function proxyPods(cluster: Cluster, entryPoint: string): PodObj[] {
  if (entryPoint.startsWith('ingress:')) {
    return (cluster.pods('ingress-nginx') as PodObj[]).filter((p) => p.metadata.labels?.['app.kubernetes.io/name'] === 'ingress-nginx' && p.metadata.labels?.['app.kubernetes.io/component'] === 'controller');
  }
  const [, ns, name] = entryPoint.split('/');
  return (cluster.pods(ns) as PodObj[]).filter((p) => p.metadata.labels?.[GATEWAY_NAME_LABEL] === name);
}

interface Memo { proxies: Map<string, PodObj | undefined>; verdicts: Map<string, { allowed: boolean; reason: string }> }
const memos = new WeakMap<Cluster, Memo>();

export function applyDataPlanePolicy(cluster: Cluster, policies: () => PolicyModel, result: RouteResult): RouteResult {
  const b = result.backend;
  if (result.status !== 200 || !b || !b.endpoints?.length || !b.pods?.length || !result.entryPoint) return result;
  let memo = memos.get(cluster);
  if (!memo) memos.set(cluster, (memo = { proxies: new Map(), verdicts: new Map() }));
  let proxy = memo.proxies.get(result.entryPoint);
  if (!memo.proxies.has(result.entryPoint)) memo.proxies.set(result.entryPoint, (proxy = proxyPods(cluster, result.entryPoint)[0]));
  if (!proxy) return result;
  const verdicts = memo.verdicts;
  const allowed: string[] = [];
  const allowedPods: string[] = [];
  const denied: string[] = [];
  let firstReason = '';
  b.endpoints.forEach((ep, i) => {
    const podRef = b.pods![i];
    if (!podRef) { allowed.push(ep); allowedPods.push(''); return; }
    const [ns, name] = podRef.split('/');
    const pod = cluster.get<PodObj>('Pod', ns, name);
    if (!pod) { allowed.push(ep); allowedPods.push(podRef); return; }
    const vkey = `${result.entryPoint}|${podRef}|${ep}`;
    let v = verdicts.get(vkey);
    if (!v) {
      const model = policies();
      const port = Number(ep.slice(ep.lastIndexOf(':') + 1));
      const f = evaluateFlow(model, podEnd(model, proxy!), podEnd(model, pod), port, 'TCP');
      verdicts.set(vkey, (v = { allowed: f.allowed, reason: !f.egress.allowed ? f.egress.reason : f.ingress.reason }));
    }
    if (v.allowed) { allowed.push(ep); allowedPods.push(podRef); }
    else {
      denied.push(ep);
      firstReason ||= v.reason;
    }
  });
  const proxyKey = `${proxy.metadata.namespace}/${proxy.metadata.name}`;
  if (denied.length === 0) return { ...result, dataPlane: { pod: proxyKey, deniedEndpoints: [] } }
  const out: RouteResult = { ...result, backend: { ...b, endpoints: allowed, pods: allowedPods }, dataPlane: { pod: proxyKey, deniedEndpoints: denied, reason: firstReason } }
  if (allowed.length === 0) {
    out.status = 504;
    out.reason = `${result.reason}, but NetworkPolicy drops every connection from the proxy pod ${proxyKey}: ${firstReason}; the proxy's connect times out: 504`;
  } else out.reason = `${result.reason}; NetworkPolicy drops ${denied.length} of ${b.endpoints.length} endpoints from the proxy pod ${proxyKey} (${firstReason})`;
  return out;
}
