// The edge proxy's lean HTTP/1.1 server, on the wire: raw sockets against it on 127.0.0.1.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { H1Server, leanServerAvailable, type H1Request, type H1Response } from './edge-h1.js';

const servers: H1Server[] = [];
after(async () => { for (const s of servers) await s.close(); });

async function serve(handler: (req: H1Request, res: H1Response) => void, opts: { keepAliveTimeout?: number; headersTimeout?: number } = {}): Promise<number> {
  const s = new H1Server(handler, { keepAliveTimeout: opts.keepAliveTimeout ?? 75_000, ...(opts.headersTimeout ? { headersTimeout: opts.headersTimeout } : {}) });
  servers.push(s);
  return s.listen(0, '127.0.0.1');
}

/** Sends `data` (a list: written one after another), resolves with all the bytes read until `until` matches or the server closes. */
function exchange(port: number, data: string[], until?: (got: string) => boolean, halfClose = false): Promise<{ got: string; closed: boolean; socket: Socket }> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    let done = false;
    const finish = (closed: boolean) => { if (!done) { done = true; resolve({ got, closed, socket: s }); } };
    s.on('connect', async () => {
      for (const d of data) { s.write(d); await new Promise((r) => setTimeout(r, 5)); }
      if (halfClose) s.end();
    });
    s.on('data', (c) => { got += c.toString('latin1'); if (until?.(got)) finish(false); });
    s.on('close', () => finish(true));
    s.on('error', () => finish(true));
  });
}

/** The response heads and bodies in a byte stream of Content-Length-framed answers. */
function answers(raw: string): { head: string; body: string }[] {
  const out: { head: string; body: string }[] = [];
  let rest = raw;
  while (rest.length > 0) {
    const i = rest.indexOf('\r\n\r\n');
    if (i < 0) break;
    const head = rest.slice(0, i);
    const m = /\r\ncontent-length: (\d+)/i.exec(head);
    const n = m && !head.startsWith('HTTP/1.1 1') ? Number(m[1]) : 0;
    out.push({ head, body: rest.slice(i + 4, i + 4 + n) });
    rest = rest.slice(i + 4 + n);
  }
  return out;
}

const hello = (req: H1Request, res: H1Response) => {
  const body = `${req.method} ${req.url}`;
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(body);
};

test('the lean server is available on this Node', () => {
  assert.equal(leanServerAvailable, true);
});

test('keep-alive answers with Content-Length, Date, Connection and Keep-Alive; HEAD has no body', async () => {
  const port = await serve(hello);
  const r = await exchange(port, ['GET /a HTTP/1.1\r\nHost: x\r\n\r\n', 'HEAD /b HTTP/1.1\r\nHost: x\r\n\r\n', 'GET /c?q=1 HTTP/1.1\r\nHost: x\r\n\r\n'], (g) => g.includes('GET /c?q=1'));
  r.socket.destroy();
  const a = answers(r.got);
  assert.equal(a.length, 3);
  assert.match(a[0].head, /^HTTP\/1\.1 200 OK\r\ncontent-type: text\/plain\r\nContent-Length: 6\r\nDate: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT\r\nConnection: keep-alive\r\nKeep-Alive: timeout=75$/);
  assert.equal(a[0].body, 'GET /a');
  assert.doesNotMatch(a[1].head, /Content-Length/); // HEAD: the length of a body that is not sent is the handler's to give
  assert.equal(a[2].body, 'GET /c?q=1');
});

test('pipelined requests are answered in order even when the handler finishes them out of order', async () => {
  const port = await serve((req, res) => {
    const delay = Number(req.url.slice(1));
    setTimeout(() => { res.writeHead(200); res.end(req.url); }, delay);
  });
  const r = await exchange(port, ['GET /60 HTTP/1.1\r\nHost: x\r\n\r\nGET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /30 HTTP/1.1\r\nHost: x\r\n\r\n'], (g) => answers(g).length === 3);
  r.socket.destroy();
  assert.deepEqual(answers(r.got).map((x) => x.body), ['/60', '/1', '/30']);
});

test('HTTP/1.0: closed after the answer unless keep-alive is asked for; streamed bodies end with the close', async () => {
  const port = await serve((req, res) => {
    if (req.url === '/stream') { res.writeHead(200); res.write(Buffer.from('a')); setTimeout(() => res.end('b'), 10); return; }
    hello(req, res);
  });
  const plain = await exchange(port, ['GET /x HTTP/1.0\r\n\r\n']);
  assert.equal(plain.closed, true);
  assert.match(plain.got, /\r\nConnection: close\r\n\r\nGET \/x$/);
  const kept = await exchange(port, ['GET /y HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'], (g) => g.endsWith('GET /y'));
  assert.equal(kept.closed, false);
  assert.match(kept.got, /\r\nConnection: keep-alive\r\n/);
  kept.socket.destroy();
  const streamed = await exchange(port, ['GET /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n']);
  assert.equal(streamed.closed, true);
  assert.match(streamed.got, /^HTTP\/1\.1 200 OK\r\nDate: [^\r]+\r\nConnection: close\r\n\r\nab$/);
});

