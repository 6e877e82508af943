// Describers for NetworkPolicy, Ingress and IngressClass (kubectl describe.go), and kubectl's generic describer for
// kinds without one (Gateway API, AdminNetworkPolicy, anything unmodelled): metadata, then every field by name.
import { formatGoTime } from './duration.js';
import { formatLabelSelector, goCompare, loadBalancerStatus } from './format.js';
import { describeNoEvents, PrefixWriter, printAnnotationsMultiline, printLabelsMultiline } from './describe-writer.js';
import { formatEndpointSlices, slicesOf } from './describe-core.js';
import type { DescribeContext } from './describe-context.js';

type Obj = Record<string, any>;

/** `%s` of a *intstr.IntOrString: Go's fmt prints `<nil>` for a missing port. */
const portString = (p: unknown) => (p === undefined || p === null ? '<nil>' : String(p));

function printPorts(w: PrefixWriter, ports: Obj[] | undefined, indent: string): void {
  if (!(ports ?? []).length) {
    w.write(0, `${indent}To Port: <any> (traffic allowed to all ports)\n`);
    return;
  }
  for (const p of ports!) {
    const proto = p.protocol ?? 'TCP';
    w.write(0, p.endPort === undefined || p.endPort === null
      ? `${indent}To Port: ${portString(p.port)}/${proto}\n`
      : `${indent}To Port Range: ${portString(p.port)}-${p.endPort}/${proto}\n`);
  }
}

function printPeers(w: PrefixWriter, peers: Obj[] | undefined, indent: string, title: 'From' | 'To'): void {
  if (!(peers ?? []).length) {
    w.write(0, `${indent}${title}: <any> (traffic not restricted by ${title === 'From' ? 'source' : 'destination'})\n`);
    return;
  }
  for (const peer of peers!) {
    w.write(0, `${indent}${title}:\n`);
    if (peer.podSelector && peer.namespaceSelector) {
      w.write(1, `${indent}NamespaceSelector: ${formatLabelSelector(peer.namespaceSelector)}\n`);
      w.write(1, `${indent}PodSelector: ${formatLabelSelector(peer.podSelector)}\n`);
    } else if (peer.podSelector) {
      w.write(1, `${indent}PodSelector: ${formatLabelSelector(peer.podSelector)}\n`);
    } else if (peer.namespaceSelector) {
      w.write(1, `${indent}NamespaceSelector: ${formatLabelSelector(peer.namespaceSelector)}\n`);
    } else if (peer.ipBlock) {
      w.write(1, `${indent}IPBlock:\n`);
      w.write(2, `${indent}CIDR: ${peer.ipBlock.cidr}\n`);
      w.write(2, `${indent}Except: ${(peer.ipBlock.except ?? []).join(', ')}\n`);
    }
  }
}

function printRules(w: PrefixWriter, rules: Obj[] | undefined, direction: 'ingress' | 'egress'): void {
  const indent = '    ';
  if (!(rules ?? []).length) {
    w.write(0, `${indent}<none> (Selected pods are isolated for ${direction} connectivity)\n`);
    return;
  }
  rules!.forEach((rule, i) => {
    printPorts(w, rule.ports, indent);
    if (direction === 'ingress') printPeers(w, rule.from, indent, 'From');
    else printPeers(w, rule.to, indent, 'To');
    if (i !== rules!.length - 1) w.write(0, `${indent}----------\n`);
  });
}

