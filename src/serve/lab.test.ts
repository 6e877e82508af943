// The live lab over loopback: dig, curl (HTTP and TLS), exec from pods (allowed, denied with the deciding policy,
// nslookup), NodePorts, the API, and apply/delete under load with no failed request.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import http from 'node:http';
import https from 'node:https';
import dnsPacket from 'dns-packet';
import { Lab } from './lab.js';
import { LabApi } from './lab/api.js';
import { ManifestSet } from './lab/snapshot.js';

const SHOP = 'examples/shop';
let lab: Lab;
let api: LabApi;

before(async () => {
  lab = await Lab.start({ paths: [SHOP], dnsPort: 0, httpPort: 0, httpsPort: 0, graceMs: 1500, nodePortsAtNodePort: false });
  api = new LabApi(lab);
  await api.listen(0);
});
after(async () => { await api.close(); await lab.close(); });

const podsOf = (prefix: string) => lab.snapshot.cluster.pods('production').map((p) => `production/${p.metadata.name}`).filter((n) => n.startsWith(`production/${prefix}-`)).sort();

function get(port: number, path: string, headers: Record<string, string> = {}, tls = false, servername?: string): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const opts = { host: '127.0.0.1', port, path, headers, agent: false as const, ...(tls ? { servername, rejectUnauthorized: false } : {}) };
    const req = (tls ? https : http).get(opts, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
  });
}

function dig(port: number, name: string, type: 'A' | 'SRV' = 'A'): Promise<dnsPacket.DecodedPacket> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.on('message', (m) => { s.close(); resolve(dnsPacket.decode(m)); });
    s.on('error', reject);
    s.send(dnsPacket.encode({ type: 'query', id: 7, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name }] }), port, '127.0.0.1');
  });
}

test('dig at the lab DNS answers what podnet dns answers', async () => {
  const reply = await dig(lab.dns.port, 'backend.production.svc.cluster.local');
  const want = lab.snapshot.dns.resolve('backend.production.svc.cluster.local').answers.map((a) => (a.rdata as { address: string }).address);
  assert.deepEqual(reply.answers?.map((a) => (a as { data: unknown }).data), want);
  assert.equal(want.length, 1);
  const nx = await dig(lab.dns.port, 'nope.production.svc.cluster.local');
  assert.equal((nx as { rcode?: string }).rcode, "NXDOMAIN");
});

test('curl through the ingress: HTTP redirects to the user-facing HTTPS port, HTTPS (SNI) reaches a backend pod', async () => {
  const ing = lab.entryListeners().find((e) => e.kind === 'ingress')!;
  const r = await get(ing.http, '/api/x', { host: 'my-app.example.com' });
  assert.equal(r.status, 308);
  assert.equal(r.headers.location, `https://my-app.example.com:${ing.https}/api/x`);
  const s = await get(ing.https, '/api/x', { host: 'my-app.example.com' }, true, 'my-app.example.com');
  assert.equal(s.status, 200);
  assert.match(s.body, /^pod production\/backend-\S+ \(10\.244\.\d+\.\d+:8080 on node-\d\) answered GET \/api\/x/);
  const w = await get(ing.https, '/web/', { host: 'my-app.example.com' }, true, 'my-app.example.com');
  assert.match(w.body, /^pod production\/frontend-/);
});

