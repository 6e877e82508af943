// Retries and timeouts as the client's Envoy applies them, as a pure function the lab drives with real attempts.
// Sources: Istio HTTPRetry (istio/api networking/v1alpha3/virtual_service.proto) and Envoy's router retry policy
// (envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter#x-envoy-retry-on):
// - at most 1 + attempts tries; a try is retried only when its outcome is in retryOn;
// - `5xx`: any 5xx, connect failure, reset or per-try timeout; `gateway-error`: 502/503/504 (and per-try timeout);
//   `connect-failure`, `reset`, `refused-stream`; `retriable-4xx`: 409; numeric codes (Istio's "503") and
//   `retriable-status-codes` with the policy's codes (Istio's default policy retries 503 this way);
// - a try that exceeds perTryTimeout is abandoned as a 504;
// - the route timeout bounds everything, retries included: when it expires the client gets 504;
// - between tries Envoy backs off: base 25 ms, doubling, capped at 10x base (Envoy adds jitter; here the upper bound is
//   used, so results are reproducible).
import type { RetryPolicy } from './routing.js';
import { minOf } from '../util/arrays.js';

export interface AttemptOutcome {
  /** HTTP status of the upstream response (absent for connect failure / reset). */
  status?: number;
  connectFailure?: boolean;
  reset?: boolean;
  /** How long the try took (or would have taken) in ms. */
  durationMs: number;
}

export interface RetryResult {
  /** What the client gets. */
  status: number;
  tries: number;
  elapsedMs: number;
  outcomes: AttemptOutcome[];
  reason: string;
}

const BASE_BACKOFF_MS = 25;

export function backoffMs(retryIndex: number): number {
  return Math.min(BASE_BACKOFF_MS * 2 ** retryIndex, BASE_BACKOFF_MS * 10);
}

export function isRetriable(retryOn: string, o: AttemptOutcome, perTryTimedOut: boolean, retriableStatusCodes: readonly number[] = []): boolean {
  const on = new Set(retryOn.split(',').map((s) => s.trim()).filter(Boolean));
  const codes = new Set([...[...on].filter((s) => /^\d{3}$/.test(s)).map(Number), ...(on.has('retriable-status-codes') ? retriableStatusCodes : [])]);
  const failedConnection = o.connectFailure === true || o.reset === true;
  if (on.has('5xx') && (perTryTimedOut || failedConnection || (o.status !== undefined && o.status >= 500))) return true;
  if (on.has('gateway-error') && (perTryTimedOut || o.status === 502 || o.status === 503 || o.status === 504)) return true;
  if (on.has('connect-failure') && o.connectFailure) return true;
  if ((on.has('reset') || on.has('refused-stream')) && o.reset) return true;
  if (on.has('retriable-4xx') && o.status === 409) return true;
  return o.status !== undefined && codes.has(o.status);
}

type Step = { done: RetryResult } | { elapsedMs: number };

/** What happens after try `i` (0-based) that started `elapsedMs` into the request: the client's answer, or go on. */
function afterTry(policy: RetryPolicy, routeTimeoutMs: number | undefined, i: number, elapsedMs: number, o: AttemptOutcome, outcomes: AttemptOutcome[]): Step {
  const maxTries = 1 + Math.max(0, policy.attempts);
  const perTryTimedOut = policy.perTryTimeoutMs !== undefined && o.durationMs > policy.perTryTimeoutMs;
  const took = perTryTimedOut ? policy.perTryTimeoutMs! : o.durationMs;
  if (routeTimeoutMs !== undefined && elapsedMs + took > routeTimeoutMs) {
    return { done: { status: 504, tries: i + 1, elapsedMs: routeTimeoutMs, outcomes, reason: `route timeout ${routeTimeoutMs} ms expired during try ${i + 1}: 504 (UT)` } };
  }
  const elapsed = elapsedMs + took;
  const status = perTryTimedOut ? 504 : o.status ?? 503;
  const retriable = isRetriable(policy.retryOn, o, perTryTimedOut, policy.retriableStatusCodes);
  if (!retriable || i === maxTries - 1) {
    const why = !retriable ? (status < 500 ? 'succeeded' : `not retriable under retryOn ${policy.retryOn}`) : `retries exhausted (${policy.attempts})`;
    return { done: { status, tries: i + 1, elapsedMs: elapsed, outcomes, reason: `try ${i + 1}: ${perTryTimedOut ? `per-try timeout ${policy.perTryTimeoutMs} ms` : o.status ?? (o.connectFailure ? 'connect failure' : 'reset')}, ${why}` } };
  }
  return { elapsedMs: elapsed };
}

/** Runs `attempt(i)` (i = 0 for the first try) under the retry policy and route timeout. */
export function runWithRetries(policy: RetryPolicy, routeTimeoutMs: number | undefined, attempt: (i: number) => AttemptOutcome): RetryResult {
  const outcomes: AttemptOutcome[] = [];
  let elapsed = 0;
  for (let i = 0; ; i++) {
    if (i > 0) elapsed += backoffMs(i - 1);
    const o = attempt(i);
    outcomes.push(o);
    const step = afterTry(policy, routeTimeoutMs, i, elapsed, o, outcomes);
    if ('done' in step) return step.done;
    elapsed = step.elapsedMs;
  }
}

/**
 * The same policy over real tries (the lab): `attempt(i, budgetMs)` must settle within `budgetMs` (the per-try timeout
 * or what is left of the route timeout, whichever is first), reporting how long it took; `sleep` waits out the backoff.
 */
export async function runWithRetriesAsync(policy: RetryPolicy, routeTimeoutMs: number | undefined, attempt: (i: number, budgetMs: number | undefined) => Promise<AttemptOutcome>, sleep: (ms: number) => Promise<void>): Promise<RetryResult> {
  const outcomes: AttemptOutcome[] = [];
  let elapsed = 0;
  for (let i = 0; ; i++) {
    if (i > 0) {
      const wait = backoffMs(i - 1);
      await sleep(wait);
      elapsed += wait;
    }
    const left = routeTimeoutMs === undefined ? undefined : Math.max(0, routeTimeoutMs - elapsed);
    // One millisecond past the limit, so a try that hangs is seen as having exceeded it.
    const limits = [policy.perTryTimeoutMs, left].filter((x): x is number => x !== undefined);
    const o = await attempt(i, limits.length ? minOf(limits) + 1 : undefined);
    outcomes.push(o);
    const step = afterTry(policy, routeTimeoutMs, i, elapsed, o, outcomes);
    if ('done' in step) return step.done;
    elapsed = step.elapsedMs;
  }
}
