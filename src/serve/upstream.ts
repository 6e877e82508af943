// The edge proxy's upstream client for the hot path: keep-alive HTTP/1.1 connections per upstream address, each
// request written as one pre-serialized head (bodiless requests only — requests with a body go through undici), each
// response parsed by Node's own HTTP parser (llhttp, the one node:http uses; no parser of ours). Writes to upstreams
// are coalesced per event-loop turn (setImmediate): the requests a poll phase produced go out together, and unsolicited
// bytes or a FIN on an idle connection are seen before the connection is used again.
import { connect, type Socket } from 'node:net';
import { HTTPParser, SocketReader, type NodeHTTPParser } from './llhttp.js';

/** False where Node's parser is not reachable (then the proxy forwards everything through undici). */
export const upstreamClientAvailable = HTTPParser !== undefined;

export interface UpstreamOptions {
  connections: number;
  /** Idle keep-alive connections close after this (or the server's `Keep-Alive: timeout=N` less a second). */
  keepAliveTimeout: number;
  connectTimeout: number;
  /** From the request written to the response head. */
  headersTimeout: number;
  /** Between two reads of a response body. */
  bodyTimeout: number;
}

/** An error with a code the proxy maps to a status (`UND_ERR_*` like undici's, so both clients map alike). */
export function upstreamError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * One request to an upstream. The proxy subclasses it (the handler methods) and hands it to UpstreamPool.request.
 * Exactly one of onComplete / onError is called, once.
 */
export abstract class UpstreamExchange {
  /** @internal */ conn: Conn | null = null;
  /** @internal */ written = false;
  /** @internal */ retried = false;
  /** @internal */ finished = false;
  constructor(
    /** Request line and headers, ending in an empty line (latin1, as Node decoded them). */
    readonly head: string,
    /** HEAD: the response has no body (and the connection is not reused, as undici does). */
    readonly isHead: boolean,
    /** May be sent again once, on a new connection, when a reused one closed before any byte of the answer. */
    readonly retryable: boolean,
  ) {}
  abstract onHeaders(status: number, rawHeaders: string[]): void;
  /** false: stop reading the upstream until resume(). */
  abstract onData(chunk: Buffer): boolean;
  abstract onComplete(): void;
  abstract onError(err: Error): void;

  /** Reads on after onData returned false. */
  resume(): void {
    this.conn?.resumeReading();
  }
}

// Requests assigned to a connection, written at the end of the event-loop turn.
let writes: Conn[] = [];
let writesScheduled = false;
function flushWrites(): void {
  writesScheduled = false;
  const list = writes;
  writes = [];
  for (let i = 0; i < list.length; i++) list[i].flush();
}

function freeParser(parser: NodeHTTPParser, consumed: boolean): void {
  if (consumed) parser.unconsume?.();
  parser.close();
}

class Conn {
  readonly socket: Socket;
  private readonly parser: NodeHTTPParser;
  current: UpstreamExchange | null = null;
  private connected = false;
  private dead = false;
  /** Answered at least one request (a failure before any byte of the next one may be a keep-alive race). */
  private reused = false;
  private gotBytes = false;
  private headersDone = false;
  private informational = false;
  private keepAlive = true;
  private completed = false;
  private stray = false;
  private parserClosed = false;
  private readonly reader: SocketReader;
  private extraHeaders: string[] = [];
  private connectTimer?: NodeJS.Timeout;
  /** Keep-alive budget this server grants (ms). */
  private keepAliveMs: number;
  idleUntil = 0;
  writtenAt = 0;
  lastRead = 0;

  constructor(private readonly pool: UpstreamPool) {
    this.keepAliveMs = pool.opts.keepAliveTimeout;
    const s = (this.socket = connect({ host: pool.host, port: pool.port }));
    s.setNoDelay(true);
    const P = HTTPParser!;
    const p = (this.parser = new P());
    p.initialize(P.RESPONSE, {}, 0, 0);
    // A message that begins with no request waiting for it, or after the answer in the same read, is not an answer:
    // the connection closes (a desynchronised upstream must not answer the next request).
    p[P.kOnMessageBegin] = () => { if (this.current === null || this.completed) this.stray = true; else this.gotBytes = true; };
    p[P.kOnHeaders] = (headers: string[]) => { for (let i = 0; i < headers.length; i++) this.extraHeaders.push(headers[i]); };
    p[P.kOnHeadersComplete] = (_maj: number, _min: number, headers: string[] | undefined, _m: unknown, _u: unknown, status: number, _msg: string, upgrade: boolean, keepAlive: boolean): number =>
      this.onHead(headers, status, upgrade, keepAlive);
    p[P.kOnBody] = (b: Buffer) => this.onBody(b);
    p[P.kOnMessageComplete] = () => this.onMessageComplete();
    this.connectTimer = setTimeout(() => this.fail(upstreamError(`connect timeout (${pool.opts.connectTimeout} ms)`, 'UND_ERR_CONNECT_TIMEOUT')), pool.opts.connectTimeout);
    s.once('connect', () => {
      clearTimeout(this.connectTimer);
      this.connected = true;
    });
    this.reader = new SocketReader(s, p, (r) => this.afterExecute(r), (d) => this.afterExecute(this.parser.execute(d)));
    s.on('end', () => this.onEnd());
    s.on('error', (err) => this.fail(err));
    s.on('close', () => this.fail(upstreamError('upstream closed the connection', 'UND_ERR_SOCKET')));
  }

