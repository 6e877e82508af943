// The live lab's start time: `podnet up` on a synthetic 1,000-pod cluster (bench/synthetic.ts written to YAML files),
// from reading the files to every server listening (cluster DNS, ingress proxies, NodePorts, one virtual pod per pod
// port), then one apply (a change rebuilt through the engine, new pods listening, old ones draining). Target: < 2 s.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Lab } from '../src/serve/lab.js';
import { ManifestSet } from '../src/serve/lab/snapshot.js';
import { machineLine, percentile, type Bench } from './harness.js';
import { syntheticText } from './synthetic.js';

const PODS = 1000;
const RUNS = 3;

const bench: Bench = {
  name: 'lab',
  async run() {
    const dir = mkdtempSync(join(tmpdir(), 'podnet-lab-bench-'));
    writeFileSync(join(dir, 'cluster.yaml'), syntheticText({ pods: PODS, namespaces: 20, services: 200, policies: 100, nodes: 8, seed: 7 }));
    const starts: number[] = [];
    const applies: number[] = [];
    let servers = 0;
    let pods = 0;
    try {
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        const lab = await Lab.start({ paths: [dir], dnsPort: 0, httpPort: 0, httpsPort: 0, nodePortsAtNodePort: false, graceMs: 100 });
        starts.push(performance.now() - t0);
        servers = lab.fleet.size;
        pods = lab.snapshot.cluster.pods().length;
        const ns = (lab.snapshot.cluster.namespaces()[0] as { metadata: { name: string } }).metadata.name;
        const change = `apiVersion: v1\nkind: Pod\nmetadata: {name: bench-extra, namespace: ${ns}, labels: {app: extra}}\nspec:\n  containers: [{name: c, image: agnhost, ports: [{containerPort: 8080}]}]\n`;
        const t1 = performance.now();
        await lab.apply(ManifestSet.parse(change, '<bench>').objects);
        applies.push(performance.now() - t1);
        await lab.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const med = percentile(starts, 50);
    return [
      '## lab — `podnet up` on 1,000 pods',
      '',
      `Synthetic cluster (bench/synthetic.ts, seed 7): ${pods} pods in 20 namespaces, 200 Services, 100 NetworkPolicies, 8 nodes, read from one YAML file. ` +
        `Start = reading the manifests, running the controllers, compiling DNS, and every server listening on 127.0.0.1 (${servers} virtual pod ports, cluster DNS UDP+TCP, ingress proxies, NodePort/LoadBalancer ports). ` +
        `Apply = one new Pod through the lab's apply path (new snapshot through the engine, new pod listening, DNS swapped). ${RUNS} runs in one process.`,
      '',
      `Machine: ${machineLine()}`,
      '',
      '| figure | median | min | max |',
      '|---|---|---|---|',
      `| start (1,000 pods) | ${med.toFixed(0)} ms | ${Math.min(...starts).toFixed(0)} ms | ${Math.max(...starts).toFixed(0)} ms |`,
      `| apply one Pod | ${percentile(applies, 50).toFixed(0)} ms | ${Math.min(...applies).toFixed(0)} ms | ${Math.max(...applies).toFixed(0)} ms |`,
      '',
      `Target < 2,000 ms: ${med < 2000 ? 'met' : 'NOT met'} (${(med / 2000 * 100).toFixed(0)}% of the budget). Peer: none measured — a real cluster of this size (kind, k3d) takes minutes to schedule and start 1,000 pods, and none is installed here.`,
    ].join('\n');
  },
};

export default bench;
