// Properties of NetworkPolicy semantics over random policies on the e2e model (fast-check, fixed seed):
// rules only ever add flows, a namespace-wide deny-all denies every flow in or out of it except a pod to itself, the
// class matrix agrees with check (ANP/BANP/CNP too), and ClusterNetworkPolicy validation is total.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { E2E_PODS, e2eObjects, loadModel, np, truthTableByCheck, truthTableByMatrix } from './testing.js';
import { podMatrix } from './matrix.js';
import type { Protocol } from './classes.js';

type Obj = Record<string, any>;
const PROBES: { port: number; protocol: Protocol }[] = [{ port: 80, protocol: 'TCP' }, { port: 81, protocol: 'UDP' }, { port: 80, protocol: 'SCTP' }];
const IPS = ['10.244.1.3', '10.244.2.3', '10.244.1.5', '10.244.2.6']; // x/a, x/b, y/b, z/b in the e2e model

const labelSel = fc.oneof(
  fc.constant({}),
  fc.constantFrom('a', 'b', 'c').map((p) => ({ matchLabels: { pod: p } })),
  fc.subarray(['a', 'b', 'c'], { minLength: 1 }).map((v) => ({ matchExpressions: [{ key: 'pod', operator: 'In', values: v }] })),
);
const nsSel = fc.oneof(
  fc.constant({}),
  fc.constantFrom('x', 'y', 'z').map((n) => ({ matchLabels: { 'kubernetes.io/metadata.name': n } })),
  fc.constantFrom('x', 'y', 'z').map((n) => ({ matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: [n] }] })),
);
const peer = fc.oneof(
  labelSel.map((s) => ({ podSelector: s })),
  nsSel.map((s) => ({ namespaceSelector: s })),
  fc.tuple(labelSel, nsSel).map(([p, n]) => ({ podSelector: p, namespaceSelector: n })),
  fc.constantFrom(...IPS).map((ip) => ({ ipBlock: { cidr: `${ip}/32` } })),
  fc.constantFrom(...IPS).map((ip) => ({ ipBlock: { cidr: '10.244.0.0/16', except: [`${ip}/32`] } })),
);
const port = fc.oneof(
  fc.constant({ protocol: 'TCP' }),
  fc.constantFrom(80, 81).map((p) => ({ port: p })),
  fc.constantFrom('TCP', 'UDP', 'SCTP').map((pr) => ({ port: 80, protocol: pr })),
  fc.constantFrom('serve-80-tcp', 'serve-81-udp', 'serve-80-sctp').map((n) => ({ port: n, protocol: n.split('-')[2].toUpperCase() })),
  fc.constant({ port: 80, endPort: 81, protocol: 'UDP' }),
);
const rule = fc.record({ peers: fc.option(fc.array(peer, { maxLength: 2 }), { nil: undefined }), ports: fc.option(fc.array(port, { maxLength: 2 }), { nil: undefined }) });
const policy = fc.record({
  ns: fc.constantFrom('x', 'y', 'z'), podSelector: labelSel,
  types: fc.constantFrom(['Ingress'], ['Egress'], ['Ingress', 'Egress']),
  ingress: fc.array(rule, { maxLength: 2 }), egress: fc.array(rule, { maxLength: 2 }),
});
type GenRule = { peers?: Obj[]; ports?: Obj[] };
type GenPolicy = { ns: string; podSelector: Obj; types: string[]; ingress: GenRule[]; egress: GenRule[] };

function toPolicy(gen: unknown, i: number): Obj {
  const p = gen as GenPolicy;
  const r = (field: 'from' | 'to') => (x: GenRule) => ({ ...(x.peers ? { [field]: x.peers } : {}), ...(x.ports ? { ports: x.ports } : {}) });
  return np(p.ns, `p${i}`, { podSelector: p.podSelector, policyTypes: p.types, ingress: p.ingress.map(r('from')), egress: p.egress.map(r('to')) });
}

function tables(objs: Obj[]): boolean[][][] {
  const model = loadModel([...e2eObjects(), ...objs]);
  assert.deepEqual(model.diagnostics, []);
  return PROBES.map((pr) => {
    const m = podMatrix(model, { namespaces: ['x', 'y', 'z'], port: pr.port, protocol: pr.protocol });
    const idx = E2E_PODS.map((k) => m.pods.indexOf(k));
    return idx.map((i) => idx.map((j) => m.allowed(i, j)));
  });
}

