// Kubernetes' own create-time validation for the kinds and fields podnet uses, with the API server's messages, so
// that a manifest podnet rejects is one `kubectl apply` would reject, and with the same words:
//   The Service "web" is invalid: spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive
// Sources: k8s.io/apimachinery (util/validation, api/validation, apis/meta/v1/validation) and
// k8s.io/kubernetes/pkg/apis/{core,apps,batch,networking,discovery}/validation. Values the API server defaults
// before validating (protocol, targetPort, type, policyTypes...) may be absent. The rules live in ./validation/.
import { fieldErr, formatFieldError, type FieldError } from './field-errors.js';
import { kindInfo } from './kinds.js';
import type { KubeObject } from './types.js';
import { validateConfigMapFields, validateNodeSpec, validateSecretFields } from './validation/core.js';
import { validateEndpointSliceFields, validateEndpointsSubsets } from './validation/endpoints.js';
import { nameIsDNS1035Label, nameIsDNSLabel, nameIsDNSSubdomain, type NameFn } from './validation/format.js';
import { isRec, type Errs, type Rec } from './validation/json.js';
import { validateObjectMeta } from './validation/meta.js';
import { validateIngressClassSpec, validateIngressSpec, validateNetworkPolicySpec } from './validation/networking.js';
import { validatePodSpec } from './validation/pod.js';
import { validateServiceSpec } from './validation/service.js';
import {
  validateDaemonSetSpec, validateJobSpec, validateReplicaSetLikeSpec, validateStatefulSetSpec,
} from './validation/workloads.js';

interface KindRules {
  /** How metadata.name is checked (ValidateXxxName upstream). */
  name: NameFn;
  /** Everything but metadata. */
  rest?: (obj: Rec, errs: Errs) => void;
}

const RULES: Record<string, KindRules> = {
  Namespace: { name: nameIsDNSLabel },
  Node: { name: nameIsDNSSubdomain, rest: validateNodeSpec },
  Pod: { name: nameIsDNSSubdomain, rest: (o, errs) => void validatePodSpec(o.spec, 'spec', errs, true) },
  Service: { name: nameIsDNS1035Label, rest: validateServiceSpec },
  Endpoints: { name: nameIsDNSSubdomain, rest: validateEndpointsSubsets },
  Secret: { name: nameIsDNSSubdomain, rest: validateSecretFields },
  ConfigMap: { name: nameIsDNSSubdomain, rest: validateConfigMapFields },
  Deployment: { name: nameIsDNSSubdomain, rest: (o, errs) => validateReplicaSetLikeSpec(o.spec, errs) },
  ReplicaSet: { name: nameIsDNSSubdomain, rest: (o, errs) => validateReplicaSetLikeSpec(o.spec, errs) },
  // StatefulSet names became DNS labels: its pods' hostnames are <name>-<ordinal>.
  StatefulSet: { name: nameIsDNSLabel, rest: (o, errs) => validateStatefulSetSpec(o.spec, errs) },
  DaemonSet: { name: nameIsDNSSubdomain, rest: (o, errs) => validateDaemonSetSpec(o.spec, errs) },
  Job: { name: nameIsDNSSubdomain, rest: (o, errs) => validateJobSpec(o.spec, errs) },
  EndpointSlice: { name: nameIsDNSSubdomain, rest: validateEndpointSliceFields },
  NetworkPolicy: { name: nameIsDNSSubdomain, rest: (o, errs) => validateNetworkPolicySpec(o.spec, errs) },
  Ingress: { name: nameIsDNSSubdomain, rest: validateIngressSpec },
  IngressClass: { name: nameIsDNSSubdomain, rest: (o, errs) => validateIngressClassSpec(o.spec, errs) },
};

