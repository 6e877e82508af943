// What `check --from/--to` accept, resolved to connection ends: `NS/POD`, an IP (a pod's, a node's, a Service's
// ClusterIP, or an outside address), `NS/KIND/NAME` for a workload (its pods) or `NS/svc/NAME` (its ready endpoints,
// with the Service port mapped to each endpoint's targetPort as kube-proxy does before policy sees the packet).
import type { KubeObject } from '../api/types.js';
import { findPort } from '../cluster/endpointslices.js';
import { podIPs, type PodObj, type Protocol } from './classes.js';
import { evaluateFlow, ipEnd, podEnd, type DirectionVerdict, type FlowEnd, type Verdict } from './evaluate.js';
import type { HostNetworkEnd } from './hostnet.js';
import type { PolicyModel } from './model.js';
import { PROTOCOLS, resolveNamedPort } from './ports.js';
import { looksLikeIP, parseIP } from './select.js';
import { PodReferenceError, podsOfWorkload, WORKLOAD_KINDS } from '../cluster/refs.js';
import { pushAll } from '../util/arrays.js';

type Obj = Record<string, any>;
type ServiceObj = KubeObject & { spec: Obj };

/** A query that cannot be answered as asked (unknown pod, bad port...): the message says why, for people. */
export class PolicyQueryError extends Error {}

export interface Target {
  text: string;
  kind: 'pod' | 'ip' | 'workload' | 'service';
  ends: FlowEnd[];
  service?: ServiceObj;
}

export function resolveTarget(model: PolicyModel, text: string): Target {
  const cluster = model.cluster;
  const t = text.trim();
  if (looksLikeIP(t)) {
    // A pod's IP is that pod; a ClusterIP is its Service (policy sees the endpoints after DNAT); anything else,
    // including a node's IP shared by host-network pods, is an address.
    const pod = model.podByIP.get(t);
    if (pod) return { text: t, kind: 'pod', ends: [podEnd(model, pod, t)] };
    const svc = model.serviceByIP.get(t) as ServiceObj | undefined;
    if (svc) return serviceTarget(model, t, svc);
    return { text: t, kind: 'ip', ends: [ipEnd(model, parseIP(t)!)] };
  }
  const parts = t.split('/');
  if (parts.length === 2 && parts[0] && parts[1]) {
    const pod = cluster.get<PodObj>('Pod', parts[0], parts[1]);
    if (!pod) throw new PolicyQueryError(`pods "${parts[1]}" not found in namespace "${parts[0]}"${suggest(model, parts[0], parts[1])}`);
    return { text: t, kind: 'pod', ends: [podEnd(model, pod)] };
  }
  if (parts.length === 3 && parts.every((p) => p !== '')) {
    const [ns, kindText, name] = parts;
    const kindLower = kindText.toLowerCase();
    if (['svc', 'service', 'services'].includes(kindLower)) {
      const svc = cluster.get<ServiceObj>('Service', ns, name);
      if (!svc) throw new PolicyQueryError(`services "${name}" not found in namespace "${ns}"`);
      return serviceTarget(model, t, svc);
    }
    if (['po', 'pod', 'pods'].includes(kindLower)) return resolveTarget(model, `${ns}/${name}`);
    const kind = WORKLOAD_KINDS[kindLower];
    if (!kind) throw new PolicyQueryError(`"${kindText}" in ${t} is not a workload kind: use deploy, sts, ds, rs, job or svc`);
    let pods: PodObj[];
    try {
      pods = podsOfWorkload(cluster, kind, ns, name) as PodObj[];
    } catch (e) {
      if (e instanceof PodReferenceError) throw new PolicyQueryError(e.message);
      throw e;
    }
    if (pods.length === 0) throw new PolicyQueryError(`${kind} ${ns}/${name} has no pods`);
    return { text: t, kind: 'workload', ends: pods.map((p) => podEnd(model, p)) };
  }
  throw new PolicyQueryError(`cannot read "${text}": use NAMESPACE/POD, an IP address, NAMESPACE/deploy/NAME (or sts, ds, rs, job) or NAMESPACE/svc/NAME`);
}

function suggest(model: PolicyModel, ns: string, name: string): string {
  const near = model.cluster.pods(ns).map((p) => p.metadata.name).filter((n) => n.startsWith(name)).slice(0, 3);
  return near.length > 0 ? ` (did you mean ${near.map((n) => `${ns}/${n}`).join(', ')}? a workload is NAMESPACE/deploy/NAME)` : '';
}

function serviceTarget(model: PolicyModel, text: string, svc: ServiceObj): Target {
  const ns = svc.metadata.namespace ?? 'default';
  if (svc.spec?.type === 'ExternalName') throw new PolicyQueryError(`Service ${ns}/${svc.metadata.name} is an ExternalName Service (a DNS alias for ${svc.spec.externalName}): it has no endpoints; check the address it resolves to instead`);
  const pods: PodObj[] = [];
  for (const slice of model.cluster.slicesOfService(ns, svc.metadata.name)) {
    for (const ep of (slice.endpoints ?? [])) {
      if (ep.conditions?.ready === false || ep.targetRef?.kind !== 'Pod' || !ep.targetRef.name) continue;
      const pod = model.cluster.get<PodObj>('Pod', ep.targetRef.namespace ?? ns, ep.targetRef.name);
      if (pod && !pods.includes(pod)) pods.push(pod);
    }
  }
  if (pods.length === 0) throw new PolicyQueryError(`Service ${ns}/${svc.metadata.name} has no ready endpoints: a connection to it is refused before any policy applies`);
  return { text, kind: 'service', ends: pods.map((p) => podEnd(model, p)), service: svc };
}

