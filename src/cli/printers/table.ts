// One kubectl-style table: the header (NAMESPACE first with -A, LABELS last with --show-labels), one row per object,
// aligned by the same tabwriter settings kubectl uses.
import type { KubeObject } from '../../api/types.js';
import { formatLabels } from './format.js';
import type { ResourceType } from './resources.js';
import { GET_TABWRITER, tabwrite } from './tabwriter.js';
import { tableFor } from './tables.js';
import { pushAll } from '../../util/arrays.js';

export interface TableOptions {
  wide?: boolean;
  allNamespaces?: boolean;
  showLabels?: boolean;
  noHeaders?: boolean;
  /** Prefix names with `kind.group/`, as kubectl does when several resource types are printed. */
  withKind?: boolean;
  now?: Date;
}

export interface TableColumn {
  /** As kubectl's column definitions spell it (`Name`, `Cluster-IP`); printed upper-cased. */
  name: string;
  /** 1 for the `-o wide` columns. */
  priority: 0 | 1;
}

/** The columns and cells of a kind's table: what `podnet get` prints and what the Kubernetes API's Table carries. */
export function tableData(kind: string, objects: readonly KubeObject[], opts: { wide: boolean; now: Date }): { columns: TableColumn[]; rows: string[][] } {
  const def = tableFor(kind);
  const ctx = { now: opts.now, wide: opts.wide };
  const columns: TableColumn[] = [...def.columns.map((name) => ({ name, priority: 0 as const })), ...(ctx.wide ? def.wideColumns.map((name) => ({ name, priority: 1 as const })) : [])];
  const rows = objects.map((obj) => {
    const o = obj as Record<string, any>;
    const cells = def.cells(o, ctx);
    if (ctx.wide && def.wideColumns.length > 0) pushAll(cells, def.wideCells?.(o, ctx) ?? def.wideColumns.map(() => ''));
    return cells;
  });
  if (ctx.wide && def.wideOrder) {
    const at = def.wideOrder.map((name) => columns.findIndex((c) => c.name === name));
    return { columns: at.map((i) => columns[i]), rows: rows.map((r) => at.map((i) => r[i])) };
  }
  return { columns, rows };
}

/** The table for objects of one type, formatted, ending with a newline (empty string for no objects). */
export function renderTable(type: ResourceType, objects: readonly KubeObject[], opts: TableOptions = {}): string {
  if (objects.length === 0) return '';
  const data = tableData(type.kind, objects, { now: opts.now ?? new Date(), wide: opts.wide === true });
  const withNamespace = opts.allNamespaces === true && type.namespaced;
  const header = data.columns.map((c) => c.name.toUpperCase());
  if (withNamespace) header.unshift('NAMESPACE');
  if (opts.showLabels) header.push('LABELS');
  const rows: string[][] = opts.noHeaders ? [] : [header];
  objects.forEach((obj, i) => {
    const cells = data.rows[i];
    if (opts.withKind) cells[0] = `${type.singular}/${cells[0]}`;
    if (withNamespace) cells.unshift(obj.metadata.namespace ?? '');
    if (opts.showLabels) cells.push(formatLabels(obj.metadata.labels));
    // A tab or newline inside a value would break the columns; kubectl's printer replaces them the same way.
    rows.push(cells.map((c) => c.replace(/[\t\n]/g, ' ')));
  });
  return tabwrite(rows.map((r) => r.join('\t')).join('\n') + '\n', GET_TABWRITER);
}
