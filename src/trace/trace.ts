// The hop-by-hop trace: one connection from a pod (or an outside client) to a URL, HOST:PORT or IP:PORT, through
// DNS, the pod's route out, kube-proxy's DNAT/SNAT (src/services), NetworkPolicy (egress, then ingress at the
// destination), the CNI's path between nodes (src/net), delivery to the container port, and the reply through
// conntrack. Each hop carries its why; drops say where and why.
import { joinHostPort } from '../util/text.js';
import type { Cluster } from '../cluster/cluster.js';
import type { NodeInfo } from '../cluster/nodes.js';
import { cidrContains, familyOf, isValidIP, parseCidr } from '../net/cidr.js';
import { cniProfile, describeEncap, encapsulate, hostVethName, masqueradeSource, type CniOptions, type CniProfile } from '../net/cni.js';
import { decideService, matchDestination, vipEntryNode, type EndpointChoice, type ServiceDecision, type TrafficSource } from '../services/index.js';
import { isClusterLocal, servicesModel } from '../services/index.js';
import { fallbackDns, type IngressStep, type MeshStep, type PolicyStepResult, type TraceComponents } from './hooks.js';
import { isLoopback, loopbackHops } from './loopback.js';
import { servedPort } from './pod-ports.js';
import { pushAll } from '../util/arrays.js';

type Obj = Record<string, any>;
type PodObj = Obj & { metadata: Obj; spec: Obj; status?: Obj };

export type HopStep = 'dns' | 'route' | 'policy-egress' | 'dnat' | 'snat' | 'encap' | 'policy-ingress' | 'deliver' | 'ingress' | 'reply' | 'exit' | 'mesh-outbound' | 'mesh-inbound';

export interface TraceHop {
  step: HopStep;
  node?: string;
  detail: Record<string, unknown>;
  text: string;
}

export interface TraceResult {
  verdict: 'delivered' | 'dropped';
  from: string;
  to: string;
  hops: TraceHop[];
  dropReason?: string;
  /** Where the drop happened (the hop's step). */
  dropAt?: HopStep;
}

export interface TraceRequest {
  /** `namespace/pod`, `external` or `external:IP`. */
  from: string;
  /** A URL, HOST:PORT or IP:PORT. */
  to: string;
  /** Makes kube-proxy's random endpoint pick reproducible; without it every candidate is listed. */
  seed?: number;
  /** `IP:PORT` of one of kube-proxy's candidates to follow instead of a pick (podnet verify follows each in turn). */
  endpoint?: string;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  /** For external clients: the node they enter through (NodePort / LoadBalancer). */
  node?: string;
  cni?: CniOptions;
  components?: TraceComponents;
  /** IP packet size in bytes, sent with DF set: checked against the path MTU (pod MTU; underlay MTU once encapsulated). */
  size?: number;
}

/** Bad input (unknown pod, unparsable target): the caller prints the message. */
export class TraceInputError extends Error {}

/** A documentation address (TEST-NET-3) for an outside client when none is given. */
export const DEFAULT_EXTERNAL_CLIENT = '203.0.113.10';

interface PodIndex { byIP: Map<string, PodObj> }
const podIndexCache = new WeakMap<Cluster, PodIndex>();
function podIndex(cluster: Cluster): PodIndex {
  let idx = podIndexCache.get(cluster);
  if (!idx) {
    const byIP = new Map<string, PodObj>();
    for (const p of cluster.pods() as PodObj[]) {
      if (p.spec.hostNetwork) continue;
      for (const ip of (p.status?.podIPs ?? []).map((x: Obj) => x.ip).concat(p.status?.podIP ? [p.status.podIP] : [])) byIP.set(ip, p);
    }
    podIndexCache.set(cluster, (idx = { byIP }));
  }
  return idx;
}

export function parseTarget(to: string): { host: string; port: number; scheme?: string; path?: string } {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(to)) {
    let u: URL;
    try { u = new URL(to); } catch { throw new TraceInputError(`cannot parse URL ${JSON.stringify(to)}`); }
    const scheme = u.protocol.replace(':', '');
    const port = u.port ? Number(u.port) : scheme === 'https' ? 443 : scheme === 'http' ? 80 : NaN;
    if (!Number.isInteger(port)) throw new TraceInputError(`URL ${to} has no port and ${scheme} has no default port`);
    return { host: u.hostname.replace(/^\[|\]$/g, ''), port, scheme, path: u.pathname };
  }
  const m = to.match(/^\[([^\]]+)\]:(\d+)$/) ?? to.match(/^([^:\s]+):(\d+)$/);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw new TraceInputError(`--to must be a URL, HOST:PORT or IP:PORT (got ${JSON.stringify(to)})`);
  return { host: m[1], port: Number(m[2]) };
}

