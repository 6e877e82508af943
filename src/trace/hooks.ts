// The trace's pluggable hops: DNS resolution and NetworkPolicy verdicts come from their own components (src/dns,
// src/policy) through these small interfaces, so the trace composes them without knowing their insides. A minimal
// fallback resolver keeps traces working where no DNS component is plugged in.
import type { Cluster } from '../cluster/cluster.js';

export interface DnsStepResult {
  rcode: string;
  /** Every name the resolver sent, in order (the search-list walk). */
  tried: string[];
  /** The address the client will connect to, when the answer has one. */
  ip?: string;
  /** A CNAME target (ExternalName Services). */
  cname?: string;
  /** Who answered and how, for people. */
  text: string;
  detail?: Record<string, unknown>;
}

export interface PolicyQuery {
  srcPod?: string;
  srcIP: string;
  dstPod?: string;
  dstIP: string;
  port: number;
  protocol: string;
}

export interface DirectionResult {
  allowed: boolean; reason: string; policies: string[];
  /** The kind of policy that decided (NetworkPolicy, AdminNetworkPolicy, ClusterNetworkPolicy...) or an exemption. */
  decidedBy?: string;
}

export interface PolicyStepResult {
  /** What the cluster does (false only when denied and the CNI enforces policy). */
  allowed: boolean;
  egress: DirectionResult;
  ingress: DirectionResult;
  /** Whether the CNI enforces NetworkPolicy at all. */
  enforced: boolean;
}

/** What an ingress controller's data plane does with an HTTP(S) request (src/ingress). */
export interface IngressStep {
  entryPoint: string;
  /** The HTTP status the client gets from the controller. */
  status: number;
  reason: string;
  via?: string;
  backend?: string;
  /** The backend endpoints the controller balances over (pod IPs and target ports). */
  endpoints: { ip: string; port: number; pod?: string }[];
  deniedEndpoints?: string[];
  tls?: string;
}

/** A connection from a pod as the service mesh sees it (src/mesh): through a Service (outbound) or to a pod IP. */
export interface MeshQuery {
  srcPod: string;
  /** Set when the pod dialled a Service's ClusterIP: the sidecar's outbound listener takes the connection. */
  service?: { namespace: string; name: string; port: number };
  /** The destination pod when dialled directly (pod IP). */
  dstPod?: string;
  port: number;
  /** An HTTP request (http:// target) or plain TCP. */
  http?: { method: string; path: string };
  random?: number;
}

/** What the mesh's proxies do: the client's outbound Envoy (route, endpoint) and the server's inbound side. */
export interface MeshStep {
  outbound?: { text: string; detail: Record<string, unknown>; endpoint?: { ip: string; port: number; pod: string } };
  inbound?: { text: string; detail: Record<string, unknown> };
  allowed: boolean;
  reason: string;
  /** Which proxy refused the request, when it did. */
  deniedAt?: 'mesh-outbound' | 'mesh-inbound';
}

export interface TraceComponents {
  /** Sidecar / ztunnel hops (src/mesh), or undefined when no mesh is installed. */
  mesh?: (cluster: Cluster, q: MeshQuery) => MeshStep | undefined;
  /** The address an outside client's DNS gives for a host (an Ingress's load balancer). */
  externalAddress?: (cluster: Cluster, host: string) => string | undefined;
  /** Routing at an ingress/gateway data-plane pod, or undefined when `pod` is not one. */
  ingress?: (cluster: Cluster, pod: string, url: string, clientIP: string, random?: number) => IngressStep | undefined;
  /** Resolves `name` from inside pod `ns/name`. */
  dns?: (cluster: Cluster, pod: string, name: string) => DnsStepResult;
  policy?: (cluster: Cluster, q: PolicyQuery) => PolicyStepResult;
}

/**
 * A minimal stand-in for cluster DNS: the pod's search list (<ns>.svc.<domain>, svc.<domain>, <domain>) with ndots:5,
 * Service A records (ClusterIP; ready endpoints for headless), ExternalName CNAMEs; anything else NXDOMAIN or
 * forwarded upstream. Used only when no DNS component is plugged in.
 */
export function fallbackDns(cluster: Cluster, pod: string, name: string): DnsStepResult {
  const [ns] = pod.split('/');
  const domain = cluster.config.clusterDomain;
  const absolute = name.endsWith('.');
  const bare = name.replace(/\.$/, '');
  const dots = bare.split('.').length - 1;
  const search = [`${ns}.svc.${domain}`, `svc.${domain}`, domain];
  const candidates = absolute ? [bare] : dots >= 5 ? [bare, ...search.map((s) => `${bare}.${s}`)] : [...search.map((s) => `${bare}.${s}`), bare];
  const tried: string[] = [];
  for (const c of candidates) {
    tried.push(`${c}.`);
    const m = c.match(new RegExp(`^([a-z0-9-]+)\\.([a-z0-9-]+)\\.svc\\.${domain.replace(/\./g, '\\.')}$`));
    if (!m) {
      if (!c.endsWith(domain)) return { rcode: 'FORWARDED', tried, text: `${c} is outside ${domain}: CoreDNS forwards it to the upstream resolver (not modelled)` };
      continue;
    }
    const svc = cluster.get<Record<string, any>>('Service', m[2], m[1]);
    if (!svc) continue;
    if (svc.spec.type === 'ExternalName') return { rcode: 'NOERROR', tried, cname: svc.spec.externalName, text: `${c} is ExternalName Service ${m[2]}/${m[1]}: CNAME ${svc.spec.externalName}` };
    if (svc.spec.clusterIP === 'None') {
      const ips = cluster.slicesOfService(m[2], m[1]).flatMap((s: Record<string, any>) => (s.endpoints ?? []).filter((e: Record<string, any>) => e.conditions?.ready !== false).map((e: Record<string, any>) => e.addresses[0]));
      if (ips.length === 0) return { rcode: 'NXDOMAIN', tried, text: `${c} is headless Service ${m[2]}/${m[1]} with no ready endpoint` };
      return { rcode: 'NOERROR', tried, ip: ips[0], text: `${c} is headless Service ${m[2]}/${m[1]}: A ${ips.join(', ')} (one record per ready endpoint)`, detail: { answers: ips } };
    }
    return { rcode: 'NOERROR', tried, ip: svc.spec.clusterIP, text: `${c} A ${svc.spec.clusterIP} (Service ${m[2]}/${m[1]})` };
  }
  return { rcode: 'NXDOMAIN', tried, text: `no Service answers ${name}` };
}
