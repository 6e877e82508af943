// Equivalence classes of pods: pods with the same namespace, labels, container ports, host-network mode (and node,
// for host-network pods) and the same membership in every CIDR some policy names are indistinguishable to every
// selector, port and ipBlock in the model, so verdicts are computed once per class and expanded on output.
import type { KubeObject } from '../api/types.js';
import type { Cluster } from '../cluster/cluster.js';
import { familyOf, ipToBigInt, type Cidr } from '../net/cidr.js';
import { parseIP } from './select.js';

type Obj = Record<string, any>;
export type PodObj = KubeObject & { spec: Obj; status?: Obj };
export type Labels = Readonly<Record<string, string>>;
export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface ContainerPortInfo { name?: string; protocol: Protocol; containerPort: number }

export interface PodClass {
  id: number;
  namespace: string;
  labels: Labels;
  hostNetwork: boolean;
  /** Only for host-network classes: their traffic is their node's. */
  nodeName?: string;
  ports: ContainerPortInfo[];
  /** Primary IP of the first member (members share membership in every policy CIDR), parsed once. */
  ip?: string;
  parsedIP?: { text: string; family: 'IPv4' | 'IPv6'; n: bigint };
  pods: PodObj[];
}

export interface ClassIndex {
  classes: PodClass[];
  /** `ns/name` -> class id. */
  classOfPod: Map<string, number>;
  podsByKey: Map<string, PodObj>;
  /** Class ids per namespace. */
  byNamespace: Map<string, number[]>;
  namespaceLabels: Map<string, Labels>;
}

export const podKey = (pod: KubeObject): string => `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`;

const ipsCache = new WeakMap<PodObj, { podIP: unknown; podIPs: unknown; ips: readonly string[] }>();

/** The pod's valid addresses, primary first; parsed once per pod (while its status fields stay the same objects). */
export function podIPs(pod: PodObj): readonly string[] {
  const podIP: unknown = pod.status?.podIP, listed: unknown = pod.status?.podIPs;
  const hit = ipsCache.get(pod);
  if (hit && hit.podIP === podIP && hit.podIPs === listed) return hit.ips;
  let ips: string[] = ((listed ?? []) as Obj[]).map((p) => p?.ip).filter((ip): ip is string => typeof ip === 'string' && parseIP(ip) !== undefined);
  if (ips.length === 0) ips = typeof podIP === 'string' && parseIP(podIP) !== undefined ? [podIP] : [];
  ipsCache.set(pod, { podIP, podIPs: listed, ips });
  return ips;
}

export function containerPorts(pod: PodObj): ContainerPortInfo[] {
  const out: ContainerPortInfo[] = [];
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])] as Obj[]) {
    for (const p of (c?.ports ?? []) as Obj[]) {
      if (typeof p?.containerPort !== 'number') continue;
      out.push({ name: typeof p.name === 'string' ? p.name : undefined, protocol: (p.protocol ?? 'TCP') as Protocol, containerPort: p.containerPort });
    }
  }
  return out;
}

/** Finds the pod CIDR memberships that matter: for each CIDR, the sorted pod IPs it holds (binary search). */
function cidrMemberships(pods: PodObj[], cidrs: readonly Cidr[]): Map<PodObj, number[]> {
  const entries: { n: bigint; family: string; pod: PodObj }[] = [];
  for (const pod of pods) {
    const ip = podIPs(pod)[0];
    if (ip) entries.push({ n: ipToBigInt(ip), family: familyOf(ip), pod });
  }
  const byFamily = new Map<string, { n: bigint; pod: PodObj }[]>();
  for (const e of entries) {
    let l = byFamily.get(e.family);
    if (!l) byFamily.set(e.family, (l = []));
    l.push(e);
  }
  for (const l of byFamily.values()) l.sort((a, b) => (a.n < b.n ? -1 : a.n > b.n ? 1 : 0));
  const out = new Map<PodObj, number[]>();
  cidrs.forEach((c, ci) => {
    const l = byFamily.get(c.family);
    if (!l) return;
    let lo = 0, hi = l.length;
    while (lo < hi) { const mid = (lo + hi) >>> 1; if (l[mid].n < c.base) lo = mid + 1; else hi = mid; }
    const end = c.base + c.size;
    for (let i = lo; i < l.length && l[i].n < end; i++) {
      let bits = out.get(l[i].pod);
      if (!bits) out.set(l[i].pod, (bits = []));
      bits.push(ci);
    }
  });
  return out;
}

/** Groups the cluster's pods into classes. `cidrs` are every CIDR (cidr and except) any policy names. */
export function buildClasses(cluster: Cluster, cidrs: readonly Cidr[]): ClassIndex {
  const pods = cluster.pods() as PodObj[];
  const namespaceLabels = new Map<string, Labels>();
  for (const ns of cluster.namespaces()) namespaceLabels.set(ns.metadata.name, ns.metadata.labels ?? {});
  const memberships = cidrMemberships(pods, cidrs);
  const bySignature = new Map<string, PodClass>();
  const classes: PodClass[] = [];
  const classOfPod = new Map<string, number>();
  const podsByKey = new Map<string, PodObj>();
  const byNamespace = new Map<string, number[]>();
  for (const pod of pods) {
    const ns = pod.metadata.namespace ?? 'default';
    if (!namespaceLabels.has(ns)) namespaceLabels.set(ns, { 'kubernetes.io/metadata.name': ns });
    const labels = pod.metadata.labels ?? {};
    const hostNetwork = pod.spec?.hostNetwork === true;
    const ports = containerPorts(pod);
    const sig = [
      ns,
      Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(','),
      hostNetwork ? `host:${pod.spec?.nodeName ?? ''}` : 'pod',
      ports.map((p) => `${p.name ?? ''}/${p.protocol}/${p.containerPort}`).sort().join(','),
      (memberships.get(pod) ?? []).join(','),
      podIPs(pod).length > 0 ? 'ip' : 'noip',
    ].join('\u0000');
    let cls = bySignature.get(sig);
    if (!cls) {
      const ip = podIPs(pod)[0];
      cls = { id: classes.length, namespace: ns, labels, hostNetwork, nodeName: hostNetwork ? pod.spec?.nodeName : undefined, ports, ip, parsedIP: parseIP(ip), pods: [] };
      classes.push(cls);
      bySignature.set(sig, cls);
      let l = byNamespace.get(ns);
      if (!l) byNamespace.set(ns, (l = []));
      l.push(cls.id);
    }
    cls.pods.push(pod);
    const key = podKey(pod);
    classOfPod.set(key, cls.id);
    podsByKey.set(key, pod);
  }
  return { classes, classOfPod, podsByKey, byNamespace, namespaceLabels };
}
