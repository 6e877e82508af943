// `podnet test -f PATH --spec FILE [-o table|junit|tap|json]`: runs a ConnectivityTest spec against the model (or
// `--kernel`, or a live cluster with `--context`: exec in its pods) and
// reports each expectation; exit 1 when any fails. `--generate` writes a spec of what holds now. The spec, the
// referees and the reports live in src/conntest; this file reads flags and files and prints.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { formatDiagnostic } from '../api/diagnostics.js';
import { generateSpec, GenerateError } from '../conntest/generate.js';
import { modelReferee } from '../conntest/referee.js';
import { formatJson, formatJUnit, formatTable, formatTap } from '../conntest/report.js';
import { runSpecs } from '../conntest/run.js';
import { loadSpec, MAX_SPEC_BYTES, type ConnectivityTestSpec } from '../conntest/spec.js';
import { Cluster } from '../cluster/cluster.js';
import { clusterReferee, kernelReferee } from '../conntest/kernel-referee.js';
import type { Referee as ProbeReferee } from '../verify/verify.js';
import { KernelReferee, realiseForVerify } from '../realize/referee.js';
import type { KernelLab } from '../realize/realize.js';
import { prepareKernel } from './kernel.js';
import { CliExit, loadCluster, withManifestOptions, type IO, type ManifestOptions } from './common.js';

interface TestOptions extends ManifestOptions {
  spec: string[];
  output: string;
  generate?: boolean;
  out?: string;
  namespace: string[];
  denied: string;
  kernel?: boolean;
  probe: string;
  image?: string;
  podTimeout: string;
}

const FORMATS: Record<string, (r: Awaited<ReturnType<typeof runSpecs>>) => string> = { table: formatTable, junit: (r) => formatJUnit(r), tap: formatTap, json: formatJson };

const TEST_HELP = `
A spec (apiVersion: podnet.dev/v1alpha1, kind: ConnectivityTest) lists named expectations under spec.expectations,
each with one of connectivity, dns, route or mesh, and expect:

  - name: frontend reaches the backend
    connectivity: {from: production/deploy/frontend, to: production/svc/backend, port: 8080}
    expect: allow
  - name: nothing from other namespaces
    connectivity: {from: {namespace: default}, to: {namespace: production, podSelector: {matchLabels: {app: backend}}}, port: 8000-9000}
    expect: deny
  - name: backend resolves
    dns: {from: production/deploy/frontend, name: backend, type: A}
    expect: {records: [10.96.0.20]}
  - name: API route
    route: {url: https://my-app.example.com/api/items, headers: {x-canary: "1"}}
    expect: {backend: production/backend:8080, status: 200}
  - name: mesh identity
    mesh: {from: shop/deploy/frontend, to: shop/svc/reviews, port: 9080, method: GET, path: /}
    expect: {verdict: allow, identity: spiffe://cluster.local/ns/shop/sa/frontend}

With --context, connections, lookups, mesh requests and via URLs (the pod's own lookup, then the connection) are
made from the source pods (in an agnhost ephemeral container podnet adds, or with --probe exec in their own
container), and route requests with curl
from a probe pod podnet creates (and deletes) to the Ingress/Gateway Service's ClusterIP. A live answer names its
backend only when the app says which pod answered (agnhost's /hostname): otherwise the backend is "not observable",
and a mesh identity never is; an expectation on what is not observable fails, saying so.

Exit status: 0 every expectation holds; 1 one fails, or bad input (the spec's errors with file:line:column).
`;

