// The CLI's side of the lab API: JSON over HTTP to the running `podnet up` (127.0.0.1 only), with the token the lab
// left in its token file (./token-file.ts) for the port it listens on, so no command needs a flag for it.
import http from 'node:http';
import { labTokenPath, readLabToken } from './token-file.js';

export const DEFAULT_LAB = 'http://127.0.0.1:7070';

export class LabUnreachable extends Error {}
export class LabApiError extends Error { constructor(readonly status: number, message: string) { super(message); } }

export function labUrl(given?: string): string {
  return given ?? process.env.PODNET_LAB ?? DEFAULT_LAB;
}

/** A non-JSON document of the lab (Prometheus text on /metrics). */
export async function labText(base: string, path: string): Promise<string> {
  return labRequest<string>(base, 'GET', path, undefined, true);
}

function portOf(u: URL): number {
  return Number(u.port || 80);
}

/** The Authorization header for the lab at `base` (none when no lab left a token for that port). */
export function labAuthHeaders(base: string): Record<string, string> {
  let u: URL;
  try { u = new URL(base); } catch { return {}; }
  const token = readLabToken(portOf(u));
  return token ? { authorization: `Bearer ${token}` } : {};
}

export function labRequest<T>(base: string, method: 'GET' | 'POST', path: string, body?: unknown, text = false): Promise<T> {
  return new Promise((resolve, reject) => {
    let u: URL;
    try { u = new URL(path, base); } catch { reject(new LabUnreachable(`--lab ${base} is not a URL`)); return; }
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) { reject(new LabUnreachable(`the lab API is on loopback only (got ${u.hostname})`)); return; }
    const data = body === undefined ? undefined : JSON.stringify(body);
    const auth = labAuthHeaders(u.href);
    const headers = { ...auth, ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}) };
    const req = http.request(u, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        if (text && (res.statusCode ?? 500) < 400) { resolve(raw as T); return; }
        let parsed: unknown;
        try { parsed = JSON.parse(raw); } catch { reject(new LabApiError(res.statusCode ?? 0, `the lab answered with something that is not JSON (is ${base} a podnet lab?)`)); return; }
        if (res.statusCode === 401) reject(new LabApiError(401, auth.authorization
          ? `the lab at ${base} refused the token in ${labTokenPath(portOf(u))}: that file was written by another lab (one started with another $XDG_RUNTIME_DIR / $HOME, or by another user)`
          : `the lab at ${base} needs its token and ${labTokenPath(portOf(u))} does not exist: is that lab another user's, or started with another $XDG_RUNTIME_DIR / $HOME?`));
        else if ((res.statusCode ?? 500) >= 400) reject(new LabApiError(res.statusCode ?? 500, (parsed as { error?: string }).error ?? `HTTP ${res.statusCode}`));
        else resolve(parsed as T);
      });
    });
    req.on('error', (e) => reject(new LabUnreachable(`cannot reach the lab at ${base} (${(e as NodeJS.ErrnoException).code ?? e.message}): start it with \`podnet up -f PATH\`, or point --lab / PODNET_LAB at it`)));
    req.end(data);
  });
}
