// The one YAML parse for everything podnet reads (files, folders, stdin, --watch reloads, the lab's apply/delete text,
// ClusterConfig): js-yaml's event parser, a bound on alias expansion, then js-yaml's constructor on the same events.
//
// Aliases are shared references in the parsed value, so parsing a "billion laughs" document is cheap; what explodes
// is whatever walks the value afterwards (validation, error messages, the controllers). The bound is the one of Go's
// YAML decoder behind kubectl (gopkg.in/yaml.v2 decode.go, `unmarshal` and `allowedAliasRatio`): every node decoded
// counts, nodes decoded inside an alias count as aliased, and a document fails with "document contains excessive
// aliasing" once more than 100 aliased nodes make more than the allowed share of more than 1000 decoded nodes (99% up
// to 400,000 decoded nodes, falling linearly to 10% at 4,000,000). The counts are computed from the events, with each
// anchor's expanded size, so nothing is expanded to measure it.
import { constructFromEvents, EVENT_ID, getScalarValue, parseEvents, YAMLException, type Event } from 'js-yaml';

/** A YAML text that cannot be read: the reason (Go's words where it has them) and the 0-based line in the text. */
export class YamlError extends Error {
  constructor(readonly reason: string, readonly line: number) { super(reason); }
}

export interface AliasCounts {
  /** Nodes Go's decoder would visit (documents, keys, values, items, aliases, and every node an alias expands to). */
  decoded: number;
  /** Of those, the nodes visited inside an alias. */
  aliased: number;
}

const ALIAS_RATIO_RANGE_LOW = 400_000;
const ALIAS_RATIO_RANGE_HIGH = 4_000_000;

/** The share of decoded nodes that may come from aliases (yaml.v2 allowedAliasRatio). */
export function allowedAliasRatio(decoded: number): number {
  if (decoded <= ALIAS_RATIO_RANGE_LOW) return 0.99;
  if (decoded >= ALIAS_RATIO_RANGE_HIGH) return 0.10;
  return 0.99 - 0.89 * ((decoded - ALIAS_RATIO_RANGE_LOW) / (ALIAS_RATIO_RANGE_HIGH - ALIAS_RATIO_RANGE_LOW));
}

export function excessiveAliasing(c: AliasCounts): boolean {
  return c.aliased > 100 && c.decoded > 1000 && c.aliased / c.decoded > allowedAliasRatio(c.decoded);
}

/**
 * Parses one YAML (or JSON) document. Empty input is `undefined`. Throws YamlError for a syntax error, an unknown or
 * self-containing anchor, or excessive aliasing, at the line it happened.
 */
export function parseYamlDocument(text: string, filename?: string): unknown {
  const json = parseJsonDocument(text);
  if (json !== NOT_JSON) return json;
  let events: Event[];
  try {
    events = parseEvents(text, { filename });
  } catch (e) {
    throw asYamlError(e);
  }
  checkAliases(events, text);
  let docs: unknown[];
  try {
    docs = constructFromEvents(events, { source: text, filename });
  } catch (e) {
    throw asYamlError(e);
  }
  if (docs.length > 1) throw new YamlError('expected a single document in the stream, but found more', 0);
  return docs[0];
}

const NOT_JSON = Symbol('not JSON');
/** js-yaml's default nesting limit, which a JSON document must respect too (the code reading it recurses). */
const MAX_DEPTH = 100;

/**
 * A document that is JSON (`kubectl get -o json` dumps) is read with JSON.parse: about ten times faster than the YAML
 * parser, and JSON has no aliases. Anything else, or JSON nested deeper than MAX_DEPTH, goes to the YAML parser (which
 * reads JSON too, and reports the depth). Duplicate keys keep the last value, as Go's encoding/json does.
 */
function parseJsonDocument(text: string): unknown {
  const start = text.search(/\S/);
  if (start < 0 || (text[start] !== '{' && text[start] !== '[')) return NOT_JSON;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
  return deeperThan(value, MAX_DEPTH) ? NOT_JSON : value;
}

/** Whether a parsed JSON value nests objects or arrays more than `max` levels deep; iterative, so any depth is safe. */
function deeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (depth > max) return true;
    const children = Array.isArray(v) ? v : Object.values(v as object);
    for (const c of children) if (c !== null && typeof c === 'object') stack.push([c, depth + 1]);
  }
  return false;
}

/**
 * Walks the events as Go's decoder would decode them and throws where the first bound is crossed. Within one alias the
 * aliased share only grows, so checking once the alias is counted finds every failure the per-node check finds.
 */
