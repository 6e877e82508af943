// `podnet matrix`: the connectivity truth table, rows = sources, columns = destinations. The engine computes it per
// equivalence class of pods (src/policy/matrix.ts); this face only prints (table, JSON contract, CSV).
import type { Command } from 'commander';
import { compilePolicies, podMatrix, type PodMatrix, type PolicyModel, type Protocol } from '../policy/index.js';
import { containerPorts, type PodObj } from '../policy/classes.js';
import { CliExit, loadCluster, printDiagnostics, withManifestOptions, type IO, type ManifestOptions } from './common.js';

interface MatrixCliOptions extends ManifestOptions {
  namespace: string[];
  port?: string;
  protocol?: string;
  output: string;
}

const collect = (v: string, prev: string[]) => [...prev, v];

export function registerMatrix(program: Command, io: IO): void {
  withManifestOptions(program.command('matrix').description('the connectivity truth table between pods (rows: from, columns: to)'))
    .option('-n, --namespace <ns>', 'only pods of this namespace (repeatable; default: every namespace)', collect, [])
    .option('--port <port>', 'destination port number (default: any port; JSON then adds one table per declared container port)')
    .option('--protocol <protocol>', 'TCP, UDP or SCTP (default TCP with --port, any without)')
    .option('-o, --output <format>', 'table, json or csv', 'table')
    .action((opts: MatrixCliOptions) => {
      const fail = (m: string): never => { io.err.write(`error: ${m}\n`); throw new CliExit(1); };
      if (!['table', 'json', 'csv'].includes(opts.output)) fail(`unknown output format "${opts.output}": use table, json or csv`);
      const protocol = opts.protocol?.toUpperCase() as Protocol | undefined;
      if (protocol !== undefined && !['TCP', 'UDP', 'SCTP'].includes(protocol)) fail(`unknown protocol "${opts.protocol}": use TCP, UDP or SCTP`);
      let port: number | undefined;
      if (opts.port !== undefined) {
        if (!/^\d+$/.test(opts.port) || Number(opts.port) < 1 || Number(opts.port) > 65535) fail(`--port must be a number between 1 and 65535 (a matrix spans many pods, so a port name would mean different numbers)`);
        port = Number(opts.port);
      }
      const cluster = loadCluster(opts, io, { quietWarnings: true });
      const known = new Set(cluster.namespaces().map((n) => n.metadata.name));
      for (const ns of opts.namespace) if (!known.has(ns)) fail(`namespaces "${ns}" not found`);
      const model = compilePolicies(cluster);
      printDiagnostics(model.diagnostics.filter((d) => d.level === 'error'), io.err);
      const m = podMatrix(model, { namespaces: opts.namespace, port, protocol });
      if (opts.output === 'json') io.out.write(compactJSON(matrixJSON(model, m, opts.namespace, protocol)) + '\n');
      else if (opts.output === 'csv') io.out.write(matrixCSV(m));
      else io.out.write(matrixTable(model, m));
    });
}

/** `{"pods", "allowed"}` (the contract), plus port, protocol, enforcement, and per-port tables when no port was given. */
export function matrixJSON(model: PolicyModel, m: PodMatrix, namespaces: string[], protocol?: Protocol): Record<string, unknown> {
  const out: Record<string, unknown> = { pods: m.pods, allowed: m.rows(), port: m.port ?? null, protocol: m.protocol ?? null, enforced: m.enforced, classes: m.classCount };
  if (!m.enforced) out.wouldBeAllowed = m.pods.map((_, i) => m.pods.map((__, j) => m.wouldBeAllowed(i, j)));
  if (m.port === undefined) {
    const seen = new Map<string, { port: number; protocol: Protocol }>();
    for (const key of m.pods) {
      const pod = model.index.podsByKey.get(key) as PodObj;
      for (const p of containerPorts(pod)) if (protocol === undefined || p.protocol === protocol) seen.set(`${p.containerPort}/${p.protocol}`, { port: p.containerPort, protocol: p.protocol });
    }
    out.ports = [...seen.values()].sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol)).map((pp) => {
      const pm = podMatrix(model, { namespaces, port: pp.port, protocol: pp.protocol });
      return { port: pp.port, protocol: pp.protocol, allowed: pm.rows() };
    });
  }
  return out;
}

export function matrixCSV(m: PodMatrix): string {
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = [['from\\to', ...m.pods].map(q).join(',')];
  m.pods.forEach((p, i) => lines.push([q(p), ...m.pods.map((_, j) => (m.allowed(i, j) ? '1' : '0'))].join(',')));
  return lines.join('\n') + '\n';
}

export function matrixTable(model: PolicyModel, m: PodMatrix): string {
  const n = m.pods.length;
  if (n === 0) return 'No pods found.\n';
  const on = m.port !== undefined ? `on ${m.port}/${m.protocol}` : `on any ${m.protocol ? `${m.protocol} ` : ''}port`;
  const w = String(n).length;
  const nameW = Math.max(...m.pods.map((p) => p.length));
  const cell = (s: string) => s.padStart(w + 1);
  const lines = [`Connectivity ${on}: row = from, column = to; ✓ allowed, . denied (${n} pods in ${m.classCount} equivalence classes)`];
  lines.push(`${' '.repeat(w + 2 + nameW)}${m.pods.map((_, j) => cell(String(j + 1))).join('')}`);
  m.pods.forEach((p, i) => lines.push(`${String(i + 1).padStart(w)}  ${p.padEnd(nameW)}${m.pods.map((_, j) => cell(m.allowed(i, j) ? '✓' : '.')).join('')}`));
  let allowed = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j && m.allowed(i, j)) allowed++;
  lines.push(`${allowed} of ${n * (n - 1)} connections between different pods are allowed.`);
  if (!m.enforced) lines.push(`warning: the CNI (${model.cni}) does not enforce NetworkPolicy, so every connection is allowed; -o json adds "wouldBeAllowed", what an enforcing CNI would do`);
  return lines.join('\n') + '\n';
}

/** Indented JSON with each matrix row on one line, so a 50-pod table stays readable. */
export function compactJSON(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/\[\s+((?:true|false)(?:,\s+(?:true|false))*)\s+\]/g, (_, inner: string) => `[${inner.split(/,\s+/).join(', ')}]`);
}
