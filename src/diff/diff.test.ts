// diffClusters on before/after pairs, one kind of change each, with the exact section it must produce.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Cluster } from '../cluster/cluster.js';
import { diffConnectivity } from './connectivity.js';
import { policyModelOf } from '../policy/index.js';
import { diffClusters, summaryLine, type ClusterDiff, type ConnectivityChange } from './index.js';
import { baseObjects, edited, ingress, load, netpol, replacing, service, webToDb, without } from './testing.js';

type Obj = Record<string, any>;
const base = load(baseObjects());
const diffWith = (edit: (o: Obj[]) => Obj[]): ClusterDiff => diffClusters(base, load(edited(edit)));

/** A connectivity change in one line: ends, ports before → after, and the policies that decided on `port`. */
const line = (c: ConnectivityChange) => `${c.from} → ${c.to}${c.external ? ` (external ${c.external})` : ''}: ${JSON.stringify(c.before)} → ${JSON.stringify(c.after)} opened ${JSON.stringify(c.opened)} closed ${JSON.stringify(c.closed)}; on ${c.port}/${c.protocol} ${c.policies.before.join(',') || '-'} → ${c.policies.after.join(',') || '-'}${c.source ? ` @${c.source.file}:${c.source.line}` : ''}`;
const conn = (d: ClusterDiff) => ({ added: d.connectivity.added.map(line), removed: d.connectivity.removed.map(line), changed: d.connectivity.changed.map(line) });
const empty = { added: [], removed: [], changed: [] };

test('no change: every section empty, the summary says so', () => {
  const d = diffClusters(base, load(baseObjects()));
  assert.equal(d.summary.total, 0);
  assert.deepEqual(Object.keys(d), ['summary', 'connectivity', 'exposure', 'services', 'dns', 'routes', 'mesh', 'findings']);
  for (const k of ['connectivity', 'exposure', 'services', 'dns', 'routes', 'mesh'] as const) assert.deepEqual(d[k], empty, k);
  assert.deepEqual(d.findings, { added: [], removed: [] });
  assert.equal(summaryLine(d), 'podnet diff: no change in connectivity, exposure, Services, DNS, routes, mesh or findings');
});

test('a policy opening 8080 to everyone: every workload and the internet newly allowed, exposure from outside, all namespaces and the Ingress', () => {
  const d = diffWith((o) => [...o, netpol('allow-web-8080', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ ports: [{ port: 8080 }] }] })]);
  const opened = '{} → {"TCP":"8080"} opened {"TCP":"8080"} closed {}; on 8080/TCP app/deny-all → app/allow-web-8080 @shop.yaml:17';
  assert.deepEqual(conn(d), {
    added: [
      `app/deployment/db → app/deployment/web: ${opened}`,
      `app/deployment/web → app/deployment/web: ${opened}`,
      `ingress-nginx/deployment/ingress-nginx-controller → app/deployment/web: ${opened}`,
      `internet → app/deployment/web (external from): ${opened}`,
      `kube-system/deployment/coredns → app/deployment/web: ${opened}`,
    ],
    removed: [], changed: [],
  });
  assert.deepEqual(d.exposure, {
    added: [
      { name: 'all namespaces → app/deployment/web', after: { via: 'NetworkPolicy', workloads: ['app/deployment/web'], ports: { TCP: '8080' } } },
      { name: 'ingress:nginx http://shop.example.com/api', after: { via: 'Ingress', workloads: ['app/deployment/web'], status: 200 } },
      { name: 'internet → app/deployment/web', after: { via: 'NetworkPolicy', workloads: ['app/deployment/web'], ports: { TCP: '8080' } } },
    ],
    removed: [], changed: [],
  });
  // The controller could not reach web before (504); now it can.
  assert.deepEqual(d.routes.changed.map((c) => [c.name, c.before?.status, c.after?.status]), [['ingress:nginx http://shop.example.com/api', 504, 200]]);
  assert.equal(d.summary.newExposure, 3);
  assert.equal(summaryLine(d), 'podnet diff: connectivity 5 newly allowed, 0 newly denied, 0 with changed ports; 3 new exposures, 0 Service changes, 0 DNS changes, 1 route change, 0 mesh changes, 0 new findings, 0 findings gone');
});