/** describeNetworkPolicy and describeNetworkPolicySpec, word for word. */
export function describeNetworkPolicy(np: Obj): string {
  const w = new PrefixWriter();
  const spec = np.spec ?? {};
  w.write(0, `Name:\t${np.metadata.name}\n`);
  w.write(0, `Namespace:\t${np.metadata.namespace ?? ''}\n`);
  w.write(0, `Created on:\t${formatGoTime(np.metadata.creationTimestamp)}\n`);
  printLabelsMultiline(w, 'Labels', np.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', np.metadata.annotations);
  w.write(0, 'Spec:\n');
  w.write(1, 'PodSelector: ');
  const sel = spec.podSelector ?? {};
  if (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0) {
    w.write(2, '<none> (Allowing the specific traffic to all pods in this namespace)\n');
  } else {
    w.write(2, `${formatLabelSelector(sel)}\n`);
  }
  const types = (spec.policyTypes ?? []) as string[];
  if (types.includes('Ingress')) {
    w.write(1, 'Allowing ingress traffic:\n');
    printRules(w, spec.ingress, 'ingress');
  } else {
    w.write(1, 'Not affecting ingress traffic\n');
  }
  if (types.includes('Egress')) {
    w.write(1, 'Allowing egress traffic:\n');
    printRules(w, spec.egress, 'egress');
  } else {
    w.write(1, 'Not affecting egress traffic\n');
  }
  w.write(1, `Policy Types: ${types.length ? types.join(', ') : '<none>'}\n`);
  return w.toString();
}

/** describeBackendV1: `svc:port (endpoints)`, with kubectl's error text when the Service does not exist. */
function describeBackend(ns: string, backend: Obj | undefined, ctx: DescribeContext): string {
  if (backend?.service) {
    const b = backend.service;
    const port = b.port?.number ? String(b.port.number) : (b.port?.name ?? '');
    const sb = `${b.name}:${port}`;
    const svc = ctx.list('Service', ns).find((s) => s.metadata.name === b.name) as Obj | undefined;
    if (!svc) return `${sb} (<error: services "${b.name}" not found>)`;
    let spName = '';
    for (const sp of (svc.spec?.ports ?? []) as Obj[]) {
      if ((b.port?.number && b.port.number === sp.port) || (b.port?.name && b.port.name === sp.name)) spName = sp.name ?? '';
    }
    return `${sb} (${formatEndpointSlices(slicesOf(ctx, ns, b.name), spName)})`;
  }
  if (backend?.resource) {
    const r = backend.resource;
    return `APIGroup: ${r.apiGroup ?? '<none>'}, Kind: ${r.kind}, Name: ${r.name}`;
  }
  return '';
}

export function describeIngress(ing: Obj, ctx: DescribeContext): string {
  const w = new PrefixWriter();
  const spec = ing.spec ?? {};
  const ns = ing.metadata.namespace ?? '';
  w.write(0, `Name:\t${ing.metadata.name}\n`);
  printLabelsMultiline(w, 'Labels', ing.metadata.labels);
  w.write(0, `Namespace:\t${ns}\n`);
  w.write(0, `Address:\t${loadBalancerStatus(ing.status?.loadBalancer?.ingress, true)}\n`);
  w.write(0, `Ingress Class:\t${spec.ingressClassName ?? '<none>'}\n`);
  const def = spec.defaultBackend ? describeBackend(ns, spec.defaultBackend, ctx) : '<default>';
  w.write(0, `Default backend:\t${def}\n`);
  if ((spec.tls ?? []).length) {
    w.write(0, 'TLS:\n');
    for (const t of spec.tls as Obj[]) {
      w.write(1, t.secretName ? `${t.secretName} terminates ${(t.hosts ?? []).join(',')}\n` : `SNI routes ${(t.hosts ?? []).join(',')}\n`);
    }
  }
  w.write(0, 'Rules:\n  Host\tPath\tBackends\n');
  w.write(1, '----\t----\t--------\n');
  let count = 0;
  for (const rule of (spec.rules ?? []) as Obj[]) {
    if (!rule.http) continue;
    count++;
    w.write(1, `${rule.host || '*'}\t\n`);
    for (const p of (rule.http.paths ?? []) as Obj[]) w.write(2, `\t${p.path ?? ''} \t${describeBackend(ns, p.backend, ctx)}\n`);
  }
  if (count === 0) w.write(1, `*\t*\t${def}\n`);
  printAnnotationsMultiline(w, 'Annotations', ing.metadata.annotations);
  describeNoEvents(w);
  return w.toString();
}

export function describeIngressClass(ic: Obj): string {
  const w = new PrefixWriter();
  w.write(0, `Name:\t${ic.metadata.name}\n`);
  printLabelsMultiline(w, 'Labels', ic.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', ic.metadata.annotations);
  w.write(0, `Controller:\t${ic.spec?.controller ?? ''}\n`);
  const p = ic.spec?.parameters;
  if (p) {
    w.write(0, 'Parameters:\n');
    if (p.apiGroup) w.write(1, `APIGroup:\t${p.apiGroup}\n`);
    w.write(1, `Kind:\t${p.kind}\n`);
    w.write(1, `Name:\t${p.name}\n`);
  }
  describeNoEvents(w);
  return w.toString();
}

/** fatih/camelcase.Split: runs of one character class, with an upper-case run's last letter moved to a lower run. */
function camelSplit(s: string): string[] {
  const cls = (c: string) => (/[a-z]/.test(c) ? 1 : /[A-Z]/.test(c) ? 2 : /[0-9]/.test(c) ? 3 : 4);
  const runs: string[] = [];
  let last = 0;
  for (const ch of s) {
    const c = cls(ch);
    if (c === last && runs.length) runs[runs.length - 1] += ch; else runs.push(ch);
    last = c;
  }
  for (let i = 0; i < runs.length - 1; i++) {
    if (cls(runs[i][0]) === 2 && cls(runs[i + 1][0]) === 1) {
      runs[i + 1] = runs[i].slice(-1) + runs[i + 1];
      runs[i] = runs[i].slice(0, -1);
    }
  }
  return runs.filter((r) => r !== '');
}

/** smartLabelFor: `gatewayClassName` -> `Gateway Class Name`, `apiVersion` -> `API Version`. */
export function smartLabelFor(field: string): string {
  if (/[^A-Za-z-]/.test(field)) return field;
  const parts = camelSplit(field);
  const merged: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (i < parts.length - 1 && p.length >= 2 && p === p.toUpperCase() && /^[A-Z]/.test(parts[i + 1])) {
      merged.push(p + parts[i + 1]);
      i++;
    } else merged.push(p);
  }
  return merged.filter((p) => p !== '_').map((p) => {
    if (['API', 'URL', 'UID', 'GUID'].includes(p.toUpperCase())) return p.toUpperCase();
    return p === p.toLowerCase() ? p.charAt(0).toUpperCase() + p.slice(1) : p;
  }).join(' ');
}

const goValue = (v: unknown) => (v === null || v === undefined ? '<nil>' : String(v));

function printUnstructured(w: PrefixWriter, level: number, content: Obj, prefix: string, skip: Set<string>): void {
  for (const field of Object.keys(content).sort(goCompare)) {
    const value = content[field];
    const path = `${prefix}.${field}`;
    if (skip.has(path)) continue;
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      w.write(level, `${smartLabelFor(field)}:\n`);
      printUnstructured(w, level + 1, value, path, skip);
    } else if (Array.isArray(value)) {
      w.write(level, `${smartLabelFor(field)}:\n`);
      for (const child of value) {
        if (child && typeof child === 'object' && !Array.isArray(child)) printUnstructured(w, level + 1, child, path, skip);
        else w.write(level + 1, `${goValue(child)}\n`);
      }
    } else {
      w.write(level, `${smartLabelFor(field)}:\t${goValue(value)}\n`);
    }
  }
}

/** genericDescriber: what kubectl prints for kinds without a describer of their own. */
export function describeGeneric(obj: Obj): string {
  const w = new PrefixWriter();
  w.write(0, `Name:\t${obj.metadata?.name ?? ''}\n`);
  w.write(0, `Namespace:\t${obj.metadata?.namespace ?? ''}\n`);
  printLabelsMultiline(w, 'Labels', obj.metadata?.labels);
  printAnnotationsMultiline(w, 'Annotations', obj.metadata?.annotations);
  printUnstructured(w, 0, obj, '', new Set(['.metadata.managedFields', '.metadata.name', '.metadata.namespace', '.metadata.labels', '.metadata.annotations']));
  describeNoEvents(w);
  return w.toString();
}
