// Workload controllers: Deployments -> ReplicaSets -> Pods, StatefulSets, DaemonSets and Jobs -> Pods, named the way the
// real controllers name them. A workload whose children are already in the manifests (a `kubectl get -A -o yaml` dump)
// is not expanded again.
import { deterministicUid } from '../api/defaults.js';
import { Codes, type Diagnostic } from '../api/diagnostics.js';
import { compileLabelSelector } from '../api/labels.js';
import type { KubeObject, LabelSelector, OwnerReference, SourceRef } from '../api/types.js';
import { podTemplateHash, uniqueGeneratedName } from './names.js';
import type { NodeInfo } from './nodes.js';
import { refOfObject, type ClusterStore } from './store.js';
import { toleratesTaints } from './scheduler.js';

type Obj = Record<string, any>;
type Workload = KubeObject & { spec: Obj; status?: Obj };

function ownerRefTo(owner: KubeObject): OwnerReference {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

function ownedBy(obj: KubeObject, owner: KubeObject): boolean {
  return (obj.metadata.ownerReferences ?? []).some((r) => r.kind === owner.kind && r.name === owner.metadata.name && r.controller !== false);
}

interface PodOptions {
  name: string;
  extraLabels?: Record<string, string>;
  hostname?: string;
  subdomain?: string;
  nodeName?: string;
}

/** A pod as its controller creates it from the template. Status is filled by scheduling and IPAM later. */
export function podFromTemplate(owner: Workload, template: Obj, opts: PodOptions): KubeObject {
  const namespace = owner.metadata.namespace ?? 'default';
  // A shallow copy: pods of one template share their container specs, which nothing mutates after load.
  const spec = { ...(template.spec ?? {}) };
  if (opts.hostname !== undefined) spec.hostname = opts.hostname;
  if (opts.subdomain !== undefined && opts.subdomain !== '') spec.subdomain = opts.subdomain;
  if (opts.nodeName !== undefined) spec.nodeName = opts.nodeName;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: opts.name,
      namespace,
      uid: deterministicUid(`Pod/${namespace}/${opts.name}`),
      labels: { ...(template.metadata?.labels ?? {}), ...(opts.extraLabels ?? {}) },
      ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ownerReferences: [ownerRefTo(owner)],
    },
    spec,
  };
}

/** The most pods podnet makes for one workload: a model, not a load generator. */
export const MAX_PODS_PER_WORKLOAD = 5000;

