// Pods and pod templates: ValidatePodSpec, ValidatePodTemplateSpec and the container checks of
// pkg/apis/core/validation/validation.go, for the fields podnet reads (volumes, resources, probes, security contexts
// and affinity are not checked). Defaults the API server applies first (restartPolicy Always, dnsPolicy ClusterFirst,
// protocol TCP, hostPort = containerPort under hostNetwork) are taken into account.
import { fieldErr } from '../field-errors.js';
import {
  IP_DETAIL, inclusiveRangeError, isDNS1123Label, isDNS1123SubdomainWithUnderscore, isValidLabelValue, isValidPortName,
  isValidPortNum, nameIsDNSSubdomain, parseIPSloppy,
} from './format.js';
import { validateAnnotations, validateLabelName, validateLabels } from './meta.js';
import { arr, at, bool, child, has, int, obj, objItems, objsOf, optInt, optObj, str, strList, type Errs, type Rec } from './json.js';

export const PROTOCOLS = ['SCTP', 'TCP', 'UDP'] as const; // sets.List(supportedPortProtocols): sorted
const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None']; // upstream's order, not sorted
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const MAX_INT32 = 2147483647;

export interface PodSpecInfo {
  /** After defaulting ('' never); null when the field had the wrong type. */
  restartPolicy: string | null;
  activeDeadlineSeconds: boolean;
}

interface PortInfo {
  path: string;
  containerPort: number;
  hostPort: number;
  protocol: string;
  hostIP: string;
}

interface ContainerInfo {
  name: string | null;
  ports: PortInfo[];
}

function validateContainerPorts(v: unknown, path: string, errs: Errs): PortInfo[] {
  const names = new Set<string>();
  const out: PortInfo[] = [];
  for (const [port, i] of objItems(v, path, errs)) {
    const p = at(path, i);
    const name = str(port.name, child(p, 'name'), errs);
    if (name) {
      const msgs = isValidPortName(name);
      msgs.forEach((m) => errs.push(fieldErr.invalid(child(p, 'name'), name, m)));
      if (msgs.length === 0 && names.has(name)) errs.push(fieldErr.duplicate(child(p, 'name'), name));
      names.add(name);
    }
    const containerPort = int(port.containerPort, child(p, 'containerPort'), errs);
    if (containerPort === 0) errs.push(fieldErr.required(child(p, 'containerPort')));
    else if (containerPort !== null) {
      for (const m of isValidPortNum(containerPort)) errs.push(fieldErr.invalid(child(p, 'containerPort'), containerPort, m));
    }
    const hostPort = int(port.hostPort, child(p, 'hostPort'), errs);
    if (hostPort) for (const m of isValidPortNum(hostPort)) errs.push(fieldErr.invalid(child(p, 'hostPort'), hostPort, m));
    const protocol = str(port.protocol, child(p, 'protocol'), errs);
    if (protocol && !(PROTOCOLS as readonly string[]).includes(protocol)) errs.push(fieldErr.notSupported(child(p, 'protocol'), protocol, PROTOCOLS));
    const hostIP = str(port.hostIP, child(p, 'hostIP'), errs) ?? '';
    out.push({ path: p, containerPort: containerPort ?? 0, hostPort: hostPort ?? 0, protocol: protocol || 'TCP', hostIP });
  }
  return out;
}

/** validateContainerCommon: name, image and ports. */
function validateContainer(c: Rec, path: string, errs: Errs): ContainerInfo {
  const name = str(c.name, child(path, 'name'), errs);
  if (name === '') errs.push(fieldErr.required(child(path, 'name')));
  else if (name !== null) for (const m of isDNS1123Label(name)) errs.push(fieldErr.invalid(child(path, 'name'), name, m));
  if (str(c.image, child(path, 'image'), errs) === '') errs.push(fieldErr.required(child(path, 'image')));
  return { name, ports: validateContainerPorts(c.ports, child(path, 'ports'), errs) };
}

/** checkHostPortConflicts: (protocol, hostIP, hostPort) must be unique across the containers given. */
function checkHostPortConflicts(containers: ContainerInfo[], errs: Errs): void {
  const seen = new Set<string>();
  for (const c of containers) {
    for (const p of c.ports) {
      if (p.hostPort === 0) continue;
      const k = `${p.protocol}/${p.hostIP}/${p.hostPort}`;
      if (seen.has(k)) errs.push(fieldErr.duplicate(child(p.path, 'hostPort'), k));
      seen.add(k);
    }
  }
}

