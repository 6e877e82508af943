// Load + controllers at scale (issue 2): 10,000 pods / 2,000 Services / 500 namespaces written as block-style YAML
// files, read from disk by Cluster.load — parsing, validation, defaulting, workloads, scheduling + IPAM, Service
// allocation and EndpointSlices. Target: under 2 s on a 2-core machine.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { Cluster } from '../src/cluster/cluster.js';
import { machineLine, peakRssMiB, percentile, timeOnce, type Bench } from './harness.js';
import { syntheticObjects } from './synthetic.js';

const SCALE = { pods: 10_000, services: 2_000, namespaces: 500, policies: 0, nodes: 100 };
const RUNS = 5;

/** One file per namespace (plus the ClusterConfig), block-style YAML as people write it. */
function writeManifests(dir: string): { files: number; bytes: number } {
  const byNamespace = new Map<string, unknown[]>();
  for (const o of syntheticObjects(SCALE)) {
    const ns = (o.metadata.namespace as string | undefined) ?? (o.kind === 'Namespace' ? o.metadata.name : '_cluster');
    let list = byNamespace.get(ns);
    if (!list) byNamespace.set(ns, (list = []));
    list.push(o);
  }
  let bytes = 0;
  mkdirSync(dir, { recursive: true });
  for (const [ns, objs] of byNamespace) {
    const text = objs.map((o) => stringify(o)).join('---\n');
    bytes += text.length;
    writeFileSync(join(dir, `${ns}.yaml`), text);
  }
  return { files: byNamespace.size, bytes };
}

const bench: Bench = {
  name: 'load',
  async run() {
    const dir = mkdtempSync(join(tmpdir(), 'podnet-bench-load-'));
    try {
      const { files, bytes } = writeManifests(dir);
      const [first, coldMs] = timeOnce(() => Cluster.load([dir]));
      const errors = first.diagnostics.filter((d) => d.level === 'error');
      if (errors.length > 0) throw new Error(`synthetic cluster has errors: ${errors[0].message}`);
      const pods = first.pods().length;
      const services = first.services().length;
      const slices = first.endpointSlices().length;
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) times.push(timeOnce(() => Cluster.load([dir]))[1]);
      const median = percentile(times, 50);
      return [
        '## load: manifests to cluster state (issue 2)',
        '',
        `What: \`Cluster.load([dir])\` over ${files} YAML files (${(bytes / 2 ** 20).toFixed(1)} MiB, block style) holding`,
        `${SCALE.namespaces} namespaces, ${SCALE.services} Deployments of 5 replicas and ${SCALE.services} Services on ${SCALE.nodes} nodes —`,
        'parse, validate, default, expand workloads, schedule + IPAM, allocate Services, compute EndpointSlices.',
        `Result: ${pods} pods (with built-ins), ${services} Services, ${slices} EndpointSlices.`,
        '',
        `Machine: ${machineLine()}.`,
        '',
        '| figure | value |',
        '|---|---|',
        `| first load (cold JIT) | ${coldMs.toFixed(0)} ms |`,
        `| median of ${RUNS} further loads | ${median.toFixed(0)} ms (min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)}) |`,
        `| peak RSS of the bench process | ${peakRssMiB().toFixed(0)} MiB |`,
        `| target | < 2000 ms: ${median < 2000 ? 'met' : 'NOT met'} |`,
        '',
        'No peer: the figure is against the issue\'s target.',
      ].join('\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default bench;
