// The edge proxy's cleartext HTTP/1.1 server (the http port; HTTPS stays on node:http2 with HTTP/1.1 fallback).
// Requests are parsed by Node's own parser (llhttp, as node:http does), each answer is written as one head+body write,
// and the per-request objects are small. What the proxy relies on of node:http's server is kept: keep-alive (HTTP/1.1
// by default, HTTP/1.0 on request) with `Keep-Alive: timeout=N`, pipelined answers in order, 100-continue and 417,
// 400 without Host on HTTP/1.1, 400 / 431 / 413 for requests the parser refuses, 408 when headers (60 s) or the whole
// request (300 s) do not arrive in time, idle keep-alive connections closed after keepAliveTimeout, CONNECT and PRI
// closed, request bodies as a stream with backpressure, half-closed clients still answered.
import { STATUS_CODES } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { HTTPParser, SocketReader, methodName, type NodeHTTPParser } from './llhttp.js';

export const leanServerAvailable = HTTPParser !== undefined && methodName(1) === 'GET' && methodName(2) === 'HEAD';

export interface H1ServerOptions {
  keepAliveTimeout: number;
  headersTimeout?: number;
  requestTimeout?: number;
}

type HeaderValue = string | number | readonly string[];

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const CONTINUE = /(?:^|\W)100-continue(?:$|\W)/i;
// node:http keeps the first of these when a request repeats them (IncomingMessage#_addHeaderLine); others are joined.
const SINGLE = new Set(['age', 'host', 'from', 'etag', 'server', 'referer', 'expires', 'location', 'user-agent', 'retry-after', 'content-type', 'max-forwards', 'authorization', 'last-modified', 'content-length', 'if-modified-since', 'proxy-authorization', 'if-unmodified-since']);
const CLIENT_ERRORS: Record<string, string> = {
  HPE_HEADER_OVERFLOW: `HTTP/1.1 431 ${STATUS_CODES[431]}\r\nConnection: close\r\n\r\n`,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: `HTTP/1.1 413 ${STATUS_CODES[413]}\r\nConnection: close\r\n\r\n`,
  TIMEOUT: `HTTP/1.1 408 ${STATUS_CODES[408]}\r\nConnection: close\r\n\r\n`,
};
/** Hop-by-hop headers (RFC 9110 7.6.1 and the ones proxies drop by custom): never relayed. */
export const HOP_BY_HOP: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);
const BAD_REQUEST = `HTTP/1.1 400 ${STATUS_CODES[400]}\r\nConnection: close\r\n\r\n`;
/** Bodies up to this size go out in the same write() as the head (as a latin1 string: one syscall, no writev). */
const SMALL_BODY = 16 * 1024;
const HIGH_WATER = 64 * 1024;
/** Pipelined requests past this many unanswered ones stop the reading until the answers catch up. */
const MAX_PIPELINED = 32;

let dateText = '';
let dateNext = 0;
function utcDate(): string {
  const now = Date.now();
  if (now >= dateNext) {
    dateText = new Date(now).toUTCString();
    dateNext = now - (now % 1000) + 1000;
  }
  return dateText;
}

function headerError(message: string, code: string): Error {
  return Object.assign(new TypeError(message), { code });
}

/** The request as the proxy reads it (the part of IncomingMessage it uses). */
export class H1Request {
  /** The request body (present when the request has one: Content-Length > 0 or Transfer-Encoding). */
  body: Readable | null = null;
  constructor(
    readonly method: string,
    readonly url: string,
    readonly headers: Record<string, string>,
    readonly socket: Socket,
    readonly httpVersion: string,
    /** The client's address (the connection's, looked up once). */
    readonly clientIP: string,
  ) {}
}

type Listener = () => void;

