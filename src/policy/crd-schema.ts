// Validation of a custom resource the way the API server validates it against its CRD: the OpenAPI v3 structural
// schema (types, required, enum, minimum/maximum, min/maxItems, min/maxProperties, maxLength, pattern) and the
// x-kubernetes-validations CEL rules, here written as predicates with the CRD's own messages. Unknown fields are pruned
// first, as the API server does, so a peer with only an unknown field is empty and fails minProperties. Messages are
// those of apiextensions-apiserver (kubeOpenAPIResultToFieldErrors, CEL validation):
//   spec.priority: Invalid value: 1001: spec.priority in body should be less than or equal to 1000
//   spec.ingress: Too many: 26: must have at most 25 items
//   spec.egress[0].to[0].networks[0]: Invalid value: "string": Invalid CIDR format provided
import { fieldErr, formatFieldError, type FieldError } from '../api/field-errors.js';

type Obj = Record<string, unknown>;

/** A CEL rule of x-kubernetes-validations: `holds(self)` false gives `message`. */
export interface CelRule { holds: (self: any) => boolean; message: string }

export type Schema =
  | { type: 'object'; properties: Record<string, Schema>; required?: string[]; minProperties?: number; maxProperties?: number; cel?: CelRule[]; additionalProperties?: Schema }
  | { type: 'array'; items: Schema; minItems?: number; maxItems?: number; cel?: CelRule[] }
  | { type: 'string'; enum?: string[]; maxLength?: number; pattern?: RegExp; cel?: CelRule[] }
  | { type: 'integer'; minimum?: number; maximum?: number; cel?: CelRule[] };

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const jsonType = (v: unknown): string => (Array.isArray(v) ? 'array' : v === null ? 'null' : Number.isInteger(v) ? 'integer' : typeof v === 'number' ? 'number' : typeof v);

/** The CEL error's value is the type of `self` ("object", "string"...), as the API server prints it. */
const celValue = (v: unknown): string => (Array.isArray(v) ? 'array' : typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v);

/** Validates `value` (already present) at `path`; returns errors in schema order, CEL rules after a node's own checks. */
export function validateAgainst(schema: Schema, value: unknown, path: string, errs: FieldError[] = []): FieldError[] {
  const typeOk = schema.type === 'integer' ? Number.isInteger(value) : schema.type === 'object' ? isObj(value) : schema.type === 'array' ? Array.isArray(value) : typeof value === schema.type;
  if (!typeOk) {
    errs.push(fieldErr.invalid(path, jsonType(value), `${path} in body must be of type ${schema.type}: ${JSON.stringify(jsonType(value))}`));
    return errs;
  }
  const before = errs.length;
  switch (schema.type) {
    case 'object': {
      const o = value as Obj;
      const present = Object.keys(o).filter((k) => o[k] !== undefined && o[k] !== null && (schema.additionalProperties !== undefined || Object.hasOwn(schema.properties, k)));
      if (schema.maxProperties !== undefined && present.length > schema.maxProperties) errs.push(fieldErr.tooMany(path, present.length, schema.maxProperties));
      if (schema.minProperties !== undefined && present.length < schema.minProperties) errs.push(fieldErr.invalid(path, present.length, `${path} in body should have at least ${schema.minProperties} properties`));
      for (const r of schema.required ?? []) if (o[r] === undefined || o[r] === null) errs.push(fieldErr.required(`${path}.${r}`));
      for (const [k, s] of Object.entries(schema.properties)) if (o[k] !== undefined && o[k] !== null) validateAgainst(s, o[k], `${path}.${k}`, errs);
      if (schema.additionalProperties) for (const k of present) if (!Object.hasOwn(schema.properties, k)) validateAgainst(schema.additionalProperties, o[k], `${path}.${k}`, errs);
      break;
    }
    case 'array': {
      const a = value as unknown[];
      if (schema.maxItems !== undefined && a.length > schema.maxItems) errs.push(fieldErr.tooMany(path, a.length, schema.maxItems));
      if (schema.minItems !== undefined && a.length < schema.minItems) errs.push(fieldErr.invalid(path, a.length, `${path} in body should have at least ${schema.minItems} items`));
      // A null item is not pruned (only object fields are): it fails its type.
      a.forEach((item, i) => validateAgainst(schema.items, item, `${path}[${i}]`, errs));
      break;
    }
    case 'string': {
      const s = value as string;
      if (schema.enum && !schema.enum.includes(s)) errs.push(fieldErr.notSupported(path, s, schema.enum));
      if (schema.maxLength !== undefined && [...s].length > schema.maxLength) errs.push(fieldErr.tooLong(path, s, schema.maxLength));
      if (schema.pattern && !schema.pattern.test(s)) errs.push(fieldErr.invalid(path, s, `${path} in body should match '${schema.pattern.source}'`));
      break;
    }
    case 'integer': {
      const n = value as number;
      if (schema.maximum !== undefined && n > schema.maximum) errs.push(fieldErr.invalid(path, n, `${path} in body should be less than or equal to ${schema.maximum}`));
      if (schema.minimum !== undefined && n < schema.minimum) errs.push(fieldErr.invalid(path, n, `${path} in body should be greater than or equal to ${schema.minimum}`));
      break;
    }
  }
  // CEL rules see a value that passed its schema; a rule that cannot evaluate its input fails like a false rule.
  if (errs.length === before) {
    for (const rule of schema.cel ?? []) {
      let ok = false;
      try { ok = rule.holds(value); } catch { ok = false; }
      if (!ok) errs.push(fieldErr.invalid(path, celValue(value), rule.message));
    }
  }
  return errs;
}

/** The schema of metav1.LabelSelector as CRDs embed it (matchExpressions need key and operator). */
export const LABEL_SELECTOR: Schema = {
  type: 'object',
  properties: {
    matchExpressions: { type: 'array', items: { type: 'object', required: ['key', 'operator'], properties: { key: { type: 'string' }, operator: { type: 'string' }, values: { type: 'array', items: { type: 'string' } } } } },
    matchLabels: { type: 'object', properties: {}, additionalProperties: { type: 'string' } },
  },
};

export function formatErrors(errs: readonly FieldError[]): string[] {
  return errs.map(formatFieldError);
}
