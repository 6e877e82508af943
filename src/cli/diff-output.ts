// How `podnet diff` prints: text for a terminal, Markdown for a pull-request comment (summary line first, one
// collapsible section per kind of change, at most N rows each), and GitHub workflow annotations. JSON is the
// ClusterDiff itself (src/diff/index.ts).
import { formatPortSets, summaryLine, type ClusterDiff, type ConnectivityChange, type FindingChange, type RecordChange, type SectionDiff } from '../diff/index.js';
import { annotation } from '../findings/annotations.js';

type Value = Record<string, unknown>;

const isPortSets = (k: string, v: unknown) => k === 'ports' && v !== null && typeof v === 'object' && !Array.isArray(v);
const field = (k: string, v: unknown): string => (isPortSets(k, v) ? formatPortSets(v as Record<string, string>) : text(v));
const text = (v: unknown): string => (Array.isArray(v) ? v.map(text).join(', ') : v !== null && typeof v === 'object' ? Object.entries(v).map(([k, x]) => `${k} ${text(x)}`).join('; ') : String(v));

/** A record in one line: `type ClusterIP; clusterIPs 10.96.0.12; …`. */
export function recordText(v: Value | undefined): string {
  if (!v) return '';
  return Object.entries(v).map(([k, x]) => `${k}: ${field(k, x) || '(none)'}`).join('; ');
}

/** What changed in a record, field by field: `clusterIPs: 10.96.0.12 → 10.96.0.13`. */
export function changeText(c: RecordChange): string {
  const b = c.before ?? {}, a = c.after ?? {};
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  return keys.filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k])).map((k) => `${k}: ${b[k] === undefined ? '(none)' : field(k, b[k]) || '(none)'} → ${a[k] === undefined ? '(none)' : field(k, a[k]) || '(none)'}`).join('; ');
}

const decided = (l: string[]) => (l.length ? l.join(', ') : 'no policy');

function connectivityLine(c: ConnectivityChange, kind: 'added' | 'removed' | 'changed'): string {
  const ports = kind === 'added' ? formatPortSets(c.after) : kind === 'removed' ? formatPortSets(c.before) : [Object.keys(c.opened).length ? `opened ${formatPortSets(c.opened)}` : '', Object.keys(c.closed).length ? `closed ${formatPortSets(c.closed)}` : ''].filter(Boolean).join(', ') || `some pod pairs: ${formatPortSets(c.partial?.before ?? {})} → ${formatPortSets(c.partial?.after ?? {})}`;
  return `${c.from} → ${c.to}: ${ports} (on ${c.port}/${c.protocol}: ${decided(c.policies.before)} → ${decided(c.policies.after)})`;
}

const findingLine = (f: FindingChange) => `${f.file ? `${f.file}:${f.line}: ` : ''}${f.severity} ${f.code}: ${f.message}`;

const SECTIONS = [['exposure', 'Exposure'], ['services', 'Services'], ['dns', 'DNS'], ['routes', 'Routes'], ['mesh', 'Mesh']] as const;

function sectionLines(s: SectionDiff): string[] {
  return [
    ...s.added.map((c) => `+ ${c.name}: ${recordText(c.after)}`),
    ...s.removed.map((c) => `- ${c.name}: ${recordText(c.before)}`),
    ...s.changed.map((c) => `~ ${c.name}: ${changeText(c)}`),
  ];
}

export function writeDiffTable(d: ClusterDiff): string {
  const out = [summaryLine(d)];
  const block = (title: string, lines: string[]) => { if (lines.length) out.push('', `${title} (${lines.length}):`, ...lines.map((l) => `  ${l}`)); };
  block('Connectivity newly allowed', d.connectivity.added.map((c) => `+ ${connectivityLine(c, 'added')}`));
  block('Connectivity newly denied', d.connectivity.removed.map((c) => `- ${connectivityLine(c, 'removed')}`));
  block('Connectivity with changed ports', d.connectivity.changed.map((c) => `~ ${connectivityLine(c, 'changed')}`));
  for (const [key, title] of SECTIONS) block(title, sectionLines(d[key]));
  if (d.mesh.truncated) out.push('note: the mesh section stopped at its limit of requests; some identity pairs were not compared');
  block('Findings', [...d.findings.added.map((f) => `+ ${findingLine(f)}`), ...d.findings.removed.map((f) => `- ${findingLine(f)}`)]);
  return out.join('\n') + '\n';
}

