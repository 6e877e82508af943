// Describers for core kinds: Service, Endpoints, EndpointSlice, Namespace, Node, Secret, ConfigMap (kubectl
// describe.go). Service endpoints come from the Service's EndpointSlices, as current kubectl reads them.
import { formatRFC1123Z, translateTimestampSince } from './duration.js';
import { formatLabels, joinHostPort, sortedKeys } from './format.js';
import { describeNoEvents, PrefixWriter, printAnnotationsMultiline, printLabelsMultiline, printTaintsMultiline } from './describe-writer.js';
import type { DescribeContext } from './describe-context.js';
import { addQuantities, formatQuantity, milliValue, parseQuantity, value, ZERO, type Quantity } from './quantity.js';
import { nodeRoles } from './tables.js';

type Obj = Record<string, any>;

/** formatEndpointSlices: ready endpoints as ip:port for the named Service port, three at most, then `+ N more...`. */
export function formatEndpointSlices(slices: Obj[], portName: string | undefined): string {
  if (slices.length === 0) return '<none>';
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  for (const slice of slices) {
    const endpoints = (slice.endpoints ?? []) as Obj[];
    const ready = (e: Obj) => e.conditions?.ready === undefined || e.conditions?.ready === null || e.conditions.ready === true;
    const ports = (slice.ports ?? []) as Obj[];
    if (ports.length === 0) {
      for (const e of endpoints) {
        if (list.length === max) more = true;
        if (!ready(e)) continue;
        if (!more) list.push(e.addresses[0]);
        count++;
      }
      continue;
    }
    for (const port of ports) {
      if (portName !== undefined && (port.name ?? '') !== portName) continue;
      for (const e of endpoints) {
        if (list.length === max) more = true;
        if (!ready(e)) continue;
        if (!more) list.push(joinHostPort(e.addresses[0], port.port));
        count++;
      }
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - max} more...` : ret;
}

export function slicesOf(ctx: DescribeContext, namespace: string, service: string): Obj[] {
  return ctx.list('EndpointSlice', namespace).filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === service);
}

export function describeService(svc: Obj, ctx: DescribeContext): string {
  const w = new PrefixWriter();
  const spec = svc.spec ?? {};
  const slices = slicesOf(ctx, svc.metadata.namespace, svc.metadata.name);
  w.write(0, `Name:\t${svc.metadata.name}\n`);
  w.write(0, `Namespace:\t${svc.metadata.namespace ?? ''}\n`);
  printLabelsMultiline(w, 'Labels', svc.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', svc.metadata.annotations);
  w.write(0, `Selector:\t${formatLabels(spec.selector)}\n`);
  w.write(0, `Type:\t${spec.type ?? ''}\n`);
  if (spec.ipFamilyPolicy) w.write(0, `IP Family Policy:\t${spec.ipFamilyPolicy}\n`);
  w.write(0, `IP Families:\t${(spec.ipFamilies ?? []).length ? spec.ipFamilies.join(',') : '<none>'}\n`);
  w.write(0, `IP:\t${spec.clusterIP ?? ''}\n`);
  w.write(0, `IPs:\t${(spec.clusterIPs ?? []).length ? spec.clusterIPs.join(',') : '<none>'}\n`);
  if ((spec.externalIPs ?? []).length) w.write(0, `External IPs:\t${spec.externalIPs.join(',')}\n`);
  if (spec.loadBalancerIP) w.write(0, `Desired LoadBalancer IP:\t${spec.loadBalancerIP}\n`);
  if (spec.externalName) w.write(0, `External Name:\t${spec.externalName}\n`);
  const lbIngress = (svc.status?.loadBalancer?.ingress ?? []) as Obj[];
  if (lbIngress.length) w.write(0, `LoadBalancer Ingress:\t${lbIngress.map((i) => (i.ip ? `${i.ip}${i.ipMode ? ` (${i.ipMode})` : ''}` : i.hostname ?? '')).join(', ')}\n`);
  for (const sp of (spec.ports ?? []) as Obj[]) {
    const name = sp.name || '<unset>';
    w.write(0, `Port:\t${name}\t${sp.port}/${sp.protocol}\n`);
    w.write(0, `TargetPort:\t${sp.targetPort ?? sp.port}/${sp.protocol}\n`);
    if (sp.appProtocol) w.write(0, `AppProtocol:\t${sp.appProtocol}\n`);
    if (sp.nodePort) w.write(0, `NodePort:\t${name}\t${sp.nodePort}/${sp.protocol}\n`);
    w.write(0, `Endpoints:\t${formatEndpointSlices(slices, sp.name ?? '')}\n`);
  }
  w.write(0, `Session Affinity:\t${spec.sessionAffinity ?? ''}\n`);
  if (spec.externalTrafficPolicy) w.write(0, `External Traffic Policy:\t${spec.externalTrafficPolicy}\n`);
  if (spec.internalTrafficPolicy) w.write(0, `Internal Traffic Policy:\t${spec.internalTrafficPolicy}\n`);
  if (spec.healthCheckNodePort) w.write(0, `HealthCheck NodePort:\t${spec.healthCheckNodePort}\n`);
  if ((spec.loadBalancerSourceRanges ?? []).length) w.write(0, `LoadBalancer Source Ranges:\t${spec.loadBalancerSourceRanges.join(',')}\n`);
  if (spec.trafficDistribution) w.write(0, `Traffic Distribution:\t${spec.trafficDistribution}\n`);
  describeNoEvents(w);
  return w.toString();
}

export function describeEndpoints(ep: Obj): string {
  const w = new PrefixWriter();
  w.write(0, `Name:\t${ep.metadata.name}\n`);
  w.write(0, `Namespace:\t${ep.metadata.namespace ?? ''}\n`);
  printLabelsMultiline(w, 'Labels', ep.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', ep.metadata.annotations);
  w.write(0, 'Subsets:\n');
  for (const subset of (ep.subsets ?? []) as Obj[]) {
    w.write(1, `Addresses:\t${((subset.addresses ?? []) as Obj[]).map((a) => a.ip).join(',') || '<none>'}\n`);
    w.write(1, `NotReadyAddresses:\t${((subset.notReadyAddresses ?? []) as Obj[]).map((a) => a.ip).join(',') || '<none>'}\n`);
    if ((subset.ports ?? []).length > 0) {
      w.write(1, 'Ports:\n');
      w.write(2, 'Name\tPort\tProtocol\n');
      w.write(2, '----\t----\t--------\n');
      for (const p of subset.ports as Obj[]) w.write(2, `${p.name || '<unset>'}\t${p.port}\t${p.protocol ?? 'TCP'}\n`);
    }
    w.write(0, '\n');
  }
  describeNoEvents(w);
  return w.toString();
}

export function describeEndpointSlice(eps: Obj): string {
  const w = new PrefixWriter();
  w.write(0, `Name:\t${eps.metadata.name}\n`);
  w.write(0, `Namespace:\t${eps.metadata.namespace ?? ''}\n`);
  printLabelsMultiline(w, 'Labels', eps.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', eps.metadata.annotations);
  w.write(0, `AddressType:\t${eps.addressType ?? ''}\n`);
  const ports = (eps.ports ?? []) as Obj[];
  if (ports.length === 0) w.write(0, 'Ports: <unset>\n');
  else {
    w.write(0, 'Ports:\n');
    w.write(1, 'Name\tPort\tProtocol\n');
    w.write(1, '----\t----\t--------\n');
    for (const p of ports) w.write(1, `${p.name || '<unset>'}\t${p.port ?? '<unset>'}\t${p.protocol ?? 'TCP'}\n`);
  }
  const endpoints = (eps.endpoints ?? []) as Obj[];
  if (endpoints.length === 0) w.write(0, 'Endpoints: <none>\n');
  else {
    w.write(0, 'Endpoints:\n');
    for (const e of endpoints) {
      w.write(1, `- Addresses:\t${(e.addresses ?? []).join(', ') || '<none>'}\n`);
      w.write(2, 'Conditions:\n');
      w.write(3, `Ready:\t${e.conditions?.ready === undefined || e.conditions?.ready === null ? '<unset>' : String(e.conditions.ready)}\n`);
      w.write(2, `Hostname:\t${e.hostname ?? '<unset>'}\n`);
      if (e.targetRef) w.write(2, `TargetRef:\t${e.targetRef.kind}/${e.targetRef.name}\n`);
      w.write(2, `NodeName:\t${e.nodeName ?? '<unset>'}\n`);
      w.write(2, `Zone:\t${e.zone ?? '<unset>'}\n`);
    }
  }
  describeNoEvents(w);
  return w.toString();
}

export function describeNamespace(ns: Obj): string {
  const w = new PrefixWriter();
  w.write(0, `Name:\t${ns.metadata.name}\n`);
  printLabelsMultiline(w, 'Labels', ns.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', ns.metadata.annotations);
  w.write(0, `Status:\t${ns.status?.phase ?? ''}\n`);
  // podnet models no ResourceQuota or LimitRange, so every namespace has none.
  w.write(0, '\nNo resource quota.\n');
  w.write(0, '\nNo LimitRange resource.\n');
  return w.toString();
}

function podTotals(pods: Obj[], field: 'requests' | 'limits'): Map<string, Quantity> {
  const totals = new Map<string, Quantity>();
  for (const pod of pods) {
    for (const c of (pod.spec?.containers ?? []) as Obj[]) {
      for (const [name, q] of Object.entries((c.resources?.[field] ?? {}) as Record<string, unknown>)) {
        totals.set(name, addQuantities(totals.get(name) ?? ZERO, parseQuantity(q)));
      }
    }
  }
  return totals;
}

export function describeNode(node: Obj, ctx: DescribeContext): string {
  const w = new PrefixWriter();
  const status = node.status ?? {};
  const info = status.nodeInfo ?? {};
  w.write(0, `Name:\t${node.metadata.name}\n`);
  w.write(0, `Roles:\t${nodeRoles(node).join(',') || '<none>'}\n`);
  printLabelsMultiline(w, 'Labels', node.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', node.metadata.annotations);
  w.write(0, `CreationTimestamp:\t${formatRFC1123Z(node.metadata.creationTimestamp)}\n`);
  printTaintsMultiline(w, 'Taints', node.spec?.taints);
  w.write(0, `Unschedulable:\t${node.spec?.unschedulable === true}\n`);
  // The kubelet holds a Lease named after its node in kube-node-lease; podnet has no clock to renew it with.
  w.write(0, 'Lease:\n');
  w.write(1, `HolderIdentity:\t${node.metadata.name}\n`);
  w.write(1, 'AcquireTime:\t<unset>\n');
  w.write(1, 'RenewTime:\t<unset>\n');
  const conditions = (status.conditions ?? []) as Obj[];
  if (conditions.length > 0) {
    w.write(0, 'Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n');
    w.write(1, '----\t------\t-----------------\t------------------\t------\t-------\n');
    for (const c of conditions) {
      w.write(1, `${c.type} \t${c.status} \t${formatRFC1123Z(c.lastHeartbeatTime)} \t${formatRFC1123Z(c.lastTransitionTime)} \t${c.reason ?? ''} \t${c.message ?? ''}\n`);
    }
  }
  w.write(0, 'Addresses:\n');
  for (const a of (status.addresses ?? []) as Obj[]) w.write(1, `${a.type}:\t${a.address}\n`);
  for (const [title, list] of [['Capacity', status.capacity], ['Allocatable', status.allocatable]] as const) {
    if (sortedKeys(list).length === 0) continue;
    w.write(0, `${title}:\n`);
    for (const k of sortedKeys(list)) w.write(0, `  ${k}:\t${formatQuantity(parseQuantity(list[k]))}\n`);
  }
  w.write(0, 'System Info:\n');
  w.write(0, `  Machine ID:\t${info.machineID ?? ''}\n`);
  w.write(0, `  System UUID:\t${info.systemUUID ?? ''}\n`);
  w.write(0, `  Boot ID:\t${info.bootID ?? ''}\n`);
  w.write(0, `  Kernel Version:\t${info.kernelVersion ?? ''}\n`);
  w.write(0, `  OS Image:\t${info.osImage ?? ''}\n`);
  w.write(0, `  Operating System:\t${info.operatingSystem ?? ''}\n`);
  w.write(0, `  Architecture:\t${info.architecture ?? ''}\n`);
  w.write(0, `  Container Runtime Version:\t${info.containerRuntimeVersion ?? ''}\n`);
  w.write(0, `  Kubelet Version:\t${info.kubeletVersion ?? ''}\n`);
  if (node.spec?.podCIDR) w.write(0, `PodCIDR:\t${node.spec.podCIDR}\n`);
  if ((node.spec?.podCIDRs ?? []).length) w.write(0, `PodCIDRs:\t${node.spec.podCIDRs.join(',')}\n`);
  if (node.spec?.providerID) w.write(0, `ProviderID:\t${node.spec.providerID}\n`);

  const pods = ctx.list('Pod').filter((p: Obj) => p.spec?.nodeName === node.metadata.name && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed') as Obj[];
  const allocatable = sortedKeys(status.allocatable).length ? status.allocatable : status.capacity ?? {};
  const allocCpu = milliValue(parseQuantity(allocatable.cpu));
  const allocMem = value(parseQuantity(allocatable.memory));
  const pct = (n: number, d: number) => (d === 0 ? 0 : Math.trunc((n / d) * 100));
  w.write(0, `Non-terminated Pods:\t(${pods.length} in total)\n`);
  w.write(1, 'Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n');
  w.write(1, '---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n');
  for (const pod of pods) {
    const req = podTotals([pod], 'requests');
    const lim = podTotals([pod], 'limits');
    const cell = (q: Quantity | undefined, cpu: boolean) => `${formatQuantity(q ?? ZERO)} (${cpu ? pct(milliValue(q ?? ZERO), allocCpu) : pct(value(q ?? ZERO), allocMem)}%)`;
    w.write(1, `${pod.metadata.namespace}\t${pod.metadata.name}\t\t${cell(req.get('cpu'), true)}\t${cell(lim.get('cpu'), true)}\t${cell(req.get('memory'), false)}\t${cell(lim.get('memory'), false)}\t${translateTimestampSince(pod.metadata.creationTimestamp, ctx.now)}\n`);
  }
  const reqs = podTotals(pods, 'requests');
  const limits = podTotals(pods, 'limits');
  w.write(0, 'Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n');
  w.write(1, 'Resource\tRequests\tLimits\n');
  w.write(1, '--------\t--------\t------\n');
  const cpuQ = (m: Map<string, Quantity>) => m.get('cpu') ?? ZERO;
  const memQ = (m: Map<string, Quantity>, k = 'memory') => m.get(k) ?? ZERO;
  w.write(1, `cpu\t${formatQuantity(cpuQ(reqs))} (${pct(milliValue(cpuQ(reqs)), allocCpu)}%)\t${formatQuantity(cpuQ(limits))} (${pct(milliValue(cpuQ(limits)), allocCpu)}%)\n`);
  w.write(1, `memory\t${formatQuantity(memQ(reqs))} (${pct(value(memQ(reqs)), allocMem)}%)\t${formatQuantity(memQ(limits))} (${pct(value(memQ(limits)), allocMem)}%)\n`);
  const allocEph = value(parseQuantity(allocatable['ephemeral-storage']));
  const eph = (m: Map<string, Quantity>) => memQ(m, 'ephemeral-storage');
  w.write(1, `ephemeral-storage\t${formatQuantity(eph(reqs))} (${pct(value(eph(reqs)), allocEph)}%)\t${formatQuantity(eph(limits))} (${pct(value(eph(limits)), allocEph)}%)\n`);
  describeNoEvents(w);
  return w.toString();
}

export function describeSecret(secret: Obj): string {
  const w = new PrefixWriter();
  w.write(0, `Name:\t${secret.metadata.name}\n`);
  w.write(0, `Namespace:\t${secret.metadata.namespace ?? ''}\n`);
  printLabelsMultiline(w, 'Labels', secret.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', secret.metadata.annotations);
  w.write(0, `\nType:\t${secret.type ?? ''}\n`);
  w.write(0, '\nData\n====\n');
  const data: Record<string, number> = {};
  for (const [k, v] of Object.entries((secret.data ?? {}) as Record<string, string>)) data[k] = Buffer.from(String(v), 'base64').length;
  for (const [k, v] of Object.entries((secret.stringData ?? {}) as Record<string, string>)) data[k] = Buffer.byteLength(String(v));
  for (const k of sortedKeys(data)) w.write(0, `${k}:\t${data[k]} bytes\n`);
  return w.toString();
}

export function describeConfigMap(cm: Obj): string {
  const w = new PrefixWriter();
  w.write(0, `Name:\t${cm.metadata.name}\n`);
  w.write(0, `Namespace:\t${cm.metadata.namespace ?? ''}\n`);
  printLabelsMultiline(w, 'Labels', cm.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', cm.metadata.annotations);
  w.write(0, '\nData\n====\n');
  for (const k of sortedKeys(cm.data)) w.write(0, `${k}:\n----\n${cm.data[k]}\n\n`);
  w.write(0, '\nBinaryData\n====\n');
  for (const k of sortedKeys(cm.binaryData)) w.write(0, `${k}: ${Buffer.from(String(cm.binaryData[k]), 'base64').length} bytes\n`);
  w.write(0, '\n');
  describeNoEvents(w);
  return w.toString();
}
