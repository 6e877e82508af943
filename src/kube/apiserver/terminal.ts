// A process of a lab pod as kubectl exec / attach see it: bytes in on stdin, bytes out on stdout and stderr, an exit
// code at the end. `shellSession` is the tiny sh reading commands from stdin (with a TTY: the line discipline a
// terminal gives — echo, backspace, ^C, ^D, CR to CRLF — and busybox's `/ # ` prompt); `commandSession` runs one
// argv (`sh -c '…'`, `nslookup kubernetes`) and ends with its status.
import { Shell, ShellExit, type ShellHost, type ShellIO } from './shell.js';

export interface Session {
  /** Bytes from the client's stdin. */
  input(data: Buffer): void;
  /** The client closed stdin. */
  endInput(): void;
  /** Resolves with the exit code when the process ends. */
  readonly done: Promise<number>;
  /** Ends the process (the client went away). */
  kill(): void;
}

export interface SessionOutput { stdout(s: string): void; stderr(s: string): void }

const PROMPT = '/ # ';
const MAX_LINE = 64 * 1024;

/** The shell reading stdin line by line; with `tty`, a terminal's echo and editing, and the prompt. */
export function shellSession(host: ShellHost, out: SessionOutput, tty: boolean): Session {
  const shell = new Shell(host);
  const crlf = (s: string) => (tty ? s.replace(/\r?\n/g, '\r\n') : s);
  const io: ShellIO = { out: (s) => out.stdout(crlf(s)), err: (s) => (tty ? out.stdout(crlf(s)) : out.stderr(s)) };
  let finish!: (code: number) => void;
  const done = new Promise<number>((r) => (finish = r));
  let ended = false;
  let line = '';
  const lines: string[] = [];
  let running = false;
  let inputClosed = false;
  const end = (code: number) => { if (!ended) { ended = true; finish(code); } };
  const pump = async () => {
    if (running) return;
    running = true;
    while (lines.length && !ended) {
      const l = lines.shift()!;
      try { await shell.run(l, io); } catch (e) {
        if (e instanceof ShellExit) { end(e.code); return; }
        io.err(`sh: ${(e as Error).message}\n`);
      }
      if (tty && !ended) out.stdout(PROMPT);
    }
    running = false;
    if (inputClosed && !ended) end(shell.status);
  };
  if (tty) out.stdout(PROMPT);
  return {
    done,
    input(data) {
      if (ended) return;
      for (const ch of data.toString('utf8')) {
        if (!tty) {
          if (ch === '\n') { lines.push(line); line = ''; } else if (line.length < MAX_LINE) line += ch;
          continue;
        }
        if (ch === '\r' || ch === '\n') { out.stdout('\r\n'); lines.push(line); line = ''; }
        else if (ch === '\x7f' || ch === '\b') { if (line.length) { line = line.slice(0, -1); out.stdout('\b \b'); } }
        else if (ch === '\x03') { line = ''; out.stdout(`^C\r\n${PROMPT}`); }
        else if (ch === '\x04') { if (line === '') { out.stdout('\r\n'); lines.push('exit'); } }
        else if (ch >= ' ' && line.length < MAX_LINE) { line += ch; out.stdout(ch); }
      }
      void pump();
    },
    endInput() {
      inputClosed = true;
      if (line !== '') { lines.push(line); line = ''; }
      void pump();
    },
    kill() { end(137); },
  };
}

/** One command (argv as kubectl exec gives it); stdin is read only by a bare `sh`. */
export function commandSession(host: ShellHost, argv: string[], out: SessionOutput, tty: boolean): Session {
  const name = (argv[0] ?? '').replace(/^\/(usr\/)?s?bin\//, '');
  const interactive = (name === 'sh' || name === 'ash') && (argv.length === 1 || (argv.length === 2 && argv[1] === '-i'));
  if (interactive) return shellSession(host, out, tty);
  const shell = new Shell(host);
  const crlf = (s: string) => (tty ? s.replace(/\r?\n/g, '\r\n') : s);
  let killed: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => {
    killed = resolve;
    const line = argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
    shell.run(line, { out: (s) => out.stdout(crlf(s)), err: (s) => (tty ? out.stdout(crlf(s)) : out.stderr(s)) })
      .then(resolve, (e) => resolve(e instanceof ShellExit ? e.code : (out.stderr(`sh: ${(e as Error).message}\n`), 1)));
  });
  return { done, input: () => undefined, endInput: () => undefined, kill: () => killed(137) };
}