  assign(ex: UpstreamExchange): void {
    this.current = ex;
    ex.conn = this;
    ex.written = false;
    this.gotBytes = false;
    this.headersDone = false;
    this.completed = false;
    writes.push(this);
    if (!writesScheduled) {
      writesScheduled = true;
      setImmediate(flushWrites);
    }
  }

  /** Writes the assigned request (end of the turn it was assigned in). */
  flush(): void {
    const ex = this.current;
    if (!ex || ex.written || this.dead) return;
    ex.written = true;
    if (ex.isHead) this.keepAlive = false;
    this.writtenAt = Date.now();
    this.socket.write(ex.head, 'latin1');
  }

  /** After the parser went through what one read brought. */
  private afterExecute(r: number | Error): void {
    if (this.dead) return;
    this.lastRead = Date.now();
    if (this.completed && this.current !== null) {
      if (r instanceof Error) this.stray = true; // bytes after the answer that are no answer: close after it
      this.afterMessage();
    } else if (r instanceof Error) this.fail(upstreamError(`bad response from upstream: ${(r as { reason?: string }).reason ?? r.message}`, 'HPE_PARSE'));
    else if (this.stray || this.current === null) this.fail(upstreamError('unexpected bytes from upstream (no request waiting, an upgrade or a second answer)', 'UND_ERR_SOCKET'));
  }

  private onHead(headers: string[] | undefined, status: number, upgrade: boolean, keepAlive: boolean): number {
    const ex = this.current;
    if (ex === null || this.completed) { this.stray = true; return 1; }
    if (headers === undefined) { headers = this.extraHeaders; this.extraHeaders = []; }
    if (upgrade || status === 101) { this.stray = true; return 2; } // not asked for; afterMessage/fail closes
    if (status < 200) { this.informational = true; return 1; } // 1xx: the final answer follows
    this.headersDone = true;
    if (!keepAlive) this.keepAlive = false;
    for (let i = 0; i < headers.length; i += 2) {
      const k = headers[i];
      if (k.length === 10 && k.toLowerCase() === 'keep-alive') {
        const m = /timeout=(\d+)/i.exec(headers[i + 1]);
        if (m) this.keepAliveMs = Math.min(this.pool.opts.keepAliveTimeout, Number(m[1]) * 1000 - 1000);
      }
    }
    ex.onHeaders(status, headers);
    return ex.isHead || status === 204 || status === 304 ? 1 : 0;
  }

  private onBody(b: Buffer): void {
    const ex = this.current;
    if (ex === null || this.completed || this.stray) return;
    if (!ex.onData(b)) this.reader.pause();
  }

  private onMessageComplete(): void {
    if (this.informational) { this.informational = false; return; }
    if (this.current === null || this.completed) { this.stray = true; return; }
    this.completed = true;
  }

  /** After the parser saw a whole answer: hand it over, then reuse or close the connection. */
  private afterMessage(): void {
    const ex = this.current!;
    this.current = null;
    ex.conn = null;
    ex.finished = true;
    const reuse = this.keepAlive && !this.stray && !this.dead;
    if (!reuse) this.close();
    else {
      this.reused = true;
      this.idleUntil = Date.now() + this.keepAliveMs;
      this.pool.release(this);
    }
    ex.onComplete();
  }

  private onEnd(): void {
    if (this.current !== null && !this.completed) {
      const r = this.parser.finish(); // a body delimited by the close completes here
      if (!(r instanceof Error) && this.completed) { this.keepAlive = false; this.afterMessage(); return; }
    }
    this.fail(upstreamError('upstream closed the connection', 'UND_ERR_SOCKET'));
  }

  /** The connection is done for: its request (if any) fails, or goes to another connection when that is safe. */
  fail(err: Error): void {
    const ex = this.current;
    this.current = null;
    this.close();
    if (ex === null) return;
    ex.conn = null;
    // Not written yet on a live connection that died (FIN while idle), or a keep-alive race: another connection.
    const resend = this.connected && !ex.retried && (!ex.written || (this.reused && !this.gotBytes && ex.retryable));
    if (resend) {
      if (ex.written) ex.retried = true;
      this.pool.request(ex);
      return;
    }
    ex.finished = true;
    ex.onError(err);
  }

