// The API server's view of the lab: after every snapshot the engine builds, the objects of each served kind (as
// `podnet get` lists them, computed status included) are handed to Revisions, which gives them resourceVersions and
// turns the difference into watch events. Nothing here decides what the cluster holds: writes go back through the
// lab's change path (write.ts), and what the controllers made of them comes back as the next snapshot.
import type { Lab } from '../../serve/lab.js';
import type { Snapshot } from '../../serve/lab/snapshot.js';
import { listObjects, resourceTypeOfKind } from '../../cli/printers/resources.js';
import { apiResources, groupVersion, type ApiResource } from './resources.js';
import { Revisions, type StoredObject } from './revisions.js';
import { EventRecorder } from './events.js';
import { applyDefaults, deterministicUid } from '../../api/defaults.js';
import type { KubeObject } from '../../api/types.js';

type Obj = Record<string, any>;

/** Kinds the API server keeps itself instead of reading them from the snapshot. */
export const OWN_KINDS = new Set(['Event']);

export class ApiStore {
  readonly revisions: Revisions;
  private readonly events: EventRecorder;
  private readonly off: () => void;
  /** Runtime state the lab's snapshot does not hold (a pod's finished command), laid over its pods. */
  podOverlay: (pod: Obj) => Obj = (p) => p;
  /** Sees each snapshot's pods before they are served (pod processes). */
  onPods: (pods: readonly Obj[]) => void = () => undefined;

  constructor(readonly lab: Lab, readonly now: () => Date) {
    this.revisions = new Revisions(now, stampReported);
    this.events = new EventRecorder(this.revisions, now);
    this.observe(lab.snapshot);
    this.off = lab.onBuilt((s) => this.observe(s));
  }

  /**
   * Stores an object written through the API at once, as the API server stores it in etcd before any controller
   * acts: defaulted, with the uid the engine gives it, and the status it had (a new Pod is Pending, not yet
   * scheduled). Watchers see it now; the snapshot the engine builds from it follows (scheduling, the pod's IP, its
   * Running status), and its differences arrive as MODIFIED.
   */
  accept(r: ApiResource, obj: Obj): StoredObject {
    const kind = storeKindOf(r);
    const namespace = r.namespaced ? String(obj.metadata.namespace) : '';
    const name = String(obj.metadata.name);
    const live = this.revisions.get(kind, namespace, name)?.object;
    const o = applyDefaults(obj as KubeObject) as Obj;
    o.metadata.uid ??= live?.metadata.uid ?? deterministicUid(`${r.kind}/${namespace}/${name}`);
    if (live?.metadata.creationTimestamp) o.metadata.creationTimestamp = live.metadata.creationTimestamp;
    const status = live?.status ?? (r.kind === 'Pod' ? { phase: 'Pending', qosClass: 'BestEffort' } : undefined);
    return this.revisions.put(kind, status === undefined ? o : { ...o, status });
  }

  /** Removes an object deleted through the API at once (what it owned goes with the next snapshot). */
  forget(r: ApiResource, namespace: string, name: string): void {
    this.revisions.remove(storeKindOf(r), r.namespaced ? namespace : '', name);
  }

  /** An object the store accepted that the engine then refused: a Warning Event on it says why (it is gone again). */
  refused(r: ApiResource, obj: Obj, messages: readonly string[]): void {
    this.events.record({ kind: r.kind, namespace: r.namespaced ? String(obj.metadata.namespace) : undefined, name: String(obj.metadata.name), uid: obj.metadata.uid }, 'Refused', messages.join('; '), 'Warning');
  }

  /** The newest snapshot built (the lab may still be swapping it into its faces). */
  private latest!: Snapshot;

  private observe(snap: Snapshot, only?: string): void {
    this.latest = snap;
    const kinds = new Map<string, Obj[]>();
    for (const r of apiResources()) {
      if (OWN_KINDS.has(storeKindOf(r)) || (only && r.storeKind !== only)) continue;
      const type = resourceTypeOfKind(r.storeKind);
      if (!type) continue;
      const objects = listObjects(snap.cluster, type, undefined) as Obj[];
      if (r.storeKind === 'Pod') this.onPods(objects);
      kinds.set(r.storeKind, r.storeKind === 'Pod' ? objects.map((p) => this.podOverlay(p)) : objects);
    }
    this.revisions.replaceKinds(kinds);
    if (!only) this.events.observe(snap.cluster);
  }

