// What every emulated tool of `podnet exec` shares: the context the lab hands in, the result the API returns, and the
// network model's traces (run, recorded in the flow log, printed as the explanation after the tool's own output).
import { joinHostPort } from '../../../util/text.js';
import { trace, TraceInputError, type TraceResult } from '../../../trace/trace.js';
import type { FlowRecord } from '../flows.js';
import type { MeshRuntime } from '../mesh-runtime.js';
import type { Snapshot } from '../snapshot.js';

export interface ExecResult {
  /** What the tool writes to stdout. */
  stdout: string;
  /** What the tool writes to stderr, followed by `explanation`. */
  stderr: string;
  exitCode: number;
  /** The connection as the model carried it (the last one, when there were several). */
  trace?: TraceResult;
  /** For nslookup and dig: the resolver walk. */
  dns?: { tried: string[]; rcode: string; stop: string };
  /** podnet's account after the tool's output (traces, what the lab did instead of the real thing): the tail of stderr. */
  explanation?: string;
}

export interface ExecContext {
  snapshot: Snapshot;
  /** Where a pod endpoint listens on loopback. */
  addressOf(podIP: string, port: number): { host: string; port: number } | undefined;
  /** The live ingress proxy (for connections the model hands to the ingress controller). */
  edge?: { httpPort: number; httpsPort: number };
  record(f: Omit<FlowRecord, 'id' | 'time'>): void;
  seed?: () => number;
  /** The mesh data plane: HTTP between pods where a sidecar, ztunnel or Linkerd proxy is involved goes through it. */
  mesh?: MeshRuntime;
  /** Milliseconds, for the times tools print (curl -w, dig's Query time); default performance.now. */
  clock?: () => number;
  /** The wall clock for dates tools print (dig's WHEN); default Date.now. */
  wallClock?: () => number;
}

/** How long the lab waits for an answer when the tool itself would wait longer (curl without -m). */
export const LAB_WAIT_MS = 10_000;
/** Linux gives up a connect() after the SYN and 6 retransmissions (1+2+4+8+16+32+64 s, net.ipv4.tcp_syn_retries = 6). */
export const KERNEL_CONNECT_TIMEOUT_MS = 127_000;

/** The request itself is malformed (unknown pod, no tool): the API answers 400. Tool usage errors are tool output. */
export class ExecInputError extends Error {}

export function seedOf(ctx: ExecContext): number {
  return ctx.seed ? ctx.seed() : Math.floor(Math.random() * 2 ** 31);
}

export function clockOf(ctx: ExecContext): () => number {
  return ctx.clock ?? (() => performance.now());
}

export function hostPort(host: string, port: number): string {
  return joinHostPort(host, port);
}

export function runTrace(ctx: ExecContext, from: string, to: string, protocol: 'TCP' | 'UDP' = 'TCP', withoutMesh = false): TraceResult {
  const components = withoutMesh ? ctx.snapshot.networkComponents : ctx.snapshot.components;
  try {
    return trace(ctx.snapshot.cluster, { from, to, seed: seedOf(ctx), protocol, components });
  } catch (e) {
    if (e instanceof TraceInputError) throw new ExecInputError(e.message);
    throw e;
  }
}

export function recordTrace(ctx: ExecContext, t: TraceResult, protocol: string, extra: Partial<FlowRecord> = {}): void {
  const deliver = deliverHop(t);
  ctx.record({
    source: t.from, destination: t.to, protocol, verdict: t.verdict, via: 'exec',
    ...(t.verdict === 'delivered' && deliver ? { pod: String(deliver.detail.pod ?? '') } : {}),
    ...(t.dropReason ? { reason: t.dropReason } : {}),
    hops: t.hops.map((h) => ({ step: h.step, ...(h.node ? { node: h.node } : {}), text: h.text })),
    snapshot: ctx.snapshot.version, ...extra,
  });
}

export function deliverHop(t: TraceResult): TraceResult['hops'][number] | undefined {
  return [...t.hops].reverse().find((h) => h.step === 'deliver');
}

/** The deciding policies of a drop, for the one-line summary. */
export function decidingPolicies(t: TraceResult): string[] {
  const h = t.hops.find((x) => x.detail.dropped);
  const p = h?.detail.policies;
  return Array.isArray(p) ? p.map(String) : [];
}

/** A drop the network answers (REJECT, RST from a closed port) rather than a silent DROP. */
export function refusedDrop(t: TraceResult): boolean {
  return t.hops.at(-1)?.text.startsWith('REJECTED') === true || t.dropAt === 'deliver';
}

/** A delivery that left the cluster (ExternalName, an address outside it): the lab sends nothing there. */
export function leftCluster(t: TraceResult): boolean {
  return t.hops.some((h) => h.step === 'exit');
}

export function traceText(t: TraceResult): string {
  const lines = [`trace ${t.from} → ${t.to}`];
  t.hops.forEach((h, i) => lines.push(`${String(i + 1).padStart(2)}. [${h.step}]${h.node ? ` ${h.node}:` : ''} ${h.text}`));
  lines.push(t.verdict === 'delivered' ? 'Result: DELIVERED' : `Result: DROPPED at ${t.dropAt}: ${t.dropReason}`);
  return lines.join('\n') + '\n';
}

/** The pod's first nameserver (resolv.conf), where its resolver sends queries. */
export function nameserverOf(ctx: ExecContext, pod: string): string {
  return ctx.snapshot.dns.resolvConf(pod).nameservers[0] ?? ctx.snapshot.dns.clusterDNS[0];
}

/** The DNS query as a packet: UDP from the pod to `server`:`port`; policy and kube-proxy decide whether it arrives. */
export function traceDnsQuery(ctx: ExecContext, pod: string, name: string, server = nameserverOf(ctx, pod), port = 53): TraceResult {
  const t = runTrace(ctx, pod, hostPort(server, port), 'UDP');
  recordTrace(ctx, t, 'UDP', { destination: `${hostPort(server, port)} (DNS ${name})` });
  return t;
}

/** An ExecResult from the tool's own streams and podnet's explanation (appended to stderr). */
export function toolResult(stdout: string, toolStderr: string, exitCode: number, explanation: string, extra: Pick<ExecResult, 'trace' | 'dns'> = {}): ExecResult {
  return { stdout, stderr: toolStderr + explanation, exitCode, ...extra, ...(explanation ? { explanation } : {}) };
}
