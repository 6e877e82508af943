// The cluster store: every object the cluster holds after load and controllers, indexed by kind, namespace and name.
// Objects here are the computed state (defaults applied, IPs and status filled in); the loaded manifests stay untouched.
import { storeKindOf } from '../api/kinds.js';
import { objectKey, type KubeObject, type ObjectRef, type SourceRef } from '../api/types.js';
import { pushAll } from '../util/arrays.js';

type NamespaceIndex = Map<string, Map<string, KubeObject>>;

export class ClusterStore {
  /** kind -> namespace ('' for cluster-scoped) -> name -> object; insertion order is apply order. */
  private readonly byKind = new Map<string, NamespaceIndex>();
  private readonly applyOrder = new Map<string, Map<string, KubeObject>>();
  private readonly sources = new Map<string, SourceRef>();
  /** list()'s sorted answers, per name index (one namespace of a kind) and per kind; dropped when either changes. */
  private readonly sorted = new WeakMap<object, KubeObject[]>();

  /** Adds or replaces an object. `source` is where it was written (generated objects point at their owner's source). */
  put(obj: KubeObject, source?: SourceRef): void {
    const ref = refOfObject(obj);
    let nsIndex = this.byKind.get(ref.kind);
    if (!nsIndex) this.byKind.set(ref.kind, (nsIndex = new Map()));
    let names = nsIndex.get(ref.namespace);
    if (!names) nsIndex.set(ref.namespace, (names = new Map()));
    names.set(ref.name, obj);
    this.sorted.delete(names);
    this.sorted.delete(nsIndex);
    let order = this.applyOrder.get(ref.kind);
    if (!order) this.applyOrder.set(ref.kind, (order = new Map()));
    order.set(`${ref.namespace}/${ref.name}`, obj);
    if (source) this.sources.set(objectKey(ref), source);
  }

  delete(ref: ObjectRef): boolean {
    this.sources.delete(objectKey(ref));
    this.applyOrder.get(ref.kind)?.delete(`${ref.namespace}/${ref.name}`);
    const nsIndex = this.byKind.get(ref.kind), names = nsIndex?.get(ref.namespace);
    if (nsIndex) this.sorted.delete(nsIndex);
    if (names) this.sorted.delete(names);
    return names?.delete(ref.name) ?? false;
  }

  get<T = KubeObject>(kind: string, namespace: string, name: string): T | undefined {
    return this.byKind.get(kind)?.get(namespace)?.get(name) as T | undefined;
  }

  has(kind: string, namespace: string, name: string): boolean {
    return this.byKind.get(kind)?.get(namespace)?.has(name) ?? false;
  }

  /** Objects of a kind, optionally in one namespace, sorted by namespace then name (kubectl's order). */
  list<T = KubeObject>(kind: string, namespace?: string): T[] {
    const nsIndex = this.byKind.get(kind);
    if (!nsIndex) return [];
    // A copy of the cached order: callers may sort or extend what they get.
    const index = namespace !== undefined ? nsIndex.get(namespace) : nsIndex;
    if (!index) return [];
    let list = this.sorted.get(index);
    if (!list) {
      if (namespace !== undefined) list = sortedValues(index as Map<string, KubeObject>);
      else {
        list = [];
        for (const ns of [...nsIndex.keys()].sort(compareStrings)) pushAll(list, sortedValues(nsIndex.get(ns)));
      }
      this.sorted.set(index, list);
    }
    return list.slice() as T[];
  }

  /** Objects of a kind in the order they were put: the order `kubectl apply -f` would create them. */
  listInApplyOrder<T = KubeObject>(kind: string): T[] {
    return [...(this.applyOrder.get(kind)?.values() ?? [])] as T[];
  }

  /** Namespaces that hold at least one object of this kind. */
  namespacesOf(kind: string): string[] {
    return [...(this.byKind.get(kind)?.entries() ?? [])].filter(([, m]) => m.size > 0).map(([ns]) => ns).sort(compareStrings);
  }

  kinds(): string[] {
    return [...this.byKind.keys()].filter((k) => this.count(k) > 0).sort(compareStrings);
  }

  sourceOf(ref: ObjectRef): SourceRef | undefined {
    return this.sources.get(objectKey(ref));
  }

  count(kind: string): number {
    return this.applyOrder.get(kind)?.size ?? 0;
  }
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortedValues(names: Map<string, KubeObject> | undefined): KubeObject[] {
  if (!names) return [];
  return [...names.keys()].sort(compareStrings).map((n) => names.get(n)!);
}

export function refOfObject(obj: KubeObject): ObjectRef {
  return { kind: storeKindOf(obj.kind, obj.apiVersion), namespace: obj.metadata.namespace ?? '', name: obj.metadata.name };
}

export function compareObjects(a: KubeObject, b: KubeObject): number {
  return compareStrings(a.metadata.namespace ?? '', b.metadata.namespace ?? '') || compareStrings(a.metadata.name, b.metadata.name);
}
