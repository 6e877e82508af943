// PeerAuthentication: the mTLS mode a workload's inbound side accepts, and why. Source: istio/api
// security/v1beta1/peer_authentication.proto and istio.io/latest/docs/concepts/security/#peer-authentication.
// - Scope: mesh-wide (no selector, root namespace) < namespace-wide (no selector) < workload (selector). UNSET inherits
//   from the level above; with nothing above it is PERMISSIVE.
// - Several policies at one level: the oldest wins (creationTimestamp, else the order they were applied).
// - portLevelMtls is honoured only on a policy with a selector, keyed by the workload (container) port, and only for
//   ports some Service exposes for the workload (Istio builds per-port inbound filter chains from Services).
// - A selector policy in the root namespace is a workload policy for root-namespace workloads only.
import { matchesLabelSelector } from '../api/labels.js';

type Obj = Record<string, any>;

export type MtlsMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';

export interface PeerAuthnDecision {
  mode: MtlsMode;
  /** `ns/name` of the policy that set the mode; undefined when nothing did (the PERMISSIVE default). */
  policy?: string;
  level: 'default' | 'mesh' | 'namespace' | 'workload' | 'port';
}

export interface PeerAuthnInput {
  /** All PeerAuthentications in apply order. */
  policies: readonly Obj[];
  rootNamespace: string;
}

const MODES = new Set(['STRICT', 'PERMISSIVE', 'DISABLE']);

function modeOf(m: unknown): MtlsMode | undefined {
  return typeof m === 'string' && MODES.has(m) ? (m as MtlsMode) : undefined;
}

/** Oldest first: creationTimestamp when given, else apply order (the input order). */
export function oldestFirst<T extends Obj>(objs: readonly T[]): T[] {
  return objs.map((o, i) => ({ o, i })).sort((a, b) => {
    const ta = a.o.metadata?.creationTimestamp ?? '';
    const tb = b.o.metadata?.creationTimestamp ?? '';
    if (ta && tb && ta !== tb) return ta < tb ? -1 : 1;
    return a.i - b.i;
  }).map((x) => x.o);
}

function ref(p: Obj): string { return `${p.metadata.namespace}/${p.metadata.name}`; }

/** The PeerAuthentications that apply at each level for one workload (oldest wins at each level). */
export function applicablePeerAuthns(input: PeerAuthnInput, namespace: string, labels: Record<string, string>): { mesh?: Obj; namespace?: Obj; workload?: Obj; conflicts: Obj[][] } {
  const ordered = oldestFirst(input.policies);
  const mesh = ordered.filter((p) => p.metadata.namespace === input.rootNamespace && !p.spec?.selector);
  const nsWide = namespace === input.rootNamespace ? [] : ordered.filter((p) => p.metadata.namespace === namespace && !p.spec?.selector);
  const workload = ordered.filter((p) => p.metadata.namespace === namespace && p.spec?.selector && matchesLabelSelector(p.spec.selector, labels));
  const conflicts = [mesh, nsWide, workload].filter((l) => l.length > 1);
  return { mesh: mesh[0], namespace: nsWide[0], workload: workload[0], conflicts };
}

/**
 * The inbound mode for a workload port. `servicePortExposed` says whether a Service selecting the workload exposes
 * `targetPort` (port-level settings apply only then).
 */
export function peerAuthnMode(input: PeerAuthnInput, namespace: string, labels: Record<string, string>, targetPort: number | undefined, servicePortExposed: boolean): PeerAuthnDecision {
  const a = applicablePeerAuthns(input, namespace, labels);
  let d: PeerAuthnDecision = { mode: 'PERMISSIVE', level: 'default' };
  const levels: [Obj | undefined, PeerAuthnDecision['level']][] = [[a.mesh, 'mesh'], [a.namespace, 'namespace'], [a.workload, 'workload']];
  for (const [p, level] of levels) {
    const m = modeOf(p?.spec?.mtls?.mode);
    if (p && m) d = { mode: m, policy: ref(p), level };
  }
  if (a.workload && targetPort !== undefined && servicePortExposed) {
    const pl = a.workload.spec?.portLevelMtls;
    const entry = pl && typeof pl === 'object' ? (pl[String(targetPort)] as Obj | undefined) : undefined;
    const m = modeOf(entry?.mode);
    if (m) d = { mode: m, policy: ref(a.workload), level: 'port' };
  }
  return d;
}
