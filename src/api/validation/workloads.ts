// Workload controllers: pkg/apis/apps/validation (Deployment, ReplicaSet, StatefulSet, DaemonSet) and
// pkg/apis/batch/validation (Job), spec checks only; metadata is validated by the caller.
import { fieldErr } from '../field-errors.js';
import { compileLabelSelector } from '../labels.js';
import { isDNS1123Label } from './format.js';
import { validateLabelSelector, type SelectorResult } from './meta.js';
import { validatePodTemplateSpec, type TemplateInfo } from './pod.js';
import { child, has, obj, optInt, str, strMap, bool, type Errs, type Rec } from './json.js';

const IS_NEGATIVE = 'must be greater than or equal to 0';

function nonNegative(v: unknown, path: string, errs: Errs): void {
  const n = optInt(v, path, errs);
  if (typeof n === 'number' && n < 0) errs.push(fieldErr.invalid(path, n, IS_NEGATIVE));
}

/** spec.selector: Required when absent, else its syntax; plus the per-kind "empty selector" message. */
function checkSelector(spec: Rec, errs: Errs, emptyDetail: string | undefined): SelectorResult | undefined {
  if (!has(spec.selector)) {
    if (emptyDetail !== undefined) errs.push(fieldErr.required('spec.selector'));
    return undefined;
  }
  const sel = validateLabelSelector(spec.selector, 'spec.selector', errs);
  if (sel.empty && emptyDetail) errs.push(fieldErr.invalid('spec.selector', spec.selector, emptyDetail));
  return sel;
}

/**
 * The template's labels as they are before validation, for the selector check (which upstream runs first). An absent
 * selector converts to labels.Nothing() and matches nothing; an empty one to labels.Everything().
 */
function selectorMatchesTemplate(sel: SelectorResult | undefined, labels: Record<string, string> | null): boolean {
  if (!sel) return false;
  return compileLabelSelector(sel.selector)(labels ?? {});
}

function templateLabels(spec: Rec): { labels: Record<string, string> | null; raw: unknown } {
  const template = obj(spec.template, '', []);
  const meta = template && obj(template.metadata, '', []);
  const raw = meta ? meta.labels : undefined;
  return { labels: strMap(raw, '', []), raw: raw ?? null };
}

function mismatch(raw: unknown): ReturnType<typeof fieldErr.invalid> {
  return fieldErr.invalid('spec.template.metadata.labels', raw, '`selector` does not match template `labels`');
}

function requireRestartAlways(t: TemplateInfo, errs: Errs): void {
  if (t.restartPolicy !== null && t.restartPolicy !== 'Always') {
    errs.push(fieldErr.notSupported('spec.template.spec.restartPolicy', t.restartPolicy, ['Always']));
  }
}

function forbidDeadline(t: TemplateInfo, owner: string, errs: Errs): void {
  if (t.activeDeadlineSeconds) {
    errs.push(fieldErr.forbidden('spec.template.spec.activeDeadlineSeconds', `activeDeadlineSeconds in ${owner} is not Supported`));
  }
}

/** ValidateDeploymentSpec / ValidateReplicaSetSpec (both say "for deployment" and "in ReplicaSet", as upstream). */
export function validateReplicaSetLikeSpec(v: unknown, errs: Errs): void {
  const spec = obj(v, 'spec', errs);
  if (spec === null) return;
  nonNegative(spec.replicas, 'spec.replicas', errs);
  nonNegative(spec.minReadySeconds, 'spec.minReadySeconds', errs);
  const sel = checkSelector(spec, errs, 'empty selector is invalid for deployment');
  if (sel && !sel.ok) {
    // metav1.LabelSelectorAsSelector failed: upstream skips the template entirely.
    errs.push(fieldErr.invalid('spec.selector', spec.selector, 'invalid label selector'));
    return;
  }
  const { labels, raw } = templateLabels(spec);
  if (!(sel?.empty ?? false) && !selectorMatchesTemplate(sel, labels)) errs.push(mismatch(raw));
  const t = validatePodTemplateSpec(spec.template, 'spec.template', errs);
  requireRestartAlways(t, errs);
  forbidDeadline(t, 'ReplicaSet', errs);
  nonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit', errs);
}

