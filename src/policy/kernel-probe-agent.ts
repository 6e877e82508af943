// The kernel policy test's agent, one process per namespace (`ip netns exec NS node kernel-probe-agent.js CONFIG`):
// it listens on the given TCP ports (accept, close) and UDP ports (echo), then runs batches of connection probes read
// from stdin, one JSON line `{"batch":N,"timeoutMs","concurrency","probes":[[ip,port,"TCP"|"UDP"],...]}` each,
// answered with one line `{"batch":N,"results":[ok|"error",...]}` (true, or why not: "timeout", "ECONNREFUSED"…).
// A TCP probe succeeds when the handshake completes, a UDP probe when the echo comes back before the timeout.
import { createSocket } from 'node:dgram';
import { connect, createServer } from 'node:net';
import { networkInterfaces } from 'node:os';
import { createInterface } from 'node:readline';

interface Config { tcp: number[]; udp: number[] }
type Probe = [ip: string, port: number, protocol: 'TCP' | 'UDP'];
interface Batch { batch: number; timeoutMs: number; concurrency: number; probes: Probe[] }

const config = JSON.parse(process.argv[2] ?? '{}') as Config;

async function listen(): Promise<void> {
  const waits: Promise<void>[] = [];
  for (const port of config.tcp ?? []) {
    const server = createServer((s) => { s.on('error', () => {}); s.destroy(); });
    waits.push(new Promise((resolve, reject) => { server.once('error', reject); server.listen(port, '0.0.0.0', () => resolve()); }));
  }
  // One UDP socket per local address: a reply must leave from the address the probe was sent to (a socket on
  // 0.0.0.0 answers from the route's preferred source, which a connected client would not accept).
  const addresses = Object.values(networkInterfaces()).flat().filter((a) => a && a.family === 'IPv4').map((a) => a!.address);
  for (const port of config.udp ?? []) for (const address of addresses) {
    const sock = createSocket('udp4');
    sock.on('message', (msg, rinfo) => sock.send(msg, rinfo.port, rinfo.address));
    sock.on('error', () => {});
    waits.push(new Promise((resolve) => sock.bind(port, address, () => resolve())));
  }
  await Promise.all(waits);
}

function probe([ip, port, protocol]: Probe, timeoutMs: number): Promise<true | string> {
  return new Promise((resolve) => {
    let done = false;
    let close: (() => void) | undefined;
    const finish = (r: true | string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      close?.();
      resolve(r);
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    if (protocol === 'TCP') {
      const s = connect({ host: ip, port });
      close = () => s.destroy();
      s.on('connect', () => finish(true));
      s.on('error', (e: NodeJS.ErrnoException) => finish(e.code ?? e.message));
    } else {
      const s = createSocket('udp4');
      close = () => { try { s.close(); } catch { /* closed */ } };
      s.on('message', () => finish(true));
      s.on('error', (e: NodeJS.ErrnoException) => finish(e.code ?? e.message));
      s.connect(port, ip, () => s.send('probe'));
    }
  });
}

async function runBatch(b: Batch): Promise<void> {
  const results: (true | string)[] = new Array(b.probes.length);
  let next = 0;
  const worker = async () => { while (next < b.probes.length) { const i = next++; results[i] = await probe(b.probes[i], b.timeoutMs); } };
  await Promise.all(Array.from({ length: Math.max(1, b.concurrency) }, worker));
  process.stdout.write(JSON.stringify({ batch: b.batch, results }) + '\n');
}

await listen();
process.stdout.write('{"ready":true}\n');
createInterface({ input: process.stdin }).on('line', (line) => {
  let b: Batch;
  try { b = JSON.parse(line) as Batch; } catch { return; }
  void runBatch(b);
}).on('close', () => process.exit(0));
