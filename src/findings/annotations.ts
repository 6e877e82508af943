// GitHub Actions workflow commands (`::error file=…,line=…,col=…,title=…::message`): a job that prints them gets
// annotations on the pull request's files. Escaping as the runner reads commands (actions/runner ActionCommand.cs,
// actions/toolkit command.ts): in the message %, CR and LF are percent-encoded; in a property value also `:` and `,`.
// `podnet lint|validate|mesh analyze -o github` print findings this way; `podnet diff -o github` reuses annotation().
import type { Finding } from './index.js';
import { ruleOf } from './rules.js';

export type AnnotationLevel = 'error' | 'warning' | 'notice';

export interface Annotation {
  level: AnnotationLevel;
  message: string;
  file?: string;
  line?: number;
  col?: number;
  endLine?: number;
  endColumn?: number;
  title?: string;
}

export const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
export const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

/** One workflow command line (no trailing newline). Properties without a value are left out; line 0 means none. */
export function annotation(a: Annotation): string {
  const props: string[] = [];
  const add = (k: string, v: string | number | undefined) => { if (v !== undefined && v !== '' && v !== 0) props.push(`${k}=${escapeProperty(String(v))}`); };
  add('file', a.file);
  add('line', a.line);
  add('endLine', a.endLine);
  add('col', a.col);
  add('endColumn', a.endColumn);
  add('title', a.title);
  return `::${a.level}${props.length ? ` ${props.join(',')}` : ''}::${escapeData(a.message)}`;
}

const LEVEL: Record<Finding['level'], AnnotationLevel> = { error: 'error', warning: 'warning', info: 'notice' };

/** A finding as an annotation: title `PN2002 SelectsNoPod`, the message, then the fix on its own line. */
export function findingAnnotation(f: Finding): string {
  const rule = ruleOf(f.code);
  return annotation({
    level: LEVEL[f.level],
    file: f.source?.file,
    line: f.source?.line,
    col: f.source?.column,
    title: rule ? `${f.code} ${rule.name}` : f.code,
    message: f.hint ? `${f.message}\nfix: ${f.hint}` : f.message,
  });
}

export function findingAnnotations(findings: readonly Finding[]): string {
  return findings.map((f) => findingAnnotation(f) + '\n').join('');
}
