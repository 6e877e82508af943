// Faults a virtual pod can be told to have, so retries, timeouts and outlier detection have something to act on:
// the pod annotation `podnet.dev/fault` (set in the manifest) or `podnet fault NS/POD ...` in a running lab.
//
// Grammar: `<what> [<percent>%]` where what is an HTTP status (`503`: answer every HTTP request with it), `hang` (accept
// the request and never answer) or `delay=<duration>` (answer normally after the delay; Go-style duration: 500ms, 2s,
// 1m). Without a percent the fault hits every request; `503 50%` makes a flaky pod. Faults apply to HTTP requests only;
// plain TCP echo and UDP are untouched.

export const FAULT_ANNOTATION = 'podnet.dev/fault';

export type PodFault =
  | { kind: 'status'; status: number; percent: number }
  | { kind: 'hang'; percent: number }
  | { kind: 'delay'; delayMs: number; percent: number };

export class PodFaultError extends Error {}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };

export function parseDurationMs(text: string): number | undefined {
  const m = text.match(/^(\d+(?:\.\d+)?)(ms|s|m)$/);
  return m ? Number(m[1]) * UNITS[m[2]] : undefined;
}

/** Parses the annotation's value; throws PodFaultError with what is wrong. */
export function parsePodFault(text: string): PodFault {
  const parts = text.trim().split(/\s+/);
  const bad = (why: string) => new PodFaultError(`invalid ${FAULT_ANNOTATION} ${JSON.stringify(text)}: ${why} (expected "503", "503 50%", "hang", "hang 25%" or "delay=2s [50%]")`);
  if (parts.length === 0 || parts.length > 2 || parts[0] === '') throw bad('wrong number of fields');
  let percent = 100;
  if (parts.length === 2) {
    const m = parts[1].match(/^(\d+(?:\.\d+)?)%$/);
    if (!m) throw bad(`${JSON.stringify(parts[1])} is not a percentage`);
    percent = Number(m[1]);
    if (percent < 0 || percent > 100) throw bad('the percentage must be between 0 and 100');
  }
  const what = parts[0];
  if (/^\d+$/.test(what)) {
    const status = Number(what);
    if (status < 200 || status > 599) throw bad(`status ${status} must be between 200 and 599`);
    return { kind: 'status', status, percent };
  }
  if (what === 'hang') return { kind: 'hang', percent };
  if (what.startsWith('delay=')) {
    const delayMs = parseDurationMs(what.slice(6));
    if (delayMs === undefined) throw bad(`${JSON.stringify(what.slice(6))} is not a duration like 500ms, 2s or 1m`);
    return { kind: 'delay', delayMs, percent };
  }
  throw bad(`unknown fault ${JSON.stringify(what)}`);
}

export function formatPodFault(f: PodFault): string {
  const what = f.kind === 'status' ? String(f.status) : f.kind === 'hang' ? 'hang' : `delay=${f.delayMs}ms`;
  return f.percent === 100 ? what : `${what} ${f.percent}%`;
}

/** Whether this request is hit, given a number in [0,1). */
export function faultHits(f: PodFault, draw: number): boolean {
  return draw * 100 < f.percent;
}
