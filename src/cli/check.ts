// `podnet check --from A --to B --port P`: may A open a connection to B? With the reasons (which policies, which
// rules), a JSON contract for tools, and `--expect allow|deny` for CI gates. Semantics live in src/policy.
import { listSome } from '../util/text.js';
import type { Command } from 'commander';
import { compilePolicies, check, PolicyQueryError, type CheckResult, type Protocol, type Verdict } from '../policy/index.js';
import { CliExit, loadCluster, printDiagnostics, withManifestOptions, type IO, type ManifestOptions } from './common.js';
import { meshCheck, meshLayer, type MeshCheck } from './mesh.js';

interface CheckOptions extends ManifestOptions {
  from?: string;
  to?: string;
  port?: string;
  protocol?: string;
  output: string;
  expect?: string;
  method?: string;
  path: string;
  header: string[];
}

export function registerCheck(program: Command, io: IO): void {
  withManifestOptions(program.command('check').description('may one pod (or IP, workload, Service) connect to another? the verdict and the policies behind it'))
    .requiredOption('--from <target>', 'source: NAMESPACE/POD, an IP, NAMESPACE/deploy/NAME (sts, ds, rs, job) or NAMESPACE/svc/NAME')
    .requiredOption('--to <target>', 'destination, in the same forms (a Service means its ready endpoints)')
    .option('--port <port>', 'destination port: a number or a container port name (for a Service: one of its ports)')
    .option('--protocol <protocol>', 'TCP, UDP or SCTP (default TCP, or the Service port\'s)')
    .option('-o, --output <format>', 'text or json', 'text')
    .option('--expect <verdict>', 'allow or deny: exit 1 when the verdict differs (for CI)')
    .option('--method <method>', 'service mesh L7: an HTTP request with this method (none = plain TCP)')
    .option('--path <path>', 'service mesh L7: the HTTP path', '/')
    .option('--header <name:value>', 'service mesh L7: a request header (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .addHelpText('after', CHECK_HELP)
    .action((opts: CheckOptions) => {
      if (!['text', 'json'].includes(opts.output)) fail(io, `unknown output format "${opts.output}": use text or json`);
      if (opts.expect !== undefined && !['allow', 'deny'].includes(opts.expect)) fail(io, `--expect must be allow or deny, not "${opts.expect}"`);
      const protocol = opts.protocol?.toUpperCase();
      if (protocol !== undefined && !['TCP', 'UDP', 'SCTP'].includes(protocol)) fail(io, `unknown protocol "${opts.protocol}": use TCP, UDP or SCTP`);
      const cluster = loadCluster(opts, io, { quietWarnings: true });
      const model = compilePolicies(cluster);
      printDiagnostics(model.diagnostics.filter((d) => d.level === 'error'), io.err);
      let result: CheckResult;
      try {
        result = check(model, { from: opts.from!, to: opts.to!, port: opts.port, protocol: protocol as Protocol | undefined });
      } catch (e) {
        if (e instanceof PolicyQueryError) fail(io, e.message);
        throw e;
      }
      // With a service mesh (or --method), the mesh's verdict (mTLS, authorization, route) joins NetworkPolicy's.
      let mesh: MeshCheck | undefined;
      try {
        mesh = meshCheck(cluster, { from: opts.from!, to: opts.to!, port: opts.port, method: opts.method, path: opts.path, header: opts.header }, result.targets[0]);
      } catch (e) {
        fail(io, (e as Error).message);
      }
      const allowed = result.allowed && (mesh?.allowed ?? true);
      const shown = mesh ? { ...result, allowed, mesh } : result;
      if (opts.output === 'json') io.out.write(JSON.stringify(shown, null, 2) + '\n');
      else io.out.write(formatCheck(opts.from!, opts.to!, result, mesh));
      if (opts.expect !== undefined && (opts.expect === 'allow') !== allowed) {
        io.err.write(`error: expected ${opts.expect}, but the connection is ${allowed ? 'allowed' : 'denied'}\n`);
        throw new CliExit(1);
      }
    });
}

function fail(io: IO, message: string): never {
  io.err.write(`error: ${message}\n`);
  throw new CliExit(1);
}

const flow = (v: Verdict) => `${v.to} on ${v.port}/${v.protocol}${v.portName ? ` (${v.portName})` : ''}`;

function listed(keys: string[]): string {
  return listSome([...new Set(keys)], 4);
}

const CHECK_HELP = `
The first line is the verdict and, for a denial, the layer that decided it: NetworkPolicy, AdminNetworkPolicy,
BaselineAdminNetworkPolicy, or the service mesh (its PeerAuthentication, AuthorizationPolicy, VirtualService...).
A connection is allowed only when every layer allows it.

Exit status:
  0  the question was answered, whether the verdict is ALLOWED or DENIED
  1  bad input (flags, a pod or Service that does not exist, a path that does not exist),
     or, with --expect, a verdict other than the one expected
Only --expect turns a verdict into an exit code.

Examples:
  podnet check -f examples/shop --from production/deploy/frontend --to production/svc/backend --port 8080
  podnet check -f k8s/ --from x/a --to 10.96.0.10 --port 53 --protocol UDP --expect allow -o json
`;

/** The NetworkPolicy-family layers that denied some connection: each denying direction's decidedBy, in order. */
function denyingLayers(r: CheckResult): string {
  const layers = new Set<string>();
  for (const v of r.targets) for (const d of [v.egress, v.ingress]) if (!d.allowed) layers.add(d.decidedBy);
  return [...layers].join(' and ');
}

/**
 * Text for people: one verdict first, naming the layer that decided a denial, then why, per direction (and the mesh's
 * part). Several pods (a workload, a Service's endpoints) are grouped by their reasons, so six identical connections
 * read as one.
 */
export function formatCheck(from: string, to: string, r: CheckResult, mesh?: MeshCheck): string {
  let s = '';
  const meshDenies = r.allowed && mesh !== undefined && !mesh.allowed;
  const verdict = meshDenies ? `DENIED by the service mesh (${meshLayer(mesh)})` : r.allowed ? 'ALLOWED' : `DENIED by ${denyingLayers(r)}`;
  if (r.targets.length === 1) {
    const v = r.targets[0];
    s += meshDenies
      ? `${verdict}: ${v.from} cannot connect to ${flow(v)}; NetworkPolicy allows it.\n`
      : `${verdict}: ${v.from} ${v.allowed ? 'can' : 'cannot'} connect to ${flow(v)}.\n`;
    s += `  egress:  ${v.egress.reason}\n`;
    s += `  ingress: ${v.ingress.reason}\n`;
  } else {
    const denied = r.targets.filter((v) => !v.allowed).length;
    const ports = [...new Set(r.targets.map((v) => `${v.port}/${v.protocol}`))].join(', ');
    s += meshDenies
      ? `${verdict}: ${from} cannot connect to ${to} (${ports}); NetworkPolicy allows all ${r.targets.length} connections.\n`
      : r.allowed
        ? `ALLOWED: all ${r.targets.length} connections from ${from} to ${to} (${ports}) are allowed.\n`
        : `${verdict}: ${denied} of ${r.targets.length} connections from ${from} to ${to} (${ports}) are denied.\n`;
    const groups = new Map<string, Verdict[]>();
    for (const v of r.targets) {
      const k = `${v.allowed}\u0000${v.egress.summary}\u0000${v.ingress.summary}`;
      groups.set(k, [...(groups.get(k) ?? []), v]);
    }
    for (const g of [...groups.values()].sort((a, b) => Number(a[0].allowed) - Number(b[0].allowed))) {
      const v = g[0];
      if (groups.size > 1) s += `  ${v.allowed ? 'allowed' : 'denied'} (${g.length}): from ${listed(g.map((x) => x.from))} to ${listed(g.map((x) => x.to))}\n`;
      const indent = groups.size > 1 ? '    ' : '  ';
      s += `${indent}egress:  ${v.egress.summary}\n${indent}ingress: ${v.ingress.summary}\n`;
    }
  }
  if (mesh) s += `  mesh:    ${mesh.text}\n`;
  for (const w of r.warnings) s += `warning: ${w}\n`;
  return s;
}
