// Findings about Services that change where traffic goes: no endpoints (REJECT), named targetPorts a selected pod
// lacks, Local traffic policies that DROP on nodes without a local endpoint, source ranges that cannot apply.
import { listSome } from '../util/text.js';
import type { Diagnostic } from '../api/diagnostics.js';
import { matchesMapSelector } from '../api/labels.js';
import type { Cluster } from '../cluster/cluster.js';
import { findPort } from '../cluster/endpointslices.js';
import { ServiceCodes } from './codes.js';
import { servicesModel } from './model.js';
import { planServicePort } from './plan.js';

type Obj = Record<string, any>;

export function serviceDiagnostics(cluster: Cluster): Diagnostic[] {
  const model = servicesModel(cluster);
  const out: Diagnostic[] = [];
  const portsOf = new Map<string, typeof model.ports>();
  for (const sp of model.ports) {
    const k = `${sp.namespace}/${sp.name}`;
    const l = portsOf.get(k);
    if (l) l.push(sp); else portsOf.set(k, [sp]);
  }
  for (const svc of cluster.services() as Obj[]) {
    const ns = svc.metadata.namespace as string;
    const name = svc.metadata.name as string;
    const object = { kind: 'Service', namespace: ns, name };
    const source = cluster.sourceOf(svc as never);
    const add = (code: string, message: string) => out.push({ code, level: 'warning', object, ...(source ? { source } : {}), message });
    const spec = svc.spec as Obj;
    if (spec.loadBalancerSourceRanges?.length && spec.type !== 'LoadBalancer') {
      add(ServiceCodes.sourceRangesIgnored, `Service ${ns}/${name} sets loadBalancerSourceRanges but is type ${spec.type}: the ranges filter only LoadBalancer IPs, so they do nothing here`);
    }
    const selector = spec.selector as Record<string, string> | undefined;
    if (selector && Object.keys(selector).length) {
      const pods = (cluster.pods(ns) as Obj[]).filter((p) => matchesMapSelector(selector, p.metadata.labels));
      for (const port of (spec.ports ?? []) as Obj[]) {
        if (typeof port.targetPort !== 'string' || /^\d+$/.test(port.targetPort)) continue;
        const missing = pods.filter((p) => findPort(p as never, port) === undefined).map((p) => p.metadata.name);
        if (missing.length) add(ServiceCodes.namedPortMissing, `Service ${ns}/${name} port ${port.name ?? port.port} targets the named port "${port.targetPort}", which ${missing.length === 1 ? 'pod' : 'pods'} ${missing.join(', ')} ${missing.length === 1 ? 'does' : 'do'} not declare: ${missing.length === 1 ? 'it is' : 'they are'} left out of the endpoints`);
      }
    }
    const own = portsOf.get(`${ns}/${name}`) ?? [];
    const ports = own.filter((sp) => sp.family === own[0].family);
    // With a selector the controller keeps at least a placeholder slice: none at all means the API server refused it.
    const why = !selector ? '' : cluster.slicesOfService(ns, name).length === 0 ? ' (its EndpointSlice was refused)' : ' (no ready pod matches its selector)';
    const noEndpoints: string[] = [];
    for (const sp of ports) {
      // Whether there are endpoints is read from the first node's plan; every node's plan matters only with a Local policy.
      if (model.nodes.length === 0 || !planServicePort(sp, model.nodes[0]).hasEndpoints) {
        noEndpoints.push(sp.nameString);
        continue;
      }
      if (!sp.externalPolicyLocal && !sp.internalPolicyLocal) continue;
      const plans = model.nodes.map((n) => planServicePort(sp, n));
      const noLocal = plans.filter((p) => p.localEndpoints.length === 0).map((p) => p.nodeName);
      if (sp.externalPolicyLocal && noLocal.length) add(ServiceCodes.externalLocalNodesDrop, `Service ${sp.nameString} has externalTrafficPolicy Local: nodes ${noLocal.join(', ')} have no local endpoint, so external traffic entering there is DROPped${sp.healthCheckNodePort ? ` (their healthCheckNodePort ${sp.healthCheckNodePort} answers 503)` : ''}`);
      if (sp.internalPolicyLocal && noLocal.length) add(ServiceCodes.internalLocalNodesDrop, `Service ${sp.nameString} has internalTrafficPolicy Local: clients on nodes ${noLocal.join(', ')} have no local endpoint, so their ClusterIP traffic is DROPped`);
    }
    const reject = `kube-proxy REJECTs connections to ${noEndpoints.length === 1 ? 'it' : 'them'} ("connection refused")`;
    // One line per port, up to ten; a Service with more ports without endpoints gets one line for all of them.
    if (noEndpoints.length <= 10) for (const n of noEndpoints) add(ServiceCodes.noEndpoints, `Service ${n} has no ready or serving endpoint${why}: ${reject}`);
    else add(ServiceCodes.noEndpoints, `Service ${ns}/${name} has no ready or serving endpoint on ${noEndpoints.length} ports (${listSome(noEndpoints, 10, (n) => n.slice(ns.length + name.length + 2) || n)})${why}: ${reject}`);
  }
  return out;
}