/**
 * Kubernetes' own validation rules for the fields podnet uses. Total: never throws, whatever JSON it is given (types
 * swapped, nulls, arrays where maps are expected...). Missing fields that the API server would default (protocol,
 * targetPort, type, policyTypes...) are valid. A field of the wrong JSON type is one `Invalid value: ...: must be of
 * type <t>` error (the API server fails to decode such a document) and its other checks are skipped.
 * Unknown kinds get the metadata checks of custom resources (DNS subdomain names).
 */
export function validateObject(obj: KubeObject): FieldError[] {
  const target: unknown = obj;
  if (!isRec(target)) return [fieldErr.invalid('', target, 'must be of type object')];
  const kind = typeof target.kind === 'string' ? target.kind : '';
  const rules = Object.hasOwn(RULES, kind) ? RULES[kind] : undefined;
  const info = kindInfo(kind);
  const errs: Errs = [];
  validateObjectMeta(target.metadata, {
    nameFn: rules?.name ?? nameIsDNSSubdomain,
    namespaced: info ? info.namespaced : true,
    // podnet's own ClusterConfig is a singleton: its name is optional.
    requireName: kind !== 'ClusterConfig',
  }, errs);
  rules?.rest?.(target, errs);
  // Bad values are kept as written (YAML anchors can make them cyclic or shared): formatFieldValue prints any of them.
  return dedupe(errs);
}

/** field.ErrorList.ToAggregate drops errors whose message repeats an earlier one. */
function dedupe(errs: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errs.filter((e) => {
    const text = formatFieldError(e);
    if (seen.has(text)) return false;
    seen.add(text);
    return true;
  });
}

const CONTAINER_FIELD = /(^|\.)(initContainers|containers|ephemeralContainers)\[\d+\]\.(name|image)$/;
const PORT_FIELD = /(^|\.)ports\[\d+\]\.(name|containerPort)$/;
const CONTAINERS_LIST = /^spec(\.template\.spec)?\.containers$/;
const CLUSTER_IP_NODE_PORT = /^spec\.ports\[(\d+)\]\.nodePort$/;

/**
 * Whether `--lenient` (for trimmed dumps that were never applied, as np-guard reads them) may keep an object despite
 * this error: the checks that only the API server's bookkeeping needs, never the network model — the format of a
 * present name, labels and annotations, a missing or repeated container or port name, a container without image, a port entry without a
 * number (the model skips it), a workload selector that does not match its template (pods get the template's labels),
 * a pod with no containers at all (it has no ports), a nodePort on a ClusterIP Service (lenientRepair drops it, as the
 * type says no node port is opened). Everything else (types, values the model reads, a missing name) stays refused.
 */
export function lenientMayKeep(e: FieldError, obj: KubeObject): boolean {
  if (e.field === 'metadata.name') return (e.type === 'Invalid' || e.type === 'TooLong') && typeof obj.metadata?.name === 'string' && obj.metadata.name !== '';
  if (e.field === 'metadata.labels' || e.field === 'metadata.annotations' || e.field === 'spec.template.metadata.labels' || e.field === 'spec.template.labels') return e.type === 'Invalid' || e.type === 'TooLong';
  if (CONTAINER_FIELD.test(e.field)) return e.type === 'Required' || e.type === 'Duplicate';
  if (PORT_FIELD.test(e.field)) return e.type === 'Required' || e.type === 'Duplicate';
  if (CONTAINERS_LIST.test(e.field)) return e.type === 'Required';
  if (obj.kind === 'Service' && CLUSTER_IP_NODE_PORT.test(e.field)) return e.type === 'Forbidden';
  return false;
}

/** Removes, from an object `--lenient` kept, the fields its errors forbid, so the model never reads them. */
export function lenientRepair(errors: readonly FieldError[], obj: KubeObject): void {
  for (const e of errors) {
    const m = obj.kind === 'Service' && e.type === 'Forbidden' ? CLUSTER_IP_NODE_PORT.exec(e.field) : null;
    const port = m ? (obj as { spec?: { ports?: Record<string, unknown>[] } }).spec?.ports?.[Number(m[1])] : undefined;
    if (port && typeof port === 'object') delete port.nodePort;
  }
}
