// BackendTLSPolicy (gateway.networking.k8s.io/v1): the Gateway originates TLS to a Service's pods, with SNI
// `validation.hostname`, checking the pod's certificate against the CA certificates (caCertificateRefs: ConfigMap
// `ca.crt`, or wellKnownCACertificates "System") and the hostname, or the subjectAltNames when given. Status per
// ancestor Gateway (the Gateways whose routes send to a targeted Service): Accepted (Accepted / Conflicted /
// NoValidCACertificate / Invalid) and ResolvedRefs (ResolvedRefs / InvalidCACertificateRef / InvalidKind). Conflicts:
// policies on the same Service and sectionName, the older (then namespace/name first) wins. Source:
// apis/v1/backendtlspolicy_types.go, apis/v1/policy_types.go, conformance/tests/backendtlspolicy*.go.
// The pod side: a pod serves TLS with the kubernetes.io/tls Secret mounted in it (as the suite's echo backend does
// through TLS_SERVER_CERT); a pod without one speaks plain text, so the handshake fails.
import { X509Certificate } from 'node:crypto';
import type { KubeObject } from '../api/types.js';
import type { Cluster } from '../cluster/cluster.js';
import { cond, type Condition } from './conditions.js';
import type { CompiledGateway } from './gateway-listeners.js';
import type { RouteAttachment } from './gateway-routes.js';
import { GATEWAY_GROUP } from './refgrant.js';
import { parseTlsSecret, servedTlsSecret } from './tls.js';
import type { RouteBackend } from './types.js';

type Obj = Record<string, any>;
type PolicyObj = KubeObject & { spec: Obj };

export interface CompiledBackendTLSPolicy {
  policy: PolicyObj;
  /** Service targets (namespace/name, sectionName = the Service port's name). */
  targets: { service: string; sectionName?: string }[];
  hostname: string;
  cas: X509Certificate[];
  wellKnown?: string;
  subjectAltNames: { type: string; value: string }[];
  accepted: Condition;
  resolved: Condition;
  /** Gateways whose routes send to a target: the ancestors the status is written for. */
  ancestors: CompiledGateway[];
}

export interface BackendTLS {
  /** The policy that applies (namespace/name). */
  policy: string;
  /** The SNI the Gateway sends, and the name the pod's certificate must carry. */
  sni: string;
  caCertificateRefs?: string[];
  wellKnownCACertificates?: string;
  subjectAltNames?: string[];
  /** Why the handshake fails, when it does (the client gets 502). */
  problem?: string;
}

function created(o: KubeObject): number {
  return o.metadata.creationTimestamp ? Date.parse(o.metadata.creationTimestamp) : 0;
}

