// The ConnectivityTest spec (`apiVersion: podnet.dev/v1alpha1, kind: ConnectivityTest`): named expectations about
// connectivity, DNS, Ingress/Gateway routes and the mesh. Read with the manifests' loader (its documents, lines and YAML
// messages) and checked field by field, each error with file:line:column and apimachinery's field-error words.
import { Codes, type Diagnostic } from '../api/diagnostics.js';
import { fieldErr, formatFieldError, quote, type FieldError } from '../api/field-errors.js';
import { parseManifestText } from '../api/load.js';
import type { SourceRef } from '../api/types.js';
import { fieldPositions, YamlError, type Position } from '../api/yaml.js';

export const SPEC_API_VERSION = 'podnet.dev/v1alpha1';
export const SPEC_KIND = 'ConnectivityTest';
/** Bounds for any input: a spec file is a review artefact, not a dump. */
export const MAX_SPEC_BYTES = 4 * 1024 * 1024;
export const MAX_EXPECTATIONS = 20_000;

type Obj = Record<string, unknown>;

export interface LabelSelectorSpec { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] }

/** One end of a connection: what `check` reads (NS/POD, NS/deploy/NAME, NS/svc/NAME, an IP), a selection of pods, or an outside CIDR. */
export type EndpointSpec =
  | { kind: 'ref'; text: string }
  | { kind: 'pods'; namespace?: string; namespaceSelector?: LabelSelectorSpec; podSelector?: LabelSelectorSpec }
  | { kind: 'cidr'; cidr: string };

interface Common { name: string; source: SourceRef }

export interface ConnectivityExpectation extends Common {
  type: 'connectivity';
  from: EndpointSpec;
  /** Absent when `via` says where the connection goes. */
  to?: EndpointSpec;
  /** A port or range, or a container port name; absent for a Service with one port. */
  port?: { first: number; last: number } | { name: string };
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  /** Through a URL (a Service name, an Ingress or Gateway host): the whole path as `podnet trace` follows it. */
  via?: string;
  expect: 'allow' | 'deny';
}

export interface DnsExpectation extends Common {
  type: 'dns';
  from?: string;
  qname: string;
  qtype: string;
  expect: { rcode?: string; records?: string[] };
}

export interface RouteExpectation extends Common {
  type: 'route';
  url: string;
  method: string;
  headers: Record<string, string>;
  via?: string;
  expect: { backend?: string; status?: number; redirect?: string };
}

export interface MeshExpectation extends Common {
  type: 'mesh';
  from: string;
  to: string;
  port: number;
  method?: string;
  path?: string;
  headers: Record<string, string>;
  /** verdict: the mesh's whole decision; authz: the AuthorizationPolicy's; identity: the peer principal the server sees. */
  expect: { verdict?: 'allow' | 'deny'; authz?: 'allow' | 'deny'; identity?: string; status?: number };
}

export type Expectation = ConnectivityExpectation | DnsExpectation | RouteExpectation | MeshExpectation;

export interface ConnectivityTestSpec { name: string; source: SourceRef; expectations: Expectation[] }

export interface LoadedSpec { specs: ConnectivityTestSpec[]; diagnostics: Diagnostic[] }

const TYPES = ['connectivity', 'dns', 'route', 'mesh'] as const;
const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const CIDR = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)\/\d{1,3}$/;