/** Traces one connection. Throws TraceInputError on bad input; never on odd cluster state (that becomes a drop). */
export function trace(cluster: Cluster, req: TraceRequest): TraceResult {
  const model = servicesModel(cluster);
  // The cluster's CNI options (ClusterConfig spec.cniOptions), overridden per request.
  const profile = cniProfile(cluster.config.cni, { ...cluster.config.cniOptions, ...req.cni });
  const proto = (req.protocol ?? 'TCP').toUpperCase();
  const target = parseTarget(req.to);
  const hops: TraceHop[] = [];
  const result = (verdict: 'delivered' | 'dropped', dropReason?: string, dropAt?: HopStep): TraceResult =>
    ({ verdict, from: req.from, to: req.to, hops, ...(dropReason ? { dropReason, dropAt } : {}) });
  const drop = (step: HopStep, node: string | undefined, reason: string, detail: Record<string, unknown> = {}, how: 'DROPPED' | 'REJECTED' = 'DROPPED') => {
    hops.push({ step, node, detail: { ...detail, dropped: true }, text: `${how}: ${reason}` });
    return result('dropped', reason, step);
  };

  // The source.
  let srcPod: PodObj | undefined;
  let src: TrafficSource;
  let srcNode: NodeInfo | undefined;
  if (req.from === 'external' || req.from.startsWith('external:')) {
    const ip = req.from.slice('external:'.length) || DEFAULT_EXTERNAL_CLIENT;
    if (!isValidIP(ip)) throw new TraceInputError(`--from external:IP needs a valid IP (got ${JSON.stringify(ip)})`);
    src = { kind: 'external', ip };
  } else {
    const [ns, name] = req.from.includes('/') ? req.from.split('/', 2) : ['default', req.from];
    srcPod = cluster.get<PodObj>('Pod', ns, name);
    if (!srcPod) {
      const names = cluster.pods(ns).map((p) => p.metadata.name);
      throw new TraceInputError(`pods "${name}" not found in namespace ${ns}${names.length ? ` (pods there: ${names.slice(0, 8).join(', ')}${names.length > 8 ? ', ...' : ''})` : ''}`);
    }
    if (!srcPod.status?.podIP) throw new TraceInputError(`pod ${ns}/${name} has no IP (phase ${srcPod.status?.phase ?? 'unknown'}): it cannot send traffic`);
    srcNode = model.nodeByName.get(srcPod.spec.nodeName);
    src = { kind: srcPod.spec.hostNetwork ? 'node' : 'pod', ip: srcPod.status.podIP, node: srcPod.spec.nodeName, pod: `${ns}/${name}` };
  }

  // DNS.
  let dstIP = target.host;
  if (!isValidIP(dstIP)) {
    if (!srcPod) {
      const ip = req.components?.externalAddress?.(cluster, target.host);
      if (!ip) throw new TraceInputError(`an outside client does not use cluster DNS and no Ingress serves ${JSON.stringify(target.host)}: give the LoadBalancer, external or node IP instead`);
      hops.push({ step: 'dns', detail: { name: target.host, answer: ip, public: true }, text: `public DNS: ${target.host} points at ${ip}, the load balancer address in its Ingress's status` });
      dstIP = ip;
    }
  }
  if (!isValidIP(dstIP)) {
    if (!srcPod) throw new TraceInputError(`cannot resolve ${target.host}`);
    const resolve = req.components?.dns ?? fallbackDns;
    let dns;
    try { dns = resolve(cluster, src.pod!, target.host); } catch (e) { return drop('dns', src.node, `DNS lookup of ${target.host} failed: ${(e as Error).message}`); }
    // The queries are UDP packets to the pod's nameserver, through kube-proxy and NetworkPolicy like any other: an
    // egress policy without a DNS rule leaves the resolver with no answer (found by podnet verify).
    const nameserver = dns.detail?.nameserver;
    if (typeof nameserver === 'string' && req.components?.policy && src.kind === 'pod') {
      const q = trace(cluster, { from: req.from, to: `${nameserver}:53`, protocol: 'UDP', components: { policy: req.components.policy } });
      if (q.verdict === 'dropped') return drop('dns', src.node, `the DNS query for ${target.host} to ${nameserver}:53/UDP is dropped (${q.dropReason}): the resolver gets no answer`, { name: target.host, nameserver });
    }
    hops.push({ step: 'dns', node: src.node, detail: { name: target.host, rcode: dns.rcode, tried: dns.tried, ...(dns.ip ? { answer: dns.ip } : {}), ...(dns.cname ? { cname: dns.cname } : {}), ...(dns.detail ?? {}) }, text: `resolver in ${src.pod} tried ${dns.tried.join(', ')}: ${dns.text}` });
    if (dns.cname && !dns.ip) {
      // ExternalName: DNS only, kube-proxy never sees it; the connection goes to whatever the CNAME resolves to upstream.
      routeOut(hops, srcPod, srcNode, profile);
      hops.push({ step: 'snat', node: src.node, detail: { from: src.ip, to: srcNode?.internalIPs[0], by: 'CNI masquerade' }, text: `the destination is outside the cluster: ${cniMasq(profile)} SNATs ${src.ip} to the node IP ${srcNode?.internalIPs[0] ?? ''}` });
      hops.push({ step: 'exit', node: src.node, detail: { leftCluster: true, cname: dns.cname, port: target.port }, text: `ExternalName: no ClusterIP and no kube-proxy rules; the client connects to ${dns.cname}:${target.port} as the upstream resolver answers it, outside the cluster (podnet stops at the cluster edge)` });
      return result('delivered');
    }
    if (!dns.ip) return drop('dns', src.node, `DNS: ${target.host} does not resolve (${dns.rcode}); ${dns.text}`);
    dstIP = dns.ip;
  }

  if (srcPod && isLoopback(dstIP)) {
    const lo = loopbackHops(srcPod, dstIP, target.port, proto);
    pushAll(hops, lo.hops);
    return lo.delivered ? result('delivered') : result('dropped', lo.reason, 'deliver');
  }
  if (srcPod) {
    routeOut(hops, srcPod, srcNode, profile);
    if (req.size !== undefined && !srcPod.spec.hostNetwork && req.size > profile.podMTU) {
      return drop('route', src.node, `a ${req.size}-byte packet with DF set does not fit the pod's eth0 MTU of ${profile.podMTU} (${profile.title}: underlay ${profile.underlayMTU} − ${profile.overhead}): the sender gets EMSGSIZE / must lower its path MTU`, { size: req.size, podMTU: profile.podMTU });
    }
  }

  // kube-proxy: which node's rules see the packet first.
  const dstNodeByIP = model.nodeByIP.get(dstIP);
  let procNode = srcNode;
  if (src.kind === 'external') {
    procNode = dstNodeByIP ?? (req.node ? model.nodeByName.get(req.node) : undefined) ?? vipEntryNode(model, dstIP, target.port, proto);
    if (req.node && !model.nodeByName.get(req.node)) throw new TraceInputError(`node ${JSON.stringify(req.node)} not found (nodes: ${cluster.nodes.map((n) => n.name).join(', ')})`);
    if (!procNode) throw new TraceInputError('the cluster has no nodes');
    hops.push({ step: 'route', node: procNode.name, detail: { client: src.ip, to: `${dstIP}:${target.port}`, via: dstNodeByIP ? 'node IP' : 'load balancer / external IP routed to the node' }, text: `outside client ${src.ip} reaches node ${procNode.name} (${procNode.internalIPs[0]}) for ${dstIP}:${target.port}` });
  } else if (dstNodeByIP && dstNodeByIP.name !== srcNode?.name) {
    procNode = dstNodeByIP; // a NodePort on another node is handled by that node's kube-proxy
  }
  const procName = procNode?.name ?? '';
  let endpointIP = dstIP;
  let endpointPort = target.port;
  let curSrc = src.ip;
  let seenSrc: TrafficSource = src;
  let decision: ServiceDecision | undefined;
  /** kube-proxy's MASQUERADE: on which node, and the source before it. */
  let masqueraded: { node: string; before: string } | undefined;
  const match = matchDestination(model, dstIP, target.port, proto, procName);
  if (match.kind === 'unmatched-service-ip') return drop('dnat', procName, match.reason);
  if (match.kind === 'service' && src.kind === 'pod' && procNode && srcNode && procNode.name !== srcNode.name && cniMasqueradesToNodes(profile)) {
    // Another node's address is outside the pod network: the CNI's masquerade rule rewrites the source on the way out,
    // so that node's kube-proxy sees a node address, not a pod (externalTrafficPolicy Local then applies in full).
    const nodeIP = srcNode.internalIPs[0];
    hops.push({ step: 'snat', node: srcNode.name, detail: { from: src.ip, to: nodeIP, by: 'CNI masquerade' }, text: `${dstIP} is another node's address, outside the pod network: ${cniMasq(profile)} SNATs ${src.ip} to ${nodeIP}, so node ${procName} sees a node, not a pod` });
    curSrc = nodeIP;
    seenSrc = { kind: 'external', ip: nodeIP };
  }
  // A sidecar takes a pod's connection to a ClusterIP: its outbound Envoy routes it and connects to the endpoint it
  // picks itself, so kube-proxy's DNAT never sees it (src/mesh).
  const meshHttp = target.scheme === 'http' ? { method: 'GET', path: target.path ?? '/' } : undefined;
  const meshRandom = req.seed !== undefined ? seededRandom(req.seed) : undefined;
  let meshStep: MeshStep | undefined;
  if (req.components?.mesh && src.kind === 'pod' && match.kind === 'service' && match.entry === 'clusterIP') {
    meshStep = req.components.mesh(cluster, { srcPod: src.pod!, service: { namespace: match.sp.namespace, name: match.sp.name, port: match.sp.port }, port: target.port, http: meshHttp, random: meshRandom });
    if (meshStep?.outbound) {
      hops.push({ step: 'mesh-outbound', node: src.node, detail: meshStep.outbound.detail, text: meshStep.outbound.text });
      if (meshStep.deniedAt === 'mesh-outbound' || !meshStep.outbound.endpoint) return result('dropped', meshStep.reason, 'mesh-outbound');
      endpointIP = meshStep.outbound.endpoint.ip;
      endpointPort = meshStep.outbound.endpoint.port;
    }
  }
  if (match.kind === 'service' && !meshStep?.outbound) {
    decision = decideService(model, match.sp, match.entry, dstIP, seenSrc, procName);
    if (decision.verdict === 'reject' && src.kind === 'pod' && procName === src.node) {
      // The CNI's policy chains run before kube-proxy's filter rules: nothing was DNATed, so egress policy judges the
      // Service address itself, and a denial drops the packet before kube-proxy can REJECT it.
      const v = req.components?.policy?.(cluster, { srcPod: src.pod, srcIP: src.ip, dstIP, port: target.port, protocol: proto });
      if (v && !v.egress.allowed && v.enforced) {
        const h = policyHop('egress', v, src.node, src.pod!, `${dstIP}:${target.port}`, profile);
        hops.push(h);
        return result('dropped', h.text.replace(/^DROPPED: /, ''), 'policy-egress');
      }
    }
    if (decision.verdict !== 'dnat') return drop('dnat', procName, decision.reason, dnatDetail(decision, undefined, profile), decision.verdict === 'reject' ? 'REJECTED' : 'DROPPED');
    const chosen = (req.endpoint !== undefined ? decision.endpoints.find((e) => `${e.ip}:${e.port}` === req.endpoint) : undefined) ?? pick(decision.endpoints, req.seed);
    hops.push({ step: 'dnat', node: procName, detail: dnatDetail(decision, chosen, profile), text: dnatText(decision, chosen, req.seed, profile) });
    endpointIP = chosen.ip;
    endpointPort = chosen.port;
    if (decision.snat || chosen.hairpin) {
      const to = !chosen.pod ? 'other' : chosen.nodeName === procNode?.name ? 'pod-same-node' : 'pod-other-node';
      const nodeIP = procNode ? masqueradeSource(profile, { ip: procNode.internalIPs[0], podCIDR: procNode.podCIDRs[0] }, to) : '';
      hops.push({ step: 'snat', node: procName, detail: { from: curSrc, to: nodeIP, mark: '0x4000', chain: 'KUBE-POSTROUTING', hairpin: chosen.hairpin }, text: `KUBE-MARK-MASQ set mark 0x4000; KUBE-POSTROUTING MASQUERADEs the source ${curSrc} to ${nodeIP}${procNode && nodeIP !== procNode.internalIPs[0] ? ` (the address of the ${to === 'pod-same-node' ? `bridge ${profile.bridge}` : `tunnel device ${profile.tunnelDevice}`} the packet leaves by)` : ''}${chosen.hairpin ? ' (hairpin: the pod reached itself through its Service)' : ''}` });
      masqueraded = { node: procName, before: curSrc };
      curSrc = nodeIP;
    }
  }

  // Where the (translated) destination lives.
  const dstPod = podIndex(cluster).byIP.get(endpointIP);
  const dstNode = dstPod ? model.nodeByName.get(dstPod.spec.nodeName) : model.nodeByIP.get(endpointIP) ?? nodeOwningPodIP(model.nodes, endpointIP);
  const hostEndpoint = !dstPod && dstNode ? model.nodeByIP.get(endpointIP) !== undefined : false;
  if (!dstPod && !dstNode) {
    if (srcPod && !isClusterLocal(model, endpointIP)) {
      if (src.kind === 'pod') {
        const v = req.components?.policy?.(cluster, { srcPod: src.pod, srcIP: src.ip, dstIP: endpointIP, port: endpointPort, protocol: proto });
        const h = policyHop('egress', v, src.node, src.pod!, `${endpointIP}:${endpointPort}`, profile);
        hops.push(h);
        if (v && !v.egress.allowed && v.enforced) return result('dropped', h.text.replace(/^DROPPED: /, ''), 'policy-egress');
      }
      hops.push({ step: 'snat', node: srcNode?.name, detail: { from: curSrc, to: srcNode?.internalIPs[0], by: 'CNI masquerade' }, text: `${endpointIP} is outside the cluster: ${cniMasq(profile)} SNATs ${curSrc} to the node IP ${srcNode?.internalIPs[0] ?? ''}` });
      hops.push({ step: 'exit', node: srcNode?.name, detail: { leftCluster: true, to: `${endpointIP}:${endpointPort}` }, text: `leaves the cluster towards ${endpointIP}:${endpointPort} (podnet stops at the cluster edge)` });
      return result('delivered');
    }
    return drop('route', procName, `nothing in the cluster has ${endpointIP}: no pod, node or Service owns it`);
  }

  // Egress policy at the source pod, evaluated against the endpoint (policies see post-DNAT addresses) — unless the
  // DNAT happens on another node (a NodePort there), in which case the source node only sees that node's address.
  const policy = req.components?.policy;
  const dstPodKey = dstPod ? `${dstPod.metadata.namespace}/${dstPod.metadata.name}` : undefined;
  if (srcPod && src.kind === 'pod') {
    const remoteDnat = Boolean(decision && procNode && srcNode && procNode.name !== srcNode.name);
    const q = remoteDnat ? { dstIP, port: target.port } : { dstPod: dstPodKey, dstIP: endpointIP, port: endpointPort };
    const v = policy?.(cluster, { srcPod: src.pod, srcIP: src.ip, protocol: proto, ...q });
    const h = policyHop('egress', v, src.node, src.pod!, `${q.dstIP}:${q.port}`, profile);
    hops.push(h);
    if (v && !v.egress.allowed && v.enforced) return result('dropped', h.text.replace(/^DROPPED: /, ''), 'policy-egress');
  }

  // Between nodes.
  const fromNode = procNode ?? srcNode;
  if (fromNode && dstNode && fromNode.name !== dstNode.name) {
    const e = encapsulate(profile, { src: curSrc, dst: endpointIP }, fromNode.internalIPs[0], dstNode.internalIPs[0]);
    hops.push({ step: 'encap', node: fromNode.name, detail: { cni: profile.name, from: fromNode.name, to: dstNode.name, ...e }, text: describeEncap(profile, e) });
    if (req.size !== undefined && req.size + e.overhead > profile.underlayMTU) {
      return drop('encap', fromNode.name, `a ${req.size}-byte packet with DF set needs ${req.size + e.overhead} bytes once encapsulated (+${e.overhead}), more than the ${profile.underlayMTU}-byte underlay MTU: dropped with ICMP "fragmentation needed" (pod MTU ${profile.podMTU})`, { size: req.size, overhead: e.overhead, underlayMTU: profile.underlayMTU, podMTU: profile.podMTU });
    }
  } else if (dstPod) {
    hops.push({ step: 'route', node: dstNode?.name, detail: { sameNode: true, via: profile.bridge ?? 'host routes' }, text: `same node ${dstNode?.name}: ${profile.bridge ? `switched by the bridge ${profile.bridge}` : 'routed by the host'} to ${hostVethName(profile.name, dstPod.metadata.namespace, dstPod.metadata.name)}, no encapsulation` });
  }

  // Ingress policy at the destination pod: the source it sees is the post-SNAT one.
  if (dstPod) {
    // MASQUERADE rewrites in POSTROUTING, after the filter hooks where the CNI judges ingress: on the node that
    // masqueraded, policy still sees the source from before it (the pod itself for a hairpin, the outside client).
    const policySrc = masqueraded && masqueraded.node === dstNode?.name ? masqueraded.before : curSrc;
    const seenSrcPod = policySrc === src.ip ? src.pod : undefined;
    const v = policy?.(cluster, { srcPod: seenSrcPod, srcIP: policySrc, dstPod: dstPodKey, dstIP: endpointIP, port: endpointPort, protocol: proto });
    const h = policyHop('ingress', v, dstNode?.name, dstPodKey!, `from ${policySrc}`, profile);
    hops.push(h);
    if (v && !v.ingress.allowed && v.enforced) return result('dropped', h.text.replace(/^DROPPED: /, ''), 'policy-ingress');
    const m = meshStep?.outbound ? meshStep : (src.kind === 'pod' ? req.components?.mesh?.(cluster, { srcPod: src.pod!, dstPod: dstPodKey, port: endpointPort, http: meshHttp, random: meshRandom }) : undefined);
    if (m?.inbound) {
      hops.push({ step: 'mesh-inbound', node: dstNode?.name, detail: m.inbound.detail, text: m.inbound.text });
      if (!m.allowed) return result('dropped', m.reason, 'mesh-inbound');
    }
    const served = servedPort(dstPod, endpointPort, proto);
    if (!served.ok) return drop('deliver', dstNode?.name, served.text, { pod: dstPodKey, port: endpointPort });
    hops.push({ step: 'deliver', node: dstNode?.name, detail: { pod: dstPodKey, ip: endpointIP, port: endpointPort, protocol: proto, ...(served.container ? { container: served.container } : {}) }, text: `delivered to ${dstPodKey} ${endpointIP}:${endpointPort}/${proto}${served.container ? ` (container ${served.container})` : ''}` });
    const leg = (target.scheme === 'http' || target.scheme === 'https') ? req.components?.ingress?.(cluster, dstPodKey!, req.to, curSrc, req.seed !== undefined ? seededRandom(req.seed) : undefined) : undefined;
    if (leg) return ingressLeg(cluster, req, leg, dstPodKey!, dstNode?.name, hops, result, replyHop(decision, dstIP, target.port, endpointIP, endpointPort, curSrc, src.ip, procName || dstNode?.name, fromNode, dstNode));
  } else if (hostEndpoint) {
    hops.push({ step: 'deliver', node: dstNode!.name, detail: { node: dstNode!.name, ip: endpointIP, port: endpointPort }, text: `delivered to node ${dstNode!.name} ${endpointIP}:${endpointPort} (host network)` });
  } else {
    hops.push({ step: 'deliver', node: dstNode!.name, detail: { node: dstNode!.name, ip: endpointIP, port: endpointPort, pod: null }, text: `delivered to ${endpointIP}:${endpointPort} in node ${dstNode!.name}'s pod CIDR (no Pod object holds this address: the endpoint comes from a hand-written EndpointSlice)` });
  }
  hops.push(replyHop(decision, dstIP, target.port, endpointIP, endpointPort, curSrc, src.ip, procName || dstNode?.name, fromNode, dstNode));
  return result('delivered');
}

