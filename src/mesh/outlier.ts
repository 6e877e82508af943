// Outlier detection (passive health checking) as a pure state machine the lab drives. Source: Istio
// DestinationRule.trafficPolicy.outlierDetection (spec §4.5) and Envoy's outlier detection
// (envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/outlier):
// - each response from a host updates its consecutive-error counter; any 5xx counts for consecutive5xxErrors, only
//   502/503/504 for consecutiveGatewayErrors; a non-error response resets both;
// - reaching a threshold ejects the host at once, unless maxEjectionPercent of the hosts are already ejected (Envoy
//   always allows ejecting at least one host);
// - an ejected host comes back after baseEjectionTime x the number of times it was ejected, checked at each interval
//   tick (the lab calls tick(); `eject`/`return` events explain what happened).
import type { OutlierDetectionConfig } from './traffic-policy.js';

export interface HostState { consecutive5xx: number; consecutiveGateway: number; ejections: number; ejectedUntilMs?: number }

export interface OutlierState { config: OutlierDetectionConfig; hosts: Readonly<Record<string, HostState>> }

export interface OutlierEvent { host: string; event: 'eject' | 'return'; atMs: number; untilMs?: number; reason: string }

const freshHost = (): HostState => ({ consecutive5xx: 0, consecutiveGateway: 0, ejections: 0 });

export function newOutlierState(config: OutlierDetectionConfig, hosts: readonly string[]): OutlierState {
  return { config, hosts: Object.fromEntries(hosts.map((h) => [h, freshHost()])) };
}

/** Hosts that joined the cluster (new endpoints) start with clean counters; the state is returned as is otherwise. */
export function withHosts(s: OutlierState, hosts: readonly string[]): OutlierState {
  const added = hosts.filter((h) => !s.hosts[h]);
  return added.length ? { ...s, hosts: { ...s.hosts, ...Object.fromEntries(added.map((h) => [h, freshHost()])) } } : s;
}

export function isEjected(s: OutlierState, host: string): boolean {
  return s.hosts[host]?.ejectedUntilMs !== undefined;
}

export function ejectedHosts(s: OutlierState): string[] {
  return Object.keys(s.hosts).filter((h) => isEjected(s, h)).sort();
}

/** The hosts a load balancer may pick from now. */
export function healthyHosts(s: OutlierState): string[] {
  return Object.keys(s.hosts).filter((h) => !isEjected(s, h));
}

function canEject(s: OutlierState): boolean {
  const total = Object.keys(s.hosts).length;
  const ejected = ejectedHosts(s).length;
  if (ejected === 0) return total > 0;
  return ((ejected + 1) * 100) / total <= s.config.maxEjectionPercent;
}

/** Records one response (HTTP status, or 503 for a connect failure/reset) from `host` at time `nowMs`. */
export function recordResponse(s: OutlierState, host: string, status: number, nowMs: number): { state: OutlierState; event?: OutlierEvent } {
  const cur = s.hosts[host];
  if (!cur) return { state: s };
  const is5xx = status >= 500 && status <= 599;
  const isGateway = status === 502 || status === 503 || status === 504;
  const next: HostState = { ...cur, consecutive5xx: is5xx ? cur.consecutive5xx + 1 : 0, consecutiveGateway: isGateway ? cur.consecutiveGateway + 1 : 0 };
  let state: OutlierState = { ...s, hosts: { ...s.hosts, [host]: next } };
  if (next.ejectedUntilMs !== undefined) return { state };
  const c = s.config;
  const by5xx = c.consecutive5xxErrors > 0 && next.consecutive5xx >= c.consecutive5xxErrors;
  const byGw = c.consecutiveGatewayErrors !== undefined && c.consecutiveGatewayErrors > 0 && next.consecutiveGateway >= c.consecutiveGatewayErrors;
  if ((by5xx || byGw) && canEject(s)) {
    const ejections = next.ejections + 1;
    const untilMs = nowMs + c.baseEjectionTimeMs * ejections;
    state = { ...s, hosts: { ...s.hosts, [host]: { consecutive5xx: 0, consecutiveGateway: 0, ejections, ejectedUntilMs: untilMs } } };
    const reason = by5xx ? `${next.consecutive5xx} consecutive 5xx responses (consecutive5xxErrors ${c.consecutive5xxErrors})` : `${next.consecutiveGateway} consecutive gateway errors`;
    return { state, event: { host, event: 'eject', atMs: nowMs, untilMs, reason } };
  }
  return { state };
}

/** The interval timer: hosts whose ejection time has passed come back. */
export function tick(s: OutlierState, nowMs: number): { state: OutlierState; events: OutlierEvent[] } {
  const events: OutlierEvent[] = [];
  const hosts: Record<string, HostState> = { ...s.hosts };
  for (const [h, st] of Object.entries(s.hosts)) {
    if (st.ejectedUntilMs !== undefined && nowMs >= st.ejectedUntilMs) {
      hosts[h] = { ...st, ejectedUntilMs: undefined };
      events.push({ host: h, event: 'return', atMs: nowMs, reason: `ejection time (${s.config.baseEjectionTimeMs} ms x ${st.ejections}) elapsed` });
    }
  }
  return { state: events.length ? { ...s, hosts } : s, events };
}