/** Reads spec files' text: every ConnectivityTest document, and every error at its field's position. */
export function loadSpec(text: string, file: string): LoadedSpec {
  const diagnostics: Diagnostic[] = [];
  if (text.length > MAX_SPEC_BYTES) return { specs: [], diagnostics: [{ code: Codes.readFailed, level: 'error', source: { file, line: 0 }, message: `${file} is ${text.length} bytes: a ConnectivityTest spec may be at most ${MAX_SPEC_BYTES}` }] };
  const loaded = parseManifestText(text, file);
  diagnostics.push(...loaded.diagnostics);
  let positions: Map<string, Position>[] = [];
  try { positions = fieldPositions(text); } catch (e) { if (!(e instanceof YamlError)) throw e; }
  const specs: ConnectivityTestSpec[] = [];
  for (const { object, source } of loaded.objects) {
    const pos = positions.find((m) => m.get('')?.line === source.line) ?? new Map<string, Position>();
    const where = (field: string): SourceRef => {
      for (let f = field; ; f = f.replace(/(\.[^.[\]]*|\[\d+\])$/, '')) {
        const p = pos.get(f);
        if (p) return { file, line: p.line, column: p.column };
        if (f === '') return source;
      }
    };
    const name = typeof object.metadata?.name === 'string' && object.metadata.name !== '' ? object.metadata.name : file;
    const report = (e: FieldError) => diagnostics.push({ code: Codes.invalidField, level: 'error', source: where(e.field), object: { kind: SPEC_KIND, namespace: '', name }, message: `The ${SPEC_KIND} ${quote(name)} is invalid: ${formatFieldError(e)}` });
    if (object.apiVersion !== SPEC_API_VERSION || object.kind !== SPEC_KIND) {
      diagnostics.push({ code: Codes.unknownApiVersion, level: 'error', source, message: `${file}: expected apiVersion ${SPEC_API_VERSION}, kind ${SPEC_KIND}; got ${quote(String(object.apiVersion))}, ${quote(String(object.kind))}` });
      continue;
    }
    const spec = (object as unknown as Obj).spec;
    if (!isObj(spec)) { report(fieldErr.required('spec', 'a ConnectivityTest needs spec.expectations')); continue; }
    const list = spec.expectations;
    if (!Array.isArray(list) || list.length === 0) { report(fieldErr.required('spec.expectations', 'at least one expectation')); continue; }
    if (list.length > MAX_EXPECTATIONS) { report(fieldErr.tooMany('spec.expectations', list.length, MAX_EXPECTATIONS)); continue; }
    for (const k of Object.keys(spec)) if (k !== 'expectations') report(fieldErr.notSupported(`spec.${k}`, k, ['expectations']));
    const expectations: Expectation[] = [];
    const names = new Set<string>();
    list.forEach((item, i) => {
      const f = `spec.expectations[${i}]`;
      const errors: FieldError[] = [];
      const e = readExpectation(item, f, errors, where(f));
      if (e && names.has(e.name)) errors.push(fieldErr.duplicate(`${f}.name`, e.name));
      for (const err of errors) report(err);
      if (e && errors.length === 0) { names.add(e.name); expectations.push(e); }
    });
    specs.push({ name, source, expectations });
  }
  if (loaded.objects.length === 0 && diagnostics.length === 0) diagnostics.push({ code: Codes.notAnObject, level: 'error', source: { file, line: 0 }, message: `${file}: no ${SPEC_KIND} document` });
  return { specs, diagnostics };
}

