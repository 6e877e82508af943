// The sysctls a node needs for kube-proxy's rules to act (keys as paths under /proc/sys): forwarding (kubeadm's
// preflight requires it), route_localnet for the iptables mode's localhost NodePorts (kube-proxy sets it itself; the
// nftables mode does not use it), and br_netfilter's bridge-nf-call-iptables, so that packets switched by a pod bridge
// (cni0) still meet the DNAT/un-DNAT of conntrack (kubeadm's preflight requires it where the module exists).
import type { KubeProxyMode } from '../cluster/config.js';

export function kubeProxySysctls(mode: KubeProxyMode, brNetfilter: boolean): string[] {
  return [
    'net/ipv4/ip_forward=1',
    ...(mode === 'iptables' ? ['net/ipv4/conf/all/route_localnet=1'] : []),
    ...(brNetfilter ? ['net/bridge/bridge-nf-call-iptables=1'] : []),
  ];
}
