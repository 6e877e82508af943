// Ephemeral containers: the pods/ephemeralcontainers subresource (what `kubectl debug POD --image=…` writes, and what
// `podnet test --context` adds its probe container through). They are not the manifests' business: like the kubelet's
// runtime state they are kept beside the snapshot, per pod uid (a pod made again is a new pod without them), and laid
// over the pod the API serves — spec.ephemeralContainers and status.ephemeralContainerStatuses. An ephemeral container
// shares its pod's network namespace, so exec in it is exec in the pod (the lab's tools, or in kernel mode a real
// process in the pod's namespace). The lab runs no image: a container is Running once its pod is, until the pod goes.
import { isDeepStrictEqual } from 'node:util';
import type { FieldError } from '../../api/field-errors.js';
import { fieldErr } from '../../api/field-errors.js';
import { validateEphemeralContainers } from '../../api/validation/pod.js';
import { rfc3339 } from './revisions.js';

type Obj = Record<string, any>;

interface Added { container: Obj; startedAt: string }

/** SetDefaults_Container for what an ephemeral container carries (a tag-less or :latest image is pulled Always). */
function defaulted(c: Obj): Obj {
  const image = String(c.image ?? '');
  const tag = image.includes('@') ? 'digest' : /:[^/]+$/.test(image) ? image.slice(image.lastIndexOf(':') + 1) : 'latest';
  return {
    terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File',
    imagePullPolicy: tag === 'latest' ? 'Always' : 'IfNotPresent',
    ...c,
  };
}

/** etcd's default --max-request-bytes: a pod whose ephemeral containers outgrow it could not be stored. */
const MAX_STORED_BYTES = 1.5 * 1024 * 1024;

/** What kube-apiserver answers when etcd refuses an object that large (a 500 with etcd's words). */
export class RequestTooLarge extends Error { constructor() { super('etcdserver: request is too large'); } }

export class EphemeralContainers {
  private readonly byPod = new Map<string, Added[]>();

  constructor(private readonly now: () => Date) {}

  /** The names exec, attach and logs accept for a pod besides its containers. */
  names(pod: Obj): string[] {
    return (this.byPod.get(String(pod.metadata?.uid)) ?? []).map((a) => String(a.container.name));
  }

  /** Forgets the containers of pods no snapshot holds any more. */
  observe(pods: readonly Obj[]): void {
    const live = new Set(pods.map((p) => String(p.metadata?.uid)));
    for (const uid of this.byPod.keys()) if (!live.has(uid)) this.byPod.delete(uid);
  }

  /** The pod as the API serves it: with its ephemeral containers and, once it runs, their running state. */
  overlay(pod: Obj): Obj {
    const added = this.byPod.get(String(pod.metadata?.uid));
    if (!added?.length) return pod;
    const running = pod.status?.phase === 'Running';
    const statuses = added.map((a) => ({
      name: a.container.name, image: a.container.image, imageID: '', ready: false, restartCount: 0,
      state: running ? { running: { startedAt: a.startedAt } } : { waiting: { reason: 'PodInitializing' } }, lastState: {},
    }));
    return { ...pod, spec: { ...pod.spec, ephemeralContainers: added.map((a) => a.container) }, ...(pod.status ? { status: { ...pod.status, ephemeralContainerStatuses: statuses } } : {}) };
  }

  /**
   * ValidatePodEphemeralContainersUpdate: the pod `next` (the live pod with the client's change) may add ephemeral
   * containers; existing ones may not be removed or changed. Only spec.ephemeralContainers is taken from it, as the
   * subresource's strategy does. Returns the field errors (nothing kept), or the pod's containers now.
   */
  update(live: Obj, next: Obj, dryRun: boolean): { errors: FieldError[]; containers: Obj[] } {
    const path = 'spec.ephemeralContainers';
    const given = next?.spec?.ephemeralContainers ?? [];
    const errs: FieldError[] = [];
    const others = [...(live.spec?.containers ?? []), ...(live.spec?.initContainers ?? [])].map((c: Obj) => (typeof c?.name === 'string' ? c.name : null));
    validateEphemeralContainers(given, path, others, errs);
    if (errs.length) return { errors: errs, containers: [] };
    const list = (given as Obj[]).map(defaulted);
    const byName = new Map(list.map((c) => [String(c.name), c]));
    const old = this.byPod.get(String(live.metadata.uid)) ?? [];
    for (const a of old) {
      const now = byName.get(String(a.container.name));
      if (!now) errs.push(fieldErr.forbidden(path, `existing ephemeral containers ${JSON.stringify(a.container.name)} may not be removed\n`));
      else if (!isDeepStrictEqual(now, a.container)) errs.push(fieldErr.forbidden(`${path}[${a.container.name}]`, `existing ephemeral containers ${JSON.stringify(a.container.name)} may not be changed`));
    }
    if (errs.length) return { errors: errs, containers: list };
    if (Buffer.byteLength(JSON.stringify(list)) > MAX_STORED_BYTES) throw new RequestTooLarge();
    if (dryRun) return { errors: [], containers: list };
    const started = new Map(old.map((a) => [String(a.container.name), a.startedAt]));
    const time = rfc3339(this.now());
    this.byPod.set(String(live.metadata.uid), list.map((c) => ({ container: c, startedAt: started.get(String(c.name)) ?? time })));
    return { errors: [], containers: list };
  }
}
