// Reading manifests: files, folders (recursive), stdin or text; multi-document YAML, JSON, and `List` dumps.
// Every object keeps the file and line it starts on. Nothing is dropped silently: what cannot be read is a diagnostic.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, extname } from 'node:path';
import { Codes, type Diagnostic } from './diagnostics.js';
import type { KubeObject, SourceRef } from './types.js';
import { parseYamlDocument, YamlError } from './yaml.js';
import { quote } from './field-errors.js';
import { pushAll } from '../util/arrays.js';

export interface LoadedObject {
  object: KubeObject;
  source: SourceRef;
}

export interface LoadResult {
  objects: LoadedObject[];
  diagnostics: Diagnostic[];
}

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** Lists the manifest files under a path: the file itself, or every .yaml/.yml/.json below a folder, sorted. */
export function manifestFiles(path: string): string[] {
  const st = statSync(path);
  if (!st.isDirectory()) return [path];
  const out: string[] = [];
  for (const entry of readdirSync(path, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) /* bytewise, as filepath.Walk */) {
    if (entry.name.startsWith('.')) continue;
    const full = join(path, entry.name);
    if (entry.isDirectory()) pushAll(out, manifestFiles(full));
    else if (MANIFEST_EXTENSIONS.has(extname(entry.name).toLowerCase())) out.push(full);
  }
  return out;
}

/** Loads every path (`-` reads stdin). Read errors become diagnostics, so one bad path does not hide the others. */
export function loadPaths(paths: readonly string[], readStdin: () => string = () => readFileSync(0, 'utf8')): LoadResult {
  const result: LoadResult = { objects: [], diagnostics: [] };
  for (const p of paths) {
    if (p === '-') {
      merge(result, parseManifestText(readStdin(), '<stdin>'));
      continue;
    }
    let files: string[];
    try {
      files = manifestFiles(p);
    } catch (e) {
      result.diagnostics.push({ code: Codes.readFailed, level: 'error', message: `the path "${p}" does not exist`, source: { file: p, line: 0 } });
      continue;
    }
    for (const f of files) {
      let text: string;
      try {
        text = readFileSync(f, 'utf8');
      } catch (e) {
        result.diagnostics.push({ code: Codes.readFailed, level: 'error', message: `cannot read ${f}: ${(e as Error).message}`, source: { file: f, line: 0 } });
        continue;
      }
      merge(result, parseManifestText(text, f));
    }
  }
  return result;
}

function merge(into: LoadResult, from: LoadResult): void {
  pushAll(into.objects, from.objects);
  pushAll(into.diagnostics, from.diagnostics);
}

/**
 * Parses one file's text. `file` names it in locations.
 *
 * Documents are split at `---`/`...` markers on their own line (the YAML spec forbids those inside any scalar), each is
 * parsed by parseYamlDocument (js-yaml's core schema, with the alias bound of kubectl's decoder), and its line is that
 * of its first content line. js-yaml is used for speed: a 10,000-object dump parses about ten times faster than with a
 * position-keeping YAML parser.
 */
export function parseManifestText(text: string, file: string): LoadResult {
  const result: LoadResult = { objects: [], diagnostics: [] };
  for (const segment of splitDocuments(text)) {
    const line = firstContentLine(segment);
    if (line === undefined) continue; // empty document
    let value: unknown;
    try {
      value = parseYamlDocument(segment.text, file);
    } catch (e) {
      const err = e instanceof YamlError ? e : new YamlError(String(e), 0);
      // Some errors carry a mark at the start of the buffer; never point above the document's first line.
      const errLine = Math.max(line, segment.startLine + err.line);
      result.diagnostics.push({
        code: Codes.yamlSyntax, level: 'error', source: { file, line: errLine },
        message: `error converting YAML to JSON: yaml: line ${errLine}: ${err.reason}`,
      });
      continue;
    }
    if (value === null || value === undefined) continue;
    collectObjects(value, segment, { file, line }, result);
  }
  return result;
}

interface Segment {
  text: string;
  /** 1-based line of the segment's first line in the file. */
  startLine: number;
}

/** Splits a YAML stream into documents at directive-end (`---`) and document-end (`...`) markers. */
function splitDocuments(text: string): Segment[] {
  const lines = text.split(/\r?\n/);
  const out: Segment[] = [];
  let current: string[] = [];
  let startLine = 1;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (/^---(\s|$)/.test(l)) {
      out.push({ text: current.join('\n'), startLine });
      // `--- {inline: content}` keeps its content on the marker line.
      current = [l.slice(3)];
      startLine = i + 1;
    } else if (/^\.\.\.(\s|$)/.test(l)) {
      out.push({ text: current.join('\n'), startLine });
      current = [];
      startLine = i + 2;
    } else {
      current.push(l);
    }
  }
  out.push({ text: current.join('\n'), startLine });
  return out;
}

/** Line of the first line that is neither blank, a comment nor a directive; undefined for an empty document. */
function firstContentLine(seg: Segment): number | undefined {
  const lines = seg.text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i].trim();
    if (t !== '' && !t.startsWith('#') && !(i === 0 && t.startsWith('%'))) return seg.startLine + i;
  }
  return undefined;
}

