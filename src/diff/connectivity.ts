// Connectivity of two snapshots compared by workload: for every pair of workloads (and every workload and external
// peer), the ports per protocol on which connections are allowed before and after. Computed per equivalence class of
// pods (src/policy/classes.ts) and per probe interval, then folded to workloads: classes × classes per port, never
// pods × pods. Rows of identical classes are folded once (a row's hash picks them out).
import type { PolicyModel, Protocol } from '../policy/index.js';
import { evaluateFlow, groupOfPod, ipEnd, podEnd, probePorts, type Verdict } from '../policy/index.js';
import type { PodObj } from '../policy/classes.js';
import { changedWorkloads } from './dirty.js';
import { dirtyRows } from './dirty-rows.js';
import { externalPeers, type ExternalPeer } from './peers.js';
import { externalStates } from './external.js';
import { combine, isNone, minus, portGrid, portSets } from './ports.js';
import { indexSide, workloadRows } from './rows.js';
import { DEFAULT_EXTERNAL_CLIENT } from '../trace/trace.js';

export type PortSets = Partial<Record<Protocol, string>>;

export interface ConnectivityChange {
  /** `namespace/kind/name` of the workload (`ns/pod/name` for a bare pod), or an external peer (`192.168.3.0/24`, `internet`). */
  from: string;
  to: string;
  /** Set when one end is outside the cluster: which end. */
  external?: 'from' | 'to';
  /** Ports on which some connection is allowed, per protocol (`all`, `80,8000-9000`). */
  before: PortSets;
  after: PortSets;
  /** Allowed after and not before, and the other way round. */
  opened: PortSets;
  closed: PortSets;
  /** Of `before` / `after`, the ports where only some pod pairs are allowed (present when there are any). */
  partial?: { before: PortSets; after: PortSets };
  /** The policies that decided on the first changed port (`port`/`protocol`), per side. */
  port: number;
  protocol: Protocol;
  policies: { before: string[]; after: string[] };
  /** Where the first deciding policy is written (after the change, else before), for annotations. */
  source?: { file: string; line: number };
}

export interface ConnectivityDiff {
  added: ConnectivityChange[];
  removed: ConnectivityChange[];
  changed: ConnectivityChange[];
}

/** Per side, per workload: the ports open to the internet, and to pods of every namespace (its ingress side admits every pod). */
export interface WorkloadExposure { internet: Map<string, PortSets>; allNamespaces: Map<string, PortSets> }

function verdictPolicies(v: Verdict | undefined): string[] {
  if (!v) return [];
  return [...new Set([...(v.egress.policies ?? []), ...(v.ingress.policies ?? [])])];
}

