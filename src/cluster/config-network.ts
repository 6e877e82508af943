// The checks a real control plane makes of a ClusterConfig's addressing, with their messages:
// - kubeadm (cmd/kubeadm/app/apis/kubeadm/validation/validation.go ValidateIPNetFromString, ValidateServiceSubnetSize,
//   ValidatePodSubnetNodeMask; constants MinimumAddressesInPodSubnet 14, MinimumAddressesInServiceSubnet 10,
//   MaximumBitsForServiceSubnet 20, PodSubnetNodeMaskMaxDiff 16);
// - kube-apiserver (cmd/kube-apiserver/app/options/validation.go validateMaxCIDRRange: a service range of at most 20
//   host bits, /12 for IPv4 and /108 for IPv6; apimachinery util/net ParsePortRange for --service-node-port-range);
// - kube-controller-manager (nodeipam cidrset: a node range at most 16 bits longer than the cluster CIDR, and
//   Occupy's "cidr ... is out the range of cluster cidr ..." for a node's own pod CIDR).
// Beyond them (no component refuses these, and each breaks the model): a pod CIDR overlapping a service CIDR
// (kubeadm#3312), node IPs inside either, a LoadBalancer pool overlapping either, a NodePort range that includes 0.
import { quote } from '../api/field-errors.js';
import { cidrContains, cidrsOverlap, familyOf, ipToBigInt, isValidIP, parseCidr, type Cidr } from '../net/cidr.js';
import { parsePoolEntry, type ClusterConfig } from './config.js';

const MIN_POD_ADDRESSES = 14n;
const MIN_SERVICE_ADDRESSES = 10n;
const MAX_SERVICE_HOST_BITS = 20;
const POD_SUBNET_NODE_MASK_MAX_DIFF = 16;

