// Array helpers that take any length. `a.push(...b)`, `Math.max(...b)` and `f(...b)` pass every element as a call
// argument, which overflows the call stack (RangeError: Maximum call stack size exceeded) somewhere past 10^5
// elements; a Service may have 20,000 ports and a dump 100,000 pods, so podnet never spreads a list into a call.

/** Appends every item of `items` to `into` (what `into.push(...items)` does for short lists); returns `into`. */
export function pushAll<T>(into: T[], items: Iterable<T>): T[] {
  for (const x of items) into.push(x);
  return into;
}

/** The largest value (`-Infinity` for none, as Math.max()). */
export function maxOf(values: Iterable<number>): number {
  let m = -Infinity;
  for (const v of values) if (v > m || Number.isNaN(v)) m = v;
  return m;
}

/** The smallest value (`Infinity` for none, as Math.min()). */
export function minOf(values: Iterable<number>): number {
  let m = Infinity;
  for (const v of values) if (v < m || Number.isNaN(v)) m = v;
  return m;
}
