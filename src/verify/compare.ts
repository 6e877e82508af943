// The referee's answer against the model's, as plain data: what the referee is asked to do for a flow (how many
// connections, how long to wait), and where its observation and the model's expectation disagree. Pure: no I/O.
import type { ConnectExpectation, DnsExpectation, Expectation, Outcome } from './expect.js';

/** One connection as the referee saw it; `error` when it could not even try (a tool failed). */
export interface ConnectAttempt {
  outcome: Outcome | 'error';
  /** What the agent's /hostname said (absent: it did not answer HTTP). */
  hostname?: string;
  /** The address (no port) the agent's /clientip said it saw. */
  clientIP?: string;
  /** The HTTP status of the request a flow carries, and its Location header (a redirect). */
  status?: number;
  location?: string;
  /** The first line of that answer's body (a live cluster's mesh answers are told apart by it: `RBAC: access denied`). */
  answer?: string;
  /** linkerd-proxy's `l5d-proxy-error` header on that answer: why the proxy refused or failed the request. */
  proxyError?: string;
  detail?: string;
}

export interface ConnectObservation { kind: 'connect'; attempts: ConnectAttempt[] }
export interface DnsObservation { kind: 'dns'; rcode: string; answers: string[]; detail?: string }
export type Observation = ConnectObservation | DnsObservation;

/** What a referee reports for a flow it could not make happen: an error, saying why. */
export function failedObservation(flow: { kind: 'connect' | 'dns' }, detail: string): Observation {
  return flow.kind === 'dns' ? { kind: 'dns', rcode: 'ERROR', answers: [], detail } : { kind: 'connect', attempts: [{ outcome: 'error', detail }] };
}

export interface ProbePlan {
  /** Connections to open at least and at most; the referee may stop between the two once `until` have all answered. */
  minAttempts: number;
  maxAttempts: number;
  until: string[];
  /** How long a connection attempt (or a DNS query) waits: a drop shows as this timeout. */
  timeoutMs: number;
}

export type Aspect = 'verdict' | 'endpoints' | 'snat' | 'affinity' | 'agent' | 'dns' | 'http';

export interface Disagreement { aspect: Aspect; model: string; referee: string }

export const DEFAULT_TIMEOUT_MS = 1000;

/**
 * Enough connections that missing one of k equally likely endpoints is below 1e-4 (k·(1−1/k)^n), bounded. A flow the
 * model says some connections of get no answer (a drop, also through one of several endpoints; a DNS query with no
 * reply) waits `dropTimeoutMs`: only a drop spends the whole wait, while an answer, when one comes, comes at once (an
 * accept or a REJECT is the kernel's), so a short wait still sees an answer where the model says drop.
 */
export function planFor(e: Expectation, timeoutMs = DEFAULT_TIMEOUT_MS, dropTimeoutMs = timeoutMs): ProbePlan {
  if (e.kind === 'dns') return { minAttempts: 1, maxAttempts: 1, until: [], timeoutMs: e.rcode === 'TIMEOUT' ? dropTimeoutMs : timeoutMs };
  if (e.kind !== 'connect') return { minAttempts: 1, maxAttempts: 1, until: [], timeoutMs };
  if (e.outcomes.includes('timeout')) timeoutMs = dropTimeoutMs;
  if (!e.outcomes.includes('allowed')) return { minAttempts: 1, maxAttempts: 1, until: [], timeoutMs };
  const k = e.answering.length;
  if (e.affinity) return { minAttempts: 6, maxAttempts: 6, until: [], timeoutMs };
  if (k <= 1 && e.outcomes.length === 1) return { minAttempts: 2, maxAttempts: 2, until: e.answering, timeoutMs };
  const n = Math.min(80, Math.ceil(Math.log(1e-4 / Math.max(k, 2)) / Math.log(1 - 1 / Math.max(k, 2))));
  return { minAttempts: Math.max(4, 2 * k), maxAttempts: n, until: e.answering, timeoutMs };
}

const words: Record<Outcome | 'error', string> = { allowed: 'allowed', refused: 'refused', timeout: 'dropped (timeout)', reset: 'reset', error: 'error' };
const set = (xs: readonly string[]) => (xs.length ? `{${xs.join(', ')}}` : '{}');

