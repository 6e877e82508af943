// The only place podnet talks to a real cluster. With @kubernetes/client-node's KubeConfig (the context's credentials:
// client certificates, tokens, exec plugins, its CA and proxy) it reads what the engine models: discovery (/api, /apis)
// says which group-versions the server serves, then every modelled kind is listed in parallel, in pages of 500 as
// kubectl pages (`limit`/`continue`). What could not be read (RBAC 403, a kind the server does not serve) is recorded,
// never dropped silently. The objects are given back as `kubectl get -o yaml` prints them: items that carry apiVersion
// and kind, without managedFields.
import http from 'node:http';
import https from 'node:https';
import WebSocket from 'ws';
import { allKinds } from '../api/kinds.js';
import type { KubeObject } from '../api/types.js';
import { chooseContext, KubeconfigChoiceError, type ChosenContext, type KubeconfigChoice } from './contexts.js';

export { KubeconfigChoiceError, type KubeconfigChoice } from './contexts.js';

/** A failure that ends the command (unreachable server, bad credentials), worded as kubectl words it. */
export class ClusterReadError extends Error {}

/** A kind the listing could not see, and why. */
export interface UnseenKind {
  kind: string;
  /** The group-version tried (the preferred one the server serves), or the kind's first when none is served. */
  apiVersion: string;
  resource: string;
  reason: 'Forbidden' | 'NotFound' | 'NotServed' | 'Error';
  message: string;
}

export interface ClusterListing {
  context: string;
  server: string;
  objects: KubeObject[];
  unseen: UnseenKind[];
  /** Kinds listed (served and readable). */
  kinds: number;
  /** Each kind listed, with the resourceVersion a watch continues from. */
  lists: KindList[];
}

export interface ListProgress { kindsDone: number; kindsTotal: number; objects: number }

const PAGE = 500;
const TIMEOUT_MS = 30_000;
/** A listing bigger than this is refused rather than filling memory (a 10,000-pod cluster lists in ~100 MiB). */
const MAX_BODY_BYTES = 512 * 2 ** 20;
/** What an exec may print: a probe's answer is a few lines, so a command that floods is cut off, not gathered. */
const MAX_EXEC_OUTPUT = 2 ** 20;

export interface Answer { status: number; body: any; text: string }

/** A client for one context: GET with the context's credentials, errors in kubectl's words. */
export class KubeClient {
  private options?: Promise<https.RequestOptions>;
  private constructor(readonly chosen: ChosenContext) {}

  /** The context's TLS material and Authorization, once per client; its agent keeps connections for the next list. */
  private async credentials(): Promise<https.RequestOptions> {
    const opts: https.RequestOptions = { method: 'GET', headers: { Accept: 'application/json', 'User-Agent': 'podnet' } };
    try {
      await this.chosen.kc.applyToHTTPSOptions(opts);
    } catch (e) {
      this.options = undefined;
      throw new ClusterReadError(`cannot use the credentials of context "${this.context}": ${(e as Error).message}`);
    }
    if (opts.agent instanceof http.Agent) Object.assign(opts.agent, { keepAlive: true });
    return opts;
  }

  /** Closes the kept connections. */
  close(): void {
    void this.options?.then((o) => (o.agent instanceof http.Agent ? o.agent.destroy() : undefined), () => undefined);
  }

  static open(choice: KubeconfigChoice, env: NodeJS.ProcessEnv = process.env): KubeClient {
    return new KubeClient(chooseContext(choice, env));
  }

  get context(): string { return this.chosen.context; }
  get server(): string { return this.chosen.cluster.server; }

  /** GET a path; resolves with any HTTP status, rejects with ClusterReadError when the server cannot be reached. */
  async get(path: string): Promise<Answer> {
    return read(await this.request(path), `GET ${path}`);
  }

