// Reading manifests: files, folders (recursive), stdin or text; multi-document YAML, JSON, and `List` dumps.
// Every object keeps the file and line it starts on. Nothing is dropped silently: what cannot be read is a diagnostic.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, extname } from 'node:path';
import { LineCounter, parseAllDocuments, isMap, isSeq, isPair, isScalar, type Node as YamlNode } from 'yaml';
import { Codes, type Diagnostic } from './diagnostics.js';
import type { KubeObject, SourceRef } from './types.js';

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
  for (const entry of readdirSync(path, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.')) continue;
    const full = join(path, entry.name);
    if (entry.isDirectory()) out.push(...manifestFiles(full));
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
  into.objects.push(...from.objects);
  into.diagnostics.push(...from.diagnostics);
}

/** Parses one file's text. `file` names it in locations. */
export function parseManifestText(text: string, file: string): LoadResult {
  const result: LoadResult = { objects: [], diagnostics: [] };
  const lineCounter = new LineCounter();
  let docs;
  try {
    docs = parseAllDocuments(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  } catch (e) {
    result.diagnostics.push({ code: Codes.yamlSyntax, level: 'error', message: `error parsing ${file}: ${(e as Error).message}`, source: { file, line: 1 } });
    return result;
  }
  const docList = Array.isArray(docs) ? docs : [docs];
  for (const doc of docList) {
    if (doc.errors.length > 0) {
      const err = doc.errors[0];
      const line = err.linePos?.[0]?.line ?? lineCounter.linePos(err.pos[0]).line;
      result.diagnostics.push({
        code: Codes.yamlSyntax, level: 'error', source: { file, line },
        message: `error converting YAML to JSON: yaml: line ${line}: ${firstLine(err.message)}`,
      });
      continue;
    }
    const contents = doc.contents as YamlNode | null;
    if (contents === null || (isScalar(contents) && (contents.value === null || contents.value === ''))) continue; // empty document
    const line = lineOf(contents, lineCounter);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 1000 });
    } catch (e) {
      result.diagnostics.push({ code: Codes.yamlSyntax, level: 'error', source: { file, line }, message: `error converting YAML to JSON: ${(e as Error).message}` });
      continue;
    }
    collectObjects(value, contents, { file, line }, lineCounter, result);
  }
  return result;
}

function firstLine(s: string): string {
  return s.split('\n')[0];
}

function lineOf(node: YamlNode | null | undefined, lc: LineCounter): number {
  const start = node?.range?.[0];
  return start === undefined ? 1 : lc.linePos(start).line;
}

/** Accepts an object or a `List` (kind: List / v1 List / FooList) of objects; anything else is reported. */
function collectObjects(value: unknown, node: YamlNode, source: SourceRef, lc: LineCounter, result: LoadResult): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    result.diagnostics.push({
      code: Codes.notAnObject, level: 'error', source,
      message: `error: unable to decode document: expected a Kubernetes object (a mapping with apiVersion and kind), got ${describeValue(value)}`,
    });
    return;
  }
  const obj = value as Record<string, unknown>;
  if (typeof obj.kind === 'string' && obj.kind.endsWith('List') && Array.isArray(obj.items)) {
    const itemNodes = isMap(node) ? node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === 'items')?.value : undefined;
    obj.items.forEach((item, i) => {
      const itemNode = isSeq(itemNodes) ? (itemNodes.items[i] as YamlNode | undefined) : undefined;
      collectObjects(item, itemNode ?? node, { file: source.file, line: itemNode ? lineOf(itemNode, lc) : source.line }, lc, result);
    });
    return;
  }
  const missing: string[] = [];
  if (typeof obj.apiVersion !== 'string' || obj.apiVersion === '') missing.push('apiVersion');
  if (typeof obj.kind !== 'string' || obj.kind === '') missing.push('kind');
  if (missing.length > 0) {
    const what = missing.map((m) => `${m} not set`).join(', ');
    result.diagnostics.push({
      code: Codes.notAnObject, level: 'error', source,
      message: `error validating data: [${what}]; every object needs apiVersion and kind`,
    });
    return;
  }
  if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
  result.objects.push({ object: obj as unknown as KubeObject, source });
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  return `a ${typeof v}`;
}
