// Gateway-level fields a controller checks besides its listeners (gateway.networking.k8s.io/v1 gateway_types.go):
// frontend client-certificate validation (spec.tls.frontend, GEP-91: default and perPort, the CA references judged on
// every matching HTTPS listener's ResolvedRefs, InsecureFrontendValidationMode when a fallback is allowed), the client
// certificate the Gateway presents to backends (spec.tls.backend.clientCertificateRef → the Gateway's ResolvedRefs),
// spec.infrastructure.parametersRef (InvalidParameters) and requested spec.addresses (UnsupportedAddress). podnet takes
// a ConfigMap as parameters (it reads none of it) and IPAddress / Hostname addresses.
import { X509Certificate } from 'node:crypto';
import type { KubeObject } from '../api/types.js';
import type { Cluster } from '../cluster/cluster.js';
import { cond, type Condition } from './conditions.js';
import { GATEWAY_GROUP, referencePermitted } from './refgrant.js';
import { parseTlsSecret } from './tls.js';

type Obj = Record<string, any>;

export interface FrontendValidation { mode: 'AllowValidOnly' | 'AllowInsecureFallback'; caCertificateRefs: string[]; cas: X509Certificate[] }

/** The frontend validation for a listener port (a perPort entry, else the default), and the ResolvedRefs problem if any. */
export function frontendValidationFor(cluster: Cluster, gw: KubeObject & { spec?: Obj }, port: number): { validation?: FrontendValidation; problem?: { reason: string; message: string } } {
  const f = gw.spec?.tls?.frontend;
  if (!f) return {};
  const cfg = ((f.perPort ?? []) as Obj[]).find((p) => p.port === port)?.tls?.validation ?? f.default?.validation;
  if (!cfg) return {};
  const ns = gw.metadata.namespace ?? 'default';
  const validation: FrontendValidation = { mode: cfg.mode === 'AllowInsecureFallback' ? 'AllowInsecureFallback' : 'AllowValidOnly', caCertificateRefs: [], cas: [] };
  let problem: { reason: string; message: string } | undefined;
  for (const ref of (cfg.caCertificateRefs ?? []) as Obj[]) {
    const refNs = ref.namespace ?? ns;
    const name = String(ref.name);
    if ((ref.group ?? '') !== '' || (ref.kind ?? 'ConfigMap') !== 'ConfigMap') { problem ??= { reason: 'InvalidCACertificateKind', message: `caCertificateRef ${ref.group ? `${ref.group}/` : ''}${ref.kind} ${name} is not a ConfigMap` }; continue; }
    if (!referencePermitted(cluster, { group: GATEWAY_GROUP, kind: 'Gateway', namespace: ns }, { group: '', kind: 'ConfigMap', namespace: refNs, name })) {
      problem ??= { reason: 'RefNotPermitted', message: `caCertificateRef to ConfigMap ${refNs}/${name} is not permitted: no ReferenceGrant in namespace ${refNs} allows Gateways from ${ns}` };
      continue;
    }
    const pem = cluster.get<KubeObject & Obj>('ConfigMap', refNs, name)?.data?.['ca.crt'];
    let ca: X509Certificate | undefined;
    try { ca = typeof pem === 'string' ? new X509Certificate(pem) : undefined; } catch { ca = undefined; }
    if (!ca) { problem ??= { reason: 'InvalidCACertificateRef', message: `ConfigMap ${refNs}/${name} ${pem === undefined ? 'does not exist or has no ca.crt' : 'holds a ca.crt that is not a PEM certificate'}` }; continue; }
    validation.cas.push(ca);
    validation.caCertificateRefs.push(`${refNs}/${name}`);
  }
  return { validation, ...(problem ? { problem } : {}) };
}

