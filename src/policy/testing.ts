// Test fixtures shared by the policy tests: the upstream e2e netpol model (namespaces x, y, z; pods a, b, c each
// serving 80 and 81 over TCP, UDP and SCTP on ports named serve-<port>-<proto>) and truth-table helpers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../cluster/cluster.js';
import { compilePolicies, type PolicyModel } from './model.js';
import { podMatrix } from './matrix.js';
import { check } from './targets.js';
import type { Protocol } from './classes.js';

type Obj = Record<string, any>;

export const E2E_PODS = ['x/a', 'x/b', 'x/c', 'y/a', 'y/b', 'y/c', 'z/a', 'z/b', 'z/c'] as const;

export function e2eObjects(opts: { nsLabels?: Record<string, Record<string, string>>; podLabels?: Record<string, Record<string, string>> } = {}): Obj[] {
  const objs: Obj[] = [];
  for (const ns of ['x', 'y', 'z']) objs.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { ...(opts.nsLabels?.[ns] ?? {}) } } });
  for (const key of E2E_PODS) {
    const [ns, name] = key.split('/');
    const containers = [];
    for (const port of [80, 81]) for (const proto of ['TCP', 'UDP', 'SCTP']) {
      const p = proto.toLowerCase();
      containers.push({ name: `cont-${port}-${p}`, image: 'registry.k8s.io/e2e-test-images/agnhost:2.47', ports: [{ containerPort: port, name: `serve-${port}-${p}`, protocol: proto }] });
    }
    objs.push({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, labels: { pod: name, ...(opts.podLabels?.[key] ?? {}) } }, spec: { nodeName: name === 'b' ? 'node-2' : 'node-1', containers } });
  }
  return objs;
}

export function toText(objs: Obj[]): string {
  return objs.map((o) => JSON.stringify(o)).join('\n---\n') + '\n';
}

export function loadModel(objs: Obj[], config?: Obj): PolicyModel {
  const all = config ? [{ apiVersion: 'podnet.dev/v1alpha1', kind: 'ClusterConfig', metadata: { name: 'test' }, spec: config }, ...objs] : objs;
  return compilePolicies(Cluster.load({ text: toText(all) }));
}

/** A NetworkPolicy object. */
export function np(namespace: string, name: string, spec: Obj): Obj {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec };
}

export function anp(name: string, spec: Obj): Obj {
  return { apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'AdminNetworkPolicy', metadata: { name }, spec };
}

/** A policy.networking.k8s.io/v1alpha2 ClusterNetworkPolicy. */
export function cnp(name: string, tier: 'Admin' | 'Baseline', priority: number, spec: Obj): Obj {
  return { apiVersion: 'policy.networking.k8s.io/v1alpha2', kind: 'ClusterNetworkPolicy', metadata: { name }, spec: { tier, priority, ...spec } };
}

export function banp(spec: Obj, name = 'default'): Obj {
  return { apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'BaselineAdminNetworkPolicy', metadata: { name }, spec };
}

/** Parses a 9x9 grid ('1' allowed, '.' denied; rows = sources, columns = destinations, order of E2E_PODS). */
export function grid(text: string): boolean[][] {
  const rows = text.split('\n').map((l) => l.replace(/\s+/g, '')).filter((l) => l !== '');
  return rows.map((r) => [...r].map((ch) => {
    if (ch !== '1' && ch !== '.') throw new Error(`bad grid character ${ch}`);
    return ch === '1';
  }));
}

export function formatGrid(m: boolean[][]): string {
  return m.map((r) => r.map((b, i) => (b ? '1' : '.') + (i % 3 === 2 ? ' ' : '')).join('').trim()).join('\n');
}

/** The truth table of the e2e pods, computed one flow at a time with `check` (the reasons path). */
export function truthTableByCheck(model: PolicyModel, port: number | string, protocol: Protocol = 'TCP'): boolean[][] {
  return E2E_PODS.map((from) => E2E_PODS.map((to) => check(model, { from, to, port, protocol }).allowed));
}

/** The same table from the class matrix (the fast path). */
export function truthTableByMatrix(model: PolicyModel, port: number, protocol: Protocol = 'TCP'): boolean[][] {
  const m = podMatrix(model, { namespaces: ['x', 'y', 'z'], port, protocol });
  const idx = E2E_PODS.map((k) => m.pods.indexOf(k));
  return idx.map((i) => idx.map((j) => m.allowed(i, j)));
}

type Probe = { port: number | string; protocol?: Protocol; grid: string };
/** One e2e case: policies (built with the pods' IPs at hand) and the expected grid per probed port/protocol. */
export interface Case { name: string; policies: (ip: (pod: string) => string) => Obj[]; nsLabels?: Record<string, Record<string, string>>; podLabels?: Record<string, Record<string, string>>; probes: Probe[] }

export function runCases(cases: readonly Case[]): void {
  for (const c of cases) {
    test(`e2e: ${c.name}`, () => {
      const base = loadModel(e2eObjects({ nsLabels: c.nsLabels, podLabels: c.podLabels }));
      const ip = (key: string) => {
        const [ns, name] = key.split('/');
        return String((base.cluster.get<Obj>('Pod', ns, name)!.status as Obj).podIP);
      };
      const model = loadModel([...e2eObjects({ nsLabels: c.nsLabels, podLabels: c.podLabels }), ...c.policies(ip)]);
      assert.deepEqual(model.diagnostics, []);
      for (const p of c.probes) {
        const want = formatGrid(grid(p.grid));
        assert.equal(formatGrid(truthTableByCheck(model, p.port, p.protocol ?? 'TCP')), want, `check, port ${p.port}/${p.protocol ?? 'TCP'}`);
        if (typeof p.port === 'number') assert.equal(formatGrid(truthTableByMatrix(model, p.port, p.protocol ?? 'TCP')), want, `matrix, port ${p.port}/${p.protocol ?? 'TCP'}`);
      }
    });
  }
}

