// One immutable view of the lab's cluster: the manifests as they stand after every apply/delete, built through the
// engine (Cluster.build runs the controllers again) and the compiled models the lab answers from. A change makes a new
// snapshot; whoever holds the old one (a request in flight) keeps it.
import type { LoadedObject } from '../../api/load.js';
import { loadPaths, parseManifestText } from '../../api/load.js';
import type { Diagnostic } from '../../api/diagnostics.js';
import { isDeepStrictEqual } from 'node:util';
import { isNamespacedKind } from '../../api/kinds.js';
import { Cluster, requireUsableConfig } from '../../cluster/cluster.js';
import { podBindingsOf } from '../../cluster/scheduler.js';
import type { ClusterConfig } from '../../cluster/config.js';
import { compileDns, type DnsModel } from '../../dns/index.js';
import { defaultComponents } from '../../trace/components.js';
import type { TraceComponents } from '../../trace/hooks.js';
import { pushAll } from '../../util/arrays.js';

export interface Snapshot {
  /** Increases by one per change. */
  readonly version: number;
  readonly cluster: Cluster;
  readonly dns: DnsModel;
  readonly components: TraceComponents;
  /** The same without the mesh hops: the network path alone, for the lab's mesh runtime (it acts the sidecars out). */
  readonly networkComponents: TraceComponents;
  readonly builtAt: Date;
  /** Milliseconds spent building (load + controllers + DNS compile). */
  readonly buildMs: number;
}

/** `Kind/namespace/name`; a namespaced object written without a namespace is in `default`, where kubectl puts it. */
export function objectKey(o: { kind?: string; metadata?: { namespace?: string; name?: string } }): string {
  const kind = o.kind ?? '';
  const ns = o.metadata?.namespace ?? (isNamespacedKind(kind, false) ? 'default' : '');
  return `${kind}/${ns}/${o.metadata?.name ?? ''}`;
}

/** What applying an object did, in kubectl's words. */
export type ApplyAction = 'created' | 'configured' | 'unchanged';

/**
 * The lab's desired state: the manifests on disk (re-read on --watch), plus what `podnet apply` added and minus what
 * `podnet delete` removed, like objects in an API server that were first created from those files.
 */
export class ManifestSet {
  private applied = new Map<string, LoadedObject>();
  private deleted = new Set<string>();
  private fromDisk: LoadedObject[] = [];
  /** fromDisk by key (the first object under each, as a search would find it): the API server asks once per pod. */
  private diskByKey = new Map<string, LoadedObject>();
  private diskDiagnostics: Diagnostic[] = [];
  /** Lets a realisation run the model with what it can build (kernel mode: VXLAN where the kernel has no ipip). */
  adjustConfig?: (config: ClusterConfig) => ClusterConfig;

  constructor(readonly paths: readonly string[], readonly configPath?: string, readonly lenient = false) {
    this.reread();
  }

  /** Reads the manifest files again (after a change on disk). */
  reread(): void {
    const r = loadPaths([...this.paths]);
    this.fromDisk = r.objects;
    this.diskByKey = new Map();
    for (const o of r.objects) {
      const key = objectKey(o.object as never);
      if (!this.diskByKey.has(key)) this.diskByKey.set(key, o);
    }
    this.diskDiagnostics = r.diagnostics;
  }

  /** Parses manifest text; returns the keys of the objects it holds and any parse errors. */
  static parse(text: string, name: string): { objects: LoadedObject[]; diagnostics: Diagnostic[] } {
    return parseManifestText(text, name);
  }

  /**
   * Creates or replaces objects. `exists` says whether the cluster has an object under a key that no manifest holds
   * (one podnet added itself). Returns what happened to each object and a function that undoes the whole apply.
   */
  apply(objects: readonly LoadedObject[], exists: (key: string) => boolean): { results: { key: string; action: ApplyAction }[]; undo: (keys: ReadonlySet<string>) => void } {
    const results: { key: string; action: ApplyAction }[] = [];
    const before = new Map<string, { applied?: LoadedObject; deleted: boolean }>();
    for (const o of objects) {
      const key = objectKey(o.object as never);
      const current = this.current(key);
      if (!before.has(key)) before.set(key, { applied: this.applied.get(key), deleted: this.deleted.has(key) });
      const action: ApplyAction = current ? (isDeepStrictEqual(current.object, o.object) ? 'unchanged' : 'configured') : exists(key) ? 'configured' : 'created';
      this.deleted.delete(key);
      this.applied.set(key, o);
      results.push({ key, action });
    }
    const undo = (keys: ReadonlySet<string>) => {
      for (const key of keys) {
        const b = before.get(key);
        if (!b) continue;
        if (b.applied) this.applied.set(key, b.applied); else this.applied.delete(key);
        if (b.deleted) this.deleted.add(key);
      }
    };
    return { results, undo };
  }

