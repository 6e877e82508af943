// Node's own HTTP/1 parser (llhttp, the one node:http uses), for the edge proxy's lean client and server: reached
// through node:_http_common, which exports it. Undefined where that is not so (then the proxy uses node:http and undici).
import { createRequire } from 'node:module';

export interface NodeHTTPParser {
  initialize(type: number, resource: object, maxHeaderSize?: number, lenient?: number): void;
  execute(data: Buffer): number | Error;
  finish(): number | Error | undefined;
  close(): void;
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
