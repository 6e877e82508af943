// podnet against a live cluster: the lab's own Kubernetes API read through @kubernetes/client-node gives every command
// the same answer as -f on the manifests the lab was started with; `podnet snapshot` writes a dump -f reads back as
// the same cluster; and a cluster that refuses or lacks kinds, or cannot be reached, is reported as kubectl would.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { runCli } from '../cli/testing.js';
import { parseManifestText } from '../api/load.js';
import { allKinds } from '../api/kinds.js';
import { startKubeLab, type KubeLab } from './apiserver/testing.js';

const MANIFESTS = ['examples/shop', 'examples/mesh-canary'];
let k: KubeLab;
before(async () => { k = await startKubeLab(MANIFESTS); });
after(async () => { await k?.close(); });

const files = MANIFESTS.flatMap((p) => ['-f', p]);
const READ_LINE = /^Read (\d+) objects of (\d+) kinds from context "podnet" \(https:\/\/127\.0\.0\.1:\d+\) in \d+\.\d s\n/;

/** A JSON answer with every source location (file:line) taken out: the one thing that must differ. */
function withoutSources(text: string): unknown {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      const flat = 'file' in v && 'line' in v;
      for (const [key, value] of Object.entries(v)) {
        const isSource = value !== null && typeof value === 'object' && 'file' in value && 'line' in value;
        if (!isSource && !(flat && (key === 'file' || key === 'line'))) out[key] = strip(value);
      }
      return out;
    }
    return v;
  };
  return strip(JSON.parse(text));
}

const COMMANDS: { args: string[]; json: boolean }[] = [
  { args: ['check', '--from', 'production/deploy/frontend', '--to', 'production/svc/backend', '-o', 'json'], json: true },
  { args: ['check', '--from', 'legacy/deploy/curl', '--to', 'shop/svc/reviews', '--port', '9080', '-o', 'json'], json: true },
  { args: ['matrix', '-o', 'json'], json: true },
  { args: ['matrix', '-n', 'production', '--port', '8080'], json: false },
  { args: ['dns', 'backend.production.svc.cluster.local', '--from', 'production/deploy/frontend', '-o', 'json'], json: true },
  { args: ['route', '--url', 'http://my-app.example.com/api/items', '-o', 'json'], json: true },
  { args: ['trace', '--from', 'production/deploy/frontend', '--to', 'backend.production:8080', '-o', 'json'], json: true },
  { args: ['explain', '-o', 'json'], json: true },
  { args: ['endpoints', '--service', 'production/backend', '--from', 'production/deploy/frontend', '-o', 'json'], json: true },
  { args: ['lint', '-o', 'json'], json: true },
  { args: ['proxy-rules', '--node', 'node-2'], json: false },
  { args: ['policy-rules', '--node', 'node-1'], json: false },
  { args: ['mesh', 'analyze', '-o', 'json'], json: true },
  { args: ['mesh', 'check', '--from', 'shop/deploy/frontend', '--to', 'shop/svc/reviews', '--port', '9080', '--method', 'GET', '-o', 'json'], json: true },
  { args: ['get', 'pods,svc,netpol', '-A', '-o', 'name'], json: false },
];

test('every command that reads a cluster: --kubeconfig lab.kubeconfig answers as -f on the lab\'s manifests', async () => {
  for (const { args, json } of COMMANDS) {
    const fromFiles = await runCli(...args, ...files);
    const live = await runCli(...args, '--kubeconfig', k.kubeconfig);
    const what = args.join(' ');
    assert.equal(fromFiles.code, 0, `${what} -f: ${fromFiles.err}`);
    assert.equal(live.code, 0, `${what} --kubeconfig: ${live.err}`);
    assert.ok(fromFiles.out.length > 20, what);
    if (json) assert.deepEqual(withoutSources(live.out), withoutSources(fromFiles.out), what);
    else assert.equal(live.out, fromFiles.out, what);
    assert.match(live.err, READ_LINE, what);
  }
});

test('get -o wide and describe: the same rows and details, with the ages and creation times the server recorded', async () => {
  const ageless = (s: string) => s.replace(/ +(<unknown>|\d+[smhdy]+)( +|$)/gm, ' AGE$2').replace(/ +AGE/g, ' AGE').replace(/ {2,}/g, ' ');
  const fromFiles = await runCli('get', 'pods', '-A', '-o', 'wide', ...files);
  const live = await runCli('get', 'pods', '-A', '-o', 'wide', '--kubeconfig', k.kubeconfig);
  assert.equal(ageless(live.out), ageless(fromFiles.out));
  assert.match(live.out, /^production +backend-6974c594d6-gdtrq +1\/1 +Running +0 +\d+d +10\.244\.1\.4 +node-1 /m);
  const d1 = await runCli('describe', 'netpol', 'deny-all', '-n', 'production', ...files);
  const d2 = await runCli('describe', 'netpol', 'deny-all', '-n', 'production', '--kubeconfig', k.kubeconfig);
  assert.equal(d2.out, d1.out.replace('Created on:   0001-01-01 00:00:00 +0000 UTC', 'Created on:   2025-03-01 10:00:00 +0000 UTC'));
});

