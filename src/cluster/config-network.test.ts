// ClusterConfig addressing: the messages of kubeadm, kube-apiserver and kube-controller-manager, each with file:line;
// an invalid config makes `validate` exit 1 and every other command refuse to build a cluster from it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, ConfigRefusedError } from './cluster.js';
import { parsePortRange } from './config-network.js';
import { formatDiagnostic } from '../api/diagnostics.js';
import { runCli } from '../cli/testing.js';

const config = (spec: string) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\napiVersion: podnet.dev/v1alpha1\nkind: ClusterConfig\nmetadata: {name: c}\nspec:\n${spec.split('\n').map((l) => `  ${l}`).join('\n')}\n`;
const P = 'c.yaml:5: The ClusterConfig is invalid: ';
const errorsOf = (spec: string) => Cluster.load({ text: config(spec), textName: 'c.yaml' }).diagnostics.filter((d) => d.level === 'error').map(formatDiagnostic);

test('pod CIDRs: kubeadm\'s minimum size and node-mask rules (at most 16 bits longer, never shorter)', () => {
  assert.deepEqual(errorsOf('podCIDR: 0.0.0.0/0\nnodes: [{name: n1, internalIP: 192.0.2.1}]\nserviceCIDR: 10.96.0.0/12\nloadBalancerIPPool: [10.96.0.0/24]'), [
    `${P}spec.podCIDRs[0]: Invalid value: "0.0.0.0/0": pod subnet mask (0) and node-mask (24) difference is greater than 16`,
    `${P}spec.serviceCIDRs[0]: Invalid value: "10.96.0.0/12": overlaps with the pod CIDR "0.0.0.0/0" (spec.podCIDRs[0]): a ClusterIP could be a pod's IP`,
    `${P}spec.nodes[0].internalIP: Invalid value: "192.0.2.1": must not be inside the pod CIDR "0.0.0.0/0" (spec.podCIDRs[0]): a node's address is not a pod's or a Service's`,
    `${P}spec.loadBalancerIPPool[0]: Invalid value: "10.96.0.0/24": overlaps with the pod CIDR "0.0.0.0/0" (spec.podCIDRs[0]): a LoadBalancer IP would be a pod's or a Service's address`,
  ]);
  assert.deepEqual(errorsOf('podCIDR: 10.244.0.0/32'), [
    `${P}spec.podCIDRs[0]: Invalid value: "10.244.0.0/32": subnet with 1 address(es) is too small, the minimum is 14`,
    `${P}spec.podCIDRs[0]: Invalid value: "10.244.0.0/32": the size of pod subnet with mask 32 is smaller than the size of node subnet with mask 24`,
  ]);
  assert.deepEqual(errorsOf('podCIDR: 10.0.0.0/7\nserviceCIDR: 172.30.0.0/16'), [`${P}spec.podCIDRs[0]: Invalid value: "10.0.0.0/7": pod subnet mask (7) and node-mask (24) difference is greater than 16`]);
  assert.deepEqual(errorsOf('podCIDR: 10.0.0.0/8\nserviceCIDR: 172.30.0.0/16'), [], '16 bits longer is the limit');
  assert.deepEqual(errorsOf('podCIDR: 10.244.0.0/16\nnodeCIDRMaskSize: 12'), [`${P}spec.podCIDRs[0]: Invalid value: "10.244.0.0/16": the size of pod subnet with mask 16 is smaller than the size of node subnet with mask 12`]);
  assert.deepEqual(errorsOf('nodeCIDRMaskSize: 31'), [`${P}spec.nodeCIDRMaskSize: Invalid value: 31: must be between 1 and 30, inclusive`]);
  assert.deepEqual(errorsOf('ipFamilies: [IPv6]\npodCIDR: fd00:20::/40'), [`${P}spec.podCIDRs[0]: Invalid value: "fd00:20::/40": pod subnet mask (40) and node-mask (64) difference is greater than 16`]);
});

