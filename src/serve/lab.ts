// The live lab (`podnet up`): the emulated cluster served on loopback. It holds the current Snapshot (manifests →
// Cluster → compiled models) and the servers that answer from it: the cluster DNS, one live proxy per Ingress class /
// Gateway, a netexec-like virtual pod per pod port, a loopback port per NodePort and LoadBalancer address, and the
// UI/API. A change (apply, delete, a file saved under --watch) builds a new snapshot through the engine and swaps it
// in; requests in flight finish on the snapshot they started with, and removed pods drain for the grace period.
import { joinHostPort } from '../util/text.js';
import type net from 'node:net';
import type { ClusterConfig } from '../cluster/config.js';
import type { Diagnostic } from '../api/diagnostics.js';
import { DnsServer } from './dns-server.js';
import { buildSnapshot, ManifestSet, objectKey, type ApplyAction, type Snapshot } from './lab/snapshot.js';
import { ChangeQueue, type BuildOutcome, type Rebuild } from './lab/changes.js';
import { Fleet } from './lab/fleet.js';
import { FrontListener, UdpFrontListener, type FrontClient, type FrontTarget } from './lab/front.js';
import { FlowLog } from './lab/flows.js';
import { livePortOf, retireEdges, setPublicPorts, startEdges, syncListenerFronts, userListenerPorts, type Edge, type EntryFronts } from './lab/edges.js';
import { exposedPorts, preferredLocalPort, type ExposedPort } from './lab/exposed.js';
import { execInPod, type ExecResult } from './lab/exec.js';
import { trace } from '../trace/trace.js';
import type { LoadedObject } from '../api/load.js';
import { seededRandom } from '../util/prng.js';
import { MeshRuntime } from './lab/mesh-runtime.js';
import { MeshTelemetry } from './lab/mesh-telemetry.js';
import { InboundSidecars } from './lab/sidecars.js';
import { sendToPod } from './lab/exec.js';
import type { PodFault } from './pod-faults.js';
import { PodReferenceError, resolvePodReference } from '../cluster/refs.js';
import { meshModelOf, type PeerAuthnDecision } from '../mesh/index.js';

export interface LabOptions {
  paths: string[];
  configPath?: string;
  /** Keep objects the API server would refuse for bookkeeping reasons only, with a warning (`--lenient`). */
  lenient?: boolean;
  host?: string;
  /** 0 = any free port. */
  dnsPort?: number;
  httpPort?: number;
  httpsPort?: number;
  /** How long removed pods and retired proxies keep serving (ms). */
  graceMs?: number;
  /** Lines about what the lab does (start phases, reloads). */
  log?: (line: string) => void;
  /** Start progress: (phase, done, total). */
  progress?: (phase: string, done: number, total: number) => void;
  /** Bind NodePort listeners to the nodePort number when free (users); tests pass false for ephemeral ports. */
  nodePortsAtNodePort?: boolean;
  /** Makes the lab's random draws (weights, faults, endpoint picks) reproducible. */
  seed?: number;
  /** The clock outlier detection and telemetry read (ms); tests move it by hand. */
  now?: () => number;
  /** Waits out the mesh's retry backoffs (default: really waits, 25 ms doubling as Envoy does); tests skip them. */
  retryBackoff?: (ms: number) => Promise<void>;
  /** The config the model runs with, as a realisation can build it (ManifestSet.adjustConfig). */
  adjustConfig?: (config: ClusterConfig) => ClusterConfig;
}

/** A realisation beside the emulated lab (`podnet up --kernel`): told every new snapshot before a change resolves. */
export interface LabRealisation { sync(snapshot: Snapshot): Promise<void>; info(): unknown; netnsOf(target: string): string | undefined }

export interface EntryListener {
  id: string; kind: 'ingress' | 'gateway'; http: number; https: number; modelPorts: { http: number; https: number };
  /** Every listener port (a Gateway's TCP, UDP, TLS and further HTTP ports too) and the local port that serves it. */
  listeners: { port: number; protocol: 'HTTP' | 'HTTPS' | 'TCP' | 'UDP'; local: number }[];
}

