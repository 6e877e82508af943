// kubectl port-forward's connections are bounded per session: at most MAX_PAIRS open at once (the next is refused
// with RST_STREAM REFUSED_STREAM), and a connection's pair is dropped when it ends, so a long session does not grow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import zlib from 'node:zlib';
import type { WebSocket } from 'ws';
import { DICTIONARY, encodeHeaders } from './spdy.js';
import { MAX_PAIRS, servePortForward } from './portforward.js';

/** A client side: SYN_STREAM and RST_STREAM frames, header blocks from one shared zlib context as SPDY/3 wants. */
function client() {
  const deflate = zlib.createDeflate({ dictionary: DICTIONARY });
  const block = (h: Record<string, string>) => new Promise<Buffer>((resolve) => {
    const chunks: Buffer[] = [];
    const onData = (c: Buffer) => chunks.push(c);
    deflate.on('data', onData);
    deflate.write(encodeHeaders(h));
    deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => { deflate.off('data', onData); resolve(Buffer.concat(chunks)); });
  });
  const control = (type: number, payload: Buffer) => {
    const h = Buffer.alloc(8);
    h.writeUInt16BE(0x8003, 0);
    h.writeUInt16BE(type, 2);
    h.writeUInt32BE(payload.length, 4);
    return Buffer.concat([h, payload]);
  };
  return {
    syn: async (id: number, h: Record<string, string>) => { const p = Buffer.alloc(10); p.writeUInt32BE(id); return control(1, Buffer.concat([p, await block(h)])); },
    rst: (id: number) => { const p = Buffer.alloc(8); p.writeUInt32BE(id); p.writeUInt32BE(5, 4); return control(3, p); },
    close: () => deflate.close(),
  };
}

/** What the server wrote: SYN_REPLY and RST_STREAM (with status) per stream id. */
function frames(written: Buffer[]): { replies: number[]; resets: [number, number][] } {
  const replies: number[] = [];
  const resets: [number, number][] = [];
  for (const f of written) {
    if ((f[0] & 0x80) === 0) continue;
    const type = f.readUInt16BE(2);
    if (type === 2) replies.push(f.readUInt32BE(8) & 0x7fffffff);
    if (type === 3) resets.push([f.readUInt32BE(8) & 0x7fffffff, f.readUInt32BE(12)]);
  }
  return { replies, resets };
}

test(`port-forward: ${MAX_PAIRS} connections at once, the next refused; one that ends makes room again`, async () => {
  const written: Buffer[] = [];
  const ws = Object.assign(new EventEmitter(), { OPEN: 1, readyState: 1, send: (b: Buffer) => written.push(b), close: () => undefined });
  servePortForward(ws as unknown as WebSocket, { name: 'p', uid: 'u' }, () => undefined);
  const c = client();
  const send = (b: Buffer) => ws.emit('message', b, true);
  const settle = () => new Promise((r) => setTimeout(r, 50));
  // kubectl opens the error stream of each connection first (odd ids, as a client's are).
  for (let i = 0; i < MAX_PAIRS + 1; i++) send(await c.syn(2 * i + 1, { streamtype: 'error', port: '80', requestid: String(i) }));
  await settle();
  const full = frames(written);
  assert.equal(full.replies.length, MAX_PAIRS);
  assert.deepEqual(full.resets, [[2 * MAX_PAIRS + 1, 3]]);
  // Connection 0 ends (kubectl resets its stream): another connection is accepted.
  send(c.rst(1));
  send(await c.syn(5001, { streamtype: 'error', port: '80', requestid: 'later' }));
  await settle();
  assert.deepEqual(frames(written).replies.slice(-1), [5001]);
  c.close();
  ws.emit('close');
});
