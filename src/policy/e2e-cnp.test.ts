// ClusterNetworkPolicy (v1alpha2) truth tables on the e2e model: the Admin tier before NetworkPolicy, the Baseline
// tier after it, Pass skipping the rest of its tier, priorities across kinds, `protocols`. Each table is checked by
// `check` (one flow at a time) and by the class matrix; same grid notation as e2e-netpol.test.ts.
import { anp, banp, cnp, np, runCases, type Case } from './testing.js';

const ALL = '111 111 111\n'.repeat(9);
const DENY_TO_X = `1.. 111 111\n.1. 111 111\n..1 111 111\n${'... 111 111\n'.repeat(6)}`;
const ONLY_Y_TO_X = `1.. 111 111\n.1. 111 111\n..1 111 111\n${'111 111 111\n'.repeat(3)}${'... 111 111\n'.repeat(3)}`;
const NOT_Z_TO_X = `${'111 111 111\n'.repeat(6)}${'... 111 111\n'.repeat(3)}`;
const nsName = (n: string) => ({ matchLabels: { 'kubernetes.io/metadata.name': n } });
const X = { namespaces: nsName('x') };
const from = (action: string, ns: string | undefined, extra: Record<string, unknown> = {}) => ({ name: `${action.toLowerCase()}-${ns ?? 'all'}`, action, from: [{ namespaces: ns ? nsName(ns) : {} }], ...extra });

const CASES: Case[] = [
  { name: 'CNP 1 an Admin Accept beats a NetworkPolicy deny', policies: () => [np('x', 'deny', { podSelector: {} }), cnp('accept-y', 'Admin', 10, { subject: X, ingress: [from('Accept', 'y')] })], probes: [{ port: 80, grid: ONLY_Y_TO_X }] },
  { name: 'CNP 2 an Admin Deny beats a NetworkPolicy allow', policies: () => [np('x', 'allow-all', { podSelector: {}, ingress: [{}] }), cnp('deny-z', 'Admin', 10, { subject: X, ingress: [from('Deny', 'z')] })], probes: [{ port: 80, grid: NOT_Z_TO_X }] },
  { name: 'CNP 3 Admin Pass skips the rest of the Admin tier (a later Deny) and NetworkPolicy decides (none: allowed)', policies: () => [cnp('pass-y', 'Admin', 5, { subject: X, ingress: [from('Pass', 'y')] }), cnp('deny-all', 'Admin', 10, { subject: X, ingress: [from('Deny', undefined)] })], probes: [{ port: 80, grid: ONLY_Y_TO_X }] },
  { name: 'CNP 4 Admin Pass reaches the Baseline tier when no NetworkPolicy isolates', policies: () => [cnp('pass-y', 'Admin', 5, { subject: X, ingress: [from('Pass', 'y')] }), cnp('baseline-deny', 'Baseline', 5, { subject: X, ingress: [from('Deny', undefined)] })], probes: [{ port: 80, grid: DENY_TO_X }] },
  { name: 'CNP 5 a NetworkPolicy that isolates a pod overrides the Baseline tier', policies: () => [np('x', 'a-from-y', { podSelector: { matchLabels: { pod: 'a' } }, ingress: [{ from: [{ namespaceSelector: nsName('y') }] }] }), cnp('baseline-deny', 'Baseline', 1, { subject: X, ingress: [from('Deny', undefined)] })], probes: [{ port: 80, grid: `1.. 111 111\n.1. 111 111\n..1 111 111\n${'1.. 111 111\n'.repeat(3)}${'... 111 111\n'.repeat(3)}` }] },
  { name: 'CNP 6 Baseline Pass skips the rest of the Baseline tier, to the default (allowed)', policies: () => [cnp('pass-y', 'Baseline', 1, { subject: X, ingress: [from('Pass', 'y')] }), cnp('deny-all', 'Baseline', 2, { subject: X, ingress: [from('Deny', undefined)] })], probes: [{ port: 80, grid: ONLY_Y_TO_X }] },
  { name: 'CNP 7 Baseline CNPs come before the BANP', policies: () => [cnp('accept-y', 'Baseline', 900, { subject: X, ingress: [from('Accept', 'y')] }), banp({ subject: X, ingress: [{ name: 'deny-all', action: 'Deny', from: [{ namespaces: {} }] }] })], probes: [{ port: 80, grid: ONLY_Y_TO_X }] },
  { name: 'CNP 8 one Admin tier for ANPs and CNPs, by priority: ANP Deny z (1) before CNP Accept all (2)', policies: () => [np('x', 'deny', { podSelector: {} }), anp('deny-z', { priority: 1, subject: X, ingress: [{ name: 'deny-z', action: 'Deny', from: [{ namespaces: nsName('z') }] }] }), cnp('accept-all', 'Admin', 2, { subject: X, ingress: [from('Accept', undefined)] })], probes: [{ port: 80, grid: NOT_Z_TO_X }] },
  { name: 'CNP 9 ... and CNP Accept all (1) before ANP Deny z (2)', policies: () => [anp('deny-z', { priority: 2, subject: X, ingress: [{ name: 'deny-z', action: 'Deny', from: [{ namespaces: nsName('z') }] }] }), cnp('accept-all', 'Admin', 1, { subject: X, ingress: [from('Accept', undefined)] })], probes: [{ port: 80, grid: ALL }] },
  { name: 'CNP 10 protocols: a TCP port, a UDP range, SCTP untouched', policies: () => [cnp('ports', 'Admin', 3, { subject: X, ingress: [from('Deny', 'z', { protocols: [{ tcp: { destinationPort: { number: 80 } } }, { udp: { destinationPort: { range: { start: 80, end: 81 } } } }] })] })], probes: [{ port: 80, grid: NOT_Z_TO_X }, { port: 81, grid: ALL }, { port: 81, protocol: 'UDP', grid: NOT_Z_TO_X }, { port: 80, protocol: 'SCTP', grid: ALL }] },
  { name: 'CNP 11 destinationNamedPort resolves on the destination pod, whatever its protocol', policies: () => [np('x', 'deny', { podSelector: {} }), cnp('named', 'Admin', 3, { subject: X, ingress: [from('Accept', 'y', { protocols: [{ destinationNamedPort: 'serve-80-udp' }] })] })], probes: [{ port: 80, protocol: 'UDP', grid: ONLY_Y_TO_X }, { port: 80, grid: DENY_TO_X }] },
  { name: 'CNP 12 egress Deny to networks (a pod /32) from a pods subject', policies: (ip) => [cnp('no-xb', 'Admin', 20, { subject: { pods: { namespaceSelector: nsName('x'), podSelector: { matchLabels: { pod: 'a' } } } }, egress: [{ name: 'deny-xb', action: 'Deny', to: [{ networks: [`${ip('x/b')}/32`] }] }] })], probes: [{ port: 80, grid: `1.1 111 111\n${'111 111 111\n'.repeat(8)}` }] },
  { name: 'CNP 13 egress: Admin Accept to y, Baseline Deny to all, pods isolated by no NetworkPolicy', policies: () => [cnp('accept-y', 'Admin', 1, { subject: X, egress: [{ action: 'Accept', to: [{ namespaces: nsName('y') }] }] }), cnp('deny-egress', 'Baseline', 1, { subject: X, egress: [{ action: 'Deny', to: [{ namespaces: {} }] }] })], probes: [{ port: 80, grid: `1.. 111 ...\n.1. 111 ...\n..1 111 ...\n${'111 111 111\n'.repeat(6)}` }] },
];

runCases(CASES);