test('service CIDRs: at most /12 (IPv4) and /108 (IPv6), at least 10 addresses, never over the pod CIDR', () => {
  assert.deepEqual(errorsOf('serviceCIDR: 10.96.0.0/11'), [`${P}spec.serviceCIDRs[0]: Invalid value: "10.96.0.0/11": specified service subnet is too large; for 32-bit addresses, the mask must be >= 12`]);
  assert.deepEqual(errorsOf('serviceCIDR: 10.96.0.0/12'), []);
  assert.deepEqual(errorsOf('ipFamilies: [IPv6]\nserviceCIDR: fd00:10:96::/107'), [`${P}spec.serviceCIDRs[0]: Invalid value: "fd00:10:96::/107": specified service subnet is too large; for 128-bit addresses, the mask must be >= 108`]);
  assert.deepEqual(errorsOf('ipFamilies: [IPv6]\nserviceCIDR: fd00:10:96::/108'), []);
  assert.deepEqual(errorsOf('serviceCIDR: 10.96.0.0/29'), [`${P}spec.serviceCIDRs[0]: Invalid value: "10.96.0.0/29": subnet with 8 address(es) is too small, the minimum is 10`]);
  assert.deepEqual(errorsOf('podCIDR: 10.96.0.0/16'), [`${P}spec.serviceCIDRs[0]: Invalid value: "10.96.0.0/12": overlaps with the pod CIDR "10.96.0.0/16" (spec.podCIDRs[0]): a ClusterIP could be a pod's IP`]);
  assert.deepEqual(errorsOf('podCIDR: 10.96.0.0/12\nserviceCIDR: 10.96.0.0/12'), [`${P}spec.serviceCIDRs[0]: Invalid value: "10.96.0.0/12": overlaps with the pod CIDR "10.96.0.0/12" (spec.podCIDRs[0]): a ClusterIP could be a pod's IP`]);
});

test('nodes, NodePorts and the LoadBalancer pool', () => {
  assert.deepEqual(errorsOf('nodes: [{name: a, internalIP: 10.244.9.9}, {name: b, internalIP: 10.96.0.5}, {name: c, internalIP: 192.0.2.1, podCIDR: 10.1.0.0/24}, {name: d, internalIP: 192.0.2.1}]'), [
    `${P}spec.nodes[0].internalIP: Invalid value: "10.244.9.9": must not be inside the pod CIDR "10.244.0.0/16" (spec.podCIDRs[0]): a node's address is not a pod's or a Service's`,
    `${P}spec.nodes[1].internalIP: Invalid value: "10.96.0.5": must not be inside the service CIDR "10.96.0.0/12" (spec.serviceCIDRs[0]): a node's address is not a pod's or a Service's`,
    `${P}spec.nodes[2].podCIDRs[0]: Invalid value: "10.1.0.0/24": cidr 10.1.0.0/24 is out the range of cluster cidr 10.244.0.0/16`,
    `${P}spec.nodes[3].internalIP: Duplicate value: "192.0.2.1" (spec.nodes[2] has it)`,
  ]);
  assert.deepEqual(errorsOf('nodePortRange: "0-100"'), [`${P}spec.nodePortRange: Invalid value: "0-100": the port range must start at 1 or above (nodePort 0 means "allocate one"): 0-100`]);
  assert.deepEqual(errorsOf('nodePortRange: "30000-65536"'), [`${P}spec.nodePortRange: Invalid value: "30000-65536": the port range cannot be greater than 65535: 30000-65536`]);
  assert.deepEqual(errorsOf('loadBalancerIPPool: [10.96.10.0/24, 192.0.2.10-192.0.2.20, 10.244.3.1-10.244.3.9, 192.0.2.9-192.0.2.1]'), [
    `${P}spec.loadBalancerIPPool[3]: Invalid value: "192.0.2.9-192.0.2.1": must be a CIDR or a first-last address range`,
    `${P}spec.loadBalancerIPPool[0]: Invalid value: "10.96.10.0/24": overlaps with the service CIDR "10.96.0.0/12" (spec.serviceCIDRs[0]): a LoadBalancer IP would be a pod's or a Service's address`,
    `${P}spec.loadBalancerIPPool[2]: Invalid value: "10.244.3.1-10.244.3.9": overlaps with the pod CIDR "10.244.0.0/16" (spec.podCIDRs[0]): a LoadBalancer IP would be a pod's or a Service's address`,
  ]);
});

