// What the controllers did between two builds of the cluster, as the Events they would record (kubectl describe's
// Events, kubectl get events): the scheduler's Scheduled and FailedScheduling, the workload controllers' pod creations
// and deletions (replicaset-, statefulset-, daemonset-, job-controller) and the deployment controller's scaling, the
// kubelet's FailedCreatePodSandBox when IPAM has no address left, and — the lab's own, upstream records none — a
// Service's endpoints changing. Pure: two clusters in, event records out (the API server stores and serves them).
import { Codes, type Diagnostic } from '../api/diagnostics.js';
import type { Cluster } from './cluster.js';
import { pushAll } from '../util/arrays.js';

type Obj = Record<string, any>;

export interface ObjectReference { kind: string; namespace?: string; name: string; uid?: string; apiVersion: string }

export interface ControllerEvent {
  involvedObject: ObjectReference;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  /** The reporting component (`default-scheduler`, `replicaset-controller`, `kubelet`) and, for kubelet, its node. */
  source: { component: string; host?: string };
}

const refOf = (o: Obj): ObjectReference => ({ kind: o.kind, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}), name: o.metadata.name, ...(o.metadata.uid ? { uid: o.metadata.uid } : {}), apiVersion: o.apiVersion });
const keyOf = (o: Obj) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const CONTROLLER: Record<string, string> = { ReplicaSet: 'replicaset-controller', StatefulSet: 'statefulset-controller', DaemonSet: 'daemonset-controller', Job: 'job-controller' };

function byKey(objs: readonly Obj[]): Map<string, Obj> {
  return new Map(objs.map((o) => [keyOf(o), o]));
}

function ownerOf(o: Obj): Obj | undefined {
  return (o.metadata.ownerReferences as Obj[] | undefined)?.find((r) => r.controller);
}

/** The Pod a diagnostic names, with the message after `Pod ns/name: `. */
function podDiagnostics(diags: readonly Diagnostic[], code: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const d of diags) {
    if (d.code !== code || d.object?.kind !== 'Pod') continue;
    out.set(`${d.object.namespace}/${d.object.name}`, d.message.replace(/^Pod \S+: /, '').replace(/; the pod stays Pending$/, ''));
  }
  return out;
}