/** Where an item of a List came from, for its messages. */
interface ListItem { index: number; listKind: string }

/**
 * Accepts an object or a list of objects: `kind: List`, or a typed list (`PodList`, `NamespaceList`...) whose items,
 * as the API server returns them, carry no kind or apiVersion: like apimachinery's unstructured list decoding, an item
 * with neither takes the list's kind without `List` and the list's apiVersion. Anything else is reported.
 */
function collectObjects(value: unknown, segment: Segment, source: SourceRef, result: LoadResult, item?: ListItem): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    result.diagnostics.push({
      code: Codes.notAnObject, level: 'error', source,
      message: `error: unable to decode ${item ? `items[${item.index}] of the ${item.listKind}` : 'document'}: expected a Kubernetes object (a mapping with apiVersion and kind), got ${describeValue(value)}`,
    });
    return;
  }
  const obj = value as Record<string, unknown>;
  if (typeof obj.kind === 'string' && obj.kind.endsWith('List') && Array.isArray(obj.items)) {
    const lines = listItemLines(segment, obj.items.length);
    const itemKind = obj.kind.slice(0, -'List'.length);
    const listKind = obj.kind;
    obj.items.forEach((entry, i) => {
      const e = entry as Record<string, unknown> | null;
      if (itemKind !== '' && e !== null && typeof e === 'object' && !Array.isArray(e) && isUnset(e.kind) && isUnset(e.apiVersion)) {
        e.kind = itemKind;
        if (typeof obj.apiVersion === 'string') e.apiVersion = obj.apiVersion;
      }
      collectObjects(entry, segment, { file: source.file, line: lines?.[i] ?? source.line }, result, { index: i, listKind });
    });
    return;
  }
  const missing: string[] = [];
  if (typeof obj.apiVersion !== 'string' || obj.apiVersion === '') missing.push('apiVersion');
  if (typeof obj.kind !== 'string' || obj.kind === '') missing.push('kind');
  if (missing.length > 0) {
    const what = missing.map((m) => `${m} not set`).join(', ');
    const meta = obj.metadata as Record<string, unknown> | undefined;
    const named = meta && typeof meta === 'object' && typeof meta.name === 'string' ? quote(meta.name) : undefined;
    const which = item ? ` for items[${item.index}]${named ? ` (${named})` : ''} of the ${item.listKind}` : named ? ` for object ${named}` : '';
    const why = item?.listKind === 'List' && missing.length === 2
      ? "; the items of a `kind: List` need their own apiVersion and kind (only a typed list such as PodList lends its kind to its items)"
      : '; every object needs apiVersion and kind';
    result.diagnostics.push({ code: Codes.notAnObject, level: 'error', source, message: `error validating data: [${what}]${which}${why}` });
    return;
  }
  if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
  result.objects.push({ object: obj as unknown as KubeObject, source });
}

/**
 * The start line of each element of a List's `items`, found in the text: block style (`items:` then `- ` entries at one
 * indentation, as kubectl writes YAML) or flow/JSON style (`"items": [` then one `{` per element, as `-o json` writes).
 * Undefined when the text does not show exactly `count` items; callers then use the document's line.
 */
function listItemLines(seg: Segment, count: number): number[] | undefined {
  const lines = seg.text.split('\n');
  const found: number[] = [];
  const blockStart = lines.findIndex((l) => /^\s*items:\s*(#.*)?$/.test(l));
  if (blockStart >= 0) {
    const keyIndent = lines[blockStart].search(/\S/);
    let dashIndent = -1;
    for (let i = blockStart + 1; i < lines.length; i++) {
      const l = lines[i];
      const ind = l.search(/\S/);
      if (ind < 0 || l.trimStart().startsWith('#')) continue;
      if (dashIndent < 0) {
        if (!l.trimStart().startsWith('-') || ind < keyIndent) break;
        dashIndent = ind;
      }
      if (ind < dashIndent || (ind === dashIndent && !l.trimStart().startsWith('-'))) break;
      if (ind === dashIndent) found.push(seg.startLine + i);
    }
  } else {
    const m = /"?items"?\s*:\s*\[/.exec(seg.text);
    if (m) {
      let depth = 0;
      let inString = false;
      let line = seg.startLine + (seg.text.slice(0, m.index).match(/\n/g)?.length ?? 0);
      for (let i = m.index + m[0].length; i < seg.text.length; i++) {
        const ch = seg.text[i];
        if (ch === '\n') line++;
        if (inString) {
          if (ch === '\\') i++;
          else if (ch === '"') inString = false;
          continue;
        }
        if (ch === '"') inString = true;
        else if (ch === '{' || ch === '[') {
          if (depth === 0 && ch === '{') found.push(line);
          depth++;
        } else if (ch === '}' || ch === ']') {
          if (depth === 0) break;
          depth--;
        }
      }
    }
  }
  return found.length === count ? found : undefined;
}

function isUnset(v: unknown): boolean {
  return v === undefined || v === null || v === '';
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  return `a ${typeof v}`;
}
