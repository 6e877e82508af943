// The edge proxy's byte streams, beside its HTTP: a Gateway's TCP and UDP listener ports (TCPRoute / UDPRoute
// forwarding) and its ports with TLS-protocol listeners, where the ClientHello's SNI decides before any TLS ends —
// a TLSRoute Passthrough gets the encrypted stream as it is, a TLSRoute Terminate gets the plain stream after the
// Gateway ended TLS with the listener's certificate, and an HTTPS listener's connection goes to the HTTPS server. What
// the stream does is the routing model's answer (src/ingress); a refused answer resets the connection (a UDP flow's
// datagrams are dropped), as a Gateway with no valid backend does: no HTTP is spoken on these ports.
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';
import { checkServerIdentity, connect as tlsConnect, type ConnectionOptions, type PeerCertificate, type SecureContext } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import type { Http2SecureServer } from 'node:http2';
import { coversSubjectAltNames, type RouteRequest, type RouteResult } from '../ingress/index.js';
import { FrontListener, UdpFrontListener, type FrontClient, type FrontTarget } from './lab/front.js';
import { clientHelloServerName, serveTLSAfterPeek } from './tls-sni.js';

/** How long a connection to a TLS-stream port may take to send its ClientHello (TLS's own handshake timeout is longer). */
const CLIENT_HELLO_MS = 10_000;

/** What the stream faces ask of the proxy. */
export interface StreamRouter {
  route(req: RouteRequest): RouteResult;
  /** The live address of the answer's backend (round-robin over its endpoints), with the endpoint it stands for. */
  target(r: RouteResult): { address: FrontTarget; endpoint: string } | undefined;
  /** TLS to a backend a BackendTLSPolicy covers: SNI, trust and the name checks of the policy. */
  backendTLS(tls: NonNullable<RouteResult['backendTLS']>): ConnectionOptions;
  log?: (line: string) => void;
}

function streamRequest(port: number, transport: 'tcp' | 'udp', clientIP: string | undefined): RouteRequest {
  return { scheme: 'http', host: '', port, path: '', query: '', method: transport.toUpperCase(), headers: {}, transport, clientIP, random: Math.random() };
}

/** A TCP or UDP listener port: each connection (UDP: each client's flow) goes where the model's TCPRoute/UDPRoute says. */
export function streamFront(r: StreamRouter, port: number, transport: 'tcp' | 'udp', host: string): FrontListener | UdpFrontListener {
  const pick = (client: FrontClient): FrontTarget | undefined => {
    const res = r.route(streamRequest(port, transport, client.remoteAddress));
    const t = res.status === 200 ? r.target(res) : undefined;
    const b = res.backend;
    r.log?.(t && b ? `${client.remoteAddress} "${transport.toUpperCase()} :${port}" ok -> ${b.namespace}/${b.service}:${b.port} ${t.endpoint}` : `${client.remoteAddress} "${transport.toUpperCase()} :${port}" refused: ${t ? res.reason : res.status === 200 ? 'no live server for the endpoint' : res.reason}`);
    return t?.address;
  };
  return transport === 'udp' ? new UdpFrontListener(pick, host) : new FrontListener(pick, host);
}

/**
 * A port with TLS-protocol listeners: the ClientHello's SNI picks the listener before anything is decrypted.
 * `contextFor` gives the certificate a terminating listener serves for a name.
 */
export function tlsStreamFront(r: StreamRouter, port: number, https: Http2SecureServer, contextFor: (name: string) => SecureContext | undefined, streams: Set<Socket>): Server {
  return createServer((socket) => {
    let buf = Buffer.alloc(0);
    streams.add(socket);
    socket.on('close', () => streams.delete(socket));
    socket.on('error', () => socket.destroy());
    // A client that never finishes its ClientHello does not hold the connection open for ever.
    socket.setTimeout(CLIENT_HELLO_MS, () => socket.destroy());
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk]);
      const sni = clientHelloServerName(buf);
      if (sni === 'more' && buf.length < 16_384 + 5) return;
      socket.off('data', onData);
      socket.setTimeout(0);
      socket.pause();
      const name = typeof sni === 'string' && sni !== 'more' ? sni : undefined;
      let res: RouteResult | undefined;
      try {
        res = name ? r.route({ scheme: 'https', host: name, sni: name, port, path: '/', query: '', method: 'GET', headers: {}, clientIP: socket.remoteAddress }) : undefined;
      } catch {
        res = undefined;
      }
      if (!res?.stream) {
        // An HTTPS listener's connection (or no SNI): the HTTPS server terminates and serves HTTP.
        socket.unshift(buf);
        https.emit('connection', socket);
        process.nextTick(() => socket.resume());
        return;
      }
      const terminated = res.stream.terminated === true;
      const ctx = terminated && res.status === 200 ? contextFor(name!) : undefined;
      const t = res.status === 200 && (!terminated || ctx) ? r.target(res) : undefined;
      // `CLIENT "TLS SNI:PORT" ok -> NS/SERVICE:PORT ENDPOINT`, the access log's shape (the lab reads it as a flow).
      r.log?.(t && res.backend ? `${socket.remoteAddress} "TLS ${name}:${port}" ok -> ${res.backend.namespace}/${res.backend.service}:${res.backend.port} ${t.endpoint}` : `${socket.remoteAddress} "TLS ${name}:${port}" refused: ${res.reason}`);
      if (!t) { socket.destroy(); return; }
      const client: Socket = terminated ? serveTLSAfterPeek(socket, buf, ctx!) : socket;
      const upstream = res.backendTLS
        ? tlsConnect({ host: t.address.host, port: t.address.port, ...r.backendTLS(res.backendTLS) })
        : netConnect(t.address.port, t.address.host);
      upstream.once(res.backendTLS ? 'secureConnect' : 'connect', () => {
        if (!terminated) upstream.write(buf);
        client.pipe(upstream).pipe(client);
        socket.resume();
      });
      upstream.on('error', () => socket.destroy());
      client.on('error', () => upstream.destroy());
      socket.on('close', () => upstream.destroy());
      upstream.on('close', () => client.end());
    };
    socket.on('data', onData);
  });
}

/**
 * The TLS client options for a backend a BackendTLSPolicy covers: the policy's hostname as SNI, its CA certificates
 * (or the system's), and the name check — the hostname, or when subjectAltNames are given, one of them instead
 * (BackendTLSPolicyValidation.SubjectAltNames).
 */
export function backendTLSOptions(tls: NonNullable<RouteResult['backendTLS']>, ca: string[], subjectAltNames: readonly { type: string; value: string }[]): ConnectionOptions {
  const sni = tls.sni;
  return {
    servername: sni, ...(ca.length ? { ca } : {}), rejectUnauthorized: true,
    checkServerIdentity: (_host: string, cert: PeerCertificate) => {
      if (subjectAltNames.length === 0) return checkServerIdentity(sni, cert);
      let ok = false;
      try { ok = coversSubjectAltNames(new X509Certificate(cert.raw), subjectAltNames); } catch { ok = false; }
      return ok ? undefined : Object.assign(new Error(`the backend's certificate (${cert.subjectaltname ?? 'no SAN'}) has none of the subjectAltNames ${subjectAltNames.map((s) => `${s.type}:${s.value}`).join(', ')}`), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    },
  };
}
