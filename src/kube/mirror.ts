// `podnet up --context X`: the lab mirrors a live cluster. The listing (src/kube/client.ts) is applied to the lab once,
// then every listed kind is watched from its list's resourceVersion, as client-go's reflector does; changes are
// gathered for a moment and applied (or deleted) through the lab's one change path, so the model, DNS, routes and the
// lab's own Kubernetes API follow the source cluster. A watch that ends is resumed from the last resourceVersion seen;
// 410 Expired relists the kind and deletes what it no longer holds.
import { setTimeout as sleep } from 'node:timers/promises';
import type { LoadedObject } from '../api/load.js';
import type { KubeObject } from '../api/types.js';
import { objectKey } from '../serve/lab/snapshot.js';
import { listKind, watchKind, type ClusterListing, type KindList, type KubeClient, type Listable, type WatchEvent } from './client.js';

/** What the mirror drives: the lab's change path. */
export interface MirrorTarget {
  apply(objects: readonly LoadedObject[]): Promise<{ errors: { key: string; messages: string[] }[] }>;
  delete(keys: readonly string[]): Promise<unknown>;
  desiredKeys(): string[];
}

const GATHER_MS = 100;
const RETRY_MS = 1000;

export class ClusterMirror {
  private readonly abort = new AbortController();
  private pending = new Map<string, KubeObject | null>();
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private readonly loops: Promise<void>[] = [];
  /** Changes applied since the start (for the log and tests). */
  changes = 0;
  listing?: ClusterListing;

  constructor(private readonly client: KubeClient, private readonly target: MirrorTarget, private readonly log: (line: string) => void = () => undefined) {}

  private get source(): string { return `<context ${this.client.context}>`; }

  /** Applies the listing to the lab, then watches every listed kind. */
  async start(listing: ClusterListing): Promise<void> {
    this.listing = listing;
    await this.applyAll(listing.objects);
    for (const l of listing.lists) this.loops.push(this.watchLoop(l));
  }

  private async applyAll(objects: readonly KubeObject[]): Promise<void> {
    if (objects.length === 0) return;
    const r = await this.target.apply(objects.map((object) => ({ object, source: { file: this.source, line: 0 } })));
    for (const e of r.errors) this.log(`mirror: ${e.key} not taken: ${e.messages.join('; ')}`);
  }

  private async watchLoop(first: KindList): Promise<void> {
    const l = first.listed;
    let rv = first.resourceVersion;
    while (!this.abort.signal.aborted) {
      let expired = false;
      let refused = false;
      try {
        await watchKind(this.client, l, rv, (e: WatchEvent) => {
          if (e.type === 'BOOKMARK') { if (e.resourceVersion) rv = e.resourceVersion; return; }
          if (e.type === 'ERROR') { expired = e.code === 410; refused = !expired; if (refused) this.log(`mirror: watch of ${l.resource}: ${e.message}`); return; }
          const v = e.object.metadata?.resourceVersion;
          if (typeof v === 'string' && v !== '') rv = v;
          this.queue(e.object, e.type === 'DELETED');
        }, this.abort.signal);
        if (expired) rv = await this.relist(l);
        // A watch the server refuses (403, 500…) is asked again after a pause, not at once in a loop.
        else if (refused) await this.pause();
      } catch (e) {
        if (this.abort.signal.aborted) return;
        this.log(`mirror: watch of ${l.resource} failed: ${(e as Error).message}; again in ${RETRY_MS / 1000} s`);
        await this.pause();
      }
    }
  }

  /** RETRY_MS, cut short by stop. */
  private pause(): Promise<void> { return sleep(RETRY_MS, undefined, { signal: this.abort.signal, ref: false }).catch(() => undefined); }

  /** After 410 Expired: the kind listed again; what the lab holds of it and the list does not is deleted. */
  private async relist(l: Listable): Promise<string> {
    const r = await listKind(this.client, l);
    if (!('objects' in r)) throw new Error(r.message);
    const kept = new Set<string>();
    for (const o of r.objects) { this.queue(o, false); kept.add(objectKey(o as never)); }
    for (const key of this.target.desiredKeys()) if (key.startsWith(`${l.kind}/`) && !kept.has(key)) this.pending.set(key, null);
    return r.resourceVersion;
  }

  private queue(object: KubeObject, deleted: boolean): void {
    this.pending.set(objectKey(object as never), deleted ? null : object);
    this.timer ??= setTimeout(() => { this.timer = undefined; this.flushing = this.flushing.then(() => this.flush()); }, GATHER_MS);
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    const applied = [...batch.values()].filter((o): o is KubeObject => o !== null);
    const deleted = [...batch].filter(([, o]) => o === null).map(([k]) => k);
    try {
      await this.applyAll(applied);
      if (deleted.length > 0) await this.target.delete(deleted);
      this.changes += batch.size;
      this.log(`mirror: ${applied.length} applied, ${deleted.length} deleted from context "${this.client.context}"`);
    } catch (e) {
      this.log(`mirror: applying changes failed: ${(e as Error).message}`);
    }
  }

  /** Resolves once every change received so far is in the lab. */
  async settled(): Promise<void> {
    while (this.timer || this.pending.size > 0) { await new Promise((r) => setTimeout(r, GATHER_MS / 2)); await this.flushing; }
    await this.flushing;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    clearTimeout(this.timer);
    await Promise.allSettled(this.loops);
    await this.flushing;
    this.client.close();
  }
}
