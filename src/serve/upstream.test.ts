// The edge proxy's lean upstream client against scripted HTTP/1.1 servers on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { requestHead } from './http-proxy.js';
import { UpstreamExchange, UpstreamPool, upstreamClientAvailable, type UpstreamOptions } from './upstream.js';

interface Outcome { status: number; headers: string[]; body: string; error?: string; code?: string }

class Probe extends UpstreamExchange {
  status = 0;
  headers: string[] = [];
  chunks: Buffer[] = [];
  readonly outcome: Promise<Outcome>;
  private settle!: (o: Outcome) => void;
  calls = 0;
  constructor(head: string, method = 'GET', private readonly pauseOnce = false) {
    super(head, method === 'HEAD', method !== 'POST');
    this.outcome = new Promise((r) => (this.settle = r));
  }
  onHeaders(status: number, raw: string[]): void { this.status = status; this.headers = raw; }
  onData(chunk: Buffer): boolean {
    this.chunks.push(chunk);
    if (this.pauseOnce && this.chunks.length === 1) { setTimeout(() => this.resume(), 50); return false; }
    return true;
  }
  onComplete(): void { this.calls++; this.settle({ status: this.status, headers: this.headers, body: Buffer.concat(this.chunks).toString() }); }
  onError(err: Error): void { this.calls++; this.settle({ status: this.status, headers: this.headers, body: Buffer.concat(this.chunks).toString(), error: err.message, code: (err as { code?: string }).code }); }
}

