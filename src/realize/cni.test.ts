// Each CNI's data path in the kernel, on a two-node cluster realised four times at once (Flannel VXLAN with kube-proxy
// nftables, Cilium VXLAN with iptables, Weave with nftables, Calico without encapsulation across two subnets with
// iptables): a client pod reaches the Service on the other node by name over TCP, its UDP echo port through the
// ClusterIP, the tunnel device is the CNI's own, and the pod MTU is the model's.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Cluster } from '../cluster/cluster.js';
import { compileDns } from '../dns/index.js';
import { servicesModel } from '../services/index.js';
import { namespacesWithPrefix } from './netns.js';
import { KernelLab } from './realize.js';
import { kernelDescribe } from './testing.js';

const small = readFileSync(fileURLToPath(new URL('../../../src/net/testdata/kernel-small.yaml', import.meta.url)), 'utf8');

const variants = [
  { name: 'flannel/nftables', text: small, tunnel: /vxlan id 1 local 10\.0\.1\.10 dev eth0 srcport 0 0 dstport 8472 nolearning/, device: 'flannel.1' },
  { name: 'cilium/iptables', text: small.replace('cni: flannel', 'cni: cilium').replace('nftables', 'iptables'), tunnel: /vxlan id 1 local 10\.0\.1\.10 dev eth0 srcport 0 0 dstport 8472 nolearning/, device: 'cilium_vxlan' },
  { name: 'weave/nftables', text: small.replace('cni: flannel', 'cni: weave'), tunnel: /dstport 6784 nolearning/, device: 'vxlan-6784' },
  { name: 'calico none/iptables, two subnets', text: small.replace('cni: flannel', 'cni: calico\n  cniOptions: {calicoEncapsulation: None}').replace('nftables', 'iptables').replace('10.0.1.11', '10.0.2.11'), tunnel: undefined, device: undefined },
];

kernelDescribe('kernel lab: each CNI\'s data path', () => {
  const labs: KernelLab[] = [];
  before(async () => {
    labs.push(...await Promise.all(variants.map((v) => {
      const cluster = Cluster.load({ text: v.text });
      return KernelLab.start({ cluster, dns: compileDns(cluster) }, { parallel: 3 });
    })));
  });
  after(async () => {
    for (const lab of labs) {
      await lab.close();
      assert.deepEqual(await namespacesWithPrefix(lab.prefix), []);
    }
  });

  variants.forEach((v, i) => {
    test(`${v.name}: client on node-1 → web.default on node-2 by name, TCP and UDP, tunnel and MTU as the CNI sets them`, async () => {
      const lab = labs[i];
      const client = lab.namespaceOf('default/client')!;
      const http = await lab.exec(client, ['curl', '-s', '-m', '3', 'http://web.default/hostname'], { timeoutMs: 8000 });
      assert.equal(http.stdout, 'web', `${http.code} ${http.stderr}`);
      const vip = servicesModel(lab.cluster).ports.find((sp) => sp.name === 'web' && sp.protocol === 'UDP')!.clusterIP;
      const udp = await lab.exec(client, ['bash', '-c', `exec 3<>/dev/udp/${vip}/5005; printf kernel-echo >&3; timeout 3 head -c 11 <&3`], { timeoutMs: 8000 });
      assert.equal(udp.stdout, 'kernel-echo', `${udp.code} ${udp.stderr}`);
      assert.equal((await lab.exec(client, ['cat', '/sys/class/net/eth0/mtu'])).stdout.trim(), String(lab.cni.profile.podMTU));
      if (v.device) assert.match((await lab.exec(lab.namespaceOf('node-1')!, ['ip', '-d', 'link', 'show', v.device])).stdout, v.tunnel!);
    });
  });
});
