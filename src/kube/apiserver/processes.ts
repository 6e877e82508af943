// The main process of the lab's pods, as attach and logs see it. A pod whose container has a command or args (what
// `kubectl run NAME --image=busybox -- nslookup kubernetes` creates) runs it in the lab's shell: at once, or — when
// the container keeps stdin open (`-i`, stdin: true) — when the first client attaches, so that client sees all of
// it. Its output is the pod's log; when it ends, the container is terminated with its exit code (phase Succeeded or
// Failed for restartPolicy Never/OnFailure), which kubectl run waits for. Every other pod's process — and an agnhost
// pod's `netexec` — is the lab's agent (the netexec-like server): attaching shows nothing, its log is the flows it
// answered.
import type { Lab } from '../../serve/lab.js';
import type { FlowRecord } from '../../serve/lab/flows.js';
import { podHost } from './pod-host.js';
import { rfc3339 } from './revisions.js';
import { commandSession, type Session, type SessionOutput } from './terminal.js';

type Obj = Record<string, any>;

interface Proc {
  argv: string[];
  uid: string;
  container: string;
  stdin: boolean;
  stdinOnce: boolean;
  tty: boolean;
  session?: Session;
  log: string;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  readers: Set<Reader>;
}

/** A client of the process's output; `end` is told when the process ends (a followed log closes then). */
type Reader = SessionOutput & { end?: () => void };

export class AttachError extends Error {}

export class PodProcesses {
  private readonly procs = new Map<string, Proc>();

  constructor(private readonly lab: Lab, private readonly now: () => Date, private readonly changed: () => void) {}

  /** Takes the pods of a new snapshot: new command pods are registered (and started unless they wait for stdin). */
  observe(pods: readonly Obj[]): void {
    const seen = new Set<string>();
    for (const pod of pods) {
      const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
      seen.add(key);
      const c = pod.spec?.containers?.[0];
      const argv = [...(c?.command ?? []), ...(c?.args ?? [])].map(String);
      const existing = this.procs.get(key);
      if (existing && existing.uid === pod.metadata.uid) continue;
      if (argv.length === 0 || isNetexec(String(c?.image ?? ''), argv) || pod.metadata.ownerReferences?.length || !pod.status?.podIP) continue;
      const proc: Proc = { argv, uid: pod.metadata.uid, container: c.name, stdin: c.stdin === true, stdinOnce: c.stdinOnce === true, tty: c.tty === true, log: '', readers: new Set() };
      this.procs.set(key, proc);
      if (!proc.stdin) this.start(key, proc);
    }
    for (const [key, p] of this.procs) {
      if (seen.has(key)) continue;
      p.session?.kill();
      if (!p.session) for (const r of p.readers) r.end?.();
      this.procs.delete(key);
    }
  }

  private start(key: string, p: Proc): void {
    const [ns, name] = key.split('/', 2);
    const fanout: SessionOutput = {
      stdout: (s) => { p.log = keepTail(p.log + s); for (const r of p.readers) r.stdout(s); },
      stderr: (s) => { p.log = keepTail(p.log + s); for (const r of p.readers) r.stderr(s); },
    };
    p.startedAt = rfc3339(this.now());
    // The store sees a pod as soon as the engine built it; its command runs once the lab serves that snapshot (the
    // pod's DNS, routes and policy are the new ones).
    p.session = startedWhen(this.lab.settled().then(() => commandSession(podHost(this.lab, ns, name), p.argv, fanout, p.tty)));
    void p.session.done.then((code) => {
      p.exitCode = code;
      p.finishedAt = rfc3339(this.now());
      for (const r of [...p.readers]) { p.readers.delete(r); r.end?.(); }
      this.changed();
    });
  }

  /** The session an attach joins: the pod's command (started now if it waited for stdin), or the agent's silence. */
  attach(ns: string, name: string, out: SessionOutput): { session: Session; argv: string[]; detach: () => void } {
    const key = `${ns}/${name}`;
    const p = this.procs.get(key);
    if (!p) {
      let stop!: (code: number) => void;
      const done = new Promise<number>((r) => (stop = r));
      return { session: { done, input: () => undefined, endInput: () => undefined, kill: () => stop(0) }, argv: [], detach: () => stop(0) };
    }
    if (p.exitCode !== undefined) throw new AttachError(`cannot attach to a container in a completed pod; current phase is ${p.exitCode === 0 ? 'Succeeded' : 'Failed'}`);
    p.readers.add(out);
    if (!p.session) this.start(key, p);
    const session = p.session!;
    const detach = () => { p.readers.delete(out); if (p.stdinOnce) session.endInput(); };
    return { session: { done: session.done, input: (d) => session.input(d), endInput: () => session.endInput(), kill: detach }, argv: p.argv, detach };
  }

