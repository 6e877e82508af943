// A route expectation sent for real: the model names the entry point the request goes through (an Ingress class or a
// Gateway) and the address its data-plane pods' Service offers the client. `podnet test --kernel` sends it from the
// kernel lab's outside client to the LoadBalancer IP (else a node's InternalIP and the NodePort), through the real
// DNAT and policy to the edge proxy in the controller pod's namespace (src/realize/edge.ts); `podnet test --context`
// sends it with curl from a probe pod inside the cluster to the Service's ClusterIP (src/kube/live-http.ts). Either
// way the request keeps the URL's method, Host (and SNI) and headers, and the status, the Location and the pod that
// answered are what came back. The answering pod stands for the model's backend Service when it is one of its
// endpoints; an answer that names no pod leaves the backend unobserved (said so) where the backends are not the lab's.
import type { Cluster } from '../cluster/cluster.js';
import { entryPointAddress, entryPointClusterAddress, requestFromUrl, routingModelOf, type RouteResult } from '../ingress/index.js';
import type { ConnectAttempt } from '../verify/compare.js';
import type { ConnectFlow } from '../verify/flows.js';
import { joinHostPort } from '../util/text.js';
import { RefereeError, type Observation } from './referee.js';
import type { RouteExpectation } from './spec.js';

export interface RouteProbe { flow: ConnectFlow; model: RouteResult; entryPoint: string; address: string }

/**
 * The request an expectation stands for: from `client` (`external`, the kernel lab's outside client, or a pod NS/NAME
 * inside the cluster) to the entry point's address seen from there.
 */
export function routeProbe(cluster: Cluster, e: RouteExpectation, client = 'external', who = 'kernel'): RouteProbe {
  const routing = routingModelOf(cluster);
  const req = requestFromUrl(e.url, { method: e.method, headers: e.headers });
  if (req.transport) throw new RefereeError(`the ${who} referee sends HTTP requests only, not ${req.transport.toUpperCase()} streams`);
  const model = routing.route(req, e.via);
  const entryPoint = model.entryPoint ?? routing.resolveEntryPoint(e.via).id;
  const outside = client === 'external';
  const address = outside ? entryPointAddress(cluster, entryPoint, req.port) : entryPointClusterAddress(cluster, entryPoint, req.port);
  if (!address) {
    throw new RefereeError(outside ? `${entryPoint} has no Service with a LoadBalancer IP or NodePort on port ${req.port} in front of its pods: a client outside cannot reach it`
      : `${entryPoint} has no Service with a ClusterIP on port ${req.port} in front of its pods: a pod cannot reach it`);
  }
  const url = new URL(e.url);
  const headers = Object.fromEntries(Object.entries(e.headers).filter(([k]) => k.toLowerCase() !== 'host'));
  const flow: ConnectFlow = {
    kind: 'connect', id: `${client} -> ${e.url} (${joinHostPort(address.host, address.port)})`, family: 'ingress', from: client, host: address.host, port: address.port, protocol: 'TCP', identify: true,
    request: { scheme: req.scheme, host: req.headers['host'] ?? url.host, path: `${url.pathname}${url.search}`, method: req.method, headers },
  };
  return { flow, model, entryPoint, address: address.how };
}

/** agnhost netexec's /hostname answers the pod's name alone. */
const HOSTNAME_PATH = /^\/host[nN]ame(\?|$)/;
const POD_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/**
 * The answer to the request, in the route observation's words. `unnamed`: what an answer that names no pod says of the
 * backend: `none` where every backend names itself (the kernel lab's agents, so the edge answered alone), `unobserved`
 * where it may not (a live cluster's own apps).
 */
export function routeObservation(p: RouteProbe, attempt: ConnectAttempt | undefined, who: string, unnamed: 'none' | 'unobserved' = 'none'): Observation {
  const b = p.model.backend;
  const modelBackend = b ? `${b.namespace}/${b.service}:${b.port}` : undefined;
  const trace = [`entry point ${p.entryPoint} through ${p.address}`, `the model: ${p.model.status}${modelBackend ? ` from ${modelBackend}` : ''}: ${p.model.reason}`];
  if (!attempt || attempt.outcome !== 'allowed' || attempt.status === undefined) {
    const why = !attempt ? 'no attempt' : attempt.outcome !== 'allowed' ? `connection ${attempt.outcome}` : 'no HTTP answer';
    return { type: 'route', status: 0, decidedBy: `${who}: ${why}${attempt?.detail ? ` (${attempt.detail})` : ''}`, trace };
  }
  const hostname = attempt.hostname ?? (HOSTNAME_PATH.test(p.model.path ?? p.flow.request?.path ?? '') && POD_NAME.test(attempt.answer ?? '') ? attempt.answer : undefined);
  let backend: string | undefined;
  let answered = '';
  if (hostname) {
    const pod = (b?.pods ?? []).find((x) => x.split('/')[1] === hostname);
    backend = pod && modelBackend ? modelBackend : `pod ${hostname}`;
    answered = pod ? `, answered by ${pod}, an endpoint of ${modelBackend}` : `, answered by pod ${hostname}${modelBackend ? `, not an endpoint of ${modelBackend}` : ''}`;
  } else if (unnamed === 'unobserved') {
    answered = ': the answer does not name the pod that served it, so the backend is not observable';
  }
  return {
    type: 'route', status: attempt.status, ...(backend ? { backend } : {}), ...(attempt.location ? { redirect: attempt.location } : {}),
    ...(!hostname && unnamed === 'unobserved' ? { unobserved: ['backend'] } : {}),
    decidedBy: `${who}: HTTP ${attempt.status}${attempt.location ? ` to ${attempt.location}` : ''}${answered}`, trace,
  };
}
