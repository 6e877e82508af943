// The API server's parts without a network: revisions and watch history, field selectors, paths, discovery, kubeconfig.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { Revisions } from './revisions.js';
import { fieldFilter, labelFilter } from './selectors.js';
import { ApiError } from './status.js';
import { parseResourcePath } from './server.js';
import { aggregatedDiscovery, aggregatedVersion } from './discovery.js';
import { mergeKubeconfig, type Kubeconfig } from './kubeconfig.js';
import { jsonPatch, mergePatch, strategicMergePatch } from './patch.js';
import { definitionOfKind, shapeOfDefinition } from './schema.js';
import { ApplyConflicts, serverSideApply } from './managed.js';

const pod = (name: string, labels: Record<string, string> = {}, node = 'node-1') => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns', labels }, spec: { nodeName: node }, status: { phase: 'Running', podIP: '10.0.0.1' } });

test('revisions: a changed object gets a new resourceVersion, an unchanged one keeps its own; history and 410', () => {
  const r = new Revisions(() => new Date('2025-01-01T00:00:00Z'), (o) => o, 3);
  r.replaceKinds(new Map([['Pod', [pod('a'), pod('b')]]]));
  assert.equal(r.get('Pod', 'ns', 'a')!.rv, 1);
  assert.equal(r.get('Pod', 'ns', 'b')!.object.metadata.creationTimestamp, '2025-01-01T00:00:00Z');
  const events = r.replaceKinds(new Map([['Pod', [pod('a', { x: '1' }), pod('c')]]]));
  assert.deepEqual(events.map((e) => [e.type, e.object.metadata.name, e.rv]), [['MODIFIED', 'a', 3], ['ADDED', 'c', 4], ['DELETED', 'b', 5]]);
  assert.equal(r.resourceVersion, 5);
  assert.deepEqual((r.since(3) as { rv: number }[]).map((e) => e.rv), [4, 5]);
  // Only three events are kept: from revision 1 the history is gone.
  assert.equal(r.since(1), 'gone');
  assert.deepEqual(r.list('Pod').map((s) => s.name), ['a', 'c']);
});

test('field selectors: the fields each kind declares, = == !=, escapes, and the API server\'s refusal', () => {
  const f = fieldFilter('Pod', 'spec.nodeName==node-1,status.phase=Running,metadata.name!=b')!;
  assert.equal(f(pod('a')), true);
  assert.equal(f(pod('b')), false);
  assert.equal(f(pod('a', {}, 'node-2')), false);
  assert.equal(fieldFilter('Event', 'involvedObject.name=a\\,b')!({ involvedObject: { name: 'a,b' } }), true);
  assert.throws(() => fieldFilter('Service', 'spec.nodeName=x'), (e: unknown) => e instanceof ApiError && e.code === 400 && e.message === 'field label not supported: spec.nodeName');
  assert.throws(() => fieldFilter('Pod', 'nonsense'), (e: unknown) => e instanceof ApiError && e.code === 400);
  assert.equal(labelFilter('app in (a,b),!canary')!(pod('x', { app: 'b' })), true);
  assert.equal(labelFilter('app in (a,b),!canary')!(pod('x', { app: 'b', canary: '' })), false);
});

test('resource paths: namespaced, cluster-scoped, the Namespace itself and subresources', () => {
  const p = (s: string) => { const r = parseResourcePath(s); return r && { kind: r.r.kind, group: r.r.group, version: r.version, namespace: r.namespace, name: r.name, sub: r.subresource }; };
  assert.deepEqual(p('/api/v1/namespaces/prod/pods/web/exec'), { kind: 'Pod', group: '', version: 'v1', namespace: 'prod', name: 'web', sub: 'exec' });
  assert.deepEqual(p('/api/v1/namespaces/prod'), { kind: 'Namespace', group: '', version: 'v1', namespace: '', name: 'prod', sub: undefined });
  assert.deepEqual(p('/api/v1/namespaces/prod/status'), { kind: 'Namespace', group: '', version: 'v1', namespace: '', name: 'prod', sub: 'status' });
  assert.deepEqual(p('/apis/apps/v1/deployments'), { kind: 'Deployment', group: 'apps', version: 'v1', namespace: '', name: undefined, sub: undefined });
  assert.deepEqual(p('/apis/gateway.networking.k8s.io/v1beta1/namespaces/x/httproutes/r'), { kind: 'HTTPRoute', group: 'gateway.networking.k8s.io', version: 'v1beta1', namespace: 'x', name: 'r', sub: undefined });
  assert.equal(p('/api/v1/namespaces/prod/nodes'), undefined);
  assert.equal(p('/apis/apps/v2/deployments'), undefined);
  assert.equal(p('/api/v1/pods/%zz'), undefined);
});

