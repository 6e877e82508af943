// Shared fixtures for the routing tests: manifests built from short descriptions, loaded through the real engine.
import { Cluster } from '../cluster/cluster.js';
import { compileRouting, requestFromUrl, type RoutingModel } from './index.js';
import type { RouteResult } from './types.js';

/** A Deployment (app=NAME, one replica, containerPort 8080) and a Service port 80 -> 8080 in `ns`. */
export function app(name: string, ns = 'default', opts: { replicas?: number; port?: number } = {}): string {
  return `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${ns}}
spec:
  replicas: ${opts.replicas ?? 1}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {containers: [{name: c, image: registry.k8s.io/e2e-test-images/agnhost:2.52, ports: [{containerPort: 8080, name: http}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${ns}}
spec: {selector: {app: ${name}}, ports: [{name: http, port: ${opts.port ?? 80}, targetPort: 8080}]}
`;
}

/** A Service whose selector matches no pod: it exists but has no endpoints. */
export function emptyService(name: string, ns = 'default'): string {
  return `---
apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${ns}}
spec: {selector: {app: nothing-${name}}, ports: [{name: http, port: 80, targetPort: 8080}]}
`;
}

export function namespace(name: string, labels: Record<string, string> = {}): string {
  return `---
apiVersion: v1
kind: Namespace
metadata: {name: ${name}, labels: ${JSON.stringify(labels)}}
`;
}

export function tlsSecret(name: string, ns = 'default'): string {
  return `---
apiVersion: v1
kind: Secret
metadata: {name: ${name}, namespace: ${ns}}
type: kubernetes.io/tls
data: {tls.crt: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t, tls.key: LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0t}
`;
}

export function load(text: string): { cluster: Cluster; model: RoutingModel } {
  const cluster = Cluster.load({ text });
  return { cluster, model: compileRouting(cluster) };
}

export interface Ask { url: string; method?: string; headers?: Record<string, string>; random?: number; via?: string }

export function ask(model: RoutingModel, q: Ask | string): RouteResult {
  const a = typeof q === 'string' ? { url: q } : q;
  return model.route(requestFromUrl(a.url, { method: a.method, headers: a.headers, random: a.random }), a.via);
}

/** A compact outcome for table-driven assertions: status, then the service (or the Location for redirects). */
export function outcome(r: RouteResult): string {
  if (r.location) return `${r.status} ${r.location}`;
  if (r.backend && r.status !== 404) return `${r.status} ${r.backend.service}`;
  return String(r.status);
}
