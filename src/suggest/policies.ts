// Least-privilege NetworkPolicies from observed connections: per namespace in scope a default deny (both directions)
// and DNS egress to kube-dns; per workload one policy whose ingress rules admit exactly the observed sources (by
// workload labels and namespace labels, or an /32 ipBlock for an address) and whose egress rules admit exactly the
// observed destinations, on the observed ports (by name where every destination pod names the port). Each rule
// carries a comment naming the flows it admits.
import YAML, { type YAMLMap, type YAMLSeq } from 'yaml';
import { BUILTIN_SOURCE, type Cluster } from '../cluster/cluster.js';
import { containerPorts, groupOfPod, policyModelOf, type PodObj } from '../policy/index.js';
import type { ObservedFlow } from './flows.js';

type Obj = Record<string, any>;

export interface SuggestOptions { namespaces?: readonly string[] }

export interface Suggestion {
  /** The policies as objects, in output order. */
  policies: Obj[];
  yaml: string;
  /** Namespaces given a default deny. */
  scope: string[];
  /** Workload pairs (`ns/kind/name`) the policies mean to allow, per direction key `from|to`; DNS included. */
  expectedPairs: Set<string>;
  /** The workloads in scope (`ns/kind/name`). */
  workloads: string[];
  /** Observed flows whose ends could not be placed (a pod that no longer exists). */
  unplaced: ObservedFlow[];
}

const DNS_PEER = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } };
const DNS_PORTS = [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }];
export const DNS_WORKLOAD = 'kube-system/deployment/coredns';
const SHOWN_FLOWS = 5;
const KINDS: Record<string, string> = { deployment: 'Deployment', statefulset: 'StatefulSet', daemonset: 'DaemonSet', replicaset: 'ReplicaSet', job: 'Job' };

interface Rule { peer: Obj; ports: Map<string, { protocol: string; port: number | string }>; flows: ObservedFlow[] }

