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
    const time = rfc3339(this.now());
    const base = BigInt(this.now().getTime()) * 1_000_000n;
    for (const e of events) {
      const namespace = e.involvedObject.namespace ?? 'default';
      const name = `${e.involvedObject.name}.${(base + BigInt(this.seq++)).toString(16)}`;
      this.revisions.put('Event', {
        apiVersion: 'v1', kind: 'Event',
        metadata: { name, namespace, creationTimestamp: time },
        involvedObject: e.involvedObject, reason: e.reason, message: e.message, type: e.type,
        source: e.source, firstTimestamp: time, lastTimestamp: time, count: 1, eventTime: null,
        reportingComponent: e.source.component, reportingInstance: e.source.host ?? '',
      });
      this.kept.push({ namespace, name });
    }
    while (this.kept.length > MAX_EVENTS) {
      const old = this.kept.shift()!;
      this.revisions.remove('Event', old.namespace, old.name);
    }
  }
}
