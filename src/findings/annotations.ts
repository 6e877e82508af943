// GitHub Actions workflow commands (`::error file=…,line=…,col=…,title=…::message`): a job that prints them gets
// annotations on the pull request's files. Escaping as the runner reads commands (actions/runner ActionCommand.cs,
// actions/toolkit command.ts): in the message %, CR and LF are percent-encoded; in a property value also `:` and `,`.
// `podnet lint|validate|mesh analyze -o github` print findings this way; `podnet diff -o github` reuses annotation().
import type { Finding } from './index.js';
import { ruleOf } from './rules.js';

export type AnnotationLevel = 'error' | 'warning' | 'notice';

export interface AnnotationProps { file?: string; line?: number; endLine?: number; col?: number; endColumn?: number; title?: string }

export const escapeData = (s: string): string => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
export const escapeProperty = (s: string): string => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

/** One workflow command line (no trailing newline). Properties without a value are left out; line 0 means none. */
export function annotation(level: AnnotationLevel, message: string, props: AnnotationProps = {}): string {
  const p = ([['file', props.file], ['line', props.line], ['endLine', props.endLine], ['col', props.col], ['endColumn', props.endColumn], ['title', props.title]] as const)
    .filter(([, v]) => v !== undefined && v !== '' && !(typeof v === 'number' && v < 1))
    .map(([k, v]) => `${k}=${escapeProperty(String(v))}`);
  return `::${level}${p.length ? ` ${p.join(',')}` : ''}::${escapeData(message)}`;
}

const LEVEL: Record<Finding['level'], AnnotationLevel> = { error: 'error', warning: 'warning', info: 'notice' };

/** A finding as an annotation: title `PN2002 SelectsNoPod`, the message, then the fix on its own line. */
export function findingAnnotation(f: Finding): string {
  const rule = ruleOf(f.code);
  return annotation(LEVEL[f.level], f.hint ? `${f.message}\nfix: ${f.hint}` : f.message, {
    file: f.source?.file, line: f.source?.line, col: f.source?.column, title: rule ? `${f.code} ${rule.name}` : f.code,
  });
}

export function findingAnnotations(findings: readonly Finding[]): string {
  return findings.map((f) => findingAnnotation(f) + '\n').join('');
}
