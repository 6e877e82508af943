// `agnhost connect HOST:PORT [--timeout=1s] [--protocol=tcp]` in an emulated pod (the e2e test image's subcommand, as
// upstream's network policy tests and `podnet verify --context` run it): the connection decided by the engine's trace
// from the pod (DNS, policy, kube-proxy, delivery to a listening virtual pod) and reported with agnhost's exit code
// and fixed stderr words (src/kube/apiserver/agnhost.ts has the command line and the kernel-mode shim): exit 0
// connected; `TIMEOUT` a drop; `REFUSED` a REJECT or nothing listening; `DNS: …` a name that does not resolve.
import { isIP } from 'node:net';
import { parseConnectArgs, splitHostPort } from '../../../kube/apiserver/agnhost.js';
import { deliverHop, hostPort, leftCluster, recordTrace, refusedDrop, runTrace, toolResult, traceDnsQuery, traceText, type ExecContext, type ExecResult } from './common.js';

export async function agnhost(ctx: ExecContext, pod: string, args: string[]): Promise<ExecResult> {
  const [sub, ...rest] = args;
  if (sub !== 'connect') return toolResult('', `Error: unknown command "${sub ?? ''}" for "agnhost"\n`, 1, 'podnet: the lab\'s agnhost offers connect only\n');
  const a = parseConnectArgs(rest);
  if ('error' in a) return toolResult('', `${a.error}\n`, 1, '');
  if (a.protocol !== 'tcp' && a.protocol !== '') return toolResult('', `UNKNOWN: the lab's agnhost connect opens TCP connections only, not ${a.protocol}\n`, 1, '');
  const hp = splitHostPort(a.dest);
  if (typeof hp === 'string') return toolResult('', `UNKNOWN: ${hp}\n`, 1, '');
  let ip = hp.host;
  let explain = '';
  if (!isIP(ip)) {
    const lookup = ctx.snapshot.dns.resolveFromPod(pod, ip, 'A');
    if (lookup.tried.length > 0) {
      const d = traceDnsQuery(ctx, pod, ip);
      if (d.verdict === 'dropped') return toolResult('', `DNS: lookup ${hp.host}: i/o timeout\n`, 1, traceText(d), { trace: d });
    }
    const found = lookup.answers.find((r) => r.rdata.type === 'A');
    if (!found || found.rdata.type !== 'A') return toolResult('', `DNS: lookup ${hp.host}: no such host\n`, 1, `the resolver got ${lookup.rcode} (${lookup.stop})\n`);
    ip = found.rdata.address;
  }
  const t = runTrace(ctx, pod, hostPort(ip, hp.port), 'TCP');
  recordTrace(ctx, t, 'TCP');
  explain += traceText(t);
  if (t.verdict === 'delivered' && leftCluster(t)) return toolResult('', 'REFUSED\n', 1, explain + '(the destination is outside the cluster: the lab sends no traffic there)\n', { trace: t });
  if (t.verdict === 'delivered') {
    const deliver = deliverHop(t);
    const listening = !deliver?.detail.ip || ctx.addressOf(String(deliver.detail.ip), Number(deliver.detail.port)) !== undefined;
    return listening ? toolResult('', '', 0, explain, { trace: t }) : toolResult('', 'REFUSED\n', 1, `${explain}(nothing listens on ${hostPort(String(deliver?.detail.ip), Number(deliver?.detail.port))} in the lab)\n`, { trace: t });
  }
  if (refusedDrop(t)) return toolResult('', 'REFUSED\n', 1, explain, { trace: t });
  return toolResult('', 'TIMEOUT\n', 1, `${explain}podnet: the connection is dropped; a real agnhost waits ${a.timeoutMs ? `${a.timeoutMs / 1000} s (--timeout)` : 'for the kernel\'s SYN retries'}; the lab answers at once\n`, { trace: t });
}