/** The answer to one request (the part of ServerResponse the proxy uses: writeHead, write, end, drain/close). */
export class H1Response {
  headersSent = false;
  finished = false;
  /** @internal */ out: (string | Buffer)[] | null = null;
  /** @internal */ keepAlive: boolean;
  private outSize = 0;
  private status = 200;
  private block = '';
  private hasLength = false;
  private hasDate = false;
  private teChunked = false;
  /** @internal Bytes of it went out (or wait for their turn). */ started = false;
  private chunked = false;
  private drainListeners: Listener[] | null = null;
  private closeListeners: Listener[] | null = null;

  constructor(private readonly conn: H1Conn, readonly req: H1Request, private readonly isHead: boolean, keepAlive: boolean) {
    this.keepAlive = keepAlive;
  }

  /** Status and headers; validated here (a bad name or value throws, as node:http does, and nothing is sent). */
  writeHead(status: number, headers?: Record<string, HeaderValue | undefined | null>): this {
    if (this.headersSent) throw headerError('Cannot write headers after they are sent to the client', 'ERR_HTTP_HEADERS_SENT');
    if (!Number.isInteger(status) || status < 100 || status > 999) throw new RangeError(`Invalid status code: ${status}`);
    let block = '';
    let hasLength = false;
    let hasDate = false;
    let te = false;
    if (headers) {
      for (const k in headers) {
        const v = headers[k];
        if (v === undefined || v === null) continue;
        if (!TOKEN.test(k)) throw headerError(`Header name must be a valid HTTP token ["${k}"]`, 'ERR_INVALID_HTTP_TOKEN');
        const n = k.length;
        if (n === 4 || n === 10 || n === 14 || n === 17) {
          const lower = k.toLowerCase();
          if (lower === 'date') hasDate = true;
          else if (lower === 'content-length') hasLength = true;
          else if (lower === 'connection') { if (/\bclose\b/i.test(String(v))) this.keepAlive = false; continue; }
          else if (lower === 'transfer-encoding') { te = true; continue; }
        }
        if (typeof v === 'object') {
          for (const one of v) {
            if (INVALID_VALUE.test(one)) throw headerError(`Invalid character in header content ["${k}"]`, 'ERR_INVALID_CHAR');
            block += `${k}: ${one}\r\n`;
          }
        } else {
          const s = typeof v === 'string' ? v : String(v);
          if (INVALID_VALUE.test(s)) throw headerError(`Invalid character in header content ["${k}"]`, 'ERR_INVALID_CHAR');
          block += `${k}: ${s}\r\n`;
        }
      }
    }
    this.status = status;
    this.block = block;
    this.hasLength = hasLength;
    this.hasDate = hasDate;
    this.teChunked = te;
    this.headersSent = true;
    return this;
  }

