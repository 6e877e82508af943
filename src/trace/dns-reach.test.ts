import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../cluster/cluster.js';
import { compileDns } from '../dns/index.js';
import { dnsQueryReach } from './dns-reach.js';

const shop = (extra: string[], cni?: string) => {
  const c = Cluster.load(['examples/shop/app', 'examples/shop/cluster.yaml', ...extra]);
  return cni ? Cluster.load({ paths: ['examples/shop/app', 'examples/shop/cluster.yaml', ...extra], config: { ...c.config, cni: cni as never } }) : c;
};
const reach = (c: Cluster, pod: string, name = 'backend') => { const dns = compileDns(c); return dnsQueryReach(c, dns, dns.resolveFromPod(pod, name, 'A')); };
const FE = 'production/frontend-79c4fb5544-p7t8q';

test('dnsQueryReach: deny-all egress drops the query to both CoreDNS pods; allow-dns-egress lets it reach both', () => {
  const denied = reach(shop(['examples/shop/policies/deny-all.yaml']), FE)!;
  assert.equal(denied.blocked, true);
  assert.deepEqual(denied.endpoints.map((e) => [e.pod, e.ip, e.reached, e.policies]), [
    ['kube-system/coredns-7cc76cb6c5-wmtzp', '10.244.1.3', false, ['production/deny-all']],
    ['kube-system/coredns-7cc76cb6c5-878kv', '10.244.2.2', false, ['production/deny-all']],
  ]);
  assert.deepEqual(denied.policies, ['production/deny-all']);
  const allowed = reach(shop(['examples/shop/policies/deny-all.yaml', 'examples/shop/policies/allow-dns-egress.yaml']), FE)!;
  assert.equal(allowed.blocked, false);
  assert.deepEqual(allowed.endpoints.map((e) => [e.pod, e.reached, e.reason]), [['kube-system/coredns-7cc76cb6c5-wmtzp', true, undefined], ['kube-system/coredns-7cc76cb6c5-878kv', true, undefined]]);
});

test('dnsQueryReach: flannel does not enforce NetworkPolicy, so the same deny-all blocks nothing; a lookup not from a pod is not asked', () => {
  assert.equal(reach(shop(['examples/shop/policies/deny-all.yaml'], 'flannel'), FE)!.blocked, false);
  const c = shop([]);
  const dns = compileDns(c);
  assert.equal(dnsQueryReach(c, dns, dns.resolve('backend.production.svc.cluster.local', 'A')), undefined);
});
