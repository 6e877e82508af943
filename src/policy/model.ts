// compilePolicies(cluster): the compiled policy model, a pure function of the cluster and an immutable snapshot.
import type { Diagnostic } from '../api/diagnostics.js';
import type { KubeObject } from '../api/types.js';
import type { Cluster } from '../cluster/cluster.js';
import type { CniName } from '../cluster/config.js';
import type { NodeInfo } from '../cluster/nodes.js';
import { parseCidr, type Cidr } from '../net/cidr.js';
import { adminCidrs, compileAdminPolicies, sortTier, type CompiledAdminPolicy } from './admin.js';
import { buildClasses, podIPs, type ClassIndex, type PodObj } from './classes.js';
import { compileNetworkPolicies, networkPolicyCidrs, type CompiledNetworkPolicy, type Direction } from './netpol.js';

export interface PolicyModel {
  cluster: Cluster;
  cni: CniName;
  /** False when the CNI does not enforce NetworkPolicy (flannel): verdicts then allow, and say what would happen. */
  enforced: boolean;
  index: ClassIndex;
  networkPolicies: CompiledNetworkPolicy[];
  /**
   * The Admin tier, in evaluation order (priority, lowest number first, then name): AdminNetworkPolicies and
   * ClusterNetworkPolicies with `tier: Admin` together.
   */
  adminPolicies: CompiledAdminPolicy[];
  /** The BaselineAdminNetworkPolicy (v1alpha1), also the last entry of baselinePolicies. */
  baseline?: CompiledAdminPolicy;
  /** The Baseline tier in evaluation order: ClusterNetworkPolicies with `tier: Baseline` by priority, then the BANP. */
  baselinePolicies: CompiledAdminPolicy[];
  /** Per class: indexes into networkPolicies of the policies that isolate it, per direction. */
  isolatedBy: Record<Direction, number[][]>;
  /** Per class: indexes into adminPolicies whose subject holds it (in priority order). */
  adminFor: number[][];
  /** Per class: indexes into baselinePolicies whose subject holds it (in evaluation order). */
  baselineFor: number[][];
  nodes: readonly NodeInfo[];
  /** Node internal IP -> node. */
  nodeByIP: Map<string, NodeInfo>;
  /** Pod-network pod IP -> pod, and ClusterIP -> Service, for targets given as addresses. */
  podByIP: Map<string, PodObj>;
  serviceByIP: Map<string, KubeObject>;
  /** PN2001 (invalid policies) and PN2014 (fail-closed peers) found while compiling. */
  diagnostics: Diagnostic[];
}

/** CNIs that implement NetworkPolicy, and those known to implement AdminNetworkPolicy/BaselineAdminNetworkPolicy. */
export const ENFORCES_NETWORK_POLICY: Record<CniName, boolean> = { flannel: false, calico: true, cilium: true, weave: true };
export const IMPLEMENTS_ADMIN_POLICY: Record<CniName, boolean> = { flannel: false, calico: true, cilium: false, weave: false };
/** ClusterNetworkPolicy (v1alpha2) is newer than every release of the CNIs podnet models. */
export const IMPLEMENTS_CLUSTER_NETWORK_POLICY: Record<CniName, boolean> = { flannel: false, calico: false, cilium: false, weave: false };

const models = new WeakMap<Cluster, PolicyModel>();

/** The model for a cluster, compiled once per Cluster (clusters are immutable snapshots). */
export function policyModelOf(cluster: Cluster): PolicyModel {
  let m = models.get(cluster);
  if (!m) models.set(cluster, (m = compilePolicies(cluster)));
  return m;
}