test('defaults a user did not write move out of the way: default nodes and pool leave a pod CIDR that covers them', () => {
  const c = Cluster.load({ text: config('podCIDR: 10.0.0.0/8\nserviceCIDR: 172.16.0.0/16'), textName: 'c.yaml' });
  assert.deepEqual(c.diagnostics.filter((d) => d.level === 'error'), []);
  assert.deepEqual(c.nodes.map((n) => n.internalIPs[0]), ['192.168.1.10', '192.168.2.10']);
  assert.deepEqual(c.config.loadBalancerIPPool, ['172.18.255.200-172.18.255.250']);
  const d = Cluster.load({ text: config('podCIDR: 172.16.0.0/12'), textName: 'c.yaml' });
  assert.deepEqual(d.config.loadBalancerIPPool, ['192.168.255.200-192.168.255.250']);
  assert.deepEqual(d.nodes.map((n) => n.internalIPs[0]), ['10.0.1.10', '10.0.2.10']);
});

test('--service-node-port-range syntax, as apimachinery\'s ParsePortRange reads it', () => {
  assert.deepEqual(parsePortRange('30000-32767'), { base: 30000, size: 2768 });
  assert.deepEqual(parsePortRange(' 30000+2767 '), { base: 30000, size: 2768 });
  assert.deepEqual(parsePortRange('31000'), { base: 31000, size: 1 });
  assert.equal(parsePortRange('32000-31000'), 'end port cannot be less than start port: 32000-31000');
  assert.equal(parsePortRange('abc'), 'strconv.Atoi: parsing "abc": invalid syntax');
  assert.equal(parsePortRange('1-2+3'), 'unable to parse port range: 1-2+3');
  assert.equal(parsePortRange('65535+1'), 'the port range cannot be greater than 65535: 65535+1');
});

test('validate exits 1 with file:line; every other command refuses to build from the config; so does the lab', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'podnet-badcfg-'));
  const file = join(dir, 'c.yaml');
  writeFileSync(file, config('podCIDR: 10.96.0.0/16'));
  const line = `${file}:5: The ClusterConfig is invalid: spec.serviceCIDRs[0]: Invalid value: "10.96.0.0/12": overlaps with the pod CIDR "10.96.0.0/16" (spec.podCIDRs[0]): a ClusterIP could be a pod's IP`;
  const v = await runCli('validate', '-f', file);
  assert.equal(v.code, 1);
  assert.match(v.out, new RegExp(`^${line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\n1 error\\(s\\), 0 warning\\(s\\); \\d+ objects in the cluster model\n$`));
  for (const argv of [['get', 'pods', '-A'], ['proxy-rules'], ['check', '--from', 'shop/x', '--to', 'shop/y', '--port', '80']]) {
    const r = await runCli(...argv, '-f', file);
    assert.equal(r.code, 1, argv.join(' '));
    assert.equal(r.out, '', argv.join(' '));
    assert.equal(r.err, `${line}\nerror: the ClusterConfig at ${file}:5 is invalid (1 error): no cluster is built from it\n`, argv.join(' '));
  }
  const viaConfig = join(dir, 'only-config.yaml');
  writeFileSync(viaConfig, 'apiVersion: podnet.dev/v1alpha1\nkind: ClusterConfig\nmetadata: {name: c}\nspec:\n  serviceCIDR: 10.0.0.0/8\n');
  writeFileSync(join(dir, 'ns.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n');
  const g = await runCli('get', 'ns', '-f', join(dir, 'ns.yaml'), '--config', viaConfig);
  assert.equal(g.code, 1);
  assert.match(g.err, /error: the ClusterConfig at .*only-config\.yaml:1 is invalid \(2 errors\): no cluster is built from it\n$/);
  const { Lab } = await import('../serve/lab.js');
  await assert.rejects(Lab.start({ paths: [file], dnsPort: 0, httpPort: 0, httpsPort: 0, nodePortsAtNodePort: false }), (e: unknown) => e instanceof ConfigRefusedError && e.lines[0] === line);
});
