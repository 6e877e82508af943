// How `podnet matrix` prints: the pod table (its JSON contract `{"pods", "allowed"}`, CSV, text) and the aggregated
// table (by workload or namespace). Everything is written row by row through an async writer that waits for the
// stream to drain, so a 20,000-pod matrix (gigabytes of JSON) streams in bounded memory.
import { containerPorts, podMatrix, type GroupCell, type GroupMatrix, type PodMatrix, type PodObj, type PolicyModel, type Protocol } from '../policy/index.js';
import { maxOf } from '../util/arrays.js';

export type Write = (chunk: string) => Promise<void>;

/**
 * The rows of a pod matrix as JSON arrays of true/false, one string per row. Pods of one class share a row but for
 * their own cell (a pod reaches itself), so the last class's row is kept and only that cell patched.
 */
function* podRows(m: PodMatrix, would: boolean, yes = 'true', no = 'false', sep = ', '): Generator<string> {
  const n = m.pods.length;
  const exceptional = new Set<number>();
  for (const [i] of m.exceptions()) exceptional.add(i);
  const cell = would ? m.wouldBeAllowed : m.allowed;
  let cached = -1;
  let text = '';
  let offsets = new Int32Array(0);
  for (let i = 0; i < n; i++) {
    if ((!m.enforced && !would) || exceptional.has(i)) {
      let row = '';
      for (let j = 0; j < n; j++) row += (j > 0 ? sep : '') + (cell(i, j) ? yes : no);
      yield row;
      continue;
    }
    const c = m.classOf[i];
    if (c !== cached) {
      const parts: string[] = new Array(n);
      offsets = new Int32Array(n);
      let at = 0;
      for (let j = 0; j < n; j++) {
        const ok = m.classAllowed(c, m.classOf[j]);
        parts[j] = ok ? yes : no;
        offsets[j] = at;
        at += parts[j].length + sep.length;
      }
      text = parts.join(sep);
      cached = c;
    }
    yield m.classAllowed(c, c) ? text : `${text.slice(0, offsets[i])}${yes}${text.slice(offsets[i] + no.length)}`;
  }
}

async function writeRows(write: Write, rows: Iterable<string>, n: number, indent: string): Promise<void> {
  await write('[\n');
  let i = 0;
  for (const row of rows) { await write(`${indent}  [${row}]${i < n - 1 ? ',' : ''}\n`); i++; }
  await write(`${indent}]`);
}

/** `{"pods", "allowed"}` (the contract), plus port, protocol, enforcement, and per-port tables when no port was given. */
export async function writeMatrixJSON(write: Write, model: PolicyModel, m: PodMatrix, namespaces: string[], protocol?: Protocol): Promise<void> {
  const n = m.pods.length;
  await write(`{\n  "pods": ${JSON.stringify(m.pods)},\n  "allowed": `);
  await writeRows(write, podRows(m, false), n, '  ');
  await write(`,\n  "port": ${m.port ?? null},\n  "protocol": ${JSON.stringify(m.protocol ?? null)},\n  "enforced": ${m.enforced},\n  "classes": ${m.classCount}`);
  if (m.hostNetwork.length > 0) await write(`,\n  "hostNetwork": ${JSON.stringify(m.hostNetwork)}`);
  if (!m.enforced) {
    await write(',\n  "wouldBeAllowed": ');
    await writeRows(write, podRows(m, true), n, '  ');
  }
  if (m.port === undefined) {
    const seen = new Map<string, { port: number; protocol: Protocol }>();
    for (const key of m.pods) {
      const pod = model.index.podsByKey.get(key) as PodObj;
      for (const p of containerPorts(pod)) if (protocol === undefined || p.protocol === protocol) seen.set(`${p.containerPort}/${p.protocol}`, { port: p.containerPort, protocol: p.protocol });
    }
    const ports = [...seen.values()].sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
    await write(',\n  "ports": [');
    for (const [k, pp] of ports.entries()) {
      const pm = podMatrix(model, { namespaces, port: pp.port, protocol: pp.protocol });
      await write(`${k > 0 ? ',' : ''}\n    { "port": ${pp.port}, "protocol": "${pp.protocol}", "allowed": `);
      await writeRows(write, podRows(pm, false), n, '    ');
      await write(' }');
    }
    await write(ports.length > 0 ? '\n  ]' : ']');
  }
  await write('\n}\n');
}

const csvQuote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

export async function writeMatrixCSV(write: Write, m: PodMatrix): Promise<void> {
  await write(['from\\to', ...m.pods].map(csvQuote).join(',') + '\n');
  let i = 0;
  for (const row of podRows(m, false, '1', '0', ',')) { await write(`${csvQuote(m.pods[i])},${row}\n`); i++; }
}

