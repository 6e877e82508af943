// Cluster DNS: the zone CoreDNS serves (kubernetes plugin), the Corefile around it, and each pod's resolver.
//   compileDns(cluster) -> DnsModel: resolve(name, type) at the cluster DNS, resolveFromPod(pod, name, type) through the
//   pod's resolv.conf and search list. Pure: no sockets; where an upstream would answer, the result says FORWARDED.
import type { Diagnostic } from '../api/diagnostics.js';
import { compileLabelSelector } from '../api/labels.js';
import type { SourceRef } from '../api/types.js';
import { wellKnownServiceIPs } from '../cluster/builtins.js';
import type { Cluster } from '../cluster/cluster.js';
import { DnsChain, type ChainBlock, type DnsAnswer, type ForwardDecision, type TransferRequest } from './chain.js';
import { DnsCodes } from './codes.js';
import { kubeadmCorefile, parseCorefile } from './corefile.js';
import { compileServerBlocks, type ServerBlock } from './corefile-plugins.js';
import { ExternalPlugin } from './k8s-external.js';
import { KubernetesPlugin } from './kubernetes.js';
import { fqdn } from './names.js';
import { record, type DnsRecord } from './records.js';
import { lookupEtcHosts, podEtcHosts } from './etc-hosts.js';
import { DEFAULT_NODE_RESOLV_CONF, formatResolvConf, podResolvConf, type NodeResolvConf, type ResolvConf } from './resolvconf.js';
import { searchCandidates, walkSearch, type ResolverFlavour } from './search.js';
import { buildZoneIndex } from './zone-index.js';
import { pushAll } from '../util/arrays.js';

export { DnsCodes } from './codes.js';
export type { DnsAnswer, ForwardDecision, TransferRequest } from './chain.js';
export type { DnsRecord, Rdata, RecordType } from './records.js';
export { formatRecordLine } from './records.js';
export type { ResolvConf, NodeResolvConf } from './resolvconf.js';
export { formatResolvConf } from './resolvconf.js';
export type { ResolverFlavour } from './search.js';
export { kubeadmCorefile } from './corefile.js';
export { podEtcHosts, formatEtcHosts, type HostsEntry } from './etc-hosts.js';

export interface DnsOptions {
  /** SOA serial (CoreDNS: the time of the last object change); default: now, in seconds. */
  serial?: number;
  /** The emulated node's resolv.conf (kubelet --resolv-conf). Default: nameserver 10.0.0.2, no search. */
  nodeResolvConf?: NodeResolvConf;
  /** A Corefile to use instead of the cluster's (the coredns ConfigMap) or kubeadm's default. */
  corefile?: string;
}

/** One lookup as a user sees it; `rcode`, `answers` and `tried` are the public JSON contract. */
export interface DnsLookup {
  rcode: DnsAnswer['rcode'];
  answers: DnsRecord[];
  authority: DnsRecord[];
  additional: DnsRecord[];
  /** Every name sent, in order. */
  tried: string[];
  question: { name: string; type: string };
  steps: { name: string; rcode: DnsAnswer['rcode']; answers: number; why: string[] }[];
  stop: string;
  /** Set when the final answer is an upstream's. */
  forward?: ForwardDecision;
  from?: { pod: string; nameserver: string; resolver: ResolverFlavour; resolvConf: string; dnsPolicy: string; effectivePolicy: string; notes: string[] };
}

export interface DnsModel {
  readonly corefile: { text: string; source: SourceRef; fromConfigMap: boolean };
  readonly blocks: readonly ServerBlock[];
  readonly chain: DnsChain;
  readonly diagnostics: readonly Diagnostic[];
  /** kubelet's --cluster-dns: the kube-dns ClusterIP(s). */
  readonly clusterDNS: readonly string[];
  readonly clusterDomain: string;
  /** The raw server reply for one question (what a packet to kube-dns:53 gets). */
  query(name: string, type?: string, port?: number): DnsAnswer;
  /** A zone transfer (AXFR/IXFR) as a socket receives it: TCP or UDP, from a client address, IXFR's serial. */
  transfer(name: string, type: 'AXFR' | 'IXFR', req: TransferRequest, port?: number): DnsAnswer;
  /** An absolute lookup at the cluster DNS. */
  resolve(name: string, type?: string): DnsLookup;
  /** A lookup from inside a pod: its /etc/hosts, then resolv.conf, search list and resolver flavour. Throws PodNotFoundError. */
  resolveFromPod(pod: string | { namespace: string; name: string }, name: string, type?: string, opts?: { resolver?: ResolverFlavour }): DnsLookup;
  resolvConf(pod: string | { namespace: string; name: string }): ResolvConf;
}

export class PodNotFoundError extends Error {}

