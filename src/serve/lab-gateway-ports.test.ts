// The lab fronts every listener port of a Gateway: a TCP and a UDP listener get loopback ports (entryListeners), which
// keep forwarding to the current proxy across a new snapshot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseManifestText } from '../api/load.js';
import { GATEWAY_CLASS, gatewayOf } from '../ingress/test-fixtures.js';
import { Lab } from './lab.js';
import { ECHO_AND_ROUTES, tcpExchange, udpExchange } from './stream-fixtures.js';

const TEXT = GATEWAY_CLASS + gatewayOf(`  - {name: http, port: 80, protocol: HTTP}
  - {name: tcp, port: 9000, protocol: TCP}
  - {name: udp, port: 9002, protocol: UDP}
`) + ECHO_AND_ROUTES;

test('lab: a Gateway\'s TCP and UDP listener ports are fronted on loopback and echo through the TCPRoute/UDPRoute, before and after a new snapshot', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'podnet-lab-gw-'));
  writeFileSync(join(dir, 'gw.yaml'), TEXT);
  const lab = await Lab.start({ paths: [dir], dnsPort: 0, httpPort: 0, httpsPort: 0, graceMs: 300, nodePortsAtNodePort: false });
  try {
    const entry = lab.entryListeners().find((e) => e.id === 'gateway/default/gw')!;
    const ports = Object.fromEntries(entry.listeners.map((l) => [`${l.protocol}/${l.port}`, l.local]));
    assert.deepEqual(Object.keys(ports), ['HTTP/80', 'TCP/9000', 'UDP/9002']);
    assert.equal(ports['HTTP/80'], entry.http);
    assert.equal((await tcpExchange(ports['TCP/9000'], 'lab tcp\n')).reply, 'lab tcp\n');
    assert.equal(await udpExchange(ports['UDP/9002'], 'lab udp'), 'lab udp');
    // A new snapshot (the TCPRoute applied again with a label): new proxies, the same user-facing ports.
    const route = parseManifestText(TEXT, 'gw.yaml').objects.find((o) => o.object.kind === 'TCPRoute')!;
    route.object.metadata.labels = { changed: 'yes' };
    await lab.apply([route]);
    const again = lab.entryListeners().find((e) => e.id === 'gateway/default/gw')!;
    assert.deepEqual(again.listeners.map((l) => l.local), entry.listeners.map((l) => l.local));
    assert.equal((await tcpExchange(ports['TCP/9000'], 'after apply\n')).reply, 'after apply\n');
    assert.equal(await udpExchange(ports['UDP/9002'], 'after apply'), 'after apply');
  } finally {
    await lab.close();
  }
});
