// A tiny sh for the lab's virtual pods, as busybox's ash would take what people type in `kubectl exec … -- sh -c '…'`
// and at a `kubectl run -it --image=busybox -- sh` prompt: words with '…', "…" and \ quoting, `;`, `&&`, `||`, `#`
// comments, $? and $HOSTNAME; builtins (echo, exit, true, false, hostname, cat of the files a pod has, sleep, pwd, cd,
// env); and the network tools, which are the lab's own (`lab.exec`: curl, wget, nslookup, dig, nc): every
// connection goes through the model. No pipes or redirections, no real processes: the pod is virtual.
import type { ExecResult } from '../../serve/lab/exec.js';

export interface ShellHost {
  /** Runs a network tool from the pod (the lab's exec); throws for a tool it does not have. */
  tool(argv: string[]): Promise<ExecResult>;
  hostname: string;
  /** Files the pod can read (/etc/resolv.conf, /etc/hosts, /etc/hostname). */
  files: Record<string, string>;
  env: Record<string, string>;
}

export interface ShellIO { out(s: string): void; err(s: string): void }

export class ShellExit extends Error { constructor(readonly code: number) { super(`exit ${code}`); } }
export class ShellSyntaxError extends Error {}

/** A word's pieces: text, and variables expanded when the command runs (so `false; echo $?` sees 1). */
type Piece = string | { v: string };
type Token = { op: ';' | '&&' | '||' } | { word: Piece[] };

function expandWord(word: Piece[], vars: Record<string, string>): string {
  return word.map((p) => (typeof p === 'string' ? p : vars[p.v] ?? '')).join('');
}

/** Splits a command line into words and operators, as sh's lexer does for the subset this shell takes. */
export function tokenize(line: string): Token[] {
  const out: Token[] = [];
  let pieces: Piece[] = [];
  let text = '';
  let inWord = false;
  const word = {
    add(s: string) { text += s; },
    var(name: string) { if (text) pieces.push(text); text = ''; pieces.push({ v: name }); },
  };
  const flush = () => { if (inWord) { if (text) pieces.push(text); out.push({ word: pieces }); } pieces = []; text = ''; inWord = false; };
  const expand = (i: number): number => {
    const m = /^\$(\?|\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*)/.exec(line.slice(i));
    if (!m) { word.add('$'); return i + 1; }
    word.var(m[1].replace(/^\{|\}$/g, ''));
    return i + m[0].length;
  };
  for (let i = 0; i < line.length;) {
    const c = line[i];
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new ShellSyntaxError("sh: syntax error: unterminated quoted string");
      word.add(line.slice(i + 1, end)); inWord = true; i = end + 1; continue;
    }
    if (c === '"') {
      inWord = true;
      i++;
      while (i < line.length && line[i] !== '"') {
        if (line[i] === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1])) { word.add(line[i + 1]); i += 2; continue; }
        if (line[i] === '$') { i = expand(i); continue; }
        word.add(line[i++]);
      }
      if (i >= line.length) throw new ShellSyntaxError('sh: syntax error: unterminated quoted string');
      i++;
      continue;
    }
    if (c === '\\' && i + 1 < line.length) { word.add(line[i + 1]); inWord = true; i += 2; continue; }
    if (c === '$') { i = expand(i); inWord = true; continue; }
    if (c === '#' && !inWord) break;
    if (c === ' ' || c === '\t' || c === '\n') { flush(); i++; continue; }
    if (line.startsWith('&&', i) || line.startsWith('||', i)) { flush(); out.push({ op: line.slice(i, i + 2) as '&&' | '||' }); i += 2; continue; }
    if (c === ';') { flush(); out.push({ op: ';' }); i++; continue; }
    if ('|<>&()`'.includes(c)) throw new ShellSyntaxError(`sh: '${c}': pipes, redirections, subshells and background jobs are not in the lab's shell (the pod is virtual)`);
    word.add(c); inWord = true; i++;
  }
  flush();
  return out;
}

const MAX_SLEEP_S = 30;

export class Shell {
  /** $? */
  status = 0;
  constructor(private readonly host: ShellHost) {}

  /** Runs one command line; throws ShellExit on `exit`. */
  async run(line: string, io: ShellIO): Promise<number> {
    let tokens: Token[];
    try { tokens = tokenize(line); } catch (e) {
      if (e instanceof ShellSyntaxError) { io.err(e.message + '\n'); this.status = 2; return 2; }
      throw e;
    }
    let argv: Piece[][] = [];
    let skip = false;
    const finish = async (next: ';' | '&&' | '||' | undefined) => {
      const vars = { ...this.host.env, '?': String(this.status) };
      if (argv.length && !skip) this.status = await this.command(argv.map((w) => expandWord(w, vars)), io);
      argv = [];
      skip = next === '&&' ? this.status !== 0 : next === '||' ? this.status === 0 : false;
    };
    for (const t of tokens) {
      if ('op' in t) await finish(t.op); else argv.push(t.word);
    }
    await finish(undefined);
    return this.status;
  }

  private async command(argv: string[], io: ShellIO): Promise<number> {
    const [cmd, ...args] = argv;
    const name = cmd.replace(/^\/(usr\/)?s?bin\//, '');
    switch (name) {
      case 'exit': throw new ShellExit(args[0] !== undefined && /^\d+$/.test(args[0]) ? Number(args[0]) & 255 : this.status);
      case 'true': case ':': return 0;
      case 'false': return 1;
      case 'echo': {
        const noNewline = args[0] === '-n';
        io.out(args.slice(noNewline ? 1 : 0).join(' ') + (noNewline ? '' : '\n'));
        return 0;
      }
      case 'hostname': io.out(this.host.hostname + '\n'); return 0;
      case 'pwd': io.out('/\n'); return 0;
      case 'cd': return 0;
      case 'env': case 'printenv':
        io.out(Object.entries(this.host.env).map(([k, v]) => `${k}=${v}\n`).join(''));
        return 0;
      case 'sleep': {
        const s = Number(args[0]);
        if (!Number.isFinite(s) || s < 0) { io.err(`sleep: invalid number '${args[0] ?? ''}'\n`); return 1; }
        await new Promise((r) => setTimeout(r, Math.min(s, MAX_SLEEP_S) * 1000));
        return 0;
      }
      case 'cat': {
        let code = 0;
        for (const f of args) {
          const text = this.host.files[f];
          if (text === undefined) { io.err(`cat: can't open '${f}': No such file or directory\n`); code = 1; } else io.out(text);
        }
        return code;
      }
      case 'sh': case 'ash': {
        if (args[0] === '-c' && args[1] !== undefined) return this.run(args[1], io);
        io.err('sh: only `sh -c COMMAND` runs inside the lab\'s shell\n');
        return 2;
      }
      case 'help':
        io.out('The lab\'s shell (the pod is virtual): nslookup, wget, curl, nc, dig, hostname, cat /etc/resolv.conf|/etc/hosts, echo, env, sleep, exit; ; && || and quotes.\n');
        return 0;
    }
    let r: ExecResult;
    try {
      r = await this.host.tool([name, ...args]);
    } catch (e) {
      const msg = (e as Error).message;
      if (/^podnet exec runs /.test(msg)) { io.err(`sh: ${name}: not found\n`); return 127; }
      io.err(`${name}: ${msg}\n`);
      return 1;
    }
    io.out(r.stdout);
    if (r.stdout && !r.stdout.endsWith('\n') && r.stderr) io.out('\n');
    io.err(r.stderr);
    return r.exitCode;
  }
}
