// TLS Secrets as controllers judge them. ingress-nginx loads a kubernetes.io/tls Secret only when tls.crt and tls.key
// parse as a certificate and its key, and uses it for a host only when the certificate covers the host
// (controller.go: VerifyHostname, then the Common Name; otherwise "Using default certificate"). Gateway listeners
// need a Secret that parses (else ResolvedRefs=False, InvalidCertificateRef). Parsing is pure computation (node:crypto).
import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { KubeObject } from '../api/types.js';

type Obj = Record<string, any>;

export interface ParsedTlsSecret { problem?: string; cert?: X509Certificate }

const parsed = new WeakMap<object, ParsedTlsSecret>();

function pem(secret: Obj, key: string): string | undefined {
  if (secret.stringData?.[key] !== undefined) return String(secret.stringData[key]);
  if (secret.data?.[key] === undefined) return undefined;
  return Buffer.from(String(secret.data[key]), 'base64').toString('utf8');
}

export function parseTlsSecret(secret: (KubeObject & Obj) | undefined): ParsedTlsSecret {
  if (!secret) return { problem: 'does not exist' };
  const memo = parsed.get(secret);
  if (memo) return memo;
  let out: ParsedTlsSecret;
  if (secret.type !== 'kubernetes.io/tls') out = { problem: `has type ${secret.type ?? 'Opaque'}, not kubernetes.io/tls` };
  else {
    const crt = pem(secret, 'tls.crt');
    const key = pem(secret, 'tls.key');
    if (!crt || !key) out = { problem: 'lacks tls.crt or tls.key' };
    else {
      try {
        const cert = new X509Certificate(crt);
        try {
          const k = createPrivateKey(key);
          out = cert.checkPrivateKey(k) ? { cert } : { problem: 'holds a tls.key that does not belong to its tls.crt' };
        } catch {
          out = { problem: 'holds a tls.key that is not a PEM private key' };
        }
      } catch {
        out = { problem: 'holds a tls.crt that is not a PEM certificate' };
      }
    }
  }
  parsed.set(secret, out);
  return out;
}

/** The Secret a pod serves TLS with: the first kubernetes.io/tls Secret among its volumes that parses. */
export function servedTlsSecret(get: (ns: string, name: string) => (KubeObject & Obj) | undefined, pod: Obj | undefined): (KubeObject & Obj) | undefined {
  const ns = pod?.metadata?.namespace ?? 'default';
  for (const vol of (pod?.spec?.volumes ?? []) as Obj[]) {
    const secretName = vol.secret?.secretName;
    if (!secretName) continue;
    const secret = get(ns, String(secretName));
    if (parseTlsSecret(secret).cert) return secret;
  }
  return undefined;
}

/** The PEM certificate and key of a kubernetes.io/tls Secret that parses (what a pod mounting it serves with). */
export function tlsSecretPem(secret: (KubeObject & Obj) | undefined): { cert: string; key: string } | undefined {
  if (!secret || !parseTlsSecret(secret).cert) return undefined;
  return { cert: pem(secret, 'tls.crt')!, key: pem(secret, 'tls.key')! };
}

/** Whether the certificate serves `host` (SAN DNS names, else the subject CN; a wildcard rule host needs that exact SAN). */
export function certificateCovers(cert: X509Certificate, host: string): boolean {
  if (host.startsWith('*.')) return (cert.subjectAltName ?? '').split(',').map((s) => s.trim().toLowerCase()).includes(`dns:${host}`);
  return cert.checkHost(host) !== undefined;
}
