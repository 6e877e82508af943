// validateObject must be total: whatever JSON (or YAML-decoded value) it gets, it returns an array of well-formed
// field errors and never throws. Fuzzers: a seeded mutator over realistic manifests (10,000 mutants: fields
// dropped, types swapped, garbage, cycles, kinds swapped), fast-check properties with arbitrary values, and an
// alias-bomb family (YAML anchors nested at random depth and width in random fields, through the loader's bound).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { validateObject } from './validate.js';
import { formatFieldError, invalidObjectMessage, type FieldError } from './field-errors.js';
import type { KubeObject } from './types.js';
import { seededRandom } from '../util/prng.js';
import { parseManifestText } from './load.js';

const KINDS = ['Namespace', 'Node', 'Pod', 'Service', 'Endpoints', 'Secret', 'ConfigMap', 'Deployment', 'ReplicaSet',
  'StatefulSet', 'DaemonSet', 'Job', 'EndpointSlice', 'NetworkPolicy', 'Ingress', 'IngressClass', 'ClusterConfig', 'Widget'];

const podSpec = {
  hostNetwork: false, dnsPolicy: 'None', dnsConfig: { nameservers: ['10.96.0.10'], searches: ['svc.cluster.local'], options: [{ name: 'ndots', value: '2' }] },
  hostname: 'web-0', subdomain: 'web', nodeName: 'node-1', serviceAccountName: 'default', activeDeadlineSeconds: 30, priorityClassName: 'high',
  nodeSelector: { 'kubernetes.io/os': 'linux' }, tolerations: [{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoExecute', tolerationSeconds: 5 }],
  hostAliases: [{ ip: '10.0.0.1', hostnames: ['db.local'] }],
  containers: [{ name: 'app', image: 'nginx', restartPolicy: 'Always', ports: [{ name: 'http', containerPort: 80, hostPort: 8080, protocol: 'TCP', hostIP: '0.0.0.0' }] }],
  initContainers: [{ name: 'init', image: 'busybox', restartPolicy: 'Always', ports: [{ containerPort: 81 }] }],
};
const template = { metadata: { labels: { app: 'web' }, annotations: { a: 'b' } }, spec: podSpec };
const selector = { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a'] }] };
const meta = { name: 'web', namespace: 'shop', generateName: 'web-', labels: { app: 'web' }, annotations: { 'example.com/x': 'y' } };

const CORPUS: Record<string, unknown>[] = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: meta },
  { apiVersion: 'v1', kind: 'Node', metadata: meta, spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24', 'fd00::/64'], taints: [{ key: 'a', value: 'b', effect: 'NoSchedule' }] } },
  { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec: podSpec },
  { apiVersion: 'v1', kind: 'Service', metadata: meta, spec: {
    type: 'LoadBalancer', clusterIP: '10.96.0.1', clusterIPs: ['10.96.0.1', 'fd00::1'], ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'RequireDualStack',
    selector: { app: 'web' }, sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 10 } }, externalIPs: ['1.2.3.4'],
    externalTrafficPolicy: 'Local', internalTrafficPolicy: 'Cluster', healthCheckNodePort: 30000, loadBalancerSourceRanges: ['10.0.0.0/8'],
    allocateLoadBalancerNodePorts: true, loadBalancerClass: 'example.com/lb', externalName: 'x.example.com',
    ports: [{ name: 'http', port: 80, targetPort: 'http', nodePort: 30080, protocol: 'TCP', appProtocol: 'http' }, { name: 'b', port: 81, targetPort: 8081 }],
  } },
  { apiVersion: 'v1', kind: 'Endpoints', metadata: meta, subsets: [{ addresses: [{ ip: '10.0.0.1', hostname: 'a', nodeName: 'n' }], notReadyAddresses: [{ ip: '10.0.0.2' }], ports: [{ name: 'http', port: 80, protocol: 'TCP', appProtocol: 'http' }] }] },
  { apiVersion: 'v1', kind: 'Secret', metadata: meta, type: 'kubernetes.io/tls', data: { 'tls.crt': 'eA==' }, stringData: { 'tls.key': 'k' } },
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta, data: { a: 'b' }, binaryData: { c: 'AA==' } },
  { apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta, spec: { replicas: 2, minReadySeconds: 1, revisionHistoryLimit: 3, selector, template } },
  { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: meta, spec: { serviceName: 'web', podManagementPolicy: 'Parallel', updateStrategy: { type: 'OnDelete', rollingUpdate: {} }, selector, template } },
  { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: meta, spec: { selector, template } },
  { apiVersion: 'batch/v1', kind: 'Job', metadata: meta, spec: { manualSelector: true, completionMode: 'Indexed', completions: 3, parallelism: 2, selector, template } },
  { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: meta, addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: true }, hostname: 'a', nodeName: 'n' }], ports: [{ name: 'http', port: 80, protocol: 'TCP', appProtocol: 'h2c' }] },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: meta, spec: {
    podSelector: selector, policyTypes: ['Ingress', 'Egress'],
    ingress: [{ from: [{ podSelector: selector, namespaceSelector: {} }, { ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }], ports: [{ port: 80, endPort: 90, protocol: 'TCP' }, { port: 'http' }] }],
    egress: [{ to: [{ ipBlock: { cidr: 'fd00::/8' } }], ports: [{}] }],
  } },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { ...meta, annotations: { 'kubernetes.io/ingress.class': 'nginx' } }, spec: {
    ingressClassName: 'nginx', defaultBackend: { resource: { apiGroup: 'x.io', kind: 'K', name: 'n' } }, tls: [{ hosts: ['*.a.com'], secretName: 's' }],
    rules: [{ host: 'a.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80, name: 'http' } } } }] } }],
  } },
  { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: meta, spec: { controller: 'example.com/c', parameters: { apiGroup: 'x.io', kind: 'K', name: 'n', scope: 'Namespace', namespace: 'ns' } } },
  { apiVersion: 'podnet.dev/v1alpha1', kind: 'ClusterConfig', metadata: {}, spec: { cni: 'calico' } },
];

