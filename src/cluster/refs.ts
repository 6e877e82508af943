// How users name pods on the command line: NS/POD, or a workload NS/deploy/NAME (sts, ds, rs, job) standing for its
// pods. The workload's pods are those its selector matches, as its controller counts them.
import { compileLabelSelector } from '../api/labels.js';
import type { KubeObject } from '../api/types.js';
import type { Cluster } from './cluster.js';

type Obj = Record<string, any>;

export const WORKLOAD_KINDS: Readonly<Record<string, string>> = {
  deploy: 'Deployment', deployment: 'Deployment', deployments: 'Deployment',
  sts: 'StatefulSet', statefulset: 'StatefulSet', statefulsets: 'StatefulSet',
  ds: 'DaemonSet', daemonset: 'DaemonSet', daemonsets: 'DaemonSet',
  rs: 'ReplicaSet', replicaset: 'ReplicaSet', replicasets: 'ReplicaSet',
  job: 'Job', jobs: 'Job',
};

/** A reference that names nothing in the cluster; the message says what exists instead. */
export class PodReferenceError extends Error {}

/** The pods of a workload (sorted by name); throws when the workload does not exist. */
export function podsOfWorkload(cluster: Cluster, kind: string, namespace: string, name: string): KubeObject[] {
  const wl = cluster.get<KubeObject & { spec?: Obj }>(kind, namespace, name);
  if (!wl) throw new PodReferenceError(`${kind.toLowerCase()}s "${name}" not found in namespace "${namespace}"`);
  const sel = compileLabelSelector(wl.spec?.selector ?? { matchLabels: { 'podnet.dev/no-selector': '' } });
  return cluster.pods(namespace).filter((p) => sel(p.metadata.labels));
}

/** The IP a pod key (NS/NAME) has in the cluster, undefined for an unknown pod or one without an address. */
export function podIPOf(cluster: Cluster, key: string): string | undefined {
  const [ns, name] = key.split('/', 2);
  if (name === undefined) return undefined;
  const ip = cluster.get<{ status?: { podIP?: unknown } }>('Pod', ns, name)?.status?.podIP;
  return typeof ip === 'string' && ip !== '' ? ip : undefined;
}

/**
 * NS/POD stays as it is; NS/KIND/NAME (a workload, or `pod`) becomes the first of its pods by name, as
 * `kubectl exec deploy/NAME` picks one pod of a workload.
 */
export function resolvePodReference(cluster: Cluster, text: string): string {
  const parts = text.split('/');
  if (parts.length !== 3 || parts.some((p) => p === '')) return text;
  const [ns, kindText, name] = parts;
  if (['po', 'pod', 'pods'].includes(kindText.toLowerCase())) return `${ns}/${name}`;
  const kind = WORKLOAD_KINDS[kindText.toLowerCase()];
  if (!kind) throw new PodReferenceError(`"${kindText}" in ${text} is not a workload kind: use NAMESPACE/POD or NAMESPACE/deploy/NAME (or sts, ds, rs, job)`);
  const pods = podsOfWorkload(cluster, kind, ns, name);
  if (pods.length === 0) throw new PodReferenceError(`${kind} ${ns}/${name} has no pods`);
  return `${ns}/${pods[0].metadata.name}`;
}

/**
 * The controller at the top of a pod's owner chain, as `kubectl get` names workloads: a Deployment for the pods of its
 * ReplicaSets, else the pod's own controller (StatefulSet, DaemonSet, Job, a bare ReplicaSet); undefined for a bare pod.
 */
export function controllerOf(cluster: Cluster, pod: KubeObject): { kind: string; name: string } | undefined {
  const owner = pod.metadata.ownerReferences?.find((o) => o.controller !== false);
  if (!owner) return undefined;
  if (owner.kind === 'ReplicaSet') {
    const rs = cluster.get<KubeObject>('ReplicaSet', pod.metadata.namespace ?? 'default', owner.name);
    const deploy = rs?.metadata.ownerReferences?.find((o) => o.kind === 'Deployment' && o.controller !== false);
    if (deploy) return { kind: 'Deployment', name: deploy.name };
  }
  return { kind: owner.kind, name: owner.name };
}
