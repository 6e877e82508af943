// TLS material for the live proxy: certificates from kubernetes.io/tls Secrets in the cluster model, and a fallback
// self-signed certificate (ingress-nginx's "Kubernetes Ingress Controller Fake Certificate") made once with openssl.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

/**
 * A self-signed certificate for `cn` (and SANs), made with the openssl CLI; undefined when openssl is missing. The
 * proxy's default (fallback) certificate must be RSA: with an EC default, OpenSSL keeps serving it even after the SNI
 * callback switches to an RSA Secret's context; an RSA default lets both RSA and EC Secrets through.
 */
export function selfSignedKeyPair(cn: string, sans: string[] = [cn], keyType: 'ec' | 'rsa' = 'ec'): KeyPair | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'podnet-tls-'));
  try {
    const key = keyType === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];
    execFileSync('openssl', ['req', '-x509', ...key, '-nodes', '-days', '365',
      '-subj', `/O=Acme Co/CN=${cn}`, '-addext', `subjectAltName=${sans.map((s) => `DNS:${s}`).join(',')}`,
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Secure contexts per Secret, built once; a Secret whose PEM does not parse yields undefined (use the fallback). */
export class SecureContextCache {
  private readonly cache = new Map<string, SecureContext | undefined>();
  constructor(private readonly cluster: Cluster) {}

  get(secretRef: string): SecureContext | undefined {
    if (this.cache.has(secretRef)) return this.cache.get(secretRef);
    let ctx: SecureContext | undefined;
    const pair = keyPairOfSecret(this.cluster, secretRef);
    if (pair) {
      try {
        ctx = createSecureContext({ cert: pair.cert, key: pair.key });
      } catch {
        ctx = undefined;
      }
    }
    this.cache.set(secretRef, ctx);
    return ctx;
  }
}
