// A query as BIND's own tools (dig, nslookup) send it from a pod: they read the pod's resolv.conf for the server and
// search list but not /etc/hosts, send UDP to the server (traced: policy and kube-proxy decide whether it arrives) and
// print what the cluster DNS (src/dns, CoreDNS's chain) answers. A name CoreDNS forwards upstream gets SERVFAIL, as
// from the lab's own DNS server: the lab sends no DNS outside the cluster.
import type { DnsAnswer } from '../../../dns/index.js';
import { searchCandidates } from '../../../dns/search.js';
import type { TraceResult } from '../../../trace/trace.js';
import { leftCluster, refusedDrop, traceDnsQuery, traceText, type ExecContext } from './common.js';

export interface BindQuery {
  server: string;
  port: number;
  name: string;
  type: string;
  /** Use resolv.conf's search list (nslookup always, dig with +search). */
  search: boolean;
}

export type BindOutcome =
  | { kind: 'answer'; answer: DnsAnswer; tried: string[]; stop: string; trace: TraceResult; explain: string }
  | { kind: 'no-reply'; how: 'timed out' | 'connection refused'; trace: TraceResult; explain: string };

export function absolute(name: string): string {
  return name.endsWith('.') ? name : `${name}.`;
}

/** The reverse-lookup name of an address (dig -x, nslookup IP). */
export function reverseName(ip: string): string {
  if (!ip.includes(':')) return `${ip.split('.').reverse().join('.')}.in-addr.arpa.`;
  const groups = ip.split('::');
  const head = groups[0] ? groups[0].split(':') : [];
  const tail = groups.length > 1 && groups[1] ? groups[1].split(':') : [];
  const full = [...head, ...Array(8 - head.length - tail.length).fill('0'), ...tail].map((g) => g.padStart(4, '0')).join('');
  return `${[...full].reverse().join('.')}.ip6.arpa.`;
}

export function bindLookup(ctx: ExecContext, pod: string, q: BindQuery): BindOutcome {
  const t = traceDnsQuery(ctx, pod, q.name, q.server, q.port);
  if (t.verdict === 'dropped') return { kind: 'no-reply', how: refusedDrop(t) ? 'connection refused' : 'timed out', trace: t, explain: traceText(t) };
  if (leftCluster(t)) return { kind: 'no-reply', how: 'timed out', trace: t, explain: traceText(t) + `podnet: ${q.server} is outside the cluster: the lab sends no DNS there\n` };
  const dns = ctx.snapshot.dns;
  const rc = dns.resolvConf(pod);
  const podIP = ctx.snapshot.cluster.get<{ status?: { podIP?: string } }>('Pod', ...(pod.split('/', 2) as [string, string]))?.status?.podIP;
  // BIND's own search (bin/dig/dighost.c): the next search domain only after NXDOMAIN; any other reply is the answer.
  const candidates = q.search ? searchCandidates(q.name, rc, 'glibc') : [absolute(q.name)];
  const tried: string[] = [];
  let answer!: DnsAnswer;
  for (const n of candidates) {
    tried.push(n);
    answer = dns.chain.resolve(n, q.type, 53, 0, podIP);
    if (answer.rcode !== 'NXDOMAIN') break;
  }
  const stop = answer.rcode === 'NXDOMAIN' ? 'every name was NXDOMAIN' : `${tried.at(-1)} answered ${answer.rcode === 'NOERROR' && answer.answers.length === 0 ? 'NOERROR with no records' : answer.rcode}${tried.length < candidates.length ? ': BIND tries the next search domain only after NXDOMAIN' : ''}`;
  let explain = traceText(t);
  if (answer.rcode === 'FORWARDED') {
    explain += `podnet: CoreDNS forwards ${answer.question.name} to ${answer.forward?.upstreams.join(', ') || 'the upstream'}; the lab sends no DNS outside the cluster, so the answer is SERVFAIL, as from the lab's DNS server\n`;
    answer = { ...answer, rcode: 'SERVFAIL', authoritative: false, answers: [], authority: [], additional: [] };
  }
  return { kind: 'answer', answer, tried, stop, trace: t, explain };
}