function readExpectation(item: unknown, f: string, errors: FieldError[], source: SourceRef): Expectation | undefined {
  if (!isObj(item)) { errors.push(fieldErr.invalid(f, item, 'must be a mapping with name, one of connectivity/dns/route/mesh, and expect')); return undefined; }
  const name = item.name;
  if (typeof name !== 'string' || name.trim() === '') errors.push(fieldErr.required(`${f}.name`, 'every expectation has a name'));
  const present = TYPES.filter((t) => item[t] !== undefined);
  for (const k of Object.keys(item)) if (!['name', 'expect', ...TYPES].includes(k)) errors.push(fieldErr.notSupported(`${f}.${k}`, k, ['name', ...TYPES, 'expect']));
  if (present.length !== 1) { errors.push(present.length === 0 ? fieldErr.required(f, 'one of connectivity, dns, route or mesh') : fieldErr.forbidden(`${f}.${present[1]}`, `only one of ${present.join(', ')} may be given`)); return undefined; }
  if (item.expect === undefined) errors.push(fieldErr.required(`${f}.expect`));
  const type = present[0];
  const body = item[type];
  const bf = `${f}.${type}`;
  if (!isObj(body)) { errors.push(fieldErr.invalid(bf, body, 'must be a mapping')); return undefined; }
  const common = { name: String(name), source };
  const r = new Reader(body, bf, errors);
  switch (type) {
    case 'connectivity': {
      r.only(['from', 'to', 'port', 'protocol', 'via']);
      const from = readEndpoint(body.from, `${bf}.from`, errors);
      const to = body.via !== undefined && body.to === undefined ? undefined : readEndpoint(body.to, `${bf}.to`, errors);
      const expect = verdict(item.expect, `${f}.expect`, errors);
      const via = r.str('via');
      if (via !== undefined && !/^[a-z][a-z0-9+.-]*:\/\//i.test(via) && !/:\d+$/.test(via)) errors.push(fieldErr.invalid(`${bf}.via`, via, 'must be a URL (http://backend.production:8080/, https://my-app.example.com/) or HOST:PORT'));
      const port = readPort(body.port, `${bf}.port`, errors);
      const protocol = r.oneOf('protocol', PROTOCOLS, true);
      if (!from || (!to && via === undefined) || !expect) return undefined;
      return { ...common, type, from, to, port, protocol, via, expect };
    }
    case 'dns': {
      r.only(['from', 'name', 'type']);
      const qname = r.str('name', true);
      const qtype = (r.str('type') ?? 'A').toUpperCase();
      let expect: DnsExpectation['expect'] | undefined;
      if (typeof item.expect === 'string') expect = { rcode: item.expect.toUpperCase() };
      else if (isObj(item.expect)) {
        const er = new Reader(item.expect, `${f}.expect`, errors);
        er.only(['records', 'rcode']);
        const records = er.strings('records');
        expect = { rcode: er.str('rcode')?.toUpperCase(), records };
        if (records === undefined && expect.rcode === undefined) errors.push(fieldErr.required(`${f}.expect.records`, 'records, rcode, or NXDOMAIN'));
      } else if (item.expect !== undefined) errors.push(fieldErr.invalid(`${f}.expect`, item.expect, 'must be NXDOMAIN (or another rcode) or {records: [...]}'));
      if (expect?.rcode !== undefined && !['NOERROR', 'NXDOMAIN', 'SERVFAIL', 'REFUSED', 'FORWARDED'].includes(expect.rcode)) errors.push(fieldErr.notSupported(`${f}.expect${typeof item.expect === 'string' ? '' : '.rcode'}`, expect.rcode, ['NOERROR', 'NXDOMAIN', 'SERVFAIL', 'REFUSED']));
      if (qname === undefined || !expect) return undefined;
      return { ...common, type, from: r.str('from'), qname, qtype, expect };
    }
    case 'route': {
      r.only(['url', 'method', 'headers', 'via']);
      const url = r.str('url', true);
      if (url !== undefined && !/^https?:\/\/[^/]/i.test(url)) errors.push(fieldErr.invalid(`${bf}.url`, url, 'must be an http or https URL'));
      const expect = readObjectExpect(item.expect, `${f}.expect`, errors, { backend: 'string', status: 'number', redirect: 'string' });
      if (url === undefined || !expect) return undefined;
      return { ...common, type, url, method: (r.str('method') ?? 'GET').toUpperCase(), headers: r.headers('headers'), via: r.str('via'), expect: expect as RouteExpectation['expect'] };
    }
    case 'mesh': {
      r.only(['from', 'to', 'port', 'method', 'path', 'headers']);
      const from = r.str('from', true);
      const to = r.str('to', true);
      const port = r.port('port', true);
      let expect: MeshExpectation['expect'] | undefined;
      if (item.expect === 'allow' || item.expect === 'deny') expect = { verdict: item.expect };
      else {
        expect = readObjectExpect(item.expect, `${f}.expect`, errors, { verdict: 'verdict', authz: 'verdict', identity: 'string', status: 'number' }) as MeshExpectation['expect'] | undefined;
      }
      if (from === undefined || to === undefined || port === undefined || !expect) return undefined;
      return { ...common, type, from, to, port, method: r.str('method')?.toUpperCase(), path: r.str('path'), headers: r.headers('headers'), expect };
    }
  }
}

function verdict(v: unknown, f: string, errors: FieldError[]): 'allow' | 'deny' | undefined {
  if (v === 'allow' || v === 'deny') return v;
  if (v !== undefined) errors.push(fieldErr.notSupported(f, v, ['allow', 'deny']));
  return undefined;
}

function readObjectExpect(v: unknown, f: string, errors: FieldError[], fields: Record<string, 'string' | 'number' | 'verdict'>): Obj | undefined {
  if (v === undefined) return undefined;
  if (!isObj(v)) { errors.push(fieldErr.invalid(f, v, `must be a mapping of ${Object.keys(fields).join(', ')}`)); return undefined; }
  const out: Obj = {};
  for (const [k, val] of Object.entries(v)) {
    const t = fields[k];
    if (!t) errors.push(fieldErr.notSupported(`${f}.${k}`, k, Object.keys(fields)));
    else if (t === 'verdict') { const x = verdict(val, `${f}.${k}`, errors); if (x) out[k] = x; }
    else if (t === 'number' ? !Number.isInteger(val) : typeof val !== 'string') errors.push(fieldErr.invalid(`${f}.${k}`, val, `must be a ${t === 'number' ? 'number' : 'string'}`));
    else out[k] = val;
  }
  if (Object.keys(out).length === 0 && Object.keys(v).length === 0) errors.push(fieldErr.required(f, `one of ${Object.keys(fields).join(', ')}`));
  return out;
}

function readPort(v: unknown, f: string, errors: FieldError[]): ConnectivityExpectation['port'] {
  if (v === undefined) return undefined;
  const ok = (n: number) => Number.isInteger(n) && n >= 1 && n <= 65535;
  if (typeof v === 'number') {
    if (!ok(v)) errors.push(fieldErr.invalid(f, v, 'must be between 1 and 65535, inclusive'));
    return { first: v, last: v };
  }
  if (typeof v === 'string') {
    const m = /^(\d+)\s*-\s*(\d+)$/.exec(v);
    if (m) {
      const [a, b] = [Number(m[1]), Number(m[2])];
      if (!ok(a) || !ok(b) || a > b) errors.push(fieldErr.invalid(f, v, 'a range FIRST-LAST with 1 <= FIRST <= LAST <= 65535'));
      return { first: a, last: b };
    }
    if (/^\d+$/.test(v)) return readPort(Number(v), f, errors);
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(v) || v.length > 15) errors.push(fieldErr.invalid(f, v, 'must be a port number, a range like 8000-8100, or a container port name (IANA_SVC_NAME)'));
    return { name: v };
  }
  errors.push(fieldErr.invalid(f, v, 'must be a port number, a range like 8000-8100, or a container port name'));
  return undefined;
}

