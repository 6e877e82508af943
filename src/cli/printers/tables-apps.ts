// Workload columns (printDeployment, printReplicaSet, printStatefulSet, printDaemonSet, printJob in kubectl's
// printers.go).
import { humanDuration } from './duration.js';
import { formatLabels, formatLabelSelector, layoutContainerCells, selectorString } from './format.js';
import { age, num, type TableDef } from './table-types.js';

type Obj = Record<string, any>;

const containersOf = (o: Obj) => layoutContainerCells(o.spec?.template?.spec?.containers);

function jobStatus(job: Obj): string {
  const has = (type: string) => ((job.status?.conditions ?? []) as Obj[]).find((c) => c.type === type)?.status === 'True';
  if (has('Complete')) return 'Complete';
  if (has('Failed')) return 'Failed';
  if (job.metadata?.deletionTimestamp) return 'Terminating';
  if (has('Suspended')) return 'Suspended';
  if (has('FailureTarget')) return 'FailureTarget';
  return 'Running';
}

function jobCompletions(job: Obj): string {
  const succeeded = job.status?.succeeded ?? 0;
  if (job.spec?.completions !== undefined && job.spec?.completions !== null) return `${succeeded}/${job.spec.completions}`;
  const parallelism = job.spec?.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function jobDuration(job: Obj, now: Date): string {
  const start = job.status?.startTime ? Date.parse(job.status.startTime) : NaN;
  if (Number.isNaN(start)) return '';
  const end = job.status?.completionTime ? Date.parse(job.status.completionTime) : now.getTime();
  return humanDuration(end - start);
}

export const APPS_TABLES: Record<string, TableDef> = {
  Deployment: {
    columns: ['Name', 'Ready', 'Up-to-date', 'Available', 'Age'],
    wideColumns: ['Containers', 'Images', 'Selector'],
    cells: (d, ctx) => [d.metadata.name, `${num(d.status?.readyReplicas)}/${num(d.spec?.replicas)}`, num(d.status?.updatedReplicas), num(d.status?.availableReplicas), age(d, ctx)],
    wideCells: (d) => [...containersOf(d), selectorString(d.spec?.selector)],
  },
  ReplicaSet: {
    columns: ['Name', 'Desired', 'Current', 'Ready', 'Age'],
    wideColumns: ['Containers', 'Images', 'Selector'],
    cells: (r, ctx) => [r.metadata.name, num(r.spec?.replicas), num(r.status?.replicas), num(r.status?.readyReplicas), age(r, ctx)],
    wideCells: (r) => [...containersOf(r), formatLabelSelector(r.spec?.selector)],
  },
  StatefulSet: {
    columns: ['Name', 'Ready', 'Age'],
    wideColumns: ['Containers', 'Images'],
    cells: (s, ctx) => [s.metadata.name, `${num(s.status?.readyReplicas)}/${num(s.spec?.replicas)}`, age(s, ctx)],
    wideCells: (s) => containersOf(s),
  },
  DaemonSet: {
    columns: ['Name', 'Desired', 'Current', 'Ready', 'Up-to-date', 'Available', 'Node Selector', 'Age'],
    wideColumns: ['Containers', 'Images', 'Selector'],
    cells: (d, ctx) => {
      const st = d.status ?? {};
      return [d.metadata.name, num(st.desiredNumberScheduled), num(st.currentNumberScheduled), num(st.numberReady), num(st.updatedNumberScheduled), num(st.numberAvailable), formatLabels(d.spec?.template?.spec?.nodeSelector), age(d, ctx)];
    },
    wideCells: (d) => [...containersOf(d), formatLabelSelector(d.spec?.selector)],
  },
  Job: {
    columns: ['Name', 'Status', 'Completions', 'Duration', 'Age'],
    wideColumns: ['Containers', 'Images', 'Selector'],
    cells: (j, ctx) => [j.metadata.name, jobStatus(j), jobCompletions(j), jobDuration(j, ctx.now), age(j, ctx)],
    wideCells: (j) => [...containersOf(j), formatLabelSelector(j.spec?.selector)],
  },
};