/** Gateway conditions beyond Accepted/Programmed, and the reason Accepted is False when a Gateway field makes it so. */
export function gatewaySpecConditions(cluster: Cluster, gw: KubeObject & { spec?: Obj }): { notAccepted?: Condition; extra: Condition[] } {
  const gen = gw.metadata.generation ?? 1;
  const ns = gw.metadata.namespace ?? 'default';
  const extra: Condition[] = [];
  let notAccepted: Condition | undefined;
  const p = gw.spec?.infrastructure?.parametersRef;
  if (p && !((p.group ?? '') === '' && p.kind === 'ConfigMap' && cluster.get('ConfigMap', ns, String(p.name)))) {
    notAccepted = cond('Accepted', false, 'InvalidParameters', `infrastructure.parametersRef ${p.group ? `${p.group}/` : ''}${p.kind} ${p.name} ${(p.group ?? '') === '' && p.kind === 'ConfigMap' ? 'does not exist' : 'is not a kind podnet takes parameters from (a ConfigMap)'}`, gen);
  }
  for (const [i, a] of ((gw.spec?.addresses ?? []) as Obj[]).entries()) {
    const type = a.type ?? 'IPAddress';
    if (type !== 'IPAddress' && type !== 'Hostname') {
      notAccepted ??= cond('Accepted', false, 'UnsupportedAddress', `spec.addresses[${i}]: ${type} ${JSON.stringify(a.value ?? '')} is not an address type podnet can assign (IPAddress, Hostname)`, gen);
    }
  }
  const modes = [gw.spec?.tls?.frontend?.default?.validation?.mode, ...((gw.spec?.tls?.frontend?.perPort ?? []) as Obj[]).map((x) => x.tls?.validation?.mode)];
  if (modes.includes('AllowInsecureFallback')) extra.push(cond('InsecureFrontendValidationMode', true, 'ConfigurationChanged', 'A frontend validation allows clients without a valid certificate (AllowInsecureFallback)', gen));
  const backend = gw.spec?.tls?.backend;
  if (backend) {
    const ref = backend.clientCertificateRef as Obj | undefined;
    let resolved = cond('ResolvedRefs', true, 'ResolvedRefs', 'All references are resolved', gen);
    if (ref) {
      const refNs = ref.namespace ?? ns;
      if ((ref.group ?? '') !== '' || (ref.kind ?? 'Secret') !== 'Secret') resolved = cond('ResolvedRefs', false, 'InvalidClientCertificateRef', `clientCertificateRef ${ref.group ? `${ref.group}/` : ''}${ref.kind} ${ref.name} is not a Secret`, gen);
      else if (!referencePermitted(cluster, { group: GATEWAY_GROUP, kind: 'Gateway', namespace: ns }, { group: '', kind: 'Secret', namespace: refNs, name: String(ref.name) })) resolved = cond('ResolvedRefs', false, 'RefNotPermitted', `clientCertificateRef to Secret ${refNs}/${ref.name} is not permitted: no ReferenceGrant in namespace ${refNs} allows Gateways from ${ns}`, gen);
      else {
        const problem = parseTlsSecret(cluster.get('Secret', refNs, String(ref.name))).problem;
        if (problem) resolved = cond('ResolvedRefs', false, 'InvalidClientCertificateRef', `Secret ${refNs}/${ref.name} ${problem}`, gen);
      }
    }
    extra.push(resolved);
  }
  return { ...(notAccepted ? { notAccepted } : {}), extra };
}

/** GatewayClass Accepted: a parametersRef must name an existing ConfigMap (InvalidParameters otherwise). */
export function gatewayClassAccepted(cluster: Cluster, gc: KubeObject & { spec?: Obj }): Condition {
  const gen = gc.metadata.generation ?? 1;
  const p = gc.spec?.parametersRef;
  if (p && !((p.group ?? '') === '' && p.kind === 'ConfigMap' && typeof p.namespace === 'string' && cluster.get('ConfigMap', p.namespace, String(p.name)))) {
    return cond('Accepted', false, 'InvalidParameters', `parametersRef ${p.group ? `${p.group}/` : ''}${p.kind} ${p.namespace ? `${p.namespace}/` : ''}${p.name} ${(p.group ?? '') === '' && p.kind === 'ConfigMap' ? (p.namespace ? 'does not exist' : 'needs a namespace') : 'is not a kind podnet takes parameters from (a ConfigMap)'}`, gen);
  }
  return cond('Accepted', true, 'Accepted', 'Handled by the emulated controller', gen);
}
