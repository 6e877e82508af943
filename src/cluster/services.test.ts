import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from './cluster.js';
import { NodePortAllocator, ServiceIPAllocator } from './service-alloc.js';
import { formatDiagnostic } from '../api/diagnostics.js';

const svc = (name: string, spec: string, ns = 'default') => `---
apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${ns}}
spec:
${spec}
`;

const get = (c: Cluster, name: string, ns = 'default') => c.get<any>('Service', ns, name);
const errors = (c: Cluster) => c.diagnostics.filter((d) => d.level === 'error').map(formatDiagnostic);

test('built-ins: kubernetes is .1 of the service CIDR on 443->6443, kube-dns .10 with 53/UDP, 53/TCP, 9153/TCP', () => {
  const c = Cluster.load('');
  const k = get(c, 'kubernetes');
  assert.deepEqual([k.spec.clusterIP, k.spec.ports], ['10.96.0.1', [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }]]);
  assert.deepEqual(c.slicesOfService('default', 'kubernetes').map((s) => [s.endpoints?.[0].addresses, s.ports?.[0].port]), [[['10.0.1.10'], 6443]]);
  const dns = get(c, 'kube-dns', 'kube-system');
  assert.equal(dns.spec.clusterIP, '10.96.0.10');
  assert.deepEqual(dns.spec.ports.map((p: any) => `${p.name} ${p.port}/${p.protocol}`), ['dns 53/UDP', 'dns-tcp 53/TCP', 'metrics 9153/TCP']);
  assert.equal(c.pods('kube-system').filter((p) => p.metadata.labels?.['k8s-app'] === 'kube-dns').length, 2);
  assert.deepEqual(c.namespaces().map((n) => n.metadata.name), ['default', 'kube-node-lease', 'kube-public', 'kube-system']);
  assert.deepEqual(errors(c), []);
});

test('the allocator splits the range: dynamic picks land in the upper band, above min(max(16, size/16), 256)', () => {
  const a = new ServiceIPAllocator('10.96.0.0/24');
  // 254 usable addresses: offset = max(16, 254/16=15) = 16, so dynamic picks are 10.96.0.17 and above.
  for (let i = 0; i < 200; i++) {
    const ip = a.allocate(`svc-${i}`)!;
    assert.ok(Number(ip.split('.')[3]) >= 17, ip);
  }
  assert.equal(a.reserve('10.96.0.5'), 'ok');
  assert.equal(a.reserve('10.96.0.5'), 'allocated');
  assert.equal(a.reserve('10.97.0.5'), 'out-of-range');
  assert.equal(a.reserve('10.96.0.255'), 'out-of-range'); // broadcast
  const p = new NodePortAllocator(30000, 2768);
  for (let i = 0; i < 500; i++) assert.ok(p.allocate(`s${i}`)! >= 30086);
});

test('ClusterIP: dynamic from the service CIDR, deterministic, explicit honoured; None = headless; ExternalName has none', () => {
  const text = svc('web', '  selector: {app: web}\n  ports: [{port: 80}]') +
    svc('fixed', '  clusterIP: 10.96.100.100\n  ports: [{port: 80}]') +
    svc('headless', '  clusterIP: None\n  selector: {app: db}\n  ports: [{port: 5432}]') +
    svc('ext', '  type: ExternalName\n  externalName: db.example.com');
  const c = Cluster.load(text);
  const web = get(c, 'web');
  assert.match(web.spec.clusterIP, /^10\.(9[6-9]|10[0-9]|110|111)\.\d+\.\d+$/);
  assert.deepEqual(web.spec.clusterIPs, [web.spec.clusterIP]);
  assert.deepEqual([web.spec.ipFamilyPolicy, web.spec.ipFamilies, web.spec.type, web.spec.sessionAffinity, web.spec.internalTrafficPolicy], ['SingleStack', ['IPv4'], 'ClusterIP', 'None', 'Cluster']);
  assert.deepEqual(web.spec.ports, [{ port: 80, protocol: 'TCP', targetPort: 80 }]);
  assert.equal(Cluster.load(text).get<any>('Service', 'default', 'web').spec.clusterIP, web.spec.clusterIP);
  assert.equal(get(c, 'fixed').spec.clusterIP, '10.96.100.100');
  assert.deepEqual(get(c, 'headless').spec.clusterIPs, ['None']);
  assert.equal(get(c, 'ext').spec.clusterIP, undefined);
  assert.deepEqual(errors(c), []);
});

test('a requested ClusterIP that is taken or out of range is refused with the API server message; the Service is left out', () => {
  const c = Cluster.load(
    svc('dns-clash', '  clusterIP: 10.96.0.10\n  ports: [{port: 53, protocol: UDP}]') +
    svc('outside', '  clusterIP: 10.0.0.5\n  ports: [{port: 80}]') +
    svc('a', '  clusterIP: 10.96.5.5\n  ports: [{port: 80}]') +
    svc('b', '  clusterIP: 10.96.5.5\n  ports: [{port: 80}]'));
  assert.deepEqual(errors(c), [
    '<text>:2: The Service "dns-clash" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.10"}: failed to allocate IP 10.96.0.10: provided IP is already allocated',
    '<text>:9: The Service "outside" is invalid: spec.clusterIPs: Invalid value: []string{"10.0.0.5"}: failed to allocate IP 10.0.0.5: the provided IP (10.0.0.5) is not in the valid range. The range of valid IPs is 10.96.0.0/12',
    '<text>:23: The Service "b" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.5.5"}: failed to allocate IP 10.96.5.5: provided IP is already allocated',
  ]);
  assert.equal(get(c, 'dns-clash'), undefined);
  assert.equal(get(c, 'outside'), undefined);
  assert.equal(get(c, 'a').spec.clusterIP, '10.96.5.5');
  assert.equal(get(c, 'b'), undefined);
});

