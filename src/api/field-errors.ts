// Field errors in the shape of k8s.io/apimachinery/pkg/util/validation/field, printed the way kubectl prints them:
//   The Service "web" is invalid: spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive

export type FieldErrorType = 'Invalid' | 'Required' | 'NotSupported' | 'Duplicate' | 'Forbidden' | 'TooLong' | 'TooMany';

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
  forbidden: (field: string, detail: string): FieldError => ({ type: 'Forbidden', field, detail }),
  tooLong: (field: string, value: unknown, max: number): FieldError => ({ type: 'TooLong', field, value, detail: `may not be more than ${max} bytes` }),
  tooMany: (field: string, actual: number, max: number): FieldError => ({ type: 'TooMany', field, value: actual, detail: `must have at most ${max} items` }),
};

/** Go's %v/%q-ish rendering used by apimachinery: strings quoted, numbers and booleans bare, the rest as JSON. */
export function formatFieldValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v === null || v === undefined) return 'null';
  try { return JSON.stringify(v); } catch { try { return String(v); } catch { return '<unprintable>'; } }
}

export function formatFieldError(e: FieldError): string {
  switch (e.type) {
    // apimachinery's field.Error.Error() leaves the detail (and its colon) out when it is empty.
    case 'Invalid': return `${e.field}: Invalid value: ${formatFieldValue(e.value)}${e.detail ? `: ${e.detail}` : ''}`;
    case 'Required': return `${e.field}: Required value${e.detail ? `: ${e.detail}` : ''}`;
    case 'NotSupported': return `${e.field}: Unsupported value: ${formatFieldValue(e.value)}: supported values: ${(e.supported ?? []).map((s) => JSON.stringify(s)).join(', ')}`;
    case 'Duplicate': return `${e.field}: Duplicate value: ${formatFieldValue(e.value)}`;
    case 'Forbidden': return `${e.field}: Forbidden: ${e.detail}`;
    case 'TooLong': return `${e.field}: Too long: ${e.detail}`;
    case 'TooMany': return `${e.field}: Too many: ${formatFieldValue(e.value)}: ${e.detail}`;
  }
}

/** `The Service "web" is invalid: <field error>` */
export function invalidObjectMessage(kind: string, name: string, e: FieldError): string {
  return `The ${kind} ${JSON.stringify(name)} is invalid: ${formatFieldError(e)}`;
}