  /**
   * The head of an answer relayed from upstream, from its headers as llhttp parsed them (valid names and values, not
   * checked again; names as the upstream spelled them, as nginx relays them): hop-by-hop ones left out, and the
   * upstream's Content-Length kept only when `keepLength` (a HEAD answer, or a body relayed as it comes) — otherwise
   * the length of what end() sends is used.
   */
  writeHeadRelayed(status: number, raw: readonly string[], keepLength: boolean): this {
    if (this.headersSent) throw headerError('Cannot write headers after they are sent to the client', 'ERR_HTTP_HEADERS_SENT');
    let block = '';
    let hasLength = false;
    let hasDate = false;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const k = raw[i];
      const n = k.length;
      // Only names of these lengths can be hop-by-hop (te, upgrade, trailer, connection, keep-alive, proxy-connection,
      // transfer-encoding), Date or Content-Length: the others are not lower-cased to be looked at.
      if (n === 2 || n === 4 || n === 7 || n === 10 || n === 14 || n === 16 || n === 17) {
        const lower = k.toLowerCase();
        if (HOP_BY_HOP.has(lower)) continue;
        if (lower === 'content-length') { if (!keepLength) continue; hasLength = true; }
        else if (lower === 'date') hasDate = true;
      }
      block += `${k}: ${raw[i + 1]}\r\n`;
    }
    this.status = status;
    this.block = block;
    this.hasLength = hasLength;
    this.hasDate = hasDate;
    this.headersSent = true;
    return this;
  }

  private noBody(): boolean {
    const s = this.status;
    return this.isHead || s === 204 || s === 304 || s < 200;
  }

  /** The head; `length` is the whole body's size when end() knows it (-1 while streaming). */
  private head(length: number): string {
    let h = `HTTP/1.1 ${this.status} ${STATUS_CODES[this.status] ?? 'unknown'}\r\n${this.block}`;
    if (!this.noBody() && !this.hasLength) {
      if (length >= 0 && !this.teChunked) h += `Content-Length: ${length}\r\n`;
      else if (this.req.httpVersion === '1.0') this.keepAlive = false; // the close ends the body
      else { h += 'Transfer-Encoding: chunked\r\n'; this.chunked = true; }
    }
    if (!this.hasDate) h += `Date: ${utcDate()}\r\n`;
    if (this.keepAlive && !this.conn.closing) h += this.conn.keepAliveHeader;
    else { this.keepAlive = false; h += 'Connection: close\r\n'; }
    return `${h}\r\n`;
  }

  write(chunk: Buffer | string): boolean {
    if (this.finished) return false;
    if (!this.headersSent) this.writeHead(this.status);
    if (!this.started) {
      this.started = true;
      this.emit(this.head(-1));
    }
    if (this.noBody()) return true;
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (b.length === 0) return true;
    if (!this.chunked) return this.emit(b);
    this.emit(`${b.length.toString(16)}\r\n`);
    this.emit(b);
    return this.emit('\r\n');
  }

  end(chunk?: Buffer | string): this {
    if (this.finished) return this;
    if (!this.headersSent) this.writeHead(this.status);
    const body = chunk === undefined ? undefined : typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (this.started) {
      if (body !== undefined) this.write(body);
      if (this.chunked) this.emit('0\r\n\r\n');
    } else {
      this.started = true;
      const n = body?.length ?? 0;
      const head = this.head(n);
      if (this.noBody() || n === 0) this.emit(this.chunked ? `${head}0\r\n\r\n` : head);
      else if (this.chunked) this.emit(`${head}${n.toString(16)}\r\n${body!.toString('latin1', 0, n)}\r\n0\r\n\r\n`);
      else if (n <= SMALL_BODY) this.emit(head + body!.toString('latin1', 0, n));
      else { this.emit(head); this.emit(body!); }
    }
    this.finished = true;
    this.conn.finished(this);
    return this;
  }

  /** Writes now when it is this answer's turn on the connection; otherwise keeps it until then. */
  private emit(data: string | Buffer): boolean {
    if (this.conn.isActive(this)) return this.conn.socket.write(data, 'latin1');
    (this.out ??= []).push(data);
    this.outSize += data.length;
    return this.outSize < HIGH_WATER;
  }

  destroy(): void {
    this.conn.socket.destroy();
  }

  once(event: 'drain' | 'close', fn: Listener): this {
    if (event === 'drain') (this.drainListeners ??= []).push(fn);
    else (this.closeListeners ??= []).push(fn);
    return this;
  }

  off(event: 'drain' | 'close', fn: Listener): this {
    const list = event === 'drain' ? this.drainListeners : this.closeListeners;
    const i = list ? list.indexOf(fn) : -1;
    if (i >= 0) list!.splice(i, 1);
    return this;
  }

  /** @internal */
  emitEvent(event: 'drain' | 'close'): void {
    const list = event === 'drain' ? this.drainListeners : this.closeListeners;
    if (!list || list.length === 0) return;
    if (event === 'drain') this.drainListeners = null;
    else this.closeListeners = null;
    for (const fn of list) fn();
  }

  /** @internal */
  waitsForDrain(): boolean {
    return this.drainListeners !== null && this.drainListeners.length > 0;
  }
}