test('podnet snapshot: a List dump that -f reads back as the same cluster (yaml and json)', async () => {
  const yaml = await runCli('snapshot', '--kubeconfig', k.kubeconfig);
  const json = await runCli('snapshot', '--kubeconfig', k.kubeconfig, '-o', 'json');
  assert.equal(yaml.code, 0, yaml.err);
  assert.equal(json.code, 0, json.err);
  const [, objects, kinds] = READ_LINE.exec(yaml.err)!;
  assert.equal(yaml.err.replace(READ_LINE, ''), '');
  assert.match(yaml.out, new RegExp(`^# podnet snapshot of context "podnet" \\(https://127\\.0\\.0\\.1:\\d+\\): ${objects} objects\napiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Namespace\n`));
  assert.equal(Number(kinds), allKinds().filter((x) => x.modelled && x.kind !== 'ClusterConfig').length);
  const fromYaml = parseManifestText(yaml.out, 'snap.yaml');
  const fromJson = parseManifestText(json.out, 'snap.json');
  assert.deepEqual(fromYaml.diagnostics, []);
  assert.equal(fromYaml.objects.length, Number(objects));
  assert.deepEqual(fromYaml.objects.map((o) => o.object), fromJson.objects.map((o) => o.object));
  assert.ok(fromYaml.objects.every((o) => o.object.metadata.managedFields === undefined && typeof o.object.metadata.resourceVersion === 'string'));
  const yamlFile = join(k.dir, 'snap.yaml');
  const jsonFile = join(k.dir, 'snap.json');
  writeFileSync(yamlFile, yaml.out);
  writeFileSync(jsonFile, json.out);
  for (const args of [['get', 'all', '-A', '-o', 'json'], ['matrix', '-o', 'json'], ['lint', '-o', 'json']]) {
    const live = await runCli(...args, '--kubeconfig', k.kubeconfig);
    const back = await runCli(...args, '-f', yamlFile);
    assert.equal(back.code, 0, back.err);
    assert.deepEqual(withoutSources(back.out), withoutSources(live.out), args.join(' '));
  }
  // The live listing is parsed from exactly the text `snapshot -o json` prints: the same lines, another name.
  const live = await runCli('validate', '-o', 'json', '--kubeconfig', k.kubeconfig);
  const back = await runCli('validate', '-o', 'json', '-f', jsonFile);
  assert.equal(back.out.replaceAll(JSON.stringify(jsonFile), JSON.stringify('<context podnet>')), live.out);
  assert.match(live.out, /"file": "<context podnet>",\n\s+"line": \d+/);
});

test('a write through the API is in the next read: a deny-all in legacy denies what was allowed', async () => {
  const args = ['check', '--from', 'shop/deploy/frontend', '--to', 'legacy/deploy/curl', '--port', '8080', '--kubeconfig', k.kubeconfig];
  assert.match((await runCli(...args)).out, /^ALLOWED: /);
  const doc = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny-all, namespace: legacy}\nspec: {podSelector: {}, policyTypes: [Ingress]}\n';
  const applied = await k.kubectl(['apply', '-f', '-'], { input: doc });
  assert.equal(applied.out, 'networkpolicy.networking.k8s.io/deny-all created\n', applied.err);
  try {
    const after = await runCli(...args);
    assert.match(after.out, /^DENIED by NetworkPolicy: shop\/frontend-7744468fd7-ssvns cannot connect to legacy\/curl-56d459744f-q5tlr on 8080\/TCP/);
    assert.match(after.out, /is isolated for ingress by legacy\/deny-all, and none of its rules allows/);
  } finally {
    await k.kubectl(['delete', 'netpol', 'deny-all', '-n', 'legacy']);
  }
});

test('a server whose certificate the kubeconfig\'s CA did not sign: kubectl\'s x509 error, exit 1', async () => {
  const doc = YAML.parse(readFileSync(k.kubeconfig, 'utf8')) as { clusters: { cluster: Record<string, unknown> }[] };
  delete doc.clusters[0].cluster['certificate-authority-data'];
  const file = join(k.dir, 'no-ca.kubeconfig');
  writeFileSync(file, YAML.stringify(doc));
  const r = await runCli('matrix', '--kubeconfig', file);
  assert.equal(r.code, 1);
  assert.equal(r.out, '');
  assert.match(r.err, /^error: Unable to connect to the server: tls: failed to verify certificate: x509: certificate signed by unknown authority \([A-Z_]+\)\n$/);
});