export function compileDns(cluster: Cluster, opts: DnsOptions = {}): DnsModel {
  const diagnostics: Diagnostic[] = [];
  const clusterDomain = cluster.config.clusterDomain;
  const cm = cluster.get<Record<string, any>>('ConfigMap', 'kube-system', 'coredns');
  const cmText = cm?.data?.Corefile;
  let corefile: DnsModel['corefile'];
  if (opts.corefile !== undefined) corefile = { text: opts.corefile, source: { file: '<corefile>', line: 1 }, fromConfigMap: false };
  else if (typeof cmText === 'string') corefile = { text: cmText, source: cluster.sourceOf(cm as any) ?? { file: '<configmap>', line: 1 }, fromConfigMap: true };
  else {
    if (cm) diagnostics.push({ code: DnsCodes.corefileMissing, level: 'warning', object: { kind: 'ConfigMap', namespace: 'kube-system', name: 'coredns' }, source: cluster.sourceOf(cm as any), message: 'ConfigMap kube-system/coredns has no data.Corefile; podnet uses kubeadm\'s default Corefile' });
    corefile = { text: kubeadmCorefile(clusterDomain), source: { file: '<kubeadm default Corefile>', line: 1 }, fromConfigMap: false };
  }
  const parsed = parseCorefile(corefile.text, corefile.source);
  pushAll(diagnostics, parsed.diagnostics);
  const blocks = compileServerBlocks(parsed.blocks, corefile.source, diagnostics);
  if (!blocks.some((b) => b.port === 53)) diagnostics.push({ code: DnsCodes.noServerBlock, level: 'error', source: corefile.source, message: 'the Corefile has no server block on port 53, so kube-dns (port 53) gets no answers' });

  const serial = (opts.serial ?? Math.floor(Date.now() / 1000)) >>> 0;
  const indexCache = new Map<string, ReturnType<typeof buildZoneIndex>>();
  const chainBlocks: ChainBlock[] = blocks.map((block) => {
    if (!block.kubernetes) return { block };
    const k = block.kubernetes;
    const key = JSON.stringify([k.labels ?? null, k.namespaceLabels ?? null]);
    let index = indexCache.get(key);
    if (!index) {
      index = buildZoneIndex(cluster, {
        ...(k.labels ? { labels: compileLabelSelector(k.labels) } : {}),
        ...(k.namespaceLabels ? { namespaceLabels: compileLabelSelector(k.namespaceLabels) } : {}),
      });
      indexCache.set(key, index);
    }
    const kubernetes = new KubernetesPlugin(k, index, serial);
    return { block, kubernetes, ...(block.external ? { external: new ExternalPlugin(block.external, kubernetes, serial) } : {}) };
  });
  for (const b of blocks) {
    // k8s_external asks the kubernetes plugin of its server block (setup.go: "kubernetes plugin not loaded").
    if (b.external && !b.kubernetes) diagnostics.push({ code: DnsCodes.pluginArgument, level: 'error', source: { file: corefile.source.file, line: corefile.source.line + b.external.line - 1 }, message: `Corefile:${b.external.line}: k8s_external needs the kubernetes plugin in the same server block; CoreDNS refuses to start` });
  }
  const node = opts.nodeResolvConf ?? DEFAULT_NODE_RESOLV_CONF;
  const chain = new DnsChain(chainBlocks, node.nameservers, node.searches);
  for (const b of blocks) {
    if (b.autopath && b.kubernetes?.pods !== 'verified') diagnostics.push({ code: DnsCodes.optionNotModelled, level: 'warning', source: { file: corefile.source.file, line: corefile.source.line + (b.autopathLine ?? b.line) - 1 }, message: `Corefile:${b.autopathLine ?? b.line}: autopath @kubernetes needs "pods verified" in the kubernetes plugin; without it CoreDNS does no autopath` });
  }
  const clusterDNS = [wellKnownServiceIPs(cluster.config).dns];
  const kubeDns = cluster.get<Record<string, any>>('Service', 'kube-system', 'kube-dns');
  const dnsServiceIPs = new Set<string>([...clusterDNS, ...((kubeDns?.spec?.clusterIPs ?? []) as string[])]);

  const findPod = (ref: string | { namespace: string; name: string }) => {
    const { namespace, name } = typeof ref === 'string' ? splitRef(ref) : ref;
    const pod = cluster.get<Record<string, any>>('Pod', namespace, name);
    if (!pod) {
      const names = cluster.pods(namespace).map((p) => p.metadata.name);
      throw new PodNotFoundError(`pods "${name}" not found in namespace ${namespace}${names.length ? ` (pods there: ${names.slice(0, 8).join(', ')}${names.length > 8 ? ', ...' : ''})` : ''}`);
    }
    return pod;
  };
  const kubelet = { clusterDNS, clusterDomain, node };

  const toLookup = (question: { name: string; type: string }, final: DnsAnswer, steps: { name: string; answer: DnsAnswer }[], stop: string): DnsLookup => ({
    rcode: final.rcode, answers: final.answers, authority: final.authority, additional: final.additional,
    tried: steps.map((s) => s.name), question,
    steps: steps.map((s) => ({ name: s.name, rcode: s.answer.rcode, answers: s.answer.answers.length, why: s.answer.why })),
    stop, ...(final.forward ? { forward: final.forward } : {}),
  });

  const model: DnsModel = {
    corefile, blocks, chain, diagnostics, clusterDNS, clusterDomain,
    query: (name, type = 'A', port = 53) => chain.resolve(name, type, port),
    transfer: (name, type, req, port = 53) => chain.transfer(name, type, req, port),
    resolve(name, type = 'A') {
      const q = fqdn(name);
      const a = chain.resolve(q, type);
      return toLookup({ name: q, type: type.toUpperCase() }, a, [{ name: q, answer: a }], a.rcode === 'FORWARDED' ? 'the name goes to an upstream resolver' : 'an absolute name is sent once');
    },
    resolvConf(ref) {
      return podResolvConf(findPod(ref), kubelet);
    },
    resolveFromPod(ref, name, type = 'A', o = {}) {
      const pod = findPod(ref);
      const resolver = o.resolver ?? 'glibc';
      const rc = podResolvConf(pod, kubelet);
      const nameserver = rc.nameservers[0];
      const qtype = type.toUpperCase();
      const fromFile = lookupEtcHosts(podEtcHosts(pod, clusterDomain), name, qtype);
      if (fromFile.length > 0) {
        // nsswitch `hosts: files dns`: the pod's /etc/hosts answers before any query is sent.
        const owner = fqdn(name);
        const answers = fromFile.map((e) => record(owner, 0, { type: qtype as 'A' | 'AAAA', address: e.ip }, e.source === 'hostAliases' ? `spec.hostAliases of Pod ${pod.metadata.namespace}/${pod.metadata.name} (/etc/hosts)` : `the pod's own /etc/hosts line (kubelet)`));
        const final: DnsAnswer = { question: { name: owner, type: qtype }, rcode: 'NOERROR', authoritative: false, answers, authority: [], additional: [], plugin: 'none', why: ['/etc/hosts'] };
        const lookup = toLookup({ name, type: qtype }, final, [], `${name} is in the pod's /etc/hosts, read before DNS (nsswitch "files dns"): no query is sent`);
        lookup.from = {
          pod: `${pod.metadata.namespace}/${pod.metadata.name}`, nameserver: rc.nameservers[0] ?? '', resolver, resolvConf: formatResolvConf(rc),
          dnsPolicy: rc.dnsPolicy, effectivePolicy: rc.effectivePolicy, notes: rc.notes,
        };
        return lookup;
      }
      const candidates = searchCandidates(name, rc, resolver);
      const ask = (n: string): DnsAnswer => {
        // The packet's source is the pod's IP (no SNAT on the way to kube-dns), which autopath relies on.
        if (nameserver && dnsServiceIPs.has(nameserver)) return chain.resolve(n, qtype, 53, 0, pod.status?.podIP);
        const why = nameserver ? [`the pod's nameserver ${nameserver} is not the cluster DNS (${[...dnsServiceIPs].join(', ')}): it answers, not CoreDNS`] : ['the pod has no nameserver'];
        return {
          question: { name: n, type: qtype }, rcode: nameserver ? 'FORWARDED' : 'SERVFAIL', authoritative: false, answers: [], authority: [], additional: [], plugin: 'none', why,
          ...(nameserver ? { forward: { name: n, type: qtype, upstreams: [nameserver], rule: `resolv.conf nameserver ${nameserver}` } } : {}),
        };
      };
      const walk = walkSearch(candidates, resolver, ask, name);
      const lookup = toLookup({ name, type: qtype }, walk.final, walk.steps, walk.stop);
      lookup.from = {
        pod: `${pod.metadata.namespace}/${pod.metadata.name}`, nameserver: nameserver ?? '', resolver, resolvConf: formatResolvConf(rc),
        dnsPolicy: rc.dnsPolicy, effectivePolicy: rc.effectivePolicy, notes: rc.notes,
      };
      return lookup;
    },
  };
  return model;
}

function splitRef(ref: string): { namespace: string; name: string } {
  const i = ref.indexOf('/');
  return i < 0 ? { namespace: 'default', name: ref } : { namespace: ref.slice(0, i), name: ref.slice(i + 1) };
}
export { isValidName, reverseName } from './names.js';
