// Cluster DNS server throughput (issue 4): dnsperf (Debian) against `podnet dns serve`'s server and against unbound
// (Debian) serving the same records as local-data, same machine, same query mix, one run each, both single-threaded
// (Node runs one thread; unbound gets num-threads: 1). Goal: at least 50% of unbound's QPS.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from '../src/cluster/cluster.js';
import { compileDns, type DnsModel } from '../src/dns/index.js';
import { DnsServer } from '../src/serve/dns-server.js';
import { machineLine, type Bench } from './harness.js';

const SECONDS = 10;
const NAMESPACES = 5;
const SERVICES_PER_NS = 40;
const HEADLESS_PER_NS = 4;

function manifests(): string {
  const docs: string[] = [];
  for (let n = 0; n < NAMESPACES; n++) {
    const ns = `team-${n}`;
    docs.push(JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }));
    for (let s = 0; s < SERVICES_PER_NS; s++) docs.push(JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: `svc-${s}`, namespace: ns }, spec: { selector: { app: `svc-${s}` }, ports: [{ name: 'http', port: 80 }] } }));
    for (let h = 0; h < HEADLESS_PER_NS; h++) {
      docs.push(JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: `db-${h}`, namespace: ns }, spec: { clusterIP: 'None', selector: { app: `db-${h}` }, ports: [{ name: 'pg', port: 5432 }] } }));
      docs.push(JSON.stringify({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: `db-${h}`, namespace: ns }, spec: { serviceName: `db-${h}`, replicas: 3, selector: { matchLabels: { app: `db-${h}` } }, template: { metadata: { labels: { app: `db-${h}` } }, spec: { containers: [{ name: 'pg', image: 'postgres', ports: [{ name: 'pg', containerPort: 5432 }] }] } } } }));
    }
  }
  return docs.join('\n---\n');
}

/** The query mix: what pods really send (own-namespace hits, search-list misses, AAAA NODATA), plus SRV and PTR. */
function queryMix(model: DnsModel): { name: string; type: string }[] {
  const qs: { name: string; type: string }[] = [];
  for (let i = 0; i < 2000; i++) {
    const ns = `team-${i % NAMESPACES}`;
    const other = `team-${(i + 1) % NAMESPACES}`;
    const s = `svc-${i % SERVICES_PER_NS}`;
    const h = `db-${i % HEADLESS_PER_NS}`;
    const r = i % 20;
    if (r < 9) qs.push({ name: `${s}.${ns}.svc.cluster.local`, type: 'A' });
    else if (r < 11) qs.push({ name: `${s}.${ns}.svc.cluster.local`, type: 'AAAA' });
    else if (r < 14) qs.push({ name: `${s}.${other}.${ns}.svc.cluster.local`, type: 'A' });
    else if (r < 16) qs.push({ name: `${h}.${ns}.svc.cluster.local`, type: 'A' });
    else if (r < 17) qs.push({ name: `${h}-${i % 3}.${h}.${ns}.svc.cluster.local`, type: 'A' });
    else if (r < 19) qs.push({ name: `_http._tcp.${s}.${ns}.svc.cluster.local`, type: 'SRV' });
    else {
      const ip = model.resolve(`${s}.${ns}.svc.cluster.local`).answers[0].data;
      qs.push({ name: `${ip.split('.').reverse().join('.')}.in-addr.arpa`, type: 'PTR' });
    }
  }
  return qs;
}

/** unbound.conf with every record of the mix as local-data in static zones: no recursion, nothing leaves loopback. */
function unboundConfig(model: DnsModel, qs: { name: string; type: string }[], port: number, dir: string): string {
  const data = new Set<string>();
  for (const q of qs) {
    for (const r of model.resolve(q.name, q.type).answers) data.add(`    local-data: "${r.name} ${r.ttl} IN ${r.type} ${r.data}"`);
  }
  const soa = model.resolve('cluster.local', 'SOA').answers[0];
  return `server:
    interface: 127.0.0.1@${port}
    port: ${port}
    num-threads: 1
    do-daemonize: no
    chroot: ""
    username: ""
    directory: "${dir}"
    pidfile: "${join(dir, 'unbound.pid')}"
    use-syslog: no
    logfile: ""
    verbosity: 0
    access-control: 127.0.0.0/8 allow
    do-ip6: no
    local-zone: "cluster.local." static
    local-zone: "in-addr.arpa." static
    local-data: "cluster.local. ${soa.ttl} IN SOA ${soa.data}"
${[...data].join('\n')}
remote-control:
    control-enable: no
forward-zone:
    name: "."
    forward-addr: 127.0.0.1@9
`;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
  });
}