function readEndpoint(v: unknown, f: string, errors: FieldError[]): EndpointSpec | undefined {
  if (v === undefined) { errors.push(fieldErr.required(f)); return undefined; }
  if (typeof v === 'string') {
    if (v.trim() === '') { errors.push(fieldErr.required(f)); return undefined; }
    if (CIDR.test(v.trim())) return { kind: 'cidr', cidr: v.trim() };
    return { kind: 'ref', text: v.trim() };
  }
  if (!isObj(v)) { errors.push(fieldErr.invalid(f, v, 'must be NS/POD, NS/deploy/NAME, NS/svc/NAME, an IP, a CIDR, or a mapping')); return undefined; }
  const r = new Reader(v, f, errors);
  r.only(['pod', 'workload', 'service', 'namespace', 'namespaceSelector', 'podSelector', 'cidr', 'ip']);
  const one = ['pod', 'workload', 'service', 'cidr', 'ip'].filter((k) => v[k] !== undefined);
  if (one.length > 1) { errors.push(fieldErr.forbidden(`${f}.${one[1]}`, `only one of ${one.join(', ')} may be given`)); return undefined; }
  if (one.length === 1 && ['namespaceSelector', 'podSelector'].some((k) => v[k] !== undefined)) { errors.push(fieldErr.forbidden(`${f}.${one[0]}`, 'may not be combined with selectors')); return undefined; }
  const ns = r.str('namespace');
  if (v.pod !== undefined || v.workload !== undefined || v.service !== undefined) {
    const key = v.pod !== undefined ? 'pod' : v.workload !== undefined ? 'workload' : 'service';
    const text = r.str(key, true);
    if (text === undefined) return undefined;
    const parts = text.split('/');
    // `{service: backend, namespace: production}` and `{service: production/backend}` both name production/svc/backend.
    const qualified = key === 'service' ? (parts.length === 2 ? `${parts[0]}/svc/${parts[1]}` : ns ? `${ns}/svc/${text}` : text)
      : key === 'pod' ? (parts.length === 1 && ns ? `${ns}/${text}` : text)
        : parts.length === 2 && ns ? `${ns}/${text}` : text;
    if (key === 'workload' && qualified.split('/').length !== 3) errors.push(fieldErr.invalid(`${f}.workload`, text, 'must be NS/KIND/NAME (deploy, sts, ds, rs, job), or KIND/NAME with namespace'));
    return { kind: 'ref', text: qualified };
  }
  if (v.cidr !== undefined) {
    const cidr = r.str('cidr', true);
    if (cidr !== undefined && !CIDR.test(cidr)) errors.push(fieldErr.invalid(`${f}.cidr`, cidr, 'must be a CIDR like 203.0.113.0/24'));
    return cidr ? { kind: 'cidr', cidr } : undefined;
  }
  if (v.ip !== undefined) { const ip = r.str('ip', true); return ip ? { kind: 'ref', text: ip } : undefined; }
  const namespaceSelector = r.selector('namespaceSelector');
  const podSelector = r.selector('podSelector');
  if (ns === undefined && !namespaceSelector && !podSelector) { errors.push(fieldErr.required(f, 'one of pod, workload, service, namespace, namespaceSelector, podSelector, cidr or ip')); return undefined; }
  if (ns !== undefined && namespaceSelector) { errors.push(fieldErr.forbidden(`${f}.namespaceSelector`, 'may not be combined with namespace')); return undefined; }
  return { kind: 'pods', namespace: ns, namespaceSelector, podSelector };
}

