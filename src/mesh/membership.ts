// Which data plane a pod belongs to and the identity it presents. Sources:
// - Istio sidecar injection (istio.io/latest/docs/setup/additional-setup/sidecar-injection, "Controlling the injection
//   policy"): a `false`/`disabled` label on either the pod or its namespace wins, then an `enabled`/`true` one; the
//   namespace label `istio.io/rev` (or the pod's) selects a revision and injects, but `istio-injection` takes precedence
//   over it. Pod label `sidecar.istio.io/inject` (the annotation is the deprecated form, still honoured).
// - Ambient: namespace or pod label `istio.io/dataplane-mode=ambient`; the pod label `none` opts out; a pod with a
//   sidecar is never captured by ztunnel; the annotation `ambient.istio.io/redirection: enabled` (istio-cni's mark
//   on a captured pod, what istioctl analyze's PodInAmbientMode reads) puts a pod in ambient.
// - Linkerd: annotation `linkerd.io/inject: enabled` on the namespace or pod (the pod's value wins; `disabled` opts out).
// - hostNetwork pods are never injected (the webhook skips them: they share the node's network namespace).
// Identities: spiffe://<trust-domain>/ns/<ns>/sa/<sa> (istio pkg/spiffe), Linkerd <sa>.<ns>.serviceaccount.identity.linkerd.<td>.
import type { Cluster } from '../cluster/cluster.js';

type Obj = Record<string, any>;

export type DataPlane = 'sidecar' | 'ambient' | 'linkerd' | 'none';

export interface Membership {
  namespace: string;
  pod: string;
  dataPlane: DataPlane;
  /** Istio revision for sidecars (`default` when injected without istio.io/rev). */
  revision?: string;
  serviceAccount: string;
  /** SPIFFE URI for Istio members, Linkerd's identity for Linkerd members, undefined outside the mesh. */
  identity?: string;
  /** Why this data plane: the label or annotation that decided. */
  reason: string;
}

/** Namespaces the injector's webhook never selects (istio's default namespaceSelector excludes them). */
const NEVER_INJECTED = new Set(['kube-system', 'kube-public', 'kube-node-lease']);

export function serviceAccountOf(pod: Obj): string {
  return pod.spec?.serviceAccountName || pod.spec?.serviceAccount || 'default';
}

export function spiffeId(trustDomain: string, namespace: string, sa: string): string {
  return `spiffe://${trustDomain}/ns/${namespace}/sa/${sa}`;
}

/** The principal form AuthorizationPolicy uses: the SPIFFE URI without its scheme. */
export function principalOf(identity: string | undefined): string | undefined {
  return identity?.startsWith('spiffe://') ? identity.slice('spiffe://'.length) : identity;
}

export function membershipOf(pod: Obj, nsObj: Obj | undefined, trustDomain: string): Membership {
  const ns = pod.metadata.namespace ?? 'default';
  const base = { namespace: ns, pod: pod.metadata.name, serviceAccount: serviceAccountOf(pod) };
  const nsLabels: Obj = nsObj?.metadata?.labels ?? {};
  const nsAnn: Obj = nsObj?.metadata?.annotations ?? {};
  const labels: Obj = pod.metadata?.labels ?? {};
  const ann: Obj = pod.metadata?.annotations ?? {};
  if (pod.spec?.hostNetwork === true) return { ...base, dataPlane: 'none', reason: 'hostNetwork pods are never injected' };

  const podInject = labels['sidecar.istio.io/inject'] ?? ann['sidecar.istio.io/inject'];
  const nsInjection = nsLabels['istio-injection'];
  const rev = labels['istio.io/rev'] ?? nsLabels['istio.io/rev'];
  let sidecar: boolean | undefined;
  let reason = '';
  if (podInject === 'false') { sidecar = false; reason = 'pod label sidecar.istio.io/inject=false'; }
  else if (nsInjection === 'disabled') { sidecar = false; reason = `namespace ${ns} label istio-injection=disabled`; }
  else if (NEVER_INJECTED.has(ns)) { sidecar = false; reason = `namespace ${ns} is excluded by the injector`; }
  else if (nsInjection === 'enabled') { sidecar = true; reason = `namespace ${ns} label istio-injection=enabled`; }
  else if (podInject === 'true') { sidecar = true; reason = 'pod label sidecar.istio.io/inject=true'; }
  else if (rev !== undefined) { sidecar = true; reason = `${labels['istio.io/rev'] !== undefined ? 'pod' : `namespace ${ns}`} label istio.io/rev=${rev}`; }
  if (sidecar) {
    return { ...base, dataPlane: 'sidecar', revision: nsInjection === 'enabled' || rev === undefined ? 'default' : rev, identity: spiffeId(trustDomain, ns, base.serviceAccount), reason };
  }

  // istio-cni writes this annotation once it has set up ztunnel's redirection for the pod: it is captured, whatever the labels say now.
  if (ann['ambient.istio.io/redirection'] === 'enabled') {
    return { ...base, dataPlane: 'ambient', identity: spiffeId(trustDomain, ns, base.serviceAccount), reason: 'pod annotation ambient.istio.io/redirection=enabled (istio-cni redirects it to ztunnel)' };
  }
  const podMode = labels['istio.io/dataplane-mode'];
  if (podMode !== 'none' && (podMode === 'ambient' || nsLabels['istio.io/dataplane-mode'] === 'ambient')) {
    return { ...base, dataPlane: 'ambient', identity: spiffeId(trustDomain, ns, base.serviceAccount), reason: podMode === 'ambient' ? 'pod label istio.io/dataplane-mode=ambient' : `namespace ${ns} label istio.io/dataplane-mode=ambient` };
  }

  const ld = ann['linkerd.io/inject'] ?? nsAnn['linkerd.io/inject'];
  if (ld === 'enabled' || ld === 'ingress') {
    return { ...base, dataPlane: 'linkerd', identity: `${base.serviceAccount}.${ns}.serviceaccount.identity.linkerd.${trustDomain}`, reason: `${ann['linkerd.io/inject'] !== undefined ? 'pod' : `namespace ${ns}`} annotation linkerd.io/inject=${ld}` };
  }
  return { ...base, dataPlane: 'none', reason: reason || 'no injection label or annotation on the pod or its namespace' };
}

/** Every pod's membership, keyed `ns/name`. */
export function computeMemberships(cluster: Cluster, trustDomain: string): Map<string, Membership> {
  const nsByName = new Map(cluster.namespaces().map((n) => [n.metadata.name, n as Obj]));
  const out = new Map<string, Membership>();
  for (const pod of cluster.pods()) {
    out.set(`${pod.metadata.namespace}/${pod.metadata.name}`, membershipOf(pod as Obj, nsByName.get(pod.metadata.namespace ?? 'default'), trustDomain));
  }
  return out;
}
