// `podnet matrix`: the connectivity truth table, rows = sources, columns = destinations. The engine computes it per
// equivalence class of pods (src/policy/matrix.ts); this face only prints (table, JSON contract, CSV).
import type { Command } from 'commander';
import { compilePolicies, podMatrix, type PodMatrix, type PolicyModel, type Protocol } from '../policy/index.js';
import { containerPorts, type PodObj } from '../policy/index.js';
import { CliExit, loadCluster, printDiagnostics, withManifestOptions, type IO, type ManifestOptions } from './common.js';
import { maxOf } from '../util/arrays.js';

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
      // Written row by row: a 10,000-pod matrix is hundreds of MB of text, more than one string can hold.
      const write = (chunk: string) => { io.out.write(chunk); };
      if (opts.output === 'json') writeMatrixJSON(write, model, m, opts.namespace, protocol);
      else if (opts.output === 'csv') writeMatrixCSV(write, m);
      else writeMatrixTable(write, model, m);
    });
}

type Write = (chunk: string) => void;

function writeRows(write: Write, n: number, cell: (i: number, j: number) => boolean, indent: string): void {
  write('[\n');
  for (let i = 0; i < n; i++) {
    let row = '';
    for (let j = 0; j < n; j++) row += (j > 0 ? ', ' : '') + (cell(i, j) ? 'true' : 'false');
    write(`${indent}  [${row}]${i < n - 1 ? ',' : ''}\n`);
  }
  write(`${indent}]`);
}

/** `{"pods", "allowed"}` (the contract), plus port, protocol, enforcement, and per-port tables when no port was given. */
export function writeMatrixJSON(write: Write, model: PolicyModel, m: PodMatrix, namespaces: string[], protocol?: Protocol): void {
  const n = m.pods.length;
  write(`{\n  "pods": ${JSON.stringify(m.pods)},\n  "allowed": `);
  writeRows(write, n, m.allowed, '  ');
  write(`,\n  "port": ${m.port ?? null},\n  "protocol": ${JSON.stringify(m.protocol ?? null)},\n  "enforced": ${m.enforced},\n  "classes": ${m.classCount}`);
  if (m.hostNetwork.length > 0) write(`,\n  "hostNetwork": ${JSON.stringify(m.hostNetwork)}`);
  if (!m.enforced) {
    write(',\n  "wouldBeAllowed": ');
    writeRows(write, n, m.wouldBeAllowed, '  ');
  }
  if (m.port === undefined) {
    const seen = new Map<string, { port: number; protocol: Protocol }>();
    for (const key of m.pods) {
      const pod = model.index.podsByKey.get(key) as PodObj;
      for (const p of containerPorts(pod)) if (protocol === undefined || p.protocol === protocol) seen.set(`${p.containerPort}/${p.protocol}`, { port: p.containerPort, protocol: p.protocol });
    }
    const ports = [...seen.values()].sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
    write(',\n  "ports": [');
    ports.forEach((pp, k) => {
      const pm = podMatrix(model, { namespaces, port: pp.port, protocol: pp.protocol });
      write(`${k > 0 ? ',' : ''}\n    { "port": ${pp.port}, "protocol": "${pp.protocol}", "allowed": `);
      writeRows(write, n, pm.allowed, '    ');
      write(' }');
    });
    write(ports.length > 0 ? '\n  ]' : ']');
  }
  write('\n}\n');
}

export function writeMatrixCSV(write: Write, m: PodMatrix): void {
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  write(['from\\to', ...m.pods].map(q).join(',') + '\n');
  m.pods.forEach((p, i) => write([q(p), ...m.pods.map((_, j) => (m.allowed(i, j) ? '1' : '0'))].join(',') + '\n'));
}

export function writeMatrixTable(write: Write, model: PolicyModel, m: PodMatrix): void {
  const n = m.pods.length;
  if (n === 0) { write('No pods found.\n'); return; }
  const on = m.port !== undefined ? `on ${m.port}/${m.protocol}` : `on any ${m.protocol ? `${m.protocol} ` : ''}port`;
  const w = String(n).length;
  const host = new Set(m.hostNetwork.map((h) => h.index));
  const names = m.pods.map((p, i) => (host.has(i) ? `${p} (host network)` : p));
  const nameW = maxOf(names.map((p) => p.length));
  const cell = (s: string) => s.padStart(w + 1);
  write(`Connectivity ${on}: row = from, column = to; ✓ allowed, . denied (${n} pods in ${m.classCount} equivalence classes)\n`);
  write(`${' '.repeat(w + 2 + nameW)}${m.pods.map((_, j) => cell(String(j + 1))).join('')}\n`);
  let allowed = 0;
  m.pods.forEach((_p, i) => {
    let row = '';
    for (let j = 0; j < n; j++) {
      const ok = m.allowed(i, j);
      if (ok && i !== j) allowed++;
      row += cell(ok ? '✓' : '.');
    }
    write(`${String(i + 1).padStart(w)}  ${names[i].padEnd(nameW)}${row}\n`);
  });
  write(`${allowed} of ${n * (n - 1)} connections between different pods are allowed.\n`);
  if (m.hostNetwork.length > 0) write(`note: ${m.hostNetwork.length === 1 ? '1 pod uses' : `${m.hostNetwork.length} pods use`} the host network (${m.hostNetwork.map((h) => `${h.pod} on ${h.node ?? 'no node'}`).join(', ')}): ${m.hostNetwork[0].note}\n`);
  if (!m.enforced) write(`warning: the CNI (${model.cni}) does not enforce NetworkPolicy, so every connection is allowed; -o json adds "wouldBeAllowed", what an enforcing CNI would do\n`);
}