test('NodePort: every port gets one from the upper band unless given; conflicts and out-of-range are refused', () => {
  const c = Cluster.load(
    svc('np', '  type: NodePort\n  selector: {app: a}\n  ports: [{name: http, port: 80}, {name: https, port: 443, nodePort: 30443}]') +
    svc('clash', '  type: NodePort\n  ports: [{port: 80, nodePort: 30443}]') +
    svc('low', '  type: NodePort\n  ports: [{port: 80, nodePort: 80}]'));
  const np = get(c, 'np');
  assert.equal(np.spec.externalTrafficPolicy, 'Cluster');
  const [http, https] = np.spec.ports;
  assert.ok(http.nodePort >= 30086 && http.nodePort <= 32767, String(http.nodePort));
  assert.equal(https.nodePort, 30443);
  assert.deepEqual(errors(c), [
    '<text>:10: The Service "clash" is invalid: spec.ports[0].nodePort: Invalid value: 30443: provided port is already allocated',
    '<text>:17: The Service "low" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767',
  ]);
});

test('the same NodePort serves one port number over TCP and UDP', () => {
  const c = Cluster.load(svc('dns', '  type: NodePort\n  ports: [{name: u, port: 53, protocol: UDP}, {name: t, port: 53, protocol: TCP}]'));
  const [u, t] = get(c, 'dns').spec.ports;
  assert.equal(u.nodePort, t.nodePort);
});

test('LoadBalancer: NodePorts plus the next pool address; loadBalancerIP honoured; ETP Local gets a healthCheckNodePort; exhausted pool stays pending', () => {
  const cfg = `apiVersion: podnet.dev/v1alpha1
kind: ClusterConfig
metadata: {name: c}
spec:
  loadBalancerIPPool: [192.0.2.10-192.0.2.11]
`;
  const c = Cluster.load(cfg +
    svc('lb1', '  type: LoadBalancer\n  ports: [{port: 80}]') +
    svc('lb2', '  type: LoadBalancer\n  loadBalancerIP: 192.0.2.10\n  externalTrafficPolicy: Local\n  ports: [{port: 443}]') +
    svc('lb3', '  type: LoadBalancer\n  allocateLoadBalancerNodePorts: false\n  ports: [{port: 8080}]'));
  assert.deepEqual(get(c, 'lb2').status.loadBalancer.ingress, [{ ip: '192.0.2.10', ipMode: 'VIP' }]);
  assert.deepEqual(get(c, 'lb1').status.loadBalancer.ingress, [{ ip: '192.0.2.11', ipMode: 'VIP' }]);
  assert.deepEqual(get(c, 'lb3').status.loadBalancer, {});
  assert.ok(get(c, 'lb1').spec.ports[0].nodePort >= 30086);
  assert.equal(get(c, 'lb3').spec.ports[0].nodePort, undefined);
  const hc = get(c, 'lb2').spec.healthCheckNodePort;
  assert.ok(hc >= 30000 && hc <= 32767);
  assert.ok(c.diagnostics.some((d) => d.code === 'PN1013' && d.message.startsWith('Service default/lb3: no address left in the LoadBalancer pool')));
});

test('dual-stack: PreferDualStack gets both families; RequireDualStack on a single-stack cluster is refused', () => {
  const dual = `apiVersion: podnet.dev/v1alpha1
kind: ClusterConfig
metadata: {name: ds}
spec:
  ipFamilies: [IPv4, IPv6]
`;
  const c = Cluster.load(dual + svc('both', '  ipFamilyPolicy: PreferDualStack\n  ports: [{port: 80}]') + svc('v6', '  ipFamilies: [IPv6]\n  ports: [{port: 80}]'));
  const both = get(c, 'both');
  assert.deepEqual(both.spec.ipFamilies, ['IPv4', 'IPv6']);
  assert.equal(both.spec.clusterIPs.length, 2);
  assert.match(both.spec.clusterIPs[1], /^fd00:10:96::/);
  assert.deepEqual(get(c, 'v6').spec.ipFamilies, ['IPv6']);
  const single = Cluster.load(svc('req', '  ipFamilyPolicy: RequireDualStack\n  ports: [{port: 80}]'));
  assert.deepEqual(errors(single), ['<text>:2: The Service "req" is invalid: spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services']);
});

test('sessionAffinity ClientIP defaults timeoutSeconds to 10800', () => {
  const c = Cluster.load(svc('sticky', '  sessionAffinity: ClientIP\n  ports: [{port: 80}]'));
  assert.deepEqual(get(c, 'sticky').spec.sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });
});