const prng = seededRandom;

function garbage(rand: () => number, root: unknown, depth = 0): unknown {
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
  switch (Math.floor(rand() * 16)) {
    case 0: return null;
    case 1: return undefined;
    case 2: return pick([0, -1, 1, 65535, 65536, 2 ** 31, -(2 ** 53), 1.5, NaN, Infinity, -Infinity]);
    case 3: return pick(['', ' ', 'None', 'a'.repeat(300), '__proto__', 'constructor', 'toString', '💥\u0000\uD800', '10.0.0.1', '::1', '1.2.3.4/33', '*.x', '-', '.', '..', 'In', 'Exists']);
    case 4: return rand() < 0.5;
    case 5: return [];
    case 6: return depth < 3 ? [garbage(rand, root, depth + 1), garbage(rand, root, depth + 1)] : [1];
    case 7: return {};
    case 8: return depth < 3 ? { [pick(['name', 'port', 'key', '__proto__', 'matchLabels', 'x'])]: garbage(rand, root, depth + 1) } : { a: 1 };
    case 9: return root; // a cycle, as YAML anchors can make
    case 10: return Object.create(null) as unknown;
    case 11: return Math.floor(rand() * 70000) - 100;
    case 12: return String(Math.floor(rand() * 70000));
    case 13: return { matchLabels: { 'a/b/c': 1 }, matchExpressions: [{ operator: 7 }] };
    default: return pick([[{}], [null], [[]], [1, 'a', null], { 0: 'a' }]);
  }
}

/** Every (container, key) pair of the value, to pick mutation points from. */
function slots(v: unknown, out: [Record<string, unknown> | unknown[], string | number][] = [], seen = new Set<unknown>()): typeof out {
  if (typeof v !== 'object' || v === null || seen.has(v)) return out;
  seen.add(v);
  if (Array.isArray(v)) v.forEach((item, i) => { out.push([v, i]); slots(item, out, seen); });
  else for (const [k, item] of Object.entries(v)) { out.push([v as Record<string, unknown>, k]); slots(item, out, seen); }
  return out;
}

const CORPUS_JSON = CORPUS.map((o) => JSON.stringify(o));

function mutate(baseIndex: number, rand: () => number): Record<string, unknown> {
  const root = JSON.parse(CORPUS_JSON[baseIndex]) as Record<string, unknown>; // a fresh copy, faster than structuredClone
  const n = 1 + Math.floor(rand() * 5);
  const points = slots(root); // computed once: a point made stale by an earlier edit is still a fine target
  for (let i = 0; i < n && points.length > 0; i++) {
    const [holder, k] = points[Math.floor(rand() * points.length)];
    const r = rand();
    if (r < 0.25) {
      if (Array.isArray(holder)) holder.splice(Number(k), 1);
      else delete holder[k as string];
    } else if (r < 0.9) {
      (holder as Record<string | number, unknown>)[k] = garbage(rand, root);
    } else {
      root.kind = KINDS[Math.floor(rand() * KINDS.length)];
    }
  }
  return root;
}

function checkResult(obj: unknown, result: FieldError[]): void {
  assert.ok(Array.isArray(result), 'validateObject must return an array');
  for (const e of result) {
    assert.equal(typeof e.field, 'string');
    assert.equal(typeof formatFieldError(e), 'string');
    const kind = (obj as { kind?: unknown } | null)?.kind;
    assert.equal(typeof invalidObjectMessage(typeof kind === 'string' ? kind : 'Object', 'x', e), 'string');
  }
}

function run(obj: unknown): void {
  let result: FieldError[];
  try {
    result = validateObject(obj as KubeObject);
  } catch (e) {
    let shown: string;
    try { shown = JSON.stringify(obj).slice(0, 2000); } catch { shown = '<cyclic>'; }
    assert.fail(`validateObject threw ${(e as Error)?.stack ?? e} on ${shown}`);
  }
  checkResult(obj, result);
}

test('the unmutated corpus (built to reach every branch, not to be valid) validates', () => {
  for (const o of CORPUS) run(o);
});

