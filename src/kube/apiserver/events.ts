// Events as the API server stores them: core/v1 Event objects for what src/cluster/events.ts says the controllers did
// between two snapshots, named `<object>.<hex time>` as client-go's recorder names them, kept for the newest few
// thousand (kube-apiserver keeps them an hour: --event-ttl) and served by both Event resources.
import { controllerEvents } from '../../cluster/events.js';
import type { Cluster } from '../../cluster/cluster.js';
import type { Revisions } from './revisions.js';
import { rfc3339 } from './revisions.js';

const MAX_EVENTS = 5000;

export class EventRecorder {
  private prev?: Cluster;
  private readonly kept: { namespace: string; name: string }[] = [];
  private seq = 0;

  constructor(private readonly revisions: Revisions, private readonly now: () => Date) {}

  observe(cluster: Cluster): void {
    const events = controllerEvents(this.prev, cluster);
    this.prev = cluster;
    for (const e of events) this.record(e.involvedObject, e.reason, e.message, e.type, e.source);
  }

  /** Stores one Event about an object, by default as the lab itself reports it. */
  record(involvedObject: { kind: string; namespace?: string; name: string; uid?: string }, reason: string, message: string, type: 'Normal' | 'Warning', source: { component: string; host?: string } = { component: 'podnet-lab' }): void {
    const time = rfc3339(this.now());
    const namespace = involvedObject.namespace ?? 'default';
    const name = `${involvedObject.name}.${(BigInt(this.now().getTime()) * 1_000_000n + BigInt(this.seq++)).toString(16)}`;
    this.revisions.put('Event', {
      apiVersion: 'v1', kind: 'Event',
      metadata: { name, namespace, creationTimestamp: time },
      involvedObject, reason, message, type,
      source, firstTimestamp: time, lastTimestamp: time, count: 1, eventTime: null,
      reportingComponent: source.component, reportingInstance: source.host ?? '',
    });
    this.kept.push({ namespace, name });
    while (this.kept.length > MAX_EVENTS) {
      const old = this.kept.shift()!;
      this.revisions.remove('Event', old.namespace, old.name);
    }
  }
}
