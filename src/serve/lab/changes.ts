// The lab's change path after the desired state was edited: one rebuild through the engine (buildSnapshot: the
// controllers run again) for every edit made since the previous one started, so a burst of writes costs one build,
// not one each. A rebuild first decides which written objects the engine refuses (they are undone and the rest built
// again, as the API server refuses an object without storing it), tells `built` (the Kubernetes API's store turns the
// snapshot into resourceVersions and watch events there), then `serve` swaps it into the faces (pods, DNS, proxies,
// NodePorts, a kernel realisation). Who edits waits for the phase it needs: `built` for the engine's verdict,
// `settled` for a lab that answers from the new state.
import type { LoadedObject } from '../../api/load.js';
import { formatDiagnostic, type Diagnostic } from '../../api/diagnostics.js';
import { ConfigRefusedError } from '../../cluster/cluster.js';
import { buildSnapshot, objectKey, refusedObjects, type ManifestSet, type Snapshot } from './snapshot.js';

/** What a rebuild made of the edits it took: the snapshot now current, and each refused object's messages by key. */
export interface BuildOutcome { snapshot: number; errors: ReadonlyMap<string, readonly string[]> }

export interface Rebuild { built: Promise<BuildOutcome>; settled: Promise<BuildOutcome> }

interface Staged { objects: readonly LoadedObject[]; undo: (keys: ReadonlySet<string>) => void }

export class ChangeQueue {
  private staged: Staged[] = [];
  /** Edits that are not objects (a delete, the files read again): they need a rebuild even if every object is refused. */
  private otherEdits = false;
  /** The rebuild that has not started yet: later edits join it. */
  private next?: Rebuild;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly set: ManifestSet,
    private readonly current: () => Snapshot,
    private readonly built: (snap: Snapshot) => void,
    private readonly serve: (snap: Snapshot) => Promise<void>,
  ) {}

  /** Objects just applied to the desired state, with the function that undoes that apply for some keys. */
  stageObjects(objects: readonly LoadedObject[], undo: Staged['undo']): Rebuild {
    this.staged.push({ objects, undo });
    return this.schedule();
  }

  /** Any other edit of the desired state. */
  stageEdit(): Rebuild {
    this.otherEdits = true;
    return this.schedule();
  }

  /** Resolves when every rebuild scheduled so far has been served (failed ones included). */
  async idle(): Promise<void> {
    for (;;) {
      const t = this.tail;
      await t.then(() => undefined, () => undefined);
      if (t === this.tail) return;
    }
  }

  private schedule(): Rebuild {
    if (this.next) return this.next;
    let builtDone!: (o: BuildOutcome) => void;
    let builtFailed!: (e: unknown) => void;
    const built = new Promise<BuildOutcome>((resolve, reject) => { builtDone = resolve; builtFailed = reject; });
    // From a macrotask: the answers already written (an API write's response, its watch events) leave first, and
    // edits made meanwhile join this rebuild.
    const settled = this.tail.then(() => new Promise((r) => setImmediate(r))).then(async () => {
      // From here on, edits go to the next rebuild: this one reads the desired state synchronously below.
      this.next = undefined;
      let outcome: BuildOutcome;
      let snap: Snapshot | undefined;
      try {
        ({ outcome, snap } = this.build());
        // Everything refused: no new snapshot, but whoever stored the writes early is told the state still stands.
        if (snap || outcome.errors.size > 0) this.built(snap ?? this.current());
      } catch (e) {
        builtFailed(e);
        throw e;
      }
      builtDone(outcome);
      if (snap) await this.serve(snap);
      return outcome;
    });
    // Whoever waits only for `settled` must not leave `built`'s rejection unhandled.
    built.catch(() => undefined);
    this.tail = settled.catch(() => undefined);
    this.next = { built, settled };
    return this.next;
  }

  private build(): { outcome: BuildOutcome; snap?: Snapshot } {
    const staged = this.staged;
    const otherEdits = this.otherEdits;
    this.staged = [];
    this.otherEdits = false;
    const objects = staged.flatMap((s) => s.objects);
    const keys = objects.map((o) => objectKey(o.object as never));
    // Later applies first: undoing a key restores what was there before the first of them.
    const undo = (refused: ReadonlySet<string>) => { for (const s of [...staged].reverse()) s.undo(refused); };
    const prev = this.current();
    const version = prev.version + 1;
    const errors = new Map<string, string[]>();
    const survivors = () => otherEdits || keys.some((k) => !errors.has(k));
    let snap: Snapshot | undefined;
    try {
      snap = buildSnapshot(this.set, version, prev);
    } catch (e) {
      // An invalid ClusterConfig is refused like an invalid object: the rest is applied without it.
      const configKeys = keys.filter((k) => k.startsWith('ClusterConfig/'));
      if (!(e instanceof ConfigRefusedError) || configKeys.length === 0) throw e;
      for (const k of configKeys) errors.set(k, [...e.lines]);
      undo(new Set(configKeys));
      snap = survivors() ? buildSnapshot(this.set, version, prev) : undefined;
    }
    const refused = snap ? refusedObjects(objects, prev.cluster.diagnostics, snap.cluster.diagnostics) : new Map<string, Diagnostic[]>();
    if (refused.size > 0) {
      for (const [k, diags] of refused) errors.set(k, diags.map(formatDiagnostic));
      undo(new Set(refused.keys()));
      snap = survivors() ? buildSnapshot(this.set, version, prev) : undefined;
    }
    return { outcome: { snapshot: snap?.version ?? prev.version, errors }, snap };
  }
}
