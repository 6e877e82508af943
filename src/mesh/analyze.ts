// `podnet mesh analyze`: configuration checks in the spirit of `istioctl analyze` (spec §4.6), each a Diagnostic with
// a PN5xxx code, the object and where it was written. Pure: reads the compiled mesh.
import type { Diagnostic } from '../api/diagnostics.js';
import { sortDiagnostics } from '../api/diagnostics.js';
import { matchesLabelSelector } from '../api/labels.js';
import type { ObjectRef } from '../api/types.js';
import { storeKindOf } from '../api/kinds.js';
import { MeshCodes } from './codes.js';
import { fqdn, hostMatches, serviceOfHost } from './hosts.js';
import { portExposedByService, servicesSelecting, type CompiledMesh } from './model.js';
import { applicablePeerAuthns, peerAuthnMode } from './peer-authn.js';
import { findDestinationRule, subsetOf } from './traffic-policy.js';
import { workloadOf } from './telemetry.js';

type Obj = Record<string, any>;

const KNOWN_WHEN = /^(request\.headers\[.+\]|request\.auth\.claims\[.+\]|source\.ip|remote\.ip|source\.namespace|source\.principal|request\.auth\.principal|request\.auth\.audiences|request\.auth\.presenter|destination\.ip|destination\.port|connection\.sni|experimental\.envoy\.filters\..+)$/;

