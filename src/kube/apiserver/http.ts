// HTTP plumbing shared by the API server's handlers: JSON answers, Status errors, request bodies (bounded, as the API
// server's 3 MiB limit), and Accept negotiation for the meta.k8s.io conversions (Table, PartialObjectMetadata).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, errors } from './status.js';

export const MAX_BODY = 3 * 1024 * 1024;

export function sendJSON(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-cache, private' });
  res.end(text);
}

export function sendError(res: ServerResponse, e: unknown): void {
  const err = e instanceof ApiError ? e : errors.internal((e as Error)?.message ?? String(e));
  if (res.headersSent) { res.destroy(); return; }
  sendJSON(res, err.code, err.status);
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) { reject(errors.tooLarge()); req.resume(); return; }
      chunks.push(c);
    });
    req.on('error', reject);
    req.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

export type Conversion = { as: 'Table' | 'PartialObjectMetadata' | 'PartialObjectMetadataList'; version: 'v1' | 'v1beta1' } | undefined;

/**
 * The first media type of an Accept header the server can produce: plain JSON (also for `*\/*` and YAML-less
 * clients), or JSON converted to a meta.k8s.io Table / PartialObjectMetadata(List). Throws 406 when none fits.
 */
export function negotiate(accept: string | undefined): Conversion {
  if (!accept) return undefined;
  for (const part of accept.split(',')) {
    const [type, ...rawParams] = part.split(';').map((s) => s.trim());
    if (type !== 'application/json' && type !== '*/*' && type !== 'application/*') continue;
    const p: Record<string, string> = {};
    for (const x of rawParams) { const i = x.indexOf('='); if (i > 0) p[x.slice(0, i).trim()] = x.slice(i + 1).trim(); }
    if (!p.as) return undefined;
    if ((p.as === 'Table' || p.as === 'PartialObjectMetadata' || p.as === 'PartialObjectMetadataList') && p.g === 'meta.k8s.io' && (p.v === 'v1' || p.v === 'v1beta1')) return { as: p.as, version: p.v };
  }
  throw errors.notAcceptable('only the following media types are accepted: application/json, application/json;as=Table;v=v1;g=meta.k8s.io, application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io, application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io');
}
