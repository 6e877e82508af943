import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { connect } from 'node:tls';
import { clientHelloServerName } from './tls-sni.js';

/** A real ClientHello from Node's TLS client for `servername`. */
async function clientHello(servername?: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const server = createServer((s) => s.on('data', (d) => { chunks.push(d); s.destroy(); }));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  await new Promise<void>((resolve) => {
    const c = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, ...(servername ? { servername } : {}), rejectUnauthorized: false });
    c.on('error', () => resolve());
    c.on('close', () => resolve());
  });
  await new Promise<void>((r) => server.close(() => r()));
  return Buffer.concat(chunks);
}

test('the SNI of a real ClientHello; more bytes wanted while the record is incomplete; none for other protocols', async () => {
  const hello = await clientHello('Backend.Internal');
  assert.equal(clientHelloServerName(hello), 'backend.internal');
  assert.equal(clientHelloServerName(hello.subarray(0, 3)), 'more');
  assert.equal(clientHelloServerName(hello.subarray(0, 40)), 'more');
  assert.equal(clientHelloServerName(await clientHello()), undefined, 'no server_name extension (an IP address target)');
  assert.equal(clientHelloServerName(Buffer.from('GET / HTTP/1.1\r\n\r\n')), undefined);
});

test('malformed records never throw and stay within the record', () => {
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let n = 0; n < 2000; n++) {
    const len = Math.floor(rnd() * 300);
    const b = Buffer.alloc(5 + len);
    for (let i = 0; i < b.length; i++) b[i] = Math.floor(rnd() * 256);
    b[0] = 0x16;
    b.writeUInt16BE(len, 3);
    if (n % 2 === 0 && len > 0) b[5] = 1;
    const r = clientHelloServerName(b);
    assert.ok(r === undefined || typeof r === 'string');
  }
});
