// kubectl's machine-readable printers: -o json (json.MarshalIndent, 4 spaces, keys sorted as for unstructured
// objects, HTML characters escaped as Go does), -o yaml (sigs.k8s.io/yaml: sorted keys, sequences not indented under
// their key), -o name (`pod/frontend-7d4b9c`), and the List wrapper kubectl puts around several objects.
import YAML from 'yaml';
import { goCompare } from './format.js';

/** A deep copy with every object's keys in Go's sorted order. */
export function sortKeysDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeysDeep);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort(goCompare)) {
      const value = (v as Record<string, unknown>)[k];
      if (value !== undefined) out[k] = sortKeysDeep(value);
    }
    return out;
  }
  return v;
}

/** What `kubectl get` prints for more than one object (or any list query) with -o json/yaml. */
export function asList(items: unknown[]): Record<string, unknown> {
  return { apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } };
}

export function toJSON(v: unknown): string {
  return JSON.stringify(sortKeysDeep(v), null, 4)
    .replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029') + '\n';
}

export function toYAML(v: unknown): string {
  return YAML.stringify(sortKeysDeep(v), { indentSeq: false, lineWidth: 0, minContentWidth: 0 });
}
