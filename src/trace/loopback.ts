// A pod's own loopback: 127.0.0.0/8 and ::1 (and `localhost`, which the pod's /etc/hosts maps there) never leave the
// pod's network namespace, which all its containers share (the pod sandbox, kubelet/CRI). No route out, no kube-proxy,
// no NetworkPolicy (policies act on the pod's interface, lo is not one of them), no CNI: the connection reaches
// whatever a container of the same pod listens on, or the kernel refuses it (RST, ICMP port unreachable for UDP).
import ipaddr from 'ipaddr.js';
import { servedPort } from './pod-ports.js';
import type { TraceHop } from './trace.js';

type Obj = Record<string, any>;

export function isLoopback(ip: string): boolean {
  if (!ipaddr.isValid(ip)) return false;
  const a = ipaddr.parse(ip);
  if (a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress()) return (a as ipaddr.IPv6).toIPv4Address().range() === 'loopback';
  return a.range() === 'loopback';
}

/** The hops of a connection from `pod` to its own loopback `ip:port`; `delivered` says whether a container listens. */
export function loopbackHops(pod: Obj, ip: string, port: number, proto: string): { hops: TraceHop[]; delivered: boolean; reason?: string } {
  const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
  const node = pod.spec?.nodeName as string | undefined;
  const where = pod.spec?.hostNetwork ? `the node's loopback (${key} uses the host network of ${node})` : `${key}'s own loopback (lo in the pod's network namespace, shared by its containers)`;
  const hops: TraceHop[] = [{
    step: 'route', node, detail: { interface: 'lo', loopback: true, ip },
    text: `${ip} is ${where}: the packet never leaves the pod, so no kube-proxy rule, NetworkPolicy or CNI sees it`,
  }];
  const served = servedPort(pod, port, proto);
  const declared = served.declared.length ? served.declared.join(', ') : 'none';
  if (!served.ok) {
    const reason = `nothing listens on ${ip}:${port}/${proto} in ${key}: podnet takes a pod's loopback to serve only its containers' declared ports (${declared}); the kernel refuses the connection`;
    hops.push({ step: 'deliver', node, detail: { pod: key, port, loopback: true, dropped: true }, text: `REJECTED: ${reason}` });
    return { hops, delivered: false, reason };
  }
  hops.push({ step: 'deliver', node, detail: { pod: key, ip: pod.status?.podIP, port, protocol: proto, loopback: true, ...(served.container ? { container: served.container } : {}) }, text: `delivered on loopback to ${key} ${ip}:${port}/${proto}${served.container ? ` (container ${served.container})` : ''}` });
  return { hops, delivered: true };
}
