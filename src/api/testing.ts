// YAML documents for the tests and fuzzers of the alias bound (src/api/yaml.ts), and the validation tables' runner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateObject } from './validate.js';
import { invalidObjectMessage } from './field-errors.js';
import type { KubeObject } from './types.js';

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

// The validation tables' upstream texts (apimachinery's validation messages), written out here independently of the
// implementation, and the runner that turns each case into a test of its exact kubectl-style messages.
export const LABEL = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
export const SUBDOMAIN = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
export const RANGE = 'must be between 1 and 65535, inclusive';
export const CIDR = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';

export interface ValidationCase {
  name: string;
  obj: Record<string, unknown>;
  want: string[];
}

export function runValidationCases(cases: ValidationCase[]): void {
  for (const c of cases) {
    const kind = String(c.obj.kind);
    const name = String((c.obj.metadata as { name?: string } | undefined)?.name ?? '');
    test(`${kind}: ${c.name}`, () => {
      const got = validateObject(c.obj as unknown as KubeObject).map((e) => invalidObjectMessage(kind, name, e));
      assert.deepEqual(got, c.want);
    });
  }
}
