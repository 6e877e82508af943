// One catalogue for everything a user can be told: stable codes, a level, the object and where it was written.
// Codes: PN1xxx loading/validation/controllers, PN2xxx policy lint, PN3xxx DNS, PN4xxx routing, PN5xxx mesh.
import { formatSource, type ObjectRef, type SourceRef } from './types.js';

export type Level = 'error' | 'warning' | 'info';

export interface Diagnostic {
  code: string;
  level: Level;
  message: string;
  object?: ObjectRef;
  source?: SourceRef;
  /** The istioctl analyze message a mesh finding mirrors (its code and name in Istio's catalogue). */
  istio?: { code: string; name: string };
}

export const Codes = {
  yamlSyntax: 'PN1001',
  notAnObject: 'PN1002',
  invalidField: 'PN1003',
  duplicateObject: 'PN1004',
  kindNotModelled: 'PN1005',
  unknownApiVersion: 'PN1006',
  readFailed: 'PN1007',
  namespaceMissing: 'PN1008',
  podIPExhausted: 'PN1010',
  clusterIPConflict: 'PN1011',
  nodePortConflict: 'PN1012',
  loadBalancerPending: 'PN1013',
  unschedulable: 'PN1014',
  podIPConflict: 'PN1015',
  configInvalid: 'PN1016',
  endpointsIgnored: 'PN1017',
  statusIgnored: 'PN1018',
  tooManyReplicas: 'PN1019',
  endpointSliceRefused: 'PN1020',
  deprecatedApiVersion: 'PN1021',
  /** A kind a live cluster's listing could not read (RBAC, not served): the model has none of it. */
  kindNotListed: 'PN1022',
} as const;

/**
 * The longest message a line prints. Values are cut where they are quoted (field-errors.ts quote); this is the net
 * under every message, so that no input makes a megabyte error line.
 */
export const MAX_MESSAGE_CHARS = 16_384;

/** `file:line: message` (warnings say so), the way compilers and kubectl-adjacent tools print. */
export function formatDiagnostic(d: Omit<Diagnostic, 'level'> & { level: string }): string {
  const where = formatSource(d.source);
  const prefix = where ? `${where}: ` : '';
  const message = d.message.length <= MAX_MESSAGE_CHARS ? d.message : `${d.message.slice(0, MAX_MESSAGE_CHARS)}... (${d.message.length - MAX_MESSAGE_CHARS} more characters)`;
  return d.level === 'warning' ? `${prefix}Warning: ${message}` : `${prefix}${message}`;
}

export function hasErrors(diags: readonly Diagnostic[]): boolean {
  return diags.some((d) => d.level === 'error');
}

/** Stable order for printing: by file, line, then code. */
export function sortDiagnostics<T extends Pick<Diagnostic, 'code' | 'source'>>(diags: readonly T[]): T[] {
  return [...diags].sort((a, b) =>
    cmp(a.source?.file ?? '', b.source?.file ?? '') ||
    (a.source?.line ?? 0) - (b.source?.line ?? 0) ||
    cmp(a.code, b.code));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