export interface CheckQuery {
  from: string;
  to: string;
  /** A number, a container port name (resolved on each destination pod), or for a Service target one of its ports. */
  port?: number | string;
  protocol?: Protocol;
}

export interface CheckResult {
  /** Allowed only if every (source pod, destination pod) pair is. */
  allowed: boolean;
  egress: Pick<DirectionVerdict, 'allowed' | 'isolated' | 'policies'>;
  ingress: Pick<DirectionVerdict, 'allowed' | 'isolated' | 'policies'>;
  warnings: string[];
  /** Each pair's own verdict. */
  targets: Verdict[];
  enforced: boolean;
  wouldBeAllowed: boolean;
  /** Present when some end uses the host network: each such pod once, with its role and the CNI's treatment. */
  hostNetwork?: HostNetworkEnd[];
}

/** Answers `check`: resolves both ends, maps the port per destination, evaluates every pair and aggregates. */
export function check(model: PolicyModel, q: CheckQuery): CheckResult {
  if (q.protocol !== undefined && !PROTOCOLS.includes(q.protocol)) throw new PolicyQueryError(`protocol "${q.protocol}" is not supported: use TCP, UDP or SCTP`);
  const from = resolveTarget(model, q.from);
  const to = resolveTarget(model, q.to);
  const warnings: string[] = [];
  const targets: Verdict[] = [];
  const portText = q.port === undefined ? undefined : String(q.port).trim();
  const numeric = portText !== undefined && /^\d+$/.test(portText) ? Number(portText) : undefined;
  if (numeric !== undefined && (numeric < 1 || numeric > 65535)) throw new PolicyQueryError(`port ${numeric} is out of range: must be between 1 and 65535`);

  for (const dst of to.ends) {
    let port: number | undefined;
    let protocol: Protocol = q.protocol ?? 'TCP';
    let portName: string | undefined;
    if (to.service) {
      const ports = (to.service.spec.ports ?? []) as Obj[];
      const sp = portText === undefined ? (ports.length === 1 ? ports[0] : undefined)
        : ports.find((p) => (numeric !== undefined ? p.port === numeric : p.name === portText) && (q.protocol === undefined || p.protocol === q.protocol));
      if (!sp) throw new PolicyQueryError(portText === undefined ? `Service ${to.text} has ${ports.length} ports: give --port (${ports.map((p) => `${p.port}/${p.protocol}${p.name ? ` "${p.name}"` : ''}`).join(', ')})` : `Service ${to.text} has no port ${portText}${q.protocol ? `/${q.protocol}` : ''} (it has ${ports.map((p) => `${p.port}/${p.protocol}${p.name ? ` "${p.name}"` : ''}`).join(', ') || 'none'})`);
      protocol = sp.protocol ?? 'TCP';
      port = dst.kind === 'pod' ? findPort(dst.pod, sp) : undefined;
      portName = typeof sp.targetPort === 'string' ? sp.targetPort : undefined;
      if (port === undefined) { warnings.push(`endpoint ${dst.key} has no container port named "${sp.targetPort}"/${protocol}: kube-proxy cannot send it traffic for port ${sp.port}`); continue; }
    } else if (portText === undefined) {
      throw new PolicyQueryError('give --port: a number, or a container port name of the destination');
    } else if (numeric !== undefined) {
      port = numeric;
    } else {
      portName = portText;
      if (dst.kind !== 'pod') throw new PolicyQueryError(`--port ${portText} is a name, but ${dst.key} is not a pod: give a number`);
      port = resolveNamedPort(dst.cls.ports, portText, protocol);
      if (port === undefined) throw new PolicyQueryError(`${dst.key} has no container port named "${portText}" with protocol ${protocol}`);
    }
    for (const src of from.ends) targets.push(evaluateFlow(model, src, dst, port, protocol, portName));
  }
  if (targets.length === 0) throw new PolicyQueryError(`no destination pod of ${to.text} serves that port`);
  const agg = (dir: 'egress' | 'ingress') => {
    const allowed = targets.every((v) => v[dir].allowed);
    // When denied, the policies of the denied pairs (those that isolate); when allowed, those that allowed.
    return { allowed, isolated: targets.some((v) => v[dir].isolated), policies: [...new Set(targets.filter((v) => v[dir].allowed === allowed).flatMap((v) => v[dir].policies))] };
  };
  for (const v of targets) pushAll(warnings, v.warnings);
  const result: CheckResult = {
    allowed: targets.every((v) => v.allowed), egress: agg('egress'), ingress: agg('ingress'), warnings: [...new Set(warnings)], targets,
    enforced: model.enforced, wouldBeAllowed: targets.every((v) => v.wouldBeAllowed),
  };
  const hosts = new Map<string, HostNetworkEnd>();
  for (const v of targets) for (const h of v.hostNetwork ?? []) if (!hosts.has(`${h.role}/${h.pod}`)) hosts.set(`${h.role}/${h.pod}`, h);
  if (hosts.size > 0) result.hostNetwork = [...hosts.values()];
  return result;
}
