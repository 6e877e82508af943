// podnet test --kernel: the same spec judged by real connections and lookups in the shop realised in network
// namespaces (root; skipped elsewhere unless PODNET_KERNEL_TESTS=required, as the other kernel tests).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Cluster } from '../cluster/cluster.js';
import { KernelLab } from '../realize/realize.js';
import { KernelReferee, realiseForVerify } from '../realize/referee.js';
import { kernelDescribe } from '../realize/testing.js';
import { kernelReferee } from './kernel-referee.js';
import { runSpecs } from './run.js';
import { loadSpec } from './spec.js';

kernelDescribe('podnet test --kernel', () => {
  let lab: KernelLab | undefined;
  let cluster: Cluster;
  before(async () => {
    const prepared = await KernelLab.prepare({ parallel: 3 });
    try {
      const r = await realiseForVerify(prepared, (config) => Cluster.load(config ? { paths: ['examples/shop'], config } : { paths: ['examples/shop'] }));
      lab = r.lab;
      cluster = r.cluster;
    } catch (e) {
      await prepared.abandon();
      throw e;
    }
  });
  after(async () => { await lab?.close(); });

  test('connectivity (TCP and UDP, and by URL with via), DNS and routes are decided by the kernel (routes through the edge proxy in the controller pod)', async () => {
    const { specs } = loadSpec(readFileSync('src/conntest/testdata/kernel.yaml', 'utf8'), 'kernel.yaml');
    const r = await runSpecs(specs, kernelReferee(cluster, new KernelReferee(lab!)));
    assert.equal(r.referee, 'kernel (calico/iptables)');
    assert.deepEqual(r.outcomes.map((o) => [o.name, o.passed, o.actual]), [
      ['frontend reaches the backend Service', true, 'allow'],
      ['backend cannot call the frontend', true, 'deny'],
      ['backend resolves', true, 'NOERROR, records [10.108.90.214]'],
      ['the outside client cannot reach the backend\'s pods', true, 'deny'],
      ['frontend queries the cluster DNS over UDP', true, 'allow'],
      ['backend gets no datagram to the frontend through', true, 'deny'],
      ['API route', true, 'backend production/backend:8080, status 200'],
      ['plain HTTP is redirected to HTTPS', true, 'backend none, status 308, redirect https://my-app.example.com/api/items'],
      ['no route is the controller\'s 404', true, 'backend none, status 404'],
      ['a wrong backend is caught', false, 'backend production/backend:8080, status 200'],
      ['frontend reaches the backend by its URL (the pod\'s own lookup, then the connection)', true, 'allow'],
      ['backend cannot reach the frontend by name', true, 'deny'],
      ['the internet reaches the shop through the Ingress', true, 'allow'],
    ]);
    assert.match(r.outcomes[10].decidedBy[0], /^production\/frontend-79c4fb5544-\w+ → http:\/\/backend\.production:8080\/api 8080\/TCP: kernel: backend\.production → 10\.108\.90\.214 \(dig in production\/frontend-79c4fb5544-\w+'s namespace\); connection established; the model: /);
    assert.match(r.outcomes[11].decidedBy[0], /^production\/backend-6974c594d6-\w+ → frontend\.production:80 80\/TCP: kernel: frontend\.production → 10\.\d+\.\d+\.\d+ \(dig in production\/backend-6974c594d6-\w+'s namespace\); no answer in 1000 ms \(dropped\); the model: /);
    assert.match(r.outcomes[12].decidedBy[0], /^external:203\.0\.113\.10 → https:\/\/my-app\.example\.com\/api\/items 443\/TCP: kernel: my-app\.example\.com → 172\.18\.255\.200 \(the model's public DNS\); connection established; the model: /);
    assert.equal(r.outcomes[0].decidedBy.length, 5);
    assert.match(r.outcomes[0].decidedBy[0], /^production\/frontend-79c4fb5544-\w+ → production\/backend-6974c594d6-\w+ 8080\/TCP: kernel: connection established; the model: egress: /);
    assert.match(r.outcomes[1].decidedBy[0], /: kernel: no answer in 1000 ms \(dropped\); the model: /);
    assert.match(r.outcomes[2].decidedBy[0], /^kernel: dig in production\/frontend-79c4fb5544-\w+'s namespace: NOERROR/);
    assert.match(r.outcomes[4].decidedBy[0], /^production\/frontend-79c4fb5544-\w+ → kube-system\/coredns-\S+ 53\/UDP: kernel: the datagram was answered; the model: /);
    assert.match(r.outcomes[6].decidedBy[0], /^kernel: HTTP 200, answered by production\/backend-6974c594d6-(gdtrq|qw8cw|t82mf), an endpoint of production\/backend:8080$/);
    assert.equal(r.outcomes[6].trace[0], 'entry point ingress:nginx through Service ingress-nginx/ingress-nginx-controller LoadBalancer 172.18.255.200:443');
    assert.equal(r.outcomes[7].decidedBy[0], 'kernel: HTTP 308 to https://my-app.example.com/api/items');
  });
});
