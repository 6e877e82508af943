// Field errors in the shape of k8s.io/apimachinery/pkg/util/validation/field, printed the way kubectl prints them:
//   The Service "web" is invalid: spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive

export type FieldErrorType = 'Invalid' | 'Required' | 'NotSupported' | 'Duplicate' | 'NotFound' | 'Forbidden' | 'TooLong' | 'TooMany';

export interface FieldError {
  type: FieldErrorType;
  /** JSON path as the API prints it: spec.ports[0].port, metadata.labels, spec.selector.matchExpressions[0].operator */
  field: string;
  value?: unknown;
  detail?: string;
  /** For NotSupported: the allowed values. */
  supported?: readonly string[];
}

export const fieldErr = {
  invalid: (field: string, value: unknown, detail: string): FieldError => ({ type: 'Invalid', field, value, detail }),
  required: (field: string, detail = ''): FieldError => ({ type: 'Required', field, detail }),
  notSupported: (field: string, value: unknown, supported: readonly string[]): FieldError => ({ type: 'NotSupported', field, value, supported }),
  duplicate: (field: string, value: unknown): FieldError => ({ type: 'Duplicate', field, value }),
  notFound: (field: string, value: unknown): FieldError => ({ type: 'NotFound', field, value }),
  forbidden: (field: string, detail: string): FieldError => ({ type: 'Forbidden', field, detail }),
  tooLong: (field: string, value: unknown, max: number): FieldError => ({ type: 'TooLong', field, value, detail: `may not be more than ${max} bytes` }),
  tooMany: (field: string, actual: number, max: number): FieldError => ({ type: 'TooMany', field, value: actual, detail: `must have at most ${max} items` }),
};

/**
 * The most characters of one value an error message quotes. apimachinery quotes a bad value whole (field.TooLong leaves
 * it out); podnet cuts longer ones, as Go's YAML decoder cuts what it quotes (`value[:7] + "..."`), so that a
 * megabyte label or an alias-expanded list never makes a megabyte error line. Every name, key and label the API
 * allows (at most 317 characters) is still quoted whole.
 */
export const MAX_QUOTED_CHARS = 1024;

/** A string as a message quotes it: JSON-quoted, cut to MAX_QUOTED_CHARS with its length said. */
export function quote(s: string): string {
  if (s.length <= MAX_QUOTED_CHARS) return JSON.stringify(s);
  return `${JSON.stringify(s.slice(0, MAX_QUOTED_CHARS)).slice(0, -1)}..." (${s.length} characters)`;
}

/** The same cut for text a message shows unquoted (a kind, an apiVersion). */
export function shorten(s: string): string {
  return s.length <= MAX_QUOTED_CHARS ? s : `${s.slice(0, MAX_QUOTED_CHARS)}... (${s.length} characters)`;
}

/** Go's %v/%q-ish rendering used by apimachinery: strings quoted, numbers and booleans bare, the rest as JSON, cut. */
export function formatFieldValue(v: unknown): string {
  if (typeof v === 'string') return quote(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v === null || v === undefined) return 'null';
  return boundedJson(v, MAX_QUOTED_CHARS);
}

/**
 * JSON of a value, stopping at `max` characters (then `...`): never more work than the characters it writes, whatever
 * the value's size. Cycles print as "[Circular]"; what JSON has no form for prints as JSON.stringify would (functions
 * and undefined members dropped, bigints as strings).
 */
export function boundedJson(value: unknown, max: number): string {
  let out = '';
  const ancestors = new Set<object>();
  const write = (s: string): boolean => {
    out += s;
    return out.length <= max;
  };
  const visit = (v: unknown): boolean => {
    if (v === null || typeof v === 'number' || typeof v === 'boolean') return write(typeof v === 'number' && !Number.isFinite(v) ? 'null' : String(v));
    if (typeof v === 'string') return write(JSON.stringify(v.length > max ? v.slice(0, max + 1) : v));
    if (typeof v === 'bigint') return write(JSON.stringify(String(v)));
    if (typeof v !== 'object') return write('null');
    if (ancestors.has(v)) return write('"[Circular]"');
    ancestors.add(v);
    let ok: boolean;
    if (Array.isArray(v)) {
      ok = write('[');
      for (let i = 0; ok && i < v.length; i++) ok = (i === 0 || write(',')) && visit(v[i]);
      ok &&= write(']');
    } else {
      ok = write('{');
      let first = true;
      for (const key in v) {
        if (!ok) break;
        if (!Object.hasOwn(v, key)) continue;
        const x = (v as Record<string, unknown>)[key];
        if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
        ok = (first || write(',')) && write(`${JSON.stringify(key.length > max ? key.slice(0, max + 1) : key)}:`) && visit(x);
        first = false;
      }
      ok &&= write('}');
    }
    ancestors.delete(v);
    return ok;
  };
  return visit(value) ? out : `${out.slice(0, max)}...`;
}

export function formatFieldError(e: FieldError): string {
  // A field path quotes map keys (metadata.labels[key]): a long key is cut like any other quoted value.
  const field = e.field.length <= 2 * MAX_QUOTED_CHARS ? e.field : `${e.field.slice(0, 2 * MAX_QUOTED_CHARS)}...`;
  switch (e.type) {
    // apimachinery's field.Error.Error() leaves the detail (and its colon) out when it is empty.
    case 'Invalid': return `${field}: Invalid value: ${formatFieldValue(e.value)}${e.detail ? `: ${e.detail}` : ''}`;
    case 'Required': return `${field}: Required value${e.detail ? `: ${e.detail}` : ''}`;
    case 'NotSupported': return `${field}: Unsupported value: ${formatFieldValue(e.value)}: supported values: ${(e.supported ?? []).map((s) => quote(s)).join(', ')}`;
    case 'Duplicate': return `${field}: Duplicate value: ${formatFieldValue(e.value)}`;
    case 'NotFound': return `${field}: Not found: ${formatFieldValue(e.value)}`;
    case 'Forbidden': return `${field}: Forbidden: ${e.detail}`;
    case 'TooLong': return `${field}: Too long: ${e.detail}`;
    case 'TooMany': return `${field}: Too many: ${formatFieldValue(e.value)}: ${e.detail}`;
  }
}

/** `The Service "web" is invalid: <field error>` */
export function invalidObjectMessage(kind: string, name: string, e: FieldError): string {
  return `The ${kind} ${quote(name)} is invalid: ${formatFieldError(e)}`;
}
