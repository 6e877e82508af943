// ingress-nginx's edge limits as nginx enforces them, for the live proxy:
// limit-rps / limit-rpm -> `limit_req zone=... burst=<limit x limit-burst-multiplier> nodelay` (ngx_http_limit_req_module:
// excess = max(0, excess - rate x elapsed + 1) per client IP; over the burst -> limit-req-status-code, 503);
// limit-connections -> `limit_conn` (concurrent requests per client IP; over -> 503). Order: connections, rpm, rps.
import type { RouteResult } from './types.js';

interface Bucket { excess: number; last: number }

export class EdgeRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly conns = new Map<string, number>();

  /**
   * Admits one request of `clientIP` for the location `key` at time `now` (ms). Returns 0 when admitted (call `done`
   * when the request ends if it returned a release), or the status code to answer.
   */
  admit(key: string, clientIP: string, limit: NonNullable<RouteResult['rateLimit']>, now: number): { status: number; release?: () => void } {
    if (limit.whitelist?.includes(clientIP)) return { status: 0 };
    const id = `${key}\u0000${clientIP}`;
    let release: (() => void) | undefined;
    if (limit.connections) {
      const n = this.conns.get(id) ?? 0;
      if (n >= limit.connections) return { status: limit.statusCode };
      this.conns.set(id, n + 1);
      release = () => {
        const m = (this.conns.get(id) ?? 1) - 1;
        if (m <= 0) this.conns.delete(id);
        else this.conns.set(id, m);
      };
    }
    for (const [perSecond, tag] of [[limit.rpm ? limit.rpm / 60 : 0, 'rpm'], [limit.rps ?? 0, 'rps']] as const) {
      if (!perSecond) continue;
      const burst = limit.burst ?? perSecond * 5;
      const bid = `${id}\u0000${tag}`;
      const b = this.buckets.get(bid);
      if (!b) { this.buckets.set(bid, { excess: 0, last: now }); continue; }
      const excess = Math.max(0, b.excess - (perSecond * (now - b.last)) / 1000 + 1);
      if (excess > burst) {
        release?.();
        return { status: limit.statusCode };
      }
      b.excess = excess;
      b.last = now;
    }
    return { status: 0, release };
  }
}
