// Go's time.ParseDuration, which kubectl uses for flags such as `logs --since`: a sequence of decimal numbers, each
// with a unit (ns, us/µs, ms, s, m, h), with an optional sign; "0" alone needs no unit. Errors carry Go's own words.

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export class DurationError extends Error {}

/** The duration in milliseconds (may be fractional or negative); throws DurationError with Go's message. */
export function parseGoDuration(text: string): number {
  const quoted = JSON.stringify(text);
  let s = text;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) { if (s[0] === '-') sign = -1; s = s.slice(1); }
  if (s === '0') return 0;
  if (s === '') throw new DurationError(`time: invalid duration ${quoted}`);
  let total = 0;
  while (s !== '') {
    const num = /^(\d*)(?:\.(\d*))?/.exec(s)!;
    if (num[0] === '' || num[0] === '.' || (num[1] === '' && (num[2] ?? '') === '')) throw new DurationError(`time: invalid duration ${quoted}`);
    s = s.slice(num[0].length);
    const unit = /^[^\d.]*/.exec(s)![0];
    if (unit === '') throw new DurationError(`time: missing unit in duration ${quoted}`);
    const ms = UNIT_MS[unit];
    if (ms === undefined) throw new DurationError(`time: unknown unit ${JSON.stringify(unit)} in duration ${quoted}`);
    total += Number(`${num[1] || '0'}.${num[2] ?? ''}0`) * ms;
    s = s.slice(unit.length);
  }
  return sign * total;
}
