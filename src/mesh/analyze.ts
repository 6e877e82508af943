// `podnet mesh analyze`: configuration checks in the spirit of `istioctl analyze` (spec §4.6), each a Diagnostic with
// a PN5xxx code, the Istio message it mirrors (`istio`), the object and where it was written. Pure: reads the compiled
// mesh. VirtualService checks are in analyze-routes.ts, namespace/pod/Sidecar/Gateway/ServiceEntry checks in
// analyze-workloads.ts; DestinationRule, PeerAuthentication and AuthorizationPolicy checks here.
import type { Diagnostic } from '../api/diagnostics.js';
import { sortDiagnostics } from '../api/diagnostics.js';
import { matchesLabelSelector, matchesMapSelector } from '../api/labels.js';
import { createContext } from './analyze-context.js';
import { analyzeVirtualServices } from './analyze-routes.js';
import { analyzeWorkloads } from './analyze-workloads.js';
import { MeshCodes } from './codes.js';
import { IstioMessages as M } from './istio-messages.js';
import { servicesSelecting, portExposedByService, workloadLabels, type CompiledMesh } from './model.js';
import { applicablePeerAuthns, peerAuthnMode } from './peer-authn.js';
import { workloadOf } from './telemetry.js';

type Obj = Record<string, any>;

const KNOWN_WHEN = /^(request\.headers\[.+\]|request\.auth\.claims\[.+\]|source\.ip|remote\.ip|source\.namespace|source\.principal|request\.auth\.principal|request\.auth\.audiences|request\.auth\.presenter|destination\.ip|destination\.port|connection\.sni|experimental\.envoy\.filters\..+)$/;

