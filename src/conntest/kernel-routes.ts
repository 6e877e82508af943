// A route expectation sent for real (`podnet test --kernel`): the model names the entry point the request goes through
// (an Ingress class or a Gateway) and the address a client outside reaches it on — its data-plane pods' Service, by
// LoadBalancer IP, else by a node's InternalIP and the NodePort — then the request leaves the kernel lab's outside
// client with the URL's method, Host and headers, passes the real DNAT and policy to the edge proxy running in the
// controller pod's namespace (src/realize/edge.ts), and the status, the Location and the pod whose agent answered are
// what the kernel says. The answering pod stands for the model's backend Service when it is one of its endpoints.
import { matchesMapSelector } from '../api/labels.js';
import type { Cluster } from '../cluster/cluster.js';
import { proxyPods, requestFromUrl, routingModelOf, type RouteResult } from '../ingress/index.js';
import type { ConnectAttempt } from '../verify/compare.js';
import type { ConnectFlow } from '../verify/flows.js';
import { RefereeError, type Observation } from './referee.js';
import type { RouteExpectation } from './spec.js';

type Obj = Record<string, any>;

export interface RouteProbe { flow: ConnectFlow; model: RouteResult; entryPoint: string; address: string }

/** Where a client outside reaches an entry point's pods on `port`: the fronting Service's LoadBalancer IP, else a NodePort. */
export function entryPointAddress(cluster: Cluster, entryPoint: string, port: number): { host: string; port: number; how: string } | undefined {
  const pods = proxyPods(cluster, entryPoint) as Obj[];
  const pod = pods.find((p) => p.status?.podIP) ?? pods[0];
  if (!pod) return undefined;
  const ns = pod.metadata.namespace ?? 'default';
  for (const svc of cluster.services(ns) as Obj[]) {
    if (!svc.spec?.selector || !matchesMapSelector(svc.spec.selector, pod.metadata.labels)) continue;
    const sp = ((svc.spec.ports ?? []) as Obj[]).find((p) => p.port === port);
    if (!sp) continue;
    const lb = ((svc.status?.loadBalancer?.ingress ?? []) as Obj[]).find((i) => i.ip)?.ip as string | undefined;
    if (lb) return { host: lb, port, how: `Service ${ns}/${svc.metadata.name} LoadBalancer ${lb}:${port}` };
    if (sp.nodePort) {
      const node = (cluster.nodeObjects() as Obj[]).map((n) => ({ name: n.metadata.name, ip: ((n.status?.addresses ?? []) as Obj[]).find((a) => a.type === 'InternalIP')?.address as string | undefined })).find((n) => n.ip);
      if (node) return { host: node.ip!, port: sp.nodePort, how: `Service ${ns}/${svc.metadata.name} NodePort ${node.ip}:${sp.nodePort} (node ${node.name})` };
    }
  }
  return undefined;
}

/** The request an expectation stands for, from the kernel lab's outside client to the entry point's address. */
export function routeProbe(cluster: Cluster, e: RouteExpectation): RouteProbe {
  const routing = routingModelOf(cluster);
  const req = requestFromUrl(e.url, { method: e.method, headers: e.headers });
  if (req.transport) throw new RefereeError(`the kernel referee sends HTTP requests only, not ${req.transport.toUpperCase()} streams`);
  const model = routing.route(req, e.via);
  const entryPoint = model.entryPoint ?? routing.resolveEntryPoint(e.via).id;
  const address = entryPointAddress(cluster, entryPoint, req.port);
  if (!address) throw new RefereeError(`${entryPoint} has no Service with a LoadBalancer IP or NodePort on port ${req.port} in front of its pods: a client outside cannot reach it`);
  const url = new URL(e.url);
  const headers = Object.fromEntries(Object.entries(e.headers).filter(([k]) => k.toLowerCase() !== 'host'));
  const flow: ConnectFlow = {
    kind: 'connect', id: `external -> ${e.url} (${address.host}:${address.port})`, family: 'ingress', from: 'external', host: address.host, port: address.port, protocol: 'TCP', identify: true,
    request: { scheme: req.scheme, host: req.headers['host'] ?? url.host, path: `${url.pathname}${url.search}`, method: req.method, headers },
  };
  return { flow, model, entryPoint, address: address.how };
}

/** The kernel's answer to the request, in the route observation's words. */
export function routeObservation(p: RouteProbe, attempt: ConnectAttempt | undefined, who: string): Observation {
  const b = p.model.backend;
  const modelBackend = b ? `${b.namespace}/${b.service}:${b.port}` : undefined;
  const trace = [`entry point ${p.entryPoint} through ${p.address}`, `the model: ${p.model.status}${modelBackend ? ` from ${modelBackend}` : ''}: ${p.model.reason}`];
  if (!attempt || attempt.outcome !== 'allowed' || attempt.status === undefined) {
    const why = !attempt ? 'no attempt' : attempt.outcome !== 'allowed' ? `connection ${attempt.outcome}` : 'no HTTP answer';
    return { type: 'route', status: 0, decidedBy: `${who}: ${why}${attempt?.detail ? ` (${attempt.detail})` : ''}`, trace };
  }
  let backend: string | undefined;
  let answered = '';
  if (attempt.hostname) {
    const pod = (b?.pods ?? []).find((x) => x.split('/')[1] === attempt.hostname);
    backend = pod && modelBackend ? modelBackend : `pod ${attempt.hostname}`;
    answered = pod ? `, answered by ${pod}, an endpoint of ${modelBackend}` : `, answered by pod ${attempt.hostname}${modelBackend ? `, not an endpoint of ${modelBackend}` : ''}`;
  }
  return {
    type: 'route', status: attempt.status, ...(backend ? { backend } : {}), ...(attempt.location ? { redirect: attempt.location } : {}),
    decidedBy: `${who}: HTTP ${attempt.status}${attempt.location ? ` to ${attempt.location}` : ''}${answered}`, trace,
  };
}