export function diffConnectivity(before: PolicyModel, after: PolicyModel, opts: { everyWorkload?: boolean } = {}): ConnectivityDiff & { exposure: [WorkloadExposure, WorkloadExposure]; internetIP: string; clean: (workload: string) => boolean } {
  // The common workload index: every workload of either side, sorted.
  const groupOf = new Map<PodObj, string>();
  for (const m of [before, after]) for (const c of m.index.classes) for (const p of c.pods) groupOf.set(p, groupOfPod(m, p, 'workload'));
  const nameList = [...new Set(groupOf.values())].sort();
  const names = new Map(nameList.map((n, i) => [n, i]));
  const nW = nameList.length;
  const sides = [before, after].map((m) => indexSide(m, names, groupOf));
  const grid = portGrid([...probePorts(before), ...probePorts(after)]);
  const dirty = opts.everyWorkload ? undefined : changedWorkloads(before, after, names, groupOf);
  const rows = dirty ? dirtyRows(sides, grid, nW, dirty) : sides.map((s) => workloadRows(s, grid, nW));
  const words = rows[0].words;
  const out: ConnectivityDiff = { added: [], removed: [], changed: [] };
  const exposure: [WorkloadExposure, WorkloadExposure] = [{ internet: new Map(), allNamespaces: new Map() }, { internet: new Map(), allNamespaces: new Map() }];
  for (let s = 0; s < 2; s++) rows[s].openToAll.forEach((t, w) => { if (t && !isNone(t)) exposure[s].allNamespaces.set(nameList[w], portSets(grid, t)); });
  const verdictMemo = sides.map(() => new Map<string, Verdict | undefined>());
  const policiesAt = (s: number, a: string, b: string, port: number, protocol: Protocol, external?: ExternalPeer, dir?: 'from' | 'to'): string[] => {
    const side = sides[s];
    const key = `${a}|${b}|${port}/${protocol}`;
    if (!verdictMemo[s].has(key)) {
      let v: Verdict | undefined;
      const pa = side.podOf.get(a), pb = side.podOf.get(b);
      if (external && dir === 'to' && pa) v = evaluateFlow(side.model, podEnd(side.model, pa[0]), ipEnd(side.model, external.ip), port, protocol);
      else if (external && dir === 'from' && pb) v = evaluateFlow(side.model, ipEnd(side.model, external.ip), podEnd(side.model, pb[0]), port, protocol);
      else if (pa && pb) v = evaluateFlow(side.model, podEnd(side.model, pa[0]), podEnd(side.model, a === b && pb.length > 1 ? pb[1] : pb[0]), port, protocol);
      verdictMemo[s].set(key, v);
    }
    return verdictPolicies(verdictMemo[s].get(key));
  };
  const sources = [before, after].map((m) => {
    const map = new Map<string, { file: string; line: number }>();
    for (const p of [...m.networkPolicies, ...m.adminPolicies, ...m.baselinePolicies]) if (p.source && !map.has(p.key)) map.set(p.key, { file: p.source.file, line: p.source.line });
    return map;
  });
  const record = (from: string, to: string, was: string, now: string, external?: ExternalPeer, end?: 'from' | 'to') => {
    if (was === now) return;
    const first = [...was].findIndex((c, i) => c !== now[i]);
    const port = grid.starts[first], protocol = grid.protocolOf[first];
    const change: ConnectivityChange = {
      from, to, ...(end ? { external: end } : {}),
      before: portSets(grid, was), after: portSets(grid, now), opened: portSets(grid, minus(now, was)), closed: portSets(grid, minus(was, now)),
      port, protocol,
      policies: { before: policiesAt(0, from, to, port, protocol, external, end), after: policiesAt(1, from, to, port, protocol, external, end) },
    };
    const src = change.policies.after.map((k) => sources[1].get(k)).find(Boolean) ?? change.policies.before.map((k) => sources[0].get(k)).find(Boolean);
    if (src) change.source = src;
    if (was.includes('1') || now.includes('1')) change.partial = { before: portSets(grid, was, 2), after: portSets(grid, now, 2) };
    (isNone(was) ? out.added : isNone(now) ? out.removed : out.changed).push(change);
  };
  const state = (s: number, a: number, b: number): string => {
    if (sides[s].pods[a] === 0 || sides[s].pods[b] === 0) return '0'.repeat(grid.size);
    let t = '';
    const { any, all, slot } = rows[s];
    for (let iv = 0; iv < grid.size; iv++) {
      const at = words * (slot[iv] * nW + a) + (b >>> 5), bit = 1 << (b & 31);
      t += (all[at] & bit) !== 0 ? '2' : (any[at] & bit) !== 0 ? '1' : '0';
    }
    return t;
  };
  const slotPairs = [...new Set(Array.from({ length: grid.size }, (_, iv) => `${rows[0].slot[iv]},${rows[1].slot[iv]}`))].map((k) => k.split(',').map(Number));
  for (let a = 0; a < nW; a++) {
    // The workloads whose cell changed on some interval: XOR of the rows, word by word.
    const changed = new Uint32Array(words);
    for (const [s0, s1] of slotPairs) {
      const p = words * (s0 * nW + a), q = words * (s1 * nW + a);
      for (let i = 0; i < words; i++) changed[i] |= (rows[0].any[p + i] ^ rows[1].any[q + i]) | (rows[0].all[p + i] ^ rows[1].all[q + i]);
    }
    for (let i = 0; i < words; i++) {
      let x = changed[i];
      while (x) {
        const b = (i << 5) + (31 - Math.clz32(x & -x));
        x &= x - 1;
        // A workload's pods among themselves: only when it has two pods to talk to each other.
        if (a === b && Math.max(sides[0].pods[a], sides[1].pods[a]) < 2) continue;
        record(nameList[a], nameList[b], state(0, a, b), state(1, a, b));
      }
    }
  }
  // External peers, per workload: egress to each, ingress from each.
  const peers = externalPeers([before, after]);
  const wanted = sides.map((side) => (dirty ? new Set(side.classesOf.flatMap((cs, w) => (dirty[w] ? cs : []))) : undefined));
  const ext = [before, after].map((m, s) => externalStates(m, grid, peers, wanted[s]));
  const none = '0'.repeat(grid.size);
  for (let w = 0; w < nW; w++) {
    if (dirty && !dirty[w]) continue; // its own policies and pods decide, and they are the same on both sides
    for (const [d, end] of [[0, 'to'], [1, 'from']] as const) {
      for (const peer of peers) {
        const st = [0, 1].map((s) => (sides[s].classesOf[w].length === 0 ? none : combine(sides[s].classesOf[w].map((c) => ext[s][c][d].get(peer.name)!))));
        if (end === 'from' && peer.name === 'internet') for (const s of [0, 1]) if (!isNone(st[s])) exposure[s].internet.set(nameList[w], portSets(grid, st[s]));
        if (st[0] === st[1]) continue;
        if (end === 'to') record(nameList[w], peer.name, st[0], st[1], peer, 'to');
        else record(peer.name, nameList[w], st[0], st[1], peer, 'from');
      }
    }
  }
  const order = (x: ConnectivityChange, y: ConnectivityChange) => (x.from < y.from ? -1 : x.from > y.from ? 1 : x.to < y.to ? -1 : x.to > y.to ? 1 : 0);
  for (const l of [out.added, out.removed, out.changed]) l.sort(order);
  // The address that stands for the internet, for the exposure of NodePorts and LoadBalancers too.
  // A clean workload: its pods and deciding policies are the same on both sides (dirty.ts).
  const clean = (workload: string) => { const w = names.get(workload); return dirty !== undefined && w !== undefined && dirty[w] === 0; };
  return { ...out, exposure, internetIP: peers.find((p) => p.name === 'internet')?.ip.text ?? DEFAULT_EXTERNAL_CLIENT, clean };
}