export function analyzeMesh(mesh: CompiledMesh): Diagnostic[] {
  const out: Diagnostic[] = [];
  const ctx = createContext(mesh, out);
  const add = ctx.add;
  const { objects: o } = mesh;
  const pods = ctx.pods;
  const istioPlane = ctx.inMesh;
  const workloadsOf = (p: Obj) => {
    const root = p.metadata.namespace === mesh.rootNamespace;
    return pods.filter((pod) => (root || pod.metadata.namespace === p.metadata.namespace) && matchesLabelSelector(p.spec.selector, pod.metadata.labels ?? {}));
  };

  analyzeVirtualServices(ctx);
  analyzeWorkloads(ctx);

  // DestinationRules: each check on its own (an unknown host does not hide the TLS checks).
  for (const dr of o.destinationRules) {
    const entry = ctx.destinationHost(dr.metadata.namespace, dr.spec?.exportTo, String(dr.spec?.host ?? ''));
    if (!entry) add(MeshCodes.unknownDestinationRuleHost, 'warning', dr, `host "${dr.spec?.host}" matches no Service or ServiceEntry visible to namespace ${dr.metadata.namespace}`, M.UnknownDestinationRuleHost);
    const selected = dr.spec?.workloadSelector?.matchLabels && Object.keys(dr.spec.workloadSelector.matchLabels).length > 0;
    const tlsChecks: [Obj | undefined, string, boolean][] = [[dr.spec?.trafficPolicy?.tls, 'trafficPolicy.tls', false], ...((dr.spec?.trafficPolicy?.portLevelSettings ?? []) as Obj[]).map((p, i): [Obj | undefined, string, boolean] => [p?.tls, `trafficPolicy.portLevelSettings[${i}].tls`, true])];
    for (const [tls, where, portLevel] of tlsChecks) {
      // A credentialName is only read by gateways, so it verifies the server only on a DestinationRule bound to workloads.
      if (tls && (tls.mode === 'SIMPLE' || tls.mode === 'MUTUAL') && !tls.caCertificates && !(tls.credentialName && selected) && tls.insecureSkipVerify !== true) {
        add(MeshCodes.noServerCertificateVerification, 'warning', dr, `${where} mode ${tls.mode} without caCertificates: the server's certificate is not verified`, portLevel ? M.NoServerCertificateVerificationPortLevel : M.NoServerCertificateVerificationDestinationLevel);
      }
    }
    if (!entry) continue;
    const subsets = (Array.isArray(dr.spec?.subsets) ? dr.spec.subsets : []) as Obj[];
    if (subsets.length === 0) continue;
    const svc = entry.from.kind === 'Service' ? entry.from : undefined;
    // Istio matches subsets against every pod (a ServiceEntry adds its workloadSelector); a Service's subsets only
    // ever select its own endpoints, so podnet looks among the pods the Service selects.
    const candidates = svc ? (svc.spec?.selector ? pods.filter((p) => p.metadata.namespace === svc.metadata.namespace && matchesMapSelector(svc.spec.selector, p.metadata.labels ?? {})) : undefined) : pods;
    if (!candidates) continue;
    for (const s of subsets) {
      const sel = { ...(entry.selector ?? {}), ...(s?.labels ?? {}) };
      if (!candidates.some((p) => matchesMapSelector(sel, workloadLabels(mesh, p)))) {
        add(MeshCodes.subsetSelectsNoPods, 'error', dr, `subset "${s?.name}" selects no pod${svc ? ` of Service ${svc.metadata.namespace}/${svc.metadata.name}` : ''}: requests routed to it get 503 UH (no healthy upstream)`, M.DestinationRuleSubsetNotSelectPods);
      }
    }
  }

  // PeerAuthentications.
  const reported = new Set<string>();
  for (const pa of o.peerAuthentications) {
    if (pa.spec?.selector) {
      const ws = workloadsOf(pa);
      if (ws.length === 0) add(MeshCodes.peerAuthnNoWorkload, 'warning', pa, 'selector matches no workload', M.NoMatchingWorkloadsFound);
      else if (!ws.some(istioPlane)) add(MeshCodes.policyOnUnmeshedWorkload, 'warning', pa, `selects only pods without an Istio proxy (${ws.map((p) => p.metadata.name).join(', ')}): it has no effect`);
      for (const port of Object.keys(pa.spec?.portLevelMtls ?? {})) {
        if (ws.length > 0 && !ws.some((p) => portExposedByService(mesh, p, Number(port)))) add(MeshCodes.ineffectivePortLevelMtls, 'warning', pa, `portLevelMtls for port ${port}: no Service exposes that target port of the selected workloads, so the setting is ignored (use the container port, not the Service port)`, M.IneffectivePolicy);
      }
    } else if (pa.spec?.portLevelMtls && Object.keys(pa.spec.portLevelMtls).length > 0) {
      add(MeshCodes.ineffectivePortLevelMtls, 'warning', pa, 'portLevelMtls is ignored on a policy without a selector', M.IneffectivePolicy);
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
    for (const [i, rule] of ((Array.isArray(ap.spec?.rules) ? ap.spec.rules : []) as Obj[]).entries()) {
      for (const [j, from] of ((Array.isArray(rule?.from) ? rule.from : []) as Obj[]).entries()) {
        for (const field of ['namespaces', 'notNamespaces']) {
          for (const ns of (Array.isArray(from?.source?.[field]) ? from.source[field] : []) as string[]) {
            if (![...mesh.namespaces.keys()].some((n) => namespaceMatches(n, String(ns)))) add(MeshCodes.authzNamespaceNotFound, 'error', ap, `Referenced namespace not found: "${ns}" (rules[${i}].from[${j}].source.${field})`, M.ReferencedResourceNotFound);
          }
        }
      }
    }
    if (ap.spec?.targetRefs || ap.spec?.targetRef) continue;
    const root = ap.metadata.namespace === mesh.rootNamespace;
    const ws = ap.spec?.selector ? workloadsOf(ap) : pods.filter((p) => root || p.metadata.namespace === ap.metadata.namespace);
    const meshed = ws.filter(istioPlane);
    if (ap.spec?.selector && ws.length === 0) { add(MeshCodes.authzNoWorkload, 'warning', ap, 'selector matches no workload: the policy has no effect', M.NoMatchingWorkloadsFound); continue; }
    if (!ap.spec?.selector && !root && ws.length === 0) { add(MeshCodes.authzNoWorkload, 'warning', ap, `namespace ${ap.metadata.namespace} has no pods: the policy has no effect`, M.NoMatchingWorkloadsFound); continue; }
    if (ws.length > 0 && meshed.length === 0) { add(MeshCodes.policyOnUnmeshedWorkload, 'warning', ap, `applies only to pods without an Istio proxy (${ws.slice(0, 3).map((p) => p.metadata.name).join(', ')}): nothing enforces it`, M.NoMatchingWorkloadsFound); continue; }
    const usesPeer = ((ap.spec?.rules ?? []) as Obj[]).some((r) => (r?.from ?? []).some((f: Obj) => ['principals', 'namespaces', 'serviceAccounts'].some((k) => Array.isArray(f?.source?.[k]))));
    if (usesPeer && meshed.length > 0 && meshed.every((p) => peerAuthnMode(mesh.peerAuthnInput, p.metadata.namespace, p.metadata.labels ?? {}, undefined, false).mode === 'DISABLE')) {
      add(MeshCodes.principalsWithoutMtls, 'warning', ap, 'uses principals/namespaces/serviceAccounts but mTLS is DISABLE for every selected workload: peers have no identity, so those rules never match', M.IneffectivePolicy);
    }
  }
  return sortDiagnostics(out);
}

/** Istio's namespaceMatch: `*`, a `*suffix` or `prefix*` pattern, else the name (case-insensitive). */
function namespaceMatches(ns: string, exp: string): boolean {
  if (exp === '*') return true;
  if (exp.startsWith('*')) return ns.endsWith(exp.slice(1));
  if (exp.endsWith('*')) return ns.startsWith(exp.slice(0, -1));
  return ns.toLowerCase() === exp.toLowerCase();
}
