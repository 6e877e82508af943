// What kube-proxy decides for one service port on one node, before any rule is written: the cluster and local
// endpoint sets (pkg/proxy/topology.go CategorizeEndpoints) and the flags syncProxyRules derives from them
// (pkg/proxy/iptables/proxier.go). Every renderer and every query reads this one plan: decide once, render many.
import type { NodeInfo } from '../cluster/nodes.js';
import type { ServiceEndpoint, ServicePortInfo } from './model.js';

export type TopologyMode = 'none' | 'PreferSameZone' | 'PreferSameNode';

export interface PortPlan {
  sp: ServicePortInfo;
  nodeName: string;
  topology: TopologyMode;
  /** Endpoints for Cluster traffic policy: ready (topology-filtered), else serving+terminating anywhere. */
  clusterEndpoints: ServiceEndpoint[];
  /** Endpoints for Local traffic policy: ready on this node, else serving+terminating on this node. */
  localEndpoints: ServiceEndpoint[];
  /** True when the cluster set fell back to serving+terminating endpoints. */
  clusterUsesTerminating: boolean;
  localUsesTerminating: boolean;
  hasEndpoints: boolean;
  usesClusterPolicyChain: boolean;
  usesLocalPolicyChain: boolean;
  hasInternalEndpoints: boolean;
  hasExternalEndpoints: boolean;
  usesExternalTrafficChain: boolean;
  usesFWChain: boolean;
  /** Filter verdict for ClusterIP traffic that has nowhere to go: REJECT (no endpoints) or DROP (ITP Local). */
  internalFilterTarget?: 'REJECT' | 'DROP';
  externalFilterTarget?: 'REJECT' | 'DROP';
  /** Endpoints ClusterIP traffic is balanced over (cluster or local set, per internalTrafficPolicy). */
  internalEndpoints: ServiceEndpoint[];
  /** Endpoints external traffic from outside the cluster is balanced over (per externalTrafficPolicy). */
  externalEndpoints: ServiceEndpoint[];
}

export function externallyAccessible(sp: ServicePortInfo): boolean {
  return sp.nodePort !== 0 || sp.loadBalancerIPs.length > 0 || sp.externalIPs.length > 0;
}

/** Whether the port ever sends traffic per Cluster policy (ServicePort.UsesClusterEndpoints): also with
 *  externalTrafficPolicy Local, as pod and node traffic to its external addresses is short-circuited to them. */
export function usesClusterEndpoints(sp: ServicePortInfo): boolean {
  return !sp.internalPolicyLocal || externallyAccessible(sp);
}

/** Whether the port ever sends traffic per Local policy (ServicePort.UsesLocalEndpoints). */
export function usesLocalEndpoints(sp: ServicePortInfo): boolean {
  return sp.internalPolicyLocal || (externallyAccessible(sp) && sp.externalPolicyLocal);
}

/**
 * topologyModeFromHints: hints are used only when every ready endpoint carries them and at least one is for this
 * node (PreferSameNode) or this node's zone (PreferSameZone); otherwise all endpoints are used.
 */
export function topologyMode(endpoints: readonly ServiceEndpoint[], node: NodeInfo | undefined): TopologyMode {
  const ready = endpoints.filter((e) => e.ready);
  if (ready.length === 0 || !node) return 'none';
  if (ready.every((e) => e.nodeHints?.length) && ready.some((e) => e.nodeHints!.includes(node.name))) return 'PreferSameNode';
  const zone = node.zone;
  if (!zone) return 'none';
  if (ready.every((e) => e.zoneHints?.length) && ready.some((e) => e.zoneHints!.includes(zone))) return 'PreferSameZone';
  return 'none';
}

function availableForTopology(e: ServiceEndpoint, mode: TopologyMode, node: NodeInfo): boolean {
  if (mode === 'PreferSameNode') return e.nodeHints?.includes(node.name) ?? false;
  if (mode === 'PreferSameZone') return e.zoneHints?.includes(node.zone ?? '') ?? false;
  return true;
}

export function planServicePort(sp: ServicePortInfo, node: NodeInfo | undefined, nodeName = node?.name ?? ''): PortPlan {
  const eps = sp.endpoints;
  let topology: TopologyMode = 'none';
  let clusterEndpoints: ServiceEndpoint[] = [];
  let clusterUsesTerminating = false;
  let hasEndpoints = false;
  if (usesClusterEndpoints(sp)) {
    topology = topologyMode(eps, node);
    clusterEndpoints = eps.filter((e) => e.ready && (topology === 'none' || availableForTopology(e, topology, node!)));
    if (clusterEndpoints.length === 0) {
      clusterEndpoints = eps.filter((e) => e.serving && e.terminating);
      clusterUsesTerminating = clusterEndpoints.length > 0;
    }
    if (clusterEndpoints.length > 0) hasEndpoints = true;
  }
  let localEndpoints: ServiceEndpoint[] = [];
  let localUsesTerminating = false;
  if (usesLocalEndpoints(sp)) {
    let localReady = false;
    let localTerminating = false;
    for (const e of eps) {
      const isLocal = e.nodeName !== undefined && e.nodeName === nodeName;
      if (e.ready) { hasEndpoints = true; if (isLocal) localReady = true; }
      else if (e.serving && e.terminating) { hasEndpoints = true; if (isLocal) localTerminating = true; }
    }
    if (localReady) localEndpoints = eps.filter((e) => e.nodeName === nodeName && e.ready);
    else if (localTerminating) {
      localEndpoints = eps.filter((e) => e.nodeName === nodeName && e.serving && e.terminating);
      localUsesTerminating = true;
    }
  }

  const usesClusterPolicyChain = clusterEndpoints.length > 0 && usesClusterEndpoints(sp);
  const usesLocalPolicyChain = localEndpoints.length > 0 && usesLocalEndpoints(sp);
  let hasInternalEndpoints = hasEndpoints;
  if (sp.internalPolicyLocal && localEndpoints.length === 0) hasInternalEndpoints = false;
  let hasExternalEndpoints = hasEndpoints;
  if (sp.externalPolicyLocal && localEndpoints.length === 0) hasExternalEndpoints = false;
  const usesExternalTrafficChain = hasEndpoints && externallyAccessible(sp);
  const usesFWChain = hasEndpoints && sp.loadBalancerIPs.length > 0 && sp.loadBalancerSourceRanges.length > 0;
  let internalFilterTarget: PortPlan['internalFilterTarget'];
  let externalFilterTarget: PortPlan['externalFilterTarget'];
  if (!hasEndpoints) { internalFilterTarget = 'REJECT'; externalFilterTarget = 'REJECT'; }
  else {
    if (!hasInternalEndpoints) internalFilterTarget = 'DROP';
    if (!hasExternalEndpoints) externalFilterTarget = 'DROP';
  }
  return {
    sp, nodeName, topology, clusterEndpoints, localEndpoints, clusterUsesTerminating, localUsesTerminating, hasEndpoints,
    usesClusterPolicyChain, usesLocalPolicyChain, hasInternalEndpoints, hasExternalEndpoints, usesExternalTrafficChain,
    usesFWChain, internalFilterTarget, externalFilterTarget,
    internalEndpoints: sp.internalPolicyLocal ? localEndpoints : clusterEndpoints,
    externalEndpoints: sp.externalPolicyLocal ? localEndpoints : clusterEndpoints,
  };
}
