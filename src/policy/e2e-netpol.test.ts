// The upstream e2e netpol scenario family (kubernetes test/e2e/network/netpol/network_policy.go), reproduced as
// truth tables: namespaces x, y, z; pods a, b, c; ports 80/81 over TCP, UDP, SCTP. Each table is checked twice:
// flow by flow through `check` (with reasons) and through the class matrix; both must equal the expected grid.
// Grids: rows = sources, columns = destinations, order x/a x/b x/c  y/a y/b y/c  z/a z/b z/c; '1' allowed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check } from './targets.js';
import { NETPOL_CASES } from './e2e-cases.js';
import { e2eObjects, loadModel, runCases } from './testing.js';

runCases(NETPOL_CASES);

test('e2e: egress to DNS only still reaches kube-dns on 53 UDP and TCP (through the Service)', () => {
  const model = loadModel([...e2eObjects(), ...NETPOL_CASES.find((c) => c.name.startsWith('49'))!.policies(() => '')]);
  const udp = check(model, { from: 'x/a', to: 'kube-system/svc/kube-dns', port: 53, protocol: 'UDP' });
  assert.equal(udp.allowed, true);
  assert.deepEqual(udp.egress, { allowed: true, isolated: true, policies: ['x/dns-only'] });
  assert.equal(udp.targets.length, 2);
  const tcp = check(model, { from: 'x/a', to: 'kube-system/svc/kube-dns', port: 'dns-tcp' });
  assert.equal(tcp.allowed, true);
  const metrics = check(model, { from: 'x/a', to: 'kube-system/svc/kube-dns', port: 9153 });
  assert.equal(metrics.allowed, false);
  assert.deepEqual(metrics.egress, { allowed: false, isolated: true, policies: ['x/dns-only'] });
});
