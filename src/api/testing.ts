// YAML documents for the tests and fuzzers of the alias bound (src/api/yaml.ts).

const list = (n: number, item: string) => Array(n).fill(item).join(',');
const HEAD = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\nextra:\n';

/** "Billion laughs": `depth` levels of `width` aliases of the level below, as a Pod's labels. */
export function laughs(depth: number, width = 10): string {
  const lines = ['apiVersion: v1', 'kind: Pod', 'metadata:', '  name: bomb', '  labels:', `    l0: &l0 [${list(width, '"lol"')}]`];
  for (let i = 1; i < depth; i++) lines.push(`    l${i}: &l${i} [${list(width, `*l${i - 1}`)}]`);
  return lines.join('\n') + '\n';
}

/** An anchor of `len` scalars, aliased `uses` times. */
export const wideSeq = (len: number, uses: number): string => `${HEAD}  a: &a [${list(len, 'x')}]\n  b: [${list(uses, '*a')}]\n`;

/** An anchor of `len` key/value pairs, aliased `uses` times. */
export const wideMap = (len: number, uses: number): string =>
  `${HEAD}  a: &a {${Array.from({ length: len }, (_, i) => `k${i}: v`).join(',')}}\n  b: [${list(uses, '*a')}]\n`;

/** `uses` aliases of an anchor that itself holds ten aliases of a 100-scalar anchor. */
export const nestedAliases = (uses: number): string => `${HEAD}  a: &a [${list(100, 'x')}]\n  b: &b [${list(10, '*a')}]\n  c: [${list(uses, '*b')}]\n`;