export function validateStatefulSetSpec(v: unknown, errs: Errs): void {
  const spec = obj(v, 'spec', errs);
  if (spec === null) return;
  const policy = str(spec.podManagementPolicy, 'spec.podManagementPolicy', errs);
  if (policy && policy !== 'OrderedReady' && policy !== 'Parallel') {
    errs.push(fieldErr.invalid('spec.podManagementPolicy', policy, "must be 'OrderedReady' or 'Parallel'"));
  }
  const strategy = obj(spec.updateStrategy, 'spec.updateStrategy', errs);
  const strategyType = strategy && str(strategy.type, 'spec.updateStrategy.type', errs);
  if (strategyType && strategyType !== 'RollingUpdate' && strategyType !== 'OnDelete') {
    errs.push(fieldErr.invalid('spec.updateStrategy', strategy, "must be 'RollingUpdate' or 'OnDelete'"));
  } else if (strategyType === 'OnDelete' && has(strategy?.rollingUpdate)) {
    errs.push(fieldErr.invalid('spec.updateStrategy.rollingUpdate', strategy?.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'"));
  }
  nonNegative(spec.replicas, 'spec.replicas', errs);
  nonNegative(spec.minReadySeconds, 'spec.minReadySeconds', errs);
  const serviceName = str(spec.serviceName, 'spec.serviceName', errs);
  if (serviceName) for (const m of isDNS1123Label(serviceName)) errs.push(fieldErr.invalid('spec.serviceName', serviceName, m));
  const sel = checkSelector(spec, errs, 'empty selector is invalid for statefulset');
  let t: TemplateInfo;
  if (sel && !sel.ok) {
    errs.push(fieldErr.invalid('spec.selector', spec.selector, ''));
    t = validatePodTemplateSpec(spec.template, 'spec.template', [], false);
  } else {
    const { labels, raw } = templateLabels(spec);
    if (!(sel?.empty ?? false) && !selectorMatchesTemplate(sel, labels)) errs.push(mismatch(raw));
    // Upstream leaves the pod spec to pod creation (the StatefulSet controller then fails to create its pods);
    // podnet reports those errors up front, with the same texts.
    t = validatePodTemplateSpec(spec.template, 'spec.template', errs);
  }
  requireRestartAlways(t, errs);
  forbidDeadline(t, 'StatefulSet', errs);
}

export function validateDaemonSetSpec(v: unknown, errs: Errs): void {
  const spec = obj(v, 'spec', errs);
  if (spec === null) return;
  // No Required check upstream: an absent selector fails the template match below instead.
  const sel = has(spec.selector) ? validateLabelSelector(spec.selector, 'spec.selector', errs) : undefined;
  const { labels, raw } = templateLabels(spec);
  if ((!sel || sel.ok) && !selectorMatchesTemplate(sel, labels)) errs.push(mismatch(raw));
  if (sel?.empty) errs.push(fieldErr.invalid('spec.selector', spec.selector, 'empty selector is invalid for daemonset'));
  const t = validatePodTemplateSpec(spec.template, 'spec.template', errs);
  requireRestartAlways(t, errs);
  forbidDeadline(t, 'DaemonSet', errs);
  nonNegative(spec.minReadySeconds, 'spec.minReadySeconds', errs);
  nonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit', errs);
}

/**
 * ValidateJob's spec part. Without `manualSelector: true` the API server generates the selector (controller-uid) and
 * adds the matching labels to the template, so a selector written by the user is "not auto-generated".
 */
export function validateJobSpec(v: unknown, errs: Errs): void {
  const spec = obj(v, 'spec', errs);
  if (spec === null) return;
  const manual = bool(spec.manualSelector, 'spec.manualSelector', errs) === true;
  if (!manual && has(spec.selector)) errs.push(fieldErr.invalid('spec.selector', spec.selector, '`selector` not auto-generated'));
  for (const f of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished']) {
    nonNegative(spec[f], child('spec', f), errs);
  }
  const mode = str(spec.completionMode, 'spec.completionMode', errs);
  if (mode && mode !== 'NonIndexed' && mode !== 'Indexed') errs.push(fieldErr.notSupported('spec.completionMode', mode, ['NonIndexed', 'Indexed']));
  if (mode === 'Indexed' && !has(spec.completions)) errs.push(fieldErr.required('spec.completions', 'when completion mode is Indexed'));
  const t = validatePodTemplateSpec(spec.template, 'spec.template', errs);
  // An absent restartPolicy has been defaulted to Always by then, hence Required for both.
  if (t.restartPolicy === 'Always') {
    errs.push(fieldErr.required('spec.template.spec.restartPolicy', 'valid values: "OnFailure", "Never"'));
  } else if (t.restartPolicy !== null && t.restartPolicy !== 'OnFailure' && t.restartPolicy !== 'Never') {
    errs.push(fieldErr.notSupported('spec.template.spec.restartPolicy', t.restartPolicy, ['OnFailure', 'Never']));
  }
  if (manual && !has(spec.selector)) return void errs.push(fieldErr.required('spec.selector'));
  if (!has(spec.selector)) return;
  const sel = validateLabelSelector(spec.selector, 'spec.selector', errs);
  // The generated controller-uid / job-name labels are on both sides, so only the user's part can mismatch.
  if (sel.ok && !selectorMatchesTemplate(sel, t.labels)) errs.push(mismatch(templateLabels(spec).raw));
}