export function controllerEvents(prev: Cluster | undefined, next: Cluster): ControllerEvent[] {
  const events: ControllerEvent[] = [];
  const before = byKey((prev?.pods() ?? []) as Obj[]);
  const after = byKey(next.pods() as Obj[]);
  const failedScheduling = podDiagnostics(next.diagnostics, Codes.unschedulable);
  const noIP = podDiagnostics(next.diagnostics, Codes.podIPExhausted);
  const wasFailing = new Set([...podDiagnostics(prev?.diagnostics ?? [], Codes.unschedulable).keys(), ...podDiagnostics(prev?.diagnostics ?? [], Codes.podIPExhausted).keys()]);
  for (const [key, pod] of after) {
    const old = before.get(key);
    const fresh = !old || old.metadata.uid !== pod.metadata.uid;
    const owner = ownerOf(pod);
    if (fresh && owner && CONTROLLER[owner.kind]) {
      const ownerRef = { kind: owner.kind, namespace: pod.metadata.namespace, name: owner.name, uid: owner.uid, apiVersion: owner.apiVersion };
      events.push({
        involvedObject: ownerRef, type: 'Normal', reason: 'SuccessfulCreate', source: { component: CONTROLLER[owner.kind] },
        message: owner.kind === 'StatefulSet' ? `create Pod ${pod.metadata.name} in StatefulSet ${owner.name} successful` : `Created pod: ${pod.metadata.name}`,
      });
    }
    const scheduledNow = pod.spec?.nodeName && (fresh || !old.spec?.nodeName);
    if (scheduledNow && !failedScheduling.has(key)) {
      events.push({ involvedObject: refOf(pod), type: 'Normal', reason: 'Scheduled', source: { component: 'default-scheduler' }, message: `Successfully assigned ${key} to ${pod.spec.nodeName}` });
    }
    if (failedScheduling.has(key) && (fresh || !wasFailing.has(key))) {
      events.push({ involvedObject: refOf(pod), type: 'Warning', reason: 'FailedScheduling', source: { component: 'default-scheduler' }, message: failedScheduling.get(key)! });
    }
    if (noIP.has(key) && (fresh || !wasFailing.has(key))) {
      events.push({
        involvedObject: refOf(pod), type: 'Warning', reason: 'FailedCreatePodSandBox', source: { component: 'kubelet', host: pod.spec?.nodeName },
        message: `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox: plugin type="${next.config.cni}" failed (add): ${noIP.get(key)!}`,
      });
    }
  }
  for (const [key, pod] of before) {
    if (after.get(key)?.metadata.uid === pod.metadata.uid) continue;
    const owner = ownerOf(pod);
    if (owner && CONTROLLER[owner.kind] && next.get(owner.kind, pod.metadata.namespace, owner.name)) {
      events.push({
        involvedObject: { kind: owner.kind, namespace: pod.metadata.namespace, name: owner.name, uid: owner.uid, apiVersion: owner.apiVersion }, type: 'Normal', reason: 'SuccessfulDelete',
        source: { component: CONTROLLER[owner.kind] }, message: owner.kind === 'StatefulSet' ? `delete Pod ${pod.metadata.name} in StatefulSet ${owner.name} successful` : `Deleted pod: ${pod.metadata.name}`,
      });
    }
  }
  const oldSets = byKey((prev?.list('ReplicaSet') ?? []) as Obj[]);
  for (const rs of next.list<Obj>('ReplicaSet')) {
    const owner = ownerOf(rs);
    if (owner?.kind !== 'Deployment') continue;
    const was = oldSets.get(keyOf(rs));
    const from = was && was.metadata.uid === rs.metadata.uid ? Number(was.spec?.replicas ?? 0) : 0;
    const to = Number(rs.spec?.replicas ?? 0);
    if (from === to) continue;
    events.push({
      involvedObject: { kind: 'Deployment', namespace: rs.metadata.namespace, name: owner.name, uid: owner.uid, apiVersion: owner.apiVersion }, type: 'Normal', reason: 'ScalingReplicaSet',
      source: { component: 'deployment-controller' }, message: `Scaled ${to > from ? 'up' : 'down'} replica set ${rs.metadata.name} from ${from} to ${to}`,
    });
  }
  if (prev) pushAll(events, endpointChanges(prev, next));
  return events;
}

/** The lab's own Normal event on a Service whose ready endpoints changed (upstream's EndpointSlice controller records none). */
function endpointChanges(prev: Cluster, next: Cluster): ControllerEvent[] {
  const ready = (c: Cluster, ns: string, name: string) => c.slicesOfService(ns, name).flatMap((s: Obj) => ((s.endpoints ?? []) as Obj[]).filter((e) => e.conditions?.ready !== false).flatMap((e) => e.addresses as string[])).sort();
  const out: ControllerEvent[] = [];
  for (const svc of next.services() as Obj[]) {
    if (!prev.get('Service', svc.metadata.namespace, svc.metadata.name)) continue;
    const [a, b] = [ready(prev, svc.metadata.namespace, svc.metadata.name), ready(next, svc.metadata.namespace, svc.metadata.name)];
    if (a.join(',') === b.join(',')) continue;
    const added = b.filter((x) => !a.includes(x));
    const removed = a.filter((x) => !b.includes(x));
    out.push({
      involvedObject: refOf(svc), type: 'Normal', reason: 'EndpointsChanged', source: { component: 'podnet-lab' },
      message: `ready endpoints ${b.length ? b.join(', ') : '<none>'}${added.length ? ` (added ${added.join(', ')})` : ''}${removed.length ? ` (removed ${removed.join(', ')})` : ''}`,
    });
  }
  return out;
}
