// The upstream e2e netpol scenario family (kubernetes test/e2e/network/netpol/network_policy.go), reproduced as
// truth tables: namespaces x, y, z; pods a, b, c; ports 80/81 over TCP, UDP, SCTP. Each table is checked twice:
// flow by flow through `check` (with reasons) and through the class matrix; both must equal the expected grid.
// Grids: rows = sources, columns = destinations, order x/a x/b x/c  y/a y/b y/c  z/a z/b z/c; '1' allowed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check } from './targets.js';
import { e2eObjects, loadModel, np, runCases, type Case } from './testing.js';


const ALL = '111 111 111\n'.repeat(9);
/** Only x/a's column is denied (ingress to x/a from everyone but itself). */
const DENY_TO_XA = `111 111 111\n${'.11 111 111\n'.repeat(8)}`;
/** Only x/b reaches x/a. */
const ONLY_XB_TO_XA = `111 111 111\n111 111 111\n${'.11 111 111\n'.repeat(7)}`;
/** Only namespace y reaches x/a. */
const ONLY_Y_TO_XA = `111 111 111\n.11 111 111\n.11 111 111\n${'111 111 111\n'.repeat(3)}${'.11 111 111\n'.repeat(3)}`;
/** Ingress to every x pod denied. */
const DENY_TO_X = `1.. 111 111\n.1. 111 111\n..1 111 111\n${'... 111 111\n'.repeat(6)}`;
/** Egress from every x pod denied. */
const DENY_FROM_X = `1.. ... ...\n.1. ... ...\n..1 ... ...\n${'111 111 111\n'.repeat(6)}`;
/** Egress from x/a denied. */
const DENY_FROM_XA = `1.. ... ...\n${'111 111 111\n'.repeat(8)}`;

const sel = (labels: Record<string, string>) => ({ matchLabels: labels });
const nsSel = (name: string) => ({ namespaceSelector: sel({ 'kubernetes.io/metadata.name': name }) });
const A = sel({ pod: 'a' });

