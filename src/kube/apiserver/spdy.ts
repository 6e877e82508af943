// The server side of SPDY/3 as kubectl port-forward speaks it (moby/spdystream, tunnelled in WebSocket binary
// messages since kubectl 1.30: subprotocol `SPDY/3.1+portforward.k8s.io`): frames of the SPDY/3 draft — SYN_STREAM
// and SYN_REPLY with zlib-compressed name/value blocks (one compression context per direction, primed with the
// draft's dictionary), DATA with FIN, RST_STREAM, PING (echoed), GOAWAY; SETTINGS and WINDOW_UPDATE are read and
// ignored, as spdystream does (it keeps no flow-control window). Bounded: a frame over 16 MiB ends the connection.
import zlib from 'node:zlib';

const NAMES = ['options', 'head', 'post', 'put', 'delete', 'trace', 'accept', 'accept-charset', 'accept-encoding', 'accept-language', 'accept-ranges', 'age', 'allow', 'authorization', 'cache-control', 'connection', 'content-base', 'content-encoding', 'content-language', 'content-length', 'content-location', 'content-md5', 'content-range', 'content-type', 'date', 'etag', 'expect', 'expires', 'from', 'host', 'if-match', 'if-modified-since', 'if-none-match', 'if-range', 'if-unmodified-since', 'last-modified', 'location', 'max-forwards', 'pragma', 'proxy-authenticate', 'proxy-authorization', 'range', 'referer', 'retry-after', 'server', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'user-agent', 'vary', 'via', 'warning', 'www-authenticate', 'method', 'get', 'status', '200 OK', 'version', 'HTTP/1.1', 'url', 'public', 'set-cookie', 'keep-alive', 'origin'];
const TAIL = '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service UnavailableJan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMTchunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.';

/** The SPDY/3 header dictionary (draft-mbelshe-httpbis-spdy-00 §2.6.10.1): each name length-prefixed, then the tail. */
export const DICTIONARY = Buffer.concat([...NAMES.map((n) => { const b = Buffer.alloc(4 + n.length); b.writeUInt32BE(n.length); b.write(n, 4, 'latin1'); return b; }), Buffer.from(TAIL, 'latin1')]);

const SYN_STREAM = 1, SYN_REPLY = 2, RST_STREAM = 3, PING = 6, GOAWAY = 7;
const FIN = 1;
const MAX_FRAME = 16 * 1024 * 1024;
// A header block inflates to at most this: a small compressed block must not expand without bound.
const MAX_HEADER_BLOCK = 1024 * 1024;

export interface SpdyStream { id: number; headers: Record<string, string> }

export interface SpdyHandlers {
  stream(s: SpdyStream): void;
  data(id: number, data: Buffer, fin: boolean): void;
  reset(id: number): void;
  end(reason?: string): void;
}

/** A zlib stream kept across header blocks, each block flushed with Z_SYNC_FLUSH. */
class HeaderCodec {
  private readonly stream: zlib.Inflate | zlib.Deflate;
  private queue: Promise<unknown> = Promise.resolve();
  constructor(kind: 'inflate' | 'deflate') {
    this.stream = kind === 'inflate' ? zlib.createInflate({ dictionary: DICTIONARY }) : zlib.createDeflate({ dictionary: DICTIONARY, level: 9 });
  }
  /** Compressed or decompressed bytes of one block, in order with the blocks before it. */
  run(input: Buffer): Promise<Buffer> {
    const next = this.queue.then(() => new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const onData = (c: Buffer) => {
        size += c.length;
        if (size > MAX_HEADER_BLOCK) { this.stream.off('data', onData); this.stream.pause(); reject(new Error('header block too large')); } else chunks.push(c);
      };
      const onError = (e: Error) => { this.stream.off('data', onData); reject(e); };
      this.stream.on('data', onData);
      this.stream.once('error', onError);
      this.stream.write(input);
      this.stream.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        this.stream.off('data', onData);
        this.stream.off('error', onError);
        resolve(Buffer.concat(chunks));
      });
    }));
    this.queue = next.catch(() => undefined);
    return next;
  }
  close(): void { this.stream.close(); }
}

