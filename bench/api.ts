// The lab's Kubernetes API under kubectl: `kubectl get pods -A` end to end on a 10,000-pod lab (kubectl's discovery
// from its cache, the list in 500-object chunks as kubectl pages it, server-side Tables, printing), and how long a
// watch takes to show a pod applied through kubectl (the change rebuilt through the engine, then the watch event);
// and podnet reading the same API as a live cluster (`podnet snapshot`, `get --context`) against reading its dump.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { PassThrough } from 'node:stream';
import { startLab } from '../src/cli/up.js';
import { machineLine, percentile, peakRssMiB, type Bench } from './harness.js';
import { syntheticText } from './synthetic.js';

/** PODNET_BENCH_API_PODS makes a smaller run (a quick check of the bench itself). */
const PODS = Number(process.env.PODNET_BENCH_API_PODS ?? 10_000);
const RUNS = 5;
const KUBECTL = '/usr/bin/kubectl';

function kubectl(env: NodeJS.ProcessEnv, args: string[]): Promise<{ ms: number; out: string; err: string; code: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const c = spawn(KUBECTL, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (err += d));
    c.on('close', (code) => resolve({ ms: performance.now() - t0, out, err, code: code ?? -1 }));
  });
}

/** Polls until `cond` holds; a bench never waits forever: after `ms` it fails saying what it waited for. */
async function waitFor(cond: () => boolean, ms: number, what: () => string): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out after ${ms / 1000} s waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

const PODNET = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'podnet');

function podnet(env: NodeJS.ProcessEnv, args: string[]): Promise<{ ms: number; out: string; code: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [PODNET, ...args], { env, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.on('close', (code) => resolve({ ms: performance.now() - t0, out, code: code ?? -1 }));
  });
}

