// GitHub Actions workflow commands (`::warning file=…,line=…,title=…::message`), escaped as the runner reads them
// (actions/toolkit, core/src/command.ts): in the message % CR LF become %25 %0D %0A; in property values also : and ,
// (%3A, %2C), which would otherwise end the property.
export type AnnotationLevel = 'error' | 'warning' | 'notice';

export interface AnnotationProps { file?: string; line?: number; endLine?: number; col?: number; title?: string }

export const escapeData = (s: string): string => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
export const escapeProperty = (s: string): string => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

export function annotation(level: AnnotationLevel, message: string, props: AnnotationProps = {}): string {
  const p = ([['file', props.file], ['line', props.line], ['endLine', props.endLine], ['col', props.col], ['title', props.title]] as const)
    .filter(([, v]) => v !== undefined && v !== '' && !(typeof v === 'number' && v < 1))
    .map(([k, v]) => `${k}=${escapeProperty(String(v))}`);
  return `::${level}${p.length ? ` ${p.join(',')}` : ''}::${escapeData(message)}`;
}
