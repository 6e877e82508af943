// `podnet mesh analyze`: istioctl-analyze-style checks of the mesh configuration (codes PN5xxx, object, file:line).
// `podnet mesh check`: one request through the mesh (client proxy route, mTLS, server authorization), with every why.
// The semantics live in src/mesh; this file only parses options and prints.
import type { Command } from 'commander';
import { clusterFindings, type Finding } from '../findings/index.js';
import { formatSource } from '../api/types.js';
import { codeWithIstio, compileMesh, meshJson, workloadOf, type MeshDecidedBy, type MeshEndpoint, type MeshEvaluation, type MeshModel } from '../mesh/index.js';
import { MACHINE_FORMATS, writeMachineFindings } from './findings-output.js';
import { CliExit, loadCluster, withManifestOptions, type IO, type ManifestOptions } from './common.js';
import { labRequest, labText, labUrl, LabApiError, LabUnreachable } from '../serve/lab/client.js';
import type { ServiceGraph } from '../serve/lab/mesh-telemetry.js';
import { maxOf } from '../util/arrays.js';

interface AnalyzeOptions extends ManifestOptions { output: string; failOn: string; rootNamespace: string; outputThreshold: string }
interface CheckOptions extends ManifestOptions { from?: string; to?: string; port?: string; method?: string; path: string; header: string[]; output: string; rootNamespace: string; expect?: string }

const MESH_CHECK_HELP = `
The first line is the verdict and, in parentheses, the mesh layer that decided it (PeerAuthentication,
AuthorizationPolicy, VirtualService, DestinationRule, RequestAuthentication, Sidecar...) with the HTTP status.

Exit status:
  0  the question was answered, whether the verdict is ALLOWED or DENIED
  1  bad input, or, with --expect, a verdict other than the one expected
Only --expect turns a verdict into an exit code.
`;

const collect = (v: string, prev: string[]) => [...prev, v];

