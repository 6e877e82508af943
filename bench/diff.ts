// bench diff: `podnet diff` between two 10,000-pod sides (bench/synthetic.ts, seed 1): the after side drops a
// default-deny, adds a NetworkPolicy that opens a port range to the internet, scales a Deployment, adds a Service and
// changes a Service's ports. Measured: the engine's diff (compiling both policy models, connectivity by equivalence
// class, exposure, Services, DNS, routes, mesh, findings) — the loads and controllers are reported apart.
import { performance } from 'node:perf_hooks';
import type { KubeObject } from '../src/api/types.js';
import type { LoadedObject } from '../src/api/load.js';
import { Cluster } from '../src/cluster/cluster.js';
import { diffClusters } from '../src/diff/index.js';
import { machineLine, peakRssMiB, type Bench } from './harness.js';
import { policyModelOf } from '../src/policy/index.js';
import { syntheticObjects } from './synthetic.js';

const SIZE = { pods: 10_000, namespaces: 500, services: 2_000, policies: 2_000, nodes: 100 };

type Obj = Record<string, any>;

/** The after side: the same manifests with five edits a pull request might make. */
export function editedObjects(objs: readonly KubeObject[]): KubeObject[] {
  const out = objs.map((o) => structuredClone(o) as Obj);
  const firstDeny = out.findIndex((o) => o.kind === 'NetworkPolicy' && JSON.stringify(o.spec) === JSON.stringify({ podSelector: {}, policyTypes: ['Ingress'] }));
  out.splice(firstDeny, 1);
  out.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'open-metrics', namespace: 'ns-0001' }, spec: { podSelector: { matchLabels: { tier: 'api' } }, ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 9100, endPort: 9200 }] }] } });
  const dep = out.find((o) => o.kind === 'Deployment' && o.metadata.name === 'app-1999')!;
  dep.spec.replicas = 8;
  const svc = out.find((o) => o.kind === 'Service' && o.metadata.name === 'svc-3')!;
  svc.spec.ports = [...svc.spec.ports, { name: 'admin', port: 9443, targetPort: 9443 }];
  out.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'public', namespace: 'ns-0002' }, spec: { type: 'NodePort', selector: { app: 'app-2' }, ports: [{ port: 80, targetPort: 8080 }] } });
  return out as KubeObject[];
}

const build = (objs: readonly KubeObject[]) => Cluster.build(objs.map((object, i): LoadedObject => ({ object, source: { file: '<synthetic>', line: i + 1 } })));

const bench: Bench = {
  name: 'diff',
  async run() {
    const objs = syntheticObjects({ ...SIZE, seed: 1 });
    const t0 = performance.now();
    const before = build(objs);
    const after = build(editedObjects(objs));
    const loadMs = performance.now() - t0;
    const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
    const t1 = performance.now(), c1 = cpu();
    policyModelOf(before);
    policyModelOf(after);
    const t2 = performance.now(), c2 = cpu();
    const d = diffClusters(before, after);
    const t3 = performance.now(), c3 = cpu();
    const compileMs = t2 - t1, restMs = t3 - t2, diffMs = t3 - t1, diffCpu = c3 - c1;
    const s = d.summary;
    const pods = [before.pods().length, after.pods().length];
    return [
      '## diff: `podnet diff` between two 10,000-pod sides',
      '',
      `Machine: ${machineLine()}.`,
      '',
      `Sides: bench/synthetic.ts (seed 1), ${pods[0].toLocaleString('en')} and ${pods[1].toLocaleString('en')} pods in 500 namespaces, 2,000 Services, 2,000 NetworkPolicies; the after side drops a default-deny, adds a policy opening 9100-9200/TCP to 0.0.0.0/0, scales a Deployment from 5 to 8, adds a NodePort Service and a port to another.`,
      '',
      '| step | time | target |',
      '|---|---|---|',
      `| load + controllers, both sides (not part of the target) | ${(loadMs / 1000).toFixed(2)} s | |`,
      `| compile both policy models (4,500 equivalence classes each) | ${(compileMs / 1000).toFixed(2)} s | |`,
      `| diffClusters on them: connectivity by class, exposure, Services, DNS, routes, mesh, findings | ${(restMs / 1000).toFixed(2)} s | |`,
      `| **the diff, wall time** (compile + diffClusters) | **${(diffMs / 1000).toFixed(2)} s** | < 5 s ${diffMs < 5000 ? '✓' : '✗'} |`,
      `| the diff, CPU time of the process (user + system, GC included) | ${(diffCpu / 1000).toFixed(2)} s | |`,
      `| peak RSS of the whole run | ${peakRssMiB().toFixed(0)} MiB | |`,
      '',
      `Found: ${s.newlyAllowed} workload pairs newly allowed, ${s.newlyDenied} newly denied, ${s.portsChanged} with changed ports; ${s.newExposure} new exposures, ${s.services} Service changes, ${s.dns} DNS changes, ${s.findingsAdded} new findings, ${s.findingsRemoved} gone.`,
      '',
      'Peer: none packaged (np-guard\'s connectivity diff is a Go tool, not in apt). Never a pod × pod expansion: connectivity is computed per equivalence class and probe port, folded to workloads.',
    ].join('\n');
  },
};

export default bench;
