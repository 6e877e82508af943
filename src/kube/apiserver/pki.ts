// The lab's API credentials, made fresh at every start: a certificate authority (CN kubernetes, as kubeadm names it),
// the API server's serving certificate (SANs as kubeadm gives kube-apiserver: kubernetes, kubernetes.default, …,
// localhost, 127.0.0.1), a client certificate for the admin user (O=system:masters) and a bearer token.
import { randomBytes, timingSafeEqual, X509Certificate } from 'node:crypto';
import { certificateAuthority, issueCertificate, type KeyPair } from '../../serve/tls-material.js';

export interface Credentials {
  ca: KeyPair;
  serving: KeyPair;
  admin: KeyPair;
  token: string;
  /** The admin user's name (the client certificate's CN). */
  user: string;
}

export class PkiError extends Error {}

export function makeCredentials(clusterDomain = 'cluster.local', host = '127.0.0.1'): Credentials {
  const ca = certificateAuthority('kubernetes');
  if (!ca) throw new PkiError('cannot make the Kubernetes API\'s certificates: the openssl command is missing or failed');
  const serving = issueCertificate(ca, {
    cn: 'kube-apiserver',
    dns: ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', `kubernetes.default.svc.${clusterDomain}`, 'localhost'],
    ip: [...new Set([host, '127.0.0.1'])],
  }, 'server');
  const user = 'podnet-admin';
  const admin = issueCertificate(ca, { cn: user, o: ['system:masters'] }, 'client');
  if (!serving || !admin) throw new PkiError('cannot make the Kubernetes API\'s certificates: openssl failed to sign them');
  return { ca, serving, admin, token: randomBytes(32).toString('base64url'), user };
}

/** Whether a bearer token is the lab's (constant-time). */
export function tokenMatches(creds: Credentials, given: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(creds.token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The user and groups a verified client certificate names (CN, O), as the API server's x509 authenticator reads them. */
export function userOfCertificate(raw: Buffer): { user: string; groups: string[] } | undefined {
  try {
    const cert = new X509Certificate(raw);
    const fields = cert.subject.split('\n');
    const cn = fields.find((f) => f.startsWith('CN='))?.slice(3);
    const groups = fields.filter((f) => f.startsWith('O=')).map((f) => f.slice(2));
    return cn ? { user: cn, groups } : undefined;
  } catch {
    return undefined;
  }
}