  /** The object the lab's desired state holds under a key (applied, else from disk unless deleted). */
  current(key: string): LoadedObject | undefined {
    if (this.applied.has(key)) return this.applied.get(key);
    if (this.deleted.has(key)) return undefined;
    return this.diskByKey.get(key);
  }

  /** The keys of every object the desired state holds. */
  keys(): string[] {
    return this.objects().objects.map((o) => objectKey(o.object as never));
  }

  /** Removes objects by key; returns the keys that existed. */
  delete(keys: readonly string[], exists: (key: string) => boolean): string[] {
    const gone: string[] = [];
    for (const key of keys) {
      if (!exists(key)) continue;
      this.applied.delete(key);
      this.deleted.add(key);
      gone.push(key);
    }
    return gone;
  }

  objects(): { objects: LoadedObject[]; diagnostics: Diagnostic[] } {
    const out: LoadedObject[] = [];
    for (const o of this.fromDisk) {
      const key = objectKey(o.object as never);
      if (!this.deleted.has(key) && !this.applied.has(key)) out.push(o);
    }
    pushAll(out, this.applied.values());
    return { objects: out, diagnostics: this.diskDiagnostics };
  }
}

/** `previous`: the snapshot this one follows; its running pods keep their nodes and IPs (scheduler.ts PodBindings). */
export function buildSnapshot(set: ManifestSet, version: number, previous?: Snapshot): Snapshot {
  const t0 = performance.now();
  const bindings = previous ? podBindingsOf(previous.cluster.pods() as never) : undefined;
  const { objects, diagnostics } = set.objects();
  let config;
  if (set.configPath) {
    const fromFile = Cluster.load({ configPath: set.configPath });
    requireUsableConfig(fromFile);
    config = fromFile.config;
  }
  let cluster = Cluster.build(objects, diagnostics, config, { lenient: set.lenient, bindings });
  const adjusted = set.adjustConfig?.(cluster.config);
  if (adjusted && adjusted !== cluster.config) cluster = Cluster.build(objects, diagnostics, adjusted, { lenient: set.lenient, bindings });
  // The lab never serves a cluster made from an invalid ClusterConfig: at start it does not start, on a change the
  // previous snapshot stays.
  requireUsableConfig(cluster);
  // A serial that changes with every snapshot, as CoreDNS's does when objects change.
  const dns = compileDns(cluster, { serial: Math.floor(Date.now() / 1000) + version });
  // The trace resolves names with the snapshot's own DNS model instead of compiling a second one.
  const components = defaultComponents({ cluster, dns });
  return { version, cluster, dns, components, networkComponents: { ...components, mesh: undefined }, builtAt: new Date(), buildMs: performance.now() - t0 };
}

/**
 * Which applied objects the new snapshot refused: every error diagnostic it has that the old one did not, given to the
 * object it names or, failing that, to the applied object whose document holds its file:line (a workload's pod cap is
 * reported on its generated ReplicaSet but points at the Deployment). An error that neither places fails them all: the
 * apply caused it and no single object can be blamed.
 */
export function refusedObjects(objects: readonly LoadedObject[], before: readonly Diagnostic[], after: readonly Diagnostic[]): Map<string, Diagnostic[]> {
  const text = (d: Diagnostic) => `${d.code}|${d.source?.file}:${d.source?.line}|${d.message}`;
  const old = new Set(before.filter((d) => d.level === 'error').map(text));
  const keys = objects.map((o) => objectKey(o.object as never));
  const byLine = objects.map((o, i) => ({ key: keys[i], file: o.source.file, line: o.source.line })).sort((a, b) => a.line - b.line);
  const refused = new Map<string, Diagnostic[]>();
  const blame = (key: string, d: Diagnostic) => refused.set(key, [...(refused.get(key) ?? []), d]);
  for (const d of after) {
    if (d.level !== 'error' || old.has(text(d))) continue;
    const named = d.object ? objectKey({ kind: d.object.kind, metadata: { namespace: d.object.namespace || undefined, name: d.object.name } }) : undefined;
    if (named && keys.includes(named)) { blame(named, d); continue; }
    const holder = byLine.filter((o) => d.source && o.file === d.source.file && o.line <= d.source.line).at(-1);
    if (holder) { blame(holder.key, d); continue; }
    for (const k of keys) blame(k, d);
  }
  return refused;
}

