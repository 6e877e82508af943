// nc as OpenBSD netcat prints it (Debian's netcat-openbsd, the `nc` of netshoot-like debug images): `nc [-zvnu]
// [-w SECS] HOST PORT[-PORT]`. Messages come from netcat.c: connection_info ("Connection to H (IP) P port [tcp/http]
// succeeded!", with -v), remote_connect's warn ("connect to H (IP) port P (tcp) failed: …", with -v), Debian's
// connect timeout ("… timed out: Operation now in progress") and getaddrinfo's errors (always).
// podnet exec has no stdin, so nc only opens the connection, as with -z. A UDP "connection" succeeds unless an ICMP
// port unreachable comes back (netcat's udptest): a dropped datagram looks like an open port, as it does for real.
import { isIP } from 'node:net';
import { parseArgv, supportedList, type OptionSpec } from './argv.js';
import { decidingPolicies, deliverHop, hostPort, KERNEL_CONNECT_TIMEOUT_MS, leftCluster, recordTrace, refusedDrop, runTrace, toolResult, traceDnsQuery, traceText, type ExecContext, type ExecResult } from './common.js';

const OPTIONS: OptionSpec[] = [
  { key: 'z', short: 'z' }, { key: 'v', short: 'v' }, { key: 'n', short: 'n' }, { key: 'u', short: 'u' },
  { key: 'w', short: 'w', value: true }, { key: '4', short: '4' }, { key: '6', short: '6' }, { key: 'N', short: 'N' },
];

/** /etc/services (netbase) for the ports a cluster commonly serves. */
const SERVICES: Record<string, Record<number, string>> = {
  tcp: { 22: 'ssh', 25: 'smtp', 53: 'domain', 80: 'http', 443: 'https', 3306: 'mysql', 5432: 'postgresql', 5672: 'amqp', 6379: 'redis', 8080: 'http-alt' },
  udp: { 53: 'domain', 443: 'https' },
};

const USAGE = 'usage: nc [-46CDdFhklNnrStUuvZz] [-I length] [-i interval] [-M ttl]\n\t  [-m minttl] [-O length] [-P proxy_username] [-p source_port]\n\t  [-q seconds] [-s sourceaddr] [-T keyword] [-V rtable] [-W recvlimit]\n\t  [-w timeout] [-X proxy_protocol] [-x proxy_address[:port]]\n\t  [destination] [port]\n';

