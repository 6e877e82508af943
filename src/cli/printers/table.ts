// One kubectl-style table: the header (NAMESPACE first with -A, LABELS last with --show-labels), one row per object,
// aligned by the same tabwriter settings kubectl uses.
import type { KubeObject } from '../../api/types.js';
import { formatLabels } from './format.js';
import type { ResourceType } from './resources.js';
import { GET_TABWRITER, tabwrite } from './tabwriter.js';
import { tableFor } from './tables.js';

export interface TableOptions {
  wide?: boolean;
  allNamespaces?: boolean;
  showLabels?: boolean;
  noHeaders?: boolean;
  /** Prefix names with `kind.group/`, as kubectl does when several resource types are printed. */
  withKind?: boolean;
  now?: Date;
}

/** The table for objects of one type, formatted, ending with a newline (empty string for no objects). */
export function renderTable(type: ResourceType, objects: readonly KubeObject[], opts: TableOptions = {}): string {
  if (objects.length === 0) return '';
  const def = tableFor(type.kind);
  const ctx = { now: opts.now ?? new Date(), wide: opts.wide === true };
  const withNamespace = opts.allNamespaces === true && type.namespaced;
  const header = [...def.columns, ...(ctx.wide ? def.wideColumns : [])].map((c) => c.toUpperCase());
  if (withNamespace) header.unshift('NAMESPACE');
  if (opts.showLabels) header.push('LABELS');
  const rows: string[][] = opts.noHeaders ? [] : [header];
  for (const obj of objects) {
    const o = obj as Record<string, any>;
    const cells = def.cells(o, ctx);
    if (ctx.wide && def.wideColumns.length > 0) cells.push(...(def.wideCells?.(o, ctx) ?? def.wideColumns.map(() => '')));
    if (opts.withKind) cells[0] = `${type.singular}/${cells[0]}`;
    if (withNamespace) cells.unshift(obj.metadata.namespace ?? '');
    if (opts.showLabels) cells.push(formatLabels(obj.metadata.labels));
    // A tab or newline inside a value would break the columns; kubectl's printer replaces them the same way.
    rows.push(cells.map((c) => c.replace(/[\t\n]/g, ' ')));
  }
  return tabwrite(rows.map((r) => r.join('\t')).join('\n') + '\n', GET_TABWRITER);
}