test('removing the only allow: the pair is newly denied, by the isolating policy', () => {
  const d = diffWith((o) => without(o, 'allow-web-to-db'));
  assert.deepEqual(conn(d), { added: [], changed: [], removed: ['app/deployment/web → app/deployment/db: {"TCP":"5432"} → {} opened {} closed {"TCP":"5432"}; on 5432/TCP app/allow-web-to-db → app/deny-all @shop.yaml:13'] });
  assert.equal(d.summary.total, 1);
});

test('a second port: the pair is changed, with only the opened port', () => {
  const d = diffWith((o) => replacing(o, 'NetworkPolicy', 'allow-web-to-db', webToDb([{ port: 5432 }, { port: 6432 }])));
  assert.deepEqual(conn(d), { added: [], removed: [], changed: ['app/deployment/web → app/deployment/db: {"TCP":"5432"} → {"TCP":"5432,6432"} opened {"TCP":"6432"} closed {}; on 6432/TCP app/allow-web-to-db,app/deny-all → app/allow-web-to-db @shop.yaml:15'] });
});

test('an egress ipBlock: the external peer is named by its CIDR, the rest of the world is "internet"', () => {
  const d = diffWith((o) => [...o, netpol('db-egress', { podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '192.0.2.0/24' } }], ports: [{ port: 443 }] }] })]);
  const to = (peer: string) => d.connectivity.changed.find((c) => c.from === 'app/deployment/db' && c.to === peer);
  assert.deepEqual(to('192.0.2.0/24') && line(to('192.0.2.0/24')!), 'app/deployment/db → 192.0.2.0/24 (external to): {"TCP":"all","UDP":"all","SCTP":"all"} → {"TCP":"443"} opened {} closed {"TCP":"1-442,444-65535","UDP":"all","SCTP":"all"}; on 1/TCP - → app/db-egress @shop.yaml:17');
  // db → web and db → db were already denied by deny-all at the other end: unchanged.
  assert.equal(d.connectivity.removed.map((c) => `${c.from} → ${c.to}`).join(', '), 'app/deployment/db → ingress-nginx/deployment/ingress-nginx-controller, app/deployment/db → internet, app/deployment/db → kube-system/deployment/coredns');
});

test('Services: a port changed, a NodePort added (not exposed: its pods deny ingress), its DNS name appears', () => {
  const d = diffWith((o) => [...replacing(o, 'Service', 'db', service('db', 5433, 'pg')), { ...service('web-public', 80, 'http', { type: 'NodePort' }), spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } }]);
  assert.deepEqual(d.connectivity, empty);
  const pub = d.services.added[0].after!;
  const nodePort = (pub.ports as string[])[0].match(/nodePort (\d+)/)![1];
  assert.deepEqual(d.services, {
    added: [{ name: 'app/web-public', after: { type: 'NodePort', clusterIPs: pub.clusterIPs, ports: [`http 80/TCP → http (nodePort ${nodePort})`], externalTrafficPolicy: 'Cluster', endpoints: { 'app/deployment/web': { ready: 2, notReady: 0 } } } }],
    removed: [],
    changed: [{ name: 'app/db', before: { type: 'ClusterIP', clusterIPs: ['10.107.71.186'], ports: ['pg 5432/TCP → pg'], endpoints: { 'app/deployment/db': { ready: 1, notReady: 0 } } }, after: { type: 'ClusterIP', clusterIPs: ['10.107.71.186'], ports: ['pg 5433/TCP → pg'], endpoints: { 'app/deployment/db': { ready: 1, notReady: 0 } } } }],
  });
  // web's pods are isolated by deny-all: an outside client's connection through the NodePort is dropped there.
  assert.deepEqual(d.exposure, empty);
  assert.deepEqual(d.dns, { added: [{ name: 'web-public.app.svc.cluster.local A', after: { rcode: 'NOERROR', answers: [`A ${(pub.clusterIPs as string[])[0]}`] } }], removed: [], changed: [] });
});