/** What `POST /api/apply` answers: `applied` (keys) as before, each object's action, and the objects refused. */
export interface ApplyOutcome {
  applied: string[];
  results: { key: string; action: ApplyAction }[];
  errors: { key: string; messages: string[] }[];
  snapshot: number;
}

export class Lab {
  snapshot!: Snapshot;
  realisation?: LabRealisation;
  readonly flows = new FlowLog();
  readonly fleet: Fleet;
  readonly dns: DnsServer;
  private readonly set: ManifestSet;
  private edges: Edge[] = [];
  private readonly entryFronts = new Map<string, EntryFronts>();
  private readonly exposedFronts = new Map<string, { port: ExposedPort; front: FrontListener | UdpFrontListener }>();
  /** Proxies of older snapshots, closing when their timer fires. */
  private readonly retired = new Map<NodeJS.Timeout, readonly Edge[]>();
  private readonly changes: ChangeQueue;
  private readonly listeners = new Set<(s: Snapshot) => void>();
  private readonly builtListeners = new Set<(s: Snapshot) => void>();
  readonly graceMs: number;
  readonly telemetry = new MeshTelemetry();
  readonly mesh: MeshRuntime;
  private readonly random: () => number;
  readonly now: () => number;
  private readonly sidecars: InboundSidecars;

  private constructor(private readonly opts: LabOptions) {
    this.set = new ManifestSet(opts.paths, opts.configPath, opts.lenient);
    this.set.adjustConfig = opts.adjustConfig;
    this.graceMs = opts.graceMs ?? 5000;
    this.changes = new ChangeQueue(this.set, () => this.snapshot, (snap) => { for (const l of this.builtListeners) l(snap); }, (snap) => this.serve(snap));
    this.random = opts.seed !== undefined ? seededRandom(opts.seed) : Math.random;
    this.now = opts.now ?? Date.now;
    this.fleet = new Fleet(opts.host ?? '127.0.0.1', this.graceMs, this.random);
    this.mesh = new MeshRuntime({
      network: (from, ip, port) => trace(this.snapshot.cluster, { from, to: joinHostPort(ip, port), seed: Math.floor(this.random() * 2 ** 31), components: this.snapshot.networkComponents }),
      send: (ip, port, req, budgetMs, sourceIP) => sendToPod(this.fleet.addressOf(ip, port), req, budgetMs, sourceIP),
      now: this.now,
      random: this.random,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      ...(opts.retryBackoff ? { backoff: opts.retryBackoff } : {}),
    }, this.telemetry);
    this.sidecars = new InboundSidecars(() => this.snapshot, (ip) => podByIP(this.snapshot).get(ip), (ip, port) => this.fleet.addressOf(ip, port), this.telemetry, opts.host ?? '127.0.0.1');
    this.dns = new DnsServer(undefined as never, { address: opts.host ?? '127.0.0.1', port: opts.dnsPort ?? 5353 });
  }

  static async start(opts: LabOptions): Promise<Lab> {
    const lab = new Lab(opts);
    try {
      await lab.boot();
    } catch (e) {
      await lab.close();
      throw e;
    }
    return lab;
  }

  private async boot(): Promise<void> {
    const p = this.opts.progress ?? (() => undefined);
    p('building the cluster', 0, 4);
    this.snapshot = buildSnapshot(this.set, 1);
    p(`starting ${this.snapshot.cluster.pods().length} virtual pods`, 1, 4);
    const synced = await this.fleet.sync(this.snapshot.cluster);
    this.reportFaultErrors(synced);
    await this.sidecars.sync(this.snapshot, synced.pods);
    p('starting cluster DNS', 2, 4);
    this.dns.setModel(this.snapshot.dns);
    await this.dns.start();
    p('starting ingress, gateways, NodePorts and LoadBalancers', 3, 4);
    await this.syncEdges();
    await this.syncExposed();
    p('ready', 4, 4);
  }

  get host(): string { return this.opts.host ?? '127.0.0.1'; }
  get diagnostics(): readonly Diagnostic[] { return this.snapshot.cluster.diagnostics; }