function checkAliases(events: readonly Event[], text: string): void {
  const counts: AliasCounts = { decoded: 0, aliased: 0 };
  const sizes = new Map<string, number>();
  const open: { anchor?: string; start: number }[] = [];
  const name = (start: number, end: number) => text.slice(start, end);
  for (const ev of events) {
    switch (ev.type) {
      case EVENT_ID.DOCUMENT:
        counts.decoded = 1;
        counts.aliased = 0;
        sizes.clear();
        open.length = 0;
        open.push({ start: 0 });
        break;
      case EVENT_ID.MAPPING:
      case EVENT_ID.SEQUENCE: {
        const anchor = ev.anchorStart >= 0 ? name(ev.anchorStart, ev.anchorEnd) : undefined;
        // A redefined anchor names the new node from its start: an alias inside it refers to itself.
        if (anchor !== undefined) sizes.delete(anchor);
        open.push({ anchor, start: counts.decoded });
        counts.decoded++;
        break;
      }
      case EVENT_ID.SCALAR:
        counts.decoded++;
        if (ev.anchorStart >= 0) sizes.set(name(ev.anchorStart, ev.anchorEnd), 1);
        break;
      case EVENT_ID.ALIAS: {
        const anchor = name(ev.anchorStart, ev.anchorEnd);
        const size = sizes.get(anchor);
        if (size === undefined) {
          const reason = open.some((f) => f.anchor === anchor) ? `anchor '${anchor}' value contains itself` : `unknown anchor '${anchor}' referenced`;
          throw new YamlError(reason, lineAt(text, ev.anchorStart));
        }
        counts.decoded += 1 + size;
        counts.aliased += size;
        if (excessiveAliasing(counts)) throw new YamlError('document contains excessive aliasing', lineAt(text, ev.anchorStart));
        break;
      }
      case EVENT_ID.POP: {
        const frame = open.pop();
        if (frame?.anchor !== undefined) sizes.set(frame.anchor, counts.decoded - frame.start);
        break;
      }
    }
  }
}

function lineAt(text: string, offset: number): number {
  let line = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

function asYamlError(e: unknown): YamlError {
  if (e instanceof YAMLException) return new YamlError(e.reason || e.message.split('\n')[0], e.mark?.line ?? 0);
  return new YamlError(e instanceof Error ? e.message.split('\n')[0] : String(e), 0);
}

/** Where a node was written: 1-based line and column. */
export interface Position { line: number; column: number }

/**
 * Where each field of each document was written, from the same event parse: per document, a map from the field's path
 * as field errors print it (`spec.expectations[2].connectivity.port`; '' is the document) to the position of its key
 * (or, for a list item, of the item). For messages that point at a field rather than at its object's first line.
 * Throws YamlError as parseYamlDocument does.
 */
export function fieldPositions(text: string): Map<string, Position>[] {
  let events: Event[];
  try {
    events = parseEvents(text, {});
  } catch (e) {
    throw asYamlError(e);
  }
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const at = (offset: number): Position => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= offset) lo = mid; else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - lineStarts[lo] + 1 };
  };
  interface Frame { seq: boolean; path: string; key?: string; expectKey: boolean; index: number }
  const docs: Map<string, Position>[] = [];
  let map = new Map<string, Position>();
  const stack: Frame[] = [];
  // The path of the node an event opens, or undefined when the event is a mapping key (recorded as the key's field).
  const place = (offset: number, keyText: () => string): string | undefined => {
    const top = stack[stack.length - 1];
    if (!top) { if (!map.has('')) map.set('', at(offset)); return ''; }
    if (top.seq) {
      const path = `${top.path}[${top.index++}]`;
      map.set(path, at(offset));
      return path;
    }
    if (top.expectKey) {
      top.key = keyText();
      top.expectKey = false;
      map.set(top.path ? `${top.path}.${top.key}` : top.key, at(offset));
      return undefined;
    }
    top.expectKey = true;
    return top.path ? `${top.path}.${top.key}` : top.key ?? '';
  };
  for (const ev of events) {
    switch (ev.type) {
      case EVENT_ID.DOCUMENT:
        map = new Map();
        docs.push(map);
        stack.length = 0;
        break;
      case EVENT_ID.MAPPING:
      case EVENT_ID.SEQUENCE: {
        const path = place(ev.start, () => '?') ?? '?';
        stack.push({ seq: ev.type === EVENT_ID.SEQUENCE, path, expectKey: true, index: 0 });
        break;
      }
      case EVENT_ID.SCALAR:
        place(ev.valueStart, () => getScalarValue(text, ev));
        break;
      case EVENT_ID.ALIAS:
        place(ev.anchorStart, () => '?');
        break;
      case EVENT_ID.POP:
        stack.pop();
        break;
    }
  }
  return docs;
}
