// The engine's entry point: manifests in, the cluster's network state out.
//   load -> validate -> default -> store -> controllers (nodes, built-ins, workloads, scheduling + IPAM, Service
//   allocation, EndpointSlices) -> a store every component reads.
import { applyDefaults, deterministicUid } from '../api/defaults.js';
import { sanitizeStatus } from '../api/status.js';
import { Codes, formatDiagnostic, hasErrors, sortDiagnostics, type Diagnostic } from '../api/diagnostics.js';
import { invalidObjectMessage, quote, shorten, type FieldError } from '../api/field-errors.js';
import { kindInfoOf, removedKind } from '../api/kinds.js';
import { loadPaths, parseManifestText, type LoadedObject } from '../api/load.js';
import type { KubeObject, ObjectRef, SourceRef } from '../api/types.js';
import { lenientMayKeep, lenientRepair, validateObject } from '../api/validate.js';
import { addBuiltins, addNamespaces, BUILTIN_SOURCE } from './builtins.js';
import { ConfigError, DEFAULT_CONFIG, parseClusterConfig, type ClusterConfig } from './config.js';
import { addGatewayDataPlanes } from './dataplanes.js';
import { reconcileEndpoints } from './endpointslices.js';
import { reconcileNodes, type NodeInfo } from './nodes.js';
import { scheduleAndAddressPods, type PodBindings } from './scheduler.js';
import { allocateServices } from './services.js';
import { ClusterStore, refOfObject } from './store.js';
import { expandWorkloads, updateWorkloadStatus } from './workloads.js';
import { pushAll } from '../util/arrays.js';

type Obj = Record<string, any>;

export interface LoadInput {
  /** Files or folders; `-` is stdin. */
  paths?: string[];
  /** Manifest text (YAML or JSON), named `textName` in locations (default `<text>`). */
  text?: string;
  textName?: string;
  /** A ClusterConfig file (overrides one among the manifests). */
  configPath?: string;
  /** A ready config (overrides both). */
  config?: ClusterConfig;
  readStdin?: () => string;
  /** Keep objects the API server would refuse for bookkeeping reasons only (lenientMayKeep), with a warning. */
  lenient?: boolean;
  /** Found before loading (what a live cluster's listing could not read): reported with the rest. */
  diagnostics?: readonly Diagnostic[];
}

export class Cluster {
  private constructor(
    readonly store: ClusterStore,
    readonly config: ClusterConfig,
    readonly nodes: readonly NodeInfo[],
    readonly diagnostics: readonly Diagnostic[],
    /** Objects of kinds podnet does not model: kept, reported, never silently dropped. */
    readonly unmodelled: readonly LoadedObject[],
    /**
     * A ClusterConfig was given (--config or among the manifests) and is invalid: the cluster was built on the defaults
     * only so that every other error can be reported too. Commands refuse it (`validate` reports it).
     */
    readonly configRefused: boolean,
  ) {}

  /**
   * Loads manifests and runs the controllers. `input` is a list of paths, a string (manifest text when it holds a line
   * break, otherwise a path), or LoadInput.
   */
  static load(input: string | readonly string[] | LoadInput): Cluster {
    const opts: LoadInput = typeof input === 'string'
      ? (looksLikeManifestText(input) ? { text: input } : { paths: [input] })
      : Array.isArray(input) ? { paths: [...input] } : (input as LoadInput);
    const objects: LoadedObject[] = [];
    const diags: Diagnostic[] = [...(opts.diagnostics ?? [])];
    if (opts.paths?.length) {
      const r = loadPaths(opts.paths, opts.readStdin);
      pushAll(objects, r.objects);
      pushAll(diags, r.diagnostics);
    }
    if (opts.text !== undefined) {
      const r = parseManifestText(opts.text, opts.textName ?? '<text>');
      pushAll(objects, r.objects);
      pushAll(diags, r.diagnostics);
    }
    let config = opts.config;
    let configRefused = false;
    if (!config && opts.configPath) {
      const r = loadPaths([opts.configPath]);
      pushAll(diags, r.diagnostics);
      const cfgObj = r.objects.find((o) => o.object.kind === 'ClusterConfig');
      if (!cfgObj) diags.push({ code: Codes.configInvalid, level: 'error', source: { file: opts.configPath, line: 1 }, message: `${opts.configPath} holds no ClusterConfig (apiVersion: podnet.dev/v1alpha1, kind: ClusterConfig)` });
      else config = configFrom(cfgObj, diags);
      configRefused = config === undefined;
    }
    // The objects were parsed just now and nobody else holds them, so defaults may be applied in place.
    return Cluster.build(objects, diags, config, { owned: true, lenient: opts.lenient, configRefused });
  }

