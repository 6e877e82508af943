// The CLI's side of the lab API: JSON over HTTP to the running `podnet up` (127.0.0.1 only).
import http from 'node:http';

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

export function labRequest<T>(base: string, method: 'GET' | 'POST', path: string, body?: unknown, text = false): Promise<T> {
  return new Promise((resolve, reject) => {
    let u: URL;
    try { u = new URL(path, base); } catch { reject(new LabUnreachable(`--lab ${base} is not a URL`)); return; }
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) { reject(new LabUnreachable(`the lab API is on loopback only (got ${u.hostname})`)); return; }
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(u, { method, headers: data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        if (text && (res.statusCode ?? 500) < 400) { resolve(raw as T); return; }
        let parsed: unknown;
        try { parsed = JSON.parse(raw); } catch { reject(new LabApiError(res.statusCode ?? 0, `the lab answered with something that is not JSON (is ${base} a podnet lab?)`)); return; }
        if ((res.statusCode ?? 500) >= 400) reject(new LabApiError(res.statusCode ?? 500, (parsed as { error?: string }).error ?? `HTTP ${res.statusCode}`));
        else resolve(parsed as T);
      });
    });
    req.on('error', (e) => reject(new LabUnreachable(`cannot reach the lab at ${base} (${(e as NodeJS.ErrnoException).code ?? e.message}): start it with \`podnet up -f PATH\`, or point --lab / PODNET_LAB at it`)));
    req.end(data);
  });
}