function freeParser(parser: NodeHTTPParser, consumed: boolean): void {
  if (consumed) parser.unconsume?.();
  parser.close();
}

/** One client connection: its parser and the answers it waits for, in request order. */
class H1Conn {
  private readonly parser: NodeHTTPParser;
  private readonly reader: SocketReader;
  private readonly queue: H1Response[] = [];
  private current: H1Request | null = null;
  private extraHeaders: string[] = [];
  private extraUrl = '';
  private parserClosed = false;
  private pausedForQueue = false;
  /** A request with Upgrade stops llhttp after it; the bytes after it are parsed again (see onData). */
  private sawUpgrade = false;
  dead = false;
  /** The connection is ending (FIN sent or about to be): nothing more is written. */
  private ended = false;
  /** No more requests are read (a request without keep-alive, or the client half-closed). */
  closing = false;
  /** When the request being received began (0: none), and whether its headers are complete. */
  msgStart = 0;
  headersDone = false;
  lastActive = Date.now();
  readonly keepAliveHeader: string;
  readonly clientIP: string;

  constructor(readonly socket: Socket, private readonly server: H1Server) {
    this.keepAliveHeader = server.keepAliveHeader;
    this.clientIP = socket.remoteAddress ?? '127.0.0.1';
    socket.setNoDelay(true);
    const P = HTTPParser!;
    const p = (this.parser = new P());
    p.initialize(P.REQUEST, {}, 0, 0);
    p[P.kOnMessageBegin] = () => { this.msgStart = Date.now(); this.headersDone = false; };
    p[P.kOnHeaders] = (headers: string[], url: string) => { for (let i = 0; i < headers.length; i++) this.extraHeaders.push(headers[i]); this.extraUrl += url; };
    p[P.kOnHeadersComplete] = (_maj: number, minor: number, headers: string[] | undefined, method: number, url: string | undefined, _s: unknown, _m: unknown, upgrade: boolean, keepAlive: boolean): number => {
      if (upgrade) this.sawUpgrade = true;
      return this.onHead(minor, headers, method, url, keepAlive);
    };
    p[P.kOnBody] = (b: Buffer) => {
      const body = this.current?.body;
      if (body && !body.destroyed && !body.push(b)) this.reader.pause();
    };
    p[P.kOnMessageComplete] = () => {
      const req = this.current;
      this.current = null;
      this.msgStart = 0;
      if (req?.body && !req.body.destroyed) req.body.push(null);
    };
    this.reader = new SocketReader(socket, p, (r) => this.onExecute(r), (d) => this.onData(d));
    socket.on('end', () => this.onEnd());
    socket.on('drain', () => { const r = this.queue[0]; if (r) r.emitEvent('drain'); });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.onClose());
  }

  private onData(d: Buffer): void {
    if (this.dead) return;
    let r = this.parser.execute(d);
    // A request with Upgrade (not upgraded: the proxy has no upgrade handler, as node:http without 'upgrade'
    // listeners) stops the parser after it; the bytes after it are the next requests.
    while (typeof r === 'number' && r > 0 && r < d.length && !this.dead && !this.closing) {
      d = d.subarray(r);
      r = this.parser.execute(d);
    }
    if (r instanceof Error && !this.dead) this.clientError((r as { code?: string }).code ?? '');
  }

  /** The parser read the socket itself (consumed): its result. */
  private onExecute(r: number | Error): void {
    if (this.dead) return;
    if (r instanceof Error) { this.clientError((r as { code?: string }).code ?? ''); return; }
    if (this.sawUpgrade) {
      this.sawUpgrade = false;
      const buf = this.parser.getCurrentBuffer?.();
      if (buf && r < buf.length && !this.closing) this.onData(buf.subarray(r));
    }
  }

  private onHead(minor: number, headers: string[] | undefined, methodNum: number, url: string | undefined, keepAlive: boolean): number {
    if (headers === undefined) { headers = this.extraHeaders; this.extraHeaders = []; }
    if (url === undefined) { url = this.extraUrl; this.extraUrl = ''; }
    this.headersDone = true;
    if (this.closing || this.dead) { this.reader.pause(); return 1; } // after a request without keep-alive: not read
    const method = methodName(methodNum);
    // CONNECT and PRI: node:http closes the connection when nothing handles them; so does the proxy.
    if (method === undefined || method === 'CONNECT' || method === 'PRI') { this.socket.destroy(); this.dead = true; return 1; }
    const h: Record<string, string> = {};
    for (let i = 0; i + 1 < headers.length; i += 2) {
      const k = headers[i].toLowerCase();
      const v = headers[i + 1];
      const prev = h[k];
      if (prev === undefined) h[k] = v;
      else if (k === 'cookie') h[k] = `${prev}; ${v}`;
      else if (!SINGLE.has(k)) h[k] = `${prev}, ${v}`;
    }
    const req = new H1Request(method, url, h, this.socket, minor === 0 ? '1.0' : '1.1', this.clientIP);
    if (!keepAlive) this.closing = true;
    const res = new H1Response(this, req, method === 'HEAD', keepAlive);
    this.queue.push(res);
    if (this.queue.length > MAX_PIPELINED && !this.pausedForQueue) { this.pausedForQueue = true; this.reader.pause(); }
    const cl = h['content-length'];
    if (h['transfer-encoding'] !== undefined || (cl !== undefined && cl !== '0')) {
      req.body = new Readable({ read: () => { if (!this.pausedForQueue) this.reader.resume(); } });
      // A client that goes away mid-body destroys the stream with an error; whoever reads the body sees it through
      // its own listener, and a body nobody reads (a 404, a redirect) must not turn it into an uncaught exception
      // (node:http's IncomingMessage does not either).
      req.body.on('error', () => undefined);
      this.current = req;
    }
    if (minor === 1) {
      if (h['host'] === undefined) { this.closing = true; res.writeHead(400, { connection: 'close' }); res.end(); return 0; }
      const expect = h['expect'];
      if (expect !== undefined) {
        if (!CONTINUE.test(expect)) { res.writeHead(417); res.end(); return 0; }
        if (this.isActive(res)) this.socket.write('HTTP/1.1 100 Continue\r\n\r\n');
      }
    }
    try {
      this.server.handler(req, res);
    } catch {
      // A handler that throws loses its connection, not the server.
      if (!res.finished) this.socket.destroy();
    }
    return 0;
  }

  isActive(res: H1Response): boolean {
    return this.queue[0] === res && !this.dead && !this.ended;
  }

  /** An answer ended: when it is the connection's current one, it is done, and the next one (if any) goes out. */
  finished(res: H1Response): void {
    if (this.queue[0] !== res) return;
    for (;;) {
      const done = this.queue.shift()!;
      const body = done.req.body;
      if (body && !body.readableEnded && !body.destroyed) body.resume(); // unread request body: drained, not kept
      this.lastActive = Date.now();
      if (!done.keepAlive) { this.closing = true; this.endSoon(); return; }
      if (this.pausedForQueue && this.queue.length <= MAX_PIPELINED / 2) { this.pausedForQueue = false; this.reader.resume(); }
      const next = this.queue[0];
      if (next === undefined) { if (this.closing) this.endSoon(); return; }
      if (this.dead) return;
      const out = next.out;
      if (out) {
        next.out = null;
        this.socket.cork();
        for (const o of out) this.socket.write(o, 'latin1');
        this.socket.uncork();
      }
      if (!next.finished) {
        if (next.waitsForDrain() && !this.socket.writableNeedDrain) next.emitEvent('drain');
        return;
      }
    }
  }

  /** FIN after what was written, then the socket goes (as node:http's destroySoon). */
  private endSoon(): void {
    if (this.ended) return;
    this.ended = true;
    const socket = this.socket;
    if (this.dead || socket.destroyed) return;
    socket.end();
    if (socket.writableFinished) socket.destroy();
    else socket.once('finish', () => socket.destroy());
  }

  private onEnd(): void {
    // The client half-closed: what it sent is answered, then the connection closes.
    if (this.msgStart !== 0 && !this.dead) {
      const r = this.parser.finish();
      if (r instanceof Error) { this.clientError((r as { code?: string }).code ?? ''); return; }
    }
    this.closing = true;
    if (this.queue.length === 0) this.endSoon();
  }

  /** A request the parser refused or that took too long: node:http's canned answer (unless one is under way), then close. */
  clientError(code: string): void {
    if (this.dead) return;
    // After a request without keep-alive nothing more is read: what follows it is not parsed for errors either.
    if (this.closing && code !== 'TIMEOUT') { this.reader.pause(); return; }
    const active = this.queue[0];
    if (!active || !active.started) {
      if (this.socket.writable) this.socket.write(CLIENT_ERRORS[code] ?? BAD_REQUEST);
    }
    this.dead = true;
    this.socket.destroy();
  }

  private onClose(): void {
    this.dead = true;
    this.server.forget(this);
    this.closeParser();
    const req = this.current;
    this.current = null;
    if (req?.body && !req.body.readableEnded) req.body.destroy(new Error('client closed the connection'));
    const pending = this.queue.splice(0);
    for (const r of pending) r.emitEvent('close');
  }

  /** Frees the parser, on a later turn (never from inside one of its callbacks), as node:http does. */
  private closeParser(): void {
    if (this.parserClosed) return;
    this.parserClosed = true;
    setImmediate(freeParser, this.parser, this.reader.consumed);
  }

  /** Every second: headers / request timeouts, idle keep-alive connections. */
  sweep(now: number, o: Required<H1ServerOptions>): void {
    if (this.dead) return;
    if (this.msgStart !== 0) {
      if ((!this.headersDone && now - this.msgStart > o.headersTimeout) || now - this.msgStart > o.requestTimeout) this.clientError('TIMEOUT');
    } else if (this.queue.length === 0 && now - this.lastActive > o.keepAliveTimeout + 1000) {
      this.dead = true;
      this.socket.destroy();
    }
  }
}