export function compileBackendTLSPolicies(cluster: Cluster, gateways: CompiledGateway[], attachments: RouteAttachment[]): CompiledBackendTLSPolicy[] {
  const policies = cluster.list<PolicyObj>('BackendTLSPolicy').sort((a, b) => (created(a) - created(b)) || (`${a.metadata.namespace}/${a.metadata.name}` < `${b.metadata.namespace}/${b.metadata.name}` ? -1 : 1));
  const taken = new Set<string>();
  const out: CompiledBackendTLSPolicy[] = [];
  for (const policy of policies) {
    const ns = policy.metadata.namespace ?? 'default';
    const gen = policy.metadata.generation ?? 1;
    const targets = ((policy.spec?.targetRefs ?? []) as Obj[]).filter((t) => (t.group ?? '') === '' && t.kind === 'Service')
      .map((t) => ({ service: `${ns}/${t.name}`, ...(t.sectionName ? { sectionName: String(t.sectionName) } : {}) }));
    const keys = targets.map((t) => `${t.service}#${t.sectionName ?? ''}`);
    const conflicted = keys.some((k) => taken.has(k));
    if (!conflicted) for (const k of keys) taken.add(k);
    const v = policy.spec?.validation ?? {};
    const cas: X509Certificate[] = [];
    let resolved = cond('ResolvedRefs', true, 'ResolvedRefs', 'Resolved all the Object references for the policy', gen);
    for (const ref of (v.caCertificateRefs ?? []) as Obj[]) {
      const kind = ref.kind ?? '';
      if ((ref.group ?? '') !== '' || kind !== 'ConfigMap') {
        if (resolved.status === 'True') resolved = cond('ResolvedRefs', false, 'InvalidKind', `caCertificateRef ${ref.group ? `${ref.group}/` : ''}${kind} ${ref.name} is not a ConfigMap`, gen);
        continue;
      }
      const cm = cluster.get<KubeObject & Obj>('ConfigMap', ns, String(ref.name));
      const pem = cm?.data?.['ca.crt'];
      let ca: X509Certificate | undefined;
      try { ca = typeof pem === 'string' ? new X509Certificate(pem) : undefined; } catch { ca = undefined; }
      if (ca) cas.push(ca);
      else if (resolved.status === 'True') resolved = cond('ResolvedRefs', false, 'InvalidCACertificateRef', !cm ? `ConfigMap ${ns}/${ref.name} not found` : pem === undefined ? `ConfigMap ${ns}/${ref.name} has no ca.crt` : `ConfigMap ${ns}/${ref.name}: ca.crt is not a PEM certificate`, gen);
    }
    const wellKnown = typeof v.wellKnownCACertificates === 'string' && v.wellKnownCACertificates !== '' ? v.wellKnownCACertificates : undefined;
    const accepted = conflicted ? cond('Accepted', false, 'Conflicted', 'An older BackendTLSPolicy targets the same Service and sectionName', gen)
      : wellKnown !== undefined && wellKnown !== 'System' ? cond('Accepted', false, 'Invalid', `wellKnownCACertificates ${JSON.stringify(wellKnown)} is not supported (System is)`, gen)
        : wellKnown === undefined && cas.length === 0 ? cond('Accepted', false, 'NoValidCACertificate', 'No caCertificateRef is a valid CA certificate', gen)
          : cond('Accepted', true, 'Accepted', 'Policy is accepted', gen);
    const targetSet = new Set(targets.map((t) => t.service));
    const ancestors = gateways.filter((g) => attachments.some((a) => a.listener.gateway === g.gateway && a.rules.some((r) => r.backendRefs.some((b) => targetSet.has(`${b.backend.namespace}/${b.backend.service}`)))));
    out.push({
      policy, targets, hostname: String(v.hostname ?? ''), cas, ...(wellKnown ? { wellKnown } : {}),
      subjectAltNames: ((v.subjectAltNames ?? []) as Obj[]).map((s) => ({ type: String(s.type), value: String(s.type === 'URI' ? s.uri : s.hostname) })),
      accepted, resolved, ancestors,
    });
  }
  return out;
}

/** The policy status as the Gateway controller writes it, one entry per ancestor Gateway. */
export function backendTLSPolicyStatus(p: CompiledBackendTLSPolicy): Obj {
  return {
    ancestors: p.ancestors.map((g) => ({
      ancestorRef: { group: GATEWAY_GROUP, kind: 'Gateway', namespace: g.gateway.metadata.namespace, name: g.gateway.metadata.name },
      controllerName: g.controllerName,
      conditions: [p.accepted, p.resolved],
    })),
  };
}

/** The accepted policy for a Service port: one naming the port's name wins over one for the whole Service. */
export function policyFor(policies: CompiledBackendTLSPolicy[], namespace: string, service: string, portName: string): CompiledBackendTLSPolicy | undefined {
  const key = `${namespace}/${service}`;
  const ok = policies.filter((p) => p.accepted.status === 'True' || p.accepted.reason === 'NoValidCACertificate');
  return ok.find((p) => p.targets.some((t) => t.service === key && t.sectionName !== undefined && t.sectionName === portName)) ??
    ok.find((p) => p.targets.some((t) => t.service === key && t.sectionName === undefined));
}

