// The EndpointSlice controller (pkg/controller/endpointslice), the Endpoints controller, and EndpointSlice mirroring for
// selectorless Services with user Endpoints. Conditions follow discovery/v1: serving = the pod's readiness;
// terminating = the pod has a deletionTimestamp; ready = serving && !terminating, or always true when the Service
// sets publishNotReadyAddresses.
import { Codes, type Diagnostic } from '../api/diagnostics.js';
import { deterministicUid } from '../api/defaults.js';
import { fieldErr, formatFieldError, quote } from '../api/field-errors.js';
import { MAX_ENDPOINT_SLICE_PORTS } from '../api/validation/endpoints.js';
import { matchesMapSelector } from '../api/labels.js';
import type { KubeObject } from '../api/types.js';
import { familyOf, type Family } from '../net/cidr.js';
import { uniqueGeneratedName } from './names.js';
import type { NodeInfo } from './nodes.js';
import { refOfObject, type ClusterStore } from './store.js';
import { isPodReady } from './workloads.js';

type Obj = Record<string, any>;
type ServiceObj = KubeObject & { spec: Obj };
type PodObj = KubeObject & { spec: Obj; status?: Obj };

export const MAX_ENDPOINTS_PER_SLICE = 100;
/** kube-controller-manager --mirroring-max-endpoints-per-subset (default 1000). */
export const MAX_MIRRORED_PER_SUBSET = 1000;
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
export const MIRRORING_CONTROLLER_NAME = 'endpointslicemirroring-controller.k8s.io';

export interface EndpointPort { name: string; port: number; protocol: string; appProtocol?: string }

/**
 * FindPort (pkg/api/v1/pod/util.go): a numeric targetPort is used as is; a named one is looked up among the pod's
 * container ports with the same protocol. Undefined when the pod has no such port.
 */
export function findPort(pod: PodObj, servicePort: Obj): number | undefined {
  const target = servicePort.targetPort ?? servicePort.port;
  if (typeof target === 'number') return target;
  if (typeof target === 'string' && /^\d+$/.test(target)) return Number(target);
  for (const c of (pod.spec.containers ?? []) as Obj[]) {
    for (const p of (c.ports ?? []) as Obj[]) {
      if (p.name === target && (p.protocol ?? 'TCP') === (servicePort.protocol ?? 'TCP')) return p.containerPort;
    }
  }
  return undefined;
}

/** Pods the controllers put in a Service's endpoints: not terminal, and with an IP (ShouldPodBeInEndpoints). */
function podIsEndpointCandidate(pod: PodObj): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  return Boolean(pod.status?.podIP || pod.status?.podIPs?.length);
}

function podIPOfFamily(pod: PodObj, family: Family): string | undefined {
  const ips: string[] = pod.status?.podIPs?.length ? pod.status.podIPs.map((p: Obj) => p.ip) : pod.status?.podIP ? [pod.status.podIP] : [];
  return ips.find((ip) => familyOf(ip) === family);
}