export async function nc(ctx: ExecContext, pod: string, args: string[]): Promise<ExecResult> {
  const p = parseArgv(args, OPTIONS, { longEquals: false });
  if (!p.ok) {
    const what = p.error === 'unknown' ? `nc: invalid option -- '${p.name.replace(/^-+/, '')}'\n` : `nc: option requires an argument -- '${p.name.replace(/^-+/, '')}'\n`;
    return toolResult('', `${what}${USAGE}`, 1, `podnet: the lab's nc supports ${supportedList(OPTIONS, { w: 'SECS' })}\n`);
  }
  const has = (k: string) => p.options.some((o) => o.key === k);
  const verbose = has('v');
  const udp = has('u');
  const numeric = has('n');
  const wait = p.options.find((o) => o.key === 'w')?.value;
  if (wait !== undefined && !/^\d+$/.test(wait)) return toolResult('', `nc: timeout is invalid: ${wait}\n`, 1, '');
  const [host, portSpec] = p.operands;
  if (!host || !portSpec) return toolResult('', USAGE, 1, '');
  const range = portSpec.match(/^(\d+)(?:-(\d+))?$/);
  const lo = range ? Number(range[1]) : NaN;
  const hi = range?.[2] !== undefined ? Number(range[2]) : lo;
  if (!range || lo < 1 || hi > 65535 || hi < lo || hi - lo >= 100) return toolResult('', `nc: port range not valid${range && hi - lo >= 100 ? ' (the podnet lab scans at most 100 ports)' : ''}\n`, 1, '');
  const proto = udp ? 'udp' : 'tcp';
  let err = '';
  let explain = !has('z') ? 'podnet: podnet exec has no stdin: nc opens the connection and closes it, as with -z\n' : '';

  let ip = host;
  if (!isIP(host)) {
    if (numeric) return toolResult('', `nc: getaddrinfo for host "${host}" port ${lo}: Name or service not known\n`, 1, explain);
    const lookup = ctx.snapshot.dns.resolveFromPod(pod, host, 'A');
    if (lookup.tried.length > 0) {
      const d = traceDnsQuery(ctx, pod, host);
      if (d.verdict === 'dropped') return toolResult('', `nc: getaddrinfo for host "${host}" port ${lo}: Temporary failure in name resolution\n`, 1, explain + traceText(d), { trace: d });
    }
    const a = lookup.answers.find((r) => r.rdata.type === 'A' || r.rdata.type === 'AAAA');
    if (!a || (a.rdata.type !== 'A' && a.rdata.type !== 'AAAA')) return toolResult('', `nc: getaddrinfo for host "${host}" port ${lo}: Name or service not known\n`, 1, explain + `the resolver got ${lookup.rcode} (${lookup.stop})\n`);
    ip = a.rdata.address;
  }
  const shown = numeric || ip === host ? host : `${host} (${ip})`;
  let exitCode = 1;
  let last;
  for (let port = lo; port <= hi; port++) {
    const t = runTrace(ctx, pod, hostPort(ip, port), udp ? 'UDP' : 'TCP');
    recordTrace(ctx, t, udp ? 'UDP' : 'TCP');
    last = t;
    explain += traceText(t);
    const service = SERVICES[proto][port] ?? '*';
    const ok = `Connection to ${shown} ${port} port [${proto}/${service}] succeeded!\n`;
    const policies = decidingPolicies(t);
    const why = policies.length ? `(denied by ${policies.join(', ')})\n` : '';
    if (t.verdict === 'delivered' && leftCluster(t)) {
      if (verbose) err += `nc: connect to ${shown} port ${port} (${proto}) failed: Connection refused\n(the destination is outside the cluster: the lab sends no traffic there)\n`;
      continue;
    }
    if (t.verdict === 'delivered') {
      const deliver = deliverHop(t);
      const listening = udp || !deliver?.detail.ip || ctx.addressOf(String(deliver.detail.ip), Number(deliver.detail.port)) !== undefined;
      if (listening) { exitCode = 0; if (verbose) err += ok; continue; }
      if (verbose) err += `nc: connect to ${shown} port ${port} (${proto}) failed: Connection refused\n(nothing listens on ${hostPort(String(deliver?.detail.ip), Number(deliver?.detail.port))} in the lab)\n`;
      continue;
    }
    if (udp) {
      // No ICMP for a silent drop: netcat's udptest writes succeed.
      if (!refusedDrop(t)) { exitCode = 0; if (verbose) err += ok; explain += 'podnet: the datagrams are dropped, but without an ICMP error nc cannot tell: it reports success\n'; }
      continue;
    }
    if (refusedDrop(t)) { if (verbose) err += `nc: connect to ${shown} port ${port} (${proto}) failed: Connection refused\n${why}`; continue; }
    const secs = wait !== undefined ? Number(wait) : undefined;
    if (secs !== undefined && secs > 0 && secs * 1000 < KERNEL_CONNECT_TIMEOUT_MS) {
      if (verbose) err += `nc: connect to ${shown} port ${port} (${proto}) timed out: Operation now in progress\n${why}`;
      explain += `podnet: the connection is dropped; a real nc waits ${secs} s (-w) for it; the lab answers at once\n`;
    } else {
      if (verbose) err += `nc: connect to ${shown} port ${port} (${proto}) failed: Connection timed out\n${why}`;
      explain += `podnet: the connection is dropped; a real nc waits ${KERNEL_CONNECT_TIMEOUT_MS / 1000} s for it (the kernel's SYN retries); the lab answers at once\n`;
    }
  }
  return toolResult('', err, exitCode, explain, last ? { trace: last } : {});
}
