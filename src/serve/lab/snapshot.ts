// One immutable view of the lab's cluster: the manifests as they stand after every apply/delete, built through the
// engine (Cluster.build runs the controllers again) and the compiled models the lab answers from. A change makes a new
// snapshot; whoever holds the old one (a request in flight) keeps it.
import type { LoadedObject } from '../../api/load.js';
import { loadPaths, parseManifestText } from '../../api/load.js';
import type { Diagnostic } from '../../api/diagnostics.js';
import { Cluster } from '../../cluster/cluster.js';
import { compileDns, type DnsModel } from '../../dns/index.js';
import { defaultComponents } from '../../trace/components.js';
import type { TraceComponents } from '../../trace/hooks.js';

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

export function objectKey(o: { kind?: string; metadata?: { namespace?: string; name?: string } }): string {
  return `${o.kind ?? ''}/${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
}

/**
 * The lab's desired state: the manifests on disk (re-read on --watch), plus what `podnet apply` added and minus what
 * `podnet delete` removed, like objects in an API server that were first created from those files.
 */
export class ManifestSet {
  private applied = new Map<string, LoadedObject>();
  private deleted = new Set<string>();
  private fromDisk: LoadedObject[] = [];
  private diskDiagnostics: Diagnostic[] = [];

  constructor(readonly paths: readonly string[], readonly configPath?: string) {
    this.reread();
  }

  /** Reads the manifest files again (after a change on disk). */
  reread(): void {
    const r = loadPaths([...this.paths]);
    this.fromDisk = r.objects;
    this.diskDiagnostics = r.diagnostics;
  }

  /** Parses manifest text; returns the keys of the objects it holds and any parse errors. */
  static parse(text: string, name: string): { objects: LoadedObject[]; diagnostics: Diagnostic[] } {
    return parseManifestText(text, name);
  }

  apply(objects: readonly LoadedObject[]): string[] {
    const keys: string[] = [];
    for (const o of objects) {
      const key = objectKey(o.object as never);
      this.deleted.delete(key);
      this.applied.set(key, o);
      keys.push(key);
    }
    return keys;
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
    out.push(...this.applied.values());
    return { objects: out, diagnostics: this.diskDiagnostics };
  }
}

export function buildSnapshot(set: ManifestSet, version: number): Snapshot {
  const t0 = performance.now();
  const { objects, diagnostics } = set.objects();
  let config;
  if (set.configPath) config = Cluster.load({ configPath: set.configPath }).config;
  const cluster = Cluster.build(objects, diagnostics, config);
  // A serial that changes with every snapshot, as CoreDNS's does when objects change.
  const dns = compileDns(cluster, { serial: Math.floor(Date.now() / 1000) + version });
  // The trace resolves names with the snapshot's own DNS model instead of compiling a second one.
  const components = defaultComponents({ cluster, dns });
  return { version, cluster, dns, components, networkComponents: { ...components, mesh: undefined }, builtAt: new Date(), buildMs: performance.now() - t0 };
}
