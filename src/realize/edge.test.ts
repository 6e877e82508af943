// examples/shop's Ingress served by the edge proxy inside the ingress-nginx controller pod's namespace: reached from the
// outside client through the controller Service's real NodePort / LoadBalancer DNAT, proxying to backend pods from the
// controller's own address, with NetworkPolicy between them enforced by the kernel.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Cluster } from '../cluster/cluster.js';
import { compileDns } from '../dns/index.js';
import { servicesModel } from '../services/index.js';
import { KernelEdges } from './edge.js';
import { NamespaceDialer } from './dialer.js';
import { KernelLab } from './realize.js';
import { namespacesWithPrefix } from './netns.js';
import { kernelDescribe } from './testing.js';

const shopDir = fileURLToPath(new URL('../../../examples/shop', import.meta.url));
const BACKEND = /^pod production\/backend-6974c594d6-(gdtrq|qw8cw|t82mf) \(10\.244\.\d\.\d:8080 on node-\d\) answered GET \/api\/hostname$/;

kernelDescribe('kernel lab: the edge proxy in the ingress controller pod (examples/shop)', () => {
  let lab: KernelLab;
  let nodePorts: { http: number; https: number };
  const access: string[] = [];
  const curl = async (...args: string[]) => {
    const r = await lab.exec(lab.namespaceOf('external')!, ['curl', '-s', '-S', '-m', '5', ...args], { timeoutMs: 12_000 });
    return { code: r.code, out: r.stdout, err: r.stderr };
  };

  before(async () => {
    const cluster = Cluster.load([shopDir]);
    lab = await KernelLab.start({ cluster, dns: compileDns(cluster) }, { edgeLog: (l) => access.push(l) });
    const port = (p: number) => servicesModel(cluster).ports.find((sp) => sp.name === 'ingress-nginx-controller' && sp.port === p)!.nodePort!;
    nodePorts = { http: port(80), https: port(443) };
  });

  after(async () => {
    const prefix = lab?.prefix;
    await lab?.close();
    if (prefix) assert.deepEqual(await namespacesWithPrefix(prefix), []);
  });

  test('HTTPS through the NodePort: the Ingress rule sends /api to each backend pod in turn; the proxy sees the client\'s own address (externalTrafficPolicy Local)', async () => {
    const url = `https://my-app.example.com:${nodePorts.https}`;
    const resolve = `my-app.example.com:${nodePorts.https}:10.0.1.10`;
    const seen = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const r = await curl('-k', '--resolve', resolve, `${url}/api/hostname`);
      assert.equal(r.code, 0, r.err);
      const line = r.out.split('\n')[0];
      assert.match(line, BACKEND);
      seen.add(line.split(' ')[1]);
    }
    // The proxy round-robins the backend's endpoints: three requests, the three backend pods.
    assert.equal(seen.size, 3);
    const proxied = access.filter((l) => l.includes('"GET /api/hostname" ok'));
    assert.equal(proxied.length, 3);
    for (const l of proxied) assert.match(l, /^ingress:nginx ingress-nginx\/ingress-nginx-controller-c5c8cdbc5-c9dsj: 203\.0\.113\.10 "GET \/api\/hostname" ok -> production\/backend:8080 10\.244\.\d\.\d:8080$/);
    const cert = await lab.exec(lab.namespaceOf('external')!, ['sh', '-c', `echo | openssl s_client -connect 10.0.1.10:${nodePorts.https} -servername my-app.example.com 2>/dev/null | openssl x509 -noout -subject`], { timeoutMs: 10_000 });
    assert.match(cert.stdout, /CN ?= ?my-app\.example\.com/);
  });

  test('HTTP through the LoadBalancer IP: ingress-nginx redirects a TLS host to HTTPS (308); an unknown host gets the default backend\'s 404', async () => {
    const redirect = await curl('-o', '/dev/null', '-w', '%{http_code} %{redirect_url}', '-H', 'Host: my-app.example.com', 'http://172.18.255.200/api/hostname');
    assert.equal(redirect.out, '308 https://my-app.example.com/api/hostname');
    const unknown = await curl('-o', '/dev/null', '-w', '%{http_code}', '-H', 'Host: nope.example.com', `http://10.0.1.10:${nodePorts.http}/`);
    assert.equal(unknown.out, '404');
  });

  test('the node without a controller pod drops the NodePort (externalTrafficPolicy Local), as before the proxy', async () => {
    const r = await curl('-k', '-m', '1', '--resolve', `my-app.example.com:${nodePorts.https}:10.0.2.10`, `https://my-app.example.com:${nodePorts.https}/api/hostname`);
    assert.equal(r.code, 28);
  });
});

