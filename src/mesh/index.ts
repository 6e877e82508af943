// src/mesh public API: compile once per cluster, then ask. Pure: no I/O, the cluster is only read.
import type { Cluster } from '../cluster/cluster.js';
import { evaluateRequest, meshJson, type MeshEvaluation, type MeshRequest } from './evaluate.js';
import type { Membership } from './membership.js';
import { buildMesh, portExposedByService, type CompiledMesh, type MeshOptions } from './model.js';
import { peerAuthnMode, type PeerAuthnDecision } from './peer-authn.js';

export interface MeshModel extends CompiledMesh {
  /** One request (HTTP when `method` is set, else TCP) through the client and server proxies. */
  evaluate(req: MeshRequest): MeshEvaluation;
  membership(namespace: string, pod: string): Membership | undefined;
  /** The inbound mTLS mode of a pod's container port. */
  peerAuthentication(namespace: string, pod: string, targetPort: number): PeerAuthnDecision | undefined;
  /** True when some pod is in an Istio or Linkerd data plane or some mesh object exists. */
  readonly active: boolean;
}

export function compileMesh(cluster: Cluster, options: MeshOptions = {}): MeshModel {
  const m = buildMesh(cluster, options);
  const o = m.objects;
  const anyObjects = [o.peerAuthentications, o.authorizationPolicies, o.virtualServices, o.destinationRules, o.gateways, o.serviceEntries, o.sidecars, o.requestAuthentications, o.linkerd.servers, o.linkerd.serverAuthorizations, o.linkerd.authorizationPolicies].some((l) => l.length > 0);
  const active = anyObjects || [...m.memberships.values()].some((x) => x.dataPlane !== 'none');
  return {
    ...m,
    active,
    evaluate: (req) => evaluateRequest(m, req),
    membership: (ns, pod) => m.memberships.get(`${ns}/${pod}`),
    peerAuthentication: (ns, pod, port) => {
      const p = m.pods.get(`${ns}/${pod}`);
      const mem = m.memberships.get(`${ns}/${pod}`);
      if (!p || !mem || (mem.dataPlane !== 'sidecar' && mem.dataPlane !== 'ambient')) return undefined;
      return peerAuthnMode(m.peerAuthnInput, ns, p.metadata.labels ?? {}, port, portExposedByService(m, p, port));
    },
  };
}

const models = new WeakMap<Cluster, MeshModel>();

/** The mesh model of a cluster snapshot with default options, compiled once (the trace and the lab share it). */
export function meshModelOf(cluster: Cluster): MeshModel {
  let m = models.get(cluster);
  if (!m) models.set(cluster, (m = compileMesh(cluster)));
  return m;
}

export { meshJson };
export type { MeshDecidedBy, MeshEvaluation, MeshRequest, MeshEndpoint, MeshHop } from './evaluate.js';
export type { MeshOptions } from './model.js';
export type { Membership, DataPlane } from './membership.js';
export { spiffeId, principalOf, membershipOf } from './membership.js';
export { evaluateAuthz, policiesForWorkload, type AuthzDecision, type AuthzRequest } from './authz.js';
export { peerAuthnMode, type PeerAuthnDecision, type MtlsMode } from './peer-authn.js';
export { routeRequest, findVirtualService, DEFAULT_RETRIES, type RouteDecision, type RouteRequest } from './routing.js';
export { effectiveTrafficPolicy, findDestinationRule, type EffectiveTrafficPolicy, type OutlierDetectionConfig } from './traffic-policy.js';
export { newOutlierState, withHosts, recordResponse, tick, isEjected, ejectedHosts, healthyHosts, type OutlierState, type OutlierEvent } from './outlier.js';
export { evaluateLinkerd, type LinkerdDecision } from './linkerd.js';
export { analyzeMesh } from './analyze.js';
export { MeshCodes } from './codes.js';
export { IstioMessages, codeWithIstio, type IstioMessage } from './istio-messages.js';
export { runWithRetries, runWithRetriesAsync, isRetriable, backoffMs, type AttemptOutcome, type RetryResult } from './retries.js';
export { requestLabels, workloadOf, ISTIO_METRICS, DURATION_BUCKETS_MS } from './telemetry.js';
export { sidecarFor, sidecarKnowsHost } from './sidecar.js';
export { ENVOY_BODIES } from './envoy-bodies.js';