  /**
   * A write (POST, DELETE…) with a JSON body; resolves with any HTTP status, as `get` does. A PATCH names its format
   * (`application/strategic-merge-patch+json`, `application/merge-patch+json`, `application/json-patch+json`).
   */
  async send(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Answer> {
    const res = await this.request(path, { method, body: body === undefined ? undefined : JSON.stringify(body), contentType });
    return read(res, `${method} ${path}`);
  }

  /**
   * `kubectl exec POD -c CONTAINER -- COMMAND` without stdin: the WebSocket protocol kubectl speaks since 1.30
   * (v5.channel.k8s.io, v4 accepted), stdout and stderr gathered, the exit code from the final Status on channel 3.
   * A Status that is neither Success nor NonZeroExitCode (no such container, exec refused) rejects with its message.
   */
  async exec(namespace: string, pod: string, container: string, command: readonly string[], timeoutMs = TIMEOUT_MS): Promise<ExecAnswer> {
    const opts = await (this.options ??= this.credentials());
    const q = new URLSearchParams([['container', container], ['stdout', 'true'], ['stderr', 'true'], ...command.map((c) => ['command', c])]);
    const url = new URL(`${this.server.replace(/\/+$/, '')}/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/exec?${q}`);
    url.protocol = url.protocol === 'http:' ? 'ws:' : 'wss:';
    const headers = { ...(opts.headers as Record<string, string>) };
    delete headers.Accept;
    const tls = { ca: opts.ca, cert: opts.cert, key: opts.key, pfx: opts.pfx, passphrase: opts.passphrase, rejectUnauthorized: opts.rejectUnauthorized, servername: opts.servername };
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, ['v5.channel.k8s.io', 'v4.channel.k8s.io'], { ...tls, headers, handshakeTimeout: TIMEOUT_MS });
      let stdout = '';
      let stderr = '';
      let status: any;
      const timer = setTimeout(() => { ws.terminate(); reject(new ClusterReadError(`exec in ${namespace}/${pod} did not end within ${timeoutMs} ms`)); }, timeoutMs);
      ws.on('unexpected-response', (_req, res) => {
        clearTimeout(timer);
        void read(res, `exec in ${namespace}/${pod}`).then((a) => reject(statusError(a, `exec in ${namespace}/${pod}`)), reject);
      });
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        if (!isBinary || data.length === 0) return;
        const text = data.subarray(1).toString('utf8');
        if ((data[0] === 1 || data[0] === 2) && stdout.length + stderr.length + text.length > MAX_EXEC_OUTPUT) {
          clearTimeout(timer);
          ws.terminate();
          reject(new ClusterReadError(`exec in ${namespace}/${pod} printed more than ${MAX_EXEC_OUTPUT / 2 ** 20} MiB`));
          return;
        }
        if (data[0] === 1) stdout += text;
        else if (data[0] === 2) stderr += text;
        else if (data[0] === 3) { try { status = JSON.parse(text); } catch { status = { status: 'Failure', message: text } ; } }
      });
      ws.on('error', (e) => { clearTimeout(timer); reject(new ClusterReadError(connectionMessage(url, e as NodeJS.ErrnoException))); });
      ws.on('close', () => {
        clearTimeout(timer);
        if (!status || status.status === 'Success') { resolve({ code: 0, stdout, stderr }); return; }
        const code = status.reason === 'NonZeroExitCode' ? Number(status.details?.causes?.find((c: any) => c?.reason === 'ExitCode')?.message) : NaN;
        if (Number.isInteger(code)) resolve({ code, stdout, stderr });
        else reject(new ClusterReadError(`exec in ${namespace}/${pod}: ${status.message ?? 'the exec failed'}`));
      });
    });
  }

  /** Opens a request and resolves with the response as soon as its head arrives (for watches). */
  async request(path: string, { signal, stream = false, method = 'GET', body, contentType = 'application/json' }: { signal?: AbortSignal; stream?: boolean; method?: string; body?: string; contentType?: string } = {}): Promise<http.IncomingMessage> {
    // A server URL may carry a path prefix (a proxy's /k8s/clusters/ID): requests go below it.
    const url = new URL(this.server.replace(/\/+$/, '') + path);
    const opts = await (this.options ??= this.credentials());
    const mod = url.protocol === 'http:' ? http : https;
    return new Promise((resolve, reject) => {
      // A watch may be quiet for minutes: only its head is awaited under the timeout.
      const headers = { ...opts.headers, ...(body !== undefined ? { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) } : {}) };
      const req = mod.request(url, { ...opts, method, headers, signal }, (res) => { if (stream) req.setTimeout(0); resolve(res); });
      req.setTimeout(TIMEOUT_MS, () => req.destroy(Object.assign(new Error('context deadline exceeded (Client.Timeout exceeded while awaiting headers)'), { code: 'ETIMEDOUT' })));
      req.on('error', (e) => reject(e.name === 'AbortError' ? e : new ClusterReadError(connectionMessage(url, e as NodeJS.ErrnoException))));
      req.end(body);
    });
  }
}

/** What a command run with exec printed, and its exit code. */
export interface ExecAnswer { code: number; stdout: string; stderr: string }

async function read(res: http.IncomingMessage, what: string): Promise<Answer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of res) {
    size += (c as Buffer).length;
    if (size > MAX_BODY_BYTES) { res.destroy(); throw new ClusterReadError(`the answer to ${what} is larger than ${MAX_BODY_BYTES / 2 ** 20} MiB`); }
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  let body: any;
  try { body = JSON.parse(text); } catch { body = undefined; }
  return { status: res.statusCode ?? 0, body, text };
}

