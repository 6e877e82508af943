// The DNS, policy and ingress engines the trace plugs in: src/dns (the pod's resolv.conf, search walk and CoreDNS's answers)
// and src/policy (Admin tier → NetworkPolicy → Baseline tier verdicts: ANP/BANP and ClusterNetworkPolicy), through their public
// APIs (and src/ingress for the Ingress leg, in ingress-hop.ts). Each compiled model is built once per Cluster snapshot and reused across traces.
import type { Cluster } from '../cluster/cluster.js';
import { compileDns, PodNotFoundError, type DnsModel } from '../dns/index.js';
import { evaluateFlow, ipEnd, parseIP, podEnd, policyModelOf as policyModel, type Protocol } from '../policy/index.js';
import type { DnsStepResult, PolicyQuery, PolicyStepResult, TraceComponents } from './hooks.js';
import { ingressAddressFor, routeAtDataPlane } from './ingress-hop.js';
import { meshHops } from './mesh-hop.js';

const dnsModels = new WeakMap<Cluster, DnsModel>();

function dnsModel(cluster: Cluster): DnsModel {
  let m = dnsModels.get(cluster);
  if (!m) dnsModels.set(cluster, (m = compileDns(cluster, { serial: 1 })));
  return m;
}

/** Resolves a name from a pod through src/dns: every name the resolver tried, and the A record or CNAME it got. */
export function resolveWithClusterDns(cluster: Cluster, pod: string, name: string, model: DnsModel = dnsModel(cluster)): DnsStepResult {
  let l;
  try { l = model.resolveFromPod(pod, name, 'A'); } catch (e) {
    if (e instanceof PodNotFoundError) return { rcode: 'SERVFAIL', tried: [], text: e.message };
    throw e;
  }
  const a = l.answers.find((r) => r.rdata.type === 'A' || r.rdata.type === 'AAAA');
  const cname = l.answers.find((r) => r.rdata.type === 'CNAME');
  const ip = a && (a.rdata.type === 'A' || a.rdata.type === 'AAAA') ? a.rdata.address : undefined;
  const target = cname && cname.rdata.type === 'CNAME' ? cname.rdata.target.replace(/\.$/, '') : undefined;
  const answers = l.answers.map((r) => `${r.name} ${r.type} ${r.data}`);
  const text = l.rcode === 'FORWARDED' ? `${l.tried[l.tried.length - 1] ?? name} goes to the upstream resolver (${l.stop})`
    : answers.length ? `${answers.join('; ')} (${l.stop})` : `${l.rcode} (${l.stop})`;
  return { rcode: l.rcode, tried: l.tried, ...(ip ? { ip } : {}), ...(target ? { cname: target } : {}), text, detail: { answers, ...(l.from ? { nameserver: l.from.nameserver } : {}) } };
}

/** One connection's policy verdict through src/policy, for the egress hop (at the source) and the ingress hop. */
export function evaluateWithPolicyEngine(cluster: Cluster, q: PolicyQuery): PolicyStepResult {
  const m = policyModel(cluster);
  const end = (podRef: string | undefined, ip: string) => {
    if (podRef) {
      const [ns, name] = podRef.split('/', 2);
      const pod = cluster.get<Record<string, any>>('Pod', ns, name);
      if (pod) return podEnd(m, pod as Parameters<typeof podEnd>[1], ip);
    }
    return ipEnd(m, parseIP(ip)!);
  };
  const v = evaluateFlow(m, end(q.srcPod, q.srcIP), end(q.dstPod, q.dstIP), q.port, q.protocol as Protocol);
  return {
    allowed: v.allowed, enforced: v.enforced,
    egress: { allowed: v.egress.allowed, reason: v.egress.reason, policies: v.egress.policies, decidedBy: v.egress.decidedBy },
    ingress: { allowed: v.ingress.allowed, reason: v.ingress.reason, policies: v.ingress.policies, decidedBy: v.ingress.decidedBy },
  };
}

/** The engines the trace plugs in; `compiled` is a DNS model already compiled for one cluster (the lab's snapshot),
 * used when that cluster is traced. */
export function defaultComponents(compiled?: { cluster: Cluster; dns: DnsModel }): TraceComponents {
  const dns = compiled ? (cluster: Cluster, pod: string, name: string) => resolveWithClusterDns(cluster, pod, name, cluster === compiled.cluster ? compiled.dns : dnsModel(cluster)) : resolveWithClusterDns;
  return { dns, policy: evaluateWithPolicyEngine, externalAddress: ingressAddressFor, ingress: routeAtDataPlane, mesh: meshHops };
}
