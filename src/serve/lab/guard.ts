// Who may drive the lab's API, as Jupyter and the Kubernetes dashboard decide it for a server on loopback:
// - Host must name the address the lab listens on (with its port): a DNS-rebinding page sends its own name.
// - Origin, when sent, must be the lab's own, and Sec-Fetch-Site must not be cross-site or same-site (a page on
//   another loopback port is "same-site": SameSite cookies reach the lab from it, so the cookie alone is not enough).
// - A request that changes something must say `Content-Type: application/json`: a text/plain or form body is what a
//   foreign page can send without a CORS preflight.
// - Every /api/ call, /metrics and the WebSocket carry the per-start token: `Authorization: Bearer` (CLI, Prometheus)
//   or the HttpOnly SameSite=Strict cookie the UI got when first opened with ?token= (then redirected without it).
// 403 for a refused Host, Origin or body type (Jupyter answers a foreign Host with 403), 401 for a missing token.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { networkInterfaces } from 'node:os';

/** 256 random bits, URL-safe. */
export function newLabToken(): string {
  return randomBytes(32).toString('base64url');
}

export interface Denial { status: 401 | 403; message: string }
/** How a request proved it knows the token; `open` when the lab runs with --no-auth. */
export type Credential = 'header' | 'cookie' | 'open';
export type Face = 'static' | 'api' | 'metrics' | 'websocket';

const digest = (s: string) => createHash('sha256').update(s).digest();

export class LabGuard {
  private hosts = new Set<string>();
  private port = 0;

  /** `token` undefined: --no-auth (Host, Origin and body type are still checked). */
  constructor(readonly token: string | undefined) {}

  /** The names a request's Host may use: loopback's and the bound address, each with the port. */
  listening(port: number, bindHost: string): void {
    this.port = port;
    const names = new Set(['127.0.0.1', 'localhost', '[::1]']);
    const add = (a: string) => names.add(a.includes(':') ? `[${a.toLowerCase()}]` : a.toLowerCase());
    if (bindHost === '0.0.0.0' || bindHost === '::') {
      for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) add(i.address);
    } else add(bindHost.replace(/^\[|\]$/g, ''));
    this.hosts = new Set([...names].flatMap((n) => (port === 80 ? [`${n}:80`, n] : [`${n}:${port}`])));
  }

  get cookieName(): string { return `podnet-lab-${this.port}`; }

  /** The Set-Cookie value that keeps the token in the browser (per port: cookies do not tell ports apart). */
  cookie(): string { return `${this.cookieName}=${this.token}; HttpOnly; SameSite=Strict; Path=/`; }

  /** Constant-time: the time taken does not tell how much of a guess was right. */
  matches(candidate: string | undefined): boolean {
    return this.token !== undefined && candidate !== undefined && timingSafeEqual(digest(candidate), digest(this.token));
  }

  /** The checks above for one request to one face; the credential when admitted. */
  admit(req: IncomingMessage, face: Face): Denial | { credential: Credential } {
    const host = (req.headers.host ?? '').toLowerCase();
    if (!this.hosts.has(host)) return { status: 403, message: `forbidden: Host ${JSON.stringify(req.headers.host ?? '')} is not this lab's address (${[...this.hosts][0]}); a DNS-rebinding page sends its own name` };
    if (face === 'static') return { credential: 'open' };
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${host}`) return { status: 403, message: `forbidden: Origin ${origin} is not this lab (http://${host}): other pages cannot drive the lab` };
    const site = req.headers['sec-fetch-site'];
    if (site === 'cross-site' || site === 'same-site') return { status: 403, message: `forbidden: a request from another site (Sec-Fetch-Site: ${site})` };
    if (face === 'api' && req.method !== 'GET' && req.method !== 'HEAD') {
      const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      if (type !== 'application/json') return { status: 403, message: `forbidden: ${req.method} needs Content-Type: application/json (got ${type || 'none'})` };
    }
    if (this.token === undefined) return { credential: 'open' };
    const auth = /^bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (auth && this.matches(auth[1])) return { credential: 'header' };
    if (this.cookieValues(req).some((v) => this.matches(v))) return { credential: 'cookie' };
    return { status: 401, message: `${auth ? 'wrong' : 'missing'} token: open the UI at the URL \`podnet up\` printed (http://127.0.0.1:${this.port}/?token=...); the CLI reads the lab's token file; other clients send Authorization: Bearer TOKEN` };
  }

  private cookieValues(req: IncomingMessage): string[] {
    const prefix = `${this.cookieName}=`;
    return (req.headers.cookie ?? '').split(';').map((c) => c.trim()).filter((c) => c.startsWith(prefix)).map((c) => c.slice(prefix.length));
  }
}
