// Column definitions per kind, as kubectl's printers define them (pkg/printers/internalversion/printers.go): the
// normal columns, the extra `-o wide` columns, and how each cell is computed from the object. Kinds without a printer
// get NAME AGE, kubectl's default for custom resources without printer columns.
import { age, type TableContext, type TableDef } from './table-types.js';
import { translateTimestampSince } from './duration.js';
import { formatLabels, formatLabelSelector, goCompare, joinHostPort, layoutContainerCells, loadBalancerStatus } from './format.js';
import { APPS_TABLES } from './tables-apps.js';
import { NETWORKING_TABLES } from './tables-networking.js';

type Obj = Record<string, any>;

export type { TableContext, TableDef };

/** printPod: READY counts ready running containers; STATUS is the phase, refined by container states and deletion. */
function podCells(pod: Obj, ctx: TableContext): string[] {
  const spec = pod.spec ?? {};
  const status = pod.status ?? {};
  let restarts = 0;
  let total = (spec.containers ?? []).length;
  let ready = 0;
  let reason: string = status.reason || status.phase || '';
  for (const c of (status.conditions ?? []) as Obj[]) {
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }
  const initContainers = new Map<string, Obj>(((spec.initContainers ?? []) as Obj[]).map((c) => [c.name, c]));
  const restartable = (c: Obj | undefined) => c?.restartPolicy === 'Always';
  for (const c of initContainers.values()) if (restartable(c)) total++;
  let initializing = false;
  for (const [i, cs] of ((status.initContainerStatuses ?? []) as Obj[]).entries()) {
    restarts += cs.restartCount ?? 0;
    const state = cs.state ?? {};
    if (state.terminated && (state.terminated.exitCode ?? 0) === 0) continue;
    if (restartable(initContainers.get(cs.name)) && cs.started) { if (cs.ready) ready++; continue; }
    if (state.terminated) {
      const t = state.terminated;
      reason = t.reason ? `Init:${t.reason}` : t.signal ? `Init:Signal:${t.signal}` : `Init:ExitCode:${t.exitCode ?? 0}`;
    } else if (state.waiting?.reason && state.waiting.reason !== 'PodInitializing') {
      reason = `Init:${state.waiting.reason}`;
    } else {
      reason = `Init:${i}/${initContainers.size}`;
    }
    initializing = true;
    break;
  }
  const initialized = ((status.conditions ?? []) as Obj[]).some((c) => c.type === 'Initialized' && c.status === 'True');
  if (!initializing || initialized) {
    restarts = 0;
    for (const cs of (status.initContainerStatuses ?? []) as Obj[]) if (restartable(initContainers.get(cs.name))) restarts += cs.restartCount ?? 0;
    let hasRunning = false;
    const statuses = (status.containerStatuses ?? []) as Obj[];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i];
      const state = cs.state ?? {};
      restarts += cs.restartCount ?? 0;
      if (state.waiting?.reason) reason = state.waiting.reason;
      else if (state.terminated?.reason) reason = state.terminated.reason;
      else if (state.terminated) reason = state.terminated.signal ? `Signal:${state.terminated.signal}` : `ExitCode:${state.terminated.exitCode ?? 0}`;
      else if (cs.ready && state.running) { hasRunning = true; ready++; }
    }
    if (reason === 'Completed' && hasRunning) {
      reason = ((status.conditions ?? []) as Obj[]).some((c) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
    }
  }
  if (pod.metadata?.deletionTimestamp && status.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata?.deletionTimestamp && status.phase !== 'Succeeded' && status.phase !== 'Failed') reason = 'Terminating';
  return [pod.metadata.name, `${ready}/${total}`, reason, String(restarts), age(pod, ctx)];
}

function podWideCells(pod: Obj): string[] {
  const spec = pod.spec ?? {};
  const status = pod.status ?? {};
  const ip = status.podIPs?.[0]?.ip || '<none>';
  let gates = '<none>';
  const readinessGates = (spec.readinessGates ?? []) as Obj[];
  if (readinessGates.length > 0) {
    let trueCount = 0;
    for (const g of readinessGates) {
      const c = ((status.conditions ?? []) as Obj[]).find((cond) => cond.type === g.conditionType);
      if (c?.status === 'True') trueCount++;
    }
    gates = `${trueCount}/${readinessGates.length}`;
  }
  return [ip, spec.nodeName || '<none>', status.nominatedNodeName || '<none>', gates];
}

