// Hostile input to the running lab: a YAML alias bomb applied or written on disk (--watch reloads) is refused with
// file:line in milliseconds, and the lab keeps serving (dig still gets its answer).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab } from './lab.js';
import { ManifestSet } from './lab/snapshot.js';
import { formatDiagnostic } from '../api/diagnostics.js';
import { laughs } from '../api/testing.js';

const dir = mkdtempSync(join(tmpdir(), 'podnet-lab-input-'));
let lab: Lab;

const WEB = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx, ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec: {selector: {app: web}, ports: [{port: 80}]}
`;

before(async () => {
  writeFileSync(join(dir, 'web.yaml'), WEB);
  lab = await Lab.start({ paths: [dir], dnsPort: 0, httpPort: 0, httpsPort: 0, graceMs: 100, nodePortsAtNodePort: false });
});
after(async () => { await lab.close(); });

// dig runs asynchronously: the lab's DNS server answers from this process.
const digWeb = async () => (await promisify(execFile)('dig', ['+short', '+time=2', '+tries=1', '-p', String(lab.dns.port), '@127.0.0.1', 'web.default.svc.cluster.local'])).stdout.trim();

test('apply: the lab parses an alias bomb into one error, fast, and applies nothing', () => {
  const t0 = performance.now();
  const parsed = ManifestSet.parse(laughs(10), '<apply>');
  const ms = performance.now() - t0;
  assert.deepEqual(parsed.objects, []);
  assert.deepEqual(parsed.diagnostics.map(formatDiagnostic), ['<apply>:9: error converting YAML to JSON: yaml: line 9: document contains excessive aliasing']);
  assert.ok(ms < 1000, `${ms.toFixed(0)} ms`);
});

test('--watch reload: a bomb written next to the manifests is refused with file:line; the rest still serves', async () => {
  const ip = await digWeb();
  assert.match(ip, /^10\.\d+\.\d+\.\d+$/);
  const rss0 = process.memoryUsage().rss;
  const before = lab.snapshot.version;
  writeFileSync(join(dir, 'zz-bomb.yaml'), laughs(10));
  const t0 = performance.now();
  await lab.reload();
  const ms = performance.now() - t0;
  assert.equal(lab.snapshot.version, before + 1);
  assert.deepEqual(lab.snapshot.cluster.diagnostics.filter((d) => d.level === 'error').map(formatDiagnostic),
    [`${join(dir, 'zz-bomb.yaml')}:9: error converting YAML to JSON: yaml: line 9: document contains excessive aliasing`]);
  assert.ok(ms < 2000, `reload took ${ms.toFixed(0)} ms`);
  assert.ok(process.memoryUsage().rss - rss0 < 200e6, 'RSS grew by more than 200 MB');
  assert.equal(await digWeb(), ip);
});

test('apply of an invalid ClusterConfig is refused with its errors; the rest applies; the lab keeps serving', async () => {
  const before = lab.snapshot.version;
  const text = 'apiVersion: podnet.dev/v1alpha1\nkind: ClusterConfig\nmetadata: {name: c}\nspec:\n  podCIDR: 10.96.0.0/16\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: extra}\n';
  const r = await lab.apply(ManifestSet.parse(text, '<apply>').objects);
  assert.deepEqual(r.applied, ['Namespace//extra']);
  assert.deepEqual(r.errors, [{ key: 'ClusterConfig//c', messages: ['<apply>:1: The ClusterConfig is invalid: spec.serviceCIDRs[0]: Invalid value: "10.96.0.0/12": overlaps with the pod CIDR "10.96.0.0/16" (spec.podCIDRs[0]): a ClusterIP could be a pod\'s IP'] }]);
  assert.equal(lab.snapshot.version, before + 1);
  assert.equal(lab.snapshot.cluster.config.podCIDRs[0], '10.244.0.0/16');
  assert.ok(lab.snapshot.cluster.get('Namespace', '', 'extra'));
});
