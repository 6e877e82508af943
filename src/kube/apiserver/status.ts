// API errors as kube-apiserver returns them: a metav1.Status with the reason, code and details that client-go turns
// into its typed errors and kubectl prints (apimachinery/pkg/api/errors: NewNotFound, NewAlreadyExists, NewConflict,
// NewInvalid, NewBadRequest, NewMethodNotSupported, NewGone, NewUnauthorized, NewForbidden).
import { formatFieldError, type FieldError } from '../../api/field-errors.js';
import type { ApiResource } from './resources.js';

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: { name?: string; group?: string; kind?: string; uid?: string; causes?: { reason: string; message: string; field: string }[]; retryAfterSeconds?: number };
  code: number;
}

export class ApiError extends Error {
  constructor(readonly status: Status) { super(status.message); }
  get code(): number { return this.status.code; }
}

function failure(code: number, reason: string, message: string, details?: Status['details']): ApiError {
  return new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code });
}

/** `pods`, `deployments.apps`: the resource as error messages name it. */
export function qualifiedResource(r: ApiResource): string {
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}

/** `Service`, `Deployment.apps`: the kind as Invalid messages name it. */
function qualifiedKind(r: ApiResource): string {
  return r.group ? `${r.kind}.${r.group}` : r.kind;
}

export const errors = {
  notFound: (r: ApiResource, name: string) => failure(404, 'NotFound', `${qualifiedResource(r)} "${name}" not found`, { name, ...(r.group ? { group: r.group } : {}), kind: r.plural }),
  namespaceNotFound: (ns: string) => failure(404, 'NotFound', `namespaces "${ns}" not found`, { name: ns, kind: 'namespaces' }),
  alreadyExists: (r: ApiResource, name: string) => failure(409, 'AlreadyExists', `${qualifiedResource(r)} "${name}" already exists`, { name, ...(r.group ? { group: r.group } : {}), kind: r.plural }),
  conflict: (r: ApiResource, name: string, why: string) => failure(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(r)} "${name}": ${why}`, { name, ...(r.group ? { group: r.group } : {}), kind: r.plural }),
  invalid: (r: ApiResource, name: string, errs: readonly FieldError[]) => {
    const lines = errs.map(formatFieldError);
    const causes = errs.map((e, i) => ({ reason: CAUSE[e.type], message: lines[i].slice(e.field.length + 2), field: e.field }));
    // apimachinery's utilerrors.Aggregate prints one error bare and several as [a, b].
    const aggregate = lines.length === 1 ? lines[0] : `[${lines.join(', ')}]`;
    return failure(422, 'Invalid', `${qualifiedKind(r)} "${name}" is invalid: ${aggregate}`, { name, ...(r.group ? { group: r.group } : {}), kind: r.kind, causes });
  },
  badRequest: (message: string) => failure(400, 'BadRequest', message),
  methodNotSupported: (r: ApiResource, action: string) => failure(405, 'MethodNotAllowed', `${action} is not supported on resources of kind "${qualifiedResource(r)}"`, { ...(r.group ? { group: r.group } : {}), kind: r.plural }),
  gone: (message: string) => failure(410, 'Expired', message),
  unauthorized: () => failure(401, 'Unauthorized', 'Unauthorized'),
  forbidden: (r: ApiResource | undefined, name: string, why: string) => failure(403, 'Forbidden', `${r ? qualifiedResource(r) : ''} "${name}" is forbidden: ${why}`, { name, ...(r?.group ? { group: r.group } : {}), ...(r ? { kind: r.plural } : {}) }),
  notAcceptable: (message: string) => failure(406, 'NotAcceptable', message),
  unsupportedMediaType: (type: string) => failure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`),
  tooLarge: (message = 'Request entity too large: limit is 3145728') => failure(413, 'RequestEntityTooLarge', message),
  notFoundPath: () => failure(404, 'NotFound', 'the server could not find the requested resource'),
  internal: (message: string) => failure(500, 'InternalError', `Internal error occurred: ${message}`),
};

const CAUSE: Record<FieldError['type'], string> = {
  Invalid: 'FieldValueInvalid', Required: 'FieldValueRequired', NotSupported: 'FieldValueNotSupported', Duplicate: 'FieldValueDuplicate', NotFound: 'FieldValueNotFound',
  Forbidden: 'FieldValueForbidden', TooLong: 'FieldValueTooLong', TooMany: 'FieldValueTooMany',
};

/** The Status of a successful delete of a kind whose deletion returns no object (upstream returns the object for most). */
export function success(details?: Status['details']): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', ...(details ? { details } : {}), code: 200 };
}