function replyHop(decision: ServiceDecision | undefined, dstIP: string, dport: number, endpointIP: string, endpointPort: number, curSrc: string, srcIP: string, node: string | undefined, fromNode: NodeInfo | undefined, dstNode: NodeInfo | undefined): TraceHop {
  const rev: string[] = [];
  if (decision) rev.push(`un-DNAT: the reply's source ${endpointIP}:${endpointPort} becomes ${dstIP}:${dport}`);
  if (curSrc !== srcIP) rev.push(`un-SNAT: its destination ${curSrc} becomes ${srcIP}`);
  return { step: 'reply', node, detail: { conntrack: Boolean(decision), from: `${endpointIP}:${endpointPort}`, to: srcIP }, text: rev.length ? `reply: conntrack reverses the NAT (${rev.join('; ')})${decision && fromNode && dstNode && fromNode.name !== dstNode.name ? `, so the reply goes back through ${fromNode.name}` : ''}` : `reply: ${endpointIP} → ${srcIP} directly (no NAT on this path)` };
}

function nodeOwningPodIP(nodes: readonly NodeInfo[], ip: string): NodeInfo | undefined {
  return nodes.find((n) => n.podCIDRs.some((c) => { try { return cidrContains(parseCidr(c), ip); } catch { return false; } }));
}

