// Ingress routes as `podnet verify` flows: for every path of every Ingress an active controller serves, one request
// from the outside client to the Ingress's load balancer address (its status, as external-dns would publish it), over
// HTTP and — for hosts its TLS section names — HTTPS with the host as SNI. The model's answer is the trace's: kube-proxy
// to a controller pod, then the controller's routing decision (src/ingress through the trace's Ingress leg): the HTTP
// status the client gets and, for a 200, every backend pod the controller balances over.
import type { Cluster } from '../cluster/cluster.js';
import { activeProxyPods, withComputedStatus } from '../ingress/index.js';
import { evaluateWithPolicyEngine } from '../trace/components.js';
import { ingressAddressFor, routeAtDataPlane } from '../trace/ingress-hop.js';
import { trace } from '../trace/trace.js';
import type { ConnectExpectation, ModelContext, Unverifiable } from './expect.js';
import { outcomeOf, traceLine } from './expect.js';
import type { ConnectFlow } from './flows.js';

type Obj = Record<string, any>;

/** The last path segment a request adds under a Prefix path: the backend's agent answers any path with its name. */
export const PROBE_SEGMENT = 'podnet-verify';

function probePath(path: string | undefined, type: string | undefined): string | undefined {
  const p = path || '/';
  if (type === 'Exact') return p;
  if (type === 'ImplementationSpecific' && /[\^$*+?()[\]{}|\\]/.test(p)) return undefined; // a regex: no one request stands for it
  return `${p}${p.endsWith('/') ? '' : '/'}${PROBE_SEGMENT}`;
}

export function enumerateIngressFlows(cluster: Cluster): ConnectFlow[] {
  if (activeProxyPods(cluster).size === 0) return [];
  const flows: ConnectFlow[] = [];
  const seen = new Set<string>();
  for (const ing of cluster.ingresses() as Obj[]) {
    const status = (withComputedStatus(cluster, ing as never) as Obj).status;
    const address = status?.loadBalancer?.ingress?.find((i: Obj) => i.ip)?.ip as string | undefined;
    if (!address) continue;
    const tlsHosts = new Set(((ing.spec?.tls ?? []) as Obj[]).flatMap((t) => (t.hosts ?? []) as string[]));
    for (const rule of (ing.spec?.rules ?? []) as Obj[]) {
      const pattern = typeof rule.host === 'string' ? rule.host : undefined;
      const host = pattern?.startsWith('*.') ? `${PROBE_SEGMENT}${pattern.slice(1)}` : pattern;
      // A named host goes where public DNS points it; the trace asks the same (ingressAddressFor).
      if (host && ingressAddressFor(cluster, host) !== address) continue;
      for (const p of (rule.http?.paths ?? []) as Obj[]) {
        const path = probePath(p.path, p.pathType);
        if (!path) continue;
        for (const scheme of ['http', 'https'] as const) {
          if (scheme === 'https' && !(pattern && tlsHosts.has(pattern))) continue;
          const port = scheme === 'https' ? 443 : 80;
          const id = `external -> ${scheme}://${host ?? address}${path} (${address}:${port})`;
          if (seen.has(id)) continue;
          seen.add(id);
          flows.push({ kind: 'connect', id, family: 'ingress', from: 'external', host: address, port, protocol: 'TCP', service: `ingress ${ing.metadata.namespace ?? 'default'}/${ing.metadata.name}`, via: 'loadBalancer', identify: true, request: { scheme, host: host ?? address, path } });
        }
      }
    }
  }
  return flows;
}

/** The trace of the request: the controller's status and the backend pods it balances over. */
export function expectIngress(ctx: ModelContext, flow: ConnectFlow): ConnectExpectation | Unverifiable {
  const r = flow.request!;
  const t = trace(ctx.cluster, { from: flow.from, to: `${r.scheme}://${r.host}${r.path}`, components: { policy: evaluateWithPolicyEngine, ingress: routeAtDataPlane, externalAddress: ingressAddressFor } });
  const leg = t.hops.find((h) => h.step === 'ingress');
  const base = { kind: 'connect' as const, clientIPs: {}, affinity: false, endpoints: [], trace: traceLine(t) };
  if (!leg) return { ...base, outcomes: [outcomeOf(t)], answering: [] };
  const status = Number(leg.detail.status);
  const pods = status === 200 ? (leg.detail.endpoints as { pod?: string }[]).map((e) => e.pod?.split('/')[1]) : [];
  if (pods.some((p) => p === undefined)) return { kind: 'skip', reason: 'the Ingress backend has endpoints that are not pods' };
  return { ...base, outcomes: ['allowed'], answering: [...new Set(pods as string[])].sort(), status };
}