test('values too deep or cyclic for JSON still make printable errors', () => {
  let deep: unknown = 'x';
  for (let i = 0; i < 200_000; i++) deep = [deep];
  const cyclic: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  cyclic.self = cyclic;
  for (const bad of [deep, cyclic]) {
    const obj = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', labels: { app: bad } }, spec: { ports: bad } };
    run(obj);
    assert.equal(validateObject(obj as unknown as KubeObject).length, 2);
  }
});

test('10,000 seeded mutants: never throws, always an array of field errors', () => {
  const rand = prng(0x5eed);
  for (let i = 0; i < 10_000; i++) run(mutate(i % CORPUS.length, rand));
});

test('fast-check: arbitrary values at arbitrary places', () => {
  fc.assert(
    fc.property(fc.nat(CORPUS.length - 1), fc.array(fc.tuple(fc.nat(), fc.anything({ maxDepth: 3, withNullPrototype: true, withSparseArray: true })), { maxLength: 4 }), fc.constantFrom(...KINDS), (idx, edits, kind) => {
      const obj = JSON.parse(CORPUS_JSON[idx]) as Record<string, unknown>;
      for (const [at, value] of edits) {
        const points = slots(obj);
        if (points.length === 0) break;
        const [holder, k] = points[at % points.length];
        (holder as Record<string | number, unknown>)[k] = value;
      }
      if (edits.length % 2 === 1) obj.kind = kind;
      run(obj);
    }),
    { numRuns: 1000, seed: 42 },
  );
});

test('fast-check: whole documents of any shape', () => {
  fc.assert(
    fc.property(fc.anything({ maxDepth: 4 }), fc.constantFrom(...KINDS), (doc, kind) => {
      run(doc);
      if (typeof doc === 'object' && doc !== null && !Array.isArray(doc)) run({ ...doc, kind, metadata: doc });
    }),
    { numRuns: 500, seed: 7 },
  );
});

// ---- alias bombs: seeded documents of anchors and aliases at random depth, width and place, through parse + validate.

/** A document whose `field` (labels, ports, containers...) holds `depth` levels of `width` aliases, sequences or maps. */
function aliasDocument(rand: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const depth = 2 + Math.floor(rand() * 10);
  const width = 2 + Math.floor(rand() * 12);
  const asMap = rand() < 0.4;
  const leaf = pick(['"lol"', '{port: 80}', '{name: c, image: i}', '[a, b]', '1']);
  const level = (i: number) => {
    const item = i === 0 ? leaf : `*a${i - 1}`;
    return asMap ? `{${Array.from({ length: width }, (_, k) => `k${k}: ${item}`).join(', ')}}` : `[${Array(width).fill(item).join(', ')}]`;
  };
  const anchors = Array.from({ length: depth }, (_, i) => `    a${i}: &a${i} ${level(i)}`).join('\n');
  const use = `*a${depth - 1}`;
  const kind = pick(['Pod', 'Service', 'ConfigMap', 'Deployment', 'NetworkPolicy']);
  const where = pick([`  labels: ${use}`, `  annotations: {x: ${use}}`, `spec: {ports: ${use}, containers: ${use}, selector: ${use}}`, `data: ${use}`, `spec: {template: {spec: {containers: ${use}}}, podSelector: {matchLabels: ${use}}}`]);
  return `apiVersion: ${kind === 'Deployment' ? 'apps/v1' : kind === 'NetworkPolicy' ? 'networking.k8s.io/v1' : 'v1'}\nkind: ${kind}\nmetadata:\n  name: bomb\n  x-anchors:\n${anchors}\n${where}\n`;
}

/** CPU time of this process (user + system): the work done, whatever else the machine runs. */
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

test('alias-bomb family: 300 seeded documents, none crashes, each parses and validates in < 5 s of CPU, RSS grows < 300 MB', () => {
  const rand = prng(0xb0b);
  const rss0 = process.memoryUsage().rss;
  let refused = 0;
  for (let i = 0; i < 300; i++) {
    const text = aliasDocument(rand);
    const t0 = cpuMs();
    const r = parseManifestText(text, `bomb-${i}.yaml`);
    for (const o of r.objects) {
      run(o.object);
      for (const e of validateObject(o.object)) assert.ok(formatFieldError(e).length < 4000, `bomb-${i}: a ${formatFieldError(e).length}-character error`);
    }
    for (const d of r.diagnostics) assert.ok(d.message.length < 2000, `bomb-${i}: a ${d.message.length}-character message`);
    if (r.diagnostics.some((d) => d.message.endsWith('document contains excessive aliasing'))) refused++;
    const ms = cpuMs() - t0;
    assert.ok(ms < 5000, `bomb-${i} took ${ms.toFixed(0)} ms of CPU:\n${text}`);
  }
  assert.ok(refused > 100, `only ${refused} of 300 were past the bound`);
  const grew = (process.memoryUsage().rss - rss0) / 1e6;
  assert.ok(grew < 300, `RSS grew ${grew.toFixed(0)} MB`);
});
