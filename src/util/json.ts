// Equality of parsed manifest values without serialising them: the diff compares thousands of specs between two
// snapshots, and JSON.stringify of both sides cost more than the comparison needs (and their garbage, collection).

/**
 * Whether two JSON values (what a manifest parses to) are equal as JSON.stringify would write them: the same
 * primitives, arrays element by element, objects key by key in the same order. A key whose value is undefined is
 * left out, as JSON.stringify leaves it out.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return JSON.stringify(a) === JSON.stringify(b);
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i] ?? null, b[i] ?? null)) return false;
    return true;
  }
  const x = a as Record<string, unknown>, y = b as Record<string, unknown>;
  const kx = Object.keys(x), ky = Object.keys(y);
  let i = 0, j = 0;
  for (;;) {
    while (i < kx.length && x[kx[i]] === undefined) i++;
    while (j < ky.length && y[ky[j]] === undefined) j++;
    if (i === kx.length || j === ky.length) return i === kx.length && j === ky.length;
    if (kx[i] !== ky[j] || !sameJson(x[kx[i]], y[ky[j]])) return false;
    i++;
    j++;
  }
}