/** Typed reads of one mapping's fields, each mistake an apimachinery field error. */
class Reader {
  constructor(private readonly o: Obj, private readonly f: string, private readonly errors: FieldError[]) {}
  only(keys: string[]): void {
    for (const k of Object.keys(this.o)) if (!keys.includes(k)) this.errors.push(fieldErr.notSupported(`${this.f}.${k}`, k, keys));
  }
  str(k: string, required = false): string | undefined {
    const v = this.o[k];
    if (v === undefined || v === null) { if (required) this.errors.push(fieldErr.required(`${this.f}.${k}`)); return undefined; }
    if (typeof v === 'number') return String(v);
    if (typeof v !== 'string' || (required && v.trim() === '')) { this.errors.push(typeof v !== 'string' ? fieldErr.invalid(`${this.f}.${k}`, v, 'must be a string') : fieldErr.required(`${this.f}.${k}`)); return undefined; }
    return v;
  }
  port(k: string, required = false): number | undefined {
    const v = this.o[k];
    if (v === undefined) { if (required) this.errors.push(fieldErr.required(`${this.f}.${k}`)); return undefined; }
    if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > 65535) { this.errors.push(fieldErr.invalid(`${this.f}.${k}`, v, 'must be between 1 and 65535, inclusive')); return undefined; }
    return v as number;
  }
  oneOf<T extends string>(k: string, allowed: readonly T[], upper = false): T | undefined {
    const s = this.str(k);
    if (s === undefined) return undefined;
    const v = (upper ? s.toUpperCase() : s) as T;
    if (!allowed.includes(v)) { this.errors.push(fieldErr.notSupported(`${this.f}.${k}`, s, allowed)); return undefined; }
    return v;
  }
  strings(k: string): string[] | undefined {
    const v = this.o[k];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' && typeof x !== 'number')) { this.errors.push(fieldErr.invalid(`${this.f}.${k}`, v, 'must be a list of strings')); return undefined; }
    return v.map(String);
  }
  headers(k: string): Record<string, string> {
    const v = this.o[k];
    if (v === undefined) return {};
    if (!isObj(v) || Object.values(v).some((x) => typeof x !== 'string' && typeof x !== 'number')) { this.errors.push(fieldErr.invalid(`${this.f}.${k}`, v, 'must be a mapping of header names to values')); return {}; }
    return Object.fromEntries(Object.entries(v).map(([n, x]) => [n, String(x)]));
  }
  selector(k: string): LabelSelectorSpec | undefined {
    const v = this.o[k];
    if (v === undefined) return undefined;
    if (!isObj(v) || Object.keys(v).some((x) => x !== 'matchLabels' && x !== 'matchExpressions')) { this.errors.push(fieldErr.invalid(`${this.f}.${k}`, v, 'must be a label selector ({matchLabels: {...}, matchExpressions: [...]})')); return undefined; }
    return v as LabelSelectorSpec;
  }
}
