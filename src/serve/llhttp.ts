// Node's own HTTP/1 parser (llhttp, the one node:http uses), for the edge proxy's lean client and server: reached
// through node:_http_common, which exports it. Undefined where that is not so (then the proxy uses node:http and undici).
import { createRequire } from 'node:module';

export interface NodeHTTPParser {
  initialize(type: number, resource: object, maxHeaderSize?: number, lenient?: number): void;
  execute(data: Buffer): number | Error;
  finish(): number | Error | undefined;
  close(): void;
  getCurrentBuffer?(): Buffer;
  unconsume?(): void;
  [k: number]: unknown;
}

export interface HTTPParserClass {
  new (): NodeHTTPParser;
  REQUEST: number;
  RESPONSE: number;
  kOnMessageBegin: number;
  kOnHeaders: number;
  kOnHeadersComplete: number;
  kOnBody: number;
  kOnMessageComplete: number;
  kOnExecute?: number;
}

const common = ((): { HTTPParser?: HTTPParserClass; methods?: string[] } => {
  try {
    return createRequire(import.meta.url)('_http_common') as { HTTPParser?: HTTPParserClass; methods?: string[] };
  } catch {
    return {};
  }
})();

const P = common.HTTPParser;
export const HTTPParser: HTTPParserClass | undefined =
  typeof P === 'function' && [P.REQUEST, P.RESPONSE, P.kOnMessageBegin, P.kOnHeaders, P.kOnHeadersComplete, P.kOnBody, P.kOnMessageComplete].every((k) => typeof k === 'number') ? P : undefined;

/**
 * The request method for llhttp's method number. llhttp numbers HTTP methods 0..33 in the order node:http lists them
 * (DELETE, GET, HEAD, POST, ...), then PRI (34), RTSP's (35..45, refused on HTTP requests) and QUERY (46).
 */
export function methodName(n: number): string | undefined {
  const methods = common.methods;
  if (!methods || n < 0) return undefined;
  if (n < 34) return methods[n];
  if (n === 34) return 'PRI';
  if (n === 46) return 'QUERY';
  return undefined;
}

interface StreamHandle { isStreamBase?: boolean; _consumed?: boolean; reading?: boolean; readStart(): number; readStop(): number }

/**
 * Reading a socket into a parser. Where the socket's handle allows, the parser consumes it directly, as node:http's
 * server does (no 'data' events, no stream buffering; results come to `onExecute`); otherwise 'data' events feed
 * `onData`. pause/resume stop and restart the reading either way.
 */
export class SocketReader {
  paused = false;
  private readonly handle: StreamHandle | null = null;

  constructor(private readonly socket: import('node:net').Socket, parser: NodeHTTPParser, onExecute: (ret: number | Error) => void, onData: (d: Buffer) => void) {
    const handle = (socket as unknown as { _handle?: StreamHandle | null })._handle;
    const consume = (parser as unknown as { consume?: (h: StreamHandle) => void }).consume;
    if (handle && handle.isStreamBase && !handle._consumed && typeof consume === 'function' && typeof HTTPParser?.kOnExecute === 'number') {
      handle._consumed = true;
      parser[HTTPParser.kOnExecute] = onExecute;
      consume.call(parser, handle);
      this.handle = handle;
    } else {
      socket.on('data', onData);
    }
  }

  get consumed(): boolean {
    return this.handle !== null;
  }

  pause(): void {
    if (this.paused) return;
    this.paused = true;
    const h = this.handle;
    if (h === null) this.socket.pause();
    else if (h.reading) { h.reading = false; h.readStop(); }
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    const h = this.handle;
    if (h === null) this.socket.resume();
    else if (!h.reading && !this.socket.destroyed) { h.reading = true; h.readStart(); }
  }
}