test('exec: an allowed curl gets the pod\'s answer, a denied one names the deciding policies', async () => {
  const [frontend] = podsOf('frontend');
  const [backend] = podsOf('backend');
  const ok = await lab.exec(frontend, ['curl', '-s', 'http://backend.production:8080/hostname']);
  assert.equal(ok.exitCode, 0);
  assert.ok(podsOf('backend').includes(`production/${ok.stdout}`), ok.stdout);
  assert.equal(ok.trace?.verdict, 'delivered');
  const denied = await lab.exec(backend, ['curl', '-sS', 'http://frontend.production']);
  assert.equal(denied.exitCode, 28);
  assert.equal(denied.stdout, '');
  assert.match(denied.stderr, /^curl: \(28\) Failed to connect to frontend\.production port 80 after 127000 ms: Couldn't connect to server\n\(denied by production\/allow-dns-egress, production\/deny-all\)\ntrace /);
  assert.equal(denied.trace?.dropAt, 'policy-egress');
});

test('exec: nslookup walks the search list; nc reports success or refusal; bad tools are refused', async () => {
  const [frontend] = podsOf('frontend');
  const ns = await lab.exec(frontend, ['nslookup', 'backend']);
  assert.equal(ns.exitCode, 0);
  const ip = lab.snapshot.cluster.get<{ spec: { clusterIP: string } }>('Service', 'production', 'backend')!.spec.clusterIP;
  assert.equal(ns.stdout, `Server:\t\t10.96.0.10\nAddress:\t10.96.0.10#53\n\nName:\tbackend.production.svc.cluster.local\nAddress: ${ip}\n\n`);
  assert.deepEqual(ns.dns?.tried, ['backend.production.svc.cluster.local.']);
  const nx = await lab.exec(frontend, ['nslookup', 'nothere.production.svc.cluster.local']);
  assert.equal(nx.exitCode, 1);
  assert.match(nx.stdout, /\*\* server can't find nothere.production.svc.cluster.local: NXDOMAIN/);
  const up = await lab.exec(frontend, ['nslookup', 'nothere']);
  assert.equal(up.stdout, ";; Got SERVFAIL reply from 10.96.0.10\nServer:\t\t10.96.0.10\nAddress:\t10.96.0.10#53\n\n** server can't find nothere: SERVFAIL\n\n");
  assert.match(up.explanation!, /CoreDNS forwards nothere\. to 10\.0\.0\.2; the lab sends no DNS outside the cluster/);
  const nc = await lab.exec(frontend, ['nc', '-zv', 'backend.production', '8080']);
  assert.equal(nc.exitCode, 0);
  assert.match(nc.stderr, new RegExp(`^Connection to backend.production \\(${ip.replace(/\./g, '\\.')}\\) 8080 port \\[tcp/http-alt\\] succeeded!\n`));
  await assert.rejects(lab.exec(frontend, ['bash', '-c', 'ls']), /runs curl, wget, nslookup, dig, nc/);
  await assert.rejects(lab.exec('production/nope', ['curl', 'x']), /pods "nope" not found in namespace production/);
});

test('NodePort and LoadBalancer addresses map to loopback ports that reach the ingress controller', async () => {
  const np = lab.exposed().find((x) => x.kind === 'nodeport' && x.portName === 'http')!;
  assert.equal(np.service, 'ingress-nginx/ingress-nginx-controller');
  const r = await get(np.localPort!, '/api/z', { host: 'my-app.example.com' });
  assert.equal(r.status, 308);
  const flows = lab.flows.recent(5).filter((f) => f.via === 'nodeport');
  assert.equal(flows.at(-1)?.verdict, 'delivered');
  assert.match(flows.at(-1)!.pod!, /^ingress-nginx\/ingress-nginx-controller-/);
});

test('the API: summary, graph, trace, dns, matrix, bad input as 400', async () => {
  const j = async (path: string, init?: { method: string; body: unknown }) => {
    const auth = { authorization: `Bearer ${api.token}` };
    const res = await fetch(`http://127.0.0.1:${api.port}${path}`, init ? { method: init.method, body: JSON.stringify(init.body), headers: { ...auth, 'content-type': 'application/json' } } : { headers: auth });
    return { status: res.status, body: await res.json() as any };
  };
  const s = await j('/api/summary');
  assert.equal(s.body.counts.pods, lab.snapshot.cluster.pods().length);
  const g = await j('/api/graph');
  assert.ok(g.body.elements.some((e: any) => e.data.id === 'svc:production/backend'));
  assert.ok(g.body.elements.some((e: any) => e.data.kind === 'endpoint' && e.data.source === 'svc:production/backend'));
  const [backend] = podsOf('backend');
  const t = await j(`/api/trace?from=${backend}&to=http://frontend.production`);
  assert.equal(t.body.verdict, 'dropped');
  const d = await j(`/api/dns?pod=${backend}&name=frontend`);
  assert.deepEqual(d.body.tried, ['frontend.production.svc.cluster.local.']);
  const m = await j('/api/matrix?port=8080&namespaces=production');
  assert.equal(m.body.pods.length, 5);
  assert.equal(m.body.rows.length, 5);
  assert.equal((await j('/api/trace?from=production/nope&to=x:80')).status, 400);
  assert.equal((await j('/api/exec', { method: 'POST', body: { pod: 1 } })).status, 400);
  assert.equal((await j('/api/nothing')).status, 404);
});

test('apply and delete while requests run: no request fails, removed pods drain', async () => {
  const ing = lab.entryListeners().find((e) => e.kind === 'ingress')!;
  let failed = 0;
  let done = 0;
  let running = true;
  const worker = async () => {
    while (running) {
      try {
        const r = await get(ing.https, '/api/load', { host: 'my-app.example.com' }, true, 'my-app.example.com');
        if (r.status !== 200) failed++;
      } catch { failed++; }
      done++;
    }
  };
  const workers = Array.from({ length: 8 }, worker);
  // Wait on request counts, not wall time, so a busy machine slows the test down instead of failing it.
  const untilDone = async (n: number) => {
    const deadline = Date.now() + 30_000;
    while (done < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  };
  await untilDone(20);
  const extra = `apiVersion: apps/v1
kind: Deployment
metadata: {name: backend, namespace: production}
spec:
  replicas: 1
  selector: {matchLabels: {app: backend}}
  template:
    metadata: {labels: {app: backend}}
    spec:
      containers: [{name: api, image: agnhost, ports: [{containerPort: 8080, name: http}]}]
`;
  try {
    const before = lab.snapshot.version;
    const a = await lab.apply(ManifestSet.parse(extra, '<test>').objects);
    assert.deepEqual(a.applied, ['Deployment/production/backend']);
    assert.equal(a.snapshot, before + 1);
    // Read before waiting: the removed pods drain for graceMs only, and a busy machine may take longer than that below.
    assert.ok(lab.fleet.drainingCount >= 2, `draining: ${lab.fleet.drainingCount}`);
    const afterApply = done;
    await untilDone(afterApply + 20);
    assert.equal(podsOf('backend').length, 1);
    const np = await lab.delete(['NetworkPolicy/production/deny-all', 'Pod/production/nothing']);
    assert.deepEqual(np.deleted, ['NetworkPolicy/production/deny-all']);
    assert.deepEqual(np.notFound, ['Pod/production/nothing']);
    const afterDelete = done;
    await untilDone(afterDelete + 20);
  } finally {
    // Whatever failed above, the workers stop (otherwise they keep the test process alive for ever).
    running = false;
    await Promise.all(workers);
  }
  assert.ok(done >= 60, `only ${done} requests ran`);
  assert.equal(failed, 0);
});
