// Describers for workloads: Deployment, ReplicaSet, StatefulSet, DaemonSet, Job (kubectl describe.go). Pod counts
// come from the pods the workload controls, as getPodStatusForController counts them.
import { formatRFC1123Z } from './duration.js';
import { formatLabels, formatLabelSelector, selectorString } from './format.js';
import { controllerOf, describeNoEvents, PrefixWriter, printAnnotationsMultiline, printLabelsMultiline } from './describe-writer.js';
import { describePodTemplate } from './describe-pod.js';
import type { DescribeContext } from './describe-context.js';

type Obj = Record<string, any>;

const controls = (owner: Obj) => (o: Obj) =>
  ((o.metadata?.ownerReferences ?? []) as Obj[]).some((r) => r.controller === true && r.kind === owner.kind && r.name === owner.metadata.name && (!owner.metadata.uid || !r.uid || r.uid === owner.metadata.uid));

function podsStatus(owner: Obj, ctx: DescribeContext): string {
  const counts = { Running: 0, Pending: 0, Succeeded: 0, Failed: 0 } as Record<string, number>;
  for (const p of ctx.list('Pod', owner.metadata.namespace).filter(controls(owner)) as Obj[]) {
    if (p.status?.phase in counts) counts[p.status.phase]++;
  }
  return `${counts.Running} Running / ${counts.Pending} Waiting / ${counts.Succeeded} Succeeded / ${counts.Failed} Failed`;
}

function header(w: PrefixWriter, o: Obj): void {
  w.write(0, `Name:\t${o.metadata.name}\n`);
  w.write(0, `Namespace:\t${o.metadata.namespace ?? ''}\n`);
}

function conditionsTable(w: PrefixWriter, conditions: Obj[] | undefined): void {
  if (!(conditions ?? []).length) return;
  w.write(0, 'Conditions:\n  Type\tStatus\tReason\n');
  w.write(1, '----\t------\t------\n');
  for (const c of conditions!) w.write(1, `${c.type} \t${c.status}\t${c.reason ?? ''}\n`);
}