  /** Closes without failing anything (the caller took care of the request). */
  close(): void {
    if (this.dead) return;
    this.dead = true;
    clearTimeout(this.connectTimer);
    this.pool.forget(this);
    this.socket.destroy();
    if (!this.parserClosed) {
      // Freed on a later turn: this may run inside one of the parser's callbacks (as node:http, never free it there).
      this.parserClosed = true;
      setImmediate(freeParser, this.parser, this.reader.consumed);
    }
  }

  resumeReading(): void {
    this.reader.resume();
  }

  isDead(): boolean {
    return this.dead;
  }

  /** Called every second: headers / body timeouts of the current request. */
  sweep(now: number): void {
    const ex = this.current;
    if (ex === null || !ex.written || !this.connected) return;
    const o = this.pool.opts;
    if (!this.headersDone && now - this.writtenAt > o.headersTimeout) this.timeout(upstreamError(`no response headers within ${o.headersTimeout} ms`, 'UND_ERR_HEADERS_TIMEOUT'));
    else if (this.headersDone && !this.reader.paused && now - Math.max(this.lastRead, this.writtenAt) > o.bodyTimeout) this.timeout(upstreamError(`no response body data within ${o.bodyTimeout} ms`, 'UND_ERR_BODY_TIMEOUT'));
  }

  private timeout(err: Error): void {
    const ex = this.current!;
    ex.retried = true; // a timeout is not a keep-alive race: do not send again
    this.fail(err);
  }
}

/** Keep-alive connections to one upstream address; requests past `connections` busy ones wait in order. */
export class UpstreamPool {
  private readonly idle: Conn[] = [];
  private readonly conns = new Set<Conn>();
  private queue: UpstreamExchange[] = [];
  private queueHead = 0;
  private sweeper?: NodeJS.Timeout;
  private closed = false;

  constructor(readonly host: string, readonly port: number, readonly opts: UpstreamOptions) {}

  request(ex: UpstreamExchange): void {
    if (this.closed) { ex.finished = true; ex.onError(upstreamError('upstream pool closed', 'UND_ERR_DESTROYED')); return; }
    let c = this.idle.pop();
    if (c !== undefined) {
      const now = Date.now();
      while (c !== undefined && (c.isDead() || now > c.idleUntil)) { c.close(); c = this.idle.pop(); }
    }
    if (c === undefined && this.conns.size < this.opts.connections) {
      c = new Conn(this);
      this.conns.add(c);
      if (!this.sweeper) { this.sweeper = setInterval(() => this.sweep(), 1000); this.sweeper.unref(); }
    }
    if (c !== undefined) c.assign(ex);
    else this.queue.push(ex);
  }

  /** Takes a request off its connection or the queue; it gets onError(err) unless it already finished. */
  abort(ex: UpstreamExchange, err: Error): void {
    if (ex.finished) return;
    const c = ex.conn;
    if (c !== null) {
      ex.retried = true;
      c.fail(err);
      return;
    }
    const i = this.queue.indexOf(ex, this.queueHead);
    if (i >= 0) this.queue.splice(i, 1);
    ex.finished = true;
    ex.onError(err);
  }

  /** @internal A connection is free: the oldest waiting request, or the idle list. */
  release(c: Conn): void {
    if (this.queueHead < this.queue.length) {
      const ex = this.queue[this.queueHead++];
      if (this.queueHead === this.queue.length) { this.queue = []; this.queueHead = 0; }
      c.assign(ex);
      return;
    }
    this.idle.push(c);
  }

  /** @internal */
  forget(c: Conn): void {
    if (!this.conns.delete(c)) return;
    const i = this.idle.indexOf(c);
    if (i >= 0) this.idle.splice(i, 1);
    // A request waiting for a free connection gets a new one.
    if (this.queueHead < this.queue.length && !this.closed) {
      const ex = this.queue[this.queueHead++];
      if (this.queueHead === this.queue.length) { this.queue = []; this.queueHead = 0; }
      queueMicrotask(() => this.request(ex));
    }
  }

  private sweep(): void {
    const now = Date.now();
    for (const c of this.conns) {
      if (c.current === null) { if (now > c.idleUntil && c.idleUntil !== 0) c.close(); }
      else c.sweep(now);
    }
    if (this.conns.size === 0 && this.sweeper) { clearInterval(this.sweeper); this.sweeper = undefined; }
  }

  close(): void {
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    const waiting = this.queue.slice(this.queueHead);
    this.queue = [];
    this.queueHead = 0;
    for (const c of [...this.conns]) c.fail(upstreamError('upstream pool closed', 'UND_ERR_DESTROYED'));
    for (const ex of waiting) { ex.finished = true; ex.onError(upstreamError('upstream pool closed', 'UND_ERR_DESTROYED')); }
  }
}
