// Deterministic stand-ins for the random names controllers generate, in the same alphabet and shape.

/** k8s.io/apimachinery/pkg/util/rand: the alphabet without vowels and confusable characters. */
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** FNV-1a 32-bit, the hash Kubernetes uses for pod-template-hash (hash/fnv New32a). */
export function fnv32a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** rand.SafeEncodeString: each character of the decimal hash mapped into the safe alphabet, e.g. "7c5ddbdf54". */
export function safeEncode(decimal: string): string {
  let out = '';
  for (let i = 0; i < decimal.length; i++) out += ALPHANUMS[decimal.charCodeAt(i) % ALPHANUMS.length];
  return out;
}

/** The pod-template-hash label value of a ReplicaSet made from this template. */
export function podTemplateHash(template: unknown): string {
  return safeEncode(String(fnv32a(stableStringify(template))));
}

/** A 5-character generateName suffix (utilrand.String(5)), derived from a seed instead of randomness. */
export function nameSuffix(seed: string, length = 5): string {
  let h = fnv32a(seed);
  let out = '';
  for (let i = 0; i < length; i++) {
    out += ALPHANUMS[h % ALPHANUMS.length];
    h = Math.floor(h / ALPHANUMS.length);
    if (h < ALPHANUMS.length) h = fnv32a(seed + out);
  }
  return out;
}

/** JSON with sorted keys, so equal objects hash equally whatever their key order. */
export function stableStringify(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  const keys = Object.keys(v as object).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify((v as Record<string, unknown>)[k])}`).join(',')}}`;
}

/**
 * Picks a name `prefix + suffix(seed)` not yet in `taken`, re-seeding on collision, and records it. Entries of `taken`
 * are `scope + name` (e.g. scope = "namespace/"), so one set can hold names of many namespaces.
 */
export function uniqueGeneratedName(prefix: string, seed: string, taken: Set<string>, scope = ''): string {
  for (let attempt = 0; ; attempt++) {
    const name = prefix + nameSuffix(attempt === 0 ? seed : `${seed}#${attempt}`);
    if (!taken.has(scope + name)) {
      taken.add(scope + name);
      return name;
    }
  }
}