test('aggregated discovery: v2 first, v2beta1 when only it is accepted, legacy otherwise; pods carry short names and subresources', () => {
  assert.equal(aggregatedVersion('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json'), 'v2');
  assert.equal(aggregatedVersion('application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList'), 'v2beta1');
  assert.equal(aggregatedVersion('application/json, */*'), undefined);
  const core = aggregatedDiscovery('api', 'v2') as { items: { versions: { resources: { resource: string; shortNames?: string[]; categories?: string[]; scope: string; subresources?: { subresource: string }[] }[] }[] }[] };
  const pods = core.items[0].versions[0].resources.find((r) => r.resource === 'pods')!;
  assert.deepEqual([pods.shortNames, pods.categories, pods.scope], [['po'], ['all'], 'Namespaced']);
  assert.deepEqual(pods.subresources!.map((s) => s.subresource), ['attach', 'ephemeralcontainers', 'exec', 'log', 'portforward', 'status']);
});

test('kubeconfig --merge: adds podnet, replaces an older podnet, keeps other entries and comments', () => {
  const dir = mkdtempSync(join(tmpdir(), 'podnet-kcfg-'));
  try {
    const path = join(dir, 'config');
    writeFileSync(path, '# mine\napiVersion: v1\nkind: Config\nclusters:\n- name: prod\n  cluster: {server: https://prod:6443}\n- name: podnet\n  cluster: {server: https://old}\ncontexts:\n- name: prod\n  context: {cluster: prod, user: me}\ncurrent-context: prod\nusers:\n- name: me\n  user: {token: abc}\n', { mode: 0o640 });
    const source: Kubeconfig = { clusters: [{ name: 'podnet', cluster: { server: 'https://127.0.0.1:6443' } }], users: [{ name: 'podnet', user: { token: 't' } }], contexts: [{ name: 'podnet', context: { cluster: 'podnet', user: 'podnet' } }], 'current-context': 'podnet' };
    assert.deepEqual(mergeKubeconfig(path, source), { previous: 'prod' });
    const text = readFileSync(path, 'utf8');
    assert.match(text, /^# mine\n/);
    const merged = YAML.parse(text);
    assert.deepEqual(merged.clusters.map((c: { name: string; cluster: { server: string } }) => [c.name, c.cluster.server]), [['prod', 'https://prod:6443'], ['podnet', 'https://127.0.0.1:6443']]);
    assert.deepEqual(merged.contexts.map((c: { name: string }) => c.name), ['prod', 'podnet']);
    assert.deepEqual(merged.users.map((c: { name: string }) => c.name), ['me', 'podnet']);
    assert.equal(merged['current-context'], 'podnet');
    assert.equal(statSync(path).mode & 0o777, 0o640);
    const fresh = join(dir, 'new', 'config');
    assert.deepEqual(mergeKubeconfig(fresh, source), {});
    assert.equal(statSync(fresh).mode & 0o777, 0o600);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('strategic merge patch: containers by name, ports by containerPort, env by name, directives kubectl sends', () => {
  const shape = shapeOfDefinition(definitionOfKind('apps', 'v1', 'Deployment'));
  const live = { spec: { template: { spec: { containers: [
    { name: 'a', image: 'x:1', ports: [{ containerPort: 80, name: 'http' }], env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] },
    { name: 'b', image: 'y:1' },
  ], tolerations: [{ key: 't' }] } } } };
  const out = strategicMergePatch(live as never, { spec: { template: { spec: {
    '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }],
    containers: [{ name: 'a', image: 'x:2', ports: [{ containerPort: 443 }], env: [{ name: 'B', $patch: 'delete' }] }, { name: 'c', image: 'z' }],
    tolerations: [{ key: 'u' }],
  } } } } as never, shape) as any;
  const spec = out.spec.template.spec;
  assert.deepEqual(spec.containers.map((c: { name: string }) => c.name), ['b', 'a', 'c']);
  assert.deepEqual(spec.containers[1], { name: 'a', image: 'x:2', ports: [{ containerPort: 80, name: 'http' }, { containerPort: 443 }], env: [{ name: 'A', value: '1' }] });
  // tolerations have no patch strategy: replaced.
  assert.deepEqual(spec.tolerations, [{ key: 'u' }]);
  const finalizers = strategicMergePatch({ metadata: { finalizers: ['a', 'b'] } } as never, { metadata: { finalizers: ['c'], '$deleteFromPrimitiveList/finalizers': ['a'] } } as never, shape) as any;
  assert.deepEqual(finalizers.metadata.finalizers, ['b', 'c']);
  assert.deepEqual(strategicMergePatch({ spec: { selector: { a: '1' } } } as never, { spec: { selector: { $patch: 'replace', b: '2' } } } as never, shape), { spec: { selector: { b: '2' } } });
  assert.throws(() => strategicMergePatch(live as never, { spec: { template: { spec: { containers: [{ image: 'no-name' }] } } } } as never, shape), /does not contain declared merge key: name/);
});

test('JSON patch and JSON merge patch (RFC 6902, RFC 7386)', () => {
  const doc = { a: { b: [1, 2, 3] }, c: 'x' };
  assert.deepEqual(jsonPatch(doc, [{ op: 'add', path: '/a/b/-', value: 4 }, { op: 'remove', path: '/a/b/0' }, { op: 'move', from: '/c', path: '/d' }, { op: 'copy', from: '/d', path: '/e~1f' }, { op: 'test', path: '/d', value: 'x' }]), { a: { b: [2, 3, 4] }, d: 'x', 'e/f': 'x' });
  assert.throws(() => jsonPatch(doc, [{ op: 'test', path: '/c', value: 'y' }]), /testing value \/c failed/);
  assert.throws(() => jsonPatch(doc, [{ op: 'replace', path: '/zz', value: 1 }]), /doc is missing key: \/zz/);
  assert.deepEqual(mergePatch(doc, { a: null, c: { d: 1 } }), { c: { d: 1 } });
  assert.deepEqual(doc, { a: { b: [1, 2, 3] }, c: 'x' });
});

test('server-side apply: shared fields, conflicts, removal of what the applier stopped setting', () => {
  const shape = shapeOfDefinition(definitionOfKind('', 'v1', 'Service'));
  const time = '2025-01-01T00:00:00Z';
  const cfg = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', labels: { a: '1', b: '2' } }, spec: { ports: [{ port: 80, targetPort: 8080 }] } };
  const first = serverSideApply(undefined, cfg, shape, { manager: 'me', apiVersion: 'v1', force: false, time });
  assert.deepEqual(first.metadata.managedFields[0].fieldsV1, { 'f:metadata': { 'f:labels': { 'f:a': {}, 'f:b': {} } }, 'f:spec': { 'f:ports': { 'k:{"port":80,"protocol":"TCP"}': { '.': {}, 'f:port': {}, 'f:targetPort': {} } } } });
  const live: Record<string, any> = { ...first, spec: { ports: [{ port: 80, protocol: "TCP", targetPort: 8080 }] } };
  const other = { ...live, metadata: { ...live.metadata, managedFields: [...live.metadata.managedFields, { manager: 'you', operation: 'Update', apiVersion: 'v1', time, fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:a': {} } } } }] } };
  assert.throws(() => serverSideApply(other, { ...cfg, metadata: { name: 's', labels: { a: '9' } } }, shape, { manager: 'me', apiVersion: 'v1', force: false, time }),
    (e: unknown) => e instanceof ApplyConflicts && e.message === 'Apply failed with 1 conflict: conflict with "you" using v1: .metadata.labels.a');
  const dropped = serverSideApply(other, { ...cfg, metadata: { name: 's', labels: { a: '1' } } }, shape, { manager: 'me', apiVersion: 'v1', force: false, time });
  assert.deepEqual(dropped.metadata.labels, { a: '1' });
  assert.deepEqual(dropped.spec.ports, [{ port: 80, protocol: 'TCP', targetPort: 8080 }]);
});

test('SPDY: a SYN_STREAM whose header block inflates past 1 MiB ends the session instead of growing', async () => {
  const { deflateSync, constants } = await import('node:zlib');
  const { DICTIONARY, SpdyServer } = await import('./spdy.js');
  const block = deflateSync(Buffer.alloc(4 * 1024 * 1024), { dictionary: DICTIONARY, finishFlush: constants.Z_SYNC_FLUSH });
  const payload = Buffer.concat([Buffer.from([0, 0, 0, 1, 0, 0, 0, 0, 0, 0]), block]);
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8003, 0);
  head.writeUInt16BE(1, 2);
  head.writeUInt32BE(payload.length, 4);
  const written: Buffer[] = [];
  const ended: (string | undefined)[] = [];
  let streams = 0;
  const done = new Promise<void>((resolve) => {
    const spdy = new SpdyServer((b) => written.push(b), { stream: () => { streams++; }, data: () => undefined, reset: () => undefined, end: (why) => { ended.push(why); resolve(); } });
    spdy.receive(Buffer.concat([head, payload]));
  });
  await done;
  assert.equal(streams, 0);
  assert.deepEqual(ended, ['header block too large']);
  assert.equal(written.length, 1);
  assert.equal(written[0].readUInt16BE(2), 7);
});
