// The live edge proxy under load: wrk (Debian) against `podnet serve ingress` (the EdgeProxy, one Node process) and
// against nginx (Debian, one worker) configured with the same host/path routes and the headers ingress-nginx sets, both
// forwarding to the same upstream (a separate nginx answering a fixed 2-byte body). Same wrk runs for both: 1 thread,
// 50 connections, Host my-app.example.com; after a warm-up each, ROUNDS rounds alternate podnet and nginx (so a change in
// the machine's load hits both) and the median round of each is reported.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from '../src/cluster/cluster.js';
import { compileRouting, type RouteRequest } from '../src/ingress/index.js';
import { EdgeProxy } from '../src/serve/http-proxy.js';
import { machineLine, type Bench } from './harness.js';

const DURATION = '5s';
const ROUNDS = 3;
const CONNECTIONS = 50;

const MANIFESTS = `apiVersion: v1
kind: Namespace
metadata: {name: production}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: backend, namespace: production}
spec:
  replicas: 3
  selector: {matchLabels: {app: backend}}
  template:
    metadata: {labels: {app: backend}}
    spec: {containers: [{name: c, image: agnhost, ports: [{containerPort: 8080, name: http}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: backend, namespace: production}
spec: {selector: {app: backend}, ports: [{port: 8080, targetPort: http}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: my-app, namespace: production}
spec:
  rules:
  - host: my-app.example.com
    http:
      paths:
      - {path: /api, pathType: Prefix, backend: {service: {name: backend, port: {number: 8080}}}}
      - {path: /web, pathType: Prefix, backend: {service: {name: backend, port: {number: 8080}}}}
`;

function has(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

function nginxConf(prefix: string, body: string): string {
  return `worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body; proxy_temp_path ${prefix}/proxy; fastcgi_temp_path ${prefix}/fcgi; uwsgi_temp_path ${prefix}/uwsgi; scgi_temp_path ${prefix}/scgi;
  keepalive_requests 100000;
${body}
}
`;
}

// What ingress-nginx's template sets (and podnet's proxy sends): the same header block on both sides.
const PROXY_HEADERS = 'proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host $http_host; proxy_set_header X-Real-IP $remote_addr; ' +
  'proxy_set_header X-Forwarded-For $remote_addr; proxy_set_header X-Forwarded-Host $http_host; proxy_set_header X-Forwarded-Port $server_port; ' +
  'proxy_set_header X-Forwarded-Proto $scheme; proxy_set_header X-Forwarded-Scheme $scheme; proxy_set_header X-Scheme $scheme; proxy_set_header X-Original-URI $request_uri;';

function upstreamConf(port: number): string {
  return `  server { listen 127.0.0.1:${port}; location / { return 200 "ok"; } }`;
}

function proxyConf(upstreamPort: number, proxyPort: number): string {
  return `  upstream backend { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${proxyPort};
    server_name my-app.example.com;
    location = /api { proxy_pass http://backend; ${PROXY_HEADERS} }
    location /api/ { proxy_pass http://backend; ${PROXY_HEADERS} }
    location /web/ { proxy_pass http://backend; ${PROXY_HEADERS} }
    location / { return 404; }
  }`;
}

/** CPU seconds (user + system) a process has used, from /proc (Linux). */
function cpuSecondsOf(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime in clock ticks (USER_HZ 100)
  } catch {
    return NaN;
  }
}

/** The worker of an nginx master (its only child). */
function nginxWorker(masterPid: number): number {
  try {
    return Number(readFileSync(`/proc/${masterPid}/task/${masterPid}/children`, 'utf8').trim().split(/\s+/)[0]);
  } catch {
    return NaN;
  }
}

interface WrkResult { rps: number; p99ms: number; non2xx: number }
interface Run extends WrkResult { cpu: number }

const SECONDS = Number.parseInt(DURATION, 10);

/**
 * The proxy's per-request routing decision alone: `model.route` for the request wrk sends, built as the proxy builds it
 * (a new RouteRequest and headers object per call). Median of 9 rounds, in microseconds per call.
 */
function routeMicros(cluster: Cluster, entryPoint: string): number {
  const model = compileRouting(cluster);
  const N = 100_000;
  const rounds: number[] = [];
  let sink = 0;
  for (let r = 0; r < 9; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) {
      const req: RouteRequest = { scheme: 'http', host: 'my-app.example.com', port: 80, path: '/api/items', query: '', method: 'GET', headers: { host: 'my-app.example.com' }, clientIP: '127.0.0.1', random: Math.random(), httpsPort: 443 };
      sink += model.route(req, entryPoint).status;
    }
    rounds.push(Number(process.hrtime.bigint() - t0) / N / 1000);
  }
  if (sink !== 200 * N * 9) throw new Error('bench/proxy: the routing decision did not answer 200');
  return rounds.sort((a, b) => a - b)[4];
}

/** The run with the median requests/s. */
function median(runs: Run[]): Run {
  return [...runs].sort((a, b) => a.rps - b.rps)[Math.floor(runs.length / 2)];
}

