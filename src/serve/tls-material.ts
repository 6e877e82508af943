// TLS material for the live servers: certificates from kubernetes.io/tls Secrets in the cluster model, a fallback
// self-signed certificate (ingress-nginx's "Kubernetes Ingress Controller Fake Certificate"), and the lab's own
// certificate authority with the Kubernetes API's serving and client certificates, all made with the openssl CLI.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { KubeObject } from '../api/types.js';
import type { Cluster } from '../cluster/cluster.js';

type Obj = Record<string, any>;

export interface KeyPair { cert: string; key: string }

/** tls.crt / tls.key of a Secret `ns/name` (data is base64, stringData plain), or undefined. */
export function keyPairOfSecret(cluster: Cluster, ref: string): KeyPair | undefined {
  const [ns, name] = ref.split('/');
  const s = cluster.get<KubeObject & Obj>('Secret', ns, name);
  if (!s) return undefined;
  const pick = (k: string): string | undefined => (s.stringData?.[k] ?? (s.data?.[k] !== undefined ? Buffer.from(String(s.data[k]), 'base64').toString('utf8') : undefined));
  const cert = pick('tls.crt');
  const key = pick('tls.key');
  return cert && key ? { cert, key } : undefined;
}

/** Runs openssl in a private temporary folder; `files` are written there first, `read` are returned. */
function withOpenssl(files: Record<string, string>, runs: string[][], read: string[]): Record<string, string> | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'podnet-tls-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text, { mode: 0o600 });
    for (const args of runs) execFileSync('openssl', args, { stdio: 'ignore', cwd: dir });
    return Object.fromEntries(read.map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/**
 * A self-signed certificate for `cn` (and SANs), made with the openssl CLI; undefined when openssl is missing. The
 * proxy's default (fallback) certificate must be RSA: with an EC default, OpenSSL keeps serving it even after the SNI
 * callback switches to an RSA Secret's context; an RSA default lets both RSA and EC Secrets through.
 */
export function selfSignedKeyPair(cn: string, sans: string[] = [cn], keyType: 'ec' | 'rsa' = 'ec'): KeyPair | undefined {
  const key = keyType === 'rsa' ? ['-newkey', 'rsa:2048', '-nodes'] : EC_KEY;
  const r = withOpenssl({}, [['req', '-x509', ...key, '-days', '365', '-subj', `/O=Acme Co/CN=${cn}`,
    '-addext', `subjectAltName=${sans.map((s) => `DNS:${s}`).join(',')}`, '-keyout', 'key.pem', '-out', 'cert.pem']], ['cert.pem', 'key.pem']);
  return r && { cert: r['cert.pem'], key: r['key.pem'] };
}

/** A certificate authority (as kubeadm makes one per cluster: CN `kubernetes`), valid for ten years. */
export function certificateAuthority(cn: string): KeyPair | undefined {
  const r = withOpenssl({}, [['req', '-x509', ...EC_KEY, '-days', '3650', '-subj', `/CN=${cn}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign',
    '-keyout', 'key.pem', '-out', 'cert.pem']], ['cert.pem', 'key.pem']);
  return r && { cert: r['cert.pem'], key: r['key.pem'] };
}

export interface Subject {
  cn: string;
  /** Organizations: a client certificate's groups, as the API server reads them. */
  o?: string[];
  dns?: string[];
  ip?: string[];
}

/** A certificate signed by `ca`, for a TLS server (SANs) or a client (clientAuth), valid for a year. */
export function issueCertificate(ca: KeyPair, subject: Subject, usage: 'server' | 'client'): KeyPair | undefined {
  const subj = `${(subject.o ?? []).map((o) => `/O=${o}`).join('')}/CN=${subject.cn}`;
  const sans = [...(subject.dns ?? []).map((d) => `DNS:${d}`), ...(subject.ip ?? []).map((i) => `IP:${i}`)];
  const ext = ['-addext', 'basicConstraints=critical,CA:FALSE', '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment',
    '-addext', `extendedKeyUsage=${usage === 'server' ? 'serverAuth' : 'clientAuth'}`, ...(sans.length ? ['-addext', `subjectAltName=${sans.join(',')}`] : [])];
  const r = withOpenssl({ 'ca.pem': ca.cert, 'ca-key.pem': ca.key }, [['req', '-x509', ...EC_KEY, '-days', '365', '-subj', subj,
    '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', ...ext, '-keyout', 'key.pem', '-out', 'cert.pem']], ['cert.pem', 'key.pem']);
  return r && { cert: r['cert.pem'], key: r['key.pem'] };
}

/** Secure contexts per Secret, built once; a Secret whose PEM does not parse yields undefined (use the fallback). */
export class SecureContextCache {
  private readonly cache = new Map<string, SecureContext | undefined>();
  constructor(private readonly cluster: Cluster) {}

  /** `clients`: the CA certificates client certificates are verified against, cached under `clients.key`. */
  get(secretRef: string, clients?: { key: string; ca: string[] }): SecureContext | undefined {
    const key = clients ? `${secretRef}|${clients.key}` : secretRef;
    if (this.cache.has(key)) return this.cache.get(key);
    let ctx: SecureContext | undefined;
    const pair = keyPairOfSecret(this.cluster, secretRef);
    if (pair) {
      try {
        ctx = createSecureContext({ cert: pair.cert, key: pair.key, ...(clients ? { ca: clients.ca } : {}) });
      } catch {
        ctx = undefined;
      }
    }
    this.cache.set(key, ctx);
    return ctx;
  }
}
