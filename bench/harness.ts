// Benchmark plumbing shared by bench/*.ts: timing, machine facts, and BENCHMARKS.md sections.
// Each bench module default-exports a Bench; `npm run bench [-- NAME...]` runs them and rewrites their sections of
// BENCHMARKS.md (others are kept), between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`.
import { cpus, loadavg, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';

export interface Bench {
  name: string;
  /** Returns the Markdown for this bench's section (a heading, what was measured, the figures, the ratio to a peer). */
  run(): Promise<string>;
}

export function machineLine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}/${process.arch}, load average ${loadavg()[0].toFixed(1)} when measured`;
}

/** Runs fn once and returns [result, milliseconds]. */
export function timeOnce<T>(fn: () => T): [T, number] {
  const t0 = performance.now();
  const r = fn();
  return [r, performance.now() - t0];
}

/** Median and other percentiles of a list of numbers. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx];
}

export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

export function replaceSection(doc: string, name: string, body: string): string {
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const block = `${start}\n${body.trim()}\n${end}`;
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  if (i >= 0 && j > i) return doc.slice(0, i) + block + doc.slice(j + end.length);
  return `${doc.trimEnd()}\n\n${block}\n`;
}
