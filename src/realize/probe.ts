// The seam `podnet verify` builds on: one real connection from a namespace of a realised lab, reported the way the
// model answers — allowed, refused (RST / ICMP unreachable, e.g. kube-proxy's REJECT), timeout (a DROP) or reset — plus
// what the agent that answered says: its pod name (/hostname) and the source address it saw (/clientip), both read
// over the same connection (curl reuses it), so they describe the same endpoint choice.
import { outcomeOfCurl, type CurlOutcome } from '../util/curl.js';
import type { KernelLab } from './realize.js';

export type ConnectOutcome = CurlOutcome;

export interface ProbeResult {
  outcome: ConnectOutcome;
  /** The answering pod's name (netexec /hostname). */
  hostname?: string;
  /** `ip:port` the answering pod saw as the client (netexec /clientip): SNAT shows here. */
  clientIP?: string;
  /** curl's exit code and message. */
  detail: string;
}

/** Connects from `from` (a pod `NS/NAME`, a node name, `external`) to host:port over HTTP and asks the agent. */
export async function probeConnection(lab: KernelLab, from: string, to: { host: string; port: number }, opts: { timeoutMs?: number } = {}): Promise<ProbeResult> {
  const netns = lab.namespaceOf(from);
  if (!netns) throw new Error(`${from} is not realised in lab ${lab.prefix.slice(0, -1)}`);
  const seconds = ((opts.timeoutMs ?? 2000) / 1000).toFixed(1);
  const host = to.host.includes(':') ? `[${to.host}]` : to.host;
  const base = `http://${host}:${to.port}`;
  const r = await lab.exec(netns, ['curl', '-s', '-S', '-m', seconds, '-w', '\\n', `${base}/hostname`, `${base}/clientip`], { timeoutMs: (opts.timeoutMs ?? 2000) * 2 + 2000 });
  const outcome = outcomeOfCurl(r.code);
  const [hostname, clientIP] = r.stdout.split('\n');
  return { outcome, ...(outcome === 'allowed' ? { hostname, clientIP } : {}), detail: `curl exit ${r.code}${r.stderr.trim() ? `: ${r.stderr.trim()}` : ''}` };
}
