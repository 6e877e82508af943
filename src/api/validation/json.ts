// Reading manifest JSON of unknown shape without ever throwing.
//
// The readers mimic Go's JSON decoding into API structs: an absent field (or null) reads as the zero value ('' / 0 /
// false / [] / {}), or as `undefined` for the pointer fields read with the opt* variants. A value of the wrong type is
// reported once, as `Invalid value: <v>: must be of type <t>`, and reads as `null`, so that callers skip the checks
// that field would otherwise get (the API server would have rejected the document while decoding it).
import { fieldErr, type FieldError } from '../field-errors.js';

export type Rec = Record<string, unknown>;
export type Errs = FieldError[];

/** field.Path rendering: `spec.ports`, `spec.ports[0]`, `data[tls.crt]`. */
export const child = (path: string, name: string): string => (path ? `${path}.${name}` : name);
export const at = (path: string, i: number): string => `${path}[${i}]`;
export const key = (path: string, k: string): string => `${path}[${k}]`;

export function isRec(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const absent = (v: unknown): v is undefined | null => v === undefined || v === null;

function typeError(errs: Errs, path: string, v: unknown, type: string): null {
  errs.push(fieldErr.invalid(path, v, `must be of type ${type}`));
  return null;
}

export function str(v: unknown, path: string, errs: Errs): string | null {
  if (absent(v)) return '';
  return typeof v === 'string' ? v : typeError(errs, path, v, 'string');
}

/** A *string field: undefined when absent. */
export function optStr(v: unknown, path: string, errs: Errs): string | undefined | null {
  return absent(v) ? undefined : str(v, path, errs);
}

export function int(v: unknown, path: string, errs: Errs): number | null {
  if (absent(v)) return 0;
  return typeof v === 'number' && Number.isInteger(v) ? v : typeError(errs, path, v, 'integer');
}

/** An *int32 / *int64 field: undefined when absent. */
export function optInt(v: unknown, path: string, errs: Errs): number | undefined | null {
  return absent(v) ? undefined : int(v, path, errs);
}

export function bool(v: unknown, path: string, errs: Errs): boolean | null {
  if (absent(v)) return false;
  return typeof v === 'boolean' ? v : typeError(errs, path, v, 'boolean');
}

/** intstr.IntOrString: a number, or a string; undefined when absent. */
export function intOrStr(v: unknown, path: string, errs: Errs): number | string | undefined | null {
  if (absent(v)) return undefined;
  if (typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v))) return v;
  return typeError(errs, path, v, 'integer or string');
}

/** A struct field: `{}` when absent. */
export function obj(v: unknown, path: string, errs: Errs): Rec | null {
  if (absent(v)) return {};
  return isRec(v) ? v : typeError(errs, path, v, 'object');
}

/** A pointer-to-struct field: undefined when absent. */
export function optObj(v: unknown, path: string, errs: Errs): Rec | undefined | null {
  return absent(v) ? undefined : obj(v, path, errs);
}

export function arr(v: unknown, path: string, errs: Errs): unknown[] | null {
  if (absent(v)) return [];
  return Array.isArray(v) ? v : typeError(errs, path, v, 'array');
}

/** The items of a list of structs that are objects (others are reported), with their index. */
export function objItems(v: unknown, path: string, errs: Errs): [Rec, number][] {
  return objsOf(arr(v, path, errs) ?? [], path, errs);
}

/** objItems over a list already read with arr(). */
export function objsOf(items: unknown[], path: string, errs: Errs): [Rec, number][] {
  const out: [Rec, number][] = [];
  items.forEach((item, i) => {
    if (absent(item)) out.push([{}, i]);
    else if (isRec(item)) out.push([item, i]);
    else typeError(errs, at(path, i), item, 'object');
  });
  return out;
}

/** A []string field; items of another type are reported and dropped. */
export function strList(v: unknown, path: string, errs: Errs): string[] | null {
  const items = arr(v, path, errs);
  if (items === null) return null;
  const out: string[] = [];
  items.forEach((item, i) => {
    const s = str(item, at(path, i), errs);
    if (s !== null) out.push(s);
  });
  return out;
}

/** A map[string]string field; values of another type are reported (at `path[key]`) and dropped. */
export function strMap(v: unknown, path: string, errs: Errs): Record<string, string> | null {
  const m = obj(v, path, errs);
  if (m === null) return null;
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(m)) {
    const s = str(val, key(path, k), errs);
    if (s === null) continue;
    // defineProperty: a "__proto__" key stays an ordinary entry.
    if (k === '__proto__') Object.defineProperty(out, k, { value: s, enumerable: true, writable: true, configurable: true });
    else out[k] = s;
  }
  return out;
}

/** True when the field is present (not undefined or null). */
export const has = (v: unknown): boolean => !absent(v);
