// kubectl port-forward: the portforward.k8s.io protocol over SPDY (tunnelled in a WebSocket). For each connection
// kubectl opens two streams with the same requestID — `error` and `data` — naming the pod port; the lab answers with
// the bytes of the pod's own server for that port (its virtual pod on loopback), as kubelet connects to localhost
// inside the pod's network namespace: no Service, no NetworkPolicy on the way. A port nothing listens on gets
// kubelet's error on the error stream.
import net from 'node:net';
import type { WebSocket } from 'ws';
import { SpdyServer } from './spdy.js';

export const PORT_FORWARD_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';

interface Pair { request: string; error?: number; data?: number; socket?: net.Socket; pending?: { data: Buffer; fin: boolean }[]; pendingBytes: number }

/** Connections one port-forward session may hold open at once; more are refused (RST_STREAM REFUSED_STREAM). */
export const MAX_PAIRS = 1024;
/** Bytes kubectl may send on a data stream before its connection to the pod is open; more resets the stream. */
export const MAX_PENDING_BYTES = 1 << 20;

export function servePortForward(ws: WebSocket, pod: { name: string; uid: string }, addressOf: (port: number) => { host: string; port: number } | undefined): void {
  const pairs = new Map<string, Pair>();
  const byStream = new Map<number, string>();
  const spdy = new SpdyServer((b) => { if (ws.readyState === ws.OPEN) ws.send(b); }, {
    stream: (s) => {
      const request = s.headers.requestid ?? '';
      if (!pairs.has(request) && pairs.size >= MAX_PAIRS) { spdy.resetStream(s.id, 3 /* REFUSED_STREAM */); return; }
      const pair = pairs.get(request) ?? { request, pendingBytes: 0 };
      pairs.set(request, pair);
      byStream.set(s.id, request);
      if (s.headers.streamtype === 'error') { pair.error = s.id; void spdy.reply(s.id); return; }
      if (s.headers.streamtype !== 'data') { spdy.resetStream(s.id, 1 /* PROTOCOL_ERROR */); return; }
      pair.data = s.id;
      // Nothing goes on a stream before its SYN_REPLY (the reply waits for the shared header compressor).
      void spdy.reply(s.id).then(() => open(s, pair));
    },
    data: (id, data, fin) => {
      const pair = pairs.get(byStream.get(id) ?? '');
      if (!pair || id !== pair.data) return;
      if (!pair.socket) {
        pair.pendingBytes += data.length;
        if (pair.pendingBytes > MAX_PENDING_BYTES) { spdy.resetStream(id, 1 /* PROTOCOL_ERROR */); forget(pair); return; }
        (pair.pending ??= []).push({ data, fin });
        return;
      }
      if (data.length) pair.socket.write(data);
      if (fin) pair.socket.end();
    },
    reset: (id) => { const pair = pairs.get(byStream.get(id) ?? ''); if (pair) { pair.socket?.destroy(); forget(pair); } },
    end: () => { for (const p of pairs.values()) p.socket?.destroy(); if (ws.readyState === ws.OPEN) ws.close(1000); },
  });
  /** A connection is done when its socket closes or a stream is reset: its pair and stream ids are dropped. */
  const forget = (pair: Pair) => {
    if (pairs.get(pair.request) === pair) pairs.delete(pair.request);
    for (const id of [pair.error, pair.data]) if (id !== undefined && byStream.get(id) === pair.request) byStream.delete(id);
    pair.pending = undefined;
  };
  const open = (s: { id: number; headers: Record<string, string> }, pair: Pair) => {
    if (pairs.get(pair.request) !== pair) return; // reset before its reply went out
    const port = Number(s.headers.port);
    const fail = (why: string) => {
      const msg = `error forwarding port ${s.headers.port} to pod ${pod.name}, uid ${pod.uid}: ${why}`;
      if (pair.error !== undefined) spdy.send(pair.error, Buffer.from(msg), true);
      spdy.send(s.id, Buffer.alloc(0), true);
      forget(pair);
    };
    const target = Number.isInteger(port) && port > 0 && port < 65536 ? addressOf(port) : undefined;
    if (!target) { fail(`failed to connect to localhost:${s.headers.port} inside the pod: nothing listens on that port in the lab`); return; }
    const sock = net.connect(target.port, target.host);
    pair.socket = sock;
    for (const p of pair.pending ?? []) { if (p.data.length) sock.write(p.data); if (p.fin) sock.end(); }
    pair.pending = undefined;
    sock.on('data', (d: Buffer) => spdy.send(s.id, d));
    sock.on('end', () => { spdy.send(s.id, Buffer.alloc(0), true); if (pair.error !== undefined) spdy.send(pair.error, Buffer.alloc(0), true); });
    sock.on('error', (e) => fail(`${(e as NodeJS.ErrnoException).code ?? e.message}`));
    sock.on('close', () => forget(pair));
  };
  ws.on('message', (raw: Buffer, isBinary: boolean) => { if (isBinary) spdy.receive(Buffer.isBuffer(raw) ? raw : Buffer.from(raw as ArrayBuffer)); });
  ws.on('close', () => spdy.close());
  ws.on('error', () => spdy.close());
}