export function encodeHeaders(h: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  const n = Buffer.alloc(4);
  n.writeUInt32BE(Object.keys(h).length);
  parts.push(n);
  for (const [k, v] of Object.entries(h)) {
    for (const s of [k.toLowerCase(), v]) { const len = Buffer.alloc(4); len.writeUInt32BE(Buffer.byteLength(s)); parts.push(len, Buffer.from(s)); }
  }
  return Buffer.concat(parts);
}

export function decodeHeaders(b: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  const read = () => { const len = b.readUInt32BE(at); at += 4; if (at + len > b.length) throw new Error('header block overruns'); const s = b.subarray(at, at + len).toString('utf8'); at += len; return s; };
  const count = b.readUInt32BE(0);
  at = 4;
  if (count > 1000) throw new Error('too many headers');
  for (let i = 0; i < count; i++) { const k = read().toLowerCase(); out[k] = read(); }
  return out;
}

function control(type: number, flags: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(0x8000 | 3, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt32BE((flags << 24) | payload.length, 4);
  return Buffer.concat([h, payload]);
}

/** A SPDY/3 server session over any byte transport. */
export class SpdyServer {
  private buf: Buffer = Buffer.alloc(0);
  private readonly inflate = new HeaderCodec('inflate');
  private readonly deflate = new HeaderCodec('deflate');
  private work: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly write: (b: Buffer) => void, private readonly on: SpdyHandlers) {}

  /** Bytes from the client. */
  receive(chunk: Buffer): void {
    if (this.closed) return;
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    while (this.buf.length >= 8) {
      const len = this.buf.readUInt32BE(4) & 0xffffff;
      if (len > MAX_FRAME) { this.fail('frame too large'); return; }
      if (this.buf.length < 8 + len) break;
      const frame = this.buf.subarray(0, 8 + len);
      this.buf = this.buf.subarray(8 + len);
      // Frames are handled in order, header blocks needing the (asynchronous) shared zlib context.
      this.work = this.work.then(() => this.frame(frame)).catch((e) => this.fail((e as Error).message));
    }
  }

  private async frame(f: Buffer): Promise<void> {
    if (this.closed) return;
    const flags = f[4];
    const payload = f.subarray(8);
    if ((f[0] & 0x80) === 0) { this.on.data(f.readUInt32BE(0) & 0x7fffffff, payload, (flags & FIN) !== 0); return; }
    const type = f.readUInt16BE(2);
    if (type === SYN_STREAM) {
      const id = payload.readUInt32BE(0) & 0x7fffffff;
      const headers = decodeHeaders(await this.inflate.run(payload.subarray(10)));
      this.on.stream({ id, headers });
      if (flags & FIN) this.on.data(id, Buffer.alloc(0), true);
    } else if (type === RST_STREAM) this.on.reset(payload.readUInt32BE(0) & 0x7fffffff);
    else if (type === PING) this.write(f);
    else if (type === GOAWAY) this.close();
    else if (type === SYN_REPLY) this.fail('a client does not reply to streams');
  }

  /** Accepts a stream the client opened. */
  async reply(id: number, headers: Record<string, string> = {}): Promise<void> {
    const block = await this.deflate.run(encodeHeaders(headers));
    const p = Buffer.alloc(4);
    p.writeUInt32BE(id);
    if (!this.closed) this.write(control(SYN_REPLY, 0, Buffer.concat([p, block])));
  }

  send(id: number, data: Buffer, fin = false): void {
    if (this.closed) return;
    let at = 0;
    do {
      const part = data.subarray(at, at + 0xffffff);
      at += part.length;
      const h = Buffer.alloc(8);
      h.writeUInt32BE(id & 0x7fffffff, 0);
      h.writeUInt32BE(((fin && at >= data.length ? FIN : 0) << 24) | part.length, 4);
      this.write(Buffer.concat([h, part]));
    } while (at < data.length);
  }

  resetStream(id: number, status = 5 /* CANCEL */): void {
    const p = Buffer.alloc(8);
    p.writeUInt32BE(id);
    p.writeUInt32BE(status, 4);
    if (!this.closed) this.write(control(RST_STREAM, 0, p));
  }

  private fail(reason: string): void {
    this.close(reason);
  }

  close(reason?: string): void {
    if (this.closed) return;
    const p = Buffer.alloc(8);
    this.write(control(GOAWAY, 0, p));
    this.closed = true;
    this.inflate.close();
    this.deflate.close();
    this.on.end(reason);
  }
}
