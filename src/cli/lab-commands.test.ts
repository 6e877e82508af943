// podnet up / exec / apply / delete / logs through main(), against a lab on free loopback ports.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from './main.js';
import { banner, startLab, type RunningLab } from './up.js';

let running: RunningLab;
let lab: string;
let dir: string;
let runtime: string;
const io = () => { const out = new PassThrough(); const err = new PassThrough(); let o = ''; let e = ''; out.on('data', (c) => (o += c)); err.on('data', (c) => (e += c)); return { out, err, text: () => ({ out: o, err: e }) }; };

before(async () => {
  // The lab leaves its token for the commands here (they find it with no flag).
  runtime = mkdtempSync(join(tmpdir(), 'podnet-runtime-'));
  process.env.XDG_RUNTIME_DIR = runtime;
  const s = io();
  running = await startLab({ filename: ['examples/shop'], uiPort: '0', dnsPort: '0', httpPort: '0', httpsPort: '0', grace: '1' }, s, { quiet: true, nodePortsAtNodePort: false });
  lab = `http://127.0.0.1:${running.api.port}`;
  dir = mkdtempSync(join(tmpdir(), 'podnet-cli-lab-'));
});
after(async () => { await running.close(); rmSync(dir, { recursive: true, force: true }); rmSync(runtime, { recursive: true, force: true }); });

async function run(argv: string[]) {
  const s = io();
  const code = await main(argv, s.out, s.err);
  return { code, ...s.text() };
}

const pod = (prefix: string) => running.lab.snapshot.cluster.pods('production').map((p) => `production/${p.metadata.name}`).filter((n) => n.startsWith(`production/${prefix}-`)).sort()[0];

test('the banner says where everything is and what to try', () => {
  const b = banner(running);
  assert.match(b, /^podnet lab is up: 2 nodes, 8 pods, 5 services \(calico, kube-proxy iptables; built in \d+ ms\)\n/);
  assert.match(b, new RegExp(`  UI            http://127.0.0.1:${running.api.port}/\\?token=${running.api.token}\n  Token         ${runtime}/podnet/lab-${running.api.port}.token \\(podnet apply, exec, logs\\.\\.\\. read it; other clients: Authorization: Bearer\\)\n`));
  assert.match(b, new RegExp(`  Cluster DNS   127.0.0.1:${running.lab.dns.port} udp\\+tcp \\(kube-dns 10.96.0.10, domain cluster.local\\)`));
  assert.match(b, /  Ingress       ingress:nginx: http:\/\/127.0.0.1:\d+ \(port 80\) https:\/\/127.0.0.1:\d+ \(port 443\)/);
  assert.match(b, /  NodePort      ingress-nginx\/ingress-nginx-controller http: 10.0.1.10:\d+ → 127.0.0.1:\d+/);
  assert.match(b, /Try:\n  dig @127.0.0.1 -p \d+ \S+\.svc\.cluster\.local\n  curl -k --resolve my-app.example.com:\d+:127.0.0.1 https:\/\/my-app.example.com:\d+\/api\n  podnet exec production\/\S+ -- curl http:\/\/\S+/);
});

test('exec: a denied curl exits 28 and names the deciding policies; an allowed one prints the pod', async () => {
  const denied = await run(['exec', pod('backend'), '--lab', lab, '--no-trace', '--', 'curl', '-sS', 'http://frontend.production']);
  assert.equal(denied.code, 28);
  assert.equal(denied.out, '');
  assert.equal(denied.err, "curl: (28) Failed to connect to frontend.production port 80 after 127000 ms: Couldn't connect to server\n(denied by production/allow-dns-egress, production/deny-all)\n");
  const ok = await run(['exec', pod('frontend'), '--lab', lab, '--', 'curl', '-s', 'http://backend.production:8080/hostname']);
  assert.equal(ok.code, 0);
  assert.match(ok.out, /^backend-[a-z0-9]+-[a-z0-9]+$/);
  assert.match(ok.err, /Result: DELIVERED\n$/);
});

test('exec against no lab says how to start one', async () => {
  const r = await run(['exec', 'production/x', '--lab', 'http://127.0.0.1:1', '--', 'curl', 'http://x']);
  assert.equal(r.code, 1);
  assert.match(r.err, /^error: cannot reach the lab at http:\/\/127.0.0.1:1 \(ECONNREFUSED\): start it with `podnet up -f PATH`/);
});

test('apply and delete change the running lab; logs --flows lists what ran', async () => {
  const f = join(dir, 'extra.yaml');
  writeFileSync(f, 'apiVersion: v1\nkind: Service\nmetadata: {name: extra, namespace: production}\nspec:\n  selector: {app: backend}\n  ports: [{port: 9000, targetPort: 8080}]\n');
  const a = await run(['apply', '-f', f, '--lab', lab]);
  assert.equal(a.code, 0);
  assert.equal(a.out, 'service/extra created\n');
  assert.ok(running.lab.snapshot.cluster.get('Service', 'production', 'extra'));
  const d = await run(['delete', 'svc', 'extra', 'nothere', '-n', 'production', '--lab', lab]);
  assert.equal(d.code, 1);
  assert.equal(d.out, 'service "extra" deleted\n');
  assert.equal(d.err, 'Error from server (NotFound): services "nothere" not found\n');
  assert.equal(running.lab.snapshot.cluster.get('Service', 'production', 'extra'), undefined);
  const l = await run(['logs', '--flows', '--lab', lab, '-o', 'json']);
  assert.equal(l.code, 0);
  const flows = l.out.trim().split('\n').map((x) => JSON.parse(x));
  assert.ok(flows.some((x) => x.verdict === 'dropped' && x.via === 'exec' && x.source === pod('backend')));
  for (const x of flows) for (const k of ['time', 'source', 'destination', 'verdict', 'hops']) assert.ok(k in x, k);
});
