// ObjectMeta, labels, annotations and label selectors: apimachinery/pkg/api/validation/objectmeta.go and
// apimachinery/pkg/apis/meta/v1/validation/validation.go.
import { fieldErr } from '../field-errors.js';
import type { LabelSelector, LabelSelectorRequirement } from '../types.js';
import { isQualifiedName, isValidLabelValue, nameIsDNSLabel, type NameFn } from './format.js';
import { child, at, objItems, obj, str, strList, strMap, type Errs, type Rec } from './json.js';

const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * (1 << 10);

/** ValidateLabelName: a label key (qualified name), reported with the key as the value. */
export function validateLabelName(name: string, path: string, errs: Errs): void {
  for (const msg of isQualifiedName(name)) errs.push(fieldErr.invalid(path, name, msg));
}

/** ValidateLabels: every key a qualified name, every value a label value; both reported at the map's path. */
export function validateLabels(v: unknown, path: string, errs: Errs): Record<string, string> | null {
  const labels = strMap(v, path, errs);
  if (labels === null) return null;
  for (const [k, val] of Object.entries(labels)) {
    validateLabelName(k, path, errs);
    for (const msg of isValidLabelValue(val)) errs.push(fieldErr.invalid(path, val, msg));
  }
  return labels;
}

/** ValidateAnnotations: keys are qualified names ignoring case; keys and values together at most 256 KiB. */
export function validateAnnotations(v: unknown, path: string, errs: Errs): void {
  const annotations = strMap(v, path, errs);
  if (annotations === null) return;
  let size = 0;
  for (const [k, val] of Object.entries(annotations)) {
    for (const msg of isQualifiedName(k.toLowerCase())) errs.push(fieldErr.invalid(path, k, msg));
    size += Buffer.byteLength(k) + Buffer.byteLength(val);
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(fieldErr.tooLong(path, '', TOTAL_ANNOTATION_SIZE_LIMIT));
}

export interface SelectorResult {
  /** The selector with only well-typed parts, for matching. */
  selector: LabelSelector;
  /** False when metav1.LabelSelectorAsSelector would fail (any error in the selector). */
  ok: boolean;
  /** len(matchLabels) + len(matchExpressions) == 0, counting what was written. */
  empty: boolean;
}

/** ValidateLabelSelector (with AllowInvalidLabelValueInSelector off, as on create). `v` must be present. */
export function validateLabelSelector(v: unknown, path: string, errs: Errs): SelectorResult {
  const before = errs.length;
  const sel = obj(v, path, errs);
  if (sel === null) return { selector: {}, ok: false, empty: false };
  const matchLabels = validateLabels(sel.matchLabels, child(path, 'matchLabels'), errs) ?? {};
  const exprsPath = child(path, 'matchExpressions');
  const items = objItems(sel.matchExpressions, exprsPath, errs);
  const matchExpressions = items.map(([e, i]) => validateRequirement(e, at(exprsPath, i), errs));
  const rawLabels = sel.matchLabels && typeof sel.matchLabels === 'object' ? Object.keys(sel.matchLabels).length : 0;
  const rawExprs = Array.isArray(sel.matchExpressions) ? sel.matchExpressions.length : 0;
  return { selector: { matchLabels, matchExpressions }, ok: errs.length === before, empty: rawLabels + rawExprs === 0 };
}

function validateRequirement(e: Rec, path: string, errs: Errs): LabelSelectorRequirement {
  const key = str(e.key, child(path, 'key'), errs) ?? '';
  const operator = str(e.operator, child(path, 'operator'), errs);
  const valuesPath = child(path, 'values');
  const values = strList(e.values, valuesPath, errs) ?? [];
  if (operator !== null) {
    switch (operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) errs.push(fieldErr.required(valuesPath, "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) errs.push(fieldErr.forbidden(valuesPath, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        errs.push(fieldErr.invalid(child(path, 'operator'), operator, 'not a valid selector operator'));
    }
  }
  validateLabelName(key, child(path, 'key'), errs);
  values.forEach((value, i) => {
    for (const msg of isValidLabelValue(value)) errs.push(fieldErr.invalid(at(valuesPath, i), value, msg));
  });
  return { key, operator: operator ?? '', values };
}

export interface MetaOptions {
  nameFn: NameFn;
  /** Validate metadata.namespace (namespaced and unknown kinds; the API server clears it on cluster-scoped ones). */
  namespaced: boolean;
  /** metadata.name (or generateName) is required; false only for podnet's own ClusterConfig. */
  requireName: boolean;
}

/** ValidateObjectMeta on create. Returns the metadata (`{}` when it is not an object). */
export function validateObjectMeta(v: unknown, opts: MetaOptions, errs: Errs): Rec {
  const meta = obj(v, 'metadata', errs);
  if (meta === null) return {};
  const name = str(meta.name, 'metadata.name', errs);
  const generateName = str(meta.generateName, 'metadata.generateName', errs);
  if (generateName) {
    for (const msg of opts.nameFn(generateName, true)) errs.push(fieldErr.invalid('metadata.generateName', generateName, msg));
  }
  // The API server generates the name from generateName before validating, so only a missing pair is an error.
  if (name === '') {
    if (!generateName && opts.requireName) errs.push(fieldErr.required('metadata.name', 'name or generateName is required'));
  } else if (name !== null) {
    for (const msg of opts.nameFn(name, false)) errs.push(fieldErr.invalid('metadata.name', name, msg));
  }
  const namespace = str(meta.namespace, 'metadata.namespace', errs);
  if (opts.namespaced && namespace) {
    for (const msg of nameIsDNSLabel(namespace, false)) errs.push(fieldErr.invalid('metadata.namespace', namespace, msg));
  }
  validateLabels(meta.labels, 'metadata.labels', errs);
  validateAnnotations(meta.annotations, 'metadata.annotations', errs);
  return meta;
}
