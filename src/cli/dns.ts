// `podnet dns [--from NS/POD] NAME`: what a lookup returns in the cluster, from a pod's view (its resolv.conf and
// search list) or absolutely at the cluster DNS. `podnet dns serve`: the same answers as a real DNS server on loopback.
// The semantics live in src/dns; this file only prints.
import { watch, type FSWatcher } from 'node:fs';
import { Option, type Command } from 'commander';
import { Cluster, requireUsableConfig } from '../cluster/cluster.js';
import { PodReferenceError, resolvePodReference } from '../cluster/refs.js';
import { compileDns, formatResolvConf, PodNotFoundError, type DnsLookup, type DnsModel, type DnsRecord } from '../dns/index.js';
import { isValidName, reverseName } from '../dns/index.js';
import { isIP } from 'node:net';
import { DnsServer } from '../serve/dns-server.js';
import { dnsQueryReach, type DnsQueryReach } from '../trace/dns-reach.js';
import { CliExit, loadCluster, printDiagnostics, withManifestOptions, type IO, type ManifestOptions } from './common.js';
import { maxOf } from '../util/arrays.js';

const TYPES = ['A', 'AAAA', 'SRV', 'PTR', 'CNAME', 'TXT', 'NS', 'SOA', 'ANY', 'MX', 'AXFR', 'IXFR'];

interface LookupOptions extends ManifestOptions { from?: string; type: string; output: string; resolver: string; reverse?: string }
interface ServeOptions extends ManifestOptions { address: string; port: string; upstream?: string; watch: boolean }

export function registerDns(program: Command, io: IO): void {
  const dns = withManifestOptions(program.command('dns')
    .description('look a name up in the cluster DNS, from a pod (its resolv.conf and search list) or absolutely')
    .argument('[name]', 'the name to look up (relative names walk the pod\'s search list; a trailing dot makes it absolute)'))
    .option('--from <ns/pod>', 'the pod asking (default: an absolute lookup at the cluster DNS)')
    .addOption(new Option('-t, --type <type>', 'query type (an IP address as NAME asks for its PTR, as dig -x does)').default('A'))
    .option('-x, --reverse <address>', 'reverse lookup, as dig -x: the PTR of the address\'s in-addr.arpa / ip6.arpa name')
    .addOption(new Option('--resolver <flavour>', 'the pod\'s stub resolver').choices(['glibc', 'musl']).default('glibc'))
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json', 'dig']).default('text'))
    .addHelpText('after', '\nExit status: 0 when the lookup returns records, 1 when it does not (NXDOMAIN, NODATA, SERVFAIL, or an upstream\'s answer podnet does not know), 2 on bad input.\n')
    .action((name: string | undefined, opts: LookupOptions, cmd: Command) => lookup(name, opts, io, cmd.getOptionValueSource('type') !== 'default'));

  withManifestOptions(dns.command('serve').description('serve the cluster DNS on loopback (UDP and TCP), answering as CoreDNS would'))
    .option('--address <ip>', 'address to bind (loopback only)', '127.0.0.1')
    .option('--port <port>', 'port (0 picks a free one)', '5353')
    .option('--upstream <ip:port>', 'where forwarded queries really go (default: only loopback upstreams named in the Corefile)')
    .option('--no-watch', 'do not reload when the manifests change')
    .action((opts: ServeOptions, cmd: Command) => {
      // -f/--config after `serve` may be taken by the parent `dns` command (same option names): merge them.
      const parent = cmd.parent?.opts() as Partial<ManifestOptions> | undefined;
      return serve({ ...opts, filename: [...(parent?.filename ?? []), ...opts.filename], config: opts.config ?? parent?.config }, io);
    });
}

