// Scheduling and pod networking status: every pod gets a node (spec.nodeName honoured, otherwise the schedulable node
// with the fewest pods, nodeSelector and taints respected), then its IPs from that node's ranges (hostNetwork pods take
// the node's IPs), and a status as the kubelet would report it.
import { Codes, type Diagnostic } from '../api/diagnostics.js';
import { compileLabelSelector } from '../api/labels.js';
import type { KubeObject, SourceRef } from '../api/types.js';
import { familyOf } from '../net/cidr.js';
import { RangeAllocator } from './ipam.js';
import type { NodeInfo } from './nodes.js';
import { refOfObject, type ClusterStore } from './store.js';

type Obj = Record<string, any>;
type PodObj = KubeObject & { spec: Obj; status?: Obj };

/** Annotation a manifest may set on a pod (or pod template) to emulate a failing readiness probe. */
export const READY_ANNOTATION = 'podnet.dev/ready';

interface Toleration { key?: string; operator?: string; value?: string; effect?: string }

/** Whether tolerations cover every NoSchedule/NoExecute taint (core/v1 helper ToleratesTaint). */
export function toleratesTaints(tolerations: Toleration[], taints: NodeInfo['taints']): boolean {
  return taints.every((t) => t.effect === 'PreferNoSchedule' || tolerations.some((tol) => tolerates(tol, t)));
}

function tolerates(tol: Toleration, taint: NodeInfo['taints'][number]): boolean {
  if (tol.effect && tol.effect !== taint.effect) return false;
  if (tol.operator === 'Exists') return !tol.key || tol.key === taint.key;
  return tol.key === taint.key && (tol.value ?? '') === (taint.value ?? '');
}

interface NodeSlot {
  info: NodeInfo;
  pods: number;
  allocators: RangeAllocator[];
}

/**
 * Where an earlier state of the cluster had bound a pod: the scheduler's binding (spec.nodeName) and the IPs the CNI
 * gave it, as etcd keeps them for a running pod. Keyed by `namespace/name`.
 */
export type PodBindings = ReadonlyMap<string, { nodeName: string; ips: readonly string[] }>;

const bindingKey = (p: PodObj) => `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`;

/** The bindings of a built cluster's scheduled pods, for the next build of the same cluster (see PodBindings). */
export function podBindingsOf(pods: readonly PodObj[]): Map<string, { nodeName: string; ips: string[] }> {
  const out = new Map<string, { nodeName: string; ips: string[] }>();
  for (const p of pods) {
    if (!p.spec?.nodeName || p.status?.phase !== 'Running') continue;
    out.set(bindingKey(p), { nodeName: p.spec.nodeName, ips: givenPodIPs(p) });
  }
  return out;
}

/**
 * Schedules and addresses all pods in the store. Order is deterministic: pods that carry their IPs keep them first,
 * then pods an earlier state had bound keep that node and those IPs (a running pod never moves nor changes address
 * when another pod is created: the API server stored its binding), then the rest are handled by namespace and name,
 * so the same manifests always give the same IPs.
 */