const md = (s: string) => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, ' ');

function mdTable(head: string[], rows: string[][], max: number): string[] {
  const out = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.slice(0, max).map((r) => `| ${r.map(md).join(' | ')} |`)];
  if (rows.length > max) out.push('', `… and ${rows.length - max} more`);
  return out;
}

function details(summary: string, body: string[]): string[] {
  return ['<details>', `<summary>${md(summary)}</summary>`, '', ...body, '', '</details>', ''];
}

export function writeDiffMarkdown(d: ClusterDiff, max: number): string {
  const out = [`**${md(summaryLine(d))}**`, ''];
  const c = d.connectivity;
  const rows = [
    ...c.added.map((x) => ['+', x.from, x.to, formatPortSets(x.opened), decided(x.policies.before), decided(x.policies.after)]),
    ...c.removed.map((x) => ['-', x.from, x.to, formatPortSets(x.closed), decided(x.policies.before), decided(x.policies.after)]),
    ...c.changed.map((x) => ['~', x.from, x.to, [Object.keys(x.opened).length ? `+${formatPortSets(x.opened)}` : '', Object.keys(x.closed).length ? `-${formatPortSets(x.closed)}` : ''].filter(Boolean).join(' ') || 'some pod pairs', decided(x.policies.before), decided(x.policies.after)]),
  ];
  if (rows.length) out.push(...details(`Connectivity: ${c.added.length} newly allowed, ${c.removed.length} newly denied, ${c.changed.length} with changed ports`, mdTable(['', 'from', 'to', 'ports', 'decided before', 'decided after'], rows, max)));
  for (const [key, title] of SECTIONS) {
    const s = d[key];
    const r = [...s.added.map((x) => ['+', x.name, recordText(x.after)]), ...s.removed.map((x) => ['-', x.name, recordText(x.before)]), ...s.changed.map((x) => ['~', x.name, changeText(x)])];
    if (r.length) out.push(...details(`${title}: ${s.added.length} added, ${s.removed.length} removed, ${s.changed.length} changed`, mdTable(['', 'name', 'what'], r, max)));
  }
  const f = d.findings;
  const fr = [...f.added.map((x) => ['+', x.severity, x.code, x.file ? `${x.file}:${x.line}` : '', x.message]), ...f.removed.map((x) => ['-', x.severity, x.code, x.file ? `${x.file}:${x.line}` : '', x.message])];
  if (fr.length) out.push(...details(`Findings: ${f.added.length} new, ${f.removed.length} gone`, mdTable(['', 'severity', 'code', 'where', 'message'], fr, max)));
  return out.join('\n');
}

/** One annotation per change: new exposure and new errors as warnings/errors, the rest as notices. */
export function writeDiffGithub(d: ClusterDiff): string {
  const out: string[] = [annotation('notice', summaryLine(d), { title: 'podnet diff' })];
  const c = d.connectivity;
  for (const [list, kind, title] of [[c.added, 'added', 'newly allowed'], [c.removed, 'removed', 'newly denied'], [c.changed, 'changed', 'ports changed']] as const) {
    for (const x of list) out.push(annotation('notice', connectivityLine(x, kind), { file: x.source?.file, line: x.source?.line, title: `podnet diff: ${title}` }));
  }
  for (const x of d.exposure.added) out.push(annotation('warning', `new exposure: ${x.name}: ${recordText(x.after)}`, { title: 'podnet diff: new exposure' }));
  for (const x of d.exposure.removed) out.push(annotation('notice', `exposure gone: ${x.name}: ${recordText(x.before)}`, { title: 'podnet diff: exposure' }));
  for (const x of d.exposure.changed) out.push(annotation('warning', `exposure changed: ${x.name}: ${changeText(x)}`, { title: 'podnet diff: exposure' }));
  for (const [key, title] of SECTIONS.slice(1)) for (const line of sectionLines(d[key])) out.push(annotation('notice', line, { title: `podnet diff: ${title}` }));
  for (const f of d.findings.added) out.push(annotation(f.severity === 'error' ? 'error' : 'warning', `new ${f.code}: ${f.message}`, { file: f.file ?? undefined, line: f.line ?? undefined, title: `podnet diff: new finding ${f.code}` }));
  for (const f of d.findings.removed) out.push(annotation('notice', `gone ${f.code}: ${f.message}`, { title: `podnet diff: finding gone ${f.code}` }));
  return out.join('\n') + '\n';
}