function wrk(port: number, duration = DURATION): Promise<WrkResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${duration}`, '--latency', '-H', 'Host: my-app.example.com', `http://127.0.0.1:${port}/api/items`]);
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.on('error', reject);
    child.on('close', () => {
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
      const m = /99%\s+([\d.]+)(us|ms|s)/.exec(out);
      const p99ms = m ? Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1) : NaN;
      const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
      resolve({ rps, p99ms, non2xx });
    });
  });
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(true));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(false)));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const bench: Bench = {
  name: 'proxy',
  async run(): Promise<string> {
    const head = `## Edge proxy: podnet serve ingress vs nginx\n\nMachine: ${machineLine()}.\n\n`;
    const missing = ['wrk', 'nginx'].filter((c) => !has(c));
    if (missing.length > 0) return `${head}**Not measured: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} missing** (\`apt-get install -y wrk nginx-light\`).\n`;
    const prefix = mkdtempSync(join(tmpdir(), 'podnet-bench-nginx-'));
    const upstreamPort = await freePort();
    const nginxPort = await freePort();
    const nginx: ChildProcess[] = [];
    let proxy: EdgeProxy | undefined;
    const startNginx = async (name: string, body: string, port: number): Promise<ChildProcess> => {
      const dir = join(prefix, name);
      mkdirSync(dir);
      writeFileSync(join(dir, 'nginx.conf'), nginxConf(dir, body));
      const child = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'ignore' });
      nginx.push(child);
      await waitForPort(port);
      return child;
    };
    try {
      await startNginx('upstream', upstreamConf(upstreamPort), upstreamPort);
      const nginxProxy = await startNginx('proxy', proxyConf(upstreamPort, nginxPort), nginxPort);
      const cluster = Cluster.load({ text: MANIFESTS });
      proxy = await EdgeProxy.start({ cluster, httpPort: 0, resolve: () => ({ host: '127.0.0.1', port: upstreamPort }) });
      await wrk(proxy.httpPort, '3s'); // warm-ups: JIT, pooled connections
      await wrk(nginxPort, '3s');
      const worker = nginxWorker(nginxProxy.pid!);
      const ourRuns: Run[] = [];
      const theirRuns: Run[] = [];
      const loads: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const cpu0 = process.cpuUsage();
        const ours = await wrk(proxy.httpPort);
        const cpu1 = process.cpuUsage(cpu0);
        ourRuns.push({ ...ours, cpu: (cpu1.user + cpu1.system) / 1e6 });
        const w0 = cpuSecondsOf(worker);
        const theirs = await wrk(nginxPort);
        theirRuns.push({ ...theirs, cpu: cpuSecondsOf(worker) - w0 });
        loads.push(loadavg()[0]);
      }
      const routeUs = routeMicros(cluster, proxy.entryPoint); // after the rounds: it must not heat the machine during them
      const ours = median(ourRuns);
      const theirs = median(theirRuns);
      const ratio = ours.rps / theirs.rps;
      const ourEff = ours.rps / (ours.cpu / SECONDS);
      const theirEff = theirs.rps / (theirs.cpu / SECONDS);
      const row = (name: string, r: Run, eff: number) => `| ${name} | ${r.rps.toFixed(0)} | ${r.p99ms.toFixed(2)} ms | ${r.non2xx} | ${(r.cpu / SECONDS * 100).toFixed(0)}% | ${eff.toFixed(0)} |`;
      return head + `wrk 1 thread, ${CONNECTIONS} connections, \`GET /api/items\` with Host my-app.example.com through the Ingress route /api (Prefix) ` +
        `to one upstream (a separate nginx answering \`return 200 "ok"\`). One worker each: the podnet proxy is one Node process (its HTTP/1.1 ` +
        `server and keep-alive upstream client on Node's llhttp parser), the nginx proxy runs \`worker_processes 1\` with an upstream keepalive pool ` +
        `and the header block ingress-nginx sets (the one podnet sends). After a 3 s warm-up each, ${ROUNDS} rounds of ${DURATION} alternate ` +
        `podnet and nginx; each row is that proxy's median round (all rounds: podnet ${ourRuns.map((r) => r.rps.toFixed(0)).join(', ')}; ` +
        `nginx ${theirRuns.map((r) => r.rps.toFixed(0)).join(', ')} requests/s).\n\n` +
        `| proxy | requests/s | p99 latency | non-2xx | CPU (of one core) | requests per CPU-second |\n|---|---:|---:|---:|---:|---:|\n` +
        `${row('podnet serve ingress', ours, ourEff)}\n${row(`nginx ${nginxVersion()}`, theirs, theirEff)}\n\n` +
        `Ratio podnet / nginx: **${(ratio * 100).toFixed(0)}%** of nginx's throughput (goal ≥ 50%); per CPU-second ${((ourEff / theirEff) * 100).toFixed(0)}%. ` +
        `wrk, the proxy under test and the upstream share the machine's ${cpus().length} cores, so the ratio moves with other work on the machine ` +
        `(nginx gains most from idle cores); 1-minute load average after each round: ${loads.map((l) => l.toFixed(1)).join(', ')}.\n\n` +
        `Routing decision alone (\`model.route\` for that request, as the proxy asks it once per request; median of 9 rounds of 100000 calls): ` +
        `**${routeUs.toFixed(2)} µs** per call.\n`;
    } finally {
      await proxy?.close();
      for (const n of nginx) n.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 300));
      rmSync(prefix, { recursive: true, force: true });
    }
  },
};

function nginxVersion(): string {
  const r = spawnSync('nginx', ['-v'], { encoding: 'utf8' });
  return /nginx\/([\d.]+)/.exec(`${r.stdout ?? ''}${r.stderr ?? ''}`)?.[1] ?? '';
}

export default bench;
