// Listening sockets inside network namespaces, owned by this one Node process. A socket belongs to the namespace it was
// created in, for life; Node cannot enter a namespace (no setns), but it can receive sockets over its IPC channel. So
// a short-lived helper enters each namespace in turn, creates the pod's sockets there and hands them over; the lab
// then serves every pod from its own event loop. Measured on the project's 2-core machine (50 namespaces, 3 sockets
// each): one Python helper that setns()es from namespace to namespace takes 0.8 s in all; a Node helper started with
// `ip netns exec` per namespace takes 28 s (each Node start costs ~140 ms of CPU). Python is used when present, the
// Node helper otherwise. The helper speaks the channel's documented wire form: JSON lines, a handle passed with
// SCM_RIGHTS alongside a NODE_HANDLE message, one at a time, each acknowledged (as child_process.send does).
import { spawn } from 'node:child_process';
import type dgram from 'node:dgram';
import type net from 'node:net';
import { findBinary } from './host.js';
import { RealizeError, inParallel } from './run.js';

export interface SocketRequest { netns: string; tcp: readonly number[]; udp: readonly number[] }
export interface NamespaceSockets { netns: string; tcp: Map<number, net.Server>; udp: Map<number, dgram.Socket>; errors: string[] }

const PYTHON_HELPER = String.raw`
import array, ctypes, json, os, socket, sys
libc = ctypes.CDLL(None, use_errno=True)
chan = socket.socket(fileno=int(os.environ['NODE_CHANNEL_FD']))
pending = b''
def send(obj, fd=None):
    data = (json.dumps(obj) + '\n').encode()
    anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array('i', [fd]))] if fd is not None else []
    chan.sendmsg([data], anc)
def acked():
    global pending
    while b'\n' not in pending:
        chunk = chan.recv(65536)
        if not chunk: sys.exit(1)
        pending += chunk
    line, pending = pending.split(b'\n', 1)
    return json.loads(line).get('cmd') == 'NODE_HANDLE_ACK'
reqs = json.load(sys.stdin)
for i, r in enumerate(reqs):
    try:
        fd = os.open('/run/netns/' + r['netns'], os.O_RDONLY)
        if libc.setns(fd, 0x40000000) != 0: raise OSError(ctypes.get_errno(), 'setns ' + r['netns'])
        os.close(fd)
    except OSError as e:
        send({'i': i, 'error': str(e)}); continue
    for proto in ('tcp', 'udp'):
        for port in r[proto]:
            try:
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM if proto == 'tcp' else socket.SOCK_DGRAM)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(('0.0.0.0', port))
                if proto == 'tcp': s.listen(511)
                s.setblocking(False)
            except OSError as e:
                send({'i': i, 'proto': proto, 'port': port, 'error': str(e)}); continue
            msg = {'i': i, 'proto': proto, 'port': port}
            if proto == 'tcp': send({'cmd': 'NODE_HANDLE', 'type': 'net.Server', 'msg': msg}, s.fileno())
            else: send({'cmd': 'NODE_HANDLE', 'type': 'dgram.Socket', 'dgramType': 'udp4', 'msg': msg}, s.fileno())
            if not acked(): send({'i': i, 'proto': proto, 'port': port, 'error': 'not acknowledged'})
            s.close()
send({'done': len(reqs)})
`;

const NODE_HELPER = String.raw`
const net = require('node:net'); const dgram = require('node:dgram');
const r = JSON.parse(process.argv[1]); let left = r.tcp.length + r.udp.length;
const sent = () => { if (--left <= 0) process.exit(0); };
if (left === 0) process.exit(0);
const fail = (proto, port, e) => { process.send({ i: 0, proto, port, error: String(e.message) }); sent(); };
for (const port of r.tcp) { const s = net.createServer(); s.once('error', (e) => fail('tcp', port, e)); s.listen({ port, host: '0.0.0.0' }, () => process.send({ i: 0, proto: 'tcp', port }, s, () => { s.close(); sent(); })); }
for (const port of r.udp) { const s = dgram.createSocket('udp4'); s.once('error', (e) => fail('udp', port, e)); s.bind(port, '0.0.0.0', () => process.send({ i: 0, proto: 'udp', port }, s, () => { s.close(); sent(); })); }
`;

type Msg = { i?: number; proto?: 'tcp' | 'udp'; port?: number; error?: string; done?: number };

function receive(child: ReturnType<typeof spawn>, out: NamespaceSockets[], offset: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('message', (m: Msg, handle?: net.Server | dgram.Socket) => {
      const target = m.i !== undefined ? out[offset + m.i] : undefined;
      if (!target) return;
      if (m.error) target.errors.push(`${target.netns}${m.port ? ` ${m.proto}/${m.port}` : ''}: ${m.error}`);
      else if (handle && m.proto === 'tcp') target.tcp.set(m.port!, handle as net.Server);
      else if (handle && m.proto === 'udp') target.udp.set(m.port!, handle as dgram.Socket);
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new RealizeError(`${what} exited with ${code}: ${stderr.trim()}`))));
  });
}

/** Opens each request's TCP (listening) and UDP sockets on 0.0.0.0 inside its namespace. */
export async function openSocketsIn(reqs: readonly SocketRequest[], opts: { helper?: 'python' | 'node' } = {}): Promise<NamespaceSockets[]> {
  const out: NamespaceSockets[] = reqs.map((r) => ({ netns: r.netns, tcp: new Map(), udp: new Map(), errors: [] }));
  if (reqs.length === 0) return out;
  const helper = opts.helper ?? (findBinary('python3') ? 'python' : 'node');
  if (helper === 'python') {
    const child = spawn(findBinary('python3') ?? 'python3', ['-c', PYTHON_HELPER], { stdio: ['pipe', 'ignore', 'pipe', 'ipc'], serialization: 'json' });
    const done = receive(child, out, 0, 'the socket helper (python3)');
    child.stdin!.end(JSON.stringify(reqs));
    await done;
  } else {
    // Namespaces in parallel, but one namespace's requests in their order: the first to ask for a port gets it, as
    // with the python helper (two helpers racing in one namespace made the winner a matter of timing).
    const byNetns = new Map<string, number[]>();
    reqs.forEach((r, i) => { const l = byNetns.get(r.netns); if (l) l.push(i); else byNetns.set(r.netns, [i]); });
    await inParallel([...byNetns.values()], 4, async (indexes) => {
      for (const i of indexes) {
        const r = reqs[i];
        const child = spawn('ip', ['netns', 'exec', r.netns, process.execPath, '-e', NODE_HELPER, JSON.stringify(r)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'json' });
        await receive(child, out, i, `the socket helper (node) in ${r.netns}`);
      }
    });
  }
  return out;
}

export function closeSockets(s: NamespaceSockets): Promise<void> {
  return Promise.all([
    ...[...s.tcp.values()].map((t) => new Promise<void>((r) => t.close(() => r()))),
    ...[...s.udp.values()].map((u) => new Promise<void>((r) => { try { u.close(() => r()); } catch { r(); } })),
  ]).then(() => undefined);
}
