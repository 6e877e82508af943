// Shared by the live stream tests: a TLS-serving workload, an echo workload (TCP 9000 behind Service port 7000, UDP 9001 behind 7001), the
// TCPRoute `tcp` and UDPRoute `udp` on Gateway gw's listeners of those names, and clients that send and read back.
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';

export const ECHO_AND_ROUTES = `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: echo}
spec:
  selector: {matchLabels: {app: echo}}
  template:
    metadata: {labels: {app: echo}}
    spec: {containers: [{name: c, image: agnhost, ports: [{containerPort: 8080}, {containerPort: 9000}, {containerPort: 9001, protocol: UDP}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: echo}
spec:
  selector: {app: echo}
  ports: [{name: http, port: 80, targetPort: 8080}, {name: tcp, port: 7000, targetPort: 9000}, {name: udp, port: 7001, targetPort: 9001, protocol: UDP}]
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TCPRoute
metadata: {name: tcp}
spec: {parentRefs: [{name: gw, sectionName: tcp}], rules: [{backendRefs: [{name: echo, port: 7000}]}]}
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: UDPRoute
metadata: {name: udp}
spec: {parentRefs: [{name: gw, sectionName: udp}], rules: [{backendRefs: [{name: echo, port: 7001}]}]}
`;

/** A pod `secure-…` that mounts the kubernetes.io/tls Secret `serving` and answers TLS on 8443 (Service secure:443). */
export const SECURE_WORKLOAD = `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: secure}
spec:
  selector: {matchLabels: {app: secure}}
  template:
    metadata: {labels: {app: secure}}
    spec:
      containers: [{name: c, image: echo, ports: [{containerPort: 8443}]}]
      volumes: [{name: tls, secret: {secretName: serving}}]
---
apiVersion: v1
kind: Service
metadata: {name: secure}
spec: {selector: {app: secure}, ports: [{name: https, port: 443, targetPort: 8443}]}
`;

/** Writes `data` on a TCP connection and collects what comes back until `want` bytes arrived (or the peer closed). */
export function tcpExchange(port: number, data: string, want = data.length): Promise<{ reply: string; error?: string }> {
  return new Promise((resolve) => {
    let reply = '';
    const s = connect(port, '127.0.0.1', () => s.write(data));
    s.setEncoding('utf8');
    s.on('data', (d: string) => { reply += d; if (reply.length >= want) s.destroy(); });
    s.on('error', (e: NodeJS.ErrnoException) => resolve({ reply, error: e.code }));
    s.on('close', () => resolve({ reply }));
  });
}

/** One datagram and its answer (or a note after 3 s without one). */
export function udpExchange(port: number, data: string): Promise<string> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    const t = setTimeout(() => { s.close(); resolve('(no answer in 3 s)'); }, 3000);
    s.on('message', (m) => { clearTimeout(t); s.close(); resolve(m.toString()); });
    s.send(data, port, '127.0.0.1');
  });
}