/** Runs the controllers over every Service: slices and Endpoints for selector Services, mirrored slices otherwise. */
export function reconcileEndpoints(store: ClusterStore, nodes: readonly NodeInfo[], diags: Diagnostic[]): void {
  const zoneOf = new Map(nodes.map((n) => [n.name, n.zone]));
  const podsByNamespace = new Map<string, PodObj[]>();
  for (const pod of store.list<PodObj>('Pod')) {
    const ns = pod.metadata.namespace ?? 'default';
    let list = podsByNamespace.get(ns);
    if (!list) podsByNamespace.set(ns, (list = []));
    list.push(pod);
  }
  const takenSliceNames = new Set(store.list('EndpointSlice').map((s) => `${s.metadata.namespace}/${s.metadata.name}`));

  for (const svc of store.list<ServiceObj>('Service')) {
    const ns = svc.metadata.namespace ?? 'default';
    const selector = svc.spec.selector as Record<string, string> | undefined;
    if (svc.spec.type === 'ExternalName') continue;
    if (!selector || Object.keys(selector).length === 0) {
      mirrorEndpoints(store, svc, takenSliceNames, diags);
      continue;
    }
    const userEndpoints = store.get<KubeObject>('Endpoints', ns, svc.metadata.name);
    // One read from an API server (a dump: it has a resourceVersion) is the endpoints controller's own output, since
    // the controller overwrites any Endpoints of a Service with a selector: nothing the user wrote is being replaced.
    if (userEndpoints && userEndpoints.metadata.resourceVersion === undefined) {
      diags.push({ code: Codes.endpointsIgnored, level: 'warning', object: refOfObject(userEndpoints), source: store.sourceOf(refOfObject(userEndpoints)), message: `Endpoints ${ns}/${svc.metadata.name} is replaced by the endpoints controller, because Service ${svc.metadata.name} has a selector` });
    }
    // Slices the controller made for this Service already (read back from an API server) are its own to replace, as
    // it replaces them in a cluster: their names are reused, so a listed cluster keeps one set of slices, not two.
    const own = store.list<KubeObject>('EndpointSlice', ns).filter((s) => s.metadata.labels?.[MANAGED_BY_LABEL] === CONTROLLER_NAME && s.metadata.labels?.['kubernetes.io/service-name'] === svc.metadata.name);
    for (const s of own) store.delete(refOfObject(s));
    const pods = (podsByNamespace.get(ns) ?? []).filter((p) => matchesMapSelector(selector, p.metadata.labels) && podIsEndpointCandidate(p));
    const slices = slicesForService(svc, pods, zoneOf, takenSliceNames);
    slices.forEach((s, i) => {
      if (i >= own.length) return;
      takenSliceNames.delete(`${ns}/${s.metadata.name}`);
      const { name, uid, creationTimestamp } = own[i].metadata;
      Object.assign(s.metadata, { name }, uid ? { uid } : {}, creationTimestamp ? { creationTimestamp } : {});
    });
    const refused = slices.find((s) => ((s as Obj).ports ?? []).length > MAX_ENDPOINT_SLICE_PORTS);
    if (refused) {
      // The API server refuses the slice, so the controller's sync fails and kube-proxy sees no endpoints.
      const ports = (refused as Obj).ports.length;
      const ref = refOfObject(svc);
      diags.push({ code: Codes.endpointSliceRefused, level: 'warning', object: ref, source: store.sourceOf(ref), message: `Error updating Endpoint Slices for Service ${ns}/${svc.metadata.name}: failed to create EndpointSlice for Service ${ns}/${svc.metadata.name}: EndpointSlice.discovery.k8s.io ${quote(refused.metadata.name)} is invalid: ${formatFieldError(fieldErr.tooMany('ports', ports, MAX_ENDPOINT_SLICE_PORTS))}; the Service has no endpoints` });
    }
    for (const s of slices) if (!refused) store.put(s, store.sourceOf(refOfObject(svc)));
    store.put(endpointsForService(svc, pods), store.sourceOf(refOfObject(svc)));
  }
}

interface EndpointEntry { endpoint: Obj; ports: EndpointPort[]; portsKey: string; podName: string }

