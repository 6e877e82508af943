// The shape of a kubectl-style table definition, shared by the per-kind column files.
import { translateTimestampSince } from './duration.js';

type Obj = Record<string, any>;

export interface TableContext {
  now: Date;
  wide: boolean;
}

export interface TableDef {
  /** Column names as kubectl's column definitions spell them; printed upper-cased. */
  columns: string[];
  /** Priority-1 columns, shown with `-o wide`. */
  wideColumns: string[];
  /** The order of all columns with -o wide, when wide columns sit between normal ones (printEvent's). */
  wideOrder?: string[];
  cells(obj: Obj, ctx: TableContext): string[];
  wideCells?(obj: Obj, ctx: TableContext): string[];
}

/** The AGE cell: translateTimestampSince(creationTimestamp). */
export const age = (obj: Obj, ctx: TableContext) => translateTimestampSince(obj.metadata?.creationTimestamp, ctx.now);

/** Go's `%d` of an int field that may be absent. */
export const num = (v: unknown) => String(typeof v === 'number' ? v : Number(v ?? 0) || 0);