export async function writeMatrixTable(write: Write, model: PolicyModel, m: PodMatrix): Promise<void> {
  const n = m.pods.length;
  if (n === 0) { await write('No pods found.\n'); return; }
  const w = String(n).length;
  const host = new Set(m.hostNetwork.map((h) => h.index));
  const names = m.pods.map((p, i) => (host.has(i) ? `${p} (host network)` : p));
  const nameW = maxOf(names.map((p) => p.length));
  const cell = (s: string) => s.padStart(w + 1);
  await write(`Connectivity ${onPort(m)}: row = from, column = to; ✓ allowed, . denied (${n} pods in ${m.classCount} equivalence classes)\n`);
  await write(`${' '.repeat(w + 2 + nameW)}${m.pods.map((_, j) => cell(String(j + 1))).join('')}\n`);
  let allowed = 0;
  for (let i = 0; i < n; i++) {
    let row = '';
    for (let j = 0; j < n; j++) {
      const ok = m.allowed(i, j);
      if (ok && i !== j) allowed++;
      row += cell(ok ? '✓' : '.');
    }
    await write(`${String(i + 1).padStart(w)}  ${names[i].padEnd(nameW)}${row}\n`);
  }
  await write(`${allowed} of ${n * (n - 1)} connections between different pods are allowed.\n`);
  if (m.hostNetwork.length > 0) await write(`note: ${m.hostNetwork.length === 1 ? '1 pod uses' : `${m.hostNetwork.length} pods use`} the host network (${m.hostNetwork.map((h) => `${h.pod} on ${h.node ?? 'no node'}`).join(', ')}): ${m.hostNetwork[0].note}\n`);
  if (!m.enforced) await write(`warning: the CNI (${model.cni}) does not enforce NetworkPolicy, so every connection is allowed; -o json adds "wouldBeAllowed", what an enforcing CNI would do\n`);
}

const onPort = (m: PodMatrix) => (m.port !== undefined ? `on ${m.port}/${m.protocol}` : `on any ${m.protocol ? `${m.protocol} ` : ''}port`);
const jsonCell = (c: GroupCell) => (c === 'partial' ? '"partial"' : c ? 'true' : 'false');

/**
 * The aggregated table as JSON: `{"by", "groups": [{"name", "pods"}], "allowed": [[true | false | "partial"]]}` (a
 * cell is true when every connection between different pods of the two groups is allowed, false when none is), with
 * port, protocol, enforced, classes, podCount, and wouldBeAllowed when the CNI does not enforce.
 */
export async function writeGroupJSON(write: Write, g: GroupMatrix, m: PodMatrix): Promise<void> {
  const n = g.groups.length;
  const rows = function* (would: boolean) { for (let i = 0; i < n; i++) yield g.row(i, would).map(jsonCell).join(', '); };
  await write(`{\n  "by": "${g.by}",\n  "groups": [${g.groups.map((x) => `\n    ${JSON.stringify(x)}`).join(',')}${n ? '\n  ' : ''}],\n  "allowed": `);
  await writeRows(write, rows(false), n, '  ');
  await write(`,\n  "port": ${m.port ?? null},\n  "protocol": ${JSON.stringify(m.protocol ?? null)},\n  "enforced": ${m.enforced},\n  "classes": ${m.classCount},\n  "podCount": ${g.podCount}`);
  if (!m.enforced) {
    await write(',\n  "wouldBeAllowed": ');
    await writeRows(write, rows(true), n, '  ');
  }
  await write('\n}\n');
}

export async function writeGroupCSV(write: Write, g: GroupMatrix): Promise<void> {
  await write(['from\\to', ...g.groups.map((x) => x.name)].map(csvQuote).join(',') + '\n');
  for (let i = 0; i < g.groups.length; i++) await write(`${csvQuote(g.groups[i].name)},${g.row(i).map((c) => (c === 'partial' ? 'partial' : c ? '1' : '0')).join(',')}\n`);
}

export async function writeGroupTable(write: Write, model: PolicyModel, g: GroupMatrix, m: PodMatrix): Promise<void> {
  const n = g.groups.length;
  if (n === 0) { await write('No pods found.\n'); return; }
  const w = String(n).length;
  const names = g.groups.map((x) => `${x.name} (${x.pods})`);
  const nameW = maxOf(names.map((p) => p.length));
  const cell = (s: string) => s.padStart(w + 1);
  const unit = g.by === 'workload' ? 'workloads' : 'namespaces';
  await write(`Connectivity ${onPort(m)} by ${g.by}: row = from, column = to (pods in parentheses); ✓ every connection allowed, ~ some, . none (${g.podCount} pods in ${n} ${unit}, ${m.classCount} equivalence classes)\n`);
  await write(`${' '.repeat(w + 2 + nameW)}${g.groups.map((_, j) => cell(String(j + 1))).join('')}\n`);
  let all = 0, some = 0;
  for (let i = 0; i < n; i++) {
    const cells = g.row(i);
    for (let j = 0; j < n; j++) if (j !== i) { if (cells[j] === true) all++; else if (cells[j] === 'partial') some++; }
    await write(`${String(i + 1).padStart(w)}  ${names[i].padEnd(nameW)}${cells.map((c) => cell(c === 'partial' ? '~' : c ? '✓' : '.')).join('')}\n`);
  }
  await write(`${all} of ${n * (n - 1)} pairs of different ${unit} are allowed in full, ${some} in part.\n`);
  if (!m.enforced) await write(`warning: the CNI (${model.cni}) does not enforce NetworkPolicy, so every connection is allowed; -o json adds "wouldBeAllowed", what an enforcing CNI would do\n`);
}