export function scheduleAndAddressPods(store: ClusterStore, nodes: readonly NodeInfo[], diags: Diagnostic[], bindings?: PodBindings): void {
  const slots = new Map<string, NodeSlot>();
  for (const info of nodes) {
    slots.set(info.name, { info, pods: 0, allocators: info.podCIDRs.map((c) => new RangeAllocator(c)) });
  }
  const pods = store.list<PodObj>('Pod');
  const report = (pod: PodObj, code: string, message: string, level: 'error' | 'warning' = 'error') =>
    diags.push({ code, level, message, object: refOfObject(pod), source: store.sourceOf(refOfObject(pod)) as SourceRef | undefined });

  // Pass 1: pods that carry their IPs (a dump, or a hand-written status) keep them, and hold them in IPAM. A pod with
  // IPs but no nodeName is placed on the node whose pod CIDR holds its IP.
  const needAddress: PodObj[] = [];
  for (const pod of pods) {
    const given = givenPodIPs(pod);
    // A dump's Pending/Succeeded/Failed pod without IPs is kept exactly as reported.
    if (given.length === 0 && pod.status?.phase && pod.status.phase !== 'Running') continue;
    if (given.length > 0 && !pod.spec.nodeName && !pod.spec.hostNetwork) {
      const owner = [...slots.values()].find((s) => s.allocators.some((a) => a.contains(given[0])));
      if (owner) pod.spec.nodeName = owner.info.name;
    }
    const slot = pod.spec.nodeName ? slots.get(pod.spec.nodeName) : undefined;
    if (given.length === 0 || !slot) {
      needAddress.push(pod);
      continue;
    }
    slot.pods++;
    if (!pod.spec.hostNetwork) {
      for (const ip of given) {
        const alloc = slot.allocators.find((a) => a.contains(ip));
        if (alloc && !alloc.reserve(ip)) report(pod, Codes.podIPConflict, `Pod ${pod.metadata.namespace}/${pod.metadata.name}: IP ${ip} is already held by another pod on node ${slot.info.name}`);
      }
    }
    setRunning(pod, given, slot.info);
  }

  const unbound = bindings?.size ? keepBindings(needAddress, slots, bindings) : needAddress;

  // Pass 2: pods pinned to a node, then the rest, spread to the least-loaded feasible node.
  const ordered = [...unbound.filter((p) => p.spec.nodeName), ...unbound.filter((p) => !p.spec.nodeName)];
  const slotList = [...slots.values()];
  for (const pod of ordered) {
    let slot: NodeSlot | undefined;
    if (pod.spec.nodeName) {
      slot = slots.get(pod.spec.nodeName);
      if (!slot) {
        report(pod, Codes.unschedulable, `Pod ${pod.metadata.namespace}/${pod.metadata.name}: spec.nodeName "${pod.spec.nodeName}" is not a node of this cluster; the pod stays Pending`, 'warning');
        setPending(pod, `node "${pod.spec.nodeName}" not found`);
        continue;
      }
    } else {
      const nodeSelector = pod.spec.nodeSelector as Record<string, string> | undefined;
      const selector = nodeSelector && Object.keys(nodeSelector).length > 0 ? compileLabelSelector({ matchLabels: nodeSelector }) : undefined;
      const tolerations = pod.spec.tolerations ?? [];
      slot = undefined;
      for (const s of slotList) {
        if (slot && s.pods >= slot.pods) continue;
        if (s.info.unschedulable || s.pods >= s.info.maxPods) continue;
        if (selector && !selector(s.info.labels)) continue;
        if (s.info.taints.length > 0 && !toleratesTaints(tolerations, s.info.taints)) continue;
        slot = s;
      }
      if (!slot) {
        const msg = `0/${slotList.length} nodes are available: no node matches the pod's node selector, tolerates its taints and has room`;
        report(pod, Codes.unschedulable, `Pod ${pod.metadata.namespace}/${pod.metadata.name}: ${msg}; the pod stays Pending`, 'warning');
        setPending(pod, msg);
        continue;
      }
      pod.spec.nodeName = slot.info.name;
    }
    slot.pods++;
    let ips: string[];
    const given = givenPodIPs(pod);
    if (given.length > 0) {
      ips = given;
    } else if (pod.spec.hostNetwork === true) {
      ips = [...slot.info.internalIPs];
    } else {
      ips = [];
      for (const alloc of slot.allocators) {
        const ip = alloc.allocate();
        if (ip === undefined) {
          report(pod, Codes.podIPExhausted, `Pod ${pod.metadata.namespace}/${pod.metadata.name}: failed to allocate for range ${alloc.cidr.text} on node ${slot.info.name}: no IP addresses available in range set`);
        } else ips.push(ip);
      }
      if (ips.length === 0) {
        setPending(pod, 'no IP addresses available', slot.info);
        continue;
      }
    }
    setRunning(pod, ips, slot.info);
  }
}

