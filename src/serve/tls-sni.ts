// The server name a TLS client asks for, read from its ClientHello without terminating TLS (RFC 8446 §4.1.2 and
// RFC 6066 §3 server_name): what a proxy needs to pass an encrypted stream through by SNI. Bounded: one record.
// Then, when the stream is to end here after all, TLS served on the socket whose first bytes were already read.
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { TLSSocket, type SecureContext } from 'node:tls';

/** 'more' while the first record is incomplete; undefined when it is not a ClientHello or names no server. */
export function clientHelloServerName(buf: Buffer): string | undefined | 'more' {
  if (buf.length < 5) return 'more';
  if (buf[0] !== 0x16) return undefined;
  const recordLen = buf.readUInt16BE(3);
  if (buf.length < 5 + recordLen) return 'more';
  const end = 5 + recordLen;
  let i = 5;
  if (buf[i] !== 0x01) return undefined; // handshake type client_hello
  i += 4 + 2 + 32; // handshake header, legacy_version, random
  const skip = (lenBytes: number): boolean => {
    if (i + lenBytes > end) return false;
    const n = lenBytes === 1 ? buf[i] : buf.readUInt16BE(i);
    i += lenBytes + n;
    return i <= end;
  };
  if (!skip(1) || !skip(2) || !skip(1)) return undefined; // session id, cipher suites, compression methods
  if (i + 2 > end) return undefined;
  const extEnd = Math.min(end, i + 2 + buf.readUInt16BE(i));
  i += 2;
  while (i + 4 <= extEnd) {
    const type = buf.readUInt16BE(i);
    const len = buf.readUInt16BE(i + 2);
    i += 4;
    if (type === 0 && i + len <= extEnd && len >= 5) {
      const nameType = buf[i + 2];
      const nameLen = buf.readUInt16BE(i + 3);
      if (nameType !== 0 || i + 5 + nameLen > extEnd) return undefined;
      return buf.toString('latin1', i + 5, i + 5 + nameLen).toLowerCase();
    }
    i += len;
  }
  return undefined;
}

/**
 * A server-side TLS session on `socket`, whose first bytes (`first`, the ClientHello) were already read. TLSSocket
 * reads a net.Socket's handle directly, past any unshifted bytes, so it is fed through a JS stream instead.
 */
export function serveTLSAfterPeek(socket: Socket, first: Buffer, secureContext: SecureContext): TLSSocket {
  const stream = new Duplex({
    read() { socket.resume(); },
    write(chunk, enc, cb) { socket.write(chunk, enc, cb); },
    final(cb) { socket.end(); cb(); },
    destroy(err, cb) { socket.destroy(); cb(err); },
  });
  stream.push(first);
  socket.on('data', (d: Buffer) => { if (!stream.push(d)) socket.pause(); });
  socket.on('end', () => stream.push(null));
  socket.on('close', () => stream.destroy());
  const tls = new TLSSocket(stream as unknown as Socket, { isServer: true, secureContext });
  tls.on('error', () => socket.destroy());
  socket.resume();
  return tls;
}