/** kubectl's words for a server it cannot talk to (client-go's errors as kubectl prints them). */
export function connectionMessage(url: URL, e: NodeJS.ErrnoException): string {
  const host = url.host;
  switch (e.code) {
    case 'ECONNREFUSED': return `The connection to the server ${host} was refused - did you specify the right host or port?`;
    case 'ENOTFOUND': case 'EAI_AGAIN': return `Unable to connect to the server: dial tcp: lookup ${url.hostname}: no such host`;
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE': case 'SELF_SIGNED_CERT_IN_CHAIN': case 'DEPTH_ZERO_SELF_SIGNED_CERT': case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return `Unable to connect to the server: tls: failed to verify certificate: x509: certificate signed by unknown authority (${e.code})`;
    case 'CERT_HAS_EXPIRED': case 'CERT_NOT_YET_VALID':
      return `Unable to connect to the server: tls: failed to verify certificate: x509: certificate has expired or is not yet valid (${e.code})`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `Unable to connect to the server: tls: failed to verify certificate: x509: certificate is not valid for ${url.hostname} (${e.message})`;
    case 'ETIMEDOUT': return `Unable to connect to the server: ${e.message}`;
    default: return `Unable to connect to the server: ${e.message}`;
  }
}

/** `Error from server (Reason): message`, as kubectl prints a Status. */
export function serverError(a: Answer): string {
  const reason = typeof a.body?.reason === 'string' && a.body.reason !== '' ? a.body.reason : `HTTP ${a.status}`;
  const message = typeof a.body?.message === 'string' ? a.body.message : a.text.slice(0, 200).trim();
  return `Error from server (${reason}): ${message}`;
}

/** A failed answer as kubectl reports it: 401 as `You must be logged in…`, else the server's Status, with what was asked. */
export function statusError(a: Answer, what: string): ClusterReadError {
  if (a.status === 401) return new ClusterReadError('You must be logged in to the server (Unauthorized)');
  return new ClusterReadError(`${serverError(a)} (${what})`);
}

/** Group-versions the server serves: `v1` from /api, `group/version` from /apis. */
async function servedVersions(client: KubeClient): Promise<Set<string>> {
  const [core, groups] = await Promise.all([client.get('/api'), client.get('/apis')]);
  if (core.status !== 200) throw statusError(core, 'GET /api');
  if (groups.status !== 200) throw statusError(groups, 'GET /apis');
  const served = new Set<string>();
  for (const v of core.body?.versions ?? []) if (typeof v === 'string') served.add(v);
  for (const g of groups.body?.groups ?? []) for (const v of g?.versions ?? []) if (typeof v?.groupVersion === 'string') served.add(v.groupVersion);
  return served;
}

export interface Listable { kind: string; apiVersion: string; resource: string; path: string }

/** The modelled kinds, each at the first of its versions the server serves; the others are NotServed. */
function listables(served: Set<string>): { listable: Listable[]; unserved: UnseenKind[] } {
  const listable: Listable[] = [];
  const unserved: UnseenKind[] = [];
  for (const info of allKinds()) {
    if (!info.modelled || info.kind === 'ClusterConfig') continue;
    const kind = info.kind.split('.')[0];
    const apiVersion = info.apiVersions.find((v) => served.has(v));
    const group = info.apiVersions[0].includes('/') ? info.apiVersions[0].split('/')[0] : '';
    const resource = group ? `${info.plural}.${group}` : info.plural;
    if (apiVersion === undefined) {
      unserved.push({ kind, apiVersion: info.apiVersions[0], resource, reason: 'NotServed', message: `the server does not serve ${info.apiVersions.join(' or ')}` });
      continue;
    }
    const path = apiVersion.includes('/') ? `/apis/${apiVersion}/${info.plural}` : `/api/${apiVersion}/${info.plural}`;
    listable.push({ kind, apiVersion, resource, path });
  }
  return { listable, unserved };
}

function stripped(item: any, l: Listable): KubeObject {
  const { apiVersion: _a, kind: _k, ...rest } = item ?? {};
  const metadata = rest.metadata && typeof rest.metadata === 'object' ? { ...rest.metadata } : {};
  delete metadata.managedFields;
  return { apiVersion: l.apiVersion, kind: l.kind, ...rest, metadata } as KubeObject;
}

/** One kind's list: its objects, and the resourceVersion to watch from. */
export interface KindList { listed: Listable; objects: KubeObject[]; resourceVersion: string }