/** Pass 1b: pods an earlier state bound keep their node and IPs while both still fit; returns the others. */
function keepBindings(pods: readonly PodObj[], slots: ReadonlyMap<string, NodeSlot>, bindings: PodBindings): PodObj[] {
  const rest: PodObj[] = [];
  for (const pod of pods) {
    const bound = givenPodIPs(pod).length === 0 ? bindings.get(bindingKey(pod)) : undefined;
    const slot = bound ? slots.get(bound.nodeName) : undefined;
    // A pod written with another nodeName, or a node that has no room or no longer holds the IPs: scheduled afresh.
    if (!bound || !slot || (pod.spec.nodeName && pod.spec.nodeName !== bound.nodeName) || slot.pods >= slot.info.maxPods || !keepIPs(pod, slot, bound.ips)) { rest.push(pod); continue; }
    pod.spec.nodeName = bound.nodeName;
    slot.pods++;
    setRunning(pod, pod.spec.hostNetwork === true ? [...slot.info.internalIPs] : [...bound.ips], slot.info);
  }
  return rest;
}

/** Reserves a bound pod's IPs on its node again; false (nothing reserved) when one is out of range or taken. */
function keepIPs(pod: PodObj, slot: NodeSlot, ips: readonly string[]): boolean {
  if (pod.spec.hostNetwork === true) return true;
  if (ips.length === 0) return false;
  const held: [RangeAllocator, string][] = [];
  for (const ip of ips) {
    const alloc = slot.allocators.find((a) => a.tryReserve(ip));
    if (!alloc) { for (const [a, x] of held) a.release(x); return false; }
    held.push([alloc, ip]);
  }
  return true;
}

function givenPodIPs(pod: PodObj): string[] {
  const fromList = ((pod.status?.podIPs ?? []) as Obj[]).map((p) => p.ip).filter((ip): ip is string => typeof ip === 'string');
  if (fromList.length > 0) return fromList;
  return typeof pod.status?.podIP === 'string' && pod.status.podIP !== '' ? [pod.status.podIP] : [];
}

function setPending(pod: PodObj, message: string, node?: NodeInfo): void {
  pod.status = {
    phase: 'Pending',
    conditions: [{ type: 'PodScheduled', status: node ? 'True' : 'False', reason: node ? undefined : 'Unschedulable', message }],
    qosClass: 'BestEffort',
  };
}

/** Status as the kubelet reports a started pod. Readiness comes from the manifest (status or the podnet.dev/ready annotation). */
function setRunning(pod: PodObj, ips: string[], node: NodeInfo | undefined): void {
  const given = pod.status ?? {};
  const ready = readinessOf(pod);
  const hostIPs = node?.internalIPs ?? (given.hostIP ? [given.hostIP] : []);
  const sortedIPs = orderByFamily(ips);
  const containers = (pod.spec.containers ?? []) as Obj[];
  const readyStatus = ready ? 'True' : 'False';
  pod.status = {
    ...given,
    phase: given.phase ?? 'Running',
    hostIP: hostIPs[0],
    hostIPs: hostIPs.map((ip) => ({ ip })),
    podIP: sortedIPs[0],
    podIPs: sortedIPs.map((ip) => ({ ip })),
    conditions: given.conditions ?? [
      { type: 'PodReadyToStartContainers', status: 'True' },
      { type: 'Initialized', status: 'True' },
      { type: 'Ready', status: readyStatus, ...(ready ? {} : { reason: 'ContainersNotReady', message: `containers with unready status: [${containers.map((c) => c.name).join(' ')}]` }) },
      { type: 'ContainersReady', status: readyStatus },
      { type: 'PodScheduled', status: 'True' },
    ],
    containerStatuses: given.containerStatuses ?? containers.map((c) => ({
      name: c.name, image: c.image, ready, restartCount: 0, started: true, state: { running: {} },
    })),
    qosClass: given.qosClass ?? 'BestEffort',
  };
}

/** Primary family first: the pod's IPs follow the node's first pod CIDR family. */
function orderByFamily(ips: string[]): string[] {
  if (ips.length < 2) return ips;
  const first = familyOf(ips[0]);
  return [...ips.filter((ip) => familyOf(ip) === first), ...ips.filter((ip) => familyOf(ip) !== first)];
}

function readinessOf(pod: PodObj): boolean {
  const annotation = pod.metadata.annotations?.[READY_ANNOTATION];
  if (annotation !== undefined) return annotation !== 'false';
  const cond = ((pod.status?.conditions ?? []) as Obj[]).find((c) => c.type === 'Ready');
  if (cond) return cond.status === 'True';
  return true;
}