function validateContainers(v: unknown, path: string, errs: Errs): ContainerInfo[] {
  const list = arr(v, path, errs);
  if (list === null) return [];
  if (list.length === 0) {
    errs.push(fieldErr.required(path));
    return [];
  }
  const names = new Set<string>();
  const out: ContainerInfo[] = [];
  for (const [c, i] of objsOf(list, path, errs)) {
    const p = at(path, i);
    const info = validateContainer(c, p, errs);
    if (info.name !== null) {
      if (names.has(info.name)) errs.push(fieldErr.duplicate(child(p, 'name'), info.name));
      names.add(info.name);
    }
    if (has(c.restartPolicy)) errs.push(fieldErr.forbidden(child(p, 'restartPolicy'), 'may not be set for non-init containers'));
    out.push(info);
  }
  checkHostPortConflicts(out, errs);
  return out;
}

function validateInitContainers(v: unknown, path: string, regular: ContainerInfo[], errs: Errs): void {
  const names = new Set(regular.map((c) => c.name).filter((n): n is string => n !== null));
  for (const [c, i] of objItems(v, path, errs)) {
    const p = at(path, i);
    const info = validateContainer(c, p, errs);
    const restartPolicy = str(c.restartPolicy, child(p, 'restartPolicy'), errs);
    if (restartPolicy && restartPolicy !== 'Always') errs.push(fieldErr.notSupported(child(p, 'restartPolicy'), restartPolicy, ['Always']));
    if (info.name !== null && names.has(info.name)) errs.push(fieldErr.duplicate(child(p, 'name'), info.name));
    else if (info.name) names.add(info.name);
    // Upstream checks each init container on its own, passing it as a one-element list: the index printed is
    // always [0] (checkHostPortConflicts([]core.Container{ctr}, fldPath)).
    checkHostPortConflicts([{ ...info, ports: info.ports.map((pt) => ({ ...pt, path: pt.path.replace(p, at(path, 0)) })) }], errs);
  }
}