export function describeDeployment(d: Obj, ctx: DescribeContext): string {
  const w = new PrefixWriter();
  const spec = d.spec ?? {};
  const st = d.status ?? {};
  header(w, d);
  w.write(0, `CreationTimestamp:\t${formatRFC1123Z(d.metadata.creationTimestamp)}\n`);
  printLabelsMultiline(w, 'Labels', d.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', d.metadata.annotations);
  w.write(0, `Selector:\t${selectorString(spec.selector)}\n`);
  w.write(0, `Replicas:\t${spec.replicas ?? 1} desired | ${st.updatedReplicas ?? 0} updated | ${st.replicas ?? 0} total | ${st.availableReplicas ?? 0} available | ${st.unavailableReplicas ?? 0} unavailable\n`);
  w.write(0, `StrategyType:\t${spec.strategy?.type ?? ''}\n`);
  w.write(0, `MinReadySeconds:\t${spec.minReadySeconds ?? 0}\n`);
  const ru = spec.strategy?.rollingUpdate;
  if (ru) w.write(0, `RollingUpdateStrategy:\t${ru.maxUnavailable ?? '<nil>'} max unavailable, ${ru.maxSurge ?? '<nil>'} max surge\n`);
  describePodTemplate(spec.template, w);
  conditionsTable(w, st.conditions);
  // The new ReplicaSet is the one whose template is the Deployment's (the latest revision); the others are old.
  const owned = (ctx.list('ReplicaSet', d.metadata.namespace) as Obj[]).filter(controls(d));
  if (owned.length > 0) {
    const revision = (rs: Obj) => Number(rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
    const newest = owned.reduce((a, b) => (revision(b) > revision(a) ? b : a));
    const text = (list: Obj[]) => list.map((rs) => `${rs.metadata.name} (${rs.status?.replicas ?? 0}/${rs.spec?.replicas ?? 1} replicas created)`).join(', ') || '<none>';
    w.write(0, `OldReplicaSets:\t${text(owned.filter((rs) => rs !== newest))}\n`);
    w.write(0, `NewReplicaSet:\t${text([newest])}\n`);
  }
  describeNoEvents(w);
  return w.toString();
}

export function describeReplicaSet(rs: Obj, ctx: DescribeContext): string {
  const w = new PrefixWriter();
  header(w, rs);
  w.write(0, `Selector:\t${formatLabelSelector(rs.spec?.selector)}\n`);
  printLabelsMultiline(w, 'Labels', rs.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', rs.metadata.annotations);
  const controller = controllerOf(rs);
  if (controller) w.write(0, `Controlled By:\t${controller}\n`);
  w.write(0, `Replicas:\t${rs.status?.replicas ?? 0} current / ${rs.spec?.replicas ?? 1} desired\n`);
  w.write(0, `Pods Status:\t${podsStatus(rs, ctx)}\n`);
  describePodTemplate(rs.spec?.template, w);
  conditionsTable(w, rs.status?.conditions);
  describeNoEvents(w);
  return w.toString();
}

export function describeStatefulSet(s: Obj, ctx: DescribeContext): string {
  const w = new PrefixWriter();
  header(w, s);
  w.write(0, `CreationTimestamp:\t${formatRFC1123Z(s.metadata.creationTimestamp)}\n`);
  w.write(0, `Selector:\t${selectorString(s.spec?.selector)}\n`);
  printLabelsMultiline(w, 'Labels', s.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', s.metadata.annotations);
  w.write(0, `Replicas:\t${s.spec?.replicas ?? 1} desired | ${s.status?.replicas ?? 0} total\n`);
  w.write(0, `Update Strategy:\t${s.spec?.updateStrategy?.type ?? ''}\n`);
  const ru = s.spec?.updateStrategy?.rollingUpdate;
  if (ru && ru.partition !== undefined) {
    w.write(1, `Partition:\t${ru.partition}\n`);
    if (ru.maxUnavailable !== undefined) w.write(1, `MaxUnavailable:\t${ru.maxUnavailable}\n`);
  }
  w.write(0, `Pods Status:\t${podsStatus(s, ctx)}\n`);
  describePodTemplate(s.spec?.template, w);
  const claims = (s.spec?.volumeClaimTemplates ?? []) as Obj[];
  if (claims.length === 0) w.write(0, 'Volume Claims:\t<none>\n');
  else {
    w.write(0, 'Volume Claims:\n');
    for (const pvc of claims) {
      w.write(1, `Name:\t${pvc.metadata?.name ?? ''}\n`);
      w.write(1, `StorageClass:\t${pvc.spec?.storageClassName ?? ''}\n`);
      printLabelsMultiline(w, 'Labels', pvc.metadata?.labels, '  ');
      printLabelsMultiline(w, 'Annotations', pvc.metadata?.annotations, '  ');
      w.write(1, `Capacity:\t${pvc.spec?.resources?.requests?.storage ?? '<default>'}\n`);
      w.write(1, `Access Modes:\t[${(pvc.spec?.accessModes ?? []).join(' ')}]\n`);
    }
  }
  describeNoEvents(w);
  return w.toString();
}

export function describeDaemonSet(ds: Obj, ctx: DescribeContext): string {
  const w = new PrefixWriter();
  const st = ds.status ?? {};
  header(w, ds);
  w.write(0, `Selector:\t${selectorString(ds.spec?.selector)}\n`);
  w.write(0, `Node-Selector:\t${formatLabels(ds.spec?.template?.spec?.nodeSelector)}\n`);
  printLabelsMultiline(w, 'Labels', ds.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', ds.metadata.annotations);
  w.write(0, `Desired Number of Nodes Scheduled: ${st.desiredNumberScheduled ?? 0}\n`);
  w.write(0, `Current Number of Nodes Scheduled: ${st.currentNumberScheduled ?? 0}\n`);
  w.write(0, `Number of Nodes Scheduled with Up-to-date Pods: ${st.updatedNumberScheduled ?? 0}\n`);
  w.write(0, `Number of Nodes Scheduled with Available Pods: ${st.numberAvailable ?? 0}\n`);
  w.write(0, `Number of Nodes Misscheduled: ${st.numberMisscheduled ?? 0}\n`);
  w.write(0, `Pods Status:\t${podsStatus(ds, ctx)}\n`);
  describePodTemplate(ds.spec?.template, w);
  describeNoEvents(w);
  return w.toString();
}

export function describeJob(job: Obj): string {
  const w = new PrefixWriter();
  const spec = job.spec ?? {};
  const st = job.status ?? {};
  header(w, job);
  w.write(0, `Selector:\t${selectorString(spec.selector)}\n`);
  printLabelsMultiline(w, 'Labels', job.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', job.metadata.annotations);
  const controller = controllerOf(job);
  if (controller) w.write(0, `Controlled By:\t${controller}\n`);
  if (spec.parallelism !== undefined) w.write(0, `Parallelism:\t${spec.parallelism}\n`);
  w.write(0, `Completions:\t${spec.completions ?? '<unset>'}\n`);
  if (spec.completionMode) w.write(0, `Completion Mode:\t${spec.completionMode}\n`);
  if (spec.suspend !== undefined) w.write(0, `Suspend:\t${spec.suspend}\n`);
  if (spec.backoffLimit !== undefined) w.write(0, `Backoff Limit:\t${spec.backoffLimit}\n`);
  if (spec.ttlSecondsAfterFinished !== undefined) w.write(0, `TTL Seconds After Finished:\t${spec.ttlSecondsAfterFinished}\n`);
  if (st.startTime) w.write(0, `Start Time:\t${formatRFC1123Z(st.startTime)}\n`);
  if (st.completionTime) w.write(0, `Completed At:\t${formatRFC1123Z(st.completionTime)}\n`);
  if (spec.activeDeadlineSeconds !== undefined) w.write(0, `Active Deadline Seconds:\t${spec.activeDeadlineSeconds}s\n`);
  w.write(0, st.ready === undefined
    ? `Pods Statuses:\t${st.active ?? 0} Active / ${st.succeeded ?? 0} Succeeded / ${st.failed ?? 0} Failed\n`
    : `Pods Statuses:\t${st.active ?? 0} Active (${st.ready} Ready) / ${st.succeeded ?? 0} Succeeded / ${st.failed ?? 0} Failed\n`);
  if (spec.completionMode === 'Indexed') w.write(0, `Completed Indexes:\t${st.completedIndexes || '<none>'}\n`);
  describePodTemplate(spec.template, w);
  describeNoEvents(w);
  return w.toString();
}