export function slicesForService(svc: ServiceObj, pods: readonly PodObj[], zoneOf: Map<string, string | undefined>, taken: Set<string>): KubeObject[] {
  const ns = svc.metadata.namespace ?? 'default';
  const publishNotReady = svc.spec.publishNotReadyAddresses === true;
  const families: Family[] = svc.spec.ipFamilies?.length ? svc.spec.ipFamilies : ['IPv4'];
  const preferClose = svc.spec.trafficDistribution === 'PreferClose' || svc.spec.trafficDistribution === 'PreferSameZone';
  const slices: KubeObject[] = [];
  for (const family of families) {
    const entries: EndpointEntry[] = [];
    for (const pod of pods) {
      const ip = podIPOfFamily(pod, family);
      if (!ip) continue;
      const ports: EndpointPort[] = [];
      for (const sp of (svc.spec.ports ?? []) as Obj[]) {
        const port = findPort(pod, sp);
        if (port === undefined) continue;
        ports.push({ name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
      }
      const serving = isPodReady(pod);
      const terminating = Boolean(pod.metadata.deletionTimestamp);
      const nodeName = pod.spec.nodeName as string | undefined;
      const zone = nodeName ? zoneOf.get(nodeName) : undefined;
      const endpoint: Obj = {
        addresses: [ip],
        conditions: { ready: publishNotReady || (serving && !terminating), serving, terminating },
        ...(pod.spec.hostname && pod.spec.subdomain === svc.metadata.name ? { hostname: pod.spec.hostname } : {}),
        ...(nodeName ? { nodeName } : {}),
        ...(zone ? { zone } : {}),
        targetRef: { kind: 'Pod', namespace: ns, name: pod.metadata.name, uid: pod.metadata.uid },
      };
      entries.push({ endpoint, ports, portsKey: JSON.stringify(ports), podName: pod.metadata.name });
    }
    // trafficDistribution: every endpoint is hinted for its own zone, but only when all of them have one.
    if (preferClose && entries.length > 0 && entries.every((e) => e.endpoint.zone)) {
      for (const e of entries) e.endpoint.hints = { forZones: [{ name: e.endpoint.zone }] };
    }
    const groups = new Map<string, EndpointEntry[]>();
    for (const e of entries) {
      let g = groups.get(e.portsKey);
      if (!g) groups.set(e.portsKey, (g = []));
      g.push(e);
    }
    if (groups.size === 0) {
      // With no endpoints the controller keeps one placeholder slice per address type.
      slices.push(makeSlice(svc, family, null, null, `${ns}/${svc.metadata.name}/${family}/placeholder`, taken));
      continue;
    }
    // Pods arrive sorted by name (store order), so each group is too.
    for (const [key, group] of [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      for (let i = 0; i < group.length; i += MAX_ENDPOINTS_PER_SLICE) {
        const chunk = group.slice(i, i + MAX_ENDPOINTS_PER_SLICE);
        slices.push(makeSlice(svc, family, chunk.map((c) => c.endpoint), group[0].ports, `${ns}/${svc.metadata.name}/${family}/${key}/${i}`, taken));
      }
    }
  }
  return slices;
}

function makeSlice(svc: ServiceObj, family: Family, endpoints: Obj[] | null, ports: EndpointPort[] | null, seed: string, taken: Set<string>): KubeObject {
  const ns = svc.metadata.namespace ?? 'default';
  const name = uniqueGeneratedName(`${svc.metadata.name}-`, seed, taken, `${ns}/`);
  const labels: Record<string, string> = {
    ...(svc.metadata.labels ?? {}),
    [SERVICE_NAME_LABEL]: svc.metadata.name,
    [MANAGED_BY_LABEL]: CONTROLLER_NAME,
  };
  if (svc.spec.clusterIP === 'None') labels['service.kubernetes.io/headless'] = '';
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name, namespace: ns, generateName: `${svc.metadata.name}-`, labels,
      uid: deterministicUid(`EndpointSlice/${ns}/${name}`),
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: svc.metadata.name, uid: svc.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }],
    },
    addressType: family,
    endpoints: endpoints ?? [],
    ports,
  };
}

/** The legacy Endpoints object: ready addresses, notReadyAddresses, subsets grouped by resolved ports. */
export function endpointsForService(svc: ServiceObj, pods: readonly PodObj[]): KubeObject {
  const ns = svc.metadata.namespace ?? 'default';
  const publishNotReady = svc.spec.publishNotReadyAddresses === true;
  const subsets = new Map<string, { addresses: Obj[]; notReadyAddresses: Obj[]; ports: Obj[] }>();
  for (const pod of pods) {
    // The Endpoints controller leaves terminating pods out unless the Service publishes not-ready addresses.
    if (pod.metadata.deletionTimestamp && !publishNotReady) continue;
    const ports: Obj[] = [];
    for (const sp of (svc.spec.ports ?? []) as Obj[]) {
      const port = findPort(pod, sp);
      if (port !== undefined) ports.push({ ...(sp.name ? { name: sp.name } : {}), port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
    }
    if (ports.length === 0 && (svc.spec.ports ?? []).length > 0) continue;
    const key = JSON.stringify(ports);
    let subset = subsets.get(key);
    if (!subset) subsets.set(key, (subset = { addresses: [], notReadyAddresses: [], ports }));
    const address: Obj = {
      ip: pod.status?.podIP,
      ...(pod.spec.hostname && pod.spec.subdomain === svc.metadata.name ? { hostname: pod.spec.hostname } : {}),
      ...(pod.spec.nodeName ? { nodeName: pod.spec.nodeName } : {}),
      targetRef: { kind: 'Pod', namespace: ns, name: pod.metadata.name, uid: pod.metadata.uid },
    };
    if (publishNotReady || isPodReady(pod)) subset.addresses.push(address);
    else subset.notReadyAddresses.push(address);
  }
  const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
  if (svc.spec.clusterIP === 'None') labels['service.kubernetes.io/headless'] = '';
  const list = [...subsets.values()].map((s) => ({
    ...(s.addresses.length ? { addresses: s.addresses } : {}),
    ...(s.notReadyAddresses.length ? { notReadyAddresses: s.notReadyAddresses } : {}),
    ports: s.ports,
  }));
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: svc.metadata.name, namespace: ns, labels, uid: deterministicUid(`Endpoints/${ns}/${svc.metadata.name}`) },
    ...(list.length ? { subsets: list } : {}),
  };
}

