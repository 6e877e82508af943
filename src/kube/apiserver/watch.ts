// `?watch=true`: a chunked stream of watch events (one JSON object per line, as the API server's JSON framer writes
// them) as snapshots change. Without resourceVersion (or "0") the stream opens with an ADDED event per matching
// object; from a resourceVersion it replays the kept history after it, and when that history is gone it sends the
// etcd watcher's 410 Expired ERROR event. With selectors, an object that starts matching arrives as ADDED and one that
// stops matching as DELETED (the watch cache's filtering). Table watches carry the column definitions once.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { negotiate } from './http.js';
import { filtersOf, partial, toTable, type Scope } from './read.js';
import type { ChangeEvent, EventType } from './revisions.js';
import { ApiError, errors } from './status.js';
import { present, storeKindOf } from './store.js';

type Obj = Record<string, any>;

const DEFAULT_TIMEOUT_S = 1800;

export function watch(scope: Scope, req: IncomingMessage, res: ServerResponse): void {
  const conv = negotiate(req.headers.accept);
  const filter = filtersOf(scope);
  const q = scope.query;
  const rvText = q.get('resourceVersion') ?? '';
  if (rvText !== '' && !/^\d+$/.test(rvText)) throw errors.badRequest(`invalid resource version: ${JSON.stringify(rvText)}`);
  const timeoutText = q.get('timeoutSeconds');
  const timeout = timeoutText !== null && /^\d+$/.test(timeoutText) ? Number(timeoutText) : DEFAULT_TIMEOUT_S;
  const storeKind = storeKindOf(scope.r);
  const ns = scope.r.namespaced ? scope.namespace : '';
  const revisions = scope.store.revisions;

  res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked', 'cache-control': 'no-cache, private' });
  res.flushHeaders();
  let headers = true;
  const send = (type: EventType | 'ERROR' | 'BOOKMARK', o: Obj, rv: string): void => {
    let object = o;
    if (type !== 'ERROR') {
      object = present(scope.r, scope.version, o);
      if (conv?.as === 'Table') { object = toTable(scope, [object], conv.version, rv, headers); headers = false; }
      else if (conv) object = partial(object, conv.version);
    }
    res.write(JSON.stringify({ type, object }) + '\n');
  };
  const matches = (o: Obj | undefined) => o !== undefined && (ns === '' || o.metadata?.namespace === ns) && (!filter || filter(o));
  const deliver = (e: ChangeEvent): void => {
    if (e.storeKind !== storeKind) return;
    const now = matches(e.object);
    if (e.type === 'MODIFIED') {
      const before = matches(e.previous);
      if (now && before) send('MODIFIED', e.object, String(e.rv));
      else if (now) send('ADDED', e.object, String(e.rv));
      else if (before) send('DELETED', { ...e.object, metadata: { ...e.object.metadata } }, String(e.rv));
      return;
    }
    if (now) send(e.type, e.object, String(e.rv));
  };

  if (rvText === '' || rvText === '0') {
    for (const s of scope.store.list(scope.r, ns || undefined)) if (matches(s.object)) send('ADDED', s.object, String(s.rv));
  } else {
    const past = revisions.since(Number(rvText));
    if (past === 'gone') {
      const gone = errors.gone(`too old resource version: ${rvText} (${revisions.resourceVersion})`);
      send('ERROR', (gone as ApiError).status, rvText);
      res.end();
      return;
    }
    for (const e of past) deliver(e);
  }
  const off = revisions.subscribe(deliver);
  const timer = setTimeout(() => res.end(), timeout * 1000);
  timer.unref();
  const stop = () => { off(); clearTimeout(timer); };
  res.on('close', stop);
  req.on('close', stop);
}
