// List filters as the API server applies them: `labelSelector` (apimachinery labels.Parse, through src/api/labels) and
// `fieldSelector` (fields.ParseSelector: `k=v`, `k==v`, `k!=v`, comma-separated, `\` escapes), over the fields each
// kind declares selectable (its registry's GetAttrs / field label conversion funcs); any other field is refused with
// the API server's `field label not supported` BadRequest.
import { compileLabelSelector, parseSelectorString } from '../../api/labels.js';
import { errors } from './status.js';

type Obj = Record<string, any>;

const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));

/** Selectable fields per kind, beyond metadata.name and metadata.namespace (which every kind has). */
const FIELDS: Record<string, Record<string, (o: Obj) => string>> = {
  Pod: {
    'spec.nodeName': (o) => str(o.spec?.nodeName),
    'spec.restartPolicy': (o) => str(o.spec?.restartPolicy),
    'spec.schedulerName': (o) => str(o.spec?.schedulerName),
    'spec.serviceAccountName': (o) => str(o.spec?.serviceAccountName),
    'spec.hostNetwork': (o) => String(o.spec?.hostNetwork === true),
    'status.phase': (o) => str(o.status?.phase),
    'status.podIP': (o) => str(o.status?.podIP),
    'status.podIPs': (o) => str(o.status?.podIPs?.[0]?.ip),
    'status.nominatedNodeName': (o) => str(o.status?.nominatedNodeName),
  },
  Event: {
    'involvedObject.kind': (o) => str(o.involvedObject?.kind),
    'involvedObject.namespace': (o) => str(o.involvedObject?.namespace),
    'involvedObject.name': (o) => str(o.involvedObject?.name),
    'involvedObject.uid': (o) => str(o.involvedObject?.uid),
    'involvedObject.apiVersion': (o) => str(o.involvedObject?.apiVersion),
    'involvedObject.resourceVersion': (o) => str(o.involvedObject?.resourceVersion),
    'involvedObject.fieldPath': (o) => str(o.involvedObject?.fieldPath),
    reason: (o) => str(o.reason),
    reportingComponent: (o) => str(o.reportingComponent),
    source: (o) => str(o.source?.component),
    type: (o) => str(o.type),
  },
  Secret: { type: (o) => str(o.type) },
  Namespace: { 'status.phase': (o) => str(o.status?.phase) },
  Node: { 'spec.unschedulable': (o) => String(o.spec?.unschedulable === true) },
  ReplicaSet: { 'status.replicas': (o) => String(o.status?.replicas ?? 0) },
  Job: { 'status.successful': (o) => String(o.status?.succeeded ?? 0) },
};

const META: Record<string, (o: Obj) => string> = {
  'metadata.name': (o) => str(o.metadata?.name),
  'metadata.namespace': (o) => str(o.metadata?.namespace),
};

interface Term { field: string; op: '=' | '!='; value: string }

/** Splits at unescaped commas and finds each term's operator (fields.ParseSelector). */
function parseTerms(text: string): Term[] {
  const terms: Term[] = [];
  for (const part of splitUnescaped(text, ',')) {
    if (part === '') continue;
    const m = findOperator(part);
    if (!m) throw errors.badRequest(`invalid selector: '${text}'; can't understand '${part}'`);
    terms.push({ field: part.slice(0, m.at), op: m.op === '!=' ? '!=' : '=', value: unescape(part.slice(m.at + m.op.length)) });
  }
  return terms;
}

function splitUnescaped(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && i + 1 < s.length) { cur += s[i] + s[i + 1]; i++; continue; }
    if (s[i] === sep) { out.push(cur); cur = ''; continue; }
    cur += s[i];
  }
  out.push(cur);
  return out;
}

function findOperator(part: string): { at: number; op: string } | undefined {
  for (let i = 0; i < part.length; i++) {
    if (part[i] === '\\') { i++; continue; }
    for (const op of ['!=', '==', '=']) if (part.startsWith(op, i)) return { at: i, op };
  }
  return undefined;
}

function unescape(v: string): string {
  return v.replace(/\\(.)/g, '$1');
}

export type ObjectFilter = (o: Obj) => boolean;

/** A predicate from `fieldSelector` for objects of `kind` (the kind as stored); throws ApiError for bad input. */
export function fieldFilter(kind: string, text: string | null): ObjectFilter | undefined {
  if (!text) return undefined;
  const terms = parseTerms(text);
  const fields = { ...META, ...(FIELDS[kind] ?? {}) };
  const tests = terms.map((t) => {
    const get = Object.hasOwn(fields, t.field) ? fields[t.field] : undefined;
    if (!get) throw errors.badRequest(`field label not supported: ${t.field}`);
    return t.op === '=' ? (o: Obj) => get(o) === t.value : (o: Obj) => get(o) !== t.value;
  });
  return tests.length === 0 ? undefined : (o) => tests.every((f) => f(o));
}

/** A predicate from `labelSelector`; throws ApiError (400) for bad syntax, with apimachinery's message. */
export function labelFilter(text: string | null): ObjectFilter | undefined {
  if (!text) return undefined;
  let match;
  try { match = compileLabelSelector(parseSelectorString(text)); } catch (e) { throw errors.badRequest(`unable to parse requirement: ${(e as Error).message.replace(/^unable to parse requirement: /, '')}`); }
  return (o) => match(o.metadata?.labels);
}

export function both(a: ObjectFilter | undefined, b: ObjectFilter | undefined): ObjectFilter | undefined {
  if (!a) return b;
  if (!b) return a;
  return (o) => a(o) && b(o);
}