/** A server that hands each complete request head (and its socket, and the connection's index) to `answer`. */
async function scripted(answer: (head: string, s: Socket, conn: number, n: number) => void): Promise<{ server: Server; port: number; connections: () => number; close: () => Promise<void> }> {
  let conns = 0;
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    const conn = conns++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    let buf = '';
    let n = 0;
    s.on('data', (d) => {
      buf += d.toString('latin1');
      let i;
      while ((i = buf.indexOf('\r\n\r\n')) >= 0) {
        const head = buf.slice(0, i + 4);
        buf = buf.slice(i + 4);
        answer(head, s, conn, n++);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { server, port, connections: () => conns, close: () => { for (const s of sockets) s.destroy(); return new Promise((r) => server.close(() => r())); } };
}

const OPTS: UpstreamOptions = { connections: 8, keepAliveTimeout: 60_000, connectTimeout: 2_000, headersTimeout: 60_000, bodyTimeout: 60_000 };
const GET = (path = '/', extra = '') => `GET ${path} HTTP/1.1\r\nhost: up\r\nconnection: keep-alive\r\n${extra}\r\n`;

test('the lean client is available on this Node', () => {
  assert.equal(upstreamClientAvailable, true);
});

test('content-length and chunked answers; keep-alive reuses one connection', async () => {
  const up = await scripted((head, s) => {
    if (head.startsWith('GET /chunked')) s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\nX-A: 2\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n');
    else s.write('HTTP/1.1 201 Created\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello');
  });
  const pool = new UpstreamPool('127.0.0.1', up.port, OPTS);
  try {
    const a = new Probe(GET('/x'));
    pool.request(a);
    assert.deepEqual(await a.outcome, { status: 201, headers: ['Content-Length', '5', 'Content-Type', 'text/plain'], body: 'hello' });
    const b = new Probe(GET('/chunked'));
    pool.request(b);
    assert.deepEqual(await b.outcome, { status: 200, headers: ['Transfer-Encoding', 'chunked', 'X-A', '1', 'X-A', '2'], body: 'abcde' });
    assert.equal(up.connections(), 1);
    assert.equal(a.calls + b.calls, 2);
  } finally {
    pool.close();
    await up.close();
  }
});

test('a body delimited by the close, HEAD, 204 and 1xx answers', async () => {
  const up = await scripted((head, s) => {
    if (head.startsWith('GET /eof')) { s.end('HTTP/1.1 200 OK\r\n\r\nuntil the end'); return; }
    if (head.startsWith('HEAD')) { s.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n'); return; }
    if (head.startsWith('GET /204')) { s.write('HTTP/1.1 204 No Content\r\n\r\n'); return; }
    s.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  });
  const pool = new UpstreamPool('127.0.0.1', up.port, OPTS);
  try {
    const eof = new Probe(GET('/eof'));
    pool.request(eof);
    assert.deepEqual(await eof.outcome, { status: 200, headers: [], body: 'until the end' });
    const head = new Probe('HEAD / HTTP/1.1\r\nhost: up\r\n\r\n', 'HEAD');
    pool.request(head);
    assert.deepEqual(await head.outcome, { status: 200, headers: ['Content-Length', '10'], body: '' });
    const none = new Probe(GET('/204'));
    pool.request(none);
    assert.deepEqual(await none.outcome, { status: 204, headers: [], body: '' });
    const info = new Probe(GET('/info'));
    pool.request(info);
    assert.deepEqual(await info.outcome, { status: 200, headers: ['Content-Length', '2'], body: 'ok' });
    // The close-delimited answer and the HEAD request each cost their connection (undici closes after HEAD too).
    assert.equal(up.connections(), 3);
  } finally {
    pool.close();
    await up.close();
  }
});

test('a reused connection the server closed: an idempotent request is sent again once, a POST fails', async () => {
  const up = await scripted((_head, s, conn, n) => {
    if (conn === 0 && n === 1) { s.destroy(); return; } // closes instead of answering the second request
    s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  });
  const pool = new UpstreamPool('127.0.0.1', up.port, OPTS);
  try {
    const first = new Probe(GET());
    pool.request(first);
    assert.equal((await first.outcome).body, 'ok');
    const again = new Probe(GET());
    pool.request(again);
    assert.deepEqual(await again.outcome, { status: 200, headers: ['Content-Length', '2'], body: 'ok' });
    assert.equal(up.connections(), 2);
  } finally {
    pool.close();
    await up.close();
  }
  const up2 = await scripted((_head, s, conn, n) => {
    if (conn === 0 && n === 1) { s.destroy(); return; }
    s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  });
  const pool2 = new UpstreamPool('127.0.0.1', up2.port, OPTS);
  try {
    const first = new Probe(GET());
    pool2.request(first);
    await first.outcome;
    const post = new Probe('POST / HTTP/1.1\r\nhost: up\r\ncontent-length: 0\r\n\r\n', 'POST');
    pool2.request(post);
    const o = await post.outcome;
    assert.equal(o.code, 'UND_ERR_SOCKET');
    assert.equal(post.calls, 1);
  } finally {
    pool2.close();
    await up2.close();
  }
});

test('garbage, an unsolicited second answer, a refused connection and a silent server fail cleanly', async () => {
  const up = await scripted((head, s) => {
    if (head.startsWith('GET /garbage')) s.write('NOT HTTP\r\n\r\n');
    else if (head.startsWith('GET /twice')) s.write('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb');
    else if (head.startsWith('GET /partial')) s.write('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nzHTT');
    else if (head.startsWith('GET /silent')) return;
    else s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  });
  const pool = new UpstreamPool('127.0.0.1', up.port, { ...OPTS, headersTimeout: 200 });
  try {
    const garbage = new Probe(GET('/garbage'));
    pool.request(garbage);
    assert.equal((await garbage.outcome).code, 'HPE_PARSE');
    const twice = new Probe(GET('/twice'));
    pool.request(twice);
    assert.deepEqual(await twice.outcome, { status: 200, headers: ['Content-Length', '1'], body: 'a' });
    assert.equal(twice.calls, 1);
    const partial = new Probe(GET('/partial'));
    pool.request(partial);
    assert.deepEqual(await partial.outcome, { status: 200, headers: ['Content-Length', '1'], body: 'z' });
    const next = new Probe(GET('/ok'));
    pool.request(next);
    assert.equal((await next.outcome).body, 'ok');
    assert.equal(up.connections(), 4); // neither the garbled, the double-answering nor the trailing-bytes connection is used again
    const t0 = Date.now();
    const silent = new Probe(GET('/silent'));
    pool.request(silent);
    assert.equal((await silent.outcome).code, 'UND_ERR_HEADERS_TIMEOUT');
    assert.ok(Date.now() - t0 < 2500);
  } finally {
    pool.close();
    await up.close();
  }
  const closed = await scripted(() => undefined);
  const port = closed.port;
  await closed.close();
  const refused = new UpstreamPool('127.0.0.1', port, OPTS);
  const r = new Probe(GET());
  refused.request(r);
  assert.match((await r.outcome).error ?? '', /ECONNREFUSED/);
  assert.equal(r.calls, 1);
  refused.close();
});

test('past `connections` requests wait in order; a waiting one can be aborted; backpressure pauses and resumes', async () => {
  const up = await scripted((head, s) => {
    const path = head.split(' ')[1];
    if (path === '/big') { s.write(`HTTP/1.1 200 OK\r\nContent-Length: 200000\r\n\r\n${'x'.repeat(200000)}`); return; }
    setTimeout(() => s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${path.length}\r\n\r\n${path}`), 20);
  });
  const pool = new UpstreamPool('127.0.0.1', up.port, { ...OPTS, connections: 1 });
  try {
    const probes = ['/a', '/b', '/c', '/d'].map((p) => new Probe(GET(p)));
    for (const p of probes) pool.request(p);
    pool.abort(probes[2], Object.assign(new Error('route timeout'), { code: 'PODNET_TIMEOUT' }));
    const out = await Promise.all(probes.map((p) => p.outcome));
    assert.deepEqual(out.map((o) => o.body || o.code), ['/a', '/b', 'PODNET_TIMEOUT', '/d']);
    assert.equal(up.connections(), 1);
    const big = new Probe(GET('/big'), 'GET', true);
    pool.request(big);
    assert.equal((await big.outcome).body.length, 200000);
  } finally {
    pool.close();
    await up.close();
  }
});

test('request heads are laid out like undici writes them; what HTTP/1.1 cannot carry is refused', () => {
  assert.equal(requestHead('GET', '/a?b=1', { host: 'h.example', 'x-real-ip': '10.0.0.1', 'content-length': '0' }), 'GET /a?b=1 HTTP/1.1\r\nhost: h.example\r\nconnection: keep-alive\r\nx-real-ip: 10.0.0.1\r\n\r\n');
  assert.equal(requestHead('POST', '/', { host: 'h' }), 'POST / HTTP/1.1\r\nhost: h\r\nconnection: keep-alive\r\ncontent-length: 0\r\n\r\n');
  assert.equal(requestHead('DELETE', '/', {}), 'DELETE / HTTP/1.1\r\nconnection: keep-alive\r\n\r\n');
  assert.equal((requestHead('GET', '/', { host: 'h', 'x-bad': 'a\r\nx-injected: 1' }) as Error).message, 'invalid header value');
  assert.equal((requestHead('GET', '/', { host: 'h', 'bad name': 'a' }) as Error).message, 'invalid header name');
  assert.equal((requestHead('GET', '/a b', { host: 'h' }) as Error).message, 'invalid request path');
});