  /**
   * Builds the cluster from already-parsed objects (what `load` does after reading). The objects are not changed
   * unless `owned` says the caller hands them over.
   */
  static build(objects: readonly LoadedObject[], initialDiags: readonly Diagnostic[] = [], givenConfig?: ClusterConfig, { owned = false, lenient = false, configRefused = false, bindings = undefined as PodBindings | undefined } = {}): Cluster {
    const diags: Diagnostic[] = [...initialDiags];
    const store = new ClusterStore();
    const unmodelled: LoadedObject[] = [];

    const configObjects = objects.filter((o) => o.object.kind === 'ClusterConfig');
    let config = givenConfig;
    if (!config && configObjects.length > 0) {
      for (const extra of configObjects.slice(1)) diags.push({ code: Codes.configInvalid, level: 'error', source: extra.source, message: `a second ClusterConfig is not allowed (the first is at ${configObjects[0].source.file}:${configObjects[0].source.line})` });
      config = configFrom(configObjects[0], diags);
      configRefused ||= config === undefined;
    }
    config ??= structuredClone(DEFAULT_CONFIG);

    admitObjects(objects.filter((o) => o.object.kind !== 'ClusterConfig'), store, unmodelled, diags, owned, lenient);

    // Namespaces the manifests use but do not define are created, with a warning: `kubectl apply` would refuse them.
    const missing = new Set<string>();
    for (const kind of store.kinds()) {
      for (const o of store.listInApplyOrder(kind)) {
        const ns = o.metadata.namespace;
        if (ns && !store.has('Namespace', '', ns) && !['default', 'kube-system', 'kube-public', 'kube-node-lease'].includes(ns) && !missing.has(ns)) {
          missing.add(ns);
          diags.push({ code: Codes.namespaceMissing, level: 'warning', object: refOfObject(o), source: store.sourceOf(refOfObject(o)), message: `namespace "${ns}" is not defined in the manifests; podnet creates it (kubectl apply would fail with: namespaces "${ns}" not found)` });
        }
      }
    }
    addNamespaces(store, missing);

    const nodes = reconcileNodes(store, config, diags);
    addBuiltins(store, config, nodes[0]?.internalIPs[0]);
    for (const kind of store.kinds()) {
      for (const o of store.listInApplyOrder(kind)) {
        if (o.metadata.uid === undefined) (o.metadata as Obj).uid = deterministicUid(`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
      }
    }
    for (const job of store.list<KubeObject & { spec: Obj }>('Job')) defaultJobSelector(job);
    addGatewayDataPlanes(store);
    expandWorkloads(store, nodes, diags);
    scheduleAndAddressPods(store, nodes, diags, bindings);
    allocateServices(store, config, diags);
    reconcileEndpoints(store, nodes, diags);
    updateWorkloadStatus(store);
    return new Cluster(store, config, nodes, sortDiagnostics(diags), unmodelled, configRefused);
  }

  get hasErrors(): boolean { return hasErrors(this.diagnostics); }

  get<T = KubeObject>(kind: string, namespace: string, name: string): T | undefined { return this.store.get<T>(kind, namespace, name); }
  list<T = KubeObject>(kind: string, namespace?: string): T[] { return this.store.list<T>(kind, namespace); }
  sourceOf(objOrRef: KubeObject | ObjectRef): SourceRef | undefined {
    return this.store.sourceOf('metadata' in objOrRef ? refOfObject(objOrRef) : objOrRef);
  }

  pods(namespace?: string) { return this.list<KubeObject & import('../api/types.js').Pod>('Pod', namespace); }
  services(namespace?: string) { return this.list<KubeObject & import('../api/types.js').Service>('Service', namespace); }
  endpointSlices(namespace?: string) { return this.list<KubeObject & import('../api/types.js').EndpointSlice>('EndpointSlice', namespace); }
  namespaces() { return this.list<KubeObject & import('../api/types.js').Namespace>('Namespace'); }
  nodeObjects() { return this.list<KubeObject & import('../api/types.js').Node>('Node'); }
  networkPolicies(namespace?: string) { return this.list<KubeObject & import('../api/types.js').NetworkPolicy>('NetworkPolicy', namespace); }
  ingresses(namespace?: string) { return this.list<KubeObject & import('../api/types.js').Ingress>('Ingress', namespace); }

  /** The EndpointSlices that belong to a Service (by the kubernetes.io/service-name label, as kube-proxy selects them). */
  slicesOfService(namespace: string, name: string) {
    return this.endpointSlices(namespace).filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === name);
  }
}

/**
 * A cluster whose ClusterConfig is invalid is not one to answer from: the config's errors, then the summary line.
 * Thrown by `requireUsableConfig`; the CLI prints `error: <summary>` after the diagnostics it already printed.
 */
export class ConfigRefusedError extends Error {
  constructor(readonly lines: readonly string[], readonly summary: string) { super([...lines, summary].join('\n')); }
}

/** Throws ConfigRefusedError when the cluster's ClusterConfig was refused (see Cluster.configRefused). */
export function requireUsableConfig(cluster: Cluster): void {
  if (!cluster.configRefused) return;
  const errors = cluster.diagnostics.filter((d) => d.level === 'error' && d.code === Codes.configInvalid);
  const where = errors.find((d) => d.source)?.source;
  throw new ConfigRefusedError(errors.map(formatDiagnostic), `the ClusterConfig${where ? ` at ${where.file}:${where.line}` : ''} is invalid (${errors.length} error${errors.length === 1 ? '' : 's'}): no cluster is built from it`);
}

/** A string argument is manifest text (rather than a path) when it is empty or reads like YAML/JSON. */
function looksLikeManifestText(s: string): boolean {
  return s.trim() === '' || s.includes('\n') || /^\s*[{[]/.test(s) || s.includes(': ');
}

function configFrom(o: LoadedObject, diags: Diagnostic[]): ClusterConfig | undefined {
  try {
    return { ...parseClusterConfig((o.object as Obj).spec, o.source.file), origin: o.source };
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const line of e.message.split('\n')) diags.push({ code: Codes.configInvalid, level: 'error', source: o.source, object: { kind: 'ClusterConfig', namespace: '', name: String(o.object.metadata?.name ?? '') }, message: line });
    return undefined;
  }
}

/**
 * Validation results of objects the caller keeps (not `owned`: never changed here), so that building the same
 * desired state again (the lab after each change) validates only what is new.
 */
const validated = new WeakMap<object, FieldError[]>();

/** Checks kind and apiVersion, defaults the namespace, validates, rejects duplicates, and stores the defaulted object. */
function admitObjects(objects: readonly LoadedObject[], store: ClusterStore, unmodelled: LoadedObject[], diags: Diagnostic[], owned: boolean, lenient: boolean): void {
  const firstSeen = new Map<string, SourceRef>();
  for (const { object: raw, source } of objects) {
    const info = kindInfoOf(raw.kind, raw.apiVersion);
    const meta = (raw.metadata && typeof raw.metadata === 'object' && !Array.isArray(raw.metadata)) ? raw.metadata as Obj : {};
    const name = typeof meta.name === 'string' ? meta.name : '';
    const nsText = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : undefined;
    const removed = info ? undefined : removedKind(raw.kind, raw.apiVersion);
    if (removed) {
      diags.push({ code: Codes.unknownApiVersion, level: 'error', source, object: { kind: raw.kind, namespace: nsText ?? '', name }, message: `resource mapping not found for name: ${quote(name)} namespace: ${quote(nsText ?? '')} from ${JSON.stringify(source.file)}: no matches for kind ${quote(raw.kind)} in version ${quote(raw.apiVersion)}: ${removed}` });
      continue;
    }
    if (!info) {
      diags.push({ code: Codes.kindNotModelled, level: 'warning', source, object: { kind: raw.kind, namespace: nsText ?? '', name }, message: `${shorten(raw.kind)} ${quote(name)} (${shorten(raw.apiVersion)}) is not modelled by podnet: kept, but it does not affect the network model` });
      unmodelled.push({ object: raw, source });
      continue;
    }
    if (!info.apiVersions.includes(raw.apiVersion)) {
      diags.push({ code: Codes.unknownApiVersion, level: 'error', source, object: { kind: raw.kind, namespace: nsText ?? '', name }, message: `resource mapping not found for name: ${quote(name)} namespace: ${quote(nsText ?? '')} from ${JSON.stringify(source.file)}: no matches for kind ${quote(raw.kind)} in version ${quote(raw.apiVersion)} (use ${info.apiVersions[0]})` });
      continue;
    }
    const deprecation = info.deprecated?.[raw.apiVersion];
    if (deprecation) diags.push({ code: Codes.deprecatedApiVersion, level: 'warning', source, object: { kind: raw.kind, namespace: nsText ?? '', name }, message: `${raw.apiVersion} ${raw.kind} ${quote(name)}: ${deprecation}` });
    let errors = owned ? undefined : validated.get(raw);
    if (!errors) {
      try {
        errors = validateObject(raw);
      } catch (e) {
        errors = [{ type: 'Invalid' as const, field: '', value: null, detail: `could not be validated: ${(e as Error).message}` }];
      }
      if (!owned) validated.set(raw, errors);
    }
    if (errors.length > 0) {
      const kept = lenient && errors.every((e) => lenientMayKeep(e, raw));
      for (const err of errors) diags.push({ code: Codes.invalidField, level: kept ? 'warning' : 'error', source, object: { kind: raw.kind, namespace: nsText ?? '', name }, message: invalidObjectMessage(raw.kind, name, err) + (kept ? ' (kept because of --lenient: the API server would refuse it)' : '') });
      if (!kept) continue;
    }
    const obj = applyDefaults(raw, { inPlace: owned });
    if (errors.length > 0) lenientRepair(errors, obj);
    for (const w of sanitizeStatus(obj)) {
      diags.push({ code: Codes.statusIgnored, level: 'warning', source, object: { kind: raw.kind, namespace: nsText ?? '', name }, message: `${raw.kind} ${JSON.stringify(name)}: ${w.field}: ${w.detail}` });
    }
    if (info.namespaced) obj.metadata.namespace = nsText ?? 'default';
    else delete obj.metadata.namespace;
    const ref = refOfObject(obj);
    const key = `${ref.kind}/${ref.namespace}/${ref.name}`;
    const first = firstSeen.get(key);
    if (first) {
      diags.push({ code: Codes.duplicateObject, level: 'error', source, object: ref, message: `${info.plural} ${JSON.stringify(ref.name)} already exists${ref.namespace ? ` in namespace ${JSON.stringify(ref.namespace)}` : ''} (first defined at ${first.file}:${first.line}); this copy is ignored` });
      continue;
    }
    firstSeen.set(key, source);
    store.put(obj, source);
  }
}

/** The API server generates a Job's selector from its UID unless spec.manualSelector is set (batch/v1). */
function defaultJobSelector(job: KubeObject & { spec: Obj }): void {
  if (job.spec.manualSelector === true || job.spec.selector) return;
  const uid = job.metadata.uid ?? '';
  job.spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
  const tmplMeta = (job.spec.template.metadata ??= {});
  tmplMeta.labels = { ...(tmplMeta.labels ?? {}), 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': job.metadata.name, 'controller-uid': uid, 'job-name': job.metadata.name };
}

export { BUILTIN_SOURCE };
