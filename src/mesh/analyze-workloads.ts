// `podnet mesh analyze`, checks of namespaces, pods, Sidecars, Gateways and ServiceEntries, with istioctl analyze's
// meaning (istio/istio pkg/config/analysis/analyzers: injection/injection.go, sidecar/selector.go, gateway/gateway.go,
// gateway/conflictinggateway.go, serviceentry/protocoladdresses.go, serviceentry/conflictingserviceentries.go,
// deprecation/deprecation.go, util/in_mesh.go).
import { parse as parseYaml } from 'yaml';
import { matchesMapSelector } from '../api/labels.js';
import { BUILTIN_SOURCE } from '../cluster/builtins.js';
import { findPort } from '../cluster/endpointslices.js';
import { exportScopes, hostsOverlap, type AnalyzeContext } from './analyze-context.js';
import { MeshCodes } from './codes.js';
import { IstioMessages as M } from './istio-messages.js';

type Obj = Record<string, any>;

const list = (v: unknown): Obj[] => (Array.isArray(v) ? v : []);
const selectorText = (sel: Record<string, string> | undefined) => Object.entries(sel ?? {}).sort().map(([k, v]) => `${k}=${v}`).join(',');
const hasProxyContainer = (pod: Obj) => [...list(pod.spec?.containers), ...list(pod.spec?.initContainers)].some((c) => c?.name === 'istio-proxy' && c?.image);
const ambientRedirected = (pod: Obj) => pod.metadata.annotations?.['ambient.istio.io/redirection'] === 'enabled';

export function analyzeWorkloads(ctx: AnalyzeContext): void {
  injection(ctx);
  sidecars(ctx);
  gateways(ctx);
  serviceEntries(ctx);
}

/** True when the manifests show Istio at all: without it, "namespace not injected" would be noise. */
function istioPresent(ctx: AnalyzeContext): boolean {
  const o = ctx.mesh.objects;
  if ([o.peerAuthentications, o.authorizationPolicies, o.virtualServices, o.destinationRules, o.gateways, o.serviceEntries, o.sidecars, o.requestAuthentications].some((l) => l.length > 0)) return true;
  return ctx.pods.some((p) => hasProxyContainer(p) || p.metadata.namespace === 'istio-system') || [...ctx.mesh.namespaces.values()].some((n) => Object.keys(n.metadata?.labels ?? {}).some((k) => k === 'istio-injection' || k.startsWith('istio.io/')));
}

/** injection.Analyzer: namespace labels, enableNamespacesByDefault, and running pods without their proxy. */
function injection(ctx: AnalyzeContext): void {
  if (!istioPresent(ctx)) return;
  const cluster = ctx.mesh.cluster;
  const injected = new Set<string>();
  for (const ns of ctx.mesh.namespaces.values()) {
    const name = ns.metadata.name;
    // Namespaces podnet made up (the built-in ones, those the manifests use without defining) are not the user's.
    if (name === 'istio-system' || cluster.sourceOf({ kind: 'Namespace', namespace: '', name })?.file === BUILTIN_SOURCE.file) continue;
    const labels: Record<string, string> = ns.metadata.labels ?? {};
    const injection = labels['istio-injection'];
    const istioLabels = injection !== undefined ? [`istio-injection=${injection}`] : [];
    for (const l of ['istio.io/rev', 'istio.io/dataplane-mode']) if (labels[l] !== undefined && (injection === undefined || injection === 'enabled')) istioLabels.push(`${l}=${labels[l]}`);
    if (istioLabels.length > 1) ctx.add(MeshCodes.namespaceMultipleInjectionLabels, 'warning', ns, `has more than one kind of injection label (${istioLabels.join(', ')}), which may lead to undefined behavior: keep only one`, M.NamespaceMultipleInjectionLabels);
    if (labels['istio.io/dataplane-mode'] === 'ambient') continue;
    const rev = labels['istio.io/rev'];
    if (injection === undefined && rev === undefined) {
      const cm = cluster.get<Obj>('ConfigMap', 'istio-system', 'istio-sidecar-injector');
      if (enableNamespacesByDefault(cm)) ctx.add(MeshCodes.namespaceInjectionEnabledByDefault, 'info', ns, 'is enabled for Istio injection, as Istio is installed with enableNamespacesByDefault as true', M.NamespaceInjectionEnabledByDefault);
      else ctx.add(MeshCodes.namespaceNotInjected, 'info', ns, `is not enabled for Istio injection: run 'kubectl label namespace ${name} istio-injection=enabled' to enable it, or 'kubectl label namespace ${name} istio-injection=disabled' to say it needs none`, M.NamespaceNotInjected);
      continue;
    }
    if (injection === 'enabled') injected.add(name);
  }
  // podnet injects a pod created from the manifests; a pod listed without istio-proxy while others have one was created
  // before injection was on (a dump of a live cluster), so it runs without its proxy until restarted.
  if (!ctx.pods.some(hasProxyContainer)) return;
  for (const pod of ctx.pods) {
    if (!injected.has(pod.metadata.namespace) || pod.spec?.hostNetwork === true) continue;
    const inject = pod.metadata.labels?.['sidecar.istio.io/inject'] ?? pod.metadata.annotations?.['sidecar.istio.io/inject'];
    if (String(inject).toLowerCase() === 'false' || hasProxyContainer(pod)) continue;
    ctx.add(MeshCodes.podMissingProxy, 'warning', pod, `is missing the Istio proxy although namespace ${pod.metadata.namespace} is injected: restart or redeploy the workload`, M.PodMissingProxy);
  }
}

