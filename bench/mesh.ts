// bench mesh: compile an Istio mesh over a 5,000-pod cluster (50 injected namespaces × 10 Deployments × 10 replicas,
// a Service, VirtualService 90/10 and DestinationRule per app, AuthorizationPolicies per app, mesh-wide STRICT) and
// evaluate 10,000 requests (route → subset → endpoint → auto-mTLS → PeerAuthentication → authorization), plus
// `mesh analyze`. No peer: istioctl is not packaged in Debian and needs a live cluster; the figures are absolute.
import { performance } from 'node:perf_hooks';
import { Cluster } from '../src/cluster/cluster.js';
import { analyzeMesh, compileMesh, type MeshRequest } from '../src/mesh/index.js';
import { machineLine, peakRssMiB, percentile, timeOnce, type Bench } from './harness.js';

type Obj = Record<string, unknown>;

function meshCluster(namespaces = 50, perNs = 10, replicas = 10): Cluster {
  const objs: Obj[] = [
    { apiVersion: 'podnet.dev/v1alpha1', kind: 'ClusterConfig', metadata: { name: 'bench' }, spec: { nodeCount: 50 } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-system' } },
    { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default', namespace: 'istio-system' }, spec: { mtls: { mode: 'STRICT' } } },
  ];
  for (let n = 0; n < namespaces; n++) {
    const ns = `ns-${n}`;
    objs.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'istio-injection': 'enabled' } } });
    for (let a = 0; a < perNs; a++) {
      const app = `app-${a}`;
      const next = `app-${(a + 1) % perNs}`;
      for (const [version, count] of [['v1', replicas - 2], ['v2', 2]] as const) {
        objs.push({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `${app}-${version}`, namespace: ns }, spec: { replicas: count, selector: { matchLabels: { app, version } }, template: { metadata: { labels: { app, version } }, spec: { serviceAccountName: app, containers: [{ name: 'main', image: 'app', ports: [{ name: 'http', containerPort: 8080 }] }] } } } });
      }
      objs.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: app, namespace: ns }, spec: { selector: { app }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } });
      objs.push({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: app, namespace: ns }, spec: { hosts: [app], http: [{ match: [{ headers: { 'x-canary': { exact: '1' } } }], route: [{ destination: { host: app, subset: 'v2' } }] }, { route: [{ destination: { host: app, subset: 'v1' }, weight: 90 }, { destination: { host: app, subset: 'v2' }, weight: 10 }], retries: { attempts: 3, retryOn: '5xx' }, timeout: '5s' }] } });
      objs.push({ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: app, namespace: ns }, spec: { host: app, trafficPolicy: { outlierDetection: { consecutive5xxErrors: 5 } }, subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] } });
      objs.push({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: `${next}-from-${app}`, namespace: ns }, spec: { selector: { matchLabels: { app: next } }, rules: [{ from: [{ source: { principals: [`cluster.local/ns/${ns}/sa/${app}`] } }], to: [{ operation: { methods: ['GET', 'POST'], paths: ['/api/*'] } }] }] } });
      objs.push({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: `${app}-deny-admin`, namespace: ns }, spec: { selector: { matchLabels: { app } }, action: 'DENY', rules: [{ to: [{ operation: { paths: ['/admin*'] } }] }] } });
    }
  }
  return Cluster.load({ text: objs.map((o) => JSON.stringify(o)).join('\n---\n') });
}

const bench: Bench = {
  name: 'mesh',
  async run() {
    const [cluster, loadMs] = timeOnce(() => meshCluster());
    const [mesh, compileMs] = timeOnce(() => compileMesh(cluster));
    const pods = cluster.pods().filter((p) => p.metadata.namespace !== 'kube-system');
    let seed = 1;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const reqs: MeshRequest[] = [];
    for (let i = 0; i < 10_000; i++) {
      const p = pods[Math.floor(rand() * pods.length)];
      const app = Number(String(p.metadata.labels?.app).slice(4));
      const target = rand() < 0.8 ? `app-${(app + 1) % 10}` : `app-${(app + 5) % 10}`;
      reqs.push({ from: { kind: 'Pod', namespace: p.metadata.namespace!, name: p.metadata.name }, to: { kind: 'Service', namespace: p.metadata.namespace!, name: target }, port: 80, method: 'GET', path: rand() < 0.1 ? '/admin/x' : '/api/items', random: { weight: rand(), endpoint: rand() } });
    }
    const times: number[] = [];
    let allowed = 0;
    const t0 = performance.now();
    for (const r of reqs) {
      const s = performance.now();
      if (mesh.evaluate(r).allowed) allowed++;
      times.push(performance.now() - s);
    }
    const total = performance.now() - t0;
    const [diags, analyzeMs] = timeOnce(() => analyzeMesh(mesh));
    return [
      '## mesh: Istio evaluation over 5,000 meshed pods',
      '',
      `Cluster: 50 injected namespaces × 10 apps (v1 8 replicas, v2 2) = ${pods.length} pods; per app a Service, a VirtualService (header match + 90/10 split, retries, timeout), a DestinationRule (subsets, outlier detection), an ALLOW and a DENY AuthorizationPolicy; mesh-wide STRICT. 10,000 requests from random pods (80% to the allowed peer, 10% to /admin).`,
      '',
      `Machine: ${machineLine()}.`,
      '',
      '| what | figure |',
      '|---|---|',
      `| load + controllers | ${loadMs.toFixed(0)} ms |`,
      `| compileMesh | ${compileMs.toFixed(0)} ms |`,
      `| evaluate, 10,000 requests | ${total.toFixed(0)} ms (${(10_000 / (total / 1000)).toFixed(0)} requests/s) |`,
      `| evaluate p50 / p99 | ${(percentile(times, 50) * 1000).toFixed(0)} µs / ${(percentile(times, 99) * 1000).toFixed(0)} µs |`,
      `| allowed | ${allowed} of 10,000 |`,
      `| mesh analyze | ${analyzeMs.toFixed(0)} ms, ${diags.length} findings |`,
      `| peak RSS | ${peakRssMiB().toFixed(0)} MiB |`,
      '',
      'No peer: istioctl is not packaged in Debian and analyzes a live cluster, so there is nothing to compare against offline.',
    ].join('\n');
  },
};

export default bench;