export const NETPOL_CASES: Case[] = [
  { name: '1 default-deny-ingress', policies: () => [np('x', 'deny-ingress', { podSelector: {} })], probes: [{ port: 80, grid: DENY_TO_X }, { port: 81, protocol: 'UDP', grid: DENY_TO_X }, { port: 80, protocol: 'SCTP', grid: DENY_TO_X }] },
  { name: '2 default-deny-all (Ingress+Egress)', policies: () => [np('x', 'deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] })], probes: [{ port: 80, grid: `1.. ... ...\n.1. ... ...\n..1 ... ...\n${'... 111 111\n'.repeat(6)}` }] },
  { name: '3 allow from pods in the same namespace by podSelector', policies: () => [np('x', 'allow-b', { podSelector: A, ingress: [{ from: [{ podSelector: sel({ pod: 'b' }) }] }] })], probes: [{ port: 80, grid: ONLY_XB_TO_XA }] },
  { name: '4 deny-all plus allow-all to a with {podSelector:{}, namespaceSelector:{}}', policies: () => [np('x', 'deny', { podSelector: {} }), np('x', 'allow-a', { podSelector: A, ingress: [{ from: [{ podSelector: {}, namespaceSelector: {} }] }] })], probes: [{ port: 80, grid: `1.. 111 111\n11. 111 111\n1.1 111 111\n${'1.. 111 111\n'.repeat(6)}` }] },
  { name: '5 allow from all namespaces (namespaceSelector {})', policies: () => [np('x', 'all-ns', { podSelector: A, ingress: [{ from: [{ namespaceSelector: {} }] }] })], probes: [{ port: 80, grid: ALL }] },
  { name: '6 allow only from another namespace by namespaceSelector', policies: () => [np('x', 'from-y', { podSelector: A, ingress: [{ from: [nsSel('y')] }] })], probes: [{ port: 80, grid: ONLY_Y_TO_XA }] },
  { name: '7 podSelector with matchExpressions', policies: () => [np('x', 'expr', { podSelector: A, ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: 'pod', operator: 'In', values: ['b'] }] } }] }] })], probes: [{ port: 80, grid: ONLY_XB_TO_XA }] },
  { name: '8 namespaceSelector with matchExpressions', policies: () => [np('x', 'expr', { podSelector: A, ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['y'] }] } }] }] })], probes: [{ port: 80, grid: ONLY_Y_TO_XA }] },
  { name: '9 podSelector OR namespaceSelector (two peers)', policies: () => [np('x', 'or', { podSelector: A, ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['x'] }] } }, { podSelector: sel({ pod: 'b' }) }] }] })], probes: [{ port: 80, grid: `111 111 111\n111 111 111\n.11 111 111\n${'111 111 111\n'.repeat(6)}` }] },
  { name: '10 podSelector AND namespaceSelector (one peer)', policies: () => [np('x', 'and', { podSelector: A, ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['x'] }] }, podSelector: sel({ pod: 'b' }) }] }] })], probes: [{ port: 80, grid: '111 111 111\n.11 111 111\n.11 111 111\n.11 111 111\n111 111 111\n.11 111 111\n.11 111 111\n111 111 111\n.11 111 111' }] },
  { name: '11 pod In [b,c] AND namespace NotIn [x]', policies: () => [np('x', 'multi', { podSelector: A, ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['x'] }] }, podSelector: { matchExpressions: [{ key: 'pod', operator: 'In', values: ['b', 'c'] }] } }] }] })], probes: [{ port: 80, grid: '111 111 111\n.11 111 111\n.11 111 111\n.11 111 111\n111 111 111\n111 111 111\n.11 111 111\n111 111 111\n111 111 111' }] },
  { name: '12 any of two podSelectors', policies: () => [np('x', 'two-pods', { podSelector: A, ingress: [{ from: [{ podSelector: sel({ pod: 'b' }) }, { podSelector: sel({ pod: 'c' }) }] }] })], probes: [{ port: 80, grid: `111 111 111\n111 111 111\n111 111 111\n${'.11 111 111\n'.repeat(6)}` }] },
  { name: '13 only from a pod in another namespace (ns=y AND pod=a)', policies: () => [np('x', 'ya', { podSelector: A, ingress: [{ from: [{ ...nsSel('y'), podSelector: A }] }] })], probes: [{ port: 80, grid: `111 111 111\n.11 111 111\n.11 111 111\n111 111 111\n.11 111 111\n.11 111 111\n${'.11 111 111\n'.repeat(3)}` }] },
  { name: '14 allow by port (ns=y on 81/TCP)', policies: () => [np('x', 'port81', { podSelector: A, ingress: [{ from: [nsSel('y')], ports: [{ port: 81, protocol: 'TCP' }] }] })], probes: [{ port: 80, grid: DENY_TO_XA }, { port: 81, grid: ONLY_Y_TO_XA }] },
  { name: '15 stacked policies with overlapping podSelectors (81, then 80)', policies: () => [np('x', 'p81', { podSelector: A, ingress: [{ from: [nsSel('y')], ports: [{ port: 81 }] }] }), np('x', 'p80', { podSelector: A, ingress: [{ from: [nsSel('y')], ports: [{ port: 80 }] }] })], probes: [{ port: 80, grid: ONLY_Y_TO_XA }, { port: 81, grid: ONLY_Y_TO_XA }, { port: 82, grid: DENY_TO_XA }] },
  { name: '16 allow-all policy (ingress: [{}])', policies: () => [np('x', 'allow-all', { podSelector: A, ingress: [{}] })], probes: [{ port: 80, grid: ALL }, { port: 81, protocol: 'UDP', grid: ALL }] },
  { name: '17 ingress on one named port (serve-81-tcp)', policies: () => [np('x', 'named', { podSelector: A, ingress: [{ ports: [{ port: 'serve-81-tcp' }] }] })], probes: [{ port: 81, grid: ALL }, { port: 'serve-81-tcp', grid: ALL }, { port: 80, grid: DENY_TO_XA }, { port: 81, protocol: 'UDP', grid: DENY_TO_XA }] },
  { name: '18 ingress from a namespace on one named port (serve-80-tcp, ns=y)', policies: () => [np('x', 'named-ns', { podSelector: A, ingress: [{ from: [nsSel('y')], ports: [{ port: 'serve-80-tcp', protocol: 'TCP' }] }] })], probes: [{ port: 80, grid: ONLY_Y_TO_XA }, { port: 81, grid: DENY_TO_XA }] },
  { name: '19 egress on one named port (serve-80-tcp, no to)', policies: () => [np('x', 'egress-named', { podSelector: A, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'serve-80-tcp' }] }] })], probes: [{ port: 80, grid: ALL }, { port: 81, grid: DENY_FROM_XA }, { port: 80, protocol: 'UDP', grid: DENY_FROM_XA }] },
  { name: '20 updated policy: ingress: [] denies all', policies: () => [np('x', 'none', { podSelector: A, ingress: [] })], probes: [{ port: 80, grid: DENY_TO_XA }] },
  { name: '21 allow from a namespace by a label it has', nsLabels: { y: { ns2: 'updated' } }, policies: () => [np('x', 'ns2', { podSelector: A, ingress: [{ from: [{ namespaceSelector: sel({ ns2: 'updated' }) }] }] })], probes: [{ port: 80, grid: ONLY_Y_TO_XA }] },
  { name: '22 allow from a pod by a label it has', podLabels: { 'x/b': { pod2: 'updated' } }, policies: () => [np('x', 'pod2', { podSelector: A, ingress: [{ from: [{ podSelector: sel({ pod2: 'updated' }) }] }] })], probes: [{ port: 80, grid: ONLY_XB_TO_XA }] },
  { name: '23 deny ingress from other namespaces (from: [{podSelector: {}}])', policies: () => [np('x', 'same-ns', { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] })], probes: [{ port: 80, grid: `${'111 111 111\n'.repeat(3)}${'... 111 111\n'.repeat(6)}` }] },
  { name: '24 deny ingress to a pod by a label it has', podLabels: { 'x/a': { target: 'isolated' } }, policies: () => [np('x', 'target', { podSelector: sel({ target: 'isolated' }) })], probes: [{ port: 80, grid: DENY_TO_XA }] },
  { name: '25 deny egress by podSelector', policies: () => [np('x', 'deny-egress-a', { podSelector: A, policyTypes: ['Egress'] })], probes: [{ port: 80, grid: DENY_FROM_XA }] },
  { name: '26 deny egress from all pods in a namespace', policies: () => [np('x', 'deny-egress', { podSelector: {}, policyTypes: ['Egress'], egress: [] })], probes: [{ port: 80, grid: DENY_FROM_X }, { port: 81, protocol: 'SCTP', grid: DENY_FROM_X }] },
  { name: '27 ingress and egress together (ingress from b; egress only 80)', policies: () => [np('x', 'both', { podSelector: A, policyTypes: ['Ingress', 'Egress'], ingress: [{ from: [{ podSelector: sel({ pod: 'b' }) }] }], egress: [{ ports: [{ port: 80 }] }] })], probes: [{ port: 80, grid: ONLY_XB_TO_XA }, { port: 81, grid: `1.. ... ...\n111 111 111\n${'.11 111 111\n'.repeat(7)}` }] },
  { name: '28 client egress deny wins over server ingress allow', policies: () => [np('y', 'allow-all', { podSelector: {}, ingress: [{}] }), np('x', 'deny-egress-a', { podSelector: A, policyTypes: ['Egress'] })], probes: [{ port: 80, grid: DENY_FROM_XA }] },
  { name: '29 egress to namespace AND pod selector', policies: () => [np('x', 'to-yb', { podSelector: A, policyTypes: ['Egress'], egress: [{ to: [{ ...nsSel('y'), podSelector: sel({ pod: 'b' }) }] }] })], probes: [{ port: 80, grid: `1.. .1. ...\n${'111 111 111\n'.repeat(8)}` }] },
  { name: '30 any port on one protocol (ports: [{protocol: TCP}])', policies: () => [np('x', 'tcp', { podSelector: A, ingress: [{ ports: [{ protocol: 'TCP' }] }] })], probes: [{ port: 80, grid: ALL }, { port: 8080, grid: ALL }, { port: 80, protocol: 'UDP', grid: DENY_TO_XA }] },
  { name: '31 multiple ingress policies: allow-all wins', policies: () => [np('x', 'b80', { podSelector: A, ingress: [{ from: [{ podSelector: sel({ pod: 'b' }) }], ports: [{ port: 80 }] }] }), np('x', 'all', { podSelector: A, ingress: [{}] })], probes: [{ port: 80, grid: ALL }, { port: 81, grid: ALL }] },
  { name: '32 multiple egress policies: allow-all wins', policies: () => [np('x', 'b80', { podSelector: A, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: sel({ pod: 'b' }) }], ports: [{ port: 80 }] }] }), np('x', 'all', { podSelector: A, policyTypes: ['Egress'], egress: [{}] })], probes: [{ port: 80, grid: ALL }, { port: 81, grid: ALL }] },
  { name: '33 no policy: everything allowed', policies: () => [], probes: [{ port: 80, grid: ALL }, { port: 81, protocol: 'SCTP', grid: ALL }] },
  { name: '34 egress to a server in a CIDR block (/32)', policies: (ip) => [np('x', 'cidr', { podSelector: A, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: `${ip('x/b')}/32` } }] }] })], probes: [{ port: 80, grid: `11. ... ...\n${'111 111 111\n'.repeat(8)}` }] },
  { name: '35 except clause in an egress CIDR', policies: (ip) => [np('x', 'except', { podSelector: A, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: `${ip('x/b')}/4`, except: [`${ip('x/b')}/32`] } }] }] })], probes: [{ port: 80, grid: `1.1 111 111\n${'111 111 111\n'.repeat(8)}` }] },
  { name: '36 an IP in both a CIDR and an except is allowed by a second policy', policies: (ip) => [np('x', 'except', { podSelector: A, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: `${ip('x/b')}/4`, except: [`${ip('x/b')}/32`] } }] }] }), np('x', 'only-b', { podSelector: A, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: `${ip('x/b')}/32` } }] }] })], probes: [{ port: 80, grid: ALL }] },
  { name: '37 ingress and egress controlled independently', policies: () => [np('x', 'in-deny-out-allow', { podSelector: A, policyTypes: ['Ingress', 'Egress'], egress: [{}] })], probes: [{ port: 80, grid: DENY_TO_XA }] },
  { name: '38 protocol SCTP is not TCP', policies: () => [np('x', 'sctp', { podSelector: A, ingress: [{ ports: [{ protocol: 'SCTP', port: 80 }] }] })], probes: [{ port: 80, grid: DENY_TO_XA }, { port: 80, protocol: 'SCTP', grid: ALL }] },
  { name: '39 an SCTP-only policy still isolates for TCP', policies: () => [np('x', 'sctp81', { podSelector: A, ingress: [{ ports: [{ protocol: 'SCTP', port: 81 }] }] })], probes: [{ port: 81, grid: DENY_TO_XA }, { port: 81, protocol: 'SCTP', grid: ALL }, { port: 80, protocol: 'SCTP', grid: DENY_TO_XA }] },
  { name: '40 TCP denied when the policy allows only UDP', policies: () => [np('x', 'udp', { podSelector: A, ingress: [{ ports: [{ protocol: 'UDP', port: 80 }] }] })], probes: [{ port: 80, grid: DENY_TO_XA }, { port: 80, protocol: 'UDP', grid: ALL }, { port: 'serve-80-udp', protocol: 'UDP', grid: ALL }] },
  { name: '41 namespaceSelector matchLabels with the default namespace label', policies: () => [np('x', 'by-name', { podSelector: A, ingress: [{ from: [{ namespaceSelector: sel({ 'kubernetes.io/metadata.name': 'y' }) }] }] })], probes: [{ port: 80, grid: ONLY_Y_TO_XA }] },
  { name: '42 egress namespaceSelector NotIn with the default namespace label', policies: () => [np('x', 'not-x', { podSelector: A, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['x'] }] } }] }] })], probes: [{ port: 80, grid: `1.. 111 111\n${'111 111 111\n'.repeat(8)}` }] },
  { name: '43 policyTypes default: an egress section isolates both directions', policies: () => [np('x', 'defaulted', { podSelector: A, egress: [{ to: [{ podSelector: sel({ pod: 'b' }) }] }] })], probes: [{ port: 80, grid: `11. ... ...\n${'.11 111 111\n'.repeat(8)}` }] },
  { name: '44 policyTypes [Ingress] ignores egress rules', policies: () => [np('x', 'ingress-only', { podSelector: A, policyTypes: ['Ingress'], egress: [] })], probes: [{ port: 80, grid: DENY_TO_XA }] },
  { name: '45 from: [] (empty) allows every source', policies: () => [np('x', 'empty-from', { podSelector: A, ingress: [{ from: [] }] })], probes: [{ port: 80, grid: ALL }] },
  { name: '46 ports: [] (empty) allows every port', policies: () => [np('x', 'empty-ports', { podSelector: A, ingress: [{ ports: [], from: [{ podSelector: sel({ pod: 'b' }) }] }] })], probes: [{ port: 80, grid: ONLY_XB_TO_XA }, { port: 81, protocol: 'UDP', grid: ONLY_XB_TO_XA }] },
  { name: '47 endPort range 80-81', policies: () => [np('x', 'range', { podSelector: A, ingress: [{ ports: [{ port: 80, endPort: 81 }] }] })], probes: [{ port: 80, grid: ALL }, { port: 81, grid: ALL }, { port: 82, grid: DENY_TO_XA }, { port: 80, protocol: 'UDP', grid: DENY_TO_XA }] },
  { name: '48 endPort range 81-90 leaves 80 out', policies: () => [np('x', 'range', { podSelector: A, ingress: [{ ports: [{ port: 81, endPort: 90 }] }] })], probes: [{ port: 80, grid: DENY_TO_XA }, { port: 81, grid: ALL }, { port: 90, grid: ALL }, { port: 91, grid: DENY_TO_XA }] },
  { name: '49 egress to DNS only', policies: () => [np('x', 'dns-only', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ...nsSel('kube-system'), podSelector: sel({ 'k8s-app': 'kube-dns' }) }], ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] }] })], probes: [{ port: 80, grid: DENY_FROM_X }, { port: 53, protocol: 'UDP', grid: DENY_FROM_X }] },
  { name: '50 ipBlock ingress from a pod IP (ipBlock applies to pod IPs too)', policies: (ip) => [np('x', 'from-zc', { podSelector: A, ingress: [{ from: [{ ipBlock: { cidr: `${ip('z/c')}/32` } }] }] })], probes: [{ port: 80, grid: `111 111 111\n${'.11 111 111\n'.repeat(7)}111 111 111` }] },
];

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
