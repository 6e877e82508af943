// The pieces every kubectl describer is built from (staging/src/k8s.io/kubectl/pkg/describe/describe.go): a prefix
// writer with two spaces per level, the multi-line label/annotation/toleration printers, and the final pass through
// a tabwriter with describe's settings (minwidth 0, padding 2).
import { formatRFC1123Z } from './duration.js';
import { sortedKeys } from './format.js';
import { DESCRIBE_TABWRITER, tabwrite } from './tabwriter.js';

type Obj = Record<string, any>;

export class PrefixWriter {
  private buf = '';
  constructor(private readonly indent = 0) {}

  /** w.Write(level, text): the level's indentation, then the text (which carries its own tabs and newline). */
  write(level: number, text: string): void {
    this.buf += '  '.repeat(level + this.indent) + text;
  }

  /** w.WriteLine(a...): the values space-separated, then a newline, with no indentation. */
  writeLine(...a: string[]): void {
    this.buf += a.join(' ') + '\n';
  }

  /** The raw text, tabs still in it. */
  raw(): string {
    return this.buf;
  }

  /** tabbedString's result: the text aligned by describe's tabwriter. */
  toString(): string {
    return tabwrite(this.buf, DESCRIBE_TABWRITER);
  }
}

/** printLabelsMultilineWithIndent: `Title:\tk=v` then one `\tk=v` line per further label, sorted. */
export function printLabelsMultiline(w: PrefixWriter, title: string, labels: Record<string, string> | undefined | null, initialIndent = '', innerIndent = '\t'): void {
  w.write(0, `${initialIndent}${title}:${innerIndent}`);
  const keys = sortedKeys(labels);
  if (keys.length === 0) {
    w.writeLine('<none>');
    return;
  }
  keys.forEach((key, i) => {
    if (i !== 0) w.write(0, initialIndent + innerIndent);
    w.write(0, `${key}=${labels![key]}\n`);
  });
}

const MAX_ANNOTATION_LEN = 140;
const SKIPPED_ANNOTATIONS = new Set(['kubectl.kubernetes.io/last-applied-configuration']);

/** printAnnotationsMultiline: long or multi-line values go on their own indented lines, cut at 140 characters. */
export function printAnnotationsMultiline(w: PrefixWriter, title: string, annotations: Record<string, string> | undefined | null): void {
  w.write(0, `${title}:\t`);
  const keys = sortedKeys(annotations).filter((k) => !SKIPPED_ANNOTATIONS.has(k));
  if (keys.length === 0) {
    w.writeLine('<none>');
    return;
  }
  keys.forEach((key, i) => {
    if (i !== 0) w.write(0, '\t');
    const value = String(annotations![key]).replace(/\n$/, '');
    if (value.length + key.length + 2 > MAX_ANNOTATION_LEN || value.includes('\n')) {
      w.write(0, `${key}:\n`);
      for (const s of value.split('\n')) {
        w.write(0, `\t  ${s.length > MAX_ANNOTATION_LEN - 2 ? s.slice(0, MAX_ANNOTATION_LEN - 2) + '...' : s}\n`);
      }
    } else {
      w.write(0, `${key}: ${value}\n`);
    }
  });
}

/** printTolerationsMultilineWithIndent: `key=value:Effect op=Exists for Ns`, sorted by key. */
export function printTolerationsMultiline(w: PrefixWriter, title: string, tolerations: Obj[] | undefined, initialIndent = ''): void {
  w.write(0, `${initialIndent}${title}:\t`);
  const list = [...(tolerations ?? [])].sort((a, b) => ((a.key ?? '') < (b.key ?? '') ? -1 : (a.key ?? '') > (b.key ?? '') ? 1 : 0));
  if (list.length === 0) {
    w.writeLine('<none>');
    return;
  }
  list.forEach((t, i) => {
    if (i !== 0) w.write(0, initialIndent + '\t');
    let s = t.key ?? '';
    if (t.value) s += `=${t.value}`;
    if (t.effect) s += `:${t.effect}`;
    if (t.operator === 'Exists' && !t.value) s += t.key || t.effect ? ' op=Exists' : 'op=Exists';
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null) s += ` for ${t.tolerationSeconds}s`;
    w.write(0, s + '\n');
  });
}

/** printTaintsMultilineWithIndent: `key=value:Effect`, sorted by effect then key. */
export function printTaintsMultiline(w: PrefixWriter, title: string, taints: Obj[] | undefined): void {
  w.write(0, `${title}:\t`);
  const list = [...(taints ?? [])].sort((a, b) => {
    const ka = `${a.effect},${a.key}`;
    const kb = `${b.effect},${b.key}`;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  if (list.length === 0) {
    w.writeLine('<none>');
    return;
  }
  list.forEach((t, i) => {
    if (i !== 0) w.write(0, '\t');
    w.write(0, `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}\n`);
  });
}

/** `Events:\t<none>`: podnet records no events, and kubectl prints this for an object without any. */
export function describeNoEvents(w: PrefixWriter): void {
  w.write(0, 'Events:\t<none>\n');
}

/** printController: `Kind/name` of the controlling owner reference. */
export function controllerOf(obj: Obj): string {
  const ref = ((obj.metadata?.ownerReferences ?? []) as Obj[]).find((r) => r.controller === true);
  return ref ? `${ref.kind}/${ref.name}` : '';
}

export { formatRFC1123Z };