export function registerTest(program: Command, io: IO): void {
  withManifestOptions(program.command('test').description('run a ConnectivityTest spec (connectivity, DNS, routes, mesh) against the cluster model (or --kernel, or a live cluster with --context); exit 1 if any expectation fails'))
    .option('--spec <file>', 'ConnectivityTest spec (repeatable)', (v: string, p: string[]) => [...p, v], [] as string[])
    .option('-o, --output <format>', 'table, junit, tap or json', 'table')
    .option('--generate', 'write a spec of what holds now (every allowed workload pair, a sample of denied ones) instead of running one')
    .option('--out <file>', 'with --generate: write the spec here (default: stdout)')
    .option('-n, --namespace <ns>', 'with --generate: only these namespaces (repeatable)', (v: string, p: string[]) => [...p, v], [] as string[])
    .option('--denied <n>', 'with --generate: how many denied pairs to include', '20')
    .option('--kernel', 'referee: real connections, lookups and route requests in the cluster realised in network namespaces (root; as podnet verify --kernel); no mesh')
    .option('--probe <where>', 'with --context: run the probes in an agnhost ephemeral container added to each source pod (ephemeral, as kubectl debug does) or in the pod\'s own container, whose image must carry agnhost and dig (exec)', 'ephemeral')
    .option('--image <image>', 'with --context: the probe containers\' image (an agnhost mirror)')
    .option('--pod-timeout <s>', 'with --context: how long a probe container (and the routes\' probe pod) may take to run', '120')
    .addHelpText('after', TEST_HELP)
    .action(async (opts: TestOptions) => {
      const fail = (m: string): never => { io.err.write(`error: ${m}\n`); throw new CliExit(1); };
      if (!(opts.output in FORMATS)) fail(`unknown output format "${opts.output}": use table, junit, tap or json`);
      if (opts.kernel && opts.live) fail('--kernel and --context/--kubeconfig are two referees: choose one');
      if (opts.probe !== 'ephemeral' && opts.probe !== 'exec') fail(`--probe must be ephemeral or exec, not "${opts.probe}"`);
      const podTimeout = Number(opts.podTimeout);
      if (!(podTimeout > 0)) fail(`--pod-timeout must be a positive number of seconds, not "${opts.podTimeout}"`);
      if (opts.generate) {
        if (opts.spec.length) fail('--generate writes a spec; give --spec to run one, not both');
        const denied = Number(opts.denied);
        if (!Number.isInteger(denied) || denied < 0) fail(`--denied must be a whole number, not "${opts.denied}"`);
        const cluster = loadCluster(opts, io, { quietWarnings: true });
        let g: ReturnType<typeof generateSpec>;
        try { g = generateSpec(cluster, { denied, namespaces: opts.namespace }); } catch (e) { if (e instanceof GenerateError) return fail(e.message); throw e; }
        if (opts.out) writeFileSync(opts.out, g.yaml); else io.out.write(g.yaml);
        io.err.write(`generate: ${g.allowed} allowed and ${g.denied} of ${g.deniedTotal} denied workload pairs${g.partial ? ` (${g.partial} partly allowed left out)` : ''}${opts.out ? ` written to ${opts.out}` : ''}\n`);
        return;
      }
      if (opts.spec.length === 0) fail('give --spec FILE (a ConnectivityTest), or --generate to write one');
      const specs: ConnectivityTestSpec[] = [];
      let bad = false;
      for (const file of opts.spec) {
        let text: string;
        try {
          text = readFileSync(file === '-' ? 0 : file, 'utf8');
        } catch (e) {
          return fail(`cannot read the spec "${file}": ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'the path does not exist' : (e as Error).message}`);
        }
        if (text.length > MAX_SPEC_BYTES) fail(`the spec "${file}" is larger than ${MAX_SPEC_BYTES} bytes`);
        const loaded = loadSpec(text, file);
        for (const d of loaded.diagnostics) io.err.write(formatDiagnostic(d) + '\n');
        if (loaded.diagnostics.some((d) => d.level === 'error')) bad = true;
        specs.push(...loaded.specs);
      }
      if (bad) fail('the spec is invalid (see above); nothing was run');
      const cluster = loadCluster(opts, io, { quietWarnings: true });
      const result = opts.kernel ? await inKernel(opts, cluster, io, (c, k) => runSpecs(specs, kernelReferee(c, k)))
        : opts.live ? await inCluster(opts, cluster, io, specs.some((sp) => sp.expectations.some((e) => e.type === 'route')), (live, routeClient) => runSpecs(specs, clusterReferee(cluster, live, undefined, { routeClient })))
        : await runSpecs(specs, modelReferee(cluster));
      io.out.write(FORMATS[opts.output](result));
      if (result.failed > 0) throw new CliExit(1);
    });
}

/**
 * A live cluster as the referee: the model is the cluster as listed (the live hook read it), and each connection or
 * lookup is made by exec from the spec's source pod (`/agnhost connect`, `dig`): in an agnhost ephemeral container
 * podnet adds to it (`--probe ephemeral`), or in its own container (`--probe exec`: its image must carry both, as the
 * e2e test image agnhost does; in the lab's kernel mode every pod offers both). Mesh requests are curl from the same
 * place. With route expectations (`routes`), a namespace podnet owns gets one agnhost probe pod to send them from
 * with curl (as `podnet verify --context` makes its probes), deleted at the end, on an error and on Ctrl-C.
 */