test('DNS: a Service turned ExternalName changes its answer to a CNAME', () => {
  const d = diffWith((o) => replacing(o, 'Service', 'db', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'app' }, spec: { type: 'ExternalName', externalName: 'db.example.net' } }));
  assert.deepEqual(d.dns, {
    added: [{ name: 'db.app.svc.cluster.local AAAA', after: { rcode: 'NOERROR', answers: ['CNAME db.example.net.'] } }],
    removed: [],
    changed: [{ name: 'db.app.svc.cluster.local A', before: { rcode: 'NOERROR', answers: ['A 10.107.71.186'] }, after: { rcode: 'NOERROR', answers: ['CNAME db.example.net.'] } }],
  });
});

test('routes: a path sent to another backend, and a redirect', () => {
  const d = diffWith((o) => replacing(o, 'Ingress', 'shop', ingress('db')));
  assert.deepEqual(d.routes, { added: [], removed: [], changed: [{ name: 'ingress:nginx http://shop.example.com/api', before: { status: 504, backends: ['app/web:80'], workloads: ['app/deployment/web'], path: '/api' }, after: { status: 503, backends: ['app/db:80'] } }] });
  assert.deepEqual(d.findings.added.map((f) => `${f.file}:${f.line}: ${f.code} ${f.message}`), ['shop.yaml:11: PN4007 Ingress app/shop: Service "app/db" has no port 80; requests for it get 503']);
  const redirect = diffWith((o) => replacing(o, 'Ingress', 'shop', ingress('web', { annotations: { 'nginx.ingress.kubernetes.io/permanent-redirect': 'https://new.example.com' } })));
  assert.deepEqual(redirect.routes.changed.map((c) => [c.name, c.after]), [['ingress:nginx http://shop.example.com/api', { status: 301, location: 'https://new.example.com' }]]);
});

test('findings: a policy that selects nothing appears; removing it makes it disappear', () => {
  const withLint = edited((o) => [...o, netpol('selects-nothing', { podSelector: { matchLabels: { app: 'nope' } }, policyTypes: ['Ingress'] })]);
  const d = diffClusters(base, load(withLint));
  const f = { code: 'PN2002', severity: 'warning', object: 'NetworkPolicy app/selects-nothing', file: 'shop.yaml', line: 17, message: 'NetworkPolicy app/selects-nothing selects no pod: its podSelector matches nothing in namespace app' };
  assert.deepEqual(d.findings, { added: [f], removed: [] });
  assert.deepEqual(diffClusters(load(withLint), base).findings, { added: [], removed: [f] });
});

test('mesh: a traffic split and an AuthorizationPolicy that newly allows an identity', () => {
  const cl = readFileSync('examples/mesh-canary/cluster.yaml', 'utf8'), mesh = readFileSync('examples/mesh-canary/mesh.yaml', 'utf8');
  const before = Cluster.load({ text: `${cl}\n---\n${mesh}` });
  const after = Cluster.load({ text: `${cl}\n---\n${mesh.replace('weight: 90', 'weight: 50').replace('weight: 10', 'weight: 50').replace('paths: [/reviews/*]', 'paths: ["/*"]')}` });
  const d = diffClusters(before, after);
  const split = (a: number, b: number) => [`reviews.shop.svc.cluster.local/v1 ${a}%`, `reviews.shop.svc.cluster.local/v2 ${b}%`];
  const frontend = d.mesh.changed.find((c) => c.name === 'spiffe://cluster.local/ns/shop/sa/frontend → shop/reviews:9080');
  assert.deepEqual(frontend, {
    name: 'spiffe://cluster.local/ns/shop/sa/frontend → shop/reviews:9080',
    before: { allowed: false, decidedBy: 'AuthorizationPolicy', mtls: true, policy: 'shop/reviews', virtualService: 'shop/reviews', split: split(90, 10) },
    after: { allowed: true, decidedBy: 'AuthorizationPolicy', mtls: true, policy: 'shop/reviews', virtualService: 'shop/reviews', split: split(50, 50) },
  });
});

