// NetworkPolicyPort and AdminNetworkPolicyPort matching: protocol, a number, a range (endPort / portRange), or a
// named port resolved against the destination pod's container ports with the same protocol.
import { Bitset } from './bitset.js';
import type { ContainerPortInfo, PodClass, Protocol } from './classes.js';

export const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

export interface PortSpec {
  protocol: Protocol;
  /** Absent = every port of the protocol. */
  port?: number;
  /** Inclusive upper bound of a range starting at `port`. */
  endPort?: number;
  /** A named port, resolved on the destination pod. */
  name?: string;
  /** ANP named ports carry no protocol (they match the container port's): one spec per protocol, marked so. */
  anyProtocol?: boolean;
}

export function formatPortSpec(p: PortSpec): string {
  if (p.name !== undefined) return p.anyProtocol ? `${p.name} (named)` : `${p.name}/${p.protocol} (named)`;
  if (p.port === undefined) return `any ${p.protocol} port`;
  if (p.endPort !== undefined && p.endPort !== p.port) return `${p.port}-${p.endPort}/${p.protocol}`;
  return `${p.port}/${p.protocol}`;
}

/** Resolves a named port on a pod's container ports: the containerPort with that name and protocol. */
export function resolveNamedPort(ports: readonly ContainerPortInfo[] | undefined, name: string, protocol: Protocol): number | undefined {
  return ports?.find((p) => p.name === name && p.protocol === protocol)?.containerPort;
}

/**
 * Whether traffic to `port`/`protocol` matches one entry; `destPorts` are the destination pod's container ports
 * (undefined when the destination is not a pod: a named port then matches nothing).
 */
export function portSpecMatches(spec: PortSpec, protocol: Protocol, port: number, destPorts: readonly ContainerPortInfo[] | undefined): boolean {
  if (spec.protocol !== protocol) return false;
  if (spec.name !== undefined) return resolveNamedPort(destPorts, spec.name, protocol) === port;
  if (spec.port === undefined) return true;
  if (spec.endPort !== undefined) return port >= spec.port && port <= spec.endPort;
  return port === spec.port;
}

/** A rule's port list: `null` (field missing or empty) matches every port and protocol. */
export function portsMatch(ports: readonly PortSpec[] | null, protocol: Protocol, port: number, destPorts: readonly ContainerPortInfo[] | undefined): boolean {
  if (ports === null) return true;
  return ports.some((p) => portSpecMatches(p, protocol, port, destPorts));
}

/** For the matrix: the destination classes on which a port list matches (all, none, or a set for named ports). */
export function portMatchClasses(ports: readonly PortSpec[] | null, protocol: Protocol, port: number, classes: readonly PodClass[]): Bitset | 'all' | 'none' {
  if (ports === null) return 'all';
  let named = false;
  for (const p of ports) {
    if (p.name !== undefined) { if (p.protocol === protocol) named = true; continue; }
    if (portSpecMatches(p, protocol, port, undefined)) return 'all';
  }
  if (!named) return 'none';
  const index = namedPortIndex(classes);
  const b = new Bitset(classes.length);
  for (const p of ports) {
    if (p.name === undefined || p.protocol !== protocol) continue;
    for (const id of index.get(`${protocol}/${p.name}`)?.get(port) ?? []) b.add(id);
  }
  return b;
}

const namedIndexes = new WeakMap<readonly PodClass[], Map<string, Map<number, number[]>>>();

/**
 * `protocol/name` -> the port a class's named port resolves to -> those classes: the matrix asks for every named port
 * of every rule at every probe, and walking the classes each time cost 4,500 classes × names × probes per call.
 */
function namedPortIndex(classes: readonly PodClass[]): Map<string, Map<number, number[]>> {
  let index = namedIndexes.get(classes);
  if (index) return index;
  index = new Map();
  for (const c of classes) {
    const seen = new Set<string>();
    for (const cp of c.ports) {
      if (cp.name === undefined) continue;
      const k = `${cp.protocol}/${cp.name}`;
      if (seen.has(k)) continue; // resolveNamedPort takes the first port of that name and protocol
      seen.add(k);
      let byPort = index.get(k);
      if (!byPort) index.set(k, (byPort = new Map()));
      const l = byPort.get(cp.containerPort);
      if (l) l.push(c.id); else byPort.set(cp.containerPort, [c.id]);
    }
  }
  namedIndexes.set(classes, index);
  return index;
}

/** IANA_SVC_NAME (validation.IsValidPortName): 1-15 lowercase alphanumerics or '-', a letter, no '--', no edge '-'. */
export function isValidPortName(name: string): boolean {
  return name.length >= 1 && name.length <= 15 && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(name) && /[a-z]/.test(name) && !name.includes('--');
}