export function compilePolicies(cluster: Cluster): PolicyModel {
  const diagnostics: Diagnostic[] = [];
  const sourceOf = (o: KubeObject) => cluster.sourceOf(o);
  const nps = cluster.networkPolicies() as KubeObject[];
  const anps = cluster.list('AdminNetworkPolicy');
  const banps = cluster.list('BaselineAdminNetworkPolicy');
  const cnps = cluster.list('ClusterNetworkPolicy');

  const cidrs: Cidr[] = [];
  const seen = new Set<string>();
  const addCidrs = (list: () => Cidr[]) => {
    let got: Cidr[] = [];
    try { got = list(); } catch { /* invalid CIDRs are reported by validation */ }
    for (const c of got) if (!seen.has(c.text)) { seen.add(c.text); cidrs.push(c); }
  };
  for (const np of nps) addCidrs(() => networkPolicyCidrs(np as Record<string, any>));
  for (const a of [...anps, ...banps, ...cnps]) addCidrs(() => adminCidrs(a as Record<string, any>));

  const index = buildClasses(cluster, cidrs);
  const nodeLabels = new Map(cluster.nodeObjects().map((n) => [n.metadata.name, (n.metadata.labels ?? {}) as Record<string, string>]));
  const networkPolicies = compileNetworkPolicies(index, nps, sourceOf, diagnostics);
  const clusterPolicies = compileAdminPolicies(index, 'ClusterNetworkPolicy', cnps, cluster.nodes, nodeLabels, sourceOf, diagnostics);
  const adminPolicies = sortTier([...compileAdminPolicies(index, 'AdminNetworkPolicy', anps, cluster.nodes, nodeLabels, sourceOf, diagnostics), ...clusterPolicies.filter((c) => c.tier === 'Admin')]);
  const baseline = compileAdminPolicies(index, 'BaselineAdminNetworkPolicy', banps, cluster.nodes, nodeLabels, sourceOf, diagnostics)[0];
  const baselinePolicies = sortTier([...clusterPolicies.filter((c) => c.tier === 'Baseline'), ...(baseline ? [baseline] : [])]);

  const n = index.classes.length;
  const isolatedBy: Record<Direction, number[][]> = { Ingress: Array.from({ length: n }, () => []), Egress: Array.from({ length: n }, () => []) };
  networkPolicies.forEach((p, pi) => {
    for (const id of p.selected) {
      if (p.isolates.Ingress) isolatedBy.Ingress[id].push(pi);
      if (p.isolates.Egress) isolatedBy.Egress[id].push(pi);
    }
  });
  const adminFor: number[][] = Array.from({ length: n }, () => []);
  adminPolicies.forEach((a, ai) => { for (const id of a.subject) adminFor[id].push(ai); });
  const baselineFor: number[][] = Array.from({ length: n }, () => []);
  baselinePolicies.forEach((a, ai) => { for (const id of a.subject) baselineFor[id].push(ai); });

  const nodeByIP = new Map<string, NodeInfo>();
  for (const node of cluster.nodes) for (const ip of node.internalIPs) nodeByIP.set(ip, node);
  const podByIP = new Map<string, PodObj>();
  for (const c of index.classes) if (!c.hostNetwork) for (const p of c.pods) for (const ip of podIPs(p)) podByIP.set(ip, p);
  const serviceByIP = new Map<string, KubeObject>();
  for (const s of cluster.services()) {
    // kube-proxy DNATs a ClusterIP, an externalIP and a LoadBalancer ingress IP alike (in-cluster traffic to the
    // load balancer's address never leaves the node), so policy sees the endpoints behind any of them.
    const ips = [...((s.spec?.clusterIPs ?? (s.spec?.clusterIP ? [s.spec.clusterIP] : [])) as string[]), ...((s.spec?.externalIPs ?? []) as string[]), ...(((s.status as Record<string, any> | undefined)?.loadBalancer?.ingress ?? []) as { ip?: string }[]).map((i) => i.ip ?? '')];
    for (const ip of ips) if (ip && ip !== 'None' && !serviceByIP.has(ip)) serviceByIP.set(ip, s);
  }
  const cni = cluster.config.cni;
  return { cluster, cni, enforced: ENFORCES_NETWORK_POLICY[cni], index, networkPolicies, adminPolicies, baseline, baselinePolicies, isolatedBy, adminFor, baselineFor, nodes: cluster.nodes, nodeByIP, podByIP, serviceByIP, diagnostics };
}

/** The pod CIDRs and service CIDRs of the cluster, parsed (for lint). */
export function clusterCidrs(cluster: Cluster): { pods: Cidr[]; services: Cidr[] } {
  const parse = (list: string[]) => list.flatMap((c) => { try { return [parseCidr(c)]; } catch { return []; } });
  return { pods: parse(cluster.config.podCIDRs), services: parse(cluster.config.serviceCIDRs) };
}