export function registerMesh(program: Command, io: IO): void {
  const mesh = program.command('mesh').description('service mesh (Istio, Linkerd): analyze configuration, check a request');
  const fail = (m: string): never => { io.err.write(`error: ${m}\n`); throw new CliExit(1); };

  withManifestOptions(mesh.command('analyze').description('find mesh configuration problems, like istioctl analyze'))
    .option('-o, --output <format>', 'text, json, sarif (SARIF 2.1.0 for code scanning) or github (workflow annotations)', 'text')
    .option('--fail-on <level>', 'exit 1 when a finding is at least this severe: error, warning or none', 'error')
    .option('--root-namespace <ns>', "Istio's root namespace (mesh-wide policies)", 'istio-system')
    .option('--output-threshold <level>', 'the least severe finding shown: error, warning or info (as istioctl analyze, info is hidden by default)', 'warning')
    .action((opts: AnalyzeOptions) => {
      if (!['text', 'json', ...MACHINE_FORMATS].includes(opts.output)) fail(`unknown output format "${opts.output}": use text, json, sarif or github`);
      const ranks: Record<string, number> = { error: 2, warning: 1, info: 0, none: 99 };
      if (!(opts.failOn in ranks) || opts.failOn === 'info') fail(`--fail-on must be error, warning or none, not "${opts.failOn}"`);
      const threshold = String(opts.outputThreshold).toLowerCase();
      if (!['error', 'warning', 'info'].includes(threshold)) fail(`--output-threshold must be error, warning or info, not "${opts.outputThreshold}"`);
      const cluster = loadCluster(opts, io, { quietWarnings: true });
      const diags = clusterFindings(cluster, { components: ['mesh'], meshRootNamespace: opts.rootNamespace, meshInfo: threshold === 'info' }).filter((d) => ranks[d.level] >= ranks[threshold]);
      if (opts.output === 'json') io.out.write(JSON.stringify({ findings: diags.map(diagJSON), summary: { errors: count(diags, 'error'), warnings: count(diags, 'warning'), info: count(diags, 'info') } }, null, 2) + '\n');
      else if (!writeMachineFindings(opts.output, diags, 'podnet mesh analyze', ['mesh'], io)) io.out.write(formatAnalysis(diags));
      if (diags.some((d) => ranks[d.level] >= ranks[opts.failOn])) throw new CliExit(1);
    });

  withManifestOptions(mesh.command('check').description('one request through the mesh: route, mTLS, authorization'))
    .requiredOption('--from <NS/POD>', 'client pod, NS/deploy/NAME (its first pod) or an IP address')
    .requiredOption('--to <target>', 'NS/svc/NAME (through the Service, auto-mTLS) or NS/POD (pod IP, passthrough)')
    .requiredOption('--port <port>', 'Service port (to a Service) or container port (to a pod)')
    .option('--method <method>', 'HTTP method (none = plain TCP)')
    .option('--path <path>', 'HTTP path', '/')
    .option('--header <name:value>', 'request header (repeatable)', collect, [])
    .option('-o, --output <format>', 'text or json', 'text')
    .option('--root-namespace <ns>', "Istio's root namespace", 'istio-system')
    .option('--expect <verdict>', 'allow or deny: exit 1 when the verdict differs (for CI)')
    .addHelpText('after', MESH_CHECK_HELP)
    .action((opts: CheckOptions) => {
      if (!['text', 'json'].includes(opts.output)) fail(`unknown output format "${opts.output}": use text or json`);
      if (opts.expect !== undefined && !['allow', 'deny'].includes(opts.expect)) fail(`--expect must be allow or deny, not "${opts.expect}"`);
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`--port must be a number between 1 and 65535, not "${opts.port}"`);
      const cluster = loadCluster(opts, io, { quietWarnings: true });
      const model = compileMesh(cluster, { rootNamespace: opts.rootNamespace });
      const from = parseEndpoint(String(opts.from), model, fail);
      const to = parseEndpoint(String(opts.to), model, fail);
      const headers: Record<string, string> = {};
      for (const h of opts.header) {
        const i = h.indexOf(':');
        if (i <= 0) fail(`--header must be name:value, not "${h}"`);
        headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
      }
      let e: MeshEvaluation;
      try {
        e = model.evaluate({ from, to, port, method: opts.method?.toUpperCase(), path: opts.method ? opts.path : undefined, headers });
      } catch (err) {
        return fail((err as Error).message);
      }
      if (opts.output === 'json') io.out.write(JSON.stringify({ allowed: e.allowed, status: e.status ?? null, reason: e.reason, mesh: meshJson(e), source: e.source, destination: e.destination ?? null, clientTls: e.clientTls, peerAuthentication: e.peerAuthentication ?? null, route: e.route ?? null, hops: e.hops }, null, 2) + '\n');
      else io.out.write(formatEvaluation(e));
      if (opts.expect !== undefined && (opts.expect === 'allow') !== e.allowed) {
        io.err.write(`error: expected ${opts.expect}, but the request is ${e.allowed ? 'allowed' : 'denied'}\n`);
        throw new CliExit(1);
      }
    });

  // Telemetry of the running lab (podnet up): what its sidecars reported.
  const fromLab = async <T>(lab: string | undefined, get: (base: string) => Promise<T>): Promise<T> => {
    try { return await get(labUrl(lab)); } catch (e) {
      if (e instanceof LabUnreachable || e instanceof LabApiError) return fail(e.message);
      throw e;
    }
  };
  const LAB_HELP = 'the lab API (default $PODNET_LAB or http://127.0.0.1:7070)';
  mesh.command('metrics').description('the running lab\'s Istio metrics (Prometheus text, as GET /metrics serves them)')
    .option('--lab <url>', LAB_HELP)
    .action(async (opts: { lab?: string }) => { io.out.write(await fromLab(opts.lab, (b) => labText(b, '/metrics'))); });
  mesh.command('spans').description('the running lab\'s trace spans, one per proxy hop, as OpenTelemetry JSON (OTLP)')
    .option('--trace-id <id>', 'one trace (the id `podnet exec ... curl` prints)')
    .option('--limit <n>', 'the most recent N spans')
    .option('--lab <url>', LAB_HELP)
    .action(async (opts: { traceId?: string; limit?: string; lab?: string }) => {
      if (opts.limit !== undefined && !(Number.isInteger(Number(opts.limit)) && Number(opts.limit) > 0)) fail(`--limit must be a positive integer, not "${opts.limit}"`);
      if (opts.traceId !== undefined && !/^[0-9a-f]{32}$/.test(opts.traceId)) fail(`--trace-id must be 32 hex digits, not "${opts.traceId}"`);
      const q = new URLSearchParams({ ...(opts.traceId ? { traceId: opts.traceId } : {}), ...(opts.limit ? { limit: opts.limit } : {}) }).toString();
      const otlp = await fromLab(opts.lab, (b) => labRequest<unknown>(b, 'GET', `/api/telemetry/traces${q ? `?${q}` : ''}`));
      io.out.write(JSON.stringify(otlp, null, 2) + '\n');
    });
  mesh.command('graph').description('the running lab\'s service graph: requests per edge, error ratio, mTLS (like Kiali)')
    .option('--window <seconds>', 'how far back to count', '60')
    .option('-o, --output <format>', 'text or json', 'text')
    .option('--lab <url>', LAB_HELP)
    .action(async (opts: { window: string; output: string; lab?: string }) => {
      if (!['text', 'json'].includes(opts.output)) fail(`unknown output format "${opts.output}": use text or json`);
      const g = await fromLab(opts.lab, (b) => labRequest<ServiceGraph>(b, 'GET', `/api/mesh/graph?window=${encodeURIComponent(opts.window)}`));
      if (opts.output === 'json') { io.out.write(JSON.stringify(g, null, 2) + '\n'); return; }
      io.out.write(formatGraph(g));
    });
}

