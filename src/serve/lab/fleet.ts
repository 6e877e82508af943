// The lab's virtual pods, kept across snapshots: one netexec-like server (src/serve/virtual-pods.ts) per pod port,
// bound to a loopback socket the first time something asks where the pod port is (a spare one from spare-ports.ts,
// so the answer is immediate), and drained when the pod goes. A pod nobody contacts holds no socket: the lab's open
// files grow with the pod ports in use, not with the cluster's size. A removed pod's server stays up for the grace
// period, as a terminating pod keeps serving until its containers stop (kubelet waits
// terminationGracePeriodSeconds), so requests already sent to it finish; after that it closes.
import { podsOf, tcpPodPort, udpPodPort, type PodBehaviour, type PodPortServer, type VirtualPodSpec } from '../virtual-pods.js';
import { SparePorts } from './spare-ports.js';
import type { Cluster } from '../../cluster/cluster.js';
import type { PodFault } from '../pod-faults.js';

/** A pod port; `server` once something asked for it. */
interface Entry { key: string; pod: VirtualPodSpec; port: number; protocol: 'TCP' | 'UDP'; server?: PodPortServer; terminating?: boolean }

function endpointKey(ip: string, port: number, protocol: 'TCP' | 'UDP' = 'TCP'): string {
  return protocol === 'TCP' ? `${ip}:${port}` : `${ip}:${port}/udp`;
}

export class Fleet {
  private readonly live = new Map<string, Entry>();
  private readonly byEndpoint = new Map<string, Entry>();
  private readonly draining = new Set<Entry>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Faults from the pods' `podnet.dev/fault` annotations (current snapshot), and those set with `podnet fault`. */
  private readonly annotated = new Map<string, PodFault>();
  private readonly injected = new Map<string, PodFault | null>();

  private readonly spare: SparePorts;
  /** Pod ports that found the spare sockets used up (a burst of first contacts within one tick). */
  starved = 0;

  constructor(private readonly host = '127.0.0.1', private readonly graceMs = 5000, private readonly random: () => number = Math.random) {
    this.spare = new SparePorts(host, 32, 4);
  }

  /** The fault a pod has now: one set with `podnet fault` wins over the annotation (null = cleared). */
  faultOf(pod: string): PodFault | undefined {
    const f = this.injected.get(pod);
    return f === null ? undefined : f ?? this.annotated.get(pod);
  }

  /** `podnet fault`: sets (or with null clears, until the next change of the pod's annotation) a pod's fault. */
  setFault(pod: string, fault: PodFault | null): void {
    this.injected.set(pod, fault);
  }

  /** Pods with a fault now, `ns/name` → fault. */
  faults(): Map<string, PodFault> {
    const out = new Map<string, PodFault>();
    for (const k of new Set([...this.annotated.keys(), ...this.injected.keys()])) { const f = this.faultOf(k); if (f) out.set(k, f); }
    return out;
  }

  private behaviourOf(pod: VirtualPodSpec): PodBehaviour {
    const key = `${pod.namespace}/${pod.name}`;
    return { fault: () => this.faultOf(key), random: this.random };
  }

  /** Makes the fleet match the cluster's pods: starts new pod ports, drains removed ones. */
  async sync(cluster: Cluster): Promise<{ started: number; draining: number; faultErrors: string[]; pods: VirtualPodSpec[] }> {
    const want = new Map<string, { pod: VirtualPodSpec; port: number; protocol: 'TCP' | 'UDP' }>();
    const faultErrors: string[] = [];
    const annotatedBefore = new Map(this.annotated);
    this.annotated.clear();
    const pods = podsOf(cluster);
    for (const pod of pods) {
      const key = `${pod.namespace}/${pod.name}`;
      if (pod.fault) this.annotated.set(key, pod.fault);
      if (pod.faultError) faultErrors.push(pod.faultError);
      // A changed annotation replaces what `podnet fault` set, as a fresh `kubectl annotate` would.
      if (JSON.stringify(annotatedBefore.get(key)) !== JSON.stringify(pod.fault)) this.injected.delete(key);
      for (const port of pod.ports) want.set(endpointKey(pod.podIP, port) + `/${pod.namespace}/${pod.name}`, { pod, port, protocol: 'TCP' });
      for (const port of pod.udpPorts ?? []) want.set(endpointKey(pod.podIP, port, 'UDP') + `/${pod.namespace}/${pod.name}`, { pod, port, protocol: 'UDP' });
    }
    let draining = 0;
    for (const [id, e] of this.live) {
      if (want.has(id)) continue;
      this.live.delete(id);
      if (this.byEndpoint.get(endpointKey(e.pod.podIP, e.port, e.protocol)) === e) this.byEndpoint.delete(endpointKey(e.pod.podIP, e.port, e.protocol));
      this.drain(e);
      draining++;
    }
    const toStart = [...want].filter(([id]) => !this.live.has(id));
    for (const [id, { pod, port, protocol }] of toStart) {
      const e: Entry = { key: id, pod, port, protocol };
      this.live.set(id, e);
      this.byEndpoint.set(endpointKey(pod.podIP, port, protocol), e);
    }
    await this.spare.fill();
    return { started: toStart.length, draining, faultErrors, pods };
  }

  /** Binds a pod port to a spare loopback socket; false when none was left. */
  private bind(e: Entry): boolean {
    if (e.protocol === 'UDP') {
      const sock = this.spare.takeUdp();
      if (!sock) return false;
      e.server = udpPodPort(sock, this.host);
      return true;
    }
    const tcp = this.spare.takeTcp();
    if (!tcp) return false;
    e.server = tcpPodPort(tcp, e.pod, e.port, this.host, this.behaviourOf(e.pod));
    return true;
  }

  private drain(e: Entry): void {
    e.terminating = true;
    if (!e.server) return; // never contacted: nothing listens, nothing to finish
    this.draining.add(e);
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.draining.delete(e);
      void e.server?.close();
    }, this.graceMs);
    t.unref();
    this.timers.add(t);
  }

  /** Where `podIP:port` listens, live or still draining. */
  addressOf(podIP: string, port: number, protocol: 'TCP' | 'UDP' = 'TCP'): { host: string; port: number } | undefined {
    const ep = endpointKey(podIP.replace(/^\[|\]$/g, ''), port, protocol);
    const live = this.byEndpoint.get(ep);
    if (live) {
      if (!live.server && !this.bind(live)) { this.starved++; return undefined; }
      return live.server!.address;
    }
    for (const e of this.draining) if (e.server && endpointKey(e.pod.podIP, e.port, e.protocol) === ep) return e.server.address;
    return undefined;
  }

  /** Pod ports bound to a socket now (live or draining), and spare sockets held ready. */
  get sockets(): { bound: number; spare: number } {
    let bound = 0;
    for (const e of [...this.live.values(), ...this.draining]) if (e.server) bound++;
    return { bound, spare: this.spare.size };
  }

  get size(): number { return this.live.size; }
  get drainingCount(): number { return this.draining.size; }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    const all = [...this.live.values(), ...this.draining];
    this.live.clear();
    this.byEndpoint.clear();
    this.draining.clear();
    await Promise.all([...all.map((e) => e.server?.close()), this.spare.close()]);
  }
}
