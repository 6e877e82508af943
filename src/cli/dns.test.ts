// `podnet dns` through main() (the JSON contract, text, dig layout, exit codes) and `podnet dns serve` end to end
// with the built bin/podnet and real dig.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { runCli } from './testing.js';
import { FIXTURE } from '../dns/testdata/fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'podnet-dns-'));
const file = join(dir, 'cluster.yaml');
writeFileSync(file, FIXTURE);

const run = runCli;

test('podnet dns -o json: the contract fields, from a pod, with every name tried', async () => {
  const r = await run('dns', '-f', file, '--from', 'staging/client', 'backend.production', '-o', 'json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.rcode, 'NOERROR');
  assert.deepEqual(j.answers, [{ name: 'backend.production.svc.cluster.local.', type: 'A', ttl: 30, data: '10.96.100.10', from: 'Service production/backend (ClusterIP)' }]);
  assert.deepEqual(j.tried, ['backend.production.staging.svc.cluster.local.', 'backend.production.svc.cluster.local.']);
});

test('podnet dns: SRV data in dig presentation format; absolute lookup without --from', async () => {
  const r = await run('dns', '-f', file, '_web._tcp.nginx.production.svc.cluster.local', '--type', 'SRV', '-o', 'json');
  const j = JSON.parse(r.out);
  assert.deepEqual(j.answers.map((a: { data: string }) => a.data).sort(), ['0 50 80 web-0.nginx.production.svc.cluster.local.', '0 50 80 web-1.nginx.production.svc.cluster.local.']);
  assert.deepEqual(j.tried, ['_web._tcp.nginx.production.svc.cluster.local.']);
});

test('podnet dns: a short name from another namespace fails, exit 1, and the text says what was tried', async () => {
  const r = await run('dns', '-f', file, '--from', 'staging/client', 'backend');
  assert.equal(r.code, 1);
  assert.match(r.out, /1\. backend\.staging\.svc\.cluster\.local\. +NXDOMAIN/);
  assert.match(r.out, /no Service "backend" in namespace staging/);
  assert.match(r.out, /4\. backend\. +forwarded upstream/);
});

test('podnet dns -o dig prints dig\'s sections', async () => {
  const r = await run('dns', '-f', file, 'nope.production.svc.cluster.local', '-o', 'dig');
  assert.equal(r.code, 1);
  assert.match(r.out, /;; ->>HEADER<<- opcode: QUERY, status: NXDOMAIN/);
  assert.match(r.out, /;; AUTHORITY SECTION:\ncluster\.local\.\t30\tIN\tSOA\tns\.dns\.cluster\.local\. hostmaster\.cluster\.local\. \d+ 7200 1800 86400 30/);
});

test('podnet dns: bad input is a clear error with exit 2', async () => {
  assert.deepEqual(await run('dns', '-f', file, '--from', 'production/ghost', 'backend').then((r) => [r.code, r.err.trim().split('\n').at(-1)]),
    [2, 'Error from server (NotFound): pods "ghost" not found in namespace production (pods there: backend-a, backend-b, backend-c, custom, dflt, hostnet, hostnet-cf, lone, ...)']);
  assert.equal((await run('dns', '-f', file, 'a..b')).code, 2);
  assert.equal((await run('dns', '-f', file, 'backend', '--type', 'WKS')).code, 2);
  assert.equal((await run('dns', '-f', file)).code, 2);
});

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const hasDig = spawnSync('dig', ['-v']).status === 0;

test('podnet dns serve (bin/podnet) answers dig and reloads when the manifests change', { skip: !hasDig && 'dig is not installed (apt-get install dnsutils)', timeout: 20000 }, async () => {
  const watched = join(dir, 'live.yaml');
  writeFileSync(watched, FIXTURE);
  const child = spawn(process.execPath, [join(root, 'bin', 'podnet'), 'dns', 'serve', '-f', watched, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let out = '';
    const port = await new Promise<number>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no port in: ${out}`)), 10000);
      child.stdout.on('data', (c) => {
        out += c;
        const m = out.match(/on 127\.0\.0\.1:(\d+)/);
        if (m) { clearTimeout(t); resolve(Number(m[1])); }
      });
    });
    const dig = async (name: string) => (await promisify(execFile)('dig', ['@127.0.0.1', '-p', String(port), '+short', '+time=2', '+tries=1', name], { encoding: 'utf8' })).stdout.trim();
    assert.equal(await dig('backend.production.svc.cluster.local'), '10.96.100.10');
    assert.equal(await dig('fresh.production.svc.cluster.local'), '');
    writeFileSync(watched, FIXTURE + '---\n{"apiVersion":"v1","kind":"Service","metadata":{"name":"fresh","namespace":"production"},"spec":{"clusterIP":"10.96.100.88","ports":[{"name":"http","port":80}]}}\n');
    const deadline = Date.now() + 8000;
    let got = '';
    while (Date.now() < deadline && (got = await dig('fresh.production.svc.cluster.local')) !== '10.96.100.88') await new Promise((r) => setTimeout(r, 100));
    assert.equal(got, '10.96.100.88');
  } finally {
    child.kill('SIGTERM');
  }
});

test('podnet dns ADDRESS --type PTR reverses it as dig -x does; -x ADDRESS and the in-addr.arpa name give the same answer', async () => {
  const ptr = { name: '214.90.108.10.in-addr.arpa.', type: 'PTR', ttl: 30, data: 'backend.production.svc.cluster.local.', from: 'Service production/backend (ClusterIP)' };
  for (const argv of [['10.108.90.214', '--type', 'PTR'], ['10.108.90.214'], ['-x', '10.108.90.214'], ['214.90.108.10.in-addr.arpa', '--type', 'PTR']]) {
    const r = await run('dns', '-f', 'examples/shop', ...argv, '-o', 'json');
    assert.equal(r.code, 0, argv.join(' '));
    const j = JSON.parse(r.out);
    assert.deepEqual([j.rcode, j.answers, j.tried], ['NOERROR', [ptr], ['214.90.108.10.in-addr.arpa.']], argv.join(' '));
  }
  const dig = await run('dns', '-f', 'examples/shop', '-x', '10.108.90.214', '-o', 'dig');
  assert.match(dig.out, /\n;; QUESTION SECTION:\n;214\.90\.108\.10\.in-addr\.arpa\.\t\tIN\tPTR\n\n;; ANSWER SECTION:\n214\.90\.108\.10\.in-addr\.arpa\.\t30\tIN\tPTR\tbackend\.production\.svc\.cluster\.local\.\n/);
  assert.deepEqual(await run('dns', '-f', 'examples/shop', '-x', 'backend'), { code: 2, out: '', err: 'error: -x backend: not an IPv4 or IPv6 address\n' });
});

test('podnet dns --from a pod whose egress policy blocks DNS: no answer, with the policy that drops the query to every CoreDNS pod (exit 1)', async () => {
  const shop = join(dirname(fileURLToPath(import.meta.url)), '../../../examples/shop');
  const args = ['dns', '-f', join(shop, 'app'), '-f', join(shop, 'cluster.yaml'), '-f', join(shop, 'policies/deny-all.yaml'), '--from', 'production/frontend-79c4fb5544-p7t8q', 'backend'];
  const drop = (ip: string, dns: string) => `egress NetworkPolicy denies ${ip}:53 for production/frontend-79c4fb5544-p7t8q: egress from production/frontend-79c4fb5544-p7t8q is denied: production/frontend-79c4fb5544-p7t8q is isolated for egress by production/deny-all, and none of its rules allows kube-system/${dns} on 53/UDP`;
  const text = await run(...args);
  assert.equal(text.code, 1);
  assert.equal(text.out, [
    'From pod production/frontend-79c4fb5544-p7t8q (dnsPolicy ClusterFirst, glibc resolver); its nameserver is 10.96.0.10.',
    '',
    'Blocked: every query to 10.96.0.10:53/UDP is dropped before it reaches the cluster DNS:',
    `  kube-system/coredns-7cc76cb6c5-wmtzp 10.244.1.3:53: ${drop('10.244.1.3', 'coredns-7cc76cb6c5-wmtzp')}`,
    `  kube-system/coredns-7cc76cb6c5-878kv 10.244.2.2:53: ${drop('10.244.2.2', 'coredns-7cc76cb6c5-878kv')}`,
    '  decided by: production/deny-all',
    '',
    'Result: no answer (the resolver times out) — no query for backend gets an answer; an egress rule to the kube-dns pods on 53/UDP and 53/TCP lets it through',
    '',
  ].join('\n'));
  const dig = await run(...args, '-o', 'dig');
  assert.equal(dig.code, 1);
  assert.equal(dig.out, `;; communications error to 10.96.0.10#53: timed out (dropped on the way to kube-system/coredns-7cc76cb6c5-wmtzp 10.244.1.3:53: ${drop('10.244.1.3', 'coredns-7cc76cb6c5-wmtzp')})\n` +
    `;; communications error to 10.96.0.10#53: timed out (dropped on the way to kube-system/coredns-7cc76cb6c5-878kv 10.244.2.2:53: ${drop('10.244.2.2', 'coredns-7cc76cb6c5-878kv')})\n` +
    '\n; <<>> podnet dns <<>> backend.production.svc.cluster.local. A\n;; no servers could be reached\n');
  const json = await run(...args, '-o', 'json');
  assert.equal(json.code, 1);
  const j = JSON.parse(json.out);
  // The contract's fields stay what CoreDNS would answer; `blocked` says the query never gets there.
  assert.equal(j.rcode, 'NOERROR');
  assert.deepEqual(j.blocked, {
    nameserver: '10.96.0.10', port: 53, protocol: 'UDP', policies: ['production/deny-all'],
    endpoints: [
      { pod: 'kube-system/coredns-7cc76cb6c5-wmtzp', ip: '10.244.1.3', port: 53, reason: drop('10.244.1.3', 'coredns-7cc76cb6c5-wmtzp') },
      { pod: 'kube-system/coredns-7cc76cb6c5-878kv', ip: '10.244.2.2', port: 53, reason: drop('10.244.2.2', 'coredns-7cc76cb6c5-878kv') },
    ],
  });
  // With the shop's allow-dns-egress the same lookup is answered.
  const allowed = await run('dns', '-f', shop, '--from', 'production/frontend-79c4fb5544-p7t8q', 'backend', '-o', 'json');
  assert.equal(allowed.code, 0, allowed.err);
  assert.equal(JSON.parse(allowed.out).blocked, undefined);
});