export function formatGraph(g: ServiceGraph): string {
  if (g.edges.length === 0) return `no mesh requests in the last ${g.windowSeconds} s (try: podnet exec NS/POD -- curl http://SERVICE:PORT/)\n`;
  const name = (id: string) => id.replace(/^(workload|service):/, (_m, k: string) => (k === 'service' ? 'svc/' : ''));
  const rows = g.edges.map((e) => [`${name(e.source)} → ${name(e.target)}`, String(e.requests), e.rps.toFixed(2), `${(e.errorRatio * 100).toFixed(1)}%`, e.mtls, `${e.p50Ms}/${e.p95Ms}`]);
  const head = ['EDGE', 'REQUESTS', 'RPS', 'ERRORS', 'MTLS', 'P50/P95 MS'];
  const widths = head.map((h, i) => Math.max(h.length, maxOf(rows.map((r) => r[i].length))));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('   ');
  return [line(head), ...rows.map(line)].join('\n') + `\n(${g.requests} requests in the last ${g.windowSeconds} s)\n`;
}

const WORKLOAD_WORDS = ['deploy', 'deployment', 'deployments', 'sts', 'statefulset', 'ds', 'daemonset', 'rs', 'replicaset', 'job'];

function parseEndpoint(s: string, model: MeshModel, fail: (m: string) => never): MeshEndpoint {
  if (/^[0-9.]+$/.test(s) || s.includes(':')) return { kind: 'IP', ip: s };
  const parts = s.split('/');
  if (parts.length === 3 && ['svc', 'service', 'services'].includes(parts[1])) return { kind: 'Service', namespace: parts[0], name: parts[2] };
  if (parts.length === 3 && WORKLOAD_WORDS.includes(parts[1])) {
    // A workload stands for its first pod (by name): every replica has the same labels and identity.
    const pod = [...model.pods.values()].filter((p) => p.metadata.namespace === parts[0] && workloadOf(model, p) === parts[2]).sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1))[0];
    if (!pod) return fail(`no pod of ${parts[1]} ${parts[2]} in namespace ${parts[0]}`);
    return { kind: 'Pod', namespace: parts[0], name: pod.metadata.name };
  }
  if (parts.length === 2 && parts[0] && parts[1]) return { kind: 'Pod', namespace: parts[0], name: parts[1] };
  return fail(`"${s}" is not NS/POD, NS/deploy/NAME, NS/svc/NAME or an IP address`);
}

const count = (d: readonly Finding[], level: string) => d.filter((x) => x.level === level).length;

export function diagJSON(d: Finding): Record<string, unknown> {
  return { code: d.code, level: d.level, object: d.object ? `${d.object.kind} ${d.object.namespace ? `${d.object.namespace}/` : ''}${d.object.name}` : null, file: d.source?.file ?? null, line: d.source?.line ?? null, message: d.message, istio: d.istio ?? null };
}

export function formatAnalysis(diags: readonly Finding[]): string {
  if (diags.length === 0) return '✔ No mesh configuration issues found.\n';
  const lines = diags.map((d) => {
    const where = formatSource(d.source);
    const obj = d.object ? `${d.object.kind} ${d.object.namespace ? `${d.object.namespace}/` : ''}${d.object.name}` : '';
    return `${d.level === 'error' ? 'Error' : d.level === 'warning' ? 'Warning' : 'Info'} [${codeWithIstio(d.code, d.istio)}] (${obj}${where ? ` ${where}` : ''}) ${d.message}`;
  });
  const info = count(diags, 'info');
  lines.push(`${count(diags, 'error')} error(s), ${count(diags, 'warning')} warning(s)${info ? `, ${info} info` : ''}`);
  return lines.join('\n') + '\n';
}

