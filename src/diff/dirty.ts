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
import { sameJson } from '../util/json.js';

/** Equal texts get equal small numbers, the same on both sides: signatures hold numbers, not whole policy specs. */
type Intern = (text: string) => number;
const interner = (): Intern => { const ids = new Map<string, number>(); return (t) => ids.get(t) ?? (ids.set(t, ids.size), ids.size - 1); };

type PolicyIds = { np: number[]; admin: number[]; baseline: number[] };
type Spec = { key: string; object: KubeObject };

/**
 * Per side, a number per policy: a policy of the after side gets the number of the before side's policy with its key
 * when their specs are equal, a number of its own otherwise.
 */
function policyIds(before: PolicyModel, after: PolicyModel, intern: Intern): [PolicyIds, PolicyIds] {
  const spec = (p: Spec) => (p.object as { spec?: unknown }).spec ?? null;
  const earlier = new Map<string, { spec: unknown; id: number }>();
  const ids = (model: PolicyModel, side: string): PolicyIds => {
    const id = (p: Spec, i: number, list: string): number => {
      const b = earlier.get(p.key);
      if (side === 'after' && b && sameJson(b.spec, spec(p))) return b.id;
      const n = intern(`${side}#${list}#${i}`);
      if (side === 'before' && !earlier.has(p.key)) earlier.set(p.key, { spec: spec(p), id: n });
      return n;
    };
    return { np: model.networkPolicies.map((p, i) => id(p, i, 'np')), admin: model.adminPolicies.map((p, i) => id(p, i, 'admin')), baseline: model.baselinePolicies.map((p, i) => id(p, i, 'baseline')) };
  };
  return [ids(before, 'before'), ids(after, 'after')];
}

/** A per-workload signature on one side: its pods as policy sees them and the policies that decide for them. */
function signatures(model: PolicyModel, names: Map<string, number>, groupOf: Map<PodObj, string>, intern: Intern, ids: PolicyIds): string[] {
  const namespaces = new Map<string, string>();
  const namespaceText = (ns: string) => namespaces.get(ns) ?? (namespaces.set(ns, JSON.stringify([ns, model.index.namespaceLabels.get(ns) ?? {}])), namespaces.get(ns)!);
  const classSig = model.index.classes.map((c) => {
    const dir = (d: 'Ingress' | 'Egress') => [model.adminFor[c.id].map((i) => ids.admin[i]), model.isolatedBy[d][c.id].map((i) => ids.np[i]), model.baselineFor[c.id].map((i) => ids.baseline[i])].map((l) => l.join(',')).join('|');
    return intern(`${namespaceText(c.namespace)}\0${JSON.stringify(c.labels)}\0${JSON.stringify(c.ports)}\0${c.hostNetwork}\0${dir('Ingress')}\0${dir('Egress')}`);
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
  const ids = policyIds(before, after, intern);
  const a = signatures(before, names, groupOf, intern, ids[0]), b = signatures(after, names, groupOf, intern, ids[1]);
  return Uint8Array.from(a, (s, i) => (s === b[i] ? 0 : 1));
}

/**
 * The Services (`ns/name`) equal on both sides as DNS and kube-proxy read them: the Service (labels, spec, status),
 * its namespace's labels, and of its EndpointSlices the ports and each endpoint's addresses, conditions, hostname,
 * target, node, zone and hints.
 */
export function equalServices(before: Cluster, after: Cluster): Set<string> {
  const out = new Set<string>();
  const same = (a: unknown, b: unknown) => sameJson(a ?? null, b ?? null);
  const slices = (cluster: Cluster, ns: string, name: string) => (cluster.slicesOfService(ns, name) as Record<string, any>[]).map((sl) => [sl.metadata.name, sl.addressType ?? null, sl.ports ?? null,
    ((sl.endpoints ?? []) as Record<string, any>[]).map((ep) => [ep.addresses ?? null, ep.conditions ?? null, ep.hostname ?? null, ep.targetRef ?? null, ep.nodeName ?? null, ep.zone ?? null, ep.hints ?? null])]);
  const namespaceLabels = (cluster: Cluster, ns: string) => cluster.get<KubeObject>('Namespace', '', ns)?.metadata.labels;
  for (const svc of before.services() as Record<string, any>[]) {
    const ns = svc.metadata.namespace ?? 'default', name = svc.metadata.name;
    const other = after.get<Record<string, any>>('Service', ns, name);
    if (!other || !same(svc.metadata.labels, other.metadata.labels) || !same(svc.spec, other.spec) || !same(svc.status, other.status)) continue;
    if (same(namespaceLabels(before, ns), namespaceLabels(after, ns)) && sameJson(slices(before, ns, name), slices(after, ns, name))) out.add(`${ns}/${name}`);
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