/** `--service-node-port-range` as apimachinery's PortRange.Set reads it: "30000-32767", "30000+2767" or one port. */
export function parsePortRange(value: string): { base: number; size: number } | string {
  const v = value.trim();
  const hyphen = v.indexOf('-');
  const plus = v.indexOf('+');
  const atoi = (s: string): number | string => (/^[+-]?\d+$/.test(s) ? Number(s) : `strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  let low: number | string;
  let high: number | string;
  if (hyphen < 0 && plus < 0) low = high = atoi(v);
  else if (hyphen >= 0 && plus < 0) { low = atoi(v.slice(0, hyphen)); high = atoi(v.slice(hyphen + 1)); }
  else if (plus >= 0 && hyphen < 0) {
    low = atoi(v.slice(0, plus));
    const offset = atoi(v.slice(plus + 1));
    high = typeof low === 'number' && typeof offset === 'number' ? low + offset : typeof offset === 'string' ? offset : low;
  } else return `unable to parse port range: ${v}`;
  if (typeof low === 'string') return low;
  if (typeof high === 'string') return high;
  if (low > 65535 || high > 65535) return `the port range cannot be greater than 65535: ${v}`;
  if (high < low) return `end port cannot be less than start port: ${v}`;
  // PortRange accepts 0 and negatives; a Service's nodePort 0 means "allocate one", so no range may hold it.
  if (low < 1) return `the port range must start at 1 or above (nodePort 0 means "allocate one"): ${v}`;
  return { base: low, size: high - low + 1 };
}

/** The addressing checks, on the config as it will be used (defaults included); messages as field errors. */
export function validateClusterNetworking(cfg: ClusterConfig, pod: (Cidr | undefined)[], service: (Cidr | undefined)[], errors: string[]): void {
  const invalid = (field: string, value: string, detail: string) => errors.push(`${field}: Invalid value: ${quote(value)}: ${detail}`);
  for (const [i, c] of pod.entries()) {
    if (!c) continue;
    const field = `spec.podCIDRs[${i}]`;
    if (c.size < MIN_POD_ADDRESSES) invalid(field, c.text, `subnet with ${c.size} address(es) is too small, the minimum is ${MIN_POD_ADDRESSES}`);
    const nodeMask = cfg.nodeCIDRMaskSizes[i];
    if (nodeMask === undefined) continue;
    if (c.prefix > nodeMask) invalid(field, c.text, `the size of pod subnet with mask ${c.prefix} is smaller than the size of node subnet with mask ${nodeMask}`);
    else if (nodeMask - c.prefix > POD_SUBNET_NODE_MASK_MAX_DIFF) invalid(field, c.text, `pod subnet mask (${c.prefix}) and node-mask (${nodeMask}) difference is greater than ${POD_SUBNET_NODE_MASK_MAX_DIFF}`);
  }
  for (const [i, c] of service.entries()) {
    if (!c) continue;
    const field = `spec.serviceCIDRs[${i}]`;
    const bits = c.family === 'IPv4' ? 32 : 128;
    if (c.size < MIN_SERVICE_ADDRESSES) invalid(field, c.text, `subnet with ${c.size} address(es) is too small, the minimum is ${MIN_SERVICE_ADDRESSES}`);
    if (bits - c.prefix > MAX_SERVICE_HOST_BITS) invalid(field, c.text, `specified service subnet is too large; for ${bits}-bit addresses, the mask must be >= ${bits - MAX_SERVICE_HOST_BITS}`);
    for (const [j, p] of pod.entries()) {
      if (p && cidrsOverlap(c, p)) invalid(field, c.text, `overlaps with the pod CIDR ${quote(p.text)} (spec.podCIDRs[${j}]): a ClusterIP could be a pod's IP`);
    }
  }
  const ranges = [
    ...pod.map((c, i) => c && { c, what: `the pod CIDR ${quote(c.text)} (spec.podCIDRs[${i}])` }),
    ...service.map((c, i) => c && { c, what: `the service CIDR ${quote(c.text)} (spec.serviceCIDRs[${i}])` }),
  ].filter((x): x is { c: Cidr; what: string } => Boolean(x));
  const seenIPs = new Map<string, number>();
  for (const [i, n] of cfg.nodes.entries()) {
    const field = `spec.nodes[${i}]`;
    if (isValidIP(n.internalIP)) {
      const inside = ranges.find((r) => cidrContains(r.c, n.internalIP));
      if (inside) invalid(`${field}.internalIP`, n.internalIP, `must not be inside ${inside.what}: a node's address is not a pod's or a Service's`);
      const first = seenIPs.get(n.internalIP);
      if (first !== undefined) errors.push(`${field}.internalIP: Duplicate value: ${quote(n.internalIP)} (spec.nodes[${first}] has it)`);
      else seenIPs.set(n.internalIP, i);
    }
    for (const [j, text] of n.podCIDRs.entries()) {
      let own: Cidr;
      try { own = parseCidr(text); } catch { continue; }
      const cluster = pod.find((c) => c?.family === own.family);
      if (cluster && !(cidrContains(cluster, ipOf(own)) && own.prefix >= cluster.prefix)) invalid(`${field}.podCIDRs[${j}]`, text, `cidr ${own.text} is out the range of cluster cidr ${cluster.text}`);
    }
  }
  for (const [i, entry] of cfg.loadBalancerIPPool.entries()) {
    const pool = poolRange(entry);
    if (!pool) continue;
    const hit = ranges.find((r) => r.c.family === pool.family && r.c.base <= pool.last && pool.first < r.c.base + r.c.size);
    if (hit) invalid(`spec.loadBalancerIPPool[${i}]`, entry, `overlaps with ${hit.what}: a LoadBalancer IP would be a pod's or a Service's address`);
  }
}

function ipOf(c: Cidr): string {
  return c.text.split('/')[0];
}

function poolRange(entry: string): { family: Cidr['family']; first: bigint; last: bigint } | undefined {
  try {
    const { first, last } = parsePoolEntry(entry);
    return { family: familyOf(first), first: ipToBigInt(first), last: ipToBigInt(last) };
  } catch {
    return undefined;
  }
}
