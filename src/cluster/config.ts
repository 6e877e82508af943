// The emulated cluster's settings: a `ClusterConfig` object (podnet.dev/v1alpha1) among the manifests or given with
// --config. Defaults are kubeadm's, so what users see matches a freshly built cluster.
import { formatFieldValue, quote, shorten } from '../api/field-errors.js';
import type { SourceRef } from '../api/types.js';
import { bigIntToIP, cidrContains, familyOf, ipToBigInt, parseCidr, isValidIP, type Cidr, type Family } from '../net/cidr.js';
import { parsePortRange, validateClusterNetworking } from './config-network.js';

export type CniName = 'flannel' | 'calico' | 'cilium' | 'weave';
export type KubeProxyMode = 'iptables' | 'ipvs' | 'nftables';
export const CNI_NAMES: readonly CniName[] = ['flannel', 'calico', 'cilium', 'weave'];
export const KUBE_PROXY_MODES: readonly KubeProxyMode[] = ['iptables', 'ipvs', 'nftables'];

export interface CniDataPathOptions {
  /** Calico's encapsulation between nodes: IPIP (its manifest's default), VXLAN, or None (plain BGP routes). */
  calicoEncapsulation?: 'IPIP' | 'VXLAN' | 'None';
  /** Cilium's tunnel protocol, or native routing. */
  ciliumRouting?: 'vxlan' | 'geneve' | 'native';
  /** Cilium replaces kube-proxy (Services translated by eBPF at connect()). */
  ciliumKubeProxyReplacement?: boolean;
  /** Weave Net with --password: fast-datapath traffic is wrapped in IPsec ESP. */
  weaveEncryption?: boolean;
  /** Flannel's backend. */
  flannelBackend?: 'vxlan' | 'host-gw';
  /** The nodes' network MTU (1500 unless said). */
  underlayMTU?: number;
}

const CNI_OPTION_VALUES: Record<keyof CniDataPathOptions, readonly (string | boolean)[] | 'mtu'> = {
  calicoEncapsulation: ['IPIP', 'VXLAN', 'None'],
  ciliumRouting: ['vxlan', 'geneve', 'native'],
  ciliumKubeProxyReplacement: [true, false],
  weaveEncryption: [true, false],
  flannelBackend: ['vxlan', 'host-gw'],
  underlayMTU: 'mtu',
};

export interface NodeConfig {
  name: string;
  internalIP: string;
  /** Pod CIDR per family, primary family first. Empty = carved from the cluster pod CIDR in node order. */
  podCIDRs: string[];
  zone?: string;
  region?: string;
  labels: Record<string, string>;
  taints: { key: string; value?: string; effect: string }[];
}

export interface ClusterConfig {
  clusterDomain: string;
  /** Cluster pod CIDRs, one per family, primary first (e.g. ["10.244.0.0/16"]). */
  podCIDRs: string[];
  /** Prefix length of each node's pod CIDR per family (kube-controller-manager --node-cidr-mask-size: 24 / 64). */
  nodeCIDRMaskSizes: number[];
  serviceCIDRs: string[];
  nodePortRange: { base: number; size: number };
  cni: CniName;
  kubeProxyMode: KubeProxyMode;
  /** Data-path options of the chosen CNI (how traffic crosses nodes); see src/net/cni.ts. */
  cniOptions: CniDataPathOptions;
  /** LoadBalancer address pool: CIDRs or `first-last` ranges. */
  loadBalancerIPPool: string[];
  nodes: NodeConfig[];
  /** Where the config came from, for messages. */
  source?: string;
  /** The ClusterConfig object's file and line, when it came from one. */
  origin?: SourceRef;
}

export const DEFAULT_CONFIG: ClusterConfig = {
  clusterDomain: 'cluster.local',
  podCIDRs: ['10.244.0.0/16'],
  nodeCIDRMaskSizes: [24],
  serviceCIDRs: ['10.96.0.0/12'],
  nodePortRange: { base: 30000, size: 2768 },
  cni: 'calico',
  kubeProxyMode: 'iptables',
  cniOptions: {},
  loadBalancerIPPool: ['172.18.255.200-172.18.255.250'],
  nodes: [
    { name: 'node-1', internalIP: '10.0.1.10', podCIDRs: ['10.244.1.0/24'], zone: 'zone-a', region: 'region-1', labels: {}, taints: [] },
    { name: 'node-2', internalIP: '10.0.2.10', podCIDRs: ['10.244.2.0/24'], zone: 'zone-b', region: 'region-1', labels: {}, taints: [] },
  ],
};