/** `PeerAuthentication`, `AuthorizationPolicy, 403`: the mesh layer and status of a mesh verdict. */
export function meshLayer(m: { decidedBy: MeshDecidedBy; status?: number }): string {
  const words: Partial<Record<MeshDecidedBy, string>> = { outlierDetection: 'outlier detection', 'not-in-mesh': 'no mesh proxy', passthrough: 'passthrough' };
  return `${words[m.decidedBy] ?? m.decidedBy}${m.status !== undefined ? `, ${m.status}` : ''}`;
}

export function formatEvaluation(e: MeshEvaluation): string {
  const lines = [`${e.allowed ? 'ALLOWED' : 'DENIED'} (${meshLayer(e)}): ${e.reason}`];
  lines.push(`source: ${e.source.pod ?? e.source.ip} (${e.source.dataPlane}${e.source.identity ? `, ${e.source.identity}` : ''})`);
  if (e.destination) lines.push(`destination: ${e.destination.pod} port ${e.destination.targetPort} (${e.destination.dataPlane})`);
  lines.push(`mTLS: ${e.mtls ? `yes, peer ${e.sourcePrincipal}` : 'no'} (client TLS ${e.clientTls})`);
  lines.push(`authorization: ${e.authz.allowed ? 'allow' : 'deny'}${e.authz.policy ? ` by ${e.authz.action ?? ''} ${e.authz.policy}` : ''}`);
  for (const h of e.hops) {
    lines.push(`${h.proxy} (${h.pod}):`);
    for (const l of h.lines) lines.push(`  ${l}`);
  }
  return lines.join('\n') + '\n';
}

/** `podnet check`'s mesh part: the issue-8 `mesh` JSON plus the verdict and why. */
export interface MeshCheck {
  mtls: boolean;
  sourcePrincipal?: string;
  authz: { allowed: boolean; policy?: string; action?: string };
  allowed: boolean;
  /** The mesh layer that decided (added to the issue-8 contract). */
  decidedBy: MeshDecidedBy;
  status?: number;
  reason: string;
  route?: MeshEvaluation['route'];
  text: string;
}

/**
 * Runs the mesh for `podnet check` when the cluster has a mesh (meshed pods or mesh objects) or --method is given.
 * `--to NS/svc/NAME` goes through the Service (port = a Service port, by number or name); `--to NS/POD` dials the pod.
 * Workload or Service sources use the first source pod the policy check resolved (`first.from`).
 */
export function meshCheck(cluster: import('../cluster/cluster.js').Cluster, q: { from: string; to: string; port?: string; method?: string; path: string; header: string[] }, first: { from: string; to: string; port: number } | undefined): MeshCheck | undefined {
  const mesh = compileMesh(cluster);
  if (!mesh.active && q.method === undefined) return undefined;
  if (!first) return undefined;
  const fromParts = first.from.split('/');
  const from: MeshEndpoint = fromParts.length === 2 ? { kind: 'Pod', namespace: fromParts[0], name: fromParts[1] } : { kind: 'IP', ip: first.from };
  const toParts = q.to.split('/');
  let to: MeshEndpoint;
  let port = first.port;
  if (toParts.length === 3 && ['svc', 'service', 'services'].includes(toParts[1])) {
    to = { kind: 'Service', namespace: toParts[0], name: toParts[2] };
    const svc = cluster.get<Record<string, any>>('Service', toParts[0], toParts[2]);
    const ports: Record<string, any>[] = svc?.spec?.ports ?? [];
    const p = q.port === undefined ? ports[0] : ports.find((x) => String(x.port) === q.port || x.name === q.port);
    if (p) port = p.port;
  } else {
    const t = first.to.split('/');
    to = t.length === 2 ? { kind: 'Pod', namespace: t[0], name: t[1] } : { kind: 'IP', ip: first.to };
  }
  const headers: Record<string, string> = {};
  for (const h of q.header) {
    const i = h.indexOf(':');
    if (i <= 0) throw new Error(`--header must be name:value, not "${h}"`);
    headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
  }
  const e = mesh.evaluate({ from, to, port, method: q.method?.toUpperCase(), path: q.method ? q.path : undefined, headers });
  const j = meshJson(e);
  const text = `${e.allowed ? 'allowed' : 'denied'} (${meshLayer(e)}): ${e.reason}; mTLS ${e.mtls ? `yes (${e.sourcePrincipal})` : 'no'}`;
  return { ...j, allowed: e.allowed, decidedBy: e.decidedBy, status: e.status, reason: e.reason, route: e.route, text };
}
