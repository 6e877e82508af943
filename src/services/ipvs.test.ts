// IPVS mode listing for the kube-proxy overall input: virtual servers per VIP and NodePort, real servers from the
// shared plan (Local policy → local endpoints only), persistence for ClientIP affinity.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Cluster } from '../cluster/cluster.js';
import { renderIpvs, renderIpvsRestore } from './ipvs.js';
import { servicesModel } from './model.js';

test('ipvs: virtual and real servers for the overall input', () => {
  const text = readFileSync(fileURLToPath(new URL('../../../src/services/testdata/overall.yaml', import.meta.url)), 'utf8').replace('externalTrafficPolicy: Cluster', 'externalTrafficPolicy: Cluster\n  sessionAffinity: ClientIP');
  const c = Cluster.load({ text });
  const out = renderIpvs(servicesModel(c), c.nodes[0], { only: (sp) => sp.namespace.startsWith('ns') });
  assert.equal(out, [
    '# kube-proxy (ipvs mode) on node test-hostname: ipvsadm -Ln',
    'IP Virtual Server version 1.2.1 (size=4096)',
    'Prot LocalAddress:Port Scheduler Flags',
    '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
    'TCP  172.30.0.41:80 rr',
    '  -> 10.180.0.1:80                Masq    1      0          0',
    'TCP  172.30.0.42:80 rr',
    '  -> 10.180.0.2:80                Masq    1      0          0',
    'TCP  192.168.99.22:80 rr',
    'TCP  1.2.3.4:80 rr',
    'TCP  192.168.0.2:3001 rr',
    'TCP  172.30.0.43:80 rr',
    '  -> 10.180.0.3:80                Masq    1      0          0',
    'TCP  192.168.0.2:3003 rr',
    '  -> 10.180.0.3:80                Masq    1      0          0',
    'TCP  172.30.0.44:80 rr',
    '  -> 10.180.0.4:80                Masq    1      0          0',
    '  -> 10.180.0.5:80                Masq    1      0          0',
    'TCP  192.168.99.33:80 rr',
    '  -> 10.180.0.4:80                Masq    1      0          0',
    '  -> 10.180.0.5:80                Masq    1      0          0',
    'TCP  172.30.0.45:80 rr persistent 10800',
    '  -> 10.180.0.3:80                Masq    1      0          0',
    'TCP  5.6.7.8:80 rr persistent 10800',
    '  -> 10.180.0.3:80                Masq    1      0          0',
    'TCP  192.168.0.2:3002 rr persistent 10800',
    '  -> 10.180.0.3:80                Masq    1      0          0',
    'TCP  172.30.0.46:80 rr',
    '',
    '# ip addr show kube-ipvs0 (dummy device holding every VIP): 172.30.0.41 172.30.0.42 192.168.99.22 1.2.3.4 172.30.0.43 172.30.0.44 192.168.99.33 172.30.0.45 5.6.7.8 172.30.0.46',
    '',
  ].join('\n'));
});

test('ipvs: the same table as ipvsadm -R input', () => {
  const text = readFileSync(fileURLToPath(new URL('../../../src/services/testdata/overall.yaml', import.meta.url)), 'utf8').replace('externalTrafficPolicy: Cluster', 'externalTrafficPolicy: Cluster\n  sessionAffinity: ClientIP');
  const c = Cluster.load({ text });
  const out = renderIpvsRestore(servicesModel(c), c.nodes[0], { only: (sp) => sp.namespace === 'ns4' || sp.namespace === 'ns5' });
  assert.equal(out, [
    '-A -t 172.30.0.44:80 -s rr',
    '-a -t 172.30.0.44:80 -r 10.180.0.4:80 -m -w 1',
    '-a -t 172.30.0.44:80 -r 10.180.0.5:80 -m -w 1',
    '-A -t 192.168.99.33:80 -s rr',
    '-a -t 192.168.99.33:80 -r 10.180.0.4:80 -m -w 1',
    '-a -t 192.168.99.33:80 -r 10.180.0.5:80 -m -w 1',
    '-A -t 172.30.0.45:80 -s rr -p 10800',
    '-a -t 172.30.0.45:80 -r 10.180.0.3:80 -m -w 1',
    '-A -t 5.6.7.8:80 -s rr -p 10800',
    '-a -t 5.6.7.8:80 -r 10.180.0.3:80 -m -w 1',
    '-A -t 192.168.0.2:3002 -s rr -p 10800',
    '-a -t 192.168.0.2:3002 -r 10.180.0.3:80 -m -w 1',
    '',
  ].join('\n'));
});
