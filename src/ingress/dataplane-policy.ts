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

/**
 * What policy does to one backend's endpoints seen from one entry point's proxy pod. NetworkPolicy verdicts do not
 * change within a cluster snapshot, so this is computed once per (entry point, resolved endpoint list) and every
 * request through that backend reuses it.
 */
interface Outcome {
  /** `namespace/name` of the proxy pod; '' when the entry point has no data-plane pod (policy is not applied). */
  proxyKey: string;
  allowed: string[];
  allowedPods: string[];
  denied: string[];
  firstReason: string;
}

interface Memo {
  proxies: Map<string, PodObj | undefined>;
  verdicts: Map<string, { allowed: boolean; reason: string }>;
  /** Per endpoint list (the arrays resolveServicePort memoizes per snapshot), per entry point. */
  outcomes: WeakMap<readonly string[], Map<string, { pods: readonly string[]; outcome: Outcome }>>;
}
const memos = new WeakMap<Cluster, Memo>();

function memoOf(cluster: Cluster): Memo {
  let memo = memos.get(cluster);
  if (!memo) memos.set(cluster, (memo = { proxies: new Map(), verdicts: new Map(), outcomes: new WeakMap() }));
  return memo;
}

function outcomeOf(cluster: Cluster, policies: () => PolicyModel, memo: Memo, entryPoint: string, endpoints: readonly string[], pods: readonly string[]): Outcome {
  let perEp = memo.outcomes.get(endpoints);
  if (!perEp) memo.outcomes.set(endpoints, (perEp = new Map()));
  const hit = perEp.get(entryPoint);
  if (hit && hit.pods === pods) return hit.outcome;
  const outcome = computeOutcome(cluster, policies, memo, entryPoint, endpoints, pods);
  perEp.set(entryPoint, { pods, outcome });
  return outcome;
}

function computeOutcome(cluster: Cluster, policies: () => PolicyModel, memo: Memo, entryPoint: string, endpoints: readonly string[], pods: readonly string[]): Outcome {
  let proxy = memo.proxies.get(entryPoint);
  if (!memo.proxies.has(entryPoint)) memo.proxies.set(entryPoint, (proxy = proxyPods(cluster, entryPoint)[0]));
  const out: Outcome = { proxyKey: '', allowed: [], allowedPods: [], denied: [], firstReason: '' };
  if (!proxy) return out;
  const verdicts = memo.verdicts;
  endpoints.forEach((ep, i) => {
    const podRef = pods[i];
    if (!podRef) { out.allowed.push(ep); out.allowedPods.push(''); return; }
    const [ns, name] = podRef.split('/');
    const pod = cluster.get<PodObj>('Pod', ns, name);
    if (!pod) { out.allowed.push(ep); out.allowedPods.push(podRef); return; }
    const vkey = `${entryPoint}|${podRef}|${ep}`;
    let v = verdicts.get(vkey);
    if (!v) {
      const model = policies();
      const port = Number(ep.slice(ep.lastIndexOf(':') + 1));
      const f = evaluateFlow(model, podEnd(model, proxy!), podEnd(model, pod), port, 'TCP');
      verdicts.set(vkey, (v = { allowed: f.allowed, reason: !f.egress.allowed ? f.egress.reason : f.ingress.reason }));
    }
    if (v.allowed) { out.allowed.push(ep); out.allowedPods.push(podRef); }
    else {
      out.denied.push(ep);
      out.firstReason ||= v.reason;
    }
  });
  out.proxyKey = `${proxy.metadata.namespace}/${proxy.metadata.name}`;
  return out;
}

/**
 * Adds the data-plane verdict to a routing result (which it updates in place: routeIngress / routeGateway build a new
 * one per request): `dataPlane`, and for denied endpoints a backend without them, 504 when none is left.
 */
export function applyDataPlanePolicy(cluster: Cluster, policies: () => PolicyModel, result: RouteResult): RouteResult {
  const b = result.backend;
  if (result.status !== 200 || !b || !b.endpoints?.length || !b.pods?.length || !result.entryPoint) return result;
  const o = outcomeOf(cluster, policies, memoOf(cluster), result.entryPoint, b.endpoints, b.pods);
  const proxyKey = o.proxyKey;
  if (proxyKey === '') return result;
  if (o.denied.length === 0) {
    result.dataPlane = { pod: proxyKey, deniedEndpoints: [] };
    return result;
  }
  result.backend = { ...b, endpoints: o.allowed.slice(), pods: o.allowedPods.slice() };
  result.dataPlane = { pod: proxyKey, deniedEndpoints: o.denied.slice(), reason: o.firstReason };
  if (o.allowed.length === 0) {
    result.status = 504;
    result.reason = `${result.reason}, but NetworkPolicy drops every connection from the proxy pod ${proxyKey}: ${o.firstReason}; the proxy's connect times out: 504`;
  } else result.reason = `${result.reason}; NetworkPolicy drops ${o.denied.length} of ${b.endpoints.length} endpoints from the proxy pod ${proxyKey} (${o.firstReason})`;
  return result;
}
