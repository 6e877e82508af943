import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { SOURCE_HEADER, VirtualPods } from './virtual-pods.js';

test('virtual pods answer like agnhost netexec', async () => {
  const pods = await VirtualPods.start([{ namespace: 'shop', name: 'web-1', podIP: '10.244.1.7', nodeName: 'node-1', ports: [8080, 9090] }]);
  try {
    assert.equal(pods.addressOf('10.244.1.9', 8080), undefined);
    const a = pods.addressOf('10.244.1.7', 8080)!;
    const get = async (path: string, headers: Record<string, string> = {}) => {
      const r = await request(`http://${a.host}:${a.port}${path}`, { headers });
      return { status: r.statusCode, body: await r.body.text(), location: r.headers.location };
    };
    assert.deepEqual(await get('/hostname'), { status: 200, body: 'web-1', location: undefined });
    assert.equal((await get('/hostName')).body, 'web-1');
    assert.equal((await get('/serverport')).body, '8080');
    assert.deepEqual(await get('/echo?msg=hi%20there&code=418'), { status: 418, body: 'hi there', location: undefined });
    assert.match((await get('/clientip', { [SOURCE_HEADER]: '10.244.2.9' })).body, /^10\.244\.2\.9:\d+$/);
    assert.match((await get('/clientip')).body, /^127\.0\.0\.1:\d+$/);
    assert.equal((await get('/header?key=X-Test', { 'x-test': 'v' })).body, 'v');
    const headers = JSON.parse((await get('/headers', { 'x-one': '1', [SOURCE_HEADER]: 'hidden' })).body);
    assert.equal(headers['x-one'], '1');
    assert.equal(headers[SOURCE_HEADER], undefined);
    assert.deepEqual(await get('/redirect?location=/x&code=302'), { status: 302, body: '', location: '/x' });
    assert.match((await get('/')).body, /^NOW: \d{4}-/);
    assert.match((await get('/api/x')).body, /^pod shop\/web-1 \(10\.244\.1\.7:8080 on node-1\) answered GET \/api\/x\n/);
    const b = pods.addressOf('10.244.1.7', 9090)!;
    assert.equal(await (await request(`http://${b.host}:${b.port}/serverport`)).body.text(), '9090');
  } finally {
    await pods.close();
  }
});

test('a pod port echoes a plain TCP stream back (nc), and still speaks HTTP on the same port', async () => {
  const { connect } = await import('node:net');
  const pods = await VirtualPods.start([{ namespace: 'shop', name: 'db-0', podIP: '10.244.1.8', ports: [5432] }]);
  try {
    const a = pods.addressOf('10.244.1.8', 5432)!;
    const echoed = await new Promise<string>((resolve, reject) => {
      const sock = connect(a.port, a.host, () => sock.write('hello\nworld\n'));
      let got = '';
      sock.on('data', (d) => {
        got += d;
        if (got.length >= 12) { sock.end(); resolve(got); }
      });
      sock.on('error', reject);
    });
    assert.equal(echoed, 'hello\nworld\n');
    assert.equal(await (await request(`http://${a.host}:${a.port}/hostname`)).body.text(), 'db-0');
  } finally {
    await pods.close();
  }
});

test('the podnet.dev/fault annotation makes a virtual pod fail; a bad value is reported, not ignored', async () => {
  const { Cluster } = await import('../cluster/cluster.js');
  const { podsOf } = await import('./virtual-pods.js');
  const pod = (name: string, fault: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: default, annotations: {podnet.dev/fault: "${fault}"}}
spec: {containers: [{name: c, image: x, ports: [{containerPort: 8080}]}]}`;
  const cluster = Cluster.load({ text: [pod('flaky', '503'), pod('odd', 'sometimes')].join('\n---\n') });
  const specs = podsOf(cluster);
  const flaky = specs.find((p) => p.name === 'flaky')!;
  assert.deepEqual(flaky.fault, { kind: 'status', status: 503, percent: 100 });
  const odd = specs.find((p) => p.name === 'odd')!;
  assert.equal(odd.fault, undefined);
  assert.equal(odd.faultError, 'pod default/odd: invalid podnet.dev/fault "sometimes": unknown fault "sometimes" (expected "503", "503 50%", "hang", "hang 25%" or "delay=2s [50%]")');
  const server = await VirtualPods.start([flaky]);
  try {
    const a = server.addressOf(flaky.podIP, 8080)!;
    const r = await request(`http://${a.host}:${a.port}/hostname`);
    assert.equal(r.statusCode, 503);
    assert.equal(await r.body.text(), 'fault injected in pod default/flaky: 503\n');
  } finally {
    await server.close();
  }
});

test('a pod serves the ports its EndpointSlices name even when its containers list none (containerPort is informational)', async () => {
  const { Cluster } = await import('../cluster/cluster.js');
  const { podsOf } = await import('./virtual-pods.js');
  const cluster = Cluster.load({ text: `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: quiet}
spec:
  selector: {matchLabels: {app: quiet}}
  template:
    metadata: {labels: {app: quiet}}
    spec: {containers: [{name: c, image: echo}]}
---
apiVersion: v1
kind: Service
metadata: {name: quiet}
spec: {selector: {app: quiet}, ports: [{name: web, port: 80, targetPort: 3000}, {name: dns, port: 53, targetPort: 5353, protocol: UDP}]}
` });
  assert.deepEqual(podsOf(cluster).filter((p) => p.name.startsWith('quiet-')).map((p) => ({ ports: p.ports, udpPorts: p.udpPorts })), [{ ports: [3000], udpPorts: [5353] }]);
});