const bench: Bench = {
  name: 'api',
  async run() {
    if (!existsSync(KUBECTL)) return `## api — kubectl against the lab\n\nNot measured: ${KUBECTL} is not installed.`;
    const dir = mkdtempSync(join(tmpdir(), 'podnet-api-bench-'));
    writeFileSync(join(dir, 'cluster.yaml'), syntheticText({ pods: PODS, namespaces: 50, services: 500, policies: 200, nodes: 100, seed: 11 }));
    const quiet = { out: new PassThrough(), err: new PassThrough() };
    // The lab's listeners are unref'd; this keeps the process alive while it starts.
    const alive = setInterval(() => undefined, 1000);
    const t0 = performance.now();
    const running = await startLab({ filename: [dir], uiPort: '0', dnsPort: '0', httpPort: '0', httpsPort: '0', apiPort: '0', grace: '0' }, quiet, { quiet: true, nodePortsAtNodePort: false, stateDir: join(dir, 'state') });
    const startMs = performance.now() - t0;
    const env = { PATH: process.env.PATH, HOME: dir, KUBECONFIG: running.kubeconfigPath };
    try {
      const pods = running.lab.snapshot.cluster.pods().length;
      await kubectl(env, ['api-resources']); // fills kubectl's discovery cache, as any earlier command would
      const lists: number[] = [];
      let lines = 0;
      for (let i = 0; i < RUNS; i++) {
        const r = await kubectl(env, ['get', 'pods', '-A']);
        if (r.code !== 0) throw new Error(`kubectl get pods -A exited ${r.code}`);
        lines = r.out.split('\n').length - 2;
        lists.push(r.ms);
      }
      const json = await kubectl(env, ['get', 'pods', '-A', '-o', 'json']);
      const ns = 'ns-0000';
      const w = spawn(KUBECTL, ['get', 'pods', '-n', ns, '-w', '--no-headers'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let seen = '';
      w.stdout.on('data', (d) => (seen += d));
      let watchErr = '';
      w.stderr.on('data', (d) => (watchErr += d));
      await waitFor(() => seen.includes('\n'), 120_000, () => `kubectl get -w's first row (stderr: ${watchErr})`);
      const applyTimes: number[] = [];
      const eventTimes: number[] = [];
      for (let i = 0; i < 3; i++) {
        const f = join(dir, `extra-${i}.yaml`);
        writeFileSync(f, `apiVersion: v1\nkind: Pod\nmetadata: {name: watched-${i}, namespace: ${ns}}\nspec: {containers: [{name: c, image: agnhost}]}\n`);
        const t1 = performance.now();
        let snapshotAt = 0;
        const off = running.lab.onSnapshot(() => { snapshotAt = performance.now(); });
        let outcome = '(kubectl apply still running)';
        const applied = kubectl(env, ['apply', '-f', f]).then((r) => { outcome = `kubectl apply exited ${r.code}: ${r.out}${r.err}`; return r; });
        await waitFor(() => seen.includes(`watched-${i} `), 300_000, () => `watched-${i} in kubectl get -w (${outcome}; the watch printed: ${seen.slice(-300)}; stderr: ${watchErr})`);
        const shown = performance.now();
        off();
        await applied;
        applyTimes.push(shown - t1);
        eventTimes.push(shown - snapshotAt);
      }
      w.kill();
      // podnet against the same API as against a cluster: every modelled kind listed with @kubernetes/client-node,
      // then the engine; and the same command on the dump that `podnet snapshot` wrote (the cost of reading live).
      const snap = await podnet(env, ['snapshot', '-o', 'json']);
      if (snap.code !== 0) throw new Error(`podnet snapshot exited ${snap.code}`);
      const dump = join(dir, 'snapshot.json');
      writeFileSync(dump, snap.out);
      const liveRuns: number[] = [];
      const fileRuns: number[] = [];
      for (let i = 0; i < 3; i++) {
        const a = await podnet(env, ['get', 'pods', '-A', '-o', 'name', '--context', 'podnet']);
        const b = await podnet(env, ['get', 'pods', '-A', '-o', 'name', '-f', dump]);
        if (a.code !== 0 || b.code !== 0 || a.out !== b.out) throw new Error('podnet get pods -A: live and dump answers differ');
        liveRuns.push(a.ms);
        fileRuns.push(b.ms);
      }
      const live = percentile(liveRuns, 50);
      const file = percentile(fileRuns, 50);
      return [
        `## api — kubectl against the lab's Kubernetes API (${PODS.toLocaleString('en-US')} pods)`,
        '',
        `Synthetic cluster (bench/synthetic.ts, seed 11): ${pods} pods in 50 namespaces, 500 Services, 200 NetworkPolicies, 100 nodes; lab started with its Kubernetes API in ${(startMs / 1000).toFixed(1)} s. ` +
          `kubectl v1.32 runs as a separate process over HTTPS with a client certificate, its discovery cached (as after any first command).`,
        '',
        `Machine: ${machineLine()}`,
        '',
        '| figure | median | min | max |',
        '|---|---|---|---|',
        `| \`kubectl get pods -A\` end to end (${lines} rows, ${Math.ceil(lines / 500)} chunks of 500, server-side Tables) | ${percentile(lists, 50).toFixed(0)} ms | ${Math.min(...lists).toFixed(0)} ms | ${Math.max(...lists).toFixed(0)} ms |`,
        `| \`kubectl get pods -A -o json\` (${(json.out.length / 2 ** 20).toFixed(1)} MiB) | ${json.ms.toFixed(0)} ms | | |`,
        `| \`kubectl apply -f pod.yaml\` until \`kubectl get -w\` prints it (rebuild of the ${PODS.toLocaleString('en-US')}-pod snapshot included) | ${percentile(applyTimes, 50).toFixed(0)} ms | ${Math.min(...applyTimes).toFixed(0)} ms | ${Math.max(...applyTimes).toFixed(0)} ms |`,
        `| new snapshot swapped in → the watch's row printed | ${percentile(eventTimes, 50).toFixed(0)} ms | ${Math.min(...eventTimes).toFixed(0)} ms | ${Math.max(...eventTimes).toFixed(0)} ms |`,
        `| peak RSS of the lab process | ${peakRssMiB().toFixed(0)} MiB | | |`,
        `| \`podnet snapshot -o json\` (every modelled kind through @kubernetes/client-node, ${(snap.out.length / 2 ** 20).toFixed(1)} MiB) | ${snap.ms.toFixed(0)} ms | | |`,
        `| \`podnet get pods -A -o name --context podnet\` (list + engine) | ${live.toFixed(0)} ms | ${Math.min(...liveRuns).toFixed(0)} ms | ${Math.max(...liveRuns).toFixed(0)} ms |`,
        `| the same with \`-f snapshot.json\` | ${file.toFixed(0)} ms | ${Math.min(...fileRuns).toFixed(0)} ms | ${Math.max(...fileRuns).toFixed(0)} ms |`,
        '',
        `Ratio: reading the live cluster costs **${(live / file).toFixed(2)}×** reading its dump from a file (podnet processes, each with its own Node start-up and engine build).`,
        '',
        ...(PODS < 10_000 ? [`Why ${PODS.toLocaleString('en-US')} and not 10,000 pods: the lab's virtual pods hold a loopback socket per pod port, and at 10,000 synthetic pods the first write through the API reached this machine's open-files limit (\`ulimit -n\` 20000): \`kubectl apply\` answered \`Error from server (InternalError): … listen EMFILE: too many open files\`. Listing 10,000 pods works; writing to such a lab needs a higher limit (or the kernel realisation).`, ''] : []),
        'Peer: none measured (no real cluster of this size runs here). For scale: the Kubernetes API call latency SLO (sig-scalability, api_call_latency.md) allows p99 ≤ 30 s for a cluster-scoped LIST, measured in the API server and without kubectl\'s printing.',
      ].join('\n');
    } finally {
      clearInterval(alive);
      await running.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default bench;