/**
 * EndpointSlice mirroring (pkg/controller/endpointslicemirroring): a selectorless Service's user-written Endpoints
 * become EndpointSlices, unless the Endpoints opts out with endpointslice.kubernetes.io/skip-mirror=true.
 */
function mirrorEndpoints(store: ClusterStore, svc: ServiceObj, taken: Set<string>, diags: Diagnostic[]): void {
  const ns = svc.metadata.namespace ?? 'default';
  const ep = store.get<KubeObject & Obj>('Endpoints', ns, svc.metadata.name);
  if (!ep || ep.metadata.labels?.['endpointslice.kubernetes.io/skip-mirror'] === 'true') return;
  const source = store.sourceOf(refOfObject(ep));
  for (const [si, subset] of ((ep.subsets ?? []) as Obj[]).entries()) {
    const ports: EndpointPort[] = ((subset.ports ?? []) as Obj[]).map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP', ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) }));
    const byFamily = new Map<Family, Obj[]>();
    const add = (a: Obj, ready: boolean) => {
      if (typeof a?.ip !== 'string') return;
      const fam = familyOf(a.ip);
      let list = byFamily.get(fam);
      if (!list) byFamily.set(fam, (list = []));
      list.push({
        addresses: [a.ip],
        conditions: { ready, serving: ready, terminating: false },
        ...(a.hostname ? { hostname: a.hostname } : {}),
        ...(a.nodeName ? { nodeName: a.nodeName } : {}),
        ...(a.targetRef ? { targetRef: a.targetRef } : {}),
      });
    };
    // mirroringMaxEndpointsPerSubset: ready addresses first, then not-ready ones, up to 1000; the rest is skipped.
    const ready = (subset.addresses ?? []) as Obj[];
    const notReady = (subset.notReadyAddresses ?? []) as Obj[];
    for (const a of ready.slice(0, MAX_MIRRORED_PER_SUBSET)) add(a, true);
    for (const a of notReady.slice(0, Math.max(0, MAX_MIRRORED_PER_SUBSET - ready.length))) add(a, false);
    const skipped = ready.length + notReady.length - MAX_MIRRORED_PER_SUBSET;
    if (skipped > 0) {
      const ref = refOfObject(ep);
      diags.push({ code: Codes.endpointsIgnored, level: 'warning', object: ref, source, message: `Endpoints ${ns}/${ep.metadata.name}: A max of ${MAX_MIRRORED_PER_SUBSET} addresses can be mirrored to EndpointSlices per Endpoints subset. ${skipped} addresses were skipped` });
    }
    for (const [family, endpoints] of byFamily) {
      for (let i = 0; i < endpoints.length; i += MAX_ENDPOINTS_PER_SLICE) {
        const slice = makeSlice(svc, family, endpoints.slice(i, i + MAX_ENDPOINTS_PER_SLICE), ports, `${ns}/${ep.metadata.name}/mirror/${si}/${family}/${i}`, taken);
        (slice.metadata.labels as Record<string, string>)[MANAGED_BY_LABEL] = MIRRORING_CONTROLLER_NAME;
        slice.metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'Endpoints', name: ep.metadata.name, uid: ep.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }];
        store.put(slice, source);
      }
    }
  }
}
