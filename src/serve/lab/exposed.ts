// NodePorts and LoadBalancer addresses, each mapped to a loopback port. A connection to the loopback port is what a
// client outside the cluster sends to NODE_IP:nodePort (or LB_IP:port): src/trace decides it hop by hop (kube-proxy's
// pick, externalTrafficPolicy, policy at the pod) and the bytes go to the virtual pod chosen — or to the live ingress
// proxy when the chosen pod is an ingress controller's data plane.
import type { Cluster } from '../../cluster/cluster.js';

type Obj = Record<string, any>;

export interface ExposedPort {
  /** Stable key: `nodeport/NS/NAME/PORT` or `loadbalancer/NS/NAME/IP/PORT`. */
  key: string;
  kind: 'nodeport' | 'loadbalancer';
  service: string;
  /** Port name, or the number as text. */
  portName: string;
  protocol: string;
  /** What the model address is: `10.0.1.10:30615` or `172.18.255.200:80`. */
  modelAddress: string;
  /** The loopback port a user connects to (filled by the lab). */
  localPort?: number;
}

export function exposedPorts(cluster: Cluster): ExposedPort[] {
  const out: ExposedPort[] = [];
  const nodeIP = cluster.nodes[0]?.internalIPs[0];
  for (const svc of cluster.services() as (Obj & { metadata: Obj; spec: Obj; status?: Obj })[]) {
    const ns = svc.metadata.namespace ?? 'default';
    const name = `${ns}/${svc.metadata.name}`;
    for (const p of (svc.spec.ports ?? []) as Obj[]) {
      const proto = p.protocol ?? 'TCP';
      if (proto !== 'TCP' && proto !== 'UDP') continue; // SCTP is listed by `podnet get` but not served on loopback
      const portName = String(p.name ?? p.port);
      const suffix = proto === 'TCP' ? '' : `/${proto}`;
      if (p.nodePort && nodeIP) out.push({ key: `nodeport/${name}/${p.port}${suffix}`, kind: 'nodeport', service: name, portName, protocol: proto, modelAddress: `${nodeIP}:${p.nodePort}` });
      if (svc.spec.type === 'LoadBalancer') {
        for (const ing of (svc.status?.loadBalancer?.ingress ?? []) as Obj[]) {
          if (!ing.ip) continue;
          out.push({ key: `loadbalancer/${name}/${ing.ip}/${p.port}${suffix}`, kind: 'loadbalancer', service: name, portName, protocol: proto, modelAddress: `${ing.ip.includes(':') ? `[${ing.ip}]` : ing.ip}:${p.port}` });
        }
      }
    }
  }
  return out;
}

/** The port a NodePort listener tries first: the nodePort itself (it is usually free on loopback), else any. */
export function preferredLocalPort(e: ExposedPort): number {
  return e.kind === 'nodeport' ? Number(e.modelAddress.slice(e.modelAddress.lastIndexOf(':') + 1)) : 0;
}
