// What etcd gives kube-apiserver, derived from the lab's snapshots: a resourceVersion per object (the revision at which
// it last changed), a creationTimestamp for objects that have none (when the lab first saw them), the current
// revision of the whole store, and the history of changes as watch events (ADDED / MODIFIED / DELETED), bounded as
// etcd's compaction bounds it: a watch from a revision older than the history answers 410 Gone.
import { createHash } from 'node:crypto';

type Obj = Record<string, any>;

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoredObject {
  storeKind: string;
  namespace: string;
  name: string;
  rv: number;
  /** The object as served: the engine's object with metadata.resourceVersion and creationTimestamp. Never mutated. */
  object: Obj;
}

export interface ChangeEvent {
  type: EventType;
  rv: number;
  storeKind: string;
  namespace: string;
  /** The object after the change (before it, for DELETED). */
  object: Obj;
  /** The object before a MODIFIED change (watches with selectors turn it into ADDED/DELETED). */
  previous?: Obj;
}

interface Entry extends StoredObject { hash: string }

/** RFC 3339 at second precision, as metav1.Time marshals. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class Revisions {
  private revision = 0;
  private readonly byKind = new Map<string, Map<string, Entry>>();
  private readonly history: ChangeEvent[] = [];
  /** The revision before the first event kept: watching from anything older is 410 Gone. */
  private compacted = 0;
  private readonly subscribers = new Set<(e: ChangeEvent) => void>();
  /** Each kind's objects in list order, for the map they were sorted from (a changed kind is a new map or a deletion). */
  private readonly sorted = new WeakMap<Map<string, Entry>, StoredObject[]>();

  /**
   * `stamp` finishes an object as served, given its creationTimestamp (times a kubelet would report for a pod it
   * started); it must copy what it changes.
   */
  constructor(private readonly now: () => Date, private readonly stamp: (o: Obj, created: string) => Obj = (o) => o, private readonly maxHistory = 50_000) {}

  get resourceVersion(): number { return this.revision; }

  /**
   * Takes the objects of some kinds as they now stand (every kind named in `objects` is replaced whole: what it no
   * longer holds is deleted) and records what changed.
   */
  replaceKinds(objects: ReadonlyMap<string, readonly Obj[]>): ChangeEvent[] {
    const events: ChangeEvent[] = [];
    for (const [storeKind, list] of objects) {
      const old = this.byKind.get(storeKind) ?? new Map<string, Entry>();
      const next = new Map<string, Entry>();
      const before = events.length;
      for (const o of list) {
        const namespace = String(o.metadata?.namespace ?? '');
        const name = String(o.metadata?.name ?? '');
        const key = `${namespace}/${name}`;
        const hash = hashOf(o);
        const prev = old.get(key);
        if (prev && prev.hash === hash) { next.set(key, prev); continue; }
        const rv = ++this.revision;
        const created = prev?.object.metadata.creationTimestamp ?? o.metadata?.creationTimestamp ?? rfc3339(this.now());
        const object = this.stamp({ ...o, metadata: { ...o.metadata, creationTimestamp: created, resourceVersion: String(rv) } }, created);
        const entry: Entry = { storeKind, namespace, name, rv, object, hash };
        next.set(key, entry);
        events.push({ type: prev ? 'MODIFIED' : 'ADDED', rv, storeKind, namespace, object, ...(prev ? { previous: prev.object } : {}) });
      }
      for (const [key, prev] of old) {
        if (next.has(key)) continue;
        const rv = ++this.revision;
        events.push({ type: 'DELETED', rv, storeKind, namespace: prev.namespace, object: { ...prev.object, metadata: { ...prev.object.metadata, resourceVersion: String(rv) } } });
      }
      // Unchanged, the kind keeps its map (and the sorted list kept for it).
      if (events.length > before || !this.byKind.has(storeKind)) this.byKind.set(storeKind, next);
    }
    this.record(events);
    return events;
  }

  /**
   * Adds or replaces one object: of a kind the lab does not rebuild (Events), or one written through the API before
   * the snapshot that holds it is built (the next replaceKinds keeps it when the snapshot's object is the same).
   */
  put(storeKind: string, o: Obj): StoredObject {
    const kind = this.byKind.get(storeKind) ?? new Map<string, Entry>();
    this.byKind.set(storeKind, kind);
    const namespace = String(o.metadata?.namespace ?? '');
    const name = String(o.metadata?.name ?? '');
    const prev = kind.get(`${namespace}/${name}`);
    const rv = ++this.revision;
    const created = prev?.object.metadata.creationTimestamp ?? o.metadata?.creationTimestamp ?? rfc3339(this.now());
    const object = this.stamp({ ...o, metadata: { ...o.metadata, creationTimestamp: created, resourceVersion: String(rv) } }, created);
    const entry: Entry = { storeKind, namespace, name, rv, object, hash: hashOf(o) };
    kind.set(`${namespace}/${name}`, entry);
    this.sorted.delete(kind);
    this.record([{ type: prev ? 'MODIFIED' : 'ADDED', rv, storeKind, namespace, object, ...(prev ? { previous: prev.object } : {}) }]);
    return entry;
  }

  /** Removes one object of such a kind; undefined when it is not there. */
  remove(storeKind: string, namespace: string, name: string): StoredObject | undefined {
    const kind = this.byKind.get(storeKind);
    const prev = kind?.get(`${namespace}/${name}`);
    if (!kind || !prev) return undefined;
    kind.delete(`${namespace}/${name}`);
    this.sorted.delete(kind);
    const rv = ++this.revision;
    const object = { ...prev.object, metadata: { ...prev.object.metadata, resourceVersion: String(rv) } };
    this.record([{ type: 'DELETED', rv, storeKind, namespace, object }]);
    return { ...prev, rv, object };
  }

  get(storeKind: string, namespace: string, name: string): StoredObject | undefined {
    return this.byKind.get(storeKind)?.get(`${namespace}/${name}`);
  }

  /**
   * Objects of a kind (in one namespace), sorted by namespace then name as etcd's keys sort. The sorted list is kept
   * until the kind changes (a paged list asks for it once per chunk); callers must not change it.
   */
  list(storeKind: string, namespace?: string): readonly StoredObject[] {
    const kind = this.byKind.get(storeKind);
    if (!kind) return [];
    let all = this.sorted.get(kind);
    if (!all) {
      all = [...kind.values()].sort((a, b) => compare(a.namespace, b.namespace) || compare(a.name, b.name));
      this.sorted.set(kind, all);
    }
    return namespace === undefined ? all : all.filter((e) => e.namespace === namespace);
  }

  /** Changes after `rv`, or 'gone' when they are no longer kept. */
  since(rv: number): ChangeEvent[] | 'gone' {
    if (rv < this.compacted) return 'gone';
    let lo = 0;
    let hi = this.history.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (this.history[mid].rv <= rv) lo = mid + 1; else hi = mid; }
    return this.history.slice(lo);
  }

  subscribe(fn: (e: ChangeEvent) => void): () => void {
    this.subscribers.add(fn);
    return () => { this.subscribers.delete(fn); };
  }

  private record(events: ChangeEvent[]): void {
    if (events.length === 0) return;
    if (this.history.length === 0 && this.compacted === 0) this.compacted = events[0].rv - 1;
    for (const e of events) this.history.push(e);
    const over = this.history.length - this.maxHistory;
    if (over > 0) {
      this.compacted = this.history[over - 1].rv;
      this.history.splice(0, over);
    }
    for (const e of events) for (const s of this.subscribers) s(e);
  }
}

function hashOf(o: Obj): string {
  return createHash('sha1').update(JSON.stringify(o)).digest('base64');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