/** The server: a net.Server whose connections are H1Conns. */
export class H1Server {
  readonly net: Server;
  readonly keepAliveHeader: string;
  private readonly conns = new Set<H1Conn>();
  private readonly opts: Required<H1ServerOptions>;
  private sweeper?: NodeJS.Timeout;

  constructor(readonly handler: (req: H1Request, res: H1Response) => void, opts: H1ServerOptions) {
    this.opts = { headersTimeout: 60_000, requestTimeout: 300_000, ...opts };
    this.keepAliveHeader = `Connection: keep-alive\r\nKeep-Alive: timeout=${Math.floor(opts.keepAliveTimeout / 1000)}\r\n`;
    this.net = createServer({ allowHalfOpen: true }, (socket) => {
      this.conns.add(new H1Conn(socket, this));
      if (!this.sweeper) {
        this.sweeper = setInterval(() => this.sweep(), 1000);
        this.sweeper.unref();
      }
    });
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.net.once('error', reject);
      this.net.listen(port, host, () => {
        this.net.off('error', reject);
        resolve((this.net.address() as AddressInfo).port);
      });
    });
  }

  /** @internal */
  forget(c: H1Conn): void {
    this.conns.delete(c);
  }

  private sweep(): void {
    const now = Date.now();
    for (const c of this.conns) c.sweep(now, this.opts);
  }

  /** Stops listening and closes every connection. */
  close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    for (const c of this.conns) c.socket.destroy();
    return new Promise((resolve) => this.net.close(() => resolve()));
  }
}
