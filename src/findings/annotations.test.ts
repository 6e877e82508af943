import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../cli/testing.js';
import { annotation } from './annotations.js';

test('annotation(): GitHub\'s escaping of data and properties', () => {
  assert.equal(annotation('error', '100% sure\r\nsecond: line, here', { file: 'k8s/a,b:c.yaml', line: 12, col: 3, title: 'PN1003 InvalidField' }),
    '::error file=k8s/a%2Cb%3Ac.yaml,line=12,col=3,title=PN1003 InvalidField::100%25 sure%0D%0Asecond: line, here');
  assert.equal(annotation('notice', 'no file'), '::notice::no file');
  assert.equal(annotation('warning', 'read failure has no line', { file: 'x.yaml', line: 0 }), '::warning file=x.yaml::read failure has no line');
});

test('lint, validate and mesh analyze -o github: one workflow command per finding', async () => {
  const lint = await runCli('lint', '-f', 'examples/shop/app', '-f', 'examples/seed-policies', '-o', 'github');
  assert.equal(lint.code, 0);
  assert.equal(lint.out, '::warning file=examples/seed-policies/deny-all.yaml,line=2,title=PN2005 EgressWithoutDns::NetworkPolicy production/deny-all isolates egress of 5 pods, and no policy lets them reach kube-dns on 53/UDP and 53/TCP: name lookups fail%0Afix: add an egress rule to {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}} on ports 53/UDP and 53/TCP\n');
  const mesh = await runCli('mesh', 'analyze', '-f', 'examples/mesh-canary', '-o', 'github');
  assert.equal(mesh.out, '::warning file=examples/mesh-canary/mesh.yaml,line=1,title=PN5008 StrictWithPlaintextClients::PeerAuthentication shop/default: STRICT mTLS on 3 serving workload(s) (frontend, reviews-v1, reviews-v2) while 1 workload(s) have no mesh proxy (legacy/curl): their plaintext requests are rejected\n');
  const v = await runCli('validate', '-f', 'examples/shop', '-o', 'github');
  assert.deepEqual([v.code, v.out], [0, '']);
  const bad = await runCli('validate', '-f', 'examples/shop', '-o', 'xml');
  assert.deepEqual([bad.code, bad.err], [1, 'error: unknown output format "xml": use text, json, sarif or github\n']);
});
