// The probe plan of `podnet verify --context` (policy-assistant's probe mode, upstream's e2e network policy tests):
// a namespace podnet owns with one agnhost `netexec` pod per node (a few nodes, spread), the flows asked of a live
// cluster, and agnhost connect's answer read as an outcome. Pure: what to create and how to read what came back; the
// requests are live-referee.ts's.
import { joinHostPort } from '../util/text.js';
import type { Cluster } from '../cluster/cluster.js';
import { containerPorts, type PodObj } from '../policy/index.js';
import type { ConnectAttempt } from '../verify/compare.js';
import { enumerateFlows, type Flow } from '../verify/flows.js';

/** The e2e tests' image (test/images/agnhost), netexec serving HTTP on 8080 as upstream's probe pods do. */
export const AGNHOST_IMAGE = 'registry.k8s.io/e2e-test-images/agnhost:2.53';
export const PROBE_PORT = 8080;
export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'podnet' };
export const PROBE_LABEL = 'podnet.dev/probe';

type Obj = Record<string, any>;

export interface ProbeSetup { namespace: Obj; pods: Obj[] }

/** Nodes a pod may run on: not cordoned and without a NoSchedule/NoExecute taint (all nodes when none is). */
export function probeNodes(nodes: readonly Obj[]): string[] {
  const open = nodes.filter((n) => !n.spec?.unschedulable && !(n.spec?.taints ?? []).some((t: Obj) => t.effect === 'NoSchedule' || t.effect === 'NoExecute'));
  return (open.length ? open : nodes).map((n) => String(n.metadata?.name)).sort();
}

/** Every `take` of a list, evenly spread (the first always). */
function spreadOver<T>(items: readonly T[], take: number): T[] {
  if (items.length <= take) return [...items];
  return Array.from({ length: take }, (_, i) => items[Math.floor((i * items.length) / take)]);
}

/**
 * The namespace `podnet-probe-SUFFIX` and its pods `probe-0…`, each on its own node (at most `pods` nodes,
 * spread over the sorted list; one pod when the cluster lists no node).
 */
export function probeSetup(nodes: readonly string[], opts: { suffix: string; pods: number; image?: string }): ProbeSetup {
  const name = `podnet-probe-${opts.suffix}`;
  const placed: (string | undefined)[] = nodes.length ? spreadOver(nodes, opts.pods) : [undefined];
  return {
    namespace: { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { ...MANAGED_BY } } },
    pods: placed.map((node, i) => ({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: `probe-${i}`, namespace: name, labels: { ...MANAGED_BY, [PROBE_LABEL]: `probe-${i}` } },
      spec: {
        // Placed by the scheduler through the node's hostname label (as upstream e2e's node selection), not nodeName.
        ...(node ? { nodeSelector: { 'kubernetes.io/hostname': node } } : {}),
        terminationGracePeriodSeconds: 0,
        containers: [{ name: 'agnhost', image: opts.image ?? AGNHOST_IMAGE, args: ['netexec', `--http-port=${PROBE_PORT}`], ports: [{ name: 'http', containerPort: PROBE_PORT, protocol: 'TCP' }] }],
      },
    })),
  };
}

/** How long a probe container lives: ephemeral containers cannot be removed, so each ends by itself. */
export const PROBE_CONTAINER_SECONDS = 3600;

/**
 * The ephemeral container `podnet test --context` adds to a source pod to run its probes in (the pod's network
 * namespace, agnhost's connect and dig): what `kubectl debug --profile=restricted` sets — non-root, no privilege
 * escalation, every capability dropped, the runtime's seccomp profile — so Pod Security's restricted level admits it.
 * It sleeps for an hour and ends (a kubelet never restarts an ephemeral container).
 */
export function probeContainer(name: string, image = AGNHOST_IMAGE): Obj {
  return {
    name, image, command: ['sleep', String(PROBE_CONTAINER_SECONDS)],
    securityContext: {
      // agnhost's image runs as root; runAsNonRoot alone would be refused by the kubelet (CreateContainerConfigError).
      runAsNonRoot: true, runAsUser: 65534, allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
    },
  };
}