  /** The pod as the kubelet would report it once its command ended: container terminated with its exit code. */
  overlay(pod: Obj): Obj {
    const p = this.procs.get(`${pod.metadata.namespace}/${pod.metadata.name}`);
    if (!p || p.uid !== pod.metadata.uid || !pod.status) return pod;
    const status = { ...pod.status };
    if (p.startedAt) status.startTime = p.startedAt;
    if (p.exitCode === undefined) {
      if (p.startedAt && Array.isArray(status.containerStatuses)) status.containerStatuses = status.containerStatuses.map((c: Obj) => ({ ...c, state: { running: { startedAt: p.startedAt } } }));
      return { ...pod, status };
    }
    const terminated = { exitCode: p.exitCode, reason: p.exitCode === 0 ? 'Completed' : 'Error', startedAt: p.startedAt, finishedAt: p.finishedAt };
    if (Array.isArray(status.containerStatuses)) status.containerStatuses = status.containerStatuses.map((c: Obj) => ({ ...c, ready: false, started: false, state: { terminated } }));
    const policy = pod.spec?.restartPolicy ?? 'Always';
    if (policy !== 'Always') status.phase = p.exitCode === 0 ? 'Succeeded' : policy === 'Never' ? 'Failed' : status.phase;
    if (Array.isArray(status.conditions)) status.conditions = status.conditions.map((c: Obj) => (c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, status: 'False', reason: 'PodCompleted' } : c));
    return { ...pod, status };
  }

  /** The container's log: the command's output, or the flows the agent answered; `follow` gets what comes after. */
  logs(ns: string, name: string, tailLines?: number): { text: string; follow: (write: (s: string) => void, end: () => void) => () => void } {
    const key = `${ns}/${name}`;
    const p = this.procs.get(key);
    const tail = (text: string) => {
      if (tailLines === undefined || tailLines < 0) return text;
      const lines = text.split('\n');
      if (lines.at(-1) === '') lines.pop();
      return lines.slice(Math.max(0, lines.length - tailLines)).map((l) => `${l}\n`).join('');
    };
    if (p) {
      return {
        text: tail(p.log),
        follow: (write, end) => {
          if (p.exitCode !== undefined) { end(); return () => undefined; }
          const reader: Reader = { stdout: write, stderr: write, end };
          p.readers.add(reader);
          return () => { p.readers.delete(reader); };
        },
      };
    }
    const lines = this.lab.flows.select({}).filter((f) => f.pod === key).map(accessLine).join('');
    return {
      text: tail(lines),
      follow: (write) => this.lab.flows.subscribe((f) => { if (f.pod === key) write(accessLine(f)); }),
    };
  }
}

/**
 * agnhost's `netexec` (the e2e test image's server, what probe pods run): its process is the lab's agent, which
 * answers as netexec does (/hostname, /clientip, /echo) on the container's ports (8080 when it declares none).
 */
export function isNetexec(image: string, argv: readonly string[]): boolean {
  if (!/(^|\/)agnhost(:|@|$)/.test(image)) return false;
  const args = argv[0] === '/agnhost' || argv[0] === 'agnhost' ? argv.slice(1) : argv;
  return args[0] === 'netexec';
}

/** The log a pod's command keeps, as kubelet rotates a container's log (--container-log-max-size 10Mi): the newest. */
export const MAX_COMMAND_LOG = 1024 * 1024;

function keepTail(log: string): string {
  if (log.length <= MAX_COMMAND_LOG) return log;
  const cut = log.indexOf('\n', log.length - MAX_COMMAND_LOG);
  return log.slice(cut >= 0 ? cut + 1 : log.length - MAX_COMMAND_LOG);
}

/** A session whose process starts when `real` resolves: what the client sends before is handed over then. */
export function startedWhen(real: Promise<Session>): Session {
  let session: Session | undefined;
  const queued: ((s: Session) => void)[] = [];
  const when = (f: (s: Session) => void) => { if (session) f(session); else queued.push(f); };
  void real.then((s) => { session = s; for (const f of queued.splice(0)) f(s); });
  return { done: real.then((s) => s.done), input: (d) => when((s) => s.input(d)), endInput: () => when((s) => s.endInput()), kill: () => when((s) => s.kill()) };
}

/** One line of the agent's access log: when, from whom, what, and how it went. */
export function accessLine(f: FlowRecord): string {
  return `${f.time} ${f.source} ${f.protocol} ${f.destination} ${f.status ?? f.verdict}${f.via ? ` (${f.via})` : ''}\n`;
}