function serviceExternalIP(svc: Obj, wide: boolean): string {
  const spec = svc.spec ?? {};
  const externalIPs = (spec.externalIPs ?? []) as string[];
  switch (spec.type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerStatus(svc.status?.loadBalancer?.ingress, wide);
      if (externalIPs.length) return [...(lb ? lb.split(',') : []), ...externalIPs].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return spec.externalName ?? '';
  }
  return '<unknown>';
}

/** makePortString: `80/TCP`, `80:30080/TCP`. */
export function servicePorts(ports: Obj[] | undefined): string {
  return (ports ?? []).map((p) => (p.nodePort > 0 ? `${p.port}:${p.nodePort}/${p.protocol}` : `${p.port}/${p.protocol}`)).join(',');
}

/** formatEndpoints: up to three ip:port pairs, then `+ N more...`. */
export function formatEndpoints(ep: Obj): string {
  const subsets = (ep.subsets ?? []) as Obj[];
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  for (const ss of subsets) {
    const addresses = (ss.addresses ?? []) as Obj[];
    const ports = (ss.ports ?? []) as Obj[];
    if (ports.length === 0) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) { more = true; break; }
        list.push(a.ip);
      }
      continue;
    }
    for (const port of ports) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) { more = true; break; }
        list.push(joinHostPort(a.ip, port.port));
      }
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - max} more...` : ret;
}

function listWithMore(list: string[], more: boolean, count: number, max: number): string {
  const ret = list.join(',');
  if (more) return `${ret} + ${count - max} more...`;
  return ret === '' ? '<unset>' : ret;
}

function discoveryPorts(ports: Obj[] | null | undefined): string {
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const p of ports ?? []) {
    if (list.length < 3) list.push(p.port !== undefined && p.port !== null ? String(p.port) : p.name !== undefined && p.name !== null ? p.name : '*');
    else more = true;
    count++;
  }
  return listWithMore(list, more, count, 3);
}

function discoveryEndpoints(endpoints: Obj[] | null | undefined): string {
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const e of endpoints ?? []) {
    for (const a of (e.addresses ?? []) as string[]) {
      if (list.length < 3) list.push(a);
      else more = true;
      count++;
    }
  }
  return listWithMore(list, more, count, 3);
}

/** findNodeRoles: node-role.kubernetes.io/<role> labels and the kubernetes.io/role label, sorted. */
export function nodeRoles(node: Obj): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries((node.metadata?.labels ?? {}) as Record<string, string>)) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role) roles.add(role);
    } else if (k === 'kubernetes.io/role' && v !== '') roles.add(v);
  }
  return [...roles].sort(goCompare);
}

function nodeStatus(node: Obj): string {
  const ready = ((node.status?.conditions ?? []) as Obj[]).find((c) => c.type === 'Ready');
  const status = ready ? [ready.status === 'True' ? 'Ready' : 'NotReady'] : ['Unknown'];
  if (node.spec?.unschedulable) status.push('SchedulingDisabled');
  return status.join(',');
}

const nodeAddress = (node: Obj, type: string) => ((node.status?.addresses ?? []) as Obj[]).find((a) => a.type === type)?.address ?? '<none>';

const CORE_TABLES: Record<string, TableDef> = {
  Pod: {
    columns: ['Name', 'Ready', 'Status', 'Restarts', 'Age'],
    wideColumns: ['IP', 'Node', 'Nominated Node', 'Readiness Gates'],
    cells: podCells,
    wideCells: podWideCells,
  },
  Service: {
    columns: ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age'],
    wideColumns: ['Selector'],
    cells: (s, ctx) => [s.metadata.name, s.spec?.type ?? '', s.spec?.clusterIPs?.[0] ?? '<none>', serviceExternalIP(s, ctx.wide), servicePorts(s.spec?.ports) || '<none>', age(s, ctx)],
    wideCells: (s) => [formatLabels(s.spec?.selector)],
  },
  Endpoints: {
    columns: ['Name', 'Endpoints', 'Age'],
    wideColumns: [],
    cells: (e, ctx) => [e.metadata.name, formatEndpoints(e), age(e, ctx)],
  },
  EndpointSlice: {
    columns: ['Name', 'AddressType', 'Ports', 'Endpoints', 'Age'],
    wideColumns: [],
    cells: (s, ctx) => [s.metadata.name, s.addressType ?? '', discoveryPorts(s.ports), discoveryEndpoints(s.endpoints), age(s, ctx)],
  },
  Node: {
    columns: ['Name', 'Status', 'Roles', 'Age', 'Version'],
    wideColumns: ['Internal-IP', 'External-IP', 'OS-Image', 'Kernel-Version', 'Container-Runtime'],
    cells: (n, ctx) => [n.metadata.name, nodeStatus(n), nodeRoles(n).join(',') || '<none>', age(n, ctx), n.status?.nodeInfo?.kubeletVersion ?? ''],
    wideCells: (n) => {
      const info = n.status?.nodeInfo ?? {};
      return [nodeAddress(n, 'InternalIP'), nodeAddress(n, 'ExternalIP'), info.osImage || '<unknown>', info.kernelVersion || '<unknown>', info.containerRuntimeVersion || '<unknown>'];
    },
  },
  Namespace: {
    columns: ['Name', 'Status', 'Age'],
    wideColumns: [],
    cells: (n, ctx) => [n.metadata.name, n.status?.phase ?? '', age(n, ctx)],
  },
  Secret: {
    columns: ['Name', 'Type', 'Data', 'Age'],
    wideColumns: [],
    // The API server folds stringData into data on write, so both count.
    cells: (s, ctx) => [s.metadata.name, s.type ?? '', String(new Set([...Object.keys(s.data ?? {}), ...Object.keys(s.stringData ?? {})]).size), age(s, ctx)],
  },
  ConfigMap: {
    columns: ['Name', 'Data', 'Age'],
    wideColumns: [],
    cells: (c, ctx) => [c.metadata.name, String(Object.keys(c.data ?? {}).length + Object.keys(c.binaryData ?? {}).length), age(c, ctx)],
  },
};

/** printEvent: the source as formatEventSource writes it (`component, host`). */
function eventSource(e: Obj): string {
  const component = e.source?.component || e.reportingComponent || '';
  const host = e.source?.host || e.reportingInstance || '';
  return [component, host].filter(Boolean).join(', ');
}

function eventCells(e: Obj, ctx: TableContext): { last: string; first: string; target: string } {
  const first = e.firstTimestamp ? translateTimestampSince(e.firstTimestamp, ctx.now) : translateTimestampSince(e.eventTime, ctx.now);
  const last = e.lastTimestamp ? translateTimestampSince(e.lastTimestamp, ctx.now) : first;
  const kind = String(e.involvedObject?.kind ?? '').toLowerCase();
  return { first, last, target: e.involvedObject?.name ? `${kind}/${e.involvedObject.name}` : kind };
}

const EVENT_TABLE: TableDef = {
  columns: ['Last Seen', 'Type', 'Reason', 'Object', 'Message'],
  wideColumns: ['Subobject', 'Source', 'First Seen', 'Count', 'Name'],
  wideOrder: ['Last Seen', 'Type', 'Reason', 'Object', 'Subobject', 'Source', 'Message', 'First Seen', 'Count', 'Name'],
  cells: (e, ctx) => { const c = eventCells(e, ctx); return [c.last, e.type ?? '', e.reason ?? '', c.target, String(e.message ?? '').trim()]; },
  wideCells: (e, ctx) => [e.involvedObject?.fieldPath ?? '', eventSource(e), eventCells(e, ctx).first, String(e.count ?? 1), e.metadata?.name ?? ''],
};

/** kubectl's default table for resources without printer columns. */
export const DEFAULT_TABLE: TableDef = {
  columns: ['Name', 'Age'],
  wideColumns: [],
  cells: (o, ctx) => [o.metadata?.name ?? '', age(o, ctx)],
};

const TABLES: Record<string, TableDef> = { ...CORE_TABLES, Event: EVENT_TABLE, ...APPS_TABLES, ...NETWORKING_TABLES };

export function tableFor(kind: string): TableDef {
  return TABLES[kind] ?? DEFAULT_TABLE;
}

export { layoutContainerCells, formatLabelSelector };