function compareConnect(e: ConnectExpectation, o: ConnectObservation, identify: boolean): Disagreement[] {
  const out: Disagreement[] = [];
  const seen = [...new Set(o.attempts.map((a) => a.outcome))].sort();
  const unexpected = seen.filter((s) => s === 'error' || !e.outcomes.includes(s));
  const errors = o.attempts.filter((a) => a.outcome === 'error').map((a) => a.detail).filter(Boolean);
  if (unexpected.length) {
    out.push({ aspect: 'verdict', model: e.outcomes.map((x) => words[x]).join(' or '), referee: seen.map((x) => words[x]).join(' and ') + (errors.length ? ` (${errors[0]})` : '') });
    return out;
  }
  const allowed = o.attempts.filter((a) => a.outcome === 'allowed');
  if (e.status !== undefined && allowed.length) {
    const statuses = [...new Set(allowed.map((a) => (a.status === undefined ? 'no answer' : String(a.status))))].sort();
    if (statuses.join() !== String(e.status)) {
      const why = allowed.find((a) => a.status === undefined)?.detail;
      out.push({ aspect: 'http', model: `HTTP ${e.status}`, referee: `${statuses.map((x) => (x === 'no answer' ? x : `HTTP ${x}`)).join(' and ')}${why ? ` (${why})` : ''}` });
      return out;
    }
    if (e.answering.length === 0) return out;
  }
  if (!identify || allowed.length === 0) return out;
  const silent = allowed.filter((a) => a.hostname === undefined);
  if (silent.length) out.push({ aspect: 'agent', model: `the agent answers /hostname (${set(e.answering)})`, referee: `${silent.length} of ${allowed.length} connections got no answer from the agent${silent[0].detail ? ` (${silent[0].detail})` : ''}` });
  const hosts = [...new Set(allowed.flatMap((a) => (a.hostname === undefined ? [] : [a.hostname])))].sort();
  if (e.affinity) {
    if (hosts.length > 1 || hosts.some((h) => !e.answering.includes(h))) out.push({ aspect: 'affinity', model: `sessionAffinity ClientIP: every connection reaches the same one of ${set(e.answering)}`, referee: `${allowed.length} connections reached ${set(hosts)}` });
  } else if (hosts.join('\n') !== e.answering.join('\n')) {
    out.push({ aspect: 'endpoints', model: set(e.answering), referee: `${set(hosts)} over ${o.attempts.length} connections` });
  }
  const wrong = allowed.filter((a) => a.hostname !== undefined && a.clientIP !== undefined && e.clientIPs[a.hostname] !== undefined && e.clientIPs[a.hostname] !== a.clientIP);
  if (wrong.length) {
    const a = wrong[0];
    const model = e.clientIPs[a.hostname!];
    const snat = e.endpoints.find((x) => x.pod?.endsWith(`/${a.hostname}`))?.snat;
    out.push({ aspect: 'snat', model: `${a.hostname} sees ${model}${snat ? ' (SNAT)' : ' (no SNAT)'}`, referee: `${a.hostname} saw ${a.clientIP}` });
  }
  return out;
}

function compareDns(e: DnsExpectation, o: DnsObservation): Disagreement[] {
  if (o.rcode === e.rcode && o.answers.join(' ') === e.answers.join(' ')) return [];
  return [{ aspect: 'dns', model: `${e.rcode} ${set(e.answers)}`, referee: `${o.rcode} ${set(o.answers)}${o.detail ? ` (${o.detail})` : ''}` }];
}

/** Where the referee's observation disagrees with the model's expectation; empty when they agree. */
export function compare(e: Expectation, o: Observation, opts: { identify?: boolean } = {}): Disagreement[] {
  if (e.kind === 'skip') return [];
  if (e.kind === 'connect' && o.kind === 'connect') return compareConnect(e, o, opts.identify ?? true);
  if (e.kind === 'dns' && o.kind === 'dns') return compareDns(e, o);
  return [{ aspect: 'verdict', model: e.kind, referee: `a ${o.kind} observation` }];
}
