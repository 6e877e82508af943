// Selector and CIDR evaluation over pod classes, shared by NetworkPolicy and AdminNetworkPolicy compilation.
import { compileLabelSelector, type LabelMatcher } from '../api/labels.js';
import type { LabelSelector } from '../api/types.js';
import { familyOf, ipToBigInt, isValidIP, type Cidr } from '../net/cidr.js';
import { Bitset } from './bitset.js';
import type { ClassIndex } from './classes.js';

export interface IpBlock {
  cidr: Cidr;
  except: Cidr[];
  /** As written: `10.0.0.0/8 except 10.1.0.0/16`. */
  text: string;
}

/** Whether the text is an IP address (cheap test first: a target is far more often `ns/pod`). */
export function looksLikeIP(text: string): boolean {
  return (DOTTED.test(text) || (text.includes(':') && !text.includes('/'))) && parseIP(text) !== undefined;
}

/** An IP parsed once per query. */
export interface ParsedIP { text: string; family: 'IPv4' | 'IPv6'; n: bigint }

const DOTTED = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseIP(ip: string | undefined): ParsedIP | undefined {
  if (!ip) return undefined;
  const m = DOTTED.exec(ip);
  if (m) {
    // IPv4 fast path (a check parses two addresses; ipaddr.js costs tens of microseconds).
    const o = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
    if (o.some((x) => x > 255) || [m[1], m[2], m[3], m[4]].some((x) => x.length > 1 && x.startsWith('0'))) return undefined;
    return { text: ip, family: 'IPv4', n: BigInt(((o[0] << 24) >>> 0) + (o[1] << 16) + (o[2] << 8) + o[3]) };
  }
  if (!ip.includes(':') || !isValidIP(ip)) return undefined;
  return { text: ip, family: familyOf(ip), n: ipToBigInt(ip) };
}

export function cidrHas(c: Cidr, ip: ParsedIP): boolean {
  return c.family === ip.family && ip.n >= c.base && ip.n < c.base + c.size;
}

export function ipBlockHas(b: IpBlock, ip: ParsedIP | undefined): boolean {
  return ip !== undefined && cidrHas(b.cidr, ip) && !b.except.some((e) => cidrHas(e, ip));
}

/** Namespaces whose labels match. */
export function matchingNamespaces(index: ClassIndex, sel: LabelMatcher): string[] {
  const out: string[] = [];
  for (const [ns, labels] of index.namespaceLabels) if (sel(labels)) out.push(ns);
  return out;
}

/**
 * Classes of pod-network pods in the given namespaces whose labels match. Host-network pods are never matched by
 * pod or namespace selectors: their traffic cannot be told apart from their node's (the common implementation the
 * NetworkPolicy docs describe).
 */
export function classesIn(index: ClassIndex, namespaces: Iterable<string>, pods: LabelMatcher): Bitset {
  const b = new Bitset(index.classes.length);
  for (const ns of namespaces) {
    for (const id of index.byNamespace.get(ns) ?? []) {
      const c = index.classes[id];
      if (!c.hostNetwork && pods(c.labels)) b.add(id);
    }
  }
  return b;
}

/** Classes (host-network ones included, by their node's IP) whose IP lies in the block. */
export function classesInIpBlock(index: ClassIndex, block: IpBlock): Bitset {
  const b = new Bitset(index.classes.length);
  for (const c of index.classes) if (ipBlockHas(block, c.parsedIP)) b.add(c.id);
  return b;
}

export function selectorMatcher(sel: LabelSelector | undefined | null): LabelMatcher {
  return compileLabelSelector(sel ?? {});
}

/** `app=web, tier in (a,b)` for people; `{}` selects everything. */
export function describeSelector(sel: LabelSelector | undefined | null): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(sel?.matchLabels ?? {})) parts.push(`${k}=${v}`);
  for (const e of sel?.matchExpressions ?? []) {
    const vals = (e.values ?? []).join(',');
    switch (e.operator) {
      case 'In': parts.push(`${e.key} in (${vals})`); break;
      case 'NotIn': parts.push(`${e.key} notin (${vals})`); break;
      case 'Exists': parts.push(e.key); break;
      case 'DoesNotExist': parts.push(`!${e.key}`); break;
      default: parts.push(`${e.key} ${e.operator} (${vals})`);
    }
  }
  return parts.join(', ');
}
