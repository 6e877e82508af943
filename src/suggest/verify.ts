// The proof of a suggestion, by the engine on the cluster with the suggested policies added: every observed flow is
// allowed, DNS from every workload in scope is allowed, and no other workload pair with an end in scope is allowed on
// any port (the pod matrix over every port where some verdict can change, grouped by workload).
import type { Cluster } from '../cluster/cluster.js';
import { check, groupMatrix, groupOfPod, podMatrix, policyModelOf, type PodObj } from '../policy/index.js';
import type { ObservedFlow } from './flows.js';
import type { Suggestion } from './policies.js';

export interface Proof {
  policies: number;
  /** Flow records (not connections) allowed, of all placed ones. */
  flowsAllowed: number;
  flows: number;
  /** Observed connections still denied, with the reason. */
  denied: { flow: ObservedFlow; reason: string }[];
  dnsAllowed: number;
  dnsWorkloads: number;
  /** Workload pairs allowed that no observed flow (or DNS) asked for: `from → to` (`every`/`some` pod pairs). */
  others: string[];
  holds: boolean;
  line: string;
}

export function prove(after: Cluster, s: Suggestion, observed: readonly ObservedFlow[]): Proof {
  const model = policyModelOf(after);
  let flows = 0;
  let flowsAllowed = 0;
  const denied: Proof['denied'] = [];
  for (const f of observed) {
    if (s.unplaced.includes(f)) continue;
    flows += f.ids.length;
    const r = check(model, { from: f.source, to: f.destination, port: f.port, protocol: f.protocol });
    if (r.allowed) flowsAllowed += f.ids.length;
    else denied.push({ flow: f, reason: r.targets.map((v) => (v.egress.allowed ? v.ingress.reason : v.egress.reason)).join('; ') });
  }
  let dnsAllowed = 0;
  const dnsPod = after.pods('kube-system').find((p) => p.metadata.labels?.['k8s-app'] === 'kube-dns');
  const first = new Map<string, string>();
  for (const p of after.pods() as PodObj[]) {
    const ns = p.metadata.namespace ?? 'default';
    if (!s.scope.includes(ns) || p.spec?.hostNetwork) continue;
    const w = groupOfPod(model, p, 'workload');
    if (!first.has(w)) first.set(w, `${ns}/${p.metadata.name}`);
  }
  if (dnsPod) {
    for (const pod of first.values()) {
      const r = check(model, { from: pod, to: 'kube-system/svc/kube-dns', port: 53, protocol: 'UDP' });
      if (r.allowed) dnsAllowed++;
    }
  }
  const m = groupMatrix(model, podMatrix(model), 'workload');
  const others: string[] = [];
  const scoped = (g: string) => s.scope.includes(g.split('/')[0]);
  m.groups.forEach((g, i) => {
    const row = m.row(i);
    m.groups.forEach((h, j) => {
      const cell = row[j];
      if (cell === false || !(scoped(g.name) || scoped(h.name))) return;
      if (i === j && g.pods < 2) return;
      if (s.expectedPairs.has(`${g.name}|${h.name}`)) return;
      others.push(`${g.name} → ${h.name} (${cell === true ? 'every' : 'some'} pod pair${i === j ? ' within the workload' : ''})`);
    });
  });
  const holds = flowsAllowed === flows && dnsAllowed === first.size && others.length === 0;
  const line = `suggest: ${s.policies.length} policies; ${flowsAllowed === flows ? `all ${flows}` : `${flowsAllowed} of ${flows}`} observed flows allowed, ${others.length} other workload pairs allowed${dnsAllowed === first.size ? '' : `; DNS allowed for ${dnsAllowed} of ${first.size} workloads`}`;
  return { policies: s.policies.length, flowsAllowed, flows, denied, dnsAllowed, dnsWorkloads: first.size, others, holds, line };
}
