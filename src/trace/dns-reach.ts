// Whether a pod's DNS queries reach the cluster DNS at all. Each query is a UDP packet to the nameserver of the pod's
// resolv.conf, through kube-proxy's DNAT to one of the kube-dns endpoints and through NetworkPolicy like any other
// packet (the hop-by-hop trace, followed through every endpoint kube-proxy may pick). When no endpoint is reachable on
// 53/UDP the resolver gets no answer at all — dig's "no servers could be reached" — whatever CoreDNS would have said.
import { joinHostPort } from '../util/text.js';
import type { Cluster } from '../cluster/cluster.js';
import type { DnsLookup, DnsModel } from '../dns/index.js';
import { evaluateWithPolicyEngine } from './components.js';
import { trace, type TraceResult } from './trace.js';

export interface DnsServerReach {
  /** `NS/POD` of the endpoint, when a pod holds it. */
  pod?: string;
  ip: string;
  port: number;
  reached: boolean;
  /** Why the query is dropped on the way to this endpoint (the trace's drop reason). */
  reason?: string;
  /** The policies whose verdict dropped it. */
  policies: string[];
}

export interface DnsQueryReach {
  nameserver: string;
  /** No endpoint of the nameserver is reachable on 53/UDP: every query is dropped. */
  blocked: boolean;
  endpoints: DnsServerReach[];
  /** Every policy that drops a query on the way to some endpoint, sorted. */
  policies: string[];
}

type Candidate = { pod?: string; ip: string; port: number; probability: number };

function reachOf(t: TraceResult, c: Candidate | undefined, nameserver: string): DnsServerReach {
  const drop = t.hops.find((h) => h.detail.dropped === true);
  const policies = Array.isArray(drop?.detail.policies) ? (drop!.detail.policies as string[]) : [];
  return { ...(c?.pod ? { pod: c.pod } : {}), ip: c?.ip ?? nameserver, port: c?.port ?? 53, reached: t.verdict === 'delivered', ...(t.dropReason ? { reason: t.dropReason } : {}), policies };
}

/**
 * Where a lookup from a pod goes to the cluster DNS (its nameserver is the kube-dns ClusterIP), whether its queries
 * reach an endpoint on 53/UDP; undefined for a lookup not from a pod or not asking the cluster DNS (dnsPolicy Default).
 */
export function dnsQueryReach(cluster: Cluster, dns: DnsModel, lookup: DnsLookup): DnsQueryReach | undefined {
  const from = lookup.from;
  if (!from || !dns.clusterDNS.includes(from.nameserver)) return undefined;
  const nameserver = from.nameserver;
  const req = { from: from.pod, to: joinHostPort(nameserver, 53), protocol: 'UDP' as const, components: { policy: evaluateWithPolicyEngine } };
  const base = trace(cluster, req);
  const dnat = base.hops.find((h) => h.step === 'dnat' && !h.detail.dropped);
  const candidates = ((dnat?.detail.candidates ?? []) as Candidate[]).filter((c) => c.probability > 0);
  const endpoints = candidates.length
    ? candidates.map((c) => reachOf(trace(cluster, { ...req, endpoint: joinHostPort(c.ip, c.port) }), c, nameserver))
    : [reachOf(base, undefined, nameserver)];
  const policies = [...new Set(endpoints.flatMap((e) => e.policies))].sort();
  return { nameserver, blocked: endpoints.every((e) => !e.reached), endpoints, policies };
}