function routeOut(hops: TraceHop[], pod: PodObj, node: NodeInfo | undefined, profile: CniProfile): void {
  const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
  if (pod.spec.hostNetwork) {
    hops.push({ step: 'route', node: node?.name, detail: { hostNetwork: true }, text: `${key} uses the host network of ${node?.name}: packets leave through the node's own stack` });
    return;
  }
  const veth = hostVethName(profile.name, pod.metadata.namespace, pod.metadata.name);
  const gw = gatewayOf(node, profile);
  const how = profile.podAttachment === 'bridge' ? `veth pair to ${veth} on bridge ${profile.bridge} (gateway ${gw})`
    : profile.podAttachment === 'routed' ? `veth pair to ${veth}; no bridge: the default route points at ${gw} and the host answers by proxy ARP, then routes`
      : `veth pair to ${veth}, where Cilium's eBPF programs (tc) handle the packet`;
  hops.push({ step: 'route', node: node?.name, detail: { interface: 'eth0', ip: pod.status?.podIP, hostVeth: veth, ...(profile.bridge ? { bridge: profile.bridge } : {}), gateway: gw, mtu: profile.podMTU }, text: `${key} eth0 (${pod.status?.podIP}, MTU ${profile.podMTU}) → ${how}` });
}

function gatewayOf(node: NodeInfo | undefined, profile: CniProfile): string {
  const cidr = node?.podCIDRs.find((c) => familyOf(c.split('/')[0]) === 'IPv4') ?? node?.podCIDRs[0];
  const first = cidr ? cidr.split('/')[0].replace(/\.0$/, '.1') : '';
  return profile.podGateway(first);
}

