// The lab's pods echo plain TCP and UDP, reached from outside through NodePorts, as agnhost netexec's --tcp-port and
// --udp-port answer `nc` and `nc -u`.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab } from './lab.js';

const dir = mkdtempSync(join(tmpdir(), 'podnet-echo-'));
writeFileSync(join(dir, 'syslog.yaml'), `apiVersion: apps/v1
kind: Deployment
metadata: {name: syslog, namespace: default}
spec:
  replicas: 2
  selector: {matchLabels: {app: syslog}}
  template:
    metadata: {labels: {app: syslog}}
    spec:
      containers:
      - name: s
        image: agnhost
        ports: [{name: syslog, containerPort: 514, protocol: UDP}, {name: raw, containerPort: 6000}]
---
apiVersion: v1
kind: Service
metadata: {name: syslog, namespace: default}
spec:
  type: NodePort
  selector: {app: syslog}
  ports:
  - {name: syslog, port: 514, protocol: UDP, targetPort: syslog}
  - {name: raw, port: 6000, targetPort: raw}
`);

let lab: Lab;
before(async () => { lab = await Lab.start({ paths: [dir], dnsPort: 0, httpPort: 0, httpsPort: 0, graceMs: 200, nodePortsAtNodePort: false }); });
after(async () => { await lab.close(); });

const exposed = (protocol: string) => lab.exposed().find((e) => e.service === 'default/syslog' && e.kind === 'nodeport' && e.protocol === protocol)!;

test('UDP: a datagram to the NodePort comes back from the chosen pod, unchanged', async () => {
  const port = exposed('UDP').localPort!;
  const reply = await new Promise<string>((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    const timer = setTimeout(() => { s.close(); reject(new Error('no UDP echo within 5 s')); }, 5000);
    s.on('message', (m) => { clearTimeout(timer); s.close(); resolve(m.toString()); });
    s.send('<14>podnet: hello', port, '127.0.0.1');
  });
  assert.equal(reply, '<14>podnet: hello');
  const flow = lab.flows.recent().find((f) => f.protocol === 'UDP' && f.destination.includes('default/syslog'));
  assert.equal(flow?.verdict, 'delivered');
  assert.match(String(flow?.pod), /^default\/syslog-/);
});

test('TCP: a non-HTTP stream to the NodePort is echoed back', async () => {
  const port = exposed('TCP').localPort!;
  const echoed = await new Promise<string>((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.write('PING podnet\r\n'));
    let got = '';
    sock.on('data', (d) => { got += d; if (got.length >= 13) { sock.end(); resolve(got); } });
    sock.on('error', reject);
  });
  assert.equal(echoed, 'PING podnet\r\n');
});
