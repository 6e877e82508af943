// Renderers of a test run: a table for people, JUnit XML for CI test reports (the shape Jenkins, GitLab and GitHub
// test-report actions read: testsuites > testsuite > testcase, with failure/error children), TAP 14, and JSON.
import { formatSource } from '../api/types.js';
import type { Outcome, RunResult } from './run.js';

export function formatTable(r: RunResult): string {
  const lines: string[] = [];
  const rows = r.outcomes.map((o) => [o.passed ? 'PASS' : 'FAIL', o.type, o.name, o.expected, o.error ? `error: ${o.error}` : o.actual]);
  const head = ['RESULT', 'TYPE', 'NAME', 'EXPECTED', 'ACTUAL'];
  const widths = head.map((h, i) => Math.min(60, Math.max(h.length, ...rows.map((x) => x[i].length))));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  lines.push(line(head), ...rows.map(line));
  const failed = r.outcomes.filter((o) => !o.passed);
  for (const o of failed) {
    lines.push('', `FAIL ${o.name} (${formatSource(o.source)}): expected ${o.expected}, got ${o.error ? `an error: ${o.error}` : o.actual}`);
    for (const d of o.decidedBy) lines.push(`  decided by: ${d}`);
    for (const t of o.trace) lines.push(`  ${t}`);
  }
  lines.push('', `${r.passed} passed, ${r.failed} failed (referee: ${r.referee})`);
  return lines.join('\n') + '\n';
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

/** XML 1.0 text: the five entities, and characters XML cannot carry (C0 controls but tab/LF/CR) as U+FFFD. */
export function xmlEscape(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\ufffd')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function failureBody(o: Outcome): string {
  return [`${formatSource(o.source)}: expected ${o.expected}, got ${o.error ?? o.actual}`, ...o.decidedBy.map((d) => `decided by: ${d}`), ...o.trace].join('\n');
}

export function formatJUnit(r: RunResult, timestamp = new Date().toISOString().slice(0, 19)): string {
  const suites = new Map<string, Outcome[]>();
  for (const o of r.outcomes) suites.set(o.suite, [...(suites.get(o.suite) ?? []), o]);
  const count = (os: Outcome[]) => ({ tests: os.length, failures: os.filter((o) => !o.passed && !o.error).length, errors: os.filter((o) => o.error).length, time: seconds(os.reduce((s, o) => s + o.ms, 0)) });
  const all = count(r.outcomes);
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="podnet test" tests="${all.tests}" failures="${all.failures}" errors="${all.errors}" time="${all.time}">`];
  for (const [name, os] of suites) {
    const c = count(os);
    out.push(`  <testsuite name="${xmlEscape(name)}" tests="${c.tests}" failures="${c.failures}" errors="${c.errors}" skipped="0" time="${c.time}" timestamp="${timestamp}">`);
    out.push(`    <properties><property name="referee" value="${xmlEscape(r.referee)}"/></properties>`);
    for (const o of os) {
      const attrs = `name="${xmlEscape(o.name)}" classname="${xmlEscape(`${name}.${o.type}`)}" file="${xmlEscape(o.source.file)}" line="${o.source.line}" time="${seconds(o.ms)}"`;
      if (o.passed) { out.push(`    <testcase ${attrs}/>`); continue; }
      const tag = o.error ? 'error' : 'failure';
      const message = o.error ? o.error : `expected ${o.expected}, got ${o.actual}`;
      out.push(`    <testcase ${attrs}>`, `      <${tag} message="${xmlEscape(message)}" type="${o.type}">${xmlEscape(failureBody(o))}</${tag}>`, '    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}

/** TAP 14: a plan, one line per expectation, a YAML diagnostic block under each failure. */
export function formatTap(r: RunResult): string {
  const out = ['TAP version 14', `1..${r.outcomes.length}`];
  const yamlString = (s: string) => JSON.stringify(s);
  r.outcomes.forEach((o, i) => {
    out.push(`${o.passed ? 'ok' : 'not ok'} ${i + 1} - ${o.name.replace(/#/g, '\\#')}`);
    if (o.passed) return;
    out.push('  ---', `  type: ${o.type}`, `  at: ${yamlString(formatSource(o.source))}`, `  expected: ${yamlString(o.expected)}`, `  actual: ${yamlString(o.error ? `error: ${o.error}` : o.actual)}`);
    if (o.decidedBy.length) out.push('  decidedBy:', ...o.decidedBy.map((d) => `    - ${yamlString(d)}`));
    if (o.trace.length) out.push('  trace:', ...o.trace.map((t) => `    - ${yamlString(t)}`));
    out.push('  ...');
  });
  return out.join('\n') + '\n';
}

/** The JSON contract: `{referee, passed, failed, results: [{name, suite, type, passed, expected, actual, decidedBy, trace, file, line, error?}]}`. */
export function formatJson(r: RunResult): string {
  return JSON.stringify({
    referee: r.referee, passed: r.passed, failed: r.failed,
    results: r.outcomes.map((o) => ({ name: o.name, suite: o.suite, type: o.type, passed: o.passed, expected: o.expected, actual: o.actual, decidedBy: o.decidedBy, trace: o.trace, file: o.source.file, line: o.source.line, ...(o.source.column ? { column: o.source.column } : {}), ...(o.error ? { error: o.error } : {}) })),
  }, null, 2) + '\n';
}
