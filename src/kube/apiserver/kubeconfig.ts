// The kubeconfig that points kubectl (and any client-go, Python or JavaScript client) at the lab's API: context
// `podnet`, cluster `podnet` (the lab's CA), user `podnet` (the admin client certificate, or the bearer token). The lab
// writes it to a file only the user can read; `podnet kubeconfig --merge` adds it to ~/.kube/config (or $KUBECONFIG's
// first file) as `kind` and `minikube` do, leaving every other cluster, user and context as they were.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import YAML, { isMap, isSeq, type Document } from 'yaml';
import type { Credentials } from './pki.js';

export const CONTEXT = 'podnet';
/** The same cluster with the bearer token instead of the client certificate. */
export const TOKEN_CONTEXT = 'podnet-token';

export interface KubeconfigOptions { server: string; creds: Credentials; namespace?: string }

const b64 = (s: string) => Buffer.from(s).toString('base64');

type Named = { name: string; [k: string]: unknown };
export interface Kubeconfig { clusters: Named[]; users: Named[]; contexts: Named[]; 'current-context': string; [k: string]: unknown }

/** Context `podnet` (client certificate, as kubeadm's admin.conf) and `podnet-token` (bearer token), both on cluster `podnet`. */
export function kubeconfigObject(o: KubeconfigOptions): Kubeconfig {
  const context = (name: string) => ({ name, context: { cluster: CONTEXT, user: name, namespace: o.namespace ?? 'default' } });
  return {
    apiVersion: 'v1', kind: 'Config',
    clusters: [{ name: CONTEXT, cluster: { server: o.server, 'certificate-authority-data': b64(o.creds.ca.cert) } }],
    contexts: [context(CONTEXT), context(TOKEN_CONTEXT)],
    'current-context': CONTEXT, preferences: {},
    users: [
      { name: CONTEXT, user: { 'client-certificate-data': b64(o.creds.admin.cert), 'client-key-data': b64(o.creds.admin.key) } },
      { name: TOKEN_CONTEXT, user: { token: o.creds.token } },
    ],
  };
}

export function kubeconfigText(o: KubeconfigOptions): string {
  return YAML.stringify(kubeconfigObject(o), { lineWidth: 0 });
}

export { privateDir, writePrivateFile } from '../../util/private-files.js';

/** The file `kubectl config` would change: $KUBECONFIG's first entry, else ~/.kube/config. */
export function defaultKubeconfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const first = (env.KUBECONFIG ?? '').split(delimiter).find((p) => p !== '');
  return first ?? join(env.HOME || homedir(), '.kube', 'config');
}

export class KubeconfigError extends Error {}

/**
 * Adds (or replaces, by name) the clusters, users and contexts of `source` in a kubeconfig file and makes the source's
 * current context the file's; other entries, comments and the file's mode stay. Returns the context that was current.
 */
export function mergeKubeconfig(path: string, source: Kubeconfig): { previous?: string } {
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  let doc: Document;
  try { doc = YAML.parseDocument(text); } catch (e) { throw new KubeconfigError(`${path}: ${(e as Error).message}`); }
  if (doc.errors.length) throw new KubeconfigError(`error loading config file "${path}": ${doc.errors[0].message}`);
  if (doc.contents === null || doc.contents === undefined) doc.contents = doc.createNode({ apiVersion: 'v1', kind: 'Config', preferences: {} }) as never;
  if (!isMap(doc.contents)) throw new KubeconfigError(`error loading config file "${path}": its top level is not a mapping`);
  for (const key of ['clusters', 'users', 'contexts'] as const) {
    let seq = doc.get(key);
    if (seq === null || seq === undefined) { doc.set(key, doc.createNode([])); seq = doc.get(key); }
    if (!isSeq(seq)) throw new KubeconfigError(`error loading config file "${path}": ${key} is not a list`);
    for (const entry of source[key]) {
      const i = seq.items.findIndex((it) => isMap(it) && it.get('name') === entry.name);
      const node = doc.createNode(entry);
      if (i >= 0) seq.items[i] = node; else seq.items.push(node);
    }
  }
  const previous = doc.get('current-context');
  doc.set('current-context', source['current-context']);
  const existed = existsSync(path);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, doc.toString({ lineWidth: 0 }), existed ? {} : { mode: 0o600 });
  return typeof previous === 'string' && previous !== source['current-context'] ? { previous } : {};
}
