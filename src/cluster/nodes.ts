// Nodes: from Node objects in the manifests (a cluster dump) or else from the ClusterConfig. Each gets its pod CIDRs
// (as the node IPAM controller carves them from the cluster CIDR) and the labels a kubelet sets.
import { Codes, type Diagnostic } from '../api/diagnostics.js';
import { deterministicUid } from '../api/defaults.js';
import type { KubeObject, Node } from '../api/types.js';
import { cidrsOverlap, parseCidr, subnetAt, type Cidr } from '../net/cidr.js';
import type { ClusterConfig, NodeConfig } from './config.js';
import type { ClusterStore } from './store.js';

export const KUBERNETES_VERSION = 'v1.30.0';

/** What the controllers need to know about a node, read once from its object. */
export interface NodeInfo {
  name: string;
  internalIPs: string[];
  podCIDRs: string[];
  zone?: string;
  labels: Record<string, string>;
  taints: { key: string; value?: string; effect: string }[];
  unschedulable: boolean;
  maxPods: number;
}

export function nodeObjectFromConfig(n: NodeConfig): KubeObject {
  const labels: Record<string, string> = {
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': n.name,
    'kubernetes.io/os': 'linux',
    ...(n.zone ? { 'topology.kubernetes.io/zone': n.zone } : {}),
    ...(n.region ? { 'topology.kubernetes.io/region': n.region } : {}),
    ...n.labels,
  };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: n.name, labels, uid: deterministicUid(`Node//${n.name}`) },
    spec: { podCIDR: n.podCIDRs[0], podCIDRs: [...n.podCIDRs], ...(n.taints.length ? { taints: n.taints } : {}) },
    status: {
      addresses: [{ type: 'InternalIP', address: n.internalIP }, { type: 'Hostname', address: n.name }],
      allocatable: { pods: '110', cpu: '4', memory: '16Gi' },
      capacity: { pods: '110', cpu: '4', memory: '16Gi' },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
      nodeInfo: {
        kubeletVersion: KUBERNETES_VERSION, kubeProxyVersion: KUBERNETES_VERSION, osImage: 'Debian GNU/Linux 12 (bookworm)',
        kernelVersion: '6.1.0-podnet', containerRuntimeVersion: 'containerd://1.7.13', operatingSystem: 'linux', architecture: 'amd64',
      },
    },
  };
}

/**
 * Puts the cluster's nodes into the store: the given Node objects if there are any, else the config's nodes.
 * Nodes without pod CIDRs get the next free subnet of the cluster pod CIDR (node-ipam-controller's range allocator).
 */
export function reconcileNodes(store: ClusterStore, config: ClusterConfig, diags: Diagnostic[]): NodeInfo[] {
  if (store.count('Node') === 0) for (const n of config.nodes) store.put(nodeObjectFromConfig(n));
  // Carved in the order nodes were declared (config order, or the manifests' order), so node-N gets 10.244.N.0/24.
  const nodes = store.listInApplyOrder<KubeObject & Node>('Node');
  const clusterCidrs = config.podCIDRs.map(parseCidr);
  const used: Cidr[] = [];
  for (const node of nodes) for (const c of node.spec?.podCIDRs ?? (node.spec?.podCIDR ? [node.spec.podCIDR] : [])) {
    try { used.push(parseCidr(c)); } catch { /* validation reports it */ }
  }
  // Subnet 0 is skipped so that node-1 gets 10.244.1.0/24 (and fd00:10:244:1::/64), as the default config and most docs
  // show; the node IPAM controller itself would start at 0.
  const cursor = clusterCidrs.map(() => 1);
  const infos: NodeInfo[] = [];
  for (const [ni, node] of nodes.entries()) {
    const spec = (node.spec ??= {});
    if (!spec.podCIDRs?.length && spec.podCIDR) spec.podCIDRs = [spec.podCIDR];
    if (!spec.podCIDRs?.length) {
      spec.podCIDRs = [];
      for (const [fi, cluster] of clusterCidrs.entries()) {
        const mask = config.nodeCIDRMaskSizes[fi];
        const count = 2 ** Math.min(20, mask - cluster.prefix);
        let picked: Cidr | undefined;
        while (cursor[fi] < count) {
          const candidate = subnetAt(cluster, mask, cursor[fi]++);
          if (!used.some((u) => cidrsOverlap(u, candidate))) { picked = candidate; break; }
        }
        if (!picked) {
          // kube-controller-manager's range allocator (cidrset AllocateNext) when the cluster CIDR is used up.
          const source = store.sourceOf({ kind: 'Node', namespace: '', name: node.metadata.name }) ?? config.origin;
          diags.push({ code: Codes.configInvalid, level: 'error', object: { kind: 'Node', namespace: '', name: node.metadata.name }, ...(source ? { source } : {}), message: `Node ${node.metadata.name}: CIDR allocation failed; there are no remaining CIDRs left to allocate in the accepted range (node ${ni + 1} of ${nodes.length}; ${cluster.text} holds ${count - 1} node ranges of /${mask} after the first)` });
          continue;
        }
        used.push(picked);
        spec.podCIDRs.push(picked.text);
      }
      spec.podCIDR = spec.podCIDRs[0];
    }
    const labels = (node.metadata.labels ??= {});
    labels['kubernetes.io/hostname'] ??= node.metadata.name;
    const addresses = node.status?.addresses ?? [];
    const ips = addresses.filter((a) => a.type === 'InternalIP').map((a) => a.address);
    infos.push({
      name: node.metadata.name,
      internalIPs: ips,
      podCIDRs: spec.podCIDRs,
      zone: labels['topology.kubernetes.io/zone'] ?? labels['failure-domain.beta.kubernetes.io/zone'],
      labels,
      taints: (spec.taints ?? []).map((t) => ({ key: t.key, value: t.value, effect: t.effect })),
      unschedulable: spec.unschedulable === true,
      maxPods: Number(node.status?.allocatable?.pods ?? 110) || 110,
    });
  }
  return infos;
}
