// The resolv.conf kubelet writes into a pod (pkg/kubelet/network/dns/dns.go GetPodDNS): the base per dnsPolicy, the
// pod's dnsConfig merged onto it, then the limits (3 nameservers, 32 search domains, 2048 characters).
import type { Diagnostic } from '../api/diagnostics.js';
import { DnsCodes } from './codes.js';

export interface ResolvOption { name: string; value?: string }

export interface ResolvConf {
  nameservers: string[];
  searches: string[];
  options: ResolvOption[];
  /** dnsPolicy as written, and the one kubelet applied (ClusterFirst on a hostNetwork pod becomes Default). */
  dnsPolicy: string;
  effectivePolicy: 'ClusterFirst' | 'ClusterFirstWithHostNet' | 'Default' | 'None';
  notes: string[];
}

/** What kubelet reads from the node: its --resolv-conf (podnet's emulated node has one; see README). */
export interface NodeResolvConf { nameservers: string[]; searches: string[]; options: string[] }

export const DEFAULT_NODE_RESOLV_CONF: NodeResolvConf = { nameservers: ['10.0.0.2'], searches: [], options: [] };

export const MAX_NAMESERVERS = 3;
export const MAX_DNS_SEARCH_PATHS = 32;
export const MAX_DNS_SEARCH_LIST_CHARS = 2048;

type Obj = Record<string, any>;

export interface KubeletDNS { clusterDNS: string[]; clusterDomain: string; node: NodeResolvConf }

export function podResolvConf(pod: Obj, kubelet: KubeletDNS, diags: Diagnostic[] = []): ResolvConf {
  const spec = pod.spec ?? {};
  const policy: string = spec.dnsPolicy ?? 'ClusterFirst';
  const notes: string[] = [];
  const ns = pod.metadata?.namespace ?? 'default';
  const ref = { kind: 'Pod', namespace: ns, name: pod.metadata?.name ?? '' };
  let effective: ResolvConf['effectivePolicy'];
  if (policy === 'None') effective = 'None';
  else if (policy === 'ClusterFirstWithHostNet') effective = 'ClusterFirstWithHostNet';
  else if (policy === 'ClusterFirst' && spec.hostNetwork !== true) effective = 'ClusterFirst';
  else {
    effective = 'Default';
    if (policy === 'ClusterFirst') {
      notes.push('dnsPolicy ClusterFirst on a hostNetwork pod falls back to Default: the pod gets the node\'s resolv.conf (use ClusterFirstWithHostNet to reach cluster DNS)');
      diags.push({ code: DnsCodes.hostNetworkFallback, level: 'warning', object: ref, message: `Pod ${ns}/${ref.name} has hostNetwork: true and dnsPolicy ClusterFirst, so kubelet gives it the node's DNS (Default): service names do not resolve; set dnsPolicy: ClusterFirstWithHostNet` });
    }
  }
  let nameservers: string[] = [];
  let searches: string[] = [];
  let options: ResolvOption[] = [];
  if (effective === 'None') {
    notes.push('dnsPolicy None: everything comes from dnsConfig');
  } else if ((effective === 'ClusterFirst' || effective === 'ClusterFirstWithHostNet') && kubelet.clusterDNS.length > 0) {
    nameservers = [...kubelet.clusterDNS];
    const d = kubelet.clusterDomain;
    searches = omitDuplicates([`${ns}.svc.${d}`, `svc.${d}`, d, ...kubelet.node.searches]);
    options = [{ name: 'ndots', value: '5' }];
  } else {
    if (effective !== 'Default') notes.push('kubelet has no cluster DNS configured: the pod falls back to the node\'s resolv.conf (MissingClusterDNS event)');
    nameservers = [...kubelet.node.nameservers];
    searches = [...kubelet.node.searches];
    options = kubelet.node.options.map(parseOption);
  }
  const dc = spec.dnsConfig as Obj | undefined;
  if (dc) {
    nameservers = omitDuplicates([...nameservers, ...((dc.nameservers ?? []) as string[])]);
    searches = omitDuplicates([...searches, ...((dc.searches ?? []) as string[])]);
    options = mergeOptions(options, (dc.options ?? []) as Obj[]);
  }
  if (effective === 'None' && nameservers.length === 0) {
    diags.push({ code: DnsCodes.noneWithoutNameservers, level: 'error', object: ref, message: `Pod ${ns}/${ref.name}: spec.dnsConfig: Required value: must provide at least one DNS nameserver when dnsPolicy is None` });
  }
  if (nameservers.length > MAX_NAMESERVERS) {
    notes.push(`only the first ${MAX_NAMESERVERS} nameservers are used; ${nameservers.slice(MAX_NAMESERVERS).join(', ')} dropped (DNSConfigForming event)`);
    diags.push({ code: DnsCodes.tooManyNameservers, level: 'warning', object: ref, message: `Pod ${ns}/${ref.name}: Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${nameservers.slice(0, MAX_NAMESERVERS).join(' ')}` });
    nameservers = nameservers.slice(0, MAX_NAMESERVERS);
  }
  const fitted = fitSearches(searches);
  if (fitted.length < searches.length) {
    notes.push(`search list truncated to ${fitted.length} domains (kubelet limits: ${MAX_DNS_SEARCH_PATHS} domains, ${MAX_DNS_SEARCH_LIST_CHARS} characters)`);
    diags.push({ code: DnsCodes.searchTruncated, level: 'warning', object: ref, message: `Pod ${ns}/${ref.name}: Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${fitted.join(' ')}` });
  }
  return { nameservers, searches: fitted, options, dnsPolicy: policy, effectivePolicy: effective, notes };
}

function fitSearches(searches: string[]): string[] {
  let out = searches.slice(0, MAX_DNS_SEARCH_PATHS);
  while (out.join(' ').length > MAX_DNS_SEARCH_LIST_CHARS) out = out.slice(0, -1);
  return out;
}

function parseOption(text: string): ResolvOption {
  const i = text.indexOf(':');
  return i < 0 ? { name: text } : { name: text.slice(0, i), value: text.slice(i + 1) };
}

/** mergeDNSOptions: by name, dnsConfig wins; kubelet builds a Go map (unordered), podnet keeps first-seen order. */
function mergeOptions(base: ResolvOption[], extra: Obj[]): ResolvOption[] {
  const m = new Map<string, string | undefined>();
  for (const o of base) m.set(o.name, o.value);
  for (const o of extra) if (typeof o?.name === 'string') m.set(o.name, typeof o.value === 'string' && o.value !== '' ? o.value : undefined);
  return [...m].map(([name, value]) => (value === undefined ? { name } : { name, value }));
}

function omitDuplicates(list: string[]): string[] {
  return [...new Set(list)];
}

/** The file as the pod sees it. */
export function formatResolvConf(rc: ResolvConf): string {
  const lines: string[] = [];
  if (rc.searches.length) lines.push(`search ${rc.searches.join(' ')}`);
  for (const n of rc.nameservers) lines.push(`nameserver ${n}`);
  if (rc.options.length) lines.push(`options ${rc.options.map((o) => (o.value === undefined ? o.name : `${o.name}:${o.value}`)).join(' ')}`);
  return lines.join('\n') + '\n';
}

/** ndots from the options (resolver default 1; glibc and musl cap it at 15). */
export function ndotsOf(rc: ResolvConf): number {
  const o = [...rc.options].reverse().find((x) => x.name === 'ndots');
  const n = o?.value !== undefined && /^\d+$/.test(o.value) ? Number(o.value) : 1;
  return Math.min(n, 15);
}