const gatewayFile = fileURLToPath(new URL('../../../src/realize/testdata/gateway.yaml', import.meta.url));

kernelDescribe('kernel lab: the edge proxy in a Gateway\'s data-plane pod (the model deploys it: src/cluster/dataplanes.ts)', () => {
  let lab: KernelLab;
  let lb: string;
  const access: string[] = [];
  before(async () => {
    const cluster = Cluster.load([shopDir, gatewayFile]);
    lab = await KernelLab.start({ cluster, dns: compileDns(cluster) }, { edgeLog: (l) => access.push(l) });
    lb = (cluster.get<{ status: { loadBalancer: { ingress: { ip: string }[] } } }>('Service', 'gw', 'web-podnet')!).status.loadBalancer.ingress[0].ip;
  });
  after(async () => {
    const prefix = lab?.prefix;
    await lab?.close();
    if (prefix) assert.deepEqual(await namespacesWithPrefix(prefix), []);
  });

  test('the Gateway\'s LoadBalancer address, listener port 8000: its HTTPRoute sends each request to the next echo pod', async () => {
    assert.equal(lb, '172.18.255.201');
    const seen = new Set<string>();
    for (let i = 0; i < 2; i++) {
      const r = await lab.exec(lab.namespaceOf('external')!, ['curl', '-s', '-S', '-m', '5', '-H', 'Host: echo.example.com', `http://${lb}:8000/hostname`], { timeoutMs: 12_000 });
      assert.equal(r.code, 0, r.stderr);
      seen.add(r.stdout);
    }
    assert.deepEqual([...seen].sort(), ['echo-58757869fb-9wr7q', 'echo-58757869fb-kj7qw']);
    // externalTrafficPolicy Cluster (the model's default for the Gateway's Service): kube-proxy masquerades the client
    // to the node's address, and that is what the proxy sees.
    assert.equal(access.filter((l) => /^gateway\/gw\/web gw\/web-podnet-78698f4f5d-7d8rv: 10\.0\.1\.10 "GET \/hostname" ok -> gw\/echo:80 10\.244\.\d\.\d+:8080$/.test(l)).length, 2, access.join('\n'));
    const other = await lab.exec(lab.namespaceOf('external')!, ['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '-m', '5', '-H', 'Host: nope.example.com', `http://${lb}:8000/`], { timeoutMs: 12_000 });
    assert.equal(other.stdout, '404');
  });
});

const appDir = `${shopDir}/app`;
/** examples/shop with its Ingress of another class: ingress-nginx stays installed (there is an Ingress) with nothing to serve. */
const shopWithoutNginxIngress = () => Cluster.load({
  paths: ['backend.yaml', 'frontend.yaml', 'namespaces.yaml', 'tls-secret.yaml'].map((f) => `${appDir}/${f}`).concat(`${shopDir}/policies`, `${shopDir}/cluster.yaml`),
  text: readFileSync(`${appDir}/ingress.yaml`, 'utf8').replace('ingressClassName: nginx', 'ingressClassName: other'),
});

// No namespace is entered here: a relay dials into its namespace only when a connection comes, and none does.
test('edge relays: past the limit the proxy says which endpoints it cannot reach; relays no snapshot uses close after the grace period, those still used stay', { skip: !NamespaceDialer.available() && 'needs python3' }, async () => {
  const edges = new KernelEdges({ maxRelays: 10, graceMs: 30 });
  const settle = () => new Promise((r) => setTimeout(r, 150));
  try {
    const shop = Cluster.load([shopDir]);
    await edges.sync(shop, (key) => (key.startsWith('ingress-nginx/') ? 'pnffff-controller' : undefined));
    assert.deepEqual(edges.errors, ['the edge proxy for ingress:nginx in ingress-nginx/ingress-nginx-controller-c5c8cdbc5-c9dsj reaches 10 of its 12 backend endpoints: past 10 relays (backend endpoints × edge pods), requests to the others find no live server']);
    // Every TCP endpoint of the snapshot, in the services model's order, up to the limit: frontend's two are left out.
    const first = edges.relayed();
    assert.deepEqual(first, ['10.0.1.10:6443', '10.244.1.2:80', '10.244.1.2:443', '10.244.1.3:53', '10.244.2.2:53', '10.244.1.3:9153', '10.244.2.2:9153', '10.244.1.4:8080', '10.244.2.3:8080', '10.244.2.4:8080'].map((e) => `pnffff-controller ${e}`));
    // The same snapshot again: its relays are kept, past the grace period too.
    await edges.sync(shop, (key) => (key.startsWith('ingress-nginx/') ? 'pnffff-controller' : undefined));
    await settle();
    assert.deepEqual(edges.relayed(), first);
    // No edge pod any more: the retired proxy keeps its relays for the grace period, then they close.
    await edges.sync(shopWithoutNginxIngress(), () => 'pnffff-controller');
    assert.deepEqual(edges.relayed(), first);
    await settle();
    assert.deepEqual(edges.relayed(), []);
    assert.equal(edges.errors.length, 2);
  } finally {
    await edges.close();
  }
});

kernelDescribe('kernel lab: a pod that becomes, then stops being, an edge pod when its Ingress comes and goes (the pod itself unchanged)', () => {
  let lab: KernelLab;
  const otherClass = () => { const cluster = shopWithoutNginxIngress(); return { cluster, dns: compileDns(cluster) }; };
  const shop = () => { const cluster = Cluster.load([shopDir]); return { cluster, dns: compileDns(cluster) }; };
  const AGENT = 'pod ingress-nginx/ingress-nginx-controller-c5c8cdbc5-c9dsj (10.244.1.2:80 on node-1) answered GET /api/hostname';
  // Through the controller Service's LoadBalancer IP to the controller pod's port 80: who answers, the agent or the proxy.
  const ask = async () => {
    const r = await lab.exec(lab.namespaceOf('external')!, ['curl', '-s', '-S', '-m', '5', '-w', '\n%{http_code} %{redirect_url}', '-H', 'Host: my-app.example.com', 'http://172.18.255.200/api/hostname'], { timeoutMs: 12_000 });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    return lines[lines.length - 1] === '200 ' ? `agent: ${lines[0]}` : `proxy: ${lines[lines.length - 1]}`;
  };

  before(async () => {
    lab = await KernelLab.start(otherClass());
  });
  after(async () => {
    const prefix = lab?.prefix;
    await lab?.close();
    if (prefix) assert.deepEqual(await namespacesWithPrefix(prefix), []);
  });

  test('the agent answers, then the edge proxy (ingress-nginx\'s 308 to HTTPS) once the Ingress is nginx\'s, then the agent again', async () => {
    assert.equal(await ask(), `agent: ${AGENT}`);
    const become = await lab.sync(shop());
    assert.deepEqual([become.addedPods, become.removedPods, become.skipped], [[], [], undefined]);
    assert.equal(await ask(), 'proxy: 308 https://my-app.example.com/api/hostname');
    const stop = await lab.sync(otherClass());
    assert.deepEqual([stop.addedPods, stop.removedPods, stop.skipped], [[], [], undefined]);
    assert.equal(await ask(), `agent: ${AGENT}`);
  });

  test('an edge pod removed while a client keeps its connection to the proxy open: the update does not wait for the client (it waited as long as the client held on)', async () => {
    await lab.sync(shop());
    const external = lab.namespaceOf('external')!;
    // A kept-alive request to the proxy, held open for 12 s after its answer.
    const held = lab.exec(external, ['sh', '-c', '(printf "GET /api/hostname HTTP/1.1\\r\\nHost: my-app.example.com\\r\\n\\r\\n"; sleep 12) | busybox nc 172.18.255.200 80'], { timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 500));
    const noIngress = Cluster.load({ paths: ['backend.yaml', 'frontend.yaml', 'namespaces.yaml', 'tls-secret.yaml'].map((f) => `${appDir}/${f}`).concat(`${shopDir}/policies`, `${shopDir}/cluster.yaml`) });
    const t0 = Date.now();
    const r = await lab.sync({ cluster: noIngress, dns: compileDns(noIngress) });
    // Without the controller the pods' addresses move up (IPAM hands out the lowest free one), so every pod goes.
    const controller = 'ingress-nginx/ingress-nginx-controller-c5c8cdbc5-c9dsj';
    assert.ok(r.removedPods.includes(controller), r.removedPods.join(' '));
    assert.equal(lab.network.pods.some((p) => p.key === controller), false);
    assert.ok(Date.now() - t0 < 8000, `the update took ${Date.now() - t0} ms`);
    const answer = await held;
    assert.match(answer.stdout, /^HTTP\/1\.1 308 Permanent Redirect\r\n/);
  });
});