test('folding only the workloads a change touches gives what folding every workload gives', () => {
  const teamPolicy = netpol('from-team', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'shop' } } }] }] });
  const edits: ((o: Obj[]) => Obj[])[] = [
    (o) => [...o, netpol('allow-web-8080', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ ports: [{ port: 8080 }] }] })],
    (o) => without(o, 'allow-web-to-db'),
    (o) => without(o, 'deny-all'),
    (o) => o.map((x) => (x.kind === 'Deployment' && x.metadata.name === 'db' ? { ...x, spec: { ...x.spec, template: { ...x.spec.template, metadata: { labels: { app: 'db', tier: 'data' } } } } } : x)),
    // a namespace's labels change, and a policy that exists on both sides reads them
    (o) => [...o.map((x) => (x.kind === 'Namespace' ? { ...x, metadata: { ...x.metadata, labels: { team: 'shop' } } } : x)), teamPolicy],
    (o) => [...o, netpol('db-egress', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: {} }] }] })],
  ];
  let changing = 0;
  for (const [i, edit] of edits.entries()) {
    const a = policyModelOf(i === 4 ? load(edited((o) => [...o, teamPolicy])) : base), b = policyModelOf(load(edited(edit)));
    const { exposure: e1, added, removed, changed } = diffConnectivity(a, b), fast = { added, removed, changed };
    const { exposure: e2, ...rest } = diffConnectivity(a, b, { everyWorkload: true }), full = { added: rest.added, removed: rest.removed, changed: rest.changed };
    assert.deepEqual(fast, full, `edit ${i}`);
    // Exposure of untouched workloads is the same on both sides, so the fast path leaves it out.
    for (const s of [0, 1]) for (const [w, ports] of e1[s].internet) assert.deepEqual(ports, e2[s].internet.get(w), `edit ${i}`);
    sameExposure(e1, e2, `edit ${i}`);
    if (full.added.length + full.removed.length + full.changed.length > 0) changing++;
  }
  assert.equal(changing, 5); // a label no policy reads changes nothing
});

/** The fast path's "all namespaces" records are the full path's, but for those equal on both sides (left out). */
function sameExposure(fast: ReturnType<typeof diffConnectivity>['exposure'], full: ReturnType<typeof diffConnectivity>['exposure'], what: string) {
  for (const s of [0, 1]) {
    for (const [w, ports] of fast[s].allNamespaces) assert.deepEqual(ports, full[s].allNamespaces.get(w), what);
    for (const [w, ports] of full[s].allNamespaces) if (!fast[s].allNamespaces.has(w)) assert.deepEqual(ports, full[1 - s].allNamespaces.get(w), `${what}: ${w}`);
  }
}

test('an untouched workload stops being open to every namespace when a namespace it does not admit appears', () => {
  const fromAllBut = netpol('db-from-all-but-other', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['other'] }] } }] }] });
  const before = load(edited((o) => [...o, fromAllBut]));
  const after = load(edited((o) => [...o, fromAllBut, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } }, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'probe', namespace: 'other' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }]));
  const d = diffClusters(before, after);
  assert.deepEqual(d.exposure.removed, [{ name: 'all namespaces → app/deployment/db', before: { via: 'NetworkPolicy', workloads: ['app/deployment/db'], ports: { TCP: 'all', UDP: 'all', SCTP: 'all' } } }]);
  const { exposure: e1, ...fast } = diffConnectivity(policyModelOf(before), policyModelOf(after));
  const { exposure: e2, ...full } = diffConnectivity(policyModelOf(before), policyModelOf(after), { everyWorkload: true });
  assert.deepEqual([fast.added, fast.removed, fast.changed, fast.internetIP], [full.added, full.removed, full.changed, full.internetIP]);
  assert.deepEqual([fast.clean('app/deployment/db'), fast.clean('other/pod/probe'), full.clean('app/deployment/db')], [true, false, false]);
  sameExposure(e1, e2, 'new namespace');
  assert.equal(e1[1].allNamespaces.has('app/deployment/db'), false);
  assert.deepEqual(e1[0].allNamespaces.get('app/deployment/db'), { TCP: 'all', UDP: 'all', SCTP: 'all' });
});