async function inCluster<T>(opts: TestOptions, cluster: Cluster, io: IO, routes: boolean, fn: (live: ProbeReferee, routeClient?: string) => Promise<T>): Promise<T> {
  const { KubeClient, isClientError } = await import('../kube/client.js');
  const { LiveReferee, ownContainer, probeContainers, probeNamespace } = await import('../kube/live-referee.js');
  const { AGNHOST_IMAGE, PROBE_CONTAINER_SECONDS, probeNodes, probeSetup } = await import('../kube/probe.js');
  const client = KubeClient.open({ kubeconfig: opts.kubeconfig, context: opts.context });
  const podTimeoutMs = Number(opts.podTimeout) * 1000;
  const suffix = randomBytes(3).toString('hex');
  const name = `podnet-probe-${suffix}`;
  const added: string[] = [];
  const reused: string[] = [];
  const targets = opts.probe === 'exec'
    ? ownContainer(client.context, (key) => { const [ns, pod] = key.split('/'); return cluster.get('Pod', ns, pod); })
    : probeContainers(client, { name, image: opts.image, timeoutMs: podTimeoutMs, added: (t) => added.push(`${t.namespace}/${t.pod}`), reused: (t) => reused.push(`${t.namespace}/${t.pod} (${t.container})`) });
  const setup = routes ? probeSetup(probeNodes(cluster.nodeObjects()), { suffix, pods: 1, image: opts.image }) : undefined;
  const probes = setup && probeNamespace(client, setup, 'test', (l) => io.err.write(`${l}\n`));
  const cleanup = () => probes?.remove() ?? Promise.resolve();
  // What was added to the cluster's pods is said however the run ends: finished, failed or interrupted.
  let told = false;
  const tell = () => {
    if (told) return;
    told = true;
    const shown = (pods: string[]) => pods.slice(0, 10).join(', ') + (pods.length > 10 ? ` and ${pods.length - 10} more` : '');
    if (reused.length) io.err.write(`test: probe containers of an earlier run reused in ${reused.length} pod(s): ${shown(reused)}\n`);
    if (added.length) io.err.write(`test: probe container ${name} (${opts.image ?? AGNHOST_IMAGE}) added to ${added.length} pod(s) of context "${client.context}": ${shown(added)}; ephemeral containers cannot be removed: each ends by itself within ${PROBE_CONTAINER_SECONDS / 3600} h\n`);
  };
  const onSignal = (sig: NodeJS.Signals) => { void cleanup().finally(() => { tell(); process.exit(sig === 'SIGINT' ? 130 : 143); }); };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const sig of signals) process.on(sig, onSignal);
  try {
    let routeClient: string | undefined;
    let targetOf = targets;
    if (setup && probes) {
      io.err.write(`test: ${setup.pods.length} probe pod(s) (${opts.image ?? AGNHOST_IMAGE} netexec) in namespace ${probes.name} of context "${client.context}" for the route expectations\n`);
      const [pod] = setup.pods;
      await probes.create(podTimeoutMs);
      routeClient = `${probes.name}/${pod.metadata.name}`;
      const target = { namespace: probes.name, pod: pod.metadata.name as string, container: pod.spec.containers[0].name as string };
      targetOf = (key) => (key === routeClient ? Promise.resolve(target) : targets(key));
    }
    return await fn(new LiveReferee(client, targetOf), routeClient);
  } catch (e) {
    if (isClientError(e)) { io.err.write(`error: ${e.message}\n`); throw new CliExit(1); }
    throw e;
  } finally {
    for (const sig of signals) process.off(sig, onSignal);
    await cleanup();
    client.close();
    tell();
  }
}

/** Realises the cluster in network namespaces, runs `fn` with the kernel as referee, and always removes what was built. */
async function inKernel<T>(opts: TestOptions, first: Cluster, io: IO, fn: (cluster: Cluster, kernel: KernelReferee) => Promise<T>): Promise<T> {
  const prepared = await prepareKernel(io);
  let lab: KernelLab | undefined;
  const close = () => (lab ? lab.close() : prepared.abandon());
  const onSignal = (sig: NodeJS.Signals) => { void close().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143)); };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const sig of signals) process.on(sig, onSignal);
  try {
    const realised = await realiseForVerify(prepared, (config) => (config ? Cluster.load({ paths: opts.filename, configPath: opts.config, config, lenient: opts.lenient }) : first), (l) => io.err.write(`kernel: ${l}\n`));
    lab = realised.lab;
    io.err.write(`kernel: lab ${lab.prefix.slice(0, -1)} realised: ${lab.namespaces().length} network namespaces\n`);
    return await fn(realised.cluster, new KernelReferee(lab));
  } finally {
    for (const sig of signals) process.off(sig, onSignal);
    await close();
  }
}
