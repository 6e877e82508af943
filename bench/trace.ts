// bench trace: 10,000 hop-by-hop traces (DNS search walk, kube-proxy endpoint choice, NetworkPolicy egress and
// ingress, CNI encapsulation) over a 10,000-pod synthetic cluster, plus the iptables rule dump for one node.
// The goal is < 1 ms per trace. No peer: no other tool traces a connection through a cluster model offline.
import { performance } from 'node:perf_hooks';
import { Cluster } from '../src/cluster/cluster.js';
import { defaultComponents } from '../src/trace/components.js';
import { trace } from '../src/trace/trace.js';
import { servicesModel } from '../src/services/model.js';
import { renderIptables } from '../src/services/iptables.js';
import { machineLine, peakRssMiB, percentile, timeOnce, type Bench } from './harness.js';

type Obj = Record<string, unknown>;

/** 10,000 pods: 50 namespaces × 10 Deployments × 20 replicas, a Service each, default-deny + app-to-app policies. */
export function datapathCluster(pods = 10_000, namespaces = 50, perNs = 10): Cluster {
  const replicas = Math.ceil(pods / (namespaces * perNs));
  const objs: Obj[] = [{ apiVersion: 'podnet.dev/v1alpha1', kind: 'ClusterConfig', metadata: { name: 'bench' }, spec: { nodeCount: Math.ceil(pods / 100), cni: 'calico' } }];
  for (let n = 0; n < namespaces; n++) {
    const ns = `ns-${n}`;
    objs.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    objs.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny-all', namespace: ns }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } });
    objs.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'allow-dns', namespace: ns }, spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] }] } });
    for (let a = 0; a < perNs; a++) {
      const app = `app-${a}`;
      objs.push({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: app, namespace: ns }, spec: { replicas, selector: { matchLabels: { app } }, template: { metadata: { labels: { app } }, spec: { containers: [{ name: 'main', image: 'nginx:1.27', ports: [{ name: 'http', containerPort: 8080 }] }] } } } });
      objs.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: app, namespace: ns }, spec: { selector: { app }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } });
      // app-a may call app-(a+1) in the same namespace.
      const next = `app-${(a + 1) % perNs}`;
      objs.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: `${app}-to-${next}`, namespace: ns }, spec: { podSelector: { matchLabels: { app } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: next } } }], ports: [{ port: 'http' }] }] } });
      objs.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: `${next}-from-${app}`, namespace: ns }, spec: { podSelector: { matchLabels: { app: next } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { app } } }], ports: [{ port: 'http' }] }] } });
    }
  }
  return Cluster.load({ text: objs.map((o) => JSON.stringify(o)).join('\n---\n') + '\n', textName: 'bench-datapath' });
}

const bench: Bench = {
  name: 'trace',
  async run() {
    const [cluster, loadMs] = timeOnce(() => datapathCluster());
    const pods = cluster.pods().filter((p) => p.metadata.namespace?.startsWith('ns-'));
    const components = defaultComponents();
    // Queries: a pod to its allowed neighbour Service by short name (allowed), and every 4th to a Service it may not call.
    const queries = Array.from({ length: 10_000 }, (_, i) => {
      const pod = pods[(i * 7919) % pods.length];
      const ns = pod.metadata.namespace!;
      const a = Number(pod.metadata.labels!.app.split('-')[1]);
      const target = i % 4 === 3 ? `app-${(a + 5) % 10}` : `app-${(a + 1) % 10}`;
      return { from: `${ns}/${pod.metadata.name}`, to: `http://${target}/`, seed: i };
    });
    const [, warmMs] = timeOnce(() => trace(cluster, { ...queries[0], components }));
    const times: number[] = [];
    let delivered = 0;
    const t0 = performance.now();
    for (const q of queries) {
      const s = performance.now();
      const r = trace(cluster, { ...q, components });
      times.push(performance.now() - s);
      if (r.verdict === 'delivered') delivered++;
    }
    const total = performance.now() - t0;
    const model = servicesModel(cluster);
    const [rules, rulesMs] = timeOnce(() => renderIptables(model, cluster.nodes[0]));
    const mean = total / queries.length;
    return [
      '## trace: hop-by-hop traces over a 10,000-pod cluster',
      '',
      `Machine: ${machineLine()}.`,
      '',
      `Cluster: ${pods.length} pods in 50 namespaces on ${cluster.nodes.length} nodes, ${model.ports.length} service ports, ${cluster.networkPolicies().length} NetworkPolicies (Calico). Each trace resolves a Service name through src/dns (search walk), picks the endpoint as kube-proxy would (seeded), evaluates egress and ingress NetworkPolicy through src/policy and encapsulates between nodes; 1 in 4 is denied by policy.`,
      '',
      '| figure | value |',
      '| --- | --- |',
      `| load + controllers (10,000 pods) | ${loadMs.toFixed(0)} ms |`,
      `| first trace (compiles DNS, policy and service models) | ${warmMs.toFixed(0)} ms |`,
      `| 10,000 traces | ${total.toFixed(0)} ms (${delivered} delivered, ${queries.length - delivered} dropped) |`,
      `| per trace: mean / p50 / p99 | ${mean.toFixed(3)} / ${percentile(times, 50).toFixed(3)} / ${percentile(times, 99).toFixed(3)} ms |`,
      `| iptables-restore text for one node (${rules.split('\n').length} lines) | ${rulesMs.toFixed(0)} ms |`,
      `| peak RSS | ${peakRssMiB().toFixed(0)} MiB |`,
      '',
      `Goal: < 1 ms per trace; measured mean ${mean.toFixed(3)} ms = ${(mean / 1).toFixed(2)}× the goal. Peer: none (no other tool traces a connection through a cluster model offline).`,
    ].join('\n');
  },
};

export default bench;