  /** Serves the pods again after their runtime state changed. */
  refreshPods(): void {
    this.observe(this.latest, 'Pod');
  }

  get(r: ApiResource, namespace: string, name: string): StoredObject | undefined {
    return this.revisions.get(storeKindOf(r), r.namespaced ? namespace : '', name);
  }

  list(r: ApiResource, namespace?: string): readonly StoredObject[] {
    return this.revisions.list(storeKindOf(r), r.namespaced ? namespace : undefined);
  }

  close(): void { this.off(); }
}

/**
 * What a kubelet reports about a pod it started, which the model has no clock for: the start times (the pod's
 * creation), and the fields client libraries require that a kubelet leaves empty until it knows them (imageID of an
 * image never pulled; a node's machine, boot and system IDs). Typed clients (Python's `kubernetes`) refuse objects
 * without them.
 */
function stampReported(o: Obj, created: string): Obj {
  if (o.kind === 'Pod' && o.status) {
    const container = (cs: Obj) => ({
      ...cs, imageID: cs.imageID ?? '',
      ...(cs.state?.running && !cs.state.running.startedAt ? { state: { ...cs.state, running: { ...cs.state.running, startedAt: created } } } : {}),
    });
    const status: Obj = { ...o.status, ...(o.status.phase !== 'Pending' && !o.status.startTime ? { startTime: created } : {}) };
    for (const k of ['containerStatuses', 'initContainerStatuses'] as const) if (Array.isArray(status[k])) status[k] = status[k].map(container);
    if (Array.isArray(status.conditions)) status.conditions = status.conditions.map((c: Obj) => ({ lastProbeTime: null, lastTransitionTime: created, ...c }));
    return { ...o, status };
  }
  if (o.kind === 'Node' && o.status?.nodeInfo) {
    return { ...o, status: { ...o.status, nodeInfo: { bootID: '', machineID: '', systemUUID: '', ...o.status.nodeInfo } } };
  }
  return o;
}

/** Both Event resources (core v1 and events.k8s.io/v1) read the one store of Events, as upstream. */
export function storeKindOf(r: ApiResource): string {
  return r.kind === 'Event' ? 'Event' : r.storeKind;
}

/** The object as the asked-for version serves it (apiVersion set; Events converted to events.k8s.io/v1's shape). */
export function present(r: ApiResource, version: string, o: Obj): Obj {
  const apiVersion = groupVersion(r.group, version);
  if (r.kind === 'Event' && r.group === 'events.k8s.io') return eventsV1(o, apiVersion);
  return o.apiVersion === apiVersion && o.kind === r.kind ? o : { ...o, apiVersion, kind: r.kind };
}

/** core/v1 Event → events.k8s.io/v1 Event (the upstream conversion: regarding, note, deprecated* fields). */
function eventsV1(e: Obj, apiVersion: string): Obj {
  const out: Obj = {
    apiVersion, kind: 'Event', metadata: e.metadata,
    eventTime: e.eventTime ?? null,
    ...(e.series ? { series: e.series } : {}),
    ...(e.reportingComponent ? { reportingController: e.reportingComponent } : {}),
    ...(e.reportingInstance ? { reportingInstance: e.reportingInstance } : {}),
    ...(e.action ? { action: e.action } : {}),
    reason: e.reason, regarding: e.involvedObject,
    ...(e.related ? { related: e.related } : {}),
    note: e.message, type: e.type,
    ...(e.source && Object.keys(e.source).length ? { deprecatedSource: e.source } : {}),
    ...(e.firstTimestamp ? { deprecatedFirstTimestamp: e.firstTimestamp } : {}),
    ...(e.lastTimestamp ? { deprecatedLastTimestamp: e.lastTimestamp } : {}),
    ...(e.count ? { deprecatedCount: e.count } : {}),
  };
  return out;
}