function lookup(given: string | undefined, opts: LookupOptions, io: IO, typeGiven = false): void {
  let name = given;
  let type = opts.type.toUpperCase();
  if (opts.reverse !== undefined) {
    if (given !== undefined) { io.err.write('error: give either NAME or -x ADDRESS, not both\n'); throw new CliExit(2); }
    if (!isIP(opts.reverse)) { io.err.write(`error: -x ${opts.reverse}: not an IPv4 or IPv6 address\n`); throw new CliExit(2); }
    name = reverseName(opts.reverse);
    if (!typeGiven) type = 'PTR';
  } else if (name !== undefined && isIP(name) && (type === 'PTR' || !typeGiven)) {
    // An address is looked up by its reverse name, as dig -x and nslookup ADDRESS do.
    name = reverseName(name);
    type = 'PTR';
  }
  if (!name) { io.err.write('error: a NAME to look up is required (e.g. podnet dns -f app/ --from production/frontend backend)\n'); throw new CliExit(2); }
  if (!TYPES.includes(type)) { io.err.write(`error: --type ${opts.type}: supported types are ${TYPES.join(', ')}\n`); throw new CliExit(2); }
  if (!isValidName(name) || /\s/.test(name)) { io.err.write(`error: "${name}" is not a valid domain name (labels of 1 to 63 characters, 253 in all)\n`); throw new CliExit(2); }
  const cluster = loadCluster(opts, io, { quietWarnings: true });
  const model = compileDns(cluster);
  printDiagnostics(model.diagnostics, io.err);
  let result: DnsLookup;
  try {
    result = opts.from ? model.resolveFromPod(resolvePodReference(cluster, opts.from), name, type, { resolver: opts.resolver as 'glibc' | 'musl' }) : model.resolve(name, type);
  } catch (e) {
    if (e instanceof PodNotFoundError || e instanceof PodReferenceError) { io.err.write(`Error from server (NotFound): ${e.message}\n`); throw new CliExit(2); }
    throw e;
  }
  // The queries are packets too: policy may drop them on the way to every cluster DNS pod.
  const reach = dnsQueryReach(cluster, model, result);
  const blocked = reach?.blocked ? reach : undefined;
  if (opts.output === 'json') io.out.write(JSON.stringify({ ...toJson(result), ...(blocked ? { blocked: blockedJson(blocked) } : {}) }, null, 2) + '\n');
  else if (opts.output === 'dig') io.out.write(blocked ? blockedDig(result, blocked) : digText(result));
  else io.out.write(blocked ? blockedText(result, blocked) : humanText(result, model));
  if (blocked || result.answers.length === 0) throw new CliExit(1);
}

function recordJson(r: DnsRecord) {
  return { name: r.name, type: r.type, ttl: r.ttl, data: r.data, ...(r.from ? { from: r.from } : {}) };
}

export function toJson(r: DnsLookup) {
  return {
    rcode: r.rcode, answers: r.answers.map(recordJson), tried: r.tried,
    question: r.question, authority: r.authority.map(recordJson), additional: r.additional.map(recordJson),
    steps: r.steps, stop: r.stop, ...(r.forward ? { forward: r.forward } : {}), ...(r.from ? { from: r.from } : {}),
  };
}

function digLine(r: DnsRecord): string {
  return `${r.name}\t${r.ttl}\tIN\t${r.type}\t${r.data}\n`;
}

/** dig's layout, one block per query the resolver sent. */
function digText(r: DnsLookup): string {
  let out = '';
  if (r.steps.length === 0) return `;; no query sent: ${r.stop}\n${r.answers.map(digLine).join('')}`;
  for (const [i, step] of r.steps.entries()) {
    const last = i === r.steps.length - 1;
    const final = last ? r : undefined;
    out += `; <<>> podnet dns <<>> ${step.name} ${r.question.type}\n`;
    if (step.rcode === 'FORWARDED') {
      out += `;; forwarded to ${(last ? r.forward?.upstreams : undefined)?.join(', ') ?? 'an upstream'}: the answer is the upstream's, which podnet does not invent\n\n`;
      continue;
    }
    const answers = final?.answers ?? [];
    const authority = final?.authority ?? [];
    const additional = final?.additional ?? [];
    out += `;; ->>HEADER<<- opcode: QUERY, status: ${step.rcode}\n`;
    // CoreDNS answers cluster names authoritatively and without RA, so dig warns.
    out += `;; flags: qr aa rd; QUERY: 1, ANSWER: ${last ? answers.length : step.answers}, AUTHORITY: ${last ? authority.length : '?'}, ADDITIONAL: ${last ? additional.length : '?'}\n;; WARNING: recursion requested but not available\n\n`;
    out += `;; QUESTION SECTION:\n;${step.name}\t\tIN\t${r.question.type}\n\n`;
    if (answers.length) out += `;; ANSWER SECTION:\n${answers.map(digLine).join('')}\n`;
    if (authority.length) out += `;; AUTHORITY SECTION:\n${authority.map(digLine).join('')}\n`;
    if (additional.length) out += `;; ADDITIONAL SECTION:\n${additional.map(digLine).join('')}\n`;
  }
  return out;
}