const DEFAULT_V6 = { podCIDR: 'fd00:10:244::/56', serviceCIDR: 'fd00:10:96::/112', mask: 64 };

/** A config error, phrased like an API validation error on the ClusterConfig object. */
export class ConfigError extends Error {}

/**
 * Reads a ClusterConfig object's `spec` onto the defaults. Accepts:
 * clusterDomain, podCIDR | podCIDRs, serviceCIDR | serviceCIDRs, ipFamilies ([IPv4], [IPv4, IPv6], [IPv6, IPv4]),
 * nodeCIDRMaskSize, nodePortRange ("30000-32767"), cni, cniOptions, kubeProxyMode, loadBalancerIPPool, nodes | nodeCount.
 */
export function parseClusterConfig(spec: Record<string, unknown> | undefined, source?: string): ClusterConfig {
  const s = spec ?? {};
  const errors: string[] = [];
  const str = (key: string): string | undefined => {
    const v = s[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') { errors.push(`spec.${key}: Invalid value: ${formatFieldValue(v)}: must be a string`); return undefined; }
    return v;
  };
  const list = (key: string): string[] | undefined => {
    const v = s[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) { errors.push(`spec.${key}: Invalid value: ${formatFieldValue(v)}: must be a list of strings`); return undefined; }
    return v as string[];
  };

  const cfg: ClusterConfig = structuredClone(DEFAULT_CONFIG);
  cfg.source = source;
  cfg.clusterDomain = str('clusterDomain') ?? cfg.clusterDomain;

  const families = list('ipFamilies');
  const podCIDRs = list('podCIDRs') ?? (str('podCIDR') ? [str('podCIDR')!] : undefined);
  const serviceCIDRs = list('serviceCIDRs') ?? (str('serviceCIDR') ? [str('serviceCIDR')!] : undefined);
  if (podCIDRs) cfg.podCIDRs = podCIDRs;
  if (serviceCIDRs) cfg.serviceCIDRs = serviceCIDRs;
  if (families) {
    const valid = families.every((f) => f === 'IPv4' || f === 'IPv6') && families.length >= 1 && families.length <= 2 && new Set(families).size === families.length;
    if (!valid) errors.push(`spec.ipFamilies: Invalid value: ${formatFieldValue(families)}: must be [IPv4], [IPv6], [IPv4, IPv6] or [IPv6, IPv4]`);
    else {
      if (!podCIDRs) cfg.podCIDRs = (families as Family[]).map((f) => (f === 'IPv4' ? DEFAULT_CONFIG.podCIDRs[0] : DEFAULT_V6.podCIDR));
      if (!serviceCIDRs) cfg.serviceCIDRs = (families as Family[]).map((f) => (f === 'IPv4' ? DEFAULT_CONFIG.serviceCIDRs[0] : DEFAULT_V6.serviceCIDR));
    }
  }
  const podAt = checkCidrs('podCIDRs', cfg.podCIDRs, errors);
  const serviceAt = checkCidrs('serviceCIDRs', cfg.serviceCIDRs, errors);
  const parsedPod = podAt.filter((c): c is Cidr => c !== undefined);
  const mask = s.nodeCIDRMaskSize;
  cfg.nodeCIDRMaskSizes = podAt.map((c) => (c?.family === 'IPv6' ? DEFAULT_V6.mask : 24));
  if (mask !== undefined) {
    const max = parsedPod[0]?.family === 'IPv6' ? 126 : 30;
    if (typeof mask !== 'number' || !Number.isInteger(mask)) errors.push(`spec.nodeCIDRMaskSize: Invalid value: ${formatFieldValue(mask)}: must be an integer`);
    // Past /30 a node's range has no room for the gateway (.1) and a pod (host-local IPAM); kubeadm checks the rest.
    else if (mask > max || mask < 1) errors.push(`spec.nodeCIDRMaskSize: Invalid value: ${mask}: must be between 1 and ${max}, inclusive`);
    else cfg.nodeCIDRMaskSizes[0] = mask;
  }

  const range = str('nodePortRange');
  if (range !== undefined) {
    const parsed = parsePortRange(range);
    if (typeof parsed === 'string') errors.push(`spec.nodePortRange: Invalid value: ${quote(range)}: ${parsed}`);
    else cfg.nodePortRange = parsed;
  }
  const cni = str('cni');
  if (cni !== undefined) {
    if (!(CNI_NAMES as readonly string[]).includes(cni)) errors.push(`spec.cni: Unsupported value: ${quote(cni)}: supported values: ${CNI_NAMES.map((c) => `"${c}"`).join(', ')}`);
    else cfg.cni = cni as CniName;
  }
  const mode = str('kubeProxyMode');
  if (mode !== undefined) {
    if (!(KUBE_PROXY_MODES as readonly string[]).includes(mode)) errors.push(`spec.kubeProxyMode: Unsupported value: ${quote(mode)}: supported values: ${KUBE_PROXY_MODES.map((c) => `"${c}"`).join(', ')}`);
    else cfg.kubeProxyMode = mode as KubeProxyMode;
  }
  const cniOptions = s.cniOptions;
  if (cniOptions !== undefined && cniOptions !== null) {
    if (typeof cniOptions !== 'object' || Array.isArray(cniOptions)) errors.push(`spec.cniOptions: Invalid value: ${formatFieldValue(cniOptions)}: must be an object`);
    else {
      for (const [key, value] of Object.entries(cniOptions as Record<string, unknown>)) {
        const allowed = CNI_OPTION_VALUES[key as keyof CniDataPathOptions];
        if (allowed === undefined) errors.push(`spec.cniOptions.${shorten(key)}: Unsupported value: the supported options are ${Object.keys(CNI_OPTION_VALUES).join(', ')}`);
        else if (allowed === 'mtu' ? !(typeof value === 'number' && Number.isInteger(value) && value >= 576 && value <= 65535) : !allowed.includes(value as string | boolean)) {
          errors.push(`spec.cniOptions.${shorten(key)}: Invalid value: ${formatFieldValue(value)}: ${allowed === 'mtu' ? 'must be an integer between 576 and 65535' : `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`}`);
        } else (cfg.cniOptions as Record<string, unknown>)[key] = value;
      }
    }
  }
  const pool = list('loadBalancerIPPool');
  if (pool) {
    for (const [i, entry] of pool.entries()) {
      try { parsePoolEntry(entry); } catch { errors.push(`spec.loadBalancerIPPool[${i}]: Invalid value: ${quote(entry)}: must be a CIDR or a first-last address range`); }
    }
    cfg.loadBalancerIPPool = pool;
  }

  const nodes = s.nodes;
  const nodeCount = s.nodeCount;
  if (nodes !== undefined) {
    if (!Array.isArray(nodes)) errors.push('spec.nodes: Invalid value: must be a list');
    else cfg.nodes = nodes.map((n, i) => parseNode(n, i, errors));
  } else if (nodeCount !== undefined) {
    if (typeof nodeCount !== 'number' || !Number.isInteger(nodeCount) || nodeCount < 1 || nodeCount > 5000) errors.push(`spec.nodeCount: Invalid value: ${formatFieldValue(nodeCount)}: must be between 1 and 5000, inclusive`);
    else cfg.nodes = Array.from({ length: nodeCount }, (_, i) => defaultNode(i));
  }
  if (!nodes && parsedPod.length > 0 && (podCIDRs || families || mask !== undefined)) {
    // Pod CIDR changed: the default nodes' ranges are carved again from the new one.
    for (const n of cfg.nodes) n.podCIDRs = [];
  }
  if (!nodes) placeDefaultNodes(cfg, [...podAt, ...serviceAt]);
  if (!pool) placeDefaultPool(cfg, [...podAt, ...serviceAt]);
  const names = new Set<string>();
  for (const [i, n] of cfg.nodes.entries()) {
    if (names.has(n.name)) errors.push(`spec.nodes[${i}].name: Duplicate value: ${quote(n.name)}`);
    names.add(n.name);
  }
  validateClusterNetworking(cfg, podAt, serviceAt, errors);
  if (errors.length > 0) throw new ConfigError(errors.map((e) => `The ClusterConfig is invalid: ${e}`).join('\n'));
  return cfg;
}

/** Each CIDR parsed, at its index (undefined where it does not parse). */
function checkCidrs(key: string, cidrs: string[], errors: string[]): (Cidr | undefined)[] {
  const out: (Cidr | undefined)[] = [];
  for (const [i, c] of cidrs.entries()) {
    try { out.push(parseCidr(c)); } catch { out.push(undefined); errors.push(`spec.${key}[${i}]: Invalid value: ${quote(c)}: must be a valid CIDR`); }
  }
  if (out.length === 2 && out[0] && out[1] && out[0].family === out[1].family) errors.push(`spec.${key}: Invalid value: ${formatFieldValue(cidrs)}: may specify no more than one CIDR for each IP family`);
  if (cidrs.length === 0 || cidrs.length > 2) errors.push(`spec.${key}: Invalid value: ${formatFieldValue(cidrs)}: must hold one or two CIDRs`);
  return out;
}

/** Default node addresses: 10.0.1.10, 10.0.2.10, ... (or from 172.16 / 192.168 when the cluster's CIDRs hold those). */
const NODE_ADDRESS_BASES = [[10, 0], [172, 16], [192, 168]];

function defaultNodeIP(i: number, base = 0): string {
  const [a, b] = NODE_ADDRESS_BASES[base];
  return `${a}.${b + Math.floor((i + 1) / 256)}.${(i + 1) % 256}.10`;
}

/** Moves default nodes out of the pod and service CIDRs, so that only addresses a user wrote can collide. */
function placeDefaultNodes(cfg: ClusterConfig, ranges: (Cidr | undefined)[]): void {
  const clear = (base: number) => cfg.nodes.every((_, i) => !ranges.some((c) => c && cidrContains(c, defaultNodeIP(i, base))));
  const base = NODE_ADDRESS_BASES.findIndex((_, b) => clear(b));
  if (base > 0) cfg.nodes.forEach((n, i) => { n.internalIP = defaultNodeIP(i, base); });
}

/** The default LoadBalancer pool (kind's), or another when the cluster's CIDRs hold it. */
const DEFAULT_POOLS = ['172.18.255.200-172.18.255.250', '192.168.255.200-192.168.255.250', '10.255.255.200-10.255.255.250'];

function placeDefaultPool(cfg: ClusterConfig, ranges: (Cidr | undefined)[]): void {
  const clear = DEFAULT_POOLS.find((p) => { const { first, last } = parsePoolEntry(p); return !ranges.some((c) => c && (cidrContains(c, first) || cidrContains(c, last))); });
  if (clear) cfg.loadBalancerIPPool = [clear];
}

function defaultNode(i: number): NodeConfig {
  return {
    name: `node-${i + 1}`,
    internalIP: defaultNodeIP(i),
    podCIDRs: [],
    zone: `zone-${String.fromCharCode(97 + (i % 3))}`,
    region: 'region-1',
    labels: {},
    taints: [],
  };
}

function parseNode(raw: unknown, i: number, errors: string[]): NodeConfig {
  const n = (raw ?? {}) as Record<string, unknown>;
  const def = i < DEFAULT_CONFIG.nodes.length ? structuredClone(DEFAULT_CONFIG.nodes[i]) : defaultNode(i);
  const node: NodeConfig = { ...def, podCIDRs: [] };
  if (typeof n.name === 'string') node.name = n.name;
  else if (n.name !== undefined) errors.push(`spec.nodes[${i}].name: Invalid value: must be a string`);
  const ip = n.internalIP ?? n.ip;
  if (typeof ip === 'string') {
    if (!isValidIP(ip)) errors.push(`spec.nodes[${i}].internalIP: Invalid value: ${quote(ip)}: must be a valid IP address`);
    node.internalIP = ip;
  }
  const podCIDRs = Array.isArray(n.podCIDRs) ? n.podCIDRs : typeof n.podCIDR === 'string' ? [n.podCIDR] : [];
  for (const [j, c] of podCIDRs.entries()) {
    try { parseCidr(String(c)); node.podCIDRs.push(String(c)); } catch { errors.push(`spec.nodes[${i}].podCIDRs[${j}]: Invalid value: ${formatFieldValue(c)}: must be a valid CIDR`); }
  }
  if (typeof n.zone === 'string') node.zone = n.zone;
  if (typeof n.region === 'string') node.region = n.region;
  if (n.labels && typeof n.labels === 'object') node.labels = { ...(n.labels as Record<string, string>) };
  if (Array.isArray(n.taints)) node.taints = n.taints as NodeConfig['taints'];
  return node;
}

/** Expands a pool entry (CIDR or `first-last`) into its bounds. */
export function parsePoolEntry(entry: string): { first: string; last: string } {
  if (entry.includes('/')) {
    const c = parseCidr(entry);
    return { first: ipAtOffset(c, 0n), last: ipAtOffset(c, c.size - 1n) };
  }
  const [first, last] = entry.split('-').map((s) => s.trim());
  if (!first || !last || !isValidIP(first) || !isValidIP(last) || familyOf(first) !== familyOf(last) || ipToBigInt(first) > ipToBigInt(last)) throw new ConfigError(`invalid pool entry ${entry}`);
  return { first, last };
}

function ipAtOffset(c: Cidr, off: bigint): string {
  return bigIntToIP(c.base + off, c.family);
}
