import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withComputedStatus } from './index.js';
import { app, ask, gatewayWith, load, namespace } from './test-fixtures.js';

const gw = (allowed: string) => gatewayWith('  - {name: web, port: 80, protocol: HTTP, hostname: web.example.com}\n') + (allowed ? `  allowedListeners: {namespaces: {from: ${allowed}}}\n` : '');

function listenerSet(name: string, listeners: string, ns = 'default', created = '2026-01-01T00:00:00Z'): string {
  return `---
apiVersion: gateway.networking.k8s.io/v1
kind: ListenerSet
metadata: {name: ${name}, namespace: ${ns}, creationTimestamp: "${created}"}
spec:
  parentRef: {name: gw, namespace: default}
  listeners:
${listeners}`;
}

function route(name: string, parent: string, path: string, backend: string): string {
  return `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ${name}}
spec:
  parentRefs: [${parent}]
  rules: [{matches: [{path: {type: PathPrefix, value: ${path}}}], backendRefs: [{name: ${backend}, port: 80}]}]
`;
}

const statusOf = (cluster: any, kind: string, name: string, ns = 'default') => (withComputedStatus(cluster, cluster.get(kind, ns, name)) as any).status;
const conds = (cs: any[]) => cs.map((c: any) => `${c.type}=${c.status}/${c.reason}`);

test('allowedListeners: None by default refuses every ListenerSet (NotAllowed); Same takes those of its namespace', () => {
  const sets = listenerSet('here', '  - {name: api, port: 80, protocol: HTTP, hostname: api.example.com}\n') +
    namespace('team') + listenerSet('there', '  - {name: api2, port: 80, protocol: HTTP, hostname: api2.example.com}\n', 'team');
  for (const [allowed, here, there, count] of [['', 'NotAllowed', 'NotAllowed', 0], ['Same', 'Accepted', 'NotAllowed', 1], ['All', 'Accepted', 'Accepted', 2]] as const) {
    const { cluster } = load(gw(allowed) + sets);
    assert.deepEqual(conds(statusOf(cluster, 'ListenerSet', 'here').conditions), here === 'NotAllowed' ? ['Accepted=False/NotAllowed', 'Programmed=False/NotAllowed'] : ['Accepted=True/Accepted', 'Programmed=True/Programmed'], `from ${allowed || '(default)'}`);
    assert.equal(statusOf(cluster, 'ListenerSet', 'there', 'team').conditions[0].reason, there);
    assert.equal(statusOf(cluster, 'Gateway', 'gw').attachedListenerSets, count);
  }
});

test('routes attach to a ListenerSet by parentRef kind ListenerSet; a Gateway parentRef reaches only the Gateway\'s listeners', () => {
  const ls = listenerSet('extra', '  - {name: api, port: 80, protocol: HTTP, hostname: api.example.com}\n');
  const { cluster, model } = load(gw('Same') + ls + app('a') + app('b') + app('c') +
    route('to-set', '{kind: ListenerSet, group: gateway.networking.k8s.io, name: extra}', '/', 'a') +
    route('to-gw', '{name: gw}', '/', 'b') +
    route('to-gw-section', '{name: gw, sectionName: api}', '/', 'c'));
  assert.equal(ask(model, 'http://api.example.com/x').backend?.service, 'a');
  assert.equal(ask(model, 'http://api.example.com/x').listener, 'api');
  assert.equal(ask(model, 'http://web.example.com/x').backend?.service, 'b');
  const parents = statusOf(cluster, 'HTTPRoute', 'to-set').parents;
  assert.deepEqual(parents.map((p: any) => [p.parentRef.kind, p.parentRef.name, p.conditions[0].reason]), [['ListenerSet', 'extra', 'Accepted']]);
  assert.equal(statusOf(cluster, 'HTTPRoute', 'to-gw-section').parents[0].conditions[0].reason, 'NoMatchingParent', 'sectionName on a Gateway names only its own listeners');
  assert.deepEqual(statusOf(cluster, 'ListenerSet', 'extra').listeners.map((l: any) => [l.name, l.attachedRoutes]), [['api', 1]]);
  assert.deepEqual(statusOf(cluster, 'Gateway', 'gw').listeners.map((l: any) => [l.name, l.attachedRoutes]), [['web', 1]]);
});

test('conflicts: the Gateway\'s listeners, then older ListenerSets win; the later listener is conflicted with the reason', () => {
  const { cluster, model } = load(gw('Same') + app('a') +
    listenerSet('first', '  - {name: dup-host, port: 80, protocol: HTTP, hostname: web.example.com}\n  - {name: fine, port: 80, protocol: HTTP, hostname: fine.example.com}\n', 'default', '2026-01-01T00:00:00Z') +
    listenerSet('second', '  - {name: other-proto, port: 80, protocol: TCP}\n', 'default', '2026-01-02T00:00:00Z') +
    listenerSet('third', '  - {name: dup-of-first, port: 80, protocol: HTTP, hostname: fine.example.com}\n', 'default', '2026-01-03T00:00:00Z') +
    route('r', '{kind: ListenerSet, name: first}', '/', 'a'));
  const first = statusOf(cluster, 'ListenerSet', 'first');
  assert.deepEqual(conds(first.conditions), ['Accepted=True/ListenersNotValid', 'Programmed=True/Programmed']);
  assert.deepEqual(conds(first.listeners[0].conditions), ['Accepted=False/HostnameConflict', 'Conflicted=True/HostnameConflict', 'ResolvedRefs=True/ResolvedRefs', 'Programmed=False/HostnameConflict']);
  assert.deepEqual(conds(statusOf(cluster, 'ListenerSet', 'second').conditions), ['Accepted=False/ListenersNotValid', 'Programmed=False/ListenersNotValid']);
  assert.equal(statusOf(cluster, 'ListenerSet', 'second').listeners[0].conditions[0].reason, 'ProtocolConflict');
  assert.equal(statusOf(cluster, 'ListenerSet', 'third').listeners[0].conditions[0].reason, 'HostnameConflict');
  assert.equal(statusOf(cluster, 'Gateway', 'gw').attachedListenerSets, 1);
  assert.equal(ask(model, 'http://fine.example.com/').backend?.service, 'a');
  assert.equal(ask(model, 'http://web.example.com/').status, 404, 'the Gateway keeps web.example.com; the conflicted copy carries no traffic');
});