export async function listKind(client: KubeClient, l: Listable, onPage: (n: number) => void = () => undefined): Promise<KindList | UnseenKind> {
  const out: KubeObject[] = [];
  let cont = '';
  let resourceVersion = '';
  do {
    const a = await client.get(`${l.path}?limit=${PAGE}${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
    if (a.status === 401) throw statusError(a, `list ${l.resource}`);
    if (a.status !== 200 || !Array.isArray(a.body?.items)) {
      const reason = a.status === 403 ? 'Forbidden' : a.status === 404 ? 'NotFound' : 'Error';
      const message = a.status === 404 && a.body?.kind !== 'Status' ? `Error from server (NotFound): the server could not find the requested resource (get ${l.resource})` : serverError(a);
      return { kind: l.kind, apiVersion: l.apiVersion, resource: l.resource, reason, message };
    }
    for (const item of a.body.items) out.push(stripped(item, l));
    onPage(a.body.items.length);
    const next = typeof a.body.metadata?.continue === 'string' ? a.body.metadata.continue : '';
    // A server that hands back the token it was given would page forever: say so instead of looping.
    if (next !== '' && next === cont) return { kind: l.kind, apiVersion: l.apiVersion, resource: l.resource, reason: 'Error', message: `the server returned the same continue token twice while listing ${l.resource}` };
    cont = next;
    if (typeof a.body.metadata?.resourceVersion === 'string') resourceVersion = a.body.metadata.resourceVersion;
  } while (cont !== '');
  return { listed: l, objects: out, resourceVersion };
}

/** Lists every modelled kind the server serves, in parallel; kinds in src/api/kinds.ts order, objects as served. */
export async function listCluster(client: KubeClient, onProgress?: (p: ListProgress) => void): Promise<ClusterListing> {
  const served = await servedVersions(client);
  const { listable, unserved } = listables(served);
  const progress: ListProgress = { kindsDone: 0, kindsTotal: listable.length, objects: 0 };
  const results = await Promise.all(listable.map(async (l) => {
    const r = await listKind(client, l, (n) => { progress.objects += n; onProgress?.(progress); });
    progress.kindsDone++;
    onProgress?.(progress);
    return r;
  }));
  const objects: KubeObject[] = [];
  const unseen: UnseenKind[] = [];
  const lists: KindList[] = [];
  for (const r of results) {
    if ('objects' in r) { lists.push(r); for (const o of r.objects) objects.push(o); } else unseen.push(r);
  }
  unseen.push(...unserved);
  return { context: client.context, server: client.server, objects, unseen, kinds: lists.length, lists };
}

export type WatchEvent = { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: KubeObject } | { type: 'BOOKMARK'; resourceVersion: string } | { type: 'ERROR'; code: number; message: string };

/**
 * Watches one kind from `resourceVersion` (chunked JSON events, as client-go's reflector asks with
 * allowWatchBookmarks); resolves when the server ends the stream. A 410 comes back as an ERROR event (relist).
 */
export async function watchKind(client: KubeClient, l: Listable, resourceVersion: string, onEvent: (e: WatchEvent) => void, signal?: AbortSignal): Promise<void> {
  const res = await client.request(`${l.path}?watch=1&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(resourceVersion)}`, { signal, stream: true });
  if (res.statusCode !== 200) {
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    let body: any;
    try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { body = undefined; }
    onEvent({ type: 'ERROR', code: res.statusCode ?? 0, message: serverError({ status: res.statusCode ?? 0, body, text: '' }) });
    return;
  }
  let buffered = '';
  try {
    for await (const chunk of res) {
      buffered += (chunk as Buffer).toString('utf8');
      if (buffered.length > MAX_BODY_BYTES) throw new ClusterReadError(`a watch event of ${l.resource} is larger than ${MAX_BODY_BYTES / 2 ** 20} MiB`);
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (line === '') continue;
        let e: any;
        try { e = JSON.parse(line); } catch { continue; }
        if (e?.type === 'BOOKMARK') onEvent({ type: 'BOOKMARK', resourceVersion: String(e.object?.metadata?.resourceVersion ?? '') });
        else if (e?.type === 'ERROR') onEvent({ type: 'ERROR', code: Number(e.object?.code ?? 0), message: serverError({ status: Number(e.object?.code ?? 0), body: e.object, text: '' }) });
        else if (e?.type === 'ADDED' || e?.type === 'MODIFIED' || e?.type === 'DELETED') onEvent({ type: e.type, object: stripped(e.object, l) });
      }
    }
  } catch (e) {
    if ((e as Error).name === 'AbortError' || signal?.aborted) return;
    throw e;
  }
}

export function isClientError(e: unknown): e is ClusterReadError | KubeconfigChoiceError {
  return e instanceof ClusterReadError || e instanceof KubeconfigChoiceError;
}