function blockedJson(b: DnsQueryReach) {
  return { nameserver: b.nameserver, port: 53, protocol: 'UDP', policies: b.policies, endpoints: b.endpoints.map((e) => ({ ...(e.pod ? { pod: e.pod } : {}), ip: e.ip, port: e.port, reason: e.reason ?? '' })) };
}

/** dig's own words when every query times out. */
function blockedDig(r: DnsLookup, b: DnsQueryReach): string {
  const tries = b.endpoints.map((e) => `;; communications error to ${b.nameserver}#53: timed out (dropped on the way to ${e.pod ?? e.ip} ${e.ip}:${e.port}: ${e.reason ?? 'no answer'})\n`).join('');
  return `${tries}\n; <<>> podnet dns <<>> ${r.steps[0]?.name ?? r.question.name} ${r.question.type}\n;; no servers could be reached\n`;
}

function blockedText(r: DnsLookup, b: DnsQueryReach): string {
  const from = r.from!;
  const lines = [`From pod ${from.pod} (dnsPolicy ${from.dnsPolicy}${from.effectivePolicy !== from.dnsPolicy ? ` -> ${from.effectivePolicy}` : ''}, ${from.resolver} resolver); its nameserver is ${b.nameserver}.`, ''];
  lines.push(`Blocked: every query to ${b.nameserver}:53/UDP is dropped before it reaches the cluster DNS:`);
  for (const e of b.endpoints) lines.push(`  ${e.pod ?? e.ip} ${e.ip}:${e.port}: ${e.reason ?? 'no answer'}`);
  if (b.policies.length) lines.push(`  decided by: ${b.policies.join(', ')}`);
  lines.push('', `Result: no answer (the resolver times out) — no query for ${r.question.name} gets an answer; an egress rule to the kube-dns pods on 53/UDP and 53/TCP lets it through`);
  return lines.join('\n') + '\n';
}