test('streamed answers to HTTP/1.1 are chunked; Transfer-Encoding from the handler is framed, not copied', async () => {
  const port = await serve((req, res) => {
    res.writeHead(200, { 'transfer-encoding': 'chunked', 'x-a': ['1', '2'] });
    if (req.url === '/buffered') { res.end('whole'); return; }
    res.write(Buffer.from('hello '));
    setTimeout(() => res.end('world'), 10);
  });
  const r = await exchange(port, ['GET /s HTTP/1.1\r\nHost: x\r\n\r\n'], (g) => g.endsWith('0\r\n\r\n'));
  assert.match(r.got, /^HTTP\/1\.1 200 OK\r\nx-a: 1\r\nx-a: 2\r\nTransfer-Encoding: chunked\r\nDate: [^\r]+\r\nConnection: keep-alive\r\nKeep-Alive: timeout=75\r\n\r\n6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n$/);
  const b = await exchange(port, ['GET /buffered HTTP/1.1\r\nHost: x\r\n\r\n'], (g) => g.endsWith('0\r\n\r\n'));
  assert.match(b.got, /\r\n\r\n5\r\nwhole\r\n0\r\n\r\n$/);
  r.socket.destroy();
  b.socket.destroy();
});

test('no Host on HTTP/1.1: 400; Expect: 100-continue gets 100 first, other expectations 417', async () => {
  const port = await serve((req, res) => {
    let body = '';
    if (!req.body) { hello(req, res); return; }
    req.body.setEncoding('latin1');
    req.body.on('data', (c: string) => (body += c));
    req.body.on('end', () => { res.writeHead(200); res.end(`${req.method} ${body}`); });
  });
  const noHost = await exchange(port, ['GET / HTTP/1.1\r\n\r\n']);
  assert.equal(noHost.closed, true);
  assert.match(noHost.got, /^HTTP\/1\.1 400 Bad Request\r\n/);
  const cont = await exchange(port, ['POST /p HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n', 'abc'], (g) => g.endsWith('POST abc'));
  assert.match(cont.got, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
  cont.socket.destroy();
  const other = await exchange(port, ['GET / HTTP/1.1\r\nHost: x\r\nExpect: something\r\n\r\n'], (g) => g.includes('\r\n\r\n'));
  assert.match(other.got, /^HTTP\/1\.1 417 Expectation Failed\r\n/);
  other.socket.destroy();
});

test('request bodies: Content-Length and chunked arrive as a stream; an unread body is drained and the next request served', async () => {
  const port = await serve((req, res) => {
    if (req.url === '/ignore' || !req.body) { hello(req, res); return; }
    const chunks: Buffer[] = [];
    req.body.on('data', (c: Buffer) => chunks.push(c));
    req.body.on('end', () => { res.writeHead(200); res.end(`${Buffer.concat(chunks).length}`); });
  });
  const big = 'x'.repeat(200_000);
  const cl = await exchange(port, [`POST /len HTTP/1.1\r\nHost: x\r\nContent-Length: ${big.length}\r\n\r\n${big}`], (g) => g.endsWith('\r\n\r\n200000'));
  cl.socket.destroy();
  const chunked = await exchange(port, ['POST /len HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n', '2\r\nde\r\n0\r\n\r\n'], (g) => g.endsWith('\r\n\r\n5'));
  chunked.socket.destroy();
  const ignored = await exchange(port, [`POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: ${big.length}\r\n\r\n${big}GET /next HTTP/1.1\r\nHost: x\r\n\r\n`], (g) => g.endsWith('GET /next'));
  assert.deepEqual(answers(ignored.got).map((a) => a.body), ['POST /ignore', 'GET /next']);
  ignored.socket.destroy();
});

test('bad requests: garbage 400, oversized headers 431, CONNECT closed, a throwing handler loses only its connection', async () => {
  const port = await serve((req, res) => {
    if (req.url === '/throw') throw new Error('boom');
    hello(req, res);
  });
  const garbage = await exchange(port, ['GARBAGE\r\n\r\n']);
  assert.equal(garbage.got, 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  const huge = await exchange(port, [`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`]);
  assert.equal(huge.got, 'HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n');
  const tunnel = await exchange(port, ['CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n']);
  assert.deepEqual([tunnel.closed, tunnel.got], [true, '']);
  const thrown = await exchange(port, ['GET /throw HTTP/1.1\r\nHost: x\r\n\r\n']);
  assert.deepEqual([thrown.closed, thrown.got], [true, '']);
  const fine = await exchange(port, ['GET /ok HTTP/1.1\r\nHost: x\r\n\r\n'], (g) => g.endsWith('GET /ok'));
  fine.socket.destroy();
});

test('headers a client repeats follow node:http (first Host wins, cookies joined by "; ", others by ", "); bad answer headers throw before anything is sent', async () => {
  let seen: Record<string, string> = {};
  let threw = '';
  const port = await serve((req, res) => {
    seen = req.headers;
    try {
      res.writeHead(200, { 'x-bad': 'a\r\nx-injected: 1' });
    } catch (e) {
      threw = `${(e as { code?: string }).code} ${res.headersSent}`;
    }
    hello(req, res);
  });
  const r = await exchange(port, ['GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\nCookie: x=1\r\nCookie: y=2\r\nAccept: text/html\r\nAccept: */*\r\nX-Custom: v\r\n\r\n'], (g) => g.endsWith('GET /'));
  r.socket.destroy();
  assert.deepEqual(seen, { host: 'a', cookie: 'x=1; y=2', accept: 'text/html, */*', 'x-custom': 'v' });
  assert.equal(threw, 'ERR_INVALID_CHAR false');
  assert.doesNotMatch(r.got, /injected/);
});

test('a half-closed client still gets its answer; slow headers get 408; idle keep-alive connections close', async () => {
  const port = await serve((req, res) => setTimeout(() => hello(req, res), 20), { keepAliveTimeout: 100, headersTimeout: 300 });
  const t0 = Date.now();
  const [half, slow, idle] = await Promise.all([
    exchange(port, ['GET /half HTTP/1.1\r\nHost: x\r\n\r\n'], undefined, true),
    exchange(port, ['GET /slow HTTP/1.1\r\nHost: x\r\n']),
    exchange(port, ['GET /idle HTTP/1.1\r\nHost: x\r\n\r\n']),
  ]);
  assert.equal(half.closed, true);
  assert.match(half.got, /\r\nConnection: close\r\n\r\nGET \/half$/);
  assert.equal(slow.got, 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
  assert.equal(idle.closed, true);
  assert.match(idle.got, /GET \/idle$/);
  assert.ok(Date.now() - t0 < 4000);
});

test('relayed heads keep the upstream spelling, drop hop-by-hop headers and send the length of what is sent', async () => {
  const raw = ['Server', 'nginx', 'Connection', 'keep-alive', 'Keep-Alive', 'timeout=5', 'Transfer-Encoding', 'chunked', 'Content-Length', '99', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'TE', 'x', 'Date', 'Mon, 23 Nov 2026 00:00:00 GMT'];
  const port = await serve((req, res) => {
    res.writeHeadRelayed(200, raw, req.method === 'HEAD');
    res.end(Buffer.from('hello'));
  });
  const r = await exchange(port, ['GET / HTTP/1.1\r\nHost: x\r\n\r\nHEAD / HTTP/1.1\r\nHost: x\r\n\r\n'], (g) => g.split('HTTP/1.1 200').length === 3 && g.endsWith('\r\n\r\n'));
  r.socket.destroy();
  const [get, head] = r.got.split(/(?=HTTP\/1\.1 200)/);
  assert.equal(get, 'HTTP/1.1 200 OK\r\nServer: nginx\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nDate: Mon, 23 Nov 2026 00:00:00 GMT\r\nContent-Length: 5\r\nConnection: keep-alive\r\nKeep-Alive: timeout=75\r\n\r\nhello');
  assert.equal(head, 'HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 99\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nDate: Mon, 23 Nov 2026 00:00:00 GMT\r\nConnection: keep-alive\r\nKeep-Alive: timeout=75\r\n\r\n');
});

test('after a request without keep-alive, what follows on the connection is neither answered nor refused', async () => {
  const port = await serve((req, res) => setTimeout(() => hello(req, res), 20));
  const r = await exchange(port, ['GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nPOST /more HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nGARBAGE GARBAGE\r\n\r\n']);
  assert.equal(r.closed, true);
  assert.match(r.got, /^HTTP\/1\.1 200 OK\r\n[^]*\r\nConnection: close\r\n\r\nGET \/last$/);
});