export function suggestPolicies(cluster: Cluster, observed: readonly ObservedFlow[], opts: SuggestOptions = {}): Suggestion {
  const model = policyModelOf(cluster);
  const pods = cluster.pods() as PodObj[];
  const userNamespaces = [...new Set(pods.filter((p) => cluster.sourceOf(p)?.file !== BUILTIN_SOURCE.file).map((p) => p.metadata.namespace ?? 'default'))].sort();
  const scope = opts.namespaces?.length ? [...opts.namespaces].sort() : userNamespaces;
  const inScope = new Set(scope);
  const podByKey = new Map(pods.map((p) => [`${p.metadata.namespace}/${p.metadata.name}`, p]));
  const workloadOf = (p: PodObj) => groupOfPod(model, p, 'workload');
  const members = new Map<string, PodObj[]>();
  for (const p of pods) if (!p.spec?.hostNetwork) { const w = workloadOf(p); const l = members.get(w); if (l) l.push(p); else members.set(w, [p]); }

  /** The labels that pick a workload's pods: its selector, or a bare pod's own labels. */
  const selectors = new Map<string, Obj>();
  const selectorOf = (w: string): Obj => {
    let sel = selectors.get(w);
    if (!sel) selectors.set(w, (sel = workloadSelector(w)));
    return sel;
  };
  const workloadSelector = (w: string): Obj => {
    const [ns, kind, name] = w.split('/');
    if (kind !== 'pod') {
      const obj = cluster.list<Obj>(KINDS[kind] ?? kind, ns).find((o) => o.metadata.name === name);
      const sel = obj?.spec?.selector;
      if (sel && typeof sel === 'object') return { ...(sel.matchLabels ? { matchLabels: sel.matchLabels } : {}), ...(sel.matchExpressions ? { matchExpressions: sel.matchExpressions } : {}) };
    }
    return { matchLabels: { ...(members.get(w)?.[0]?.metadata.labels ?? {}) } };
  };
  const peerOf = (end: string): Obj => {
    const pod = podByKey.get(end);
    if (!pod) return { ipBlock: { cidr: end.includes(':') ? `${end}/128` : `${end}/32` } };
    const ns = pod.metadata.namespace ?? 'default';
    return { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } }, podSelector: selectorOf(workloadOf(pod)) };
  };
  /** The port as rules name it: the container port's name when every pod of the destination workload gives it one. */
  const portOf = (w: string, port: number, protocol: string): number | string => {
    const names = new Set((members.get(w) ?? []).map((p) => containerPorts(p).find((c) => c.containerPort === port && c.protocol === protocol)?.name));
    const [only] = names;
    return names.size === 1 && only ? only : port;
  };

  const ingress = new Map<string, Map<string, Rule>>();
  const egress = new Map<string, Map<string, Rule>>();
  const expectedPairs = new Set<string>();
  const unplaced: ObservedFlow[] = [];
  const dnsFlows = new Map<string, ObservedFlow[]>();
  const add = (side: Map<string, Map<string, Rule>>, w: string, peer: Obj, f: ObservedFlow, port: number | string) => {
    let rules = side.get(w);
    if (!rules) side.set(w, (rules = new Map()));
    const key = JSON.stringify(peer);
    let r = rules.get(key);
    if (!r) rules.set(key, (r = { peer, ports: new Map(), flows: [] }));
    r.ports.set(`${port}/${f.protocol}`, { protocol: f.protocol, port });
    r.flows.push(f);
  };
  for (const f of observed) {
    const dst = podByKey.get(f.destination);
    if (!dst) { unplaced.push(f); continue; }
    const src = podByKey.get(f.source);
    const dw = workloadOf(dst);
    const sw = src ? workloadOf(src) : undefined;
    if (src && sw) expectedPairs.add(`${sw}|${dw}`);
    const port = portOf(dw, f.port, f.protocol);
    if (inScope.has(dst.metadata.namespace ?? 'default')) add(ingress, dw, peerOf(f.source), f, port);
    if (!src || !sw || !inScope.has(src.metadata.namespace ?? 'default')) continue;
    // Lookups are the namespace's allow-dns rule's to admit.
    if (dw === DNS_WORKLOAD && f.port === 53) {
      const ns = src.metadata.namespace ?? 'default', l = dnsFlows.get(ns);
      if (l) l.push(f); else dnsFlows.set(ns, [f]);
    } else add(egress, sw, peerOf(f.destination), f, port);
  }
  const workloads = [...members.keys()].filter((w) => inScope.has(w.split('/')[0])).sort();
  for (const w of workloads) expectedPairs.add(`${w}|${DNS_WORKLOAD}`);

  const docs: YAML.Document[] = [];
  const policies: Obj[] = [];
  const emit = (obj: Obj, comment: string, ruleComments: { ingress: string[]; egress: string[] }) => {
    const doc = new YAML.Document(obj, { aliasDuplicateObjects: false });
    doc.commentBefore = comment;
    for (const dir of ['ingress', 'egress'] as const) {
      const seq = doc.getIn(['spec', dir]) as YAMLSeq<YAMLMap> | undefined;
      seq?.items.forEach((item, i) => { if (ruleComments[dir][i]) item.commentBefore = ruleComments[dir][i]; });
    }
    docs.push(doc);
    policies.push(obj);
  };
  const np = (ns: string, name: string, spec: Obj) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns, labels: { 'podnet.dev/suggested': 'true' } }, spec });
  const flowText = (f: ObservedFlow) => `${f.source} → ${f.destination} ${f.port}/${f.protocol} (flow${f.ids.length > 1 ? 's' : ''} ${f.ids.slice(0, 3).join(', ')}${f.ids.length > 3 ? `, … ${f.ids.length} in all` : ''})`;
  const admits = (r: Rule) => {
    const n = r.flows.reduce((s, f) => s + f.ids.length, 0);
    const lines = r.flows.slice(0, SHOWN_FLOWS).map((f) => ` ${flowText(f)}`);
    if (r.flows.length > SHOWN_FLOWS) lines.push(` and ${r.flows.length - SHOWN_FLOWS} more connections`);
    return [` admits ${n} observed flow${n === 1 ? '' : 's'}:`, ...lines].join('\n');
  };
  const rulesOf = (rules: Map<string, Rule> | undefined, key: 'from' | 'to') => [...(rules?.values() ?? [])].map((r) => ({
    spec: { [key]: [r.peer], ports: [...r.ports.values()].sort((a, b) => String(a.port).localeCompare(String(b.port), undefined, { numeric: true }) || a.protocol.localeCompare(b.protocol)) },
    comment: admits(r),
  }));
  for (const ns of scope) {
    emit(np(ns, 'suggested-default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }), ` ${ns}: deny everything not admitted below (both directions)`, { ingress: [], egress: [] });
    const lookups = dnsFlows.get(ns) ?? [];
    emit(np(ns, 'suggested-allow-dns', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [DNS_PEER], ports: DNS_PORTS }] }), ` ${ns}: every pod may ask kube-dns (53/UDP, 53/TCP)`,
      { ingress: [], egress: [lookups.length ? admits({ peer: DNS_PEER, ports: new Map(), flows: lookups }) : ''] });
  }
  const used = new Set<string>();
  for (const w of workloads) {
    const ins = rulesOf(ingress.get(w), 'from');
    const outs = rulesOf(egress.get(w), 'to');
    if (ins.length === 0 && outs.length === 0) continue;
    const [ns, kind, name] = w.split('/');
    let pname = `suggested-${name}`;
    if (used.has(`${ns}/${pname}`)) pname = `suggested-${kind}-${name}`;
    used.add(`${ns}/${pname}`);
    const types = [...(ins.length ? ['Ingress'] : []), ...(outs.length ? ['Egress'] : [])];
    emit(np(ns, pname, { podSelector: selectorOf(w), policyTypes: types, ...(ins.length ? { ingress: ins.map((r) => r.spec) } : {}), ...(outs.length ? { egress: outs.map((r) => r.spec) } : {}) }),
      ` ${w}: ${ins.length} ingress and ${outs.length} egress rule${outs.length === 1 ? '' : 's'} from the observed flows`, { ingress: ins.map((r) => r.comment), egress: outs.map((r) => r.comment) });
  }
  const yaml = docs.map((d) => d.toString({ lineWidth: 0 }).replace(/^(#.*\n)\n/, '$1')).join('---\n');
  return { policies, yaml, scope, expectedPairs, workloads, unplaced };
}