function dnsperf(port: number, file: string): Promise<{ qps: number; lost: string; raw: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn('dnsperf', ['-s', '127.0.0.1', '-p', String(port), '-d', file, '-l', String(SECONDS), '-c', '4', '-q', '200'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (c) => (out += c));
    p.stderr.on('data', (c) => (out += c));
    p.on('error', reject);
    p.on('close', () => {
      const qps = Number(out.match(/Queries per second:\s+([\d.]+)/)?.[1] ?? NaN);
      const lost = out.match(/Queries lost:\s+(.*)/)?.[1]?.trim() ?? '?';
      resolve({ qps, lost, raw: out });
    });
  });
}

const has = (cmd: string, arg = '-h') => spawnSync(cmd, [arg]).error === undefined;

const bench: Bench = {
  name: 'dns',
  async run() {
    const cluster = Cluster.load({ text: manifests(), textName: 'bench-dns.yaml' });
    const model = compileDns(cluster, { serial: 1 });
    const qs = queryMix(model);
    const dir = mkdtempSync(join(tmpdir(), 'podnet-bench-dns-'));
    const file = join(dir, 'queries.txt');
    writeFileSync(file, qs.map((q) => `${q.name} ${q.type}`).join('\n') + '\n');
    const lines = [
      '## DNS server: dnsperf against podnet and unbound',
      '',
      `Machine: ${machineLine()}.`,
      '',
      `Cluster: ${NAMESPACES} namespaces × (${SERVICES_PER_NS} ClusterIP Services + ${HEADLESS_PER_NS} headless StatefulSet Services of 3 pods). Query mix (${qs.length} queries, looped): 45% ClusterIP A, 10% AAAA NODATA, 15% search-list misses (NXDOMAIN), 10% headless A, 5% StatefulSet pod A, 10% SRV, 5% PTR. dnsperf ${SECONDS} s per server, 4 clients, 200 queries outstanding, UDP on loopback. unbound serves exactly podnet's answers as local-data in static zones (num-threads 1, like Node's one thread).`,
      '',
    ];
    try {
      if (!has('dnsperf')) {
        lines.push('**dnsperf is missing** (`apt-get install -y dnsperf`): nothing was measured.');
        return lines.join('\n');
      }
      const ours = new DnsServer(model, { port: 0 });
      await ours.start();
      const podnet = await dnsperf(ours.port, file);
      await ours.stop();
      lines.push('| server | queries/s | lost |', '|---|---:|---|', `| podnet (Node ${process.version}, one thread) | ${podnet.qps.toFixed(0)} | ${podnet.lost} |`);
      if (!has('unbound', '-V')) {
        lines.push('', '**unbound is missing** (`apt-get install -y unbound`): no peer figure, no ratio.');
        return lines.join('\n');
      }
      const port = await freePort();
      const conf = join(dir, 'unbound.conf');
      writeFileSync(conf, unboundConfig(model, qs, port, dir));
      const check = spawnSync('unbound-checkconf', [conf], { encoding: 'utf8' });
      if (check.status !== 0) throw new Error(`unbound-checkconf: ${check.stdout}${check.stderr}`);
      const ub = spawn('unbound', ['-d', '-c', conf], { stdio: 'ignore' });
      try {
        await new Promise((r) => setTimeout(r, 700));
        const peer = await dnsperf(port, file);
        lines.push(`| unbound ${spawnSync('unbound', ['-V'], { encoding: 'utf8' }).stdout.match(/Version ([\d.]+)/)?.[1] ?? ''} (num-threads 1, local-data) | ${peer.qps.toFixed(0)} | ${peer.lost} |`);
        const ratio = podnet.qps / peer.qps;
        lines.push('', `Ratio podnet / unbound: **${(ratio * 100).toFixed(0)}%** (goal ≥ 50%: ${ratio >= 0.5 ? 'met' : 'not met'}).`);
      } finally {
        ub.kill('SIGTERM');
      }
      return lines.join('\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default bench;