/** Container fields an ephemeral container may not set (upstream's allowedEphemeralContainerFields leaves them out). */
const EPHEMERAL_FORBIDDEN = ['ports', 'resources', 'resizePolicy', 'restartPolicy', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle'];

/** Go's zero value as validateFieldAllowList compares it: absent, null, an empty list or an empty struct. */
const isZero = (v: unknown) => !has(v) || (Array.isArray(v) ? v.length === 0 : typeof v === 'object' && v !== null && Object.keys(v).length === 0);

/** validateEphemeralContainers: the common container checks, names unique across all containers, no workload fields. */
export function validateEphemeralContainers(v: unknown, path: string, others: readonly (string | null)[], errs: Errs): void {
  const names = new Set(others.filter((n): n is string => n !== null));
  const regular = new Set(names);
  for (const [c, i] of objItems(v, path, errs)) {
    const p = at(path, i);
    const name = str(c.name, child(p, 'name'), errs);
    if (name === '') errs.push(fieldErr.required(child(p, 'name')));
    else if (name !== null) for (const m of isDNS1123Label(name)) errs.push(fieldErr.invalid(child(p, 'name'), name, m));
    if (str(c.image, child(p, 'image'), errs) === '') errs.push(fieldErr.required(child(p, 'image')));
    if (name) {
      if (names.has(name)) errs.push(fieldErr.duplicate(child(p, 'name'), name));
      names.add(name);
    }
    const target = str(c.targetContainerName, child(p, 'targetContainerName'), errs);
    if (target && !regular.has(target)) errs.push(fieldErr.notFound(child(p, 'targetContainerName'), target));
    for (const k of EPHEMERAL_FORBIDDEN) if (!isZero(c[k])) errs.push(fieldErr.forbidden(child(p, k), 'cannot be set for an Ephemeral Container'));
  }
}

function validateDNSConfig(spec: Rec, dnsPolicy: string | null, path: string, errs: Errs): void {
  const dc = optObj(spec.dnsConfig, path, errs);
  if (dc === null) return;
  const nsPath = child(path, 'nameservers');
  const nameservers = dc ? strList(dc.nameservers, nsPath, errs) ?? [] : [];
  if (dnsPolicy === 'None') {
    if (dc === undefined) return void errs.push(fieldErr.required(path, 'must provide `dnsConfig` when `dnsPolicy` is None'));
    if (nameservers.length === 0) return void errs.push(fieldErr.required(nsPath, 'must provide at least one DNS nameserver when `dnsPolicy` is None'));
  }
  if (!dc) return;
  if (nameservers.length > 3) errs.push(fieldErr.invalid(nsPath, nameservers, 'must not have more than 3 nameservers'));
  nameservers.forEach((ns, i) => {
    if (!parseIPSloppy(ns)) errs.push(fieldErr.invalid(at(nsPath, i), ns, IP_DETAIL));
  });
  const searchesPath = child(path, 'searches');
  const searches = strList(dc.searches, searchesPath, errs) ?? [];
  if (searches.length > 32) errs.push(fieldErr.invalid(searchesPath, searches, 'must not have more than 32 search paths'));
  if (Buffer.byteLength(searches.join(' ')) > 2048) {
    errs.push(fieldErr.invalid(searchesPath, searches, 'must not have more than 2048 characters (including spaces) in the search list'));
  }
  // RelaxedDNSSearchValidation (on by default since 1.33): "." and underscores are accepted.
  searches.forEach((search, i) => {
    if (search === '.') return;
    const trimmed = search.endsWith('.') ? search.slice(0, -1) : search;
    for (const m of isDNS1123SubdomainWithUnderscore(trimmed)) errs.push(fieldErr.invalid(at(searchesPath, i), trimmed, m));
  });
  const optionsPath = child(path, 'options');
  for (const [o, i] of objItems(dc.options, optionsPath, errs)) {
    if (str(o.name, child(at(optionsPath, i), 'name'), errs) === '') errs.push(fieldErr.required(at(optionsPath, i), 'must not be empty'));
  }
}

/** ValidateTolerations. */
function validateTolerations(v: unknown, path: string, errs: Errs): void {
  for (const [t, i] of objItems(v, path, errs)) {
    const p = at(path, i);
    const key = str(t.key, child(p, 'key'), errs);
    if (key) validateLabelName(key, child(p, 'key'), errs);
    const operator = str(t.operator, child(p, 'operator'), errs);
    const effect = str(t.effect, child(p, 'effect'), errs);
    const value = str(t.value, child(p, 'value'), errs) ?? '';
    if (key === '' && operator !== null && operator !== 'Exists') {
      errs.push(fieldErr.invalid(child(p, 'operator'), operator, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (optInt(t.tolerationSeconds, child(p, 'tolerationSeconds'), errs) !== undefined && effect !== null && effect !== 'NoExecute') {
      errs.push(fieldErr.invalid(child(p, 'effect'), effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    if (operator === 'Equal' || operator === '') {
      const msgs = isValidLabelValue(value);
      if (msgs.length > 0) errs.push(fieldErr.invalid(child(p, 'operator'), value, msgs.join(';')));
    } else if (operator === 'Exists') {
      if (value) errs.push(fieldErr.invalid(child(p, 'operator'), value, "value must be empty when `operator` is 'Exists'"));
    } else if (operator !== null) {
      errs.push(fieldErr.notSupported(child(p, 'operator'), operator, ['Equal', 'Exists']));
    }
    if (effect && !TAINT_EFFECTS.includes(effect)) errs.push(fieldErr.notSupported(child(p, 'effect'), effect, TAINT_EFFECTS));
  }
}

function validateHostAliases(v: unknown, path: string, errs: Errs): void {
  for (const [h, i] of objItems(v, path, errs)) {
    const p = at(path, i);
    const ip = str(h.ip, child(p, 'ip'), errs);
    if (ip !== null && !parseIPSloppy(ip)) errs.push(fieldErr.invalid(child(p, 'ip'), ip, IP_DETAIL));
    (strList(h.hostnames, child(p, 'hostnames'), errs) ?? []).forEach((hn, j) => subdomain(hn, at(child(p, 'hostnames'), j), errs));
  }
}

function subdomain(value: string, path: string, errs: Errs): void {
  for (const m of nameIsDNSSubdomain(value, false)) errs.push(fieldErr.invalid(path, value, m));
}

function label(value: string | null, path: string, errs: Errs): void {
  if (value) for (const m of isDNS1123Label(value)) errs.push(fieldErr.invalid(path, value, m));
}

/** ValidatePodSpec. `isPod` adds the checks upstream runs only for Pods, not for templates. */
export function validatePodSpec(v: unknown, path: string, errs: Errs, isPod: boolean): PodSpecInfo {
  const spec = obj(v, path, errs);
  if (spec === null) return { restartPolicy: null, activeDeadlineSeconds: false };
  const f = (name: string): string => child(path, name);
  const containers = validateContainers(spec.containers, f('containers'), errs);
  validateInitContainers(spec.initContainers, f('initContainers'), containers, errs);
  if (isPod) {
    const initNames = objsOf(Array.isArray(spec.initContainers) ? (spec.initContainers as unknown[]) : [], f('initContainers'), []).map(([c]) => (typeof c.name === 'string' ? c.name : null));
    validateEphemeralContainers(spec.ephemeralContainers, f('ephemeralContainers'), [...containers.map((c) => c.name), ...initNames], errs);
  }

  if (bool(spec.hostNetwork, f('hostNetwork'), errs)) {
    for (const p of containers.flatMap((c) => c.ports)) {
      // A Pod's hostPort defaults to its containerPort under hostNetwork, so only a different explicit value fails.
      if (p.hostPort !== 0 && p.hostPort !== p.containerPort) {
        errs.push(fieldErr.invalid(child(p.path, 'hostPort'), p.hostPort, 'must match `containerPort` when `hostNetwork` is true'));
      }
    }
  }

  const restart = str(spec.restartPolicy, f('restartPolicy'), errs);
  if (restart && !RESTART_POLICIES.includes(restart)) errs.push(fieldErr.notSupported(f('restartPolicy'), restart, RESTART_POLICIES));
  const dnsPolicy = str(spec.dnsPolicy, f('dnsPolicy'), errs);
  if (dnsPolicy && !DNS_POLICIES.includes(dnsPolicy)) errs.push(fieldErr.notSupported(f('dnsPolicy'), dnsPolicy, DNS_POLICIES));
  validateLabels(spec.nodeSelector, f('nodeSelector'), errs);
  validateDNSConfig(spec, dnsPolicy === null ? null : dnsPolicy || 'ClusterFirst', f('dnsConfig'), errs);

  const serviceAccountName = str(spec.serviceAccountName, f('serviceAccountName'), errs);
  if (serviceAccountName) subdomain(serviceAccountName, f('serviceAccountName'), errs);
  const nodeName = str(spec.nodeName, f('nodeName'), errs);
  if (nodeName) subdomain(nodeName, f('nodeName'), errs);
  const deadline = optInt(spec.activeDeadlineSeconds, f('activeDeadlineSeconds'), errs);
  if (typeof deadline === 'number' && (deadline < 1 || deadline > MAX_INT32)) {
    errs.push(fieldErr.invalid(f('activeDeadlineSeconds'), deadline, inclusiveRangeError(1, MAX_INT32)));
  }
  label(str(spec.hostname, f('hostname'), errs), f('hostname'), errs);
  label(str(spec.subdomain, f('subdomain'), errs), f('subdomain'), errs);
  validateTolerations(spec.tolerations, f('tolerations'), errs);
  validateHostAliases(spec.hostAliases, f('hostAliases'), errs);
  const priorityClassName = str(spec.priorityClassName, f('priorityClassName'), errs);
  if (priorityClassName) subdomain(priorityClassName, f('priorityClassName'), errs);

  if (isPod) {
    for (const list of ['containers', 'initContainers']) {
      for (const [c, i] of objsOf(Array.isArray(spec[list]) ? (spec[list] as unknown[]) : [], f(list), [])) {
        const image = c.image;
        if (typeof image === 'string' && image !== image.trim()) {
          errs.push(fieldErr.invalid(child(at(f(list), i), 'image'), image, 'must not have leading or trailing whitespace'));
        }
      }
    }
  }
  return { restartPolicy: restart === null ? null : restart || 'Always', activeDeadlineSeconds: deadline !== undefined && deadline !== null };
}

export interface TemplateInfo extends PodSpecInfo {
  /** The template's labels (well-typed entries); null when the template or its labels had the wrong type. */
  labels: Record<string, string> | null;
}

/** ValidatePodTemplateSpec. As upstream, the template's labels are reported at `<path>.labels`, not `.metadata.labels`. */
export function validatePodTemplateSpec(v: unknown, path: string, errs: Errs, validateSpec = true): TemplateInfo {
  const template = obj(v, path, errs);
  if (template === null) return { labels: null, restartPolicy: null, activeDeadlineSeconds: false };
  const meta = obj(template.metadata, child(path, 'metadata'), errs) ?? {};
  const labels = validateLabels(meta.labels, child(path, 'labels'), errs);
  validateAnnotations(meta.annotations, child(path, 'annotations'), errs);
  const spec = validateSpec ? validatePodSpec(template.spec, child(path, 'spec'), errs, false) : specDefaults(template.spec);
  return { labels, ...spec };
}

/** What the workload checks need from a template whose pod spec is not validated. */
function specDefaults(v: unknown): PodSpecInfo {
  const spec = obj(v, '', []) ?? {};
  const restart = str(spec.restartPolicy, '', []);
  return { restartPolicy: restart === null ? null : restart || 'Always', activeDeadlineSeconds: spec.activeDeadlineSeconds != null };
}
