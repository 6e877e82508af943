// The cluster store: every object the cluster holds after load and controllers, indexed by kind and namespace.
// Objects here are the computed state (defaults applied, IPs and status filled in); the loaded manifests stay untouched.
import { objectKey, type KubeObject, type ObjectRef, type SourceRef } from '../api/types.js';

export class ClusterStore {
  private readonly byKind = new Map<string, Map<string, KubeObject>>();
  private readonly sources = new Map<string, SourceRef>();

  /** Adds or replaces an object. `source` is where it was written (generated objects point at their owner's source). */
  put(obj: KubeObject, source?: SourceRef): void {
    const ref = refOfObject(obj);
    let m = this.byKind.get(ref.kind);
    if (!m) this.byKind.set(ref.kind, (m = new Map()));
    m.set(`${ref.namespace}/${ref.name}`, obj);
    if (source) this.sources.set(objectKey(ref), source);
  }

  delete(ref: ObjectRef): boolean {
    this.sources.delete(objectKey(ref));
    return this.byKind.get(ref.kind)?.delete(`${ref.namespace}/${ref.name}`) ?? false;
  }

  get<T = KubeObject>(kind: string, namespace: string, name: string): T | undefined {
    return this.byKind.get(kind)?.get(`${namespace}/${name}`) as T | undefined;
  }

  has(kind: string, namespace: string, name: string): boolean {
    return this.byKind.get(kind)?.has(`${namespace}/${name}`) ?? false;
  }

  /** Objects of a kind, optionally in one namespace, sorted by namespace then name (kubectl's order). */
  list<T = KubeObject>(kind: string, namespace?: string): T[] {
    const m = this.byKind.get(kind);
    if (!m) return [];
    const out: KubeObject[] = [];
    for (const obj of m.values()) if (namespace === undefined || (obj.metadata.namespace ?? '') === namespace) out.push(obj);
    out.sort(compareObjects);
    return out as T[];
  }

  /** Objects of a kind in the order they were put: the order `kubectl apply -f` would create them. */
  listInApplyOrder<T = KubeObject>(kind: string): T[] {
    return [...(this.byKind.get(kind)?.values() ?? [])] as T[];
  }

  kinds(): string[] {
    return [...this.byKind.keys()].filter((k) => (this.byKind.get(k)?.size ?? 0) > 0).sort();
  }

  sourceOf(ref: ObjectRef): SourceRef | undefined {
    return this.sources.get(objectKey(ref));
  }

  count(kind: string): number {
    return this.byKind.get(kind)?.size ?? 0;
  }
}

export function refOfObject(obj: KubeObject): ObjectRef {
  return { kind: obj.kind, namespace: obj.metadata.namespace ?? '', name: obj.metadata.name };
}

export function compareObjects(a: KubeObject, b: KubeObject): number {
  const na = a.metadata.namespace ?? '';
  const nb = b.metadata.namespace ?? '';
  if (na !== nb) return na < nb ? -1 : 1;
  return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
}
