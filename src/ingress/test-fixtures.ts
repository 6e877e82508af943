// Shared fixtures for the routing tests: manifests built from short descriptions, loaded through the real engine.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

const certs = new Map<string, { crt: string; key: string }>();

/** A real self-signed EC certificate (openssl) for the DNS names, base64 like Secret data; cached per name list. */
export function certificate(names: string[]): { crt: string; key: string } {
  const k = names.join(',');
  let c = certs.get(k);
  if (!c) {
    const dir = mkdtempSync(join(tmpdir(), 'podnet-cert-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '30', '-subj', `/CN=${names[0]}`,
      '-addext', `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}`, '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')], { stdio: 'ignore' });
    c = { crt: readFileSync(join(dir, 'c.pem')).toString('base64'), key: readFileSync(join(dir, 'k.pem')).toString('base64') };
    rmSync(dir, { recursive: true, force: true });
    certs.set(k, c);
  }
  return c;
}

/** A kubernetes.io/tls Secret with a real certificate for `names` (default: a wildcard-free catch-all set used by tests). */
export function tlsSecret(name: string, ns = 'default', names = ['secure.com', 'plain.com', 'keep.com', 'h.com', 'a.com', 'b.com', 'c.com', 'my-app.example.com']): string {
  const c = certificate(names);
  return `---
apiVersion: v1
kind: Secret
metadata: {name: ${name}, namespace: ${ns}}
type: kubernetes.io/tls
data: {tls.crt: ${c.crt}, tls.key: ${c.key}}
`;
}

/** A kubernetes.io/tls Secret whose data is not PEM at all. */
export function brokenTlsSecret(name: string, ns = 'default'): string {
  return `---
apiVersion: v1
kind: Secret
metadata: {name: ${name}, namespace: ${ns}}
type: kubernetes.io/tls
data: {tls.crt: bm90IGEgY2VydA==, tls.key: bm90IGEga2V5}
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

/** The GatewayClass `podnet` (podnet.dev/gateway-controller). */
export const GATEWAY_CLASS = `---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: podnet}
spec: {controllerName: podnet.dev/gateway-controller}
`;

/** A Gateway of class podnet with the given listener lines (YAML list items). */
export function gatewayOf(listeners: string, name = 'gw', ns = 'default'): string {
  return `---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: ${ns}}
spec:
  gatewayClassName: podnet
  listeners:
${listeners}`;
}

/** The GatewayClass `podnet` and a Gateway `gw` (namespace default) with the given listener lines. */
export function gatewayWith(listeners: string, name = 'gw', ns = 'default'): string {
  return GATEWAY_CLASS + gatewayOf(listeners, name, ns);
}

/** A CA and a leaf certificate it signs for `names` (openssl), PEM text; cached per name list. */
export function caAndLeaf(names: string[]): { ca: string; crt: string; key: string } {
  const k = `ca:${names.join(',')}`;
  let c = signed.get(k);
  if (!c) {
    const dir = mkdtempSync(join(tmpdir(), 'podnet-ca-'));
    const f = (n: string) => join(dir, n);
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    execFileSync('openssl', ['req', '-x509', ...ec, '-days', '30', '-subj', '/CN=test-ca', '-keyout', f('ca.key'), '-out', f('ca.pem')], { stdio: 'ignore' });
    execFileSync('openssl', ['req', ...ec, '-subj', `/CN=${names[0]}`, '-keyout', f('k.pem'), '-out', f('r.csr')], { stdio: 'ignore' });
    writeFileSync(f('ext'), `subjectAltName=${names.map((n) => (n.includes('://') ? `URI:${n}` : `DNS:${n}`)).join(',')}\n`);
    execFileSync('openssl', ['x509', '-req', '-in', f('r.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '30', '-extfile', f('ext'), '-out', f('c.pem')], { stdio: 'ignore' });
    c = { ca: readFileSync(f('ca.pem'), 'utf8'), crt: readFileSync(f('c.pem'), 'utf8'), key: readFileSync(f('k.pem'), 'utf8') };
    rmSync(dir, { recursive: true, force: true });
    signed.set(k, c);
  }
  return c;
}
const signed = new Map<string, { ca: string; crt: string; key: string }>();

const indentPem = (s: string) => s.trimEnd().split('\n').map((l) => `    ${l}`).join('\n');

/** A kubernetes.io/tls Secret from PEM text (stringData), in namespace default. */
export function pemSecret(name: string, crt: string, key: string): string {
  return `---
apiVersion: v1
kind: Secret
metadata: {name: ${name}}
type: kubernetes.io/tls
stringData:
  tls.crt: |
${indentPem(crt)}
  tls.key: |
${indentPem(key)}
`;
}

/** A ConfigMap holding a CA certificate under `ca.crt` (what BackendTLSPolicy and frontend validation read). */
export function caConfigMap(name: string, ca: string): string {
  return `---
apiVersion: v1
kind: ConfigMap
metadata: {name: ${name}}
data:
  ca.crt: |
${indentPem(ca)}
`;
}

/** An HTTPRoute `r` on Gateway `gw` with the given rules (YAML list items under `rules:`). */
export function httpRouteWith(rules: string): string {
  return `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r}
spec:
  parentRefs: [{name: gw}]
  rules:
${rules}`;
}