/** Why flows of the full enumeration are not asked of a live cluster, per reason. */
export interface LiveFlows { flows: Flow[]; left: { reason: string; count: number }[] }

/**
 * The flows asked of a live cluster, from the probe pods of `namespace` only: to every pod on the ports it declares
 * (a workload's undeclared ports may or may not have a listener: the model cannot say), to every Service port, and
 * DNS. Outside flows need a client outside the cluster and are left out. agnhost connect reports the connection's
 * fate only, not which pod answered, so endpoints, SNAT and affinity are not compared (`identify: false`).
 * `namespaces` (non-empty) keeps the flows towards those namespaces (and the probes' own).
 */
export function liveFlows(cluster: Cluster, namespace: string, opts: { sample?: number; namespaces?: readonly string[] } = {}): LiveFlows {
  const mine = (key: string) => key.startsWith(`${namespace}/`);
  const all = enumerateFlows(cluster, { sample: opts.sample, from: mine, outside: false });
  const byIP = new Map<string, PodObj & Obj>();
  for (const p of cluster.pods() as (PodObj & Obj)[]) if (p.status?.podIP) byIP.set(p.status.podIP, p);
  const wanted = opts.namespaces?.length ? new Set([...opts.namespaces, namespace]) : undefined;
  const domain = cluster.config.clusterDomain;
  const nsOfName = (name: string) => { const parts = name.replace(`.svc.${domain}`, '').split('.'); return parts.length >= 2 ? parts[1] : namespace; };
  const flows: Flow[] = [];
  let undeclared = 0;
  for (const f of all) {
    if (f.kind === 'dns') { if (!wanted || wanted.has(nsOfName(f.name))) flows.push(f); continue; }
    if (f.family === 'pod-pair') {
      const dst = byIP.get(f.host);
      if (wanted && !wanted.has(dst?.metadata?.namespace ?? '')) continue;
      if (!dst || !containerPorts(dst).some((c) => c.protocol === 'TCP' && c.containerPort === f.port)) { undeclared++; continue; }
    } else if (wanted && !wanted.has(f.service?.split('/')[0] ?? '')) continue;
    flows.push({ ...f, identify: false });
  }
  const left = [{ reason: 'a port the destination pod does not declare (whether anything listens there is not in the manifests)', count: undeclared }];
  return { flows, left: left.filter((l) => l.count > 0) };
}

/**
 * agnhost connect's answer as a connection outcome: exit 0 connected; `TIMEOUT` a drop; `REFUSED` a refusal, and so is
 * `OTHER: … no route to host` / `network is unreachable` (an ICMP unreachable, as a REJECT rule may send); `connection
 * reset` a reset; anything else (`DNS:`, `UNKNOWN:`, a missing binary) an error, with agnhost's words.
 */
export function connectOutcome(code: number, stderr: string): ConnectAttempt {
  if (code === 0) return { outcome: 'allowed' };
  const line = stderr.trim().split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
  if (code === 1 && /^TIMEOUT\b/.test(line)) return { outcome: 'timeout' };
  if (code === 1 && /^REFUSED\b/.test(line)) return { outcome: 'refused' };
  if (code === 1 && /^OTHER: .*(no route to host|network is unreachable)/.test(line)) return { outcome: 'refused', detail: line };
  if (code === 1 && /^OTHER: .*connection reset by peer/.test(line)) return { outcome: 'reset', detail: line };
  return { outcome: 'error', detail: line ? `agnhost connect exited ${code}: ${line}` : `agnhost connect exited ${code}` };
}

/** The command a probe runs: upstream e2e's `/agnhost connect HOST:PORT --timeout=Ns --protocol=tcp`. */
export function connectCommand(host: string, port: number, timeoutMs: number): string[] {
  const hp = joinHostPort(host, port);
  return ['/agnhost', 'connect', hp, `--timeout=${timeoutMs % 1000 === 0 ? `${timeoutMs / 1000}s` : `${timeoutMs}ms`}`, '--protocol=tcp'];
}
