// The Istio `Sidecar` resource's egress scoping (istio/api networking/v1alpha3/sidecar.proto): which hosts a client's
// proxy knows. Selection: a Sidecar with a workloadSelector matching the pod in its namespace, else the namespace's
// Sidecar without selector, else the root namespace's (mesh default). `egress[].hosts` are `namespace/dnsName`, where
// namespace is `*`, `.` (the Sidecar's own), `~` (none) or a name, and dnsName is `*`, `*.suffix` or a name. A Service
// the proxy does not know goes to PassthroughCluster (plaintext, no VirtualService) when outboundTrafficPolicy is
// ALLOW_ANY (the default), or to BlackHoleCluster (502) when REGISTRY_ONLY.
import { matchesMapSelector } from '../api/labels.js';
import { hostMatches } from './hosts.js';

type Obj = Record<string, any>;

export function sidecarFor(sidecars: readonly Obj[], namespace: string, labels: Record<string, string>, rootNamespace: string): Obj | undefined {
  const inNs = sidecars.filter((s) => s.metadata.namespace === namespace);
  return inNs.find((s) => s.spec?.workloadSelector?.labels && matchesMapSelector(s.spec.workloadSelector.labels, labels))
    ?? inNs.find((s) => !s.spec?.workloadSelector)
    ?? sidecars.find((s) => s.metadata.namespace === rootNamespace && !s.spec?.workloadSelector);
}

/** Does the Sidecar let its proxy know `host` (a Service FQDN in `hostNamespace`)? No Sidecar or no egress: yes. */
export function sidecarKnowsHost(sidecar: Obj | undefined, host: string, hostNamespace: string): boolean {
  const egress: Obj[] = Array.isArray(sidecar?.spec?.egress) ? sidecar!.spec.egress : [];
  if (!sidecar || egress.length === 0) return true;
  return egress.some((e) => (Array.isArray(e.hosts) ? e.hosts : []).some((h: unknown) => {
    if (typeof h !== 'string' || !h.includes('/')) return false;
    const [ns, name] = h.split('/', 2);
    const nsOk = ns === '*' || (ns === '.' ? hostNamespace === sidecar.metadata.namespace : ns !== '~' && ns === hostNamespace);
    return nsOk && hostMatches(name, host);
  }));
}

export function outboundMode(sidecar: Obj | undefined): 'ALLOW_ANY' | 'REGISTRY_ONLY' {
  return sidecar?.spec?.outboundTrafficPolicy?.mode === 'REGISTRY_ONLY' ? 'REGISTRY_ONLY' : 'ALLOW_ANY';
}