test('DNS: with a Corefile rewrite, an untouched Service name answered from a changed one is still compared', () => {
  const corefile = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'coredns', namespace: 'kube-system' }, data: { Corefile: '.:53 {\n  rewrite name exact web.app.svc.cluster.local db.app.svc.cluster.local\n  kubernetes cluster.local\n}\n' } };
  const pinned = (ip: string) => (o: Obj[]) => [...replacing(o, 'Service', 'db', service('db', 5432, 'pg', { clusterIP: ip })), corefile];
  const d = diffClusters(load(edited(pinned('10.96.10.10'))), load(edited(pinned('10.96.10.11'))));
  assert.deepEqual(d.dns.changed.map((c) => [c.name, c.before?.answers, c.after?.answers]), [
    ['db.app.svc.cluster.local A', ['A 10.96.10.10'], ['A 10.96.10.11']],
    ['web.app.svc.cluster.local A', ['A 10.96.10.10'], ['A 10.96.10.11']],
  ]);
});

test('NodePort exposure follows the backends\' ingress policy as the client reaches them (externalTrafficPolicy, SNAT)', () => {
  const nodePort = (etp: string): Obj => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web-public', namespace: 'app' }, spec: { type: 'NodePort', externalTrafficPolicy: etp, selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http', nodePort: 30080 }] } });
  const webFrom = (cidr: string) => netpol('web-from', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ ipBlock: { cidr } }], ports: [{ port: 8080 }] }] });
  const exposed = (etp: string, cidr: string) => diffClusters(base, load(edited((o) => [...o, nodePort(etp), webFrom(cidr)]))).exposure.added.filter((r) => r.name.startsWith('NodePort'));
  const record = [{ name: 'NodePort app/web-public', after: { via: 'NodePort', ports: ['http 80/TCP → http (nodePort 30080)'], workloads: ['app/deployment/web'] } }];
  // The internet's address admitted: reached whether kube-proxy keeps the client address (Local) or not.
  assert.deepEqual(exposed('Local', '0.0.0.0/0'), record);
  assert.deepEqual(exposed('Cluster', '0.0.0.0/0'), record);
  // Only the nodes' tunnel addresses admitted (calico's tunl0, inside the pod CIDR): with Cluster a client entering on
  // another node is masqueraded to that node's tunnel address and gets through; with Local it keeps its own and is dropped.
  assert.deepEqual(exposed('Cluster', '10.244.0.0/16'), record);
  assert.deepEqual(exposed('Local', '10.244.0.0/16'), []);
  // The same NodePort on both sides: a policy change at its backends still changes what it exposes.
  const opened = diffClusters(load(edited((o) => [...o, nodePort('Cluster')])), load(edited((o) => [...o, nodePort('Cluster'), webFrom('0.0.0.0/0')])));
  assert.deepEqual(opened.exposure.added.filter((r) => r.name.startsWith('NodePort')), record);
  // The connectivity section agrees for the pods themselves: the internet is not admitted.
  const d = diffClusters(base, load(edited((o) => [...o, nodePort('Cluster'), webFrom('10.244.0.0/16')])));
  assert.equal(d.exposure.added.some((r) => r.name === 'internet → app/deployment/web'), false);
});
