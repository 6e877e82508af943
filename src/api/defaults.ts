// Defaulting as the API server does it on create (pkg/apis/*/v1/defaults.go), for the fields podnet reads.
// Returns a defaulted deep copy (or, with inPlace, defaults the object itself when the caller owns it).
import type { KubeObject } from './types.js';

type Obj = Record<string, any>;

export function applyDefaults(input: KubeObject, { inPlace = false } = {}): KubeObject {
  const obj = (inPlace ? input : structuredClone(input)) as KubeObject & Obj;
  const meta = obj.metadata as Obj;
  switch (obj.kind) {
    case 'Namespace':
      meta.labels = { ...(meta.labels ?? {}), 'kubernetes.io/metadata.name': meta.name };
      obj.spec = { finalizers: ['kubernetes'], ...(obj.spec ?? {}) };
      obj.status = { phase: 'Active', ...(obj.status ?? {}) };
      break;
    case 'Pod':
      obj.spec = defaultPodSpec(obj.spec ?? {});
      break;
    case 'Deployment':
      obj.spec = obj.spec ?? {};
      obj.spec.replicas ??= 1;
      obj.spec.revisionHistoryLimit ??= 10;
      obj.spec.progressDeadlineSeconds ??= 600;
      obj.spec.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } };
      defaultTemplate(obj.spec);
      break;
    case 'ReplicaSet':
      obj.spec = obj.spec ?? {};
      obj.spec.replicas ??= 1;
      defaultTemplate(obj.spec);
      break;
    case 'StatefulSet':
      obj.spec = obj.spec ?? {};
      obj.spec.replicas ??= 1;
      obj.spec.podManagementPolicy ??= 'OrderedReady';
      obj.spec.updateStrategy ??= { type: 'RollingUpdate', rollingUpdate: { partition: 0 } };
      obj.spec.revisionHistoryLimit ??= 10;
      defaultTemplate(obj.spec);
      break;
    case 'DaemonSet':
      obj.spec = obj.spec ?? {};
      obj.spec.updateStrategy ??= { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } };
      obj.spec.revisionHistoryLimit ??= 10;
      defaultTemplate(obj.spec);
      break;
    case 'Job':
      obj.spec = obj.spec ?? {};
      obj.spec.parallelism ??= 1;
      obj.spec.completions ??= 1;
      obj.spec.backoffLimit ??= 6;
      obj.spec.completionMode ??= 'NonIndexed';
      defaultTemplate(obj.spec);
      break;
    case 'Service':
      obj.spec = defaultServiceSpec(obj.spec ?? {});
      break;
    case 'NetworkPolicy':
      obj.spec = defaultNetworkPolicySpec(obj.spec ?? {});
      break;
    case 'EndpointSlice':
      for (const p of (obj.ports as Obj[] | undefined) ?? []) p.protocol ??= 'TCP';
      break;
    case 'Endpoints':
      for (const s of (obj.subsets as Obj[] | undefined) ?? []) for (const p of s.ports ?? []) p.protocol ??= 'TCP';
      break;
    case 'Secret':
      obj.type ??= 'Opaque';
      break;
  }
  return obj;
}

function defaultTemplate(spec: Obj): void {
  spec.template = spec.template ?? {};
  spec.template.spec = defaultPodSpec(spec.template.spec ?? {});
}

export function defaultPodSpec(spec: Obj): Obj {
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.restartPolicy ??= 'Always';
  spec.schedulerName ??= 'default-scheduler';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.enableServiceLinks ??= true;
  spec.serviceAccountName ??= spec.serviceAccount ?? 'default';
  spec.serviceAccount ??= spec.serviceAccountName;
  if (spec.hostNetwork === true) {
    // With hostNetwork, containerPort must equal hostPort; the API server fills hostPort in (SetDefaults_Pod).
    for (const c of allContainers(spec)) for (const p of c.ports ?? []) p.hostPort ??= p.containerPort;
  }
  for (const c of allContainers(spec)) for (const p of c.ports ?? []) p.protocol ??= 'TCP';
  return spec;
}

function allContainers(spec: Obj): Obj[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? [])].filter((c) => c && typeof c === 'object');
}

export function defaultServiceSpec(spec: Obj): Obj {
  spec.type ??= 'ClusterIP';
  if (spec.type === 'ExternalName') return spec;
  spec.sessionAffinity ??= 'None';
  if (spec.sessionAffinity === 'ClientIP') {
    spec.sessionAffinityConfig ??= {};
    spec.sessionAffinityConfig.clientIP ??= {};
    spec.sessionAffinityConfig.clientIP.timeoutSeconds ??= 10800;
  }
  for (const p of spec.ports ?? []) {
    p.protocol ??= 'TCP';
    p.targetPort ??= p.port;
  }
  spec.internalTrafficPolicy ??= 'Cluster';
  const external = spec.type === 'NodePort' || spec.type === 'LoadBalancer' || (spec.externalIPs ?? []).length > 0;
  if (external) spec.externalTrafficPolicy ??= 'Cluster';
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  return spec;
}

export function defaultNetworkPolicySpec(spec: Obj): Obj {
  spec.podSelector ??= {};
  if (!spec.policyTypes || spec.policyTypes.length === 0) {
    // networking/v1 defaults: Ingress always; Egress only when the policy has an egress section.
    spec.policyTypes = spec.egress !== undefined && spec.egress !== null ? ['Ingress', 'Egress'] : ['Ingress'];
  }
  for (const rule of [...(spec.ingress ?? []), ...(spec.egress ?? [])]) {
    for (const p of rule?.ports ?? []) if (p && typeof p === 'object') p.protocol ??= 'TCP';
  }
  return spec;
}

const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const hex8 = (h: number) => HEX_BYTE[h >>> 24] + HEX_BYTE[(h >>> 16) & 0xff] + HEX_BYTE[(h >>> 8) & 0xff] + HEX_BYTE[h & 0xff];

/** A stable UID for an object that has none, shaped like the API server's UUIDs. */
export function deterministicUid(key: string): string {
  let h1 = 0x811c9dc5, h2 = 0x01000193, h3 = 0x9e3779b9, h4 = 0x85ebca6b;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
    h3 = Math.imul(h3 ^ c, 0xcc9e2d51) >>> 0;
    h4 = Math.imul(h4 ^ c, 0x1b873593) >>> 0;
  }
  const a = hex8(h1), b = hex8(h2), c = hex8(h3), d = hex8(h4);
  return `${a}-${b.slice(0, 4)}-4${b.slice(5)}-a${c.slice(1, 4)}-${c.slice(4)}${d}`;
}
