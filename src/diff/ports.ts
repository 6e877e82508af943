// Port sets as the diff compares them: the ports 1-65535 of each protocol cut into intervals at every probe port
// (where some verdict of either side may change), a state per interval — 0 no connection allowed, 1 some pod pairs,
// 2 every pod pair — and the text people read (`80,8000-9000`, `all`).
import type { Protocol } from '../policy/index.js';

export type PortState = 0 | 1 | 2;

/** The probe intervals of both sides: per protocol, sorted interval starts (1 first). */
export interface PortGrid {
  protocols: Protocol[];
  /** Interval i covers starts[i] .. (next start - 1) of protocol protocolOf[i]. */
  starts: Int32Array;
  ends: Int32Array;
  protocolOf: Protocol[];
  size: number;
}

export function portGrid(probes: Iterable<{ protocol: Protocol; port: number }>): PortGrid {
  const by = new Map<Protocol, Set<number>>();
  for (const p of probes) {
    if (p.port < 1 || p.port > 65535) continue;
    let s = by.get(p.protocol);
    if (!s) by.set(p.protocol, (s = new Set([1])));
    s.add(p.port);
  }
  const protocols = (['TCP', 'UDP', 'SCTP'] as Protocol[]).filter((p) => by.has(p));
  const starts: number[] = [], ends: number[] = [], protocolOf: Protocol[] = [];
  for (const proto of protocols) {
    const list = [...by.get(proto)!].sort((a, b) => a - b);
    list.forEach((p, i) => { starts.push(p); ends.push(i + 1 < list.length ? list[i + 1] - 1 : 65535); protocolOf.push(proto); });
  }
  return { protocols, starts: Int32Array.from(starts), ends: Int32Array.from(ends), protocolOf, size: starts.length };
}

/** Port sets per protocol from a state string over the grid ('0', '1', '2' per interval). */
export function portSets(grid: PortGrid, states: string, min: 1 | 2 = 1): Partial<Record<Protocol, string>> {
  const out: Partial<Record<Protocol, string>> = {};
  for (const proto of grid.protocols) {
    const ranges: [number, number][] = [];
    for (let i = 0; i < grid.size; i++) {
      if (grid.protocolOf[i] !== proto) continue;
      const s = states.charCodeAt(i) - 48;
      if (min === 2 ? s !== 1 : s < 1) continue;
      const last = ranges[ranges.length - 1];
      if (last && last[1] + 1 === grid.starts[i]) last[1] = grid.ends[i];
      else ranges.push([grid.starts[i], grid.ends[i]]);
    }
    if (ranges.length === 0) continue;
    out[proto] = ranges.length === 1 && ranges[0][0] === 1 && ranges[0][1] === 65535 ? 'all' : ranges.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',');
  }
  return out;
}

/** The states of `a` minus those of `b`: intervals allowed (state ≥ 1) in a and not in b. */
export function minus(a: string, b: string): string {
  let out = '';
  for (let i = 0; i < a.length; i++) out += a[i] !== '0' && b[i] === '0' ? '2' : '0';
  return out;
}

/** Combines the states of several classes of one workload: every pair allowed only when every class says so. */
export function combine(parts: readonly string[]): string {
  if (parts.length === 1) return parts[0];
  let out = '';
  for (let i = 0; i < parts[0].length; i++) {
    let all = true, any = false;
    for (const p of parts) { const c = p[i]; if (c !== '2') all = false; if (c !== '0') any = true; }
    out += all ? '2' : any ? '1' : '0';
  }
  return out;
}

export const isNone = (s: string) => !/[12]/.test(s);

/** `8080/TCP, 53/UDP` for people. */
export function formatPortSets(sets: Partial<Record<Protocol, string>>): string {
  const parts = Object.entries(sets).map(([proto, ports]) => (ports === 'all' ? `all ${proto}` : `${ports}/${proto}`));
  return parts.length ? parts.join(', ') : 'nothing';
}
