// Label selectors as the API defines them (apimachinery labels/selector): matchLabels AND every matchExpression,
// plus the string form that `kubectl get -l` accepts.
import type { LabelSelector } from './types.js';

export type Labels = Readonly<Record<string, string>>;

/** A compiled selector: a predicate over labels. */
export type LabelMatcher = (labels: Labels | undefined) => boolean;

const MATCH_ALL: LabelMatcher = () => true;
const MATCH_NONE: LabelMatcher = () => false;

/**
 * metav1.LabelSelector semantics: an empty selector `{}` matches everything; `undefined` is for the caller to decide
 * (NetworkPolicy peers treat it differently from Deployments), so here it also matches everything.
 */
export function compileLabelSelector(sel: LabelSelector | null | undefined): LabelMatcher {
  if (!sel) return MATCH_ALL;
  const tests: LabelMatcher[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) tests.push((l) => l !== undefined && l[k] === v);
  for (const req of sel.matchExpressions ?? []) {
    const { key } = req;
    const values = new Set(req.values ?? []);
    switch (req.operator) {
      case 'In': tests.push((l) => l !== undefined && key in l && values.has(l[key])); break;
      case 'NotIn': tests.push((l) => l === undefined || !(key in l) || !values.has(l[key])); break;
      case 'Exists': tests.push((l) => l !== undefined && key in l); break;
      case 'DoesNotExist': tests.push((l) => l === undefined || !(key in l)); break;
      default: return MATCH_NONE; // invalid operators are rejected by validation; never match here
    }
  }
  if (tests.length === 0) return MATCH_ALL;
  if (tests.length === 1) return tests[0];
  return (l) => tests.every((t) => t(l));
}

export function matchesLabelSelector(sel: LabelSelector | null | undefined, labels: Labels | undefined): boolean {
  return compileLabelSelector(sel)(labels);
}

/** A Service's or ReplicationController's map selector: every pair must be present. An empty map selects nothing. */
export function matchesMapSelector(sel: Labels | undefined, labels: Labels | undefined): boolean {
  if (!sel) return false;
  const entries = Object.entries(sel);
  if (entries.length === 0) return false;
  if (!labels) return false;
  return entries.every(([k, v]) => labels[k] === v);
}

/**
 * Parses the selector string syntax of `kubectl get -l`: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`,
 * comma-separated (AND). Throws with a kubectl-like message on bad syntax.
 */
export function parseSelectorString(text: string): LabelSelector {
  const sel: LabelSelector = { matchLabels: {}, matchExpressions: [] };
  const parts = splitTopLevel(text.trim());
  for (const raw of parts) {
    const part = raw.trim();
    if (part === '') continue;
    let m: RegExpMatchArray | null;
    if ((m = part.match(/^([^\s!=(),]+)\s+(in|notin)\s+\(([^)]*)\)$/))) {
      const values = m[3].split(',').map((s) => s.trim()).filter((s) => s !== '');
      sel.matchExpressions!.push({ key: m[1], operator: m[2] === 'in' ? 'In' : 'NotIn', values });
    } else if ((m = part.match(/^([^\s!=(),]+)\s*!=\s*([^\s!=(),]*)$/))) {
      sel.matchExpressions!.push({ key: m[1], operator: 'NotIn', values: [m[2]] });
    } else if ((m = part.match(/^([^\s!=(),]+)\s*==?\s*([^\s!=(),]*)$/))) {
      sel.matchLabels![m[1]] = m[2];
    } else if ((m = part.match(/^!\s*([^\s!=(),]+)$/))) {
      sel.matchExpressions!.push({ key: m[1], operator: 'DoesNotExist' });
    } else if ((m = part.match(/^([^\s!=(),]+)$/))) {
      sel.matchExpressions!.push({ key: m[1], operator: 'Exists' });
    } else {
      throw new Error(`unable to parse requirement: found '${part}', expected: key, key=value, key!=value, key in (values), key notin (values), !key`);
    }
  }
  return sel;
}

function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) { out.push(cur); cur = ''; } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** `a=b,c=d` for tables (kubectl's LABELS/SELECTOR columns), `<none>` when empty. */
export function formatLabels(labels: Labels | undefined): string {
  const entries = Object.entries(labels ?? {});
  if (entries.length === 0) return '<none>';
  return entries.sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join(',');
}