function humanText(r: DnsLookup, model: DnsModel): string {
  const lines: string[] = [];
  if (r.from) {
    lines.push(`From pod ${r.from.pod} (dnsPolicy ${r.from.dnsPolicy}${r.from.effectivePolicy !== r.from.dnsPolicy ? ` -> ${r.from.effectivePolicy}` : ''}, ${r.from.resolver} resolver); its /etc/resolv.conf:`);
    for (const l of r.from.resolvConf.trimEnd().split('\n')) lines.push(`    ${l}`);
    for (const n of r.from.notes) lines.push(`  Note: ${n}`);
  } else {
    lines.push(`Asking the cluster DNS (${model.clusterDNS.join(', ')}) for ${r.question.name} ${r.question.type}; Corefile: ${model.corefile.fromConfigMap ? `ConfigMap kube-system/coredns (${model.corefile.source.file}:${model.corefile.source.line})` : 'kubeadm\'s default'}`);
  }
  lines.push('', 'Queries sent, in order:');
  if (r.steps.length === 0) lines.push('  (none)');
  const width = Math.max(0, maxOf(r.steps.map((s) => s.name.length)));
  for (const [i, s] of r.steps.entries()) {
    const outcome = s.rcode === 'NOERROR' ? (s.answers > 0 ? `NOERROR, ${s.answers} record${s.answers === 1 ? '' : 's'}` : 'NOERROR, no records (NODATA)') : s.rcode === 'FORWARDED' ? 'forwarded upstream' : s.rcode;
    lines.push(`  ${String(i + 1).padStart(2)}. ${s.name.padEnd(width)}  ${outcome}`);
    const reason = s.why.filter((w) => !w.startsWith('server block')).at(-1);
    if (reason) lines.push(`      ${reason}`);
  }
  lines.push('', `Result: ${r.rcode === 'FORWARDED' ? 'decided by an upstream resolver' : r.rcode}${r.answers.length === 0 && r.rcode === 'NOERROR' ? ' (no records of this type)' : ''} — ${r.stop}`);
  if (r.forward) lines.push(`  ${r.forward.name} ${r.forward.type} goes to ${r.forward.upstreams.join(', ')} (${r.forward.rule}); podnet does not send it (try \`podnet dns serve --upstream\`).`);
  if (r.answers.length) {
    lines.push('', 'Answer:');
    for (const a of r.answers) lines.push(`  ${a.name}\t${a.ttl}\tIN\t${a.type}\t${a.data}${a.from ? `\t; ${a.from}` : ''}`);
  }
  if (r.additional.length) {
    lines.push('', 'Additional:');
    for (const a of r.additional) lines.push(`  ${a.name}\t${a.ttl}\tIN\t${a.type}\t${a.data}`);
  }
  return lines.join('\n') + '\n';
}

async function serve(opts: ServeOptions, io: IO): Promise<void> {
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) { io.err.write(`error: --port ${opts.port} is not a port number\n`); throw new CliExit(2); }
  if (!/^127\./.test(opts.address) && opts.address !== '::1') { io.err.write(`error: --address ${opts.address}: podnet serves on loopback only (127.0.0.0/8 or ::1)\n`); throw new CliExit(2); }
  const build = (cluster: Cluster): DnsModel => {
    const m = compileDns(cluster);
    printDiagnostics(m.diagnostics, io.err);
    return m;
  };
  const model = build(loadCluster(opts, io, { quietWarnings: true }));
  const server = new DnsServer(model, { address: opts.address, port, upstream: opts.upstream, log: (l) => io.err.write(`${l}\n`) });
  let addr;
  try {
    addr = await server.start();
  } catch (e) {
    io.err.write(`error: cannot listen on ${opts.address}:${port}: ${(e as Error).message}\n`);
    throw new CliExit(1);
  }
  io.out.write(`podnet DNS serving ${model.clusterDomain} on ${addr.address}:${addr.port} (UDP and TCP); Corefile: ${model.corefile.fromConfigMap ? 'ConfigMap kube-system/coredns' : 'kubeadm default'}\n`);
  io.out.write(`try: dig @${addr.address} -p ${addr.port} kubernetes.default.svc.${model.clusterDomain}\n`);
  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  if (opts.watch && !opts.filename.includes('-')) {
    const reload = () => {
      try {
        const cluster = Cluster.load({ paths: opts.filename, configPath: opts.config, lenient: opts.lenient });
        printDiagnostics(cluster.diagnostics.filter((d) => d.level === 'error'), io.err);
        requireUsableConfig(cluster);
        server.setModel(build(cluster));
        io.out.write(`reloaded: the cluster changed (${new Date().toISOString()})\n`);
      } catch (e) {
        io.err.write(`reload failed, still serving the previous snapshot: ${(e as Error).message}\n`);
      }
    };
    for (const p of [...opts.filename, ...(opts.config ? [opts.config] : [])]) {
      try {
        watchers.push(watch(p, { recursive: true }, () => { clearTimeout(timer); timer = setTimeout(reload, 200); }));
      } catch { /* a path that cannot be watched is simply not watched */ }
    }
  }
  await new Promise<void>((resolve) => {
    const stop = () => { process.off('SIGINT', stop); process.off('SIGTERM', stop); resolve(); };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  clearTimeout(timer);
  for (const w of watchers) w.close();
  await server.stop();
}
