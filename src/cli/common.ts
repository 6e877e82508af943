// What every command shares: the -f/--config options, loading through the engine, and printing diagnostics.
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { Cluster, ConfigRefusedError, requireUsableConfig, type LoadInput } from '../cluster/cluster.js';
import { Codes, formatDiagnostic, type Diagnostic } from '../api/diagnostics.js';
import { compileLabelSelector, parseSelectorString } from '../api/labels.js';
import { withLiveOptions, type LiveOptions } from './live.js';

/** podnet's version (the CLI's --version, SARIF's tool.driver.version). */
export const PODNET_VERSION = '0.1.0';

export interface IO {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

/** Thrown to end a command with an exit code (main turns it into the process exit code). */
export class CliExit extends Error {
  constructor(readonly code: number) { super(`exit ${code}`); }
}

export interface ManifestOptions extends LiveOptions {
  filename: string[];
  config?: string;
  /** Keep objects the API server would refuse for bookkeeping reasons only (trimmed dumps), with a warning. */
  lenient?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export const LENIENT_HELP = 'keep objects the API server would refuse only for bookkeeping (a container without a name, a name with "_"), with a warning: for trimmed dumps that were never applied';

/** Adds `-f/--filename` (repeatable), `--config`, `--lenient`, and `--kubeconfig`/`--context` (a live cluster instead). */
export function withManifestOptions(cmd: Command): Command {
  cmd
    .option('-f, --filename <path>', 'manifest file or folder (repeatable; - for stdin)', collect, [])
    .option('--config <file>', 'ClusterConfig file (podnet.dev/v1alpha1)')
    .option('--lenient', LENIENT_HELP);
  return withLiveOptions(cmd);
}

/**
 * Every command that reads manifests needs -f, and every path it names (and --config) must exist: otherwise exit 1 with
 * kubectl's message before anything is loaded, printed or listening.
 */
export function requireManifests(opts: { filename: string[]; config?: string } & LiveOptions, io: IO, { live = false } = {}): void {
  if (opts.filename.length === 0 && opts.live === undefined) {
    io.err.write(`error: must specify -f (a manifest file, a folder, or - for stdin)${live ? ', or --kubeconfig/--context to read a live cluster' : ''}\n`);
    throw new CliExit(1);
  }
  for (const p of [...opts.filename, ...(opts.config !== undefined ? [opts.config] : [])]) {
    if (p !== '-' && !existsSync(p)) {
      io.err.write(`error: the path "${p}" does not exist\n`);
      throw new CliExit(1);
    }
  }
}

/**
 * Loads the cluster for a command. Errors in the manifests are printed to stderr (warnings too, unless quiet), but the
 * valid objects still load, so one bad object never hides the rest.
 */
export function loadCluster(opts: ManifestOptions, io: IO, { quietWarnings = false } = {}): Cluster {
  requireManifests(opts, io, { live: true });
  const cluster = Cluster.load(clusterInput(opts));
  // What a live cluster's listing could not see is said even when other warnings are quiet.
  printDiagnostics(cluster.diagnostics.filter((d) => d.level === 'error' || !quietWarnings || d.code === Codes.kindNotListed), io.err);
  try {
    requireUsableConfig(cluster);
  } catch (e) {
    if (!(e instanceof ConfigRefusedError)) throw e;
    io.err.write(`error: ${e.summary}\n`);
    throw new CliExit(1);
  }
  return cluster;
}

/** What the engine loads for a command: the -f paths, or the live cluster's listing as the text of its List dump. */
export function clusterInput(opts: ManifestOptions): LoadInput {
  const common = { configPath: opts.config, lenient: opts.lenient };
  return opts.live ? { ...common, text: opts.live.text, textName: opts.live.name, diagnostics: opts.live.diagnostics } : { ...common, paths: opts.filename };
}

export function printDiagnostics(diags: readonly Diagnostic[], stream: NodeJS.WritableStream): void {
  for (const d of diags) stream.write(formatDiagnostic(d) + '\n');
}

/** `-l SELECTOR` as kubectl reads it: a label predicate, or exit 1 with the parser's message. */
export function selectorFromFlag(selector: string | undefined, io: IO): (labels: Record<string, string> | undefined) => boolean {
  if (selector === undefined) return () => true;
  try {
    return compileLabelSelector(parseSelectorString(selector));
  } catch (e) {
    io.err.write(`error: ${(e as Error).message}\n`);
    throw new CliExit(1);
  }
}

/** A writer for output of any size: it gathers ~64 KiB, then waits until the stream drains (bounded memory). */
export function streamWriter(out: NodeJS.WritableStream): { write(s: string): Promise<void>; end(): Promise<void> } {
  let parts: string[] = [];
  let size = 0;
  const flush = async () => {
    if (parts.length === 0) return;
    const chunk = parts.join('');
    parts = [];
    size = 0;
    if (out.write(chunk)) return;
    await new Promise<void>((resolve, reject) => {
      const done = (e?: unknown) => { out.off('drain', done); out.off('error', fail); out.off('close', done); if (e instanceof Error) reject(e); else resolve(); };
      const fail = (e: Error) => done(e);
      out.once('drain', done);
      out.once('error', fail);
      out.once('close', done);
    });
  };
  return {
    async write(s: string) { parts.push(s); size += s.length; if (size >= 65_536) await flush(); },
    end: flush,
  };
}
