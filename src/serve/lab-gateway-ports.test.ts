// The lab fronts every listener port of a Gateway: a TCP and a UDP listener get loopback ports (entryListeners), which
// keep forwarding to the current proxy across a new snapshot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseManifestText } from '../api/load.js';
import { Lab } from './lab.js';

const TEXT = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: podnet}
spec: {controllerName: podnet.dev/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  gatewayClassName: podnet
  listeners:
  - {name: http, port: 80, protocol: HTTP}
  - {name: tcp, port: 9000, protocol: TCP}
  - {name: udp, port: 9002, protocol: UDP}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: echo}
spec:
  selector: {matchLabels: {app: echo}}
  template:
    metadata: {labels: {app: echo}}
    spec: {containers: [{name: c, image: agnhost, ports: [{containerPort: 9000}, {containerPort: 9001, protocol: UDP}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: echo}
spec: {selector: {app: echo}, ports: [{name: tcp, port: 7000, targetPort: 9000}, {name: udp, port: 7001, targetPort: 9001, protocol: UDP}]}
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

function tcpEcho(port: number, data: string): Promise<string> {
  return new Promise((resolve) => {
    let reply = '';
    const s = connect(port, '127.0.0.1', () => s.write(data));
    s.setEncoding('utf8');
    s.on('data', (d: string) => { reply += d; if (reply.length >= data.length) s.destroy(); });
    s.on('error', (e: NodeJS.ErrnoException) => resolve(`error ${e.code}`));
    s.on('close', () => resolve(reply));
  });
}

function udpEcho(port: number, data: string): Promise<string> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    const t = setTimeout(() => { s.close(); resolve('(no answer in 3 s)'); }, 3000);
    s.on('message', (m) => { clearTimeout(t); s.close(); resolve(m.toString()); });
    s.send(data, port, '127.0.0.1');
  });
}

test('lab: a Gateway\'s TCP and UDP listener ports are fronted on loopback and echo through the TCPRoute/UDPRoute, before and after a new snapshot', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'podnet-lab-gw-'));
  writeFileSync(join(dir, 'gw.yaml'), TEXT);
  const lab = await Lab.start({ paths: [dir], dnsPort: 0, httpPort: 0, httpsPort: 0, graceMs: 300, nodePortsAtNodePort: false });
  try {
    const entry = lab.entryListeners().find((e) => e.id === 'gateway/default/gw')!;
    const ports = Object.fromEntries(entry.listeners.map((l) => [`${l.protocol}/${l.port}`, l.local]));
    assert.deepEqual(Object.keys(ports), ['HTTP/80', 'TCP/9000', 'UDP/9002']);
    assert.equal(ports['HTTP/80'], entry.http);
    assert.equal(await tcpEcho(ports['TCP/9000'], 'lab tcp\n'), 'lab tcp\n');
    assert.equal(await udpEcho(ports['UDP/9002'], 'lab udp'), 'lab udp');
    // A new snapshot (the TCPRoute applied again with a label): new proxies, the same user-facing ports.
    const route = parseManifestText(TEXT, 'gw.yaml').objects.find((o) => o.object.kind === 'TCPRoute')!;
    route.object.metadata.labels = { changed: 'yes' };
    await lab.apply([route]);
    const again = lab.entryListeners().find((e) => e.id === 'gateway/default/gw')!;
    assert.deepEqual(again.listeners.map((l) => l.local), entry.listeners.map((l) => l.local));
    assert.equal(await tcpEcho(ports['TCP/9000'], 'after apply\n'), 'after apply\n');
    assert.equal(await udpEcho(ports['UDP/9002'], 'after apply'), 'after apply');
  } finally {
    await lab.close();
  }
});