/** Runs every workload controller over the store, adding generated ReplicaSets and Pods. */
export function expandWorkloads(store: ClusterStore, nodes: readonly NodeInfo[], diags: Diagnostic[] = []): void {
  const podCount = (owner: Workload, field: string, n: number): number => {
    if (n <= MAX_PODS_PER_WORKLOAD) return n;
    // A ReplicaSet podnet made for a Deployment is reported as the Deployment the user wrote.
    const deploy = owner.kind === 'ReplicaSet' ? owner.metadata.ownerReferences?.find((r) => r.kind === 'Deployment' && r.controller !== false) : undefined;
    const ref = deploy ? { kind: 'Deployment', namespace: owner.metadata.namespace ?? 'default', name: deploy.name } : refOfObject(owner);
    diags.push({ code: Codes.tooManyReplicas, level: 'error', object: ref, source: store.sourceOf(ref) ?? store.sourceOf(refOfObject(owner)), message: `${ref.kind} ${ref.namespace}/${ref.name}: ${field} is ${n}; podnet models at most ${MAX_PODS_PER_WORKLOAD} pods per workload, so it makes none` });
    return 0;
  };
  const takenPodNames = new Map<string, Set<string>>();
  const taken = (ns: string): Set<string> => {
    let s = takenPodNames.get(ns);
    if (!s) {
      s = new Set(store.list('Pod', ns).map((p) => p.metadata.name));
      takenPodNames.set(ns, s);
    }
    return s;
  };
  // Owners whose pods the manifests already hold (a dump): kind/namespace/name of every controller reference.
  const ownersWithPods = new Set<string>();
  for (const p of store.listInApplyOrder('Pod')) {
    for (const r of p.metadata.ownerReferences ?? []) if (r.controller !== false) ownersWithPods.add(`${r.kind}/${p.metadata.namespace}/${r.name}`);
  }
  const hasOwnedPods = (owner: KubeObject): boolean => ownersWithPods.has(`${owner.kind}/${owner.metadata.namespace}/${owner.metadata.name}`);

  for (const deploy of store.list<Workload>('Deployment')) {
    const existing = store.list('ReplicaSet', deploy.metadata.namespace).some((rs) => ownedBy(rs, deploy));
    if (existing) continue;
    store.put(replicaSetForDeployment(deploy), store.sourceOf(refOfObject(deploy)));
  }

  for (const rs of store.list<Workload>('ReplicaSet')) {
    if (hasOwnedPods(rs)) continue;
    const replicas = podCount(rs, 'spec.replicas', Number(rs.spec.replicas ?? 1));
    const source = sourceOfRoot(store, rs);
    for (let i = 0; i < replicas; i++) {
      const name = uniqueGeneratedName(`${rs.metadata.name}-`, `${rs.metadata.namespace}/${rs.metadata.name}/${i}`, taken(rs.metadata.namespace ?? 'default'));
      store.put(podFromTemplate(rs, rs.spec.template, { name }), source);
    }
  }

  for (const sts of store.list<Workload>('StatefulSet')) {
    if (hasOwnedPods(sts)) continue;
    const replicas = podCount(sts, 'spec.replicas', Number(sts.spec.replicas ?? 1));
    const revision = `${sts.metadata.name}-${podTemplateHash(sts.spec.template)}`;
    const source = store.sourceOf(refOfObject(sts));
    for (let i = 0; i < replicas; i++) {
      const name = `${sts.metadata.name}-${i}`;
      taken(sts.metadata.namespace ?? 'default').add(name);
      store.put(podFromTemplate(sts, sts.spec.template, {
        name, hostname: name, subdomain: sts.spec.serviceName,
        extraLabels: { 'apps.kubernetes.io/pod-index': String(i), 'controller-revision-hash': revision, 'statefulset.kubernetes.io/pod-name': name },
      }), source);
    }
  }

  for (const ds of store.list<Workload>('DaemonSet')) {
    if (hasOwnedPods(ds)) continue;
    const revision = podTemplateHash(ds.spec.template);
    const source = store.sourceOf(refOfObject(ds));
    const podSpec = ds.spec.template?.spec ?? {};
    const nodeSelector = compileLabelSelector({ matchLabels: podSpec.nodeSelector ?? {} });
    for (const node of nodes) {
      // The DaemonSet controller ignores unschedulable and tolerates the node-condition taints; others must be tolerated.
      if (!nodeSelector(node.labels) || !toleratesTaints(podSpec.tolerations ?? [], node.taints)) continue;
      const name = uniqueGeneratedName(`${ds.metadata.name}-`, `${ds.metadata.namespace}/${ds.metadata.name}/${node.name}`, taken(ds.metadata.namespace ?? 'default'));
      store.put(podFromTemplate(ds, ds.spec.template, {
        name, nodeName: node.name,
        extraLabels: { 'controller-revision-hash': revision, 'pod-template-generation': '1' },
      }), source);
    }
  }

  for (const job of store.list<Workload>('Job')) {
    if (hasOwnedPods(job)) continue;
    const active = podCount(job, 'spec.parallelism', Math.min(Number(job.spec.parallelism ?? 1), Number(job.spec.completions ?? 1)));
    const source = store.sourceOf(refOfObject(job));
    const uid = job.metadata.uid ?? '';
    for (let i = 0; i < active; i++) {
      const name = uniqueGeneratedName(`${job.metadata.name}-`, `${job.metadata.namespace}/${job.metadata.name}/${i}`, taken(job.metadata.namespace ?? 'default'));
      store.put(podFromTemplate(job, job.spec.template, {
        name,
        extraLabels: { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': job.metadata.name, 'controller-uid': uid, 'job-name': job.metadata.name },
      }), source);
    }
  }
}

/** The source line of the object at the top of the owner chain (a generated ReplicaSet points at its Deployment's). */
function sourceOfRoot(store: ClusterStore, obj: KubeObject): SourceRef | undefined {
  return store.sourceOf(refOfObject(obj));
}

export function replicaSetForDeployment(deploy: Workload): Workload {
  const hash = podTemplateHash(deploy.spec.template);
  const name = `${deploy.metadata.name}-${hash}`;
  const namespace = deploy.metadata.namespace ?? 'default';
  const template = structuredClone(deploy.spec.template ?? {});
  template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), 'pod-template-hash': hash } };
  const selector: LabelSelector = structuredClone(deploy.spec.selector ?? {});
  selector.matchLabels = { ...(selector.matchLabels ?? {}), 'pod-template-hash': hash };
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      namespace,
      uid: deterministicUid(`ReplicaSet/${namespace}/${name}`),
      labels: template.metadata.labels,
      annotations: {
        'deployment.kubernetes.io/desired-replicas': String(deploy.spec.replicas ?? 1),
        'deployment.kubernetes.io/max-replicas': String(Number(deploy.spec.replicas ?? 1) + 1),
        'deployment.kubernetes.io/revision': '1',
      },
      ownerReferences: [ownerRefTo(deploy)],
    },
    spec: { replicas: deploy.spec.replicas ?? 1, selector, template },
  };
}