test('property: adding a rule to a policy never removes a flow', () => {
  fc.assert(fc.property(fc.array(policy, { minLength: 1, maxLength: 4 }), fc.nat(), fc.boolean(), rule, (pols, which, ingress, extra) => {
    const before = tables(pols.map(toPolicy));
    const target = pols[which % pols.length];
    const changed = pols.map((p) => (p === target ? { ...p, [ingress ? 'ingress' : 'egress']: [...p[ingress ? 'ingress' : 'egress'], extra] } : p));
    const after = tables(changed.map(toPolicy));
    before.forEach((t, pi) => t.forEach((row, i) => row.forEach((ok, j) => {
      if (ok) assert.equal(after[pi][i][j], true, `${E2E_PODS[i]} -> ${E2E_PODS[j]} on ${PROBES[pi].port}/${PROBES[pi].protocol} was allowed before the rule was added`);
    })));
  }), { seed: 42, numRuns: 40 });
});

test('property: a namespace whose only policy is deny-all has every flow in and out denied, except a pod to itself', () => {
  fc.assert(fc.property(fc.array(policy, { maxLength: 4 }), fc.constantFrom('x', 'y', 'z'), (pols, ns) => {
    // Policies elsewhere may allow anything: they cannot open what the namespace's only policy (deny-all) closes.
    const objs = [...pols.filter((p) => p.ns !== ns).map(toPolicy), np(ns, 'deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] })];
    for (const t of tables(objs)) {
      t.forEach((row, i) => row.forEach((ok, j) => {
        const touches = E2E_PODS[i].startsWith(`${ns}/`) || E2E_PODS[j].startsWith(`${ns}/`);
        if (touches && i !== j) assert.equal(ok, false, `${E2E_PODS[i]} -> ${E2E_PODS[j]}`);
        if (i === j) assert.equal(ok, true);
      }));
    }
  }), { seed: 7, numRuns: 40 });
});

const adminPeer = fc.oneof(
  nsSel.map((s) => ({ namespaces: s })),
  fc.tuple(nsSel, labelSel).map(([n, p]) => ({ pods: { namespaceSelector: n, podSelector: p } })),
);
const adminPorts = fc.option(fc.array(fc.oneof(
  fc.constantFrom(80, 81).map((port) => ({ portNumber: { protocol: 'TCP', port } })),
  fc.constant({ portRange: { protocol: 'UDP', start: 80, end: 81 } }),
  fc.constantFrom('serve-80-tcp', 'serve-81-udp').map((n) => ({ namedPort: n })),
), { minLength: 1, maxLength: 2 }), { nil: undefined });
const adminRule = (actions: string[]) => fc.record({ action: fc.constantFrom(...actions), peers: fc.array(adminPeer, { minLength: 1, maxLength: 2 }), ports: adminPorts });
const adminSubject = fc.oneof(nsSel.map((s) => ({ namespaces: s })), fc.tuple(nsSel, labelSel).map(([n, p]) => ({ pods: { namespaceSelector: n, podSelector: p } })));
const admin = fc.record({ priority: fc.integer({ min: 0, max: 3 }), subject: adminSubject, ingress: fc.array(adminRule(['Allow', 'Deny', 'Pass']), { maxLength: 2 }), egress: fc.array(adminRule(['Allow', 'Deny', 'Pass']), { maxLength: 2 }) });
const baseline = fc.record({ subject: adminSubject, ingress: fc.array(adminRule(['Allow', 'Deny']), { maxLength: 2 }), egress: fc.array(adminRule(['Allow', 'Deny']), { maxLength: 2 }) });
type GenAdminRule = { action: string; peers: Obj[]; ports?: Obj[] };
const toAdminRules = (rules: GenAdminRule[], field: 'from' | 'to') => rules.map((r, i) => ({ name: `r${i}`, action: r.action, [field]: r.peers, ...(r.ports ? { ports: r.ports } : {}) }));
function toAdmin(kind: 'AdminNetworkPolicy' | 'BaselineAdminNetworkPolicy', gen: unknown, i: number): Obj {
  const a = gen as { priority?: number; subject: Obj; ingress: GenAdminRule[]; egress: GenAdminRule[] };
  return { apiVersion: 'policy.networking.k8s.io/v1alpha1', kind, metadata: { name: kind === 'AdminNetworkPolicy' ? `anp-${i}` : 'default' }, spec: { ...(a.priority !== undefined ? { priority: a.priority } : {}), subject: a.subject, ingress: toAdminRules(a.ingress, 'from'), egress: toAdminRules(a.egress, 'to') } };
}

test('property: the class matrix and flow-by-flow check agree on random policies (NetworkPolicy, ANP, BANP)', () => {
  fc.assert(fc.property(fc.array(policy, { maxLength: 3 }), fc.array(admin, { maxLength: 3 }), fc.option(baseline, { nil: undefined }), (pols, anps, banp) => {
    const objs = [...pols.map(toPolicy), ...anps.map((a, i) => toAdmin('AdminNetworkPolicy', a, i)), ...(banp ? [toAdmin('BaselineAdminNetworkPolicy', banp, 0)] : [])];
    const model = loadModel([...e2eObjects(), ...objs]);
    assert.deepEqual(model.diagnostics, []);
    for (const pr of PROBES) assert.deepEqual(truthTableByMatrix(model, pr.port, pr.protocol), truthTableByCheck(model, pr.port, pr.protocol));
  }), { seed: 3, numRuns: 60 });
});

const cnpProtocols = fc.option(fc.array(fc.oneof(
  fc.constantFrom(80, 81).map((number) => ({ tcp: { destinationPort: { number } } })),
  fc.constant({ udp: { destinationPort: { range: { start: 80, end: 81 } } } }),
  fc.constantFrom('serve-80-tcp', 'serve-81-udp').map((n) => ({ destinationNamedPort: n })),
), { minLength: 1, maxLength: 2 }), { nil: undefined });
const cnpRule = fc.record({ action: fc.constantFrom('Accept', 'Deny', 'Pass'), peers: fc.array(adminPeer, { minLength: 1, maxLength: 2 }), protocols: cnpProtocols });
const clusterPolicy = fc.record({ tier: fc.constantFrom('Admin', 'Baseline'), priority: fc.integer({ min: 0, max: 3 }), subject: adminSubject, ingress: fc.array(cnpRule, { maxLength: 2 }), egress: fc.array(cnpRule, { maxLength: 2 }) });
function toCnp(gen: unknown, i: number): Obj {
  const c = gen as { tier: string; priority: number; subject: Obj; ingress: (GenAdminRule & { protocols?: Obj[] })[]; egress: (GenAdminRule & { protocols?: Obj[] })[] };
  const rules = (rs: typeof c.ingress, field: 'from' | 'to') => rs.map((r, j) => ({ name: `r${j}`, action: r.action, [field]: r.peers, ...(r.protocols ? { protocols: r.protocols } : {}) }));
  return { apiVersion: 'policy.networking.k8s.io/v1alpha2', kind: 'ClusterNetworkPolicy', metadata: { name: `cnp-${i}` }, spec: { tier: c.tier, priority: c.priority, subject: c.subject, ingress: rules(c.ingress, 'from'), egress: rules(c.egress, 'to') } };
}

test('property: the class matrix and flow-by-flow check agree with ClusterNetworkPolicies in both tiers beside ANP/BANP', () => {
  fc.assert(fc.property(fc.array(policy, { maxLength: 2 }), fc.array(clusterPolicy, { minLength: 1, maxLength: 4 }), fc.array(admin, { maxLength: 1 }), fc.option(baseline, { nil: undefined }), (pols, cnps, anps, banp) => {
    const objs = [...pols.map(toPolicy), ...cnps.map(toCnp), ...anps.map((a, i) => toAdmin('AdminNetworkPolicy', a, i)), ...(banp ? [toAdmin('BaselineAdminNetworkPolicy', banp, 0)] : [])];
    const model = loadModel([...e2eObjects(), ...objs]);
    assert.deepEqual(model.diagnostics, []);
    for (const pr of PROBES) assert.deepEqual(truthTableByMatrix(model, pr.port, pr.protocol), truthTableByCheck(model, pr.port, pr.protocol));
  }), { seed: 11, numRuns: 60 });
});

test('property: ClusterNetworkPolicy validation and compilation never throw, whatever the spec holds', () => {
  fc.assert(fc.property(fc.anything({ maxDepth: 4 }), fc.anything({ maxDepth: 3 }), (spec, rule) => {
    const objs = [
      { apiVersion: 'policy.networking.k8s.io/v1alpha2', kind: 'ClusterNetworkPolicy', metadata: { name: 'a' }, spec },
      { apiVersion: 'policy.networking.k8s.io/v1alpha2', kind: 'ClusterNetworkPolicy', metadata: { name: 'b' }, spec: { tier: 'Admin', priority: 1, subject: { namespaces: {} }, ingress: [rule], egress: [rule] } },
    ];
    const model = loadModel([...e2eObjects(), ...objs as Obj[]]);
    assert.ok(Array.isArray(model.diagnostics));
  }), { seed: 5, numRuns: 200 });
});