function enableNamespacesByDefault(cm: Obj | undefined): boolean {
  const text = cm?.data?.values;
  if (typeof text !== 'string') return false;
  try {
    return parseYaml(text)?.sidecarInjectorWebhook?.enableNamespacesByDefault === true;
  } catch {
    return false;
  }
}

/** sidecar.SelectorAnalyzer, plus the deprecated egressProxy field. */
function sidecars(ctx: AnalyzeContext): void {
  const bySelectedPod = new Map<Obj, Obj[]>();
  const withoutSelector = new Map<string, Obj[]>();
  for (const sc of ctx.mesh.objects.sidecars) {
    const ns = sc.metadata.namespace;
    if (sc.spec?.outboundTrafficPolicy?.egressProxy) ctx.add(MeshCodes.deprecated, 'warning', sc, 'OutboundTrafficPolicy.EgressProxy is deprecated and ignored', M.Deprecated);
    const sel: Record<string, string> | undefined = sc.spec?.workloadSelector?.labels;
    if (!sel || Object.keys(sel).length === 0) { withoutSelector.set(ns, [...(withoutSelector.get(ns) ?? []), sc]); continue; }
    const selected = ctx.pods.filter((p) => p.metadata.namespace === ns && matchesMapSelector(sel, p.metadata.labels ?? {}));
    if (selected.length === 0) ctx.add(MeshCodes.sidecarSelectorNotFound, 'error', sc, `Referenced selector not found: "${selectorText(sel)}" (no pod of namespace ${ns} matches its workloadSelector)`, M.ReferencedResourceNotFound);
    for (const p of selected) bySelectedPod.set(p, [...(bySelectedPod.get(p) ?? []), sc]);
  }
  const ineffective = new Set<Obj>();
  const names = (l: Obj[]) => l.map((s) => s.metadata.name).sort().join(', ');
  for (const [pod, scs] of bySelectedPod) {
    if (ambientRedirected(pod) || ctx.mesh.memberships.get(`${pod.metadata.namespace}/${pod.metadata.name}`)?.dataPlane === 'ambient') {
      for (const sc of scs) if (!ineffective.has(sc)) { ineffective.add(sc); ctx.add(MeshCodes.sidecarInAmbient, 'warning', sc, `The policy has no impact: selected workload ${pod.metadata.name} is in ambient mode (ztunnel reads no Sidecar)`, M.IneffectivePolicy); }
      continue;
    }
    if (scs.length < 2) continue;
    for (const sc of scs) ctx.add(MeshCodes.conflictingSidecarSelectors, 'error', sc, `the Sidecars ${names(scs)} in namespace ${pod.metadata.namespace} select the same pod ${pod.metadata.name}, which leads to undefined behavior`, M.ConflictingSidecarWorkloadSelectors);
  }
  for (const [ns, scs] of withoutSelector) {
    const nsObj = ctx.mesh.namespaces.get(ns);
    const l = nsObj?.metadata?.labels ?? {};
    if (l['istio-injection'] !== 'enabled' && !l['istio.io/rev'] && l['istio.io/dataplane-mode'] === 'ambient') {
      for (const sc of scs) if (!ineffective.has(sc)) { ineffective.add(sc); ctx.add(MeshCodes.sidecarInAmbient, 'warning', sc, `The policy has no impact: namespace ${ns} is in ambient mode (ztunnel reads no Sidecar)`, M.IneffectivePolicy); }
      continue;
    }
    if (scs.length > 1) for (const sc of scs) ctx.add(MeshCodes.multipleSidecarsWithoutSelector, 'error', sc, `the Sidecars ${names(scs)} in namespace ${ns} have no workload selector, which leads to undefined behavior`, M.MultipleSidecarsWithoutWorkloadSelectors);
  }
}

