// One command-line parser for the emulated tools, getopt-style: short flags combine (`-sSfL`), a short option's value
// follows it directly or as the next word (`-o/dev/null`, `-so /dev/null`, `-m5`), long options take the next word,
// and `--name=value` only where the tool accepts it (getopt_long in busybox and netcat; curl's own parser does not).
// Options and operands mix in any order (GNU permutation, and curl's own rule); `--` ends the options.
import { pushAll } from '../../../util/arrays.js';

export interface OptionSpec {
  /** The option's key in the result. */
  key: string;
  short?: string;
  long?: string;
  /** Takes a value. */
  value?: boolean;
}

export interface ParsedOption { key: string; name: string; value?: string }

export type ParsedArgv =
  | { ok: true; options: ParsedOption[]; operands: string[] }
  | { ok: false; error: 'unknown' | 'missing'; name: string };

export interface ParseRules {
  /** `--name=value` is understood. */
  longEquals: boolean;
}

/** Parses `argv`; at most 256 words are looked at (the API bounds the work; a real shell would pass more). */
export function parseArgv(argv: readonly string[], specs: readonly OptionSpec[], rules: ParseRules): ParsedArgv {
  const options: ParsedOption[] = [];
  const operands: string[] = [];
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  const byLong = new Map(specs.filter((s) => s.long).map((s) => [s.long!, s]));
  const words = argv.slice(0, 256);
  for (let i = 0; i < words.length; i++) {
    const a = words[i];
    if (a === '--') { pushAll(operands, words.slice(i + 1)); break; }
    if (a.startsWith('--')) {
      const eq = rules.longEquals ? a.indexOf('=') : -1;
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      const spec = byLong.get(name);
      if (!spec) return { ok: false, error: 'unknown', name: eq > 0 ? `--${name}` : a };
      if (!spec.value) {
        if (eq > 0) return { ok: false, error: 'unknown', name: a };
        options.push({ key: spec.key, name: a });
        continue;
      }
      const value = eq > 0 ? a.slice(eq + 1) : words[++i];
      if (value === undefined) return { ok: false, error: 'missing', name: a };
      options.push({ key: spec.key, name: `--${name}`, value });
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const spec = byShort.get(a[j]);
        if (!spec) return { ok: false, error: 'unknown', name: `-${a[j]}` };
        if (!spec.value) { options.push({ key: spec.key, name: `-${a[j]}` }); continue; }
        const rest = a.slice(j + 1);
        const value = rest !== '' ? rest : words[++i];
        if (value === undefined) return { ok: false, error: 'missing', name: `-${a[j]}` };
        options.push({ key: spec.key, name: `-${a[j]}`, value });
        break;
      }
      continue;
    }
    operands.push(a);
  }
  return { ok: true, options, operands };
}

/** The flags a spec list supports, for the refusal message: `-s/--silent -o/--output FILE ...`. */
export function supportedList(specs: readonly OptionSpec[], valueNames: Record<string, string> = {}): string {
  return specs.map((s) => {
    const names = [s.short ? `-${s.short}` : '', s.long ? `--${s.long}` : ''].filter(Boolean).join('/');
    return s.value ? `${names} ${valueNames[s.key] ?? 'VALUE'}` : names;
  }).join(', ');
}
