// Host-network pods as each CNI treats them. Their traffic carries their node's IP: NetworkPolicy (and the admin
// policies: "host-networked pods are not included in subject selection") never selects them, and pod or namespace
// selectors never match them. What does reach them differs per CNI, and verdicts say so instead of staying silent.
// Sources: kubernetes.io NetworkPolicy concepts ("Pod isolation" and host-network behaviour left to the plugin),
// Calico host endpoints (docs.tigera.io, "Protect hosts"), Cilium's host / remote-node identities and
// policy-cidr-match-mode (cilium/cilium#28421), network-policy-api v1alpha2 subject and peer docs.
import type { CniName } from '../cluster/config.js';
import { podIPs, podKey, type PodObj } from './classes.js';

/** One end of a flow (or one pod of a matrix) that uses the host network. */
export interface HostNetworkEnd {
  /** `ns/name`. */
  pod: string;
  node?: string;
  /** The node IP its traffic carries. */
  ip?: string;
  /** In a verdict: which end it is. */
  role?: 'source' | 'destination';
  cni: CniName;
  /** What this CNI does with it, in one paragraph. */
  note: string;
}

const NOTES: Record<CniName, string> = {
  calico: 'with Calico, NetworkPolicy never selects a host-network pod and pod or namespace selectors never match it: its traffic is its node\'s, and only an ipBlock holding the node IP matches it. Calico host endpoints are the exception: a HostEndpoint for the node with a GlobalNetworkPolicy does police this traffic (podnet does not model host endpoints)',
  cilium: 'with Cilium, a host-network pod has its node\'s identity (host on its own node, remote-node elsewhere): NetworkPolicy never selects it and pod selectors never match it, and by default an ipBlock does not match node IPs either (only with policy-cidr-match-mode: nodes); podnet\'s verdict matches its node IP against ipBlocks, as that setting does',
  weave: 'with Weave Net, NetworkPolicy never selects a host-network pod and pod or namespace selectors never match it: its traffic leaves with the node\'s IP, which only an ipBlock holding it matches',
  flannel: 'flannel enforces no NetworkPolicy at all; a host-network pod\'s traffic is its node\'s',
};

export function hostNetworkNote(cni: CniName): string {
  return NOTES[cni];
}

export function hostNetworkEnd(cni: CniName, pod: PodObj, role?: 'source' | 'destination'): HostNetworkEnd {
  const end: HostNetworkEnd = { pod: podKey(pod), node: pod.spec?.nodeName, ip: podIPs(pod)[0], cni, note: NOTES[cni] };
  if (role) end.role = role;
  return end;
}