  /** Ingress classes and Gateways with the loopback ports that serve them. */
  entryListeners(): EntryListener[] {
    return this.edges.map((e) => {
      const f = this.entryFronts.get(e.id)!;
      return { id: e.id, kind: e.kind, http: f.http.port, https: f.https.port, modelPorts: e.modelPorts, listeners: userListenerPorts(e, f) };
    });
  }

  exposed(): ExposedPort[] {
    return [...this.exposedFronts.values()].map(({ port, front }) => ({ ...port, localPort: front.port }));
  }

  onSnapshot(fn: (s: Snapshot) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Where an edge proxy's request for a pod endpoint goes: the pod's mesh proxy when it has one, else the pod. */
  private resolveEndpoint = (endpoint: string, protocol: 'TCP' | 'UDP' = 'TCP'): { host: string; port: number } | undefined => {
    const i = endpoint.lastIndexOf(':');
    const ip = endpoint.slice(0, i).replace(/^\[|\]$/g, '');
    const port = Number(endpoint.slice(i + 1));
    if (protocol === 'UDP') return this.fleet.addressOf(ip, port, 'UDP');
    const pod = podByIP(this.snapshot).get(ip);
    return (pod ? this.sidecars.addressOf(pod, ip, port) : undefined) ?? this.fleet.addressOf(ip, port);
  };

  private async syncEdges(): Promise<void> {
    const snap = this.snapshot;
    const fresh = await startEdges(snap, this.resolveEndpoint, (ep, line) => {
      // The proxy's access log line: `CLIENT "METHOD URL" STATUS -> LOCATION`.
      // `CLIENT "METHOD URL" STATUS|ok|error -> LOCATION | NS/SERVICE:PORT ENDPOINT`.
      const m = line.match(/^(\S+) "(\S+) (\S+)" (\S+) -> (\S+)(?: (\S+))?$/);
      const outcome = m?.[4] ?? 'error';
      const status = Number(outcome);
      const endpointIP = m?.[6]?.replace(/:\d+$/, '');
      const pod = endpointIP ? podByIP(snap).get(endpointIP) : undefined;
      this.flows.record({
        source: 'external', destination: m ? m[3] : line, protocol: 'TCP', verdict: outcome === 'error' || status >= 500 ? 'error' : 'delivered', via: ep,
        ...(pod ? { pod } : {}), reason: outcome === 'ok' ? `to ${m?.[5]}` : Number.isInteger(status) ? `HTTP ${status}${m?.[5] ? ` → ${m[5]}` : ''}` : `upstream ${outcome}`,
        hops: [{ step: 'ingress', text: line }], snapshot: snap.version,
      });
    });
    const old = this.edges;
    this.edges = fresh;
    const userPorts = (id: string, first: boolean) => first && id.startsWith('ingress') ? { http: this.opts.httpPort ?? 8080, https: this.opts.httpsPort ?? 8443 } : { http: 0, https: 0 };
    let firstIngress = true;
    for (const e of fresh) {
      if (this.entryFronts.has(e.id)) continue;
      const http = new FrontListener(() => this.currentEdgePort(e.id, 'http'), this.host);
      const https = new FrontListener(() => this.currentEdgePort(e.id, 'https'), this.host);
      const want = userPorts(e.id, firstIngress && ![...this.entryFronts.keys()].some((k) => k.startsWith('ingress')));
      if (e.id.startsWith('ingress')) firstIngress = false;
      await http.listen(want.http);
      await https.listen(want.https);
      this.entryFronts.set(e.id, { http, https, listeners: new Map() });
    }
    for (const e of fresh) await syncListenerFronts(this.entryFronts.get(e.id)!, e, (key) => { const cur = this.edges.find((x) => x.id === e.id); return cur ? livePortOf(cur, key) : undefined; }, this.host);
    for (const e of fresh) { const f = this.entryFronts.get(e.id)!; setPublicPorts(e, f.http.port, f.https.port); }
    for (const [id, f] of this.entryFronts) {
      if (fresh.some((e) => e.id === id)) continue;
      this.entryFronts.delete(id);
      await f.http.close();
      await f.https.close();
      for (const l of f.listeners.values()) await l.close();
    }
    retireEdges(old, this.graceMs, this.retired);
  }

  private currentEdgePort(id: string, scheme: 'http' | 'https'): FrontTarget | undefined {
    const e = this.edges.find((x) => x.id === id);
    if (!e) return undefined;
    return { host: '127.0.0.1', port: scheme === 'http' ? e.internal.http : e.internal.https };
  }

  private async syncExposed(): Promise<void> {
    const want = exposedPorts(this.snapshot.cluster);
    const keys = new Set(want.map((w) => w.key));
    for (const [key, f] of this.exposedFronts) {
      if (keys.has(key)) continue;
      this.exposedFronts.delete(key);
      await f.front.close();
    }
    for (const port of want) {
      const existing = this.exposedFronts.get(port.key);
      if (existing) { existing.port = port; continue; }
      const pick = (c: FrontClient) => this.pickExposed(entry.port, c);
      const entry: { port: ExposedPort; front: FrontListener | UdpFrontListener } = { port, front: port.protocol === 'UDP' ? new UdpFrontListener(pick, this.host) : new FrontListener(pick, this.host) };
      await entry.front.listen(this.opts.nodePortsAtNodePort === false ? 0 : preferredLocalPort(port), true);
      this.exposedFronts.set(port.key, entry);
    }
  }

  /** One outside connection to a NodePort / LoadBalancer address, decided by the trace of the current snapshot. */
  private pickExposed(port: ExposedPort, client: FrontClient): FrontTarget | undefined {
    const snap = this.snapshot;
    const protocol = port.protocol === 'UDP' ? 'UDP' : 'TCP';
    const t = trace(snap.cluster, { from: 'external', to: port.modelAddress, protocol, seed: Math.floor(Math.random() * 2 ** 31), components: snap.components });
    const deliver = [...t.hops].reverse().find((h) => h.step === 'deliver');
    const pod = deliver ? String(deliver.detail.pod) : undefined;
    let target: FrontTarget | undefined;
    const strict = t.verdict === 'delivered' && pod ? strictMtlsRejects(snap, pod, Number(deliver?.detail.port)) : undefined;
    if (strict) {
      // An outside client has no mesh identity: the pod's sidecar (or ztunnel) resets its plaintext connection.
      t.hops.push({ step: 'mesh-inbound', node: deliver?.node, detail: { mtls: false, peerAuthentication: strict }, text: `sidecar (inbound) of ${pod}: PeerAuthentication STRICT${strict.policy ? ` (${strict.level} policy ${strict.policy})` : ''} on port ${deliver?.detail.port}: plaintext from outside the mesh is reset` });
      t.verdict = 'dropped';
      t.dropReason = `${pod} requires mTLS on port ${deliver?.detail.port} (STRICT): the plaintext connection is reset`;
    } else if (t.verdict === 'delivered' && deliver) {
      const edge = this.edges.find((e) => pod && e.dataPlanePods.has(pod));
      if (edge) {
        // The data-plane pod's port is a listener port: the proxy's face for it, else its first HTTP or HTTPS one.
        const podPort = Number(deliver.detail.port);
        const face = edge.proxy.ports.find((p) => p.port === podPort && (p.protocol === 'UDP') === (protocol === 'UDP'));
        const tls = podPort === 443 || podPort === 8443 || podPort === edge.modelPorts.https;
        target = face ? { host: '127.0.0.1', port: face.local } : { host: '127.0.0.1', port: tls ? edge.internal.https : edge.internal.http };
      } else target = this.fleet.addressOf(String(deliver.detail.ip), Number(deliver.detail.port), protocol);
    }
    this.flows.record({
      source: `external:${client.remoteAddress ?? ''}`.replace(/:$/, ''), destination: `${port.modelAddress} (${port.service})`, protocol,
      verdict: target ? 'delivered' : t.verdict === 'dropped' ? 'dropped' : 'error', via: port.kind, ...(pod && target ? { pod } : {}),
      ...(t.dropReason ? { reason: t.dropReason } : !target ? { reason: 'nothing listens at the chosen endpoint' } : {}),
      hops: t.hops.map((h) => ({ step: h.step, ...(h.node ? { node: h.node } : {}), text: h.text })), snapshot: snap.version,
    });
    return target;
  }

  private reportFaultErrors(r: { faultErrors: string[] }): void {
    for (const e of r.faultErrors) this.opts.log?.(`warning: ${e}; the pod answers normally`);
  }

  /** `podnet fault`: makes a pod misbehave (or, with null, behave) until its annotation changes. */
  setFault(pod: string, fault: PodFault | null): { pod: string; fault: PodFault | null } {
    if (!pod.includes('/')) pod = `default/${pod}`;
    try { pod = resolvePodReference(this.snapshot.cluster, pod); } catch (e) { if (e instanceof PodReferenceError) throw new FaultInputError(e.message); throw e; }
    const [ns, name] = pod.split('/', 2);
    if (!this.snapshot.cluster.get('Pod', ns, name)) throw new FaultInputError(`pods "${name}" not found in namespace ${ns}`);
    this.fleet.setFault(`${ns}/${name}`, fault);
    return { pod: `${ns}/${name}`, fault };
  }

  /** Runs curl/nslookup/nc from a pod against the current snapshot, once every change made before is served. */
  async exec(pod: string, argv: string[]): Promise<ExecResult> {
    await this.settled();
    const http = this.entryListeners().find((e) => e.kind === 'ingress');
    const edge = this.edges.find((e) => e.kind === 'ingress');
    return execInPod({
      snapshot: this.snapshot,
      addressOf: (ip, port) => this.fleet.addressOf(ip, port),
      edge: edge && http ? { httpPort: edge.internal.http, httpsPort: edge.internal.https } : undefined,
      record: (f) => this.flows.record(f),
      mesh: this.mesh,
    }, pod, argv);
  }

  // ---- changes ------------------------------------------------------------------------------------------------------

  /**
   * Writes objects (create or replace) into the desired state now, each on its own as the API server takes them, and
   * schedules the rebuild that takes them (with any other edit made before it starts). `built` says which of them the
   * engine refused (invalid, or beyond what podnet models: undone, the others kept); `settled`, that the lab serves
   * the new state. Objects equal to what the lab holds change nothing: no rebuild, as the API server writes nothing.
   */
  write(objects: readonly LoadedObject[]): { results: { key: string; action: ApplyAction }[] } & Rebuild {
    const { results, undo } = this.set.apply(objects, (k) => { const [kind, ns, name] = k.split('/'); return this.snapshot.cluster.get(kind, ns, name) !== undefined; });
    if (results.every((r) => r.action === 'unchanged')) {
      const same = Promise.resolve<BuildOutcome>({ snapshot: this.snapshot.version, errors: new Map() });
      return { results, built: same, settled: same };
    }
    return { results, ...this.changes.stageObjects(objects, undo) };
  }

  /** Applies objects (see write) and resolves once the new snapshot serves, with each object's action or errors. */
  async apply(objects: readonly LoadedObject[]): Promise<ApplyOutcome> {
    const w = this.write(objects);
    const outcome = await w.settled;
    const keys = new Set(w.results.map((r) => r.key));
    const done = w.results.filter((r) => !outcome.errors.has(r.key));
    return {
      applied: done.map((r) => r.key),
      results: done,
      errors: [...outcome.errors].filter(([key]) => keys.has(key)).map(([key, messages]) => ({ key, messages: [...messages] })),
      snapshot: outcome.snapshot,
    };
  }

  /** What the desired state holds under a `Kind/namespace/name` key (applied, or read from the manifests), if anything. */
  desired(key: string): LoadedObject | undefined {
    return this.set.current(key);
  }

  /** The keys of everything the desired state holds (manifests and what was applied since, minus deletions). */
  desiredKeys(): string[] {
    return this.set.keys();
  }

  /** Removes objects by `Kind/namespace/name` key from the desired state now; unknown keys are reported, not errors. */
  remove(keys: readonly string[]): { deleted: string[]; notFound: string[] } & Rebuild {
    const deleted = this.set.delete(keys, (k) => { const [kind, ns, name] = k.split('/'); return this.snapshot.cluster.get(kind, ns, name) !== undefined; });
    const notFound = keys.filter((k) => !deleted.includes(k));
    if (deleted.length === 0) {
      const same = Promise.resolve<BuildOutcome>({ snapshot: this.snapshot.version, errors: new Map() });
      return { deleted, notFound, built: same, settled: same };
    }
    return { deleted, notFound, ...this.changes.stageEdit() };
  }

  /** Deletes objects (see remove) and resolves once the lab serves the state without them. */
  async delete(keys: readonly string[]): Promise<{ deleted: string[]; notFound: string[]; snapshot: number }> {
    const r = this.remove(keys);
    return { deleted: r.deleted, notFound: r.notFound, snapshot: (await r.settled).snapshot };
  }

  /** Re-reads the manifest files (--watch). */
  async reload(): Promise<{ snapshot: number }> {
    this.set.reread();
    return { snapshot: (await this.changes.stageEdit().settled).snapshot };
  }

  /** Resolves once every change made so far is served (DNS, pods, proxies and NodePorts answer from it). */
  settled(): Promise<void> {
    return this.changes.idle();
  }

  /** Sees each snapshot as soon as the engine built it, before the faces serve it (the Kubernetes API's store). */
  onBuilt(fn: (s: Snapshot) => void): () => void {
    this.builtListeners.add(fn);
    return () => this.builtListeners.delete(fn);
  }

  /** Swaps a built snapshot into the faces. */
  private async serve(snap: Snapshot): Promise<void> {
    const t0 = performance.now();
    const prev = this.snapshot;
    // Pods first (new endpoints listen before anything routes to them), then the models that route.
    const synced = await this.fleet.sync(snap.cluster);
    this.reportFaultErrors(synced);
    await this.sidecars.sync(snap, synced.pods);
    this.snapshot = snap;
    this.dns.setModel(snap.dns);
    await this.syncEdges();
    await this.syncExposed();
    await this.realisation?.sync(snap);
    this.opts.log?.(`snapshot ${snap.version}: ${snap.cluster.pods().length} pods, ${snap.cluster.services().length} services (was ${prev.cluster.pods().length}/${prev.cluster.services().length}); built in ${snap.buildMs.toFixed(0)} ms, served in ${(performance.now() - t0).toFixed(0)} ms`);
    for (const l of this.listeners) l(snap);
  }

  async close(): Promise<void> {
    const retired = [...this.retired.values()].flat();
    for (const t of this.retired.keys()) clearTimeout(t);
    this.retired.clear();
    await Promise.all([
      ...retired.map((e) => e.proxy.close()),
      ...[...this.entryFronts.values()].flatMap((f) => [f.http.close(), f.https.close(), ...[...f.listeners.values()].map((l) => l.close())]),
      ...[...this.exposedFronts.values()].map((f) => f.front.close()),
      ...this.edges.map((e) => e.proxy.close()),
      this.fleet.close(),
      this.sidecars.close(),
      this.dns.stop().catch(() => undefined),
    ]);
  }
}

export { objectKey };

export class FaultInputError extends Error {}

/** The STRICT PeerAuthentication that resets a plaintext connection to this pod port, if one applies (L4 only: an
 * HTTP request's authorization needs the request, which a piped NodePort connection does not show the lab). */
function strictMtlsRejects(snap: Snapshot, pod: string, port: number): PeerAuthnDecision | undefined {
  const mesh = meshModelOf(snap.cluster);
  if (!mesh.active) return undefined;
  const [ns, name] = pod.split('/', 2);
  // Defined only for pods with a sidecar or in ambient; STRICT means STRICT for both.
  const pa = mesh.peerAuthentication(ns, name, port);
  return pa?.mode === 'STRICT' ? pa : undefined;
}

const podIPs = new WeakMap<Snapshot, Map<string, string>>();
/** Pod IP → `namespace/name`, once per snapshot. */
function podByIP(snap: Snapshot): Map<string, string> {
  let m = podIPs.get(snap);
  if (!m) {
    m = new Map();
    for (const p of snap.cluster.pods() as { metadata: { namespace?: string; name: string }; spec?: { hostNetwork?: boolean }; status?: { podIP?: string } }[]) if (p.status?.podIP && !p.spec?.hostNetwork) m.set(p.status.podIP, `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`);
    podIPs.set(snap, m);
  }
  return m;
}