/** IngressGatewayPortAnalyzer and ConflictingGatewayAnalyzer. Gateway selectors pick pods in every namespace. */
function gateways(ctx: AnalyzeContext): void {
  const gws = ctx.mesh.objects.gateways;
  const selectedBy = (gw: Obj) => ctx.pods.filter((p) => matchesMapSelector(gw.spec?.selector ?? {}, p.metadata.labels ?? {}));
  for (const gw of gws) {
    const sel: Record<string, string> = gw.spec?.selector ?? {};
    const pods = selectedBy(gw);
    if (pods.length === 0) { ctx.add(MeshCodes.gatewaySelectorNotFound, 'error', gw, `Referenced selector not found: "${selectorText(sel)}" (no pod runs this gateway)`, M.ReferencedResourceNotFound); continue; }
    const ports = new Set<number>();
    for (const pod of pods) {
      for (const svc of ctx.mesh.cluster.services(pod.metadata.namespace) as Obj[]) {
        if (!matchesMapSelector(svc.spec?.selector ?? {}, pod.metadata.labels ?? {})) continue;
        for (const p of list(svc.spec?.ports)) {
          if ((p.protocol ?? 'TCP') !== 'TCP') continue;
          ports.add(Number(p.port));
          const target = findPort(pod as never, p);
          if (typeof target === 'number') ports.add(target);
        }
      }
    }
    for (const server of list(gw.spec?.servers)) {
      const n = server?.port?.number;
      if (typeof n === 'number' && !ports.has(n)) ctx.add(MeshCodes.gatewayPortNotOnService, 'warning', gw, `listens on port ${n}, which no Service of its workload (selector ${selectorText(sel)}) exposes: clients cannot reach that port through the Service`, M.GatewayPortNotDefinedOnService);
    }
  }
  for (const gw of gws) {
    const pods = new Set(selectedBy(gw));
    if (pods.size === 0) continue;
    list(gw.spec?.servers).forEach((server) => {
      const conflicts = new Set<string>();
      for (const other of gws) {
        if (other === gw || !selectedBy(other).some((p) => pods.has(p))) continue;
        for (const os of list(other.spec?.servers)) {
          if (os?.port?.number !== server?.port?.number || (os?.bind ?? '') !== (server?.bind ?? '')) continue;
          if (list(server?.hosts).some((h) => list(os?.hosts).some((x) => hostsOverlap(stripNs(String(h)), stripNs(String(x)))))) conflicts.add(`${other.metadata.namespace}/${other.metadata.name}`);
        }
      }
      if (conflicts.size > 0) ctx.add(MeshCodes.conflictingGateways, 'error', gw, `conflicts with gateways ${[...conflicts].sort().join(', ')} (same workload, port ${server?.port?.number}, hosts ${list(server?.hosts).join(', ')}): the proxy serves only one of them`, M.ConflictingGateways);
    });
  }
}

const stripNs = (h: string) => (h.includes('/') ? h.slice(h.indexOf('/') + 1) : h);

/** ProtocolAddressesAnalyzer and ConflictingServiceEntryProtocolAnalyzer. */
function serviceEntries(ctx: AnalyzeContext): void {
  const ses = ctx.mesh.objects.serviceEntries;
  const autoAllocate = meshAutoAllocates(ctx);
  for (const se of ses) {
    if (se.spec?.addresses !== undefined || list(se.status?.addresses).length > 0 || autoAllocate) continue;
    for (const p of list(se.spec?.ports)) {
      if (p?.protocol === undefined || p.protocol === '' || String(p.protocol).toUpperCase() === 'TCP') ctx.add(MeshCodes.serviceEntryAddressesRequired, 'warning', se, `port ${p?.number} serves TCP${p?.protocol ? '' : ' (no protocol)'} without spec.addresses: the sidecar cannot tell its connections apart by destination IP (set addresses, or let istiod allocate them with ISTIO_META_DNS_AUTO_ALLOCATE)`, M.ServiceEntryAddressesRequired);
    }
  }
  const index = new Map<string, { protocol: string; se: Obj }[]>();
  for (const se of ses) {
    for (const scope of exportScopes(se.spec?.exportTo, se.metadata.namespace)) {
      for (const h of list(se.spec?.hosts)) for (const p of list(se.spec?.ports)) {
        const key = `${scope}|${h}|${p?.number}`;
        index.set(key, [...(index.get(key) ?? []), { protocol: String(p?.protocol ?? '').toUpperCase(), se }]);
      }
    }
  }
  const reported = new Set<Obj>();
  for (const [key, entries0] of index) {
    const [scope, host, port] = key.split('|');
    const entries = scope === '*' ? entries0 : [...entries0, ...(index.get(`*|${host}|${port}`) ?? [])];
    const protocols = [...new Set(entries.map((e) => e.protocol))].sort();
    if (protocols.length < 2) continue;
    const names = [...new Set(entries.map((e) => `${e.se.metadata.namespace}/${e.se.metadata.name}`))].sort();
    for (const e of entries) {
      if (reported.has(e.se)) continue;
      reported.add(e.se);
      ctx.add(MeshCodes.conflictingServiceEntryProtocol, 'warning', e.se, `the ServiceEntries ${names.join(', ')} define host "${host}" port ${port} with conflicting protocols (${protocols.join(', ')})`, M.ConflictingServiceEntryProtocol);
    }
  }
}

/** MeshConfig (ConfigMap istio-system/istio, key `mesh`) with DNS capture and address auto-allocation. */
function meshAutoAllocates(ctx: AnalyzeContext): boolean {
  const text = ctx.mesh.cluster.get<Obj>('ConfigMap', 'istio-system', 'istio')?.data?.mesh;
  if (typeof text !== 'string') return false;
  try {
    const md = parseYaml(text)?.defaultConfig?.proxyMetadata ?? {};
    return md.ISTIO_META_DNS_CAPTURE === 'true' && (md.ISTIO_META_DNS_AUTO_ALLOCATE === 'true' || md.PILOT_ENABLE_IP_AUTOALLOCATE === 'true');
  } catch {
    return false;
  }
}