export function analyzeMesh(mesh: CompiledMesh): Diagnostic[] {
  const out: Diagnostic[] = [];
  const ref = (o: Obj): ObjectRef => ({ kind: storeKindOf(o.kind, o.apiVersion), namespace: o.metadata.namespace ?? '', name: o.metadata.name });
  const add = (code: string, level: Diagnostic['level'], o: Obj, message: string) => out.push({ code, level, object: ref(o), source: mesh.cluster.sourceOf(ref(o)), message: `${o.kind} ${o.metadata.namespace}/${o.metadata.name}: ${message}` });
  const { objects: o, clusterDomain } = mesh;
  const pods = [...mesh.pods.values()];
  const istioPlane = (p: Obj) => ['sidecar', 'ambient'].includes(mesh.memberships.get(`${p.metadata.namespace}/${p.metadata.name}`)?.dataPlane ?? 'none');
  const knownHost = (host: string) => {
    const svc = serviceOfHost(host, clusterDomain);
    if (svc && mesh.cluster.get('Service', svc.namespace, svc.name)) return true;
    return o.serviceEntries.some((se) => (se.spec?.hosts ?? []).some((h: string) => hostMatches(h, host)));
  };
  const workloadsOf = (p: Obj) => {
    const root = p.metadata.namespace === mesh.rootNamespace;
    return pods.filter((pod) => (root || pod.metadata.namespace === p.metadata.namespace) && matchesLabelSelector(p.spec.selector, pod.metadata.labels ?? {}));
  };

  // VirtualServices.
  const meshHosts = new Map<string, Obj>();
  for (const vs of o.virtualServices) {
    const ns = vs.metadata.namespace;
    const gws: string[] = Array.isArray(vs.spec?.gateways) ? vs.spec.gateways : [];
    for (const g of gws) {
      if (g === 'mesh') continue;
      const [gns, gname] = g.includes('/') ? g.split('/') : [ns, g];
      if (!o.gateways.some((x) => x.metadata.namespace === gns && x.metadata.name === gname)) add(MeshCodes.gatewayNotFound, 'error', vs, `Referenced gateway not found: "${g}"`);
    }
    if (gws.length === 0 || gws.includes('mesh')) {
      for (const h of (vs.spec?.hosts ?? []) as string[]) {
        const f = fqdn(String(h), ns, clusterDomain);
        const prev = meshHosts.get(f);
        if (prev) add(MeshCodes.conflictingVirtualServiceHosts, 'error', vs, `host "${f}" is also defined by VirtualService ${prev.metadata.namespace}/${prev.metadata.name}; sidecars use only one of them`);
        else meshHosts.set(f, vs);
      }
    }
    const rules: [string, Obj[]][] = [['http', vs.spec?.http ?? []], ['tcp', vs.spec?.tcp ?? []], ['tls', vs.spec?.tls ?? []]];
    for (const [kind, list] of rules) {
      if (!Array.isArray(list)) continue;
      list.forEach((rule: Obj, i: number) => {
        const route: Obj[] = Array.isArray(rule?.route) ? rule.route : [];
        for (const r of route) {
          const host = r?.destination?.host;
          if (typeof host !== 'string') continue;
          const f = fqdn(host, ns, clusterDomain);
          if (!knownHost(f)) { add(MeshCodes.hostNotFound, 'error', vs, `Referenced host not found: "${host}" (${kind}[${i}])`); continue; }
          const svcRef = serviceOfHost(f, clusterDomain);
          const svcPorts = svcRef ? (mesh.cluster.get<Obj>('Service', svcRef.namespace, svcRef.name)?.spec?.ports ?? []) : [];
          if (gws.some((g) => g !== 'mesh') && svcPorts.length > 1 && r.destination.port?.number === undefined) {
            add(MeshCodes.destinationPortRequired, 'error', vs, `${kind}[${i}] routes gateway traffic to ${host}, which exposes ${svcPorts.length} ports, without destination.port`);
          }
          const subset = r.destination.subset;
          if (subset) {
            const svc = serviceOfHost(f, clusterDomain);
            const dr = findDestinationRule(o.destinationRules, f, ns, svc?.namespace, mesh.rootNamespace, clusterDomain);
            if (!subsetOf(dr, subset)) add(MeshCodes.subsetNotFound, 'error', vs, `Referenced host+subset in destinationrule not found: "${host}+${subset}" (${kind}[${i}]); requests routed there get 503 NR`);
          }
        }
        if (route.length > 1) {
          const sum = route.reduce((a, r) => a + (typeof r?.weight === 'number' ? r.weight : 0), 0);
          if (sum !== 100) add(MeshCodes.weightsNot100, 'warning', vs, `${kind}[${i}] route weights sum to ${sum}, not 100 (Istio normalizes them: ${route.map((r) => `${r?.destination?.subset ?? r?.destination?.host}=${sum ? Math.round(((r?.weight ?? 0) * 1000) / sum) / 10 : 0}%`).join(', ')})`);
        }
      });
    }
    const http: Obj[] = Array.isArray(vs.spec?.http) ? vs.spec.http : [];
    const catchAll = http.findIndex((r) => !Array.isArray(r?.match) || r.match.length === 0 || r.match.some((m: Obj) => m && Object.keys(m).length === 0) || r.match.some((m: Obj) => m?.uri?.prefix === '/' && Object.keys(m).length === 1));
    if (catchAll >= 0) {
      for (let i = catchAll + 1; i < http.length; i++) add(MeshCodes.unreachableRule, 'warning', vs, `http[${i}] is unreachable: http[${catchAll}] matches every request`);
    }
  }

  // DestinationRules.
  for (const dr of o.destinationRules) {
    const host = fqdn(String(dr.spec?.host ?? ''), dr.metadata.namespace, clusterDomain);
    if (!knownHost(host) && !host.includes('*')) { add(MeshCodes.unknownDestinationRuleHost, 'warning', dr, `host "${dr.spec?.host}" matches no Service or ServiceEntry`); continue; }
    const tlsChecks: [Obj | undefined, string][] = [[dr.spec?.trafficPolicy?.tls, 'trafficPolicy.tls'], ...((dr.spec?.trafficPolicy?.portLevelSettings ?? []) as Obj[]).map((p, i): [Obj | undefined, string] => [p?.tls, `trafficPolicy.portLevelSettings[${i}].tls`])];
    for (const [tls, where] of tlsChecks) {
      if (tls && (tls.mode === 'SIMPLE' || tls.mode === 'MUTUAL') && !tls.caCertificates && !tls.credentialName && tls.insecureSkipVerify !== true) {
        add(MeshCodes.noServerCertificateVerification, 'warning', dr, `${where} mode ${tls.mode} without caCertificates: the server's certificate is not verified`);
      }
    }
    const svc = serviceOfHost(host, clusterDomain);
    const svcObj = svc ? mesh.cluster.get<Obj>('Service', svc.namespace, svc.name) : undefined;
    if (!svcObj?.spec?.selector) continue;
    const backends = pods.filter((p) => p.metadata.namespace === svc!.namespace && matchesLabelSelector({ matchLabels: svcObj.spec.selector }, p.metadata.labels ?? {}));
    for (const s of (dr.spec?.subsets ?? []) as Obj[]) {
      if (!backends.some((p) => matchesLabelSelector({ matchLabels: s.labels ?? {} }, p.metadata.labels ?? {}))) {
        add(MeshCodes.subsetSelectsNoPods, 'error', dr, `subset "${s.name}" selects no pod of Service ${svc!.namespace}/${svc!.name}: requests routed to it get 503 UH (no healthy upstream)`);
      }
    }
  }

  // PeerAuthentications.
  const reported = new Set<string>();
  for (const pa of o.peerAuthentications) {
    if (pa.spec?.selector) {
      const ws = workloadsOf(pa);
      if (ws.length === 0) add(MeshCodes.peerAuthnNoWorkload, 'warning', pa, 'selector matches no workload');
      else if (!ws.some(istioPlane)) add(MeshCodes.policyOnUnmeshedWorkload, 'warning', pa, `selects only pods without an Istio proxy (${ws.map((p) => p.metadata.name).join(', ')}): it has no effect`);
      for (const port of Object.keys(pa.spec?.portLevelMtls ?? {})) {
        if (ws.length > 0 && !ws.some((p) => portExposedByService(mesh, p, Number(port)))) add(MeshCodes.ineffectivePortLevelMtls, 'warning', pa, `portLevelMtls for port ${port}: no Service exposes that target port of the selected workloads, so the setting is ignored (use the container port, not the Service port)`);
      }
    } else if (pa.spec?.portLevelMtls && Object.keys(pa.spec.portLevelMtls).length > 0) {
      add(MeshCodes.ineffectivePortLevelMtls, 'warning', pa, 'portLevelMtls is ignored on a policy without a selector');
    }
  }
  for (const pod of pods) {
    const a = applicablePeerAuthns(mesh.peerAuthnInput, pod.metadata.namespace, pod.metadata.labels ?? {});
    for (const group of a.conflicts) {
      const key = group.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).join(',');
      if (reported.has(key)) continue;
      reported.add(key);
      for (const p of group.slice(1)) add(MeshCodes.conflictingPeerAuthentications, 'warning', p, `conflicts with PeerAuthentication ${group[0].metadata.namespace}/${group[0].metadata.name} at the same level; the oldest (${group[0].metadata.name}) applies and this one is ignored`);
    }
  }
  const plaintextPods = pods.filter((p) => p.metadata.namespace !== 'kube-system' && p.spec?.hostNetwork !== true && mesh.memberships.get(`${p.metadata.namespace}/${p.metadata.name}`)?.dataPlane === 'none');
  if (plaintextPods.length > 0) {
    for (const pa of o.peerAuthentications.filter((p) => p.spec?.mtls?.mode === 'STRICT')) {
      const affected = pa.spec?.selector ? workloadsOf(pa) : pods.filter((p) => pa.metadata.namespace === mesh.rootNamespace || p.metadata.namespace === pa.metadata.namespace);
      const served = affected.filter((p) => istioPlane(p) && servicesSelecting(mesh, p).length > 0 && peerAuthnMode(mesh.peerAuthnInput, p.metadata.namespace, p.metadata.labels ?? {}, undefined, false).policy === `${pa.metadata.namespace}/${pa.metadata.name}`);
      if (served.length === 0) continue;
      const names = [...new Set(plaintextPods.map((p) => `${p.metadata.namespace}/${workloadOf(mesh, p)}`))];
      const workloads = [...new Set(served.map((p) => workloadOf(mesh, p)))];
      add(MeshCodes.strictWithPlaintextClients, 'warning', pa, `STRICT mTLS on ${workloads.length} serving workload(s) (${workloads.slice(0, 3).join(', ')}${workloads.length > 3 ? ', ...' : ''}) while ${names.length} workload(s) have no mesh proxy (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', ...' : ''}): their plaintext requests are rejected`);
    }
  }

  // AuthorizationPolicies.
  for (const ap of o.authorizationPolicies) {
    const action = ap.spec?.action ?? 'ALLOW';
    if (action === 'CUSTOM' && !ap.spec?.provider?.name) add(MeshCodes.invalidAuthorizationPolicy, 'error', ap, 'action CUSTOM needs provider.name');
    for (const [i, rule] of ((Array.isArray(ap.spec?.rules) ? ap.spec.rules : []) as Obj[]).entries()) {
      for (const w of (Array.isArray(rule?.when) ? rule.when : []) as Obj[]) {
        if (!KNOWN_WHEN.test(String(w?.key ?? ''))) add(MeshCodes.invalidAuthorizationPolicy, 'error', ap, `rules[${i}].when key "${w?.key}" is not a supported attribute`);
      }
    }
    if (ap.spec?.targetRefs || ap.spec?.targetRef) continue;
    const ws = ap.spec?.selector ? workloadsOf(ap) : pods.filter((p) => ap.metadata.namespace === mesh.rootNamespace || p.metadata.namespace === ap.metadata.namespace);
    if (ap.spec?.selector && ws.length === 0) { add(MeshCodes.authzNoWorkload, 'warning', ap, 'selector matches no workload: the policy has no effect'); continue; }
    const meshed = ws.filter(istioPlane);
    if (ws.length > 0 && meshed.length === 0) { add(MeshCodes.policyOnUnmeshedWorkload, 'warning', ap, `applies only to pods without an Istio proxy (${ws.slice(0, 3).map((p) => p.metadata.name).join(', ')}): nothing enforces it`); continue; }
    const usesPeer = ((ap.spec?.rules ?? []) as Obj[]).some((r) => (r?.from ?? []).some((f: Obj) => ['principals', 'namespaces', 'serviceAccounts'].some((k) => Array.isArray(f?.source?.[k]))));
    if (usesPeer && meshed.length > 0 && meshed.every((p) => peerAuthnMode(mesh.peerAuthnInput, p.metadata.namespace, p.metadata.labels ?? {}, undefined, false).mode === 'DISABLE')) {
      add(MeshCodes.principalsWithoutMtls, 'warning', ap, 'uses principals/namespaces/serviceAccounts but mTLS is DISABLE for every selected workload: peers have no identity, so those rules never match');
    }
  }
  return sortDiagnostics(out);
}