/** What the Gateway's TLS origination to the backend's pods says: SNI, trust, and the handshake's failure if any. */
export function originate(cluster: Cluster, p: CompiledBackendTLSPolicy, backend: RouteBackend): BackendTLS {
  const out: BackendTLS = {
    policy: `${p.policy.metadata.namespace}/${p.policy.metadata.name}`, sni: p.hostname,
    ...(p.cas.length > 0 || !p.wellKnown ? { caCertificateRefs: ((p.policy.spec.validation?.caCertificateRefs ?? []) as Obj[]).map((r) => String(r.name)) } : {}),
    ...(p.wellKnown ? { wellKnownCACertificates: p.wellKnown } : {}),
    ...(p.subjectAltNames.length > 0 ? { subjectAltNames: p.subjectAltNames.map((s) => `${s.type}:${s.value}`) } : {}),
  };
  if (p.accepted.status !== 'True') { out.problem = `${p.accepted.reason}: ${p.accepted.message}`; return out; }
  const podRef = backend.pods?.[0];
  if (!podRef) return out;
  const [podNs, podName] = podRef.split('/');
  const cert = servingCertificate(cluster, podNs, podName);
  if (!cert) { out.problem = `pod ${podRef} serves no TLS (no kubernetes.io/tls Secret is mounted in it): the handshake fails`; return out; }
  if (p.wellKnown === undefined && !p.cas.some((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey))) { out.problem = `the certificate of pod ${podRef} (issuer ${cert.issuer.replace(/\n/g, ', ')}) is not signed by the policy's CA certificates`; return out; }
  if (p.subjectAltNames.length > 0) {
    if (!coversSubjectAltNames(cert, p.subjectAltNames)) out.problem = `the certificate of pod ${podRef} (${cert.subjectAltName ?? 'no SAN'}) has none of the subjectAltNames ${out.subjectAltNames!.join(', ')}`;
  } else if (cert.checkHost(p.hostname) === undefined) out.problem = `the certificate of pod ${podRef} (${cert.subjectAltName ?? cert.subject}) does not cover the hostname ${p.hostname}`;
  return out;
}

/**
 * BackendTLSPolicy subjectAltNames: the certificate the backend serves must carry one of them (a Hostname as the
 * hostname check would match it, wildcards included; a URI exactly). The model and the live proxy both ask this.
 */
export function coversSubjectAltNames(cert: X509Certificate, wanted: readonly { type: string; value: string }[]): boolean {
  const sans = (cert.subjectAltName ?? '').split(',').map((s) => s.trim());
  return wanted.some((s) => (s.type === 'URI' ? sans.includes(`URI:${s.value}`) : cert.checkHost(s.value, { subject: 'never' }) !== undefined));
}

/** The certificate a pod serves: the first kubernetes.io/tls Secret among its volumes that parses. */
export function servingCertificate(cluster: Cluster, ns: string, name: string): X509Certificate | undefined {
  const secret = servedTlsSecret((sns, sname) => cluster.get('Secret', sns, sname), cluster.get<KubeObject & Obj>('Pod', ns, name));
  return secret ? parseTlsSecret(secret).cert : undefined;
}

/** originate's answer per policy and pod: it parses and verifies certificates, so once per compiled model, not per request. */
const originations = new WeakMap<CompiledBackendTLSPolicy, Map<string, BackendTLS>>();

function originateOnce(cluster: Cluster, p: CompiledBackendTLSPolicy, backend: RouteBackend): BackendTLS {
  let byPod = originations.get(p);
  if (!byPod) originations.set(p, (byPod = new Map()));
  const key = backend.pods?.[0] ?? '';
  let tls = byPod.get(key);
  if (!tls) byPod.set(key, (tls = originate(cluster, p, backend)));
  return { ...tls };
}

/** Adds the TLS origination to a Gateway answer whose backend a BackendTLSPolicy targets; a failing handshake is a 502. */
export function applyBackendTLS(cluster: Cluster, policies: CompiledBackendTLSPolicy[], result: { status: number; reason: string; backend?: RouteBackend; passthrough?: boolean; backendTLS?: BackendTLS }): void {
  const b = result.backend;
  if (policies.length === 0 || !b || result.passthrough || result.status !== 200) return;
  const svc = cluster.get<KubeObject & Obj>('Service', b.namespace, b.service);
  const portName = String(((svc?.spec?.ports ?? []) as Obj[]).find((p) => p.port === b.port)?.name ?? '');
  const p = policyFor(policies, b.namespace, b.service, portName);
  if (!p) return;
  const tls = originateOnce(cluster, p, b);
  result.backendTLS = tls;
  if (tls.problem) {
    result.status = 502;
    result.reason = `${result.reason}; BackendTLSPolicy ${tls.policy} originates TLS (SNI ${tls.sni}) but ${tls.problem}: 502`;
  } else result.reason = `${result.reason} over TLS (BackendTLSPolicy ${tls.policy}, SNI ${tls.sni})`;
}
