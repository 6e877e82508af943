// Outgoing TCP connections opened inside network namespaces, for a process of this lab that lives in a pod (the edge
// proxy in the ingress controller's pod): Node cannot enter a namespace, so one long-lived python3 helper does the
// connect() there — a socket stays in the namespace it was created in — and hands the connected socket over the IPC
// channel (SCM_RIGHTS with a NODE_HANDLE message, one at a time, each acknowledged, as sockets.ts does for listeners).
// Connects run in parallel in the helper (non-blocking, one selector); a refused or timed-out connect comes back as
// its errno, so the proxy sees what a process in the pod would. The helper goes back to its own namespace after each
// socket() and keeps no namespace open: a pod's namespace must end when the lab deletes it.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { findBinary } from './host.js';

const DIALER = String.raw`
import ctypes, errno, json, os, selectors, socket, sys, time
libc = ctypes.CDLL(None, use_errno=True)
chan = socket.socket(fileno=int(os.environ['NODE_CHANNEL_FD']))
sel = selectors.DefaultSelector()
sel.register(chan, selectors.EVENT_READ)
home = os.open('/proc/self/ns/net', os.O_RDONLY)
pending = {}
ready = []
acking = None
buf = b''
def send(obj, fd=None):
    data = (json.dumps(obj) + '\n').encode()
    anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fd.to_bytes(4, sys.byteorder))] if fd is not None else []
    chan.sendmsg([data], anc)
def fail(i, code):
    send({'i': i, 'error': os.strerror(code), 'code': errno.errorcode.get(code, str(code))})
def pump():
    global acking
    if acking is None and ready:
        i, s = ready.pop(0)
        send({'cmd': 'NODE_HANDLE', 'type': 'net.Socket', 'msg': {'i': i}}, s.fileno())
        acking = s
def dial(r):
    i = r['i']
    try:
        fd = os.open('/run/netns/' + r['netns'], os.O_RDONLY)
        try:
            if libc.setns(fd, 0x40000000) != 0: return fail(i, ctypes.get_errno())
            try: s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            finally: libc.setns(home, 0x40000000)
        finally: os.close(fd)
        s.setblocking(False)
        code = s.connect_ex((r['ip'], int(r['port'])))
    except OSError as e:
        return fail(i, e.errno or errno.EINVAL)
    if code not in (0, errno.EINPROGRESS):
        s.close(); return fail(i, code)
    pending[s] = (i, time.monotonic() + r['timeout'])
    sel.register(s, selectors.EVENT_WRITE)
while True:
    now = time.monotonic()
    wait = max(0.0, min(d for _, d in pending.values()) - now) if pending else None
    for key, _ in sel.select(wait):
        if key.fileobj is chan:
            chunk = chan.recv(65536)
            if not chunk: sys.exit(0)
            buf += chunk
            while b'\n' in buf:
                line, buf = buf.split(b'\n', 1)
                m = json.loads(line)
                if m.get('cmd') == 'NODE_HANDLE_ACK':
                    if acking is not None: acking.close()
                    acking = None
                elif 'netns' in m: dial(m)
        else:
            s = key.fileobj
            sel.unregister(s)
            i, _ = pending.pop(s)
            code = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if code: s.close(); fail(i, code)
            else: ready.append((i, s))
    now = time.monotonic()
    for s, (i, d) in list(pending.items()):
        if d <= now:
            sel.unregister(s); del pending[s]; s.close(); fail(i, errno.ETIMEDOUT)
    pump()
`;

/** A connect that failed inside the namespace: `code` is the errno's name (ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH…). */
export class DialError extends Error {
  constructor(message: string, readonly code: string) { super(message); }
}

type Msg = { i?: number; error?: string; code?: string };

export class NamespaceDialer {
  private child?: ChildProcess;
  private next = 0;
  private readonly waiting = new Map<number, { resolve: (s: Socket) => void; reject: (e: Error) => void }>();

  /** Whether this machine can dial inside namespaces (the helper needs python3). */
  static available(): boolean { return findBinary('python3') !== undefined; }

  /** A connected TCP socket from inside `netns` to ip:port. */
  dial(netns: string, ip: string, port: number, timeoutMs: number): Promise<Socket> {
    const child = this.helper();
    const i = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(i, { resolve, reject });
      child.send({ i, netns, ip, port, timeout: timeoutMs / 1000 });
    });
  }

  private helper(): ChildProcess {
    if (this.child) return this.child;
    const child = spawn(findBinary('python3') ?? 'python3', ['-c', DIALER], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'json' });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-2000); });
    child.on('message', (m: Msg, handle?: Socket) => {
      const w = m.i !== undefined ? this.waiting.get(m.i) : undefined;
      if (!w) { handle?.destroy(); return; }
      this.waiting.delete(m.i!);
      if (handle) w.resolve(handle);
      else w.reject(new DialError(`connect: ${m.error ?? 'failed'}`, m.code ?? 'EIO'));
    });
    const gone = (why: string) => {
      if (this.child === child) this.child = undefined;
      for (const w of this.waiting.values()) w.reject(new DialError(`the dialer (python3) ${why}${stderr ? `: ${stderr.trim()}` : ''}`, 'EIO'));
      this.waiting.clear();
    };
    child.on('exit', (code) => gone(`exited with ${code}`));
    child.on('error', (e) => gone(`failed: ${e.message}`));
    this.child = child;
    return child;
  }

  close(): void {
    const c = this.child;
    this.child = undefined;
    if (c) { c.disconnect?.(); c.kill(); }
  }
}