/** Fills workload status from the pods they own (replicas, readyReplicas, availableReplicas...). */
export function updateWorkloadStatus(store: ClusterStore): void {
  const podsByOwner = new Map<string, KubeObject[]>();
  for (const pod of store.list('Pod')) {
    for (const r of pod.metadata.ownerReferences ?? []) {
      const key = `${r.kind}/${pod.metadata.namespace}/${r.name}`;
      let list = podsByOwner.get(key);
      if (!list) podsByOwner.set(key, (list = []));
      list.push(pod);
    }
  }
  const counts = (owner: KubeObject) => {
    const pods = podsByOwner.get(`${owner.kind}/${owner.metadata.namespace}/${owner.metadata.name}`) ?? [];
    return { total: pods.length, ready: pods.filter(isPodReady).length };
  };
  for (const rs of store.list<Workload>('ReplicaSet')) {
    const c = counts(rs);
    rs.status = { replicas: c.total, fullyLabeledReplicas: c.total, readyReplicas: c.ready, availableReplicas: c.ready, observedGeneration: 1 };
  }
  for (const d of store.list<Workload>('Deployment')) {
    const sets = store.list<Workload>('ReplicaSet', d.metadata.namespace).filter((rs) => ownedBy(rs, d));
    const total = sets.reduce((n, rs) => n + (rs.status?.replicas ?? 0), 0);
    const ready = sets.reduce((n, rs) => n + (rs.status?.readyReplicas ?? 0), 0);
    const desired = Number(d.spec.replicas ?? 1);
    d.status = {
      observedGeneration: 1, replicas: total, updatedReplicas: total, readyReplicas: ready, availableReplicas: ready,
      unavailableReplicas: Math.max(0, desired - ready),
      conditions: [
        { type: 'Available', status: ready >= desired ? 'True' : 'False', reason: ready >= desired ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable' },
        { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
      ],
    };
  }
  for (const s of store.list<Workload>('StatefulSet')) {
    const c = counts(s);
    s.status = { observedGeneration: 1, replicas: c.total, readyReplicas: c.ready, currentReplicas: c.total, updatedReplicas: c.total, availableReplicas: c.ready };
  }
  for (const ds of store.list<Workload>('DaemonSet')) {
    const c = counts(ds);
    ds.status = { desiredNumberScheduled: c.total, currentNumberScheduled: c.total, numberReady: c.ready, updatedNumberScheduled: c.total, numberAvailable: c.ready, numberMisscheduled: 0, observedGeneration: 1 };
  }
  for (const j of store.list<Workload>('Job')) {
    const c = counts(j);
    j.status = { active: c.total, ready: c.ready, succeeded: 0, failed: 0 };
  }
}

export function isPodReady(pod: KubeObject): boolean {
  const conditions = ((pod as Obj).status?.conditions ?? []) as Obj[];
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}
