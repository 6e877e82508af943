// Which workloads a change can touch. allowed(A → W) = egress of A's pods towards W ∧ ingress of W's pods from A;
// the first depends only on the policies deciding A's egress and on what W's pods are (namespace and its labels,
// labels, ports, address, host network), the second on the policies deciding W's ingress and on what A's pods are.
// So a pair can change only when one end changed in what it is or in the content of the policies deciding it:
// the connectivity diff folds full rows and columns for those workloads and skips the rest.
import type { PolicyModel } from '../policy/index.js';
import type { KubeObject } from '../api/types.js';
import type { Cluster } from '../cluster/cluster.js';
import type { DnsModel } from '../dns/index.js';
import type { PodObj } from '../policy/classes.js';
import { podIPs } from '../policy/classes.js';

/** Equal texts get equal small numbers, the same on both sides: signatures hold numbers, not whole policy specs. */
type Intern = (text: string) => number;
const interner = (): Intern => { const ids = new Map<string, number>(); return (t) => ids.get(t) ?? (ids.set(t, ids.size), ids.size - 1); };

function policyIds(model: PolicyModel, intern: Intern) {
  const content = (p: { key: string; object: KubeObject }) => intern(`${p.key}#${JSON.stringify((p.object as { spec?: unknown }).spec ?? null)}`);
  return { np: model.networkPolicies.map(content), admin: model.adminPolicies.map(content), baseline: model.baselinePolicies.map(content) };
}

/** A per-workload signature on one side: its pods as policy sees them and the policies that decide for them. */
function signatures(model: PolicyModel, names: Map<string, number>, groupOf: Map<PodObj, string>, intern: Intern): string[] {
  const ids = policyIds(model, intern);
  const classSig = model.index.classes.map((c) => {
    const dir = (d: 'Ingress' | 'Egress') => [model.adminFor[c.id].map((i) => ids.admin[i]), model.isolatedBy[d][c.id].map((i) => ids.np[i]), model.baselineFor[c.id].map((i) => ids.baseline[i])].map((l) => l.join(',')).join('|');
    return intern(JSON.stringify([c.namespace, model.index.namespaceLabels.get(c.namespace) ?? {}, c.labels, c.ports, c.hostNetwork, dir('Ingress'), dir('Egress')]));
  });
  const parts: string[][] = Array.from({ length: names.size }, () => []);
  for (const c of model.index.classes) {
    for (const pod of c.pods) parts[names.get(groupOf.get(pod)!)!].push(`${pod.metadata.name}@${pod.spec?.nodeName ?? ''}@${podIPs(pod).join(',')}#${classSig[c.id]}`);
  }
  return parts.map((l) => l.sort().join('\n'));
}

/** 1 per workload (in the common index) that may have changed; undefined when everything may (another ClusterConfig). */
export function changedWorkloads(before: PolicyModel, after: PolicyModel, names: Map<string, number>, groupOf: Map<PodObj, string>): Uint8Array | undefined {
  if (JSON.stringify([before.cluster.config, before.nodes]) !== JSON.stringify([after.cluster.config, after.nodes]) || before.enforced !== after.enforced) return undefined;
  const intern = interner();
  const a = signatures(before, names, groupOf, intern), b = signatures(after, names, groupOf, intern);
  return Uint8Array.from(a, (s, i) => (s === b[i] ? 0 : 1));
}

/**
 * The Services (`ns/name`) equal on both sides as DNS and kube-proxy read them: the Service (labels, spec, status),
 * its namespace's labels, and of its EndpointSlices the ports and each endpoint's addresses, conditions, hostname,
 * target, node, zone and hints.
 */
export function equalServices(before: Cluster, after: Cluster): Set<string> {
  const out = new Set<string>();
  const sig = (cluster: Cluster, svc: Record<string, any>): string => {
    const ns = svc.metadata.namespace ?? 'default';
    const slices = (cluster.slicesOfService(ns, svc.metadata.name) as Record<string, any>[]).map((sl) => [sl.metadata.name, sl.addressType ?? null, sl.ports ?? null,
      ((sl.endpoints ?? []) as Record<string, any>[]).map((ep) => [ep.addresses ?? null, ep.conditions ?? null, ep.hostname ?? null, ep.targetRef ?? null, ep.nodeName ?? null, ep.zone ?? null, ep.hints ?? null])]);
    return JSON.stringify([svc.metadata.labels ?? null, svc.spec ?? null, svc.status ?? null, cluster.get<KubeObject>('Namespace', '', ns)?.metadata.labels ?? null, slices]);
  };
  for (const svc of before.services() as Record<string, any>[]) {
    const ns = svc.metadata.namespace ?? 'default', name = svc.metadata.name;
    const other = after.get<Record<string, any>>('Service', ns, name);
    if (other && sig(before, svc) === sig(after, other)) out.add(`${ns}/${name}`);
  }
  return out;
}

/**
 * Of the equal Services, those whose DNS names answer the same on both sides, so the DNS section need not ask: the
 * same Corefile and cluster domain with no rewrite (a rewrite can answer one name from another; the kubernetes
 * plugin's namespace_labels read the namespace's labels). ExternalName Services are always asked: their CNAME may lead
 * to another name of the cluster.
 */
export function dnsUnchangedServices(equal: ReadonlySet<string>, after: Cluster, dns: readonly [DnsModel, DnsModel]): Set<string> {
  const config = (d: DnsModel) => JSON.stringify([d.corefile.text, d.clusterDomain]);
  if (config(dns[0]) !== config(dns[1]) || dns.some((d) => d.blocks.some((b) => b.rewrites.length > 0))) return new Set();
  return new Set([...equal].filter((k) => {
    const [ns, name] = k.split('/', 2);
    return after.get<Record<string, any>>('Service', ns, name)?.spec?.type !== 'ExternalName';
  }));
}