/** Flannel (ipMasq), Calico (natOutgoing) and Weave masquerade pod traffic to addresses outside the pod network. */
function cniMasqueradesToNodes(profile: CniProfile): boolean {
  return profile.name !== 'cilium';
}

function cniMasq(profile: CniProfile): string {
  return profile.name === 'calico' ? 'Calico natOutgoing' : profile.name === 'flannel' ? 'flannel\'s ipMasq rule' : profile.name === 'cilium' ? 'Cilium masquerading' : 'Weave\'s NAT rule';
}

function seededRandom(seed: number): number {
  let t = (seed >>> 0) + 0x6d2b79f5;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** kube-proxy's random pick, made reproducible by a seed (mulberry32); without a seed, the first candidate. */
function pick<T>(eps: T[], seed?: number): T {
  if (seed === undefined || eps.length === 1) return eps[0];
  return eps[Math.min(eps.length - 1, Math.floor(seededRandom(seed) * eps.length))];
}

/** The request reached an ingress controller: its routing decision, then the controller's own connection to the backend pod. */
function ingressLeg(cluster: Cluster, req: TraceRequest, leg: IngressStep, pod: string, node: string | undefined, hops: TraceHop[], result: (v: 'delivered' | 'dropped', r?: string, at?: HopStep) => TraceResult, clientReply: TraceHop): TraceResult {
  const chosen = leg.endpoints.length ? pick(leg.endpoints, req.seed) : undefined;
  const text = `${leg.entryPoint} (${pod}) answers HTTP ${leg.status}${leg.tls ? `; ${leg.tls}` : ''}: ${leg.reason}` +
    (chosen ? `; proxies to ${chosen.pod ?? chosen.ip} ${chosen.ip}:${chosen.port}${leg.endpoints.length > 1 ? ` (one of ${leg.endpoints.length} endpoints${req.seed === undefined ? ', the first; use --seed to pick' : ''})` : ''}` : '');
  hops.push({ step: 'ingress', node, detail: { ...leg, ...(chosen ? { chosen } : {}) }, text });
  if (!chosen) {
    hops.push({ ...clientReply, text: `the controller's HTTP ${leg.status} goes back to the client; ${clientReply.text}` });
    return leg.status < 400 ? result('delivered') : result('dropped', `${leg.entryPoint} answers HTTP ${leg.status}: ${leg.reason}`, 'ingress');
  }
  const second = trace(cluster, { ...req, from: pod, to: joinHostPort(chosen.ip, chosen.port) });
  pushAll(hops, second.hops);
  if (second.verdict === 'dropped') return result('dropped', second.dropReason, second.dropAt);
  hops.push({ ...clientReply, text: `the controller relays the response to the client; ${clientReply.text}` });
  return result('delivered');
}

function dnatDetail(d: ServiceDecision, chosen: EndpointChoice | undefined, profile: CniProfile): Record<string, unknown> {
  return {
    service: d.service, port: d.port, entry: d.entry, vip: `${d.vip}:${d.dport}`, verdict: d.verdict, chains: d.chains,
    endpointSet: d.endpointSet, snat: d.snat, reason: d.reason, candidates: d.endpoints.map((e) => (e.pod ? { pod: e.pod, ip: e.ip, port: e.port, probability: e.probability } : { ip: e.ip, port: e.port, probability: e.probability })),
    ...(chosen ? { chosen: { ...(chosen.pod ? { pod: chosen.pod } : {}), ip: chosen.ip, port: chosen.port, probability: chosen.probability, chain: chosen.chain } } : {}),
    ...(d.affinity ? { affinity: d.affinity } : {}),
    dataplane: profile.kubeProxyReplacement ? 'cilium-ebpf' : 'kube-proxy',
  };
}

function dnatText(d: ServiceDecision, chosen: EndpointChoice, seed: number | undefined, profile: CniProfile): string {
  const pct = (p: number) => `${(p * 100).toFixed(1).replace(/\.0$/, '')}%`;
  const who = profile.kubeProxyReplacement ? 'Cilium eBPF service load balancer (kube-proxy replacement, socket-LB at connect())' : `kube-proxy on ${d.node} (${d.chains.join(' → ')})`;
  const all = d.endpoints.map((e) => `${e.pod ?? e.ip} ${e.ip}:${e.port} (${pct(e.probability)})`).join(', ');
  const choice = seed !== undefined ? `picked ${chosen.pod ?? chosen.ip} ${chosen.ip}:${chosen.port} with probability ${pct(chosen.probability)} (seed ${seed})`
    : d.endpoints.length > 1 ? `candidates: ${all}; following the first (use --seed to pick as kube-proxy would)` : `the only endpoint is ${chosen.pod ?? chosen.ip} ${chosen.ip}:${chosen.port}`;
  return `${who}: DNAT ${d.vip}:${d.dport} → ${choice}. ${d.reason}`;
}

const ADMIN_KINDS = new Set(['AdminNetworkPolicy', 'BaselineAdminNetworkPolicy', 'ClusterNetworkPolicy']);

function policyHop(direction: 'egress' | 'ingress', v: PolicyStepResult | undefined, node: string | undefined, pod: string, peer: string, profile: CniProfile): TraceHop {
  const step = direction === 'egress' ? 'policy-egress' : 'policy-ingress';
  if (!v) return { step, node, detail: { evaluated: false }, text: `${direction} NetworkPolicy for ${pod} not evaluated (no policy engine plugged in)` };
  const d = direction === 'egress' ? v.egress : v.ingress;
  const detail = { allowed: d.allowed, enforced: v.enforced, policies: d.policies, reason: d.reason };
  if (d.allowed) return { step, node, detail, text: `${direction} ${peer} allowed for ${pod}: ${d.reason}` };
  if (!v.enforced) return { step, node, detail, text: `${direction} ${peer} would be denied for ${pod} (${d.reason}), but ${profile.title} does not enforce NetworkPolicy, so it passes` };
  const kind = d.decidedBy && ADMIN_KINDS.has(d.decidedBy) ? d.decidedBy : 'NetworkPolicy';
  return { step, node, detail: { ...detail, dropped: true }, text: `DROPPED: ${direction} ${kind} denies ${peer} for ${pod}: ${d.reason}` };
}

