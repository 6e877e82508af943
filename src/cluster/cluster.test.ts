import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from './cluster.js';
import { formatDiagnostic } from '../api/diagnostics.js';

const lines = (c: Cluster, level?: 'error' | 'warning') => c.diagnostics.filter((d) => !level || d.level === level).map(formatDiagnostic);

test('kinds podnet does not model are kept and reported, never dropped silently', () => {
  const c = Cluster.load('apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: tls, namespace: default}\nspec: {}\n');
  assert.deepEqual(lines(c), ['<text>:1: Warning: Certificate "tls" (cert-manager.io/v1) is not modelled by podnet: kept, but it does not affect the network model']);
  assert.deepEqual(c.unmodelled.map((o) => [o.object.kind, o.object.metadata.name]), [['Certificate', 'tls']]);
  assert.equal(c.hasErrors, false);
});

test('a known kind in a version the API does not serve is an error, as kubectl reports it', () => {
  const c = Cluster.load('apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: old, namespace: web}\nspec: {}\n');
  assert.deepEqual(lines(c), ['<text>:1: resource mapping not found for name: "old" namespace: "web" from "<text>": no matches for kind "Ingress" in version "extensions/v1beta1" (use networking.k8s.io/v1)']);
  assert.equal(c.ingresses().length, 0);
});

test('the same object twice is an error; the first stays', () => {
  const ns = (label: string) => `---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: default, labels: {v: "${label}"}}\n`;
  const c = Cluster.load({ text: ns('1') + ns('2'), textName: 'cm.yaml' });
  assert.deepEqual(lines(c, 'error'), ['cm.yaml:6: configmaps "cfg" already exists in namespace "default" (first defined at cm.yaml:2); this copy is ignored']);
  assert.equal(c.get<any>('ConfigMap', 'default', 'cfg').metadata.labels.v, '1');
});

test('namespaced objects without a namespace go to default; a namespace used but not defined is created with a warning', () => {
  const c = Cluster.load('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: shop}\n');
  assert.ok(c.get('ConfigMap', 'default', 'a'));
  assert.ok(c.get('ConfigMap', 'shop', 'b'));
  assert.deepEqual(lines(c), ['<text>:5: Warning: namespace "shop" is not defined in the manifests; podnet creates it (kubectl apply would fail with: namespaces "shop" not found)']);
  assert.deepEqual(c.get<any>('Namespace', '', 'shop').metadata.labels, { 'kubernetes.io/metadata.name': 'shop' });
});

test('every namespace gets the kubernetes.io/metadata.name label, as the API server sets it', () => {
  const c = Cluster.load('apiVersion: v1\nkind: Namespace\nmetadata: {name: prod, labels: {team: a}}\n');
  assert.deepEqual(c.get<any>('Namespace', '', 'prod').metadata.labels, { team: 'a', 'kubernetes.io/metadata.name': 'prod' });
});

test('ClusterConfig among the manifests sets the cluster; bad settings are reported with its location', () => {
  const good = Cluster.load('apiVersion: podnet.dev/v1alpha1\nkind: ClusterConfig\nmetadata: {name: c}\nspec:\n  cni: cilium\n  kubeProxyMode: nftables\n  serviceCIDR: 10.100.0.0/16\n  clusterDomain: corp.local\n');
  assert.deepEqual([good.config.cni, good.config.kubeProxyMode, good.config.clusterDomain], ['cilium', 'nftables', 'corp.local']);
  assert.equal(good.get<any>('Service', 'default', 'kubernetes').spec.clusterIP, '10.100.0.1');
  assert.equal(good.get<any>('Service', 'kube-system', 'kube-dns').spec.clusterIP, '10.100.0.10');
  const bad = Cluster.load({ text: 'apiVersion: podnet.dev/v1alpha1\nkind: ClusterConfig\nmetadata: {name: c}\nspec:\n  cni: kube-router\n  serviceCIDR: 10.300.0.0/16\n  nodePortRange: 32000-31000\n', textName: 'cluster.yaml' });
  assert.deepEqual(lines(bad), [
    'cluster.yaml:1: The ClusterConfig is invalid: spec.serviceCIDRs[0]: Invalid value: "10.300.0.0/16": must be a valid CIDR',
    'cluster.yaml:1: The ClusterConfig is invalid: spec.nodePortRange: Invalid value: "32000-31000": end port cannot be less than start port: 32000-31000',
    'cluster.yaml:1: The ClusterConfig is invalid: spec.cni: Unsupported value: "kube-router": supported values: "flannel", "calico", "cilium", "weave"',
  ]);
  assert.equal(bad.config.cni, 'calico'); // defaults stand in for an invalid config, so every error is reported
  assert.equal(bad.configRefused, true);
  assert.equal(good.configRefused, false);
});

test('nodeCount makes N nodes with their own /24 and internal IP', () => {
  const c = Cluster.load('apiVersion: podnet.dev/v1alpha1\nkind: ClusterConfig\nmetadata: {name: c}\nspec:\n  nodeCount: 300\n');
  assert.equal(c.nodes.length, 300);
  const node = (name: string) => c.nodes.find((n) => n.name === name)!;
  assert.deepEqual([node('node-1').internalIPs, node('node-1').podCIDRs], [['10.0.1.10'], ['10.244.1.0/24']]);
  assert.deepEqual([node('node-255').internalIPs, node('node-255').podCIDRs], [['10.0.255.10'], ['10.244.255.0/24']]);
  assert.deepEqual([node('node-256').internalIPs, node('node-256').podCIDRs], [['10.1.0.10'], []]);
  assert.equal(new Set(c.nodes.flatMap((n) => n.podCIDRs)).size, 255); // 10.244.0.0/16 holds 256 /24s; index 0 is skipped
  const exhausted = c.diagnostics.filter((d) => d.level === 'error').map(formatDiagnostic);
  assert.equal(exhausted.length, 45);
  assert.equal(exhausted[0], '<text>:1: Node node-256: CIDR allocation failed; there are no remaining CIDRs left to allocate in the accepted range (node 256 of 300; 10.244.0.0/16 holds 255 node ranges of /24 after the first)');
});

test('Node objects (a dump) define the nodes, keeping their pod CIDRs, addresses and zones', () => {
  const c = Cluster.load(`apiVersion: v1
kind: Node
metadata: {name: worker-a, labels: {topology.kubernetes.io/zone: eu-1a}}
spec: {podCIDR: 10.244.7.0/24, podCIDRs: [10.244.7.0/24]}
status:
  addresses: [{type: InternalIP, address: 172.31.0.5}, {type: Hostname, address: worker-a}]
`);
  assert.deepEqual(c.nodes.map((n) => [n.name, n.internalIPs, n.podCIDRs, n.zone]), [['worker-a', ['172.31.0.5'], ['10.244.7.0/24'], 'eu-1a']]);
  assert.deepEqual(c.pods('kube-system').map((p) => p.status?.podIP), ['10.244.7.2', '10.244.7.3']);
});

test('a 1,000-pod cluster: unique IPs inside node ranges, every Service with its endpoints, deterministic', () => {
  let text = 'apiVersion: podnet.dev/v1alpha1\nkind: ClusterConfig\nmetadata: {name: c}\nspec:\n  nodeCount: 10\n';
  for (let n = 0; n < 20; n++) text += `---\napiVersion: v1\nkind: Namespace\nmetadata: {name: ns-${n}}\n`;
  for (let i = 0; i < 100; i++) {
    text += `---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app-${i}, namespace: ns-${i % 20}}\nspec:\n  replicas: 10\n  selector: {matchLabels: {app: app-${i}}}\n  template:\n    metadata: {labels: {app: app-${i}}}\n    spec: {containers: [{name: c, image: x, ports: [{name: http, containerPort: 8080}]}]}\n`;
    text += `---\napiVersion: v1\nkind: Service\nmetadata: {name: app-${i}, namespace: ns-${i % 20}}\nspec:\n  selector: {app: app-${i}}\n  ports: [{port: 80, targetPort: http}]\n`;
  }
  const c = Cluster.load(text);
  assert.deepEqual(lines(c), []);
  const pods = c.pods().filter((p) => p.metadata.namespace?.startsWith('ns-'));
  assert.equal(pods.length, 1000);
  const ips = pods.map((p) => p.status?.podIP);
  assert.equal(new Set(ips).size, 1000);
  const nodeCidr = new Map(c.nodes.map((n) => [n.name, n.podCIDRs[0].split('.').slice(0, 3).join('.')]));
  for (const p of pods) assert.ok(p.status!.podIP!.startsWith(nodeCidr.get(p.spec!.nodeName!)! + '.'));
  const perNode = new Map<string, number>();
  for (const p of c.pods()) perNode.set(p.spec!.nodeName!, (perNode.get(p.spec!.nodeName!) ?? 0) + 1);
  assert.ok(Math.max(...perNode.values()) - Math.min(...perNode.values()) <= 1, 'spread evenly');
  for (let i = 0; i < 100; i++) {
    const eps = c.slicesOfService(`ns-${i % 20}`, `app-${i}`).flatMap((s) => s.endpoints);
    assert.equal(eps.length, 10);
  }
  const clusterIPs = c.services().map((s) => s.spec?.clusterIP);
  assert.equal(new Set(clusterIPs).size, clusterIPs.length);
  const again = Cluster.load(text);
  assert.deepEqual(again.pods().map((p) => [p.metadata.name, p.status?.podIP]), c.pods().map((p) => [p.metadata.name, p.status?.podIP]));
});

test('one bad object never hides the others: all errors reported, valid objects loaded', () => {
  const c = Cluster.load({ textName: 'shop.yaml', text: `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  ports: [{port: 70000}]
---
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: Bad_Name}
spec:
  ports: [{port: 80}]
` });
  const errs = lines(c, 'error');
  assert.ok(errs.includes('shop.yaml:1: The Service "web" is invalid: spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive'), errs.join('\n'));
  assert.ok(errs.some((e) => e.startsWith('shop.yaml:13: The Service "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a DNS-1035 label must consist of lower case alphanumeric characters')), errs.join('\n'));
  assert.ok(c.get('Service', 'default', 'api'));
  assert.equal(c.get('Service', 'default', 'web'), undefined);
});

test('status fields of a dump that do not fit their type are dropped with a warning; the object still loads', () => {
  const c = Cluster.load('apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: x}]\nstatus:\n  podIP: not-an-ip\n  phase: Sleeping\n');
  assert.deepEqual(lines(c), [
    '<text>:1: Warning: Pod "p": status.phase: must be one of Pending, Running, Succeeded, Failed, Unknown; ignored',
    '<text>:1: Warning: Pod "p": status.podIP: must be a valid IP address; ignored',
  ]);
  assert.equal(c.get<any>('Pod', 'default', 'p').status.podIP, '10.244.1.2');
});

test('a workload asking for more pods than podnet models is reported, not expanded', () => {
  const c = Cluster.load('apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: huge}\nspec:\n  replicas: 100000\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec: {containers: [{name: c, image: x}]}\n');
  assert.deepEqual(lines(c, 'error'), ['<text>:1: Deployment default/huge: spec.replicas is 100000; podnet models at most 5000 pods per workload, so it makes none']);
  assert.equal(c.pods('default').length, 0);
});

test('ClusterConfig cniOptions choose the data path; unknown options and values are refused', () => {
  const good = Cluster.load('apiVersion: podnet.dev/v1alpha1\nkind: ClusterConfig\nmetadata: {name: c}\nspec:\n  cni: calico\n  cniOptions: {calicoEncapsulation: VXLAN, underlayMTU: 9000}\n');
  assert.deepEqual(good.config.cniOptions, { calicoEncapsulation: 'VXLAN', underlayMTU: 9000 });
  const bad = Cluster.load({ textName: 'c.yaml', text: 'apiVersion: podnet.dev/v1alpha1\nkind: ClusterConfig\nmetadata: {name: c}\nspec:\n  cniOptions: {calicoEncapsulation: GRE, turbo: true}\n' });
  assert.deepEqual(lines(bad), [
    'c.yaml:1: The ClusterConfig is invalid: spec.cniOptions.calicoEncapsulation: Invalid value: "GRE": must be one of "IPIP", "VXLAN", "None"',
    'c.yaml:1: The ClusterConfig is invalid: spec.cniOptions.turbo: Unsupported value: the supported options are calicoEncapsulation, ciliumRouting, ciliumKubeProxyReplacement, weaveEncryption, flannelBackend, underlayMTU',
  ]);
});

test('a NamespaceList and a PodList as kubectl get -o yaml prints them load with their labels, and policies see them', () => {
  const c = Cluster.load({ textName: 'dump.yaml', text: `apiVersion: v1
kind: NamespaceList
items:
- metadata:
    name: shop
    labels: {team: payments}
---
apiVersion: v1
kind: PodList
items:
- metadata: {name: web, namespace: shop, labels: {app: web}}
  spec:
    containers: [{name: web, image: nginx}]
` });
  assert.deepEqual(lines(c), []);
  assert.deepEqual(c.get<any>('Namespace', '', 'shop').metadata.labels, { team: 'payments', 'kubernetes.io/metadata.name': 'shop' });
  assert.deepEqual(c.pods('shop').map((p) => [p.metadata.name, p.metadata.labels]), [['web', { app: 'web' }]]);
});

test('--lenient keeps what the API server refuses only for bookkeeping, with a warning; everything else stays refused', () => {
  const pod = (name: string, container: Record<string, unknown>) => `---\napiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: default}\nspec:\n  containers: [${JSON.stringify(container)}]\n`;
  const netpol = `---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny_all, namespace: default}\nspec: {podSelector: {}}\n`;
  const cases: { name: string; text: string; strict: string[]; lenient: string[]; kept: string[] }[] = [
    {
      name: 'a container without name or image (a trimmed dump)', text: pod('bare', { ports: [] }),
      strict: ['t.yaml:2: The Pod "bare" is invalid: spec.containers[0].name: Required value', 't.yaml:2: The Pod "bare" is invalid: spec.containers[0].image: Required value'],
      lenient: [
        't.yaml:2: Warning: The Pod "bare" is invalid: spec.containers[0].name: Required value (kept because of --lenient: the API server would refuse it)',
        't.yaml:2: Warning: The Pod "bare" is invalid: spec.containers[0].image: Required value (kept because of --lenient: the API server would refuse it)',
      ],
      kept: ['Pod/default/bare'],
    },
    {
      name: 'a policy named with _', text: netpol,
      strict: [`t.yaml:2: The NetworkPolicy "deny_all" is invalid: metadata.name: Invalid value: "deny_all": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`],
      lenient: [`t.yaml:2: Warning: The NetworkPolicy "deny_all" is invalid: metadata.name: Invalid value: "deny_all": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*') (kept because of --lenient: the API server would refuse it)`],
      kept: ['NetworkPolicy/default/deny_all'],
    },
    {
      name: 'a pod with no containers at all (a trimmed dump)', text: `---\napiVersion: v1\nkind: Pod\nmetadata: {name: empty, namespace: default, labels: {app: x}}\nspec: {}\n`,
      strict: ['t.yaml:2: The Pod "empty" is invalid: spec.containers: Required value'],
      lenient: ['t.yaml:2: Warning: The Pod "empty" is invalid: spec.containers: Required value (kept because of --lenient: the API server would refuse it)'],
      kept: ['Pod/default/empty'],
    },
    {
      name: 'a nodePort on a ClusterIP Service is kept without it', text: `---\napiVersion: v1\nkind: Service\nmetadata: {name: gw, namespace: default}\nspec:\n  selector: {app: gw}\n  ports: [{name: http, port: 80, nodePort: 31380}]\n`,
      strict: ["t.yaml:2: The Service \"gw\" is invalid: spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"],
      lenient: ["t.yaml:2: Warning: The Service \"gw\" is invalid: spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP' (kept because of --lenient: the API server would refuse it)"],
      kept: ['Service/default/gw'],
    },
    {
      name: 'a value the model reads stays refused (containerPort out of range)', text: pod('p', { name: 'c', image: 'i', ports: [{ containerPort: 70000 }] }),
      strict: ['t.yaml:2: The Pod "p" is invalid: spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive'],
      lenient: ['t.yaml:2: The Pod "p" is invalid: spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive'],
      kept: [],
    },
    {
      name: 'one refused error among bookkeeping ones refuses the object', text: pod('q', { image: 'i', ports: [{ containerPort: 80, protocol: 'ICMP' }] }),
      strict: ['t.yaml:2: The Pod "q" is invalid: spec.containers[0].name: Required value', 't.yaml:2: The Pod "q" is invalid: spec.containers[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"'],
      lenient: ['t.yaml:2: The Pod "q" is invalid: spec.containers[0].name: Required value', 't.yaml:2: The Pod "q" is invalid: spec.containers[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"'],
      kept: [],
    },
  ];
  const has = (c: Cluster, key: string) => { const [kind, ns, name] = key.split('/'); return c.get(kind, ns, name) !== undefined; };
  for (const k of cases) {
    const strict = Cluster.load({ text: k.text, textName: 't.yaml' });
    assert.deepEqual(strict.diagnostics.filter((d) => d.code === 'PN1003').map(formatDiagnostic), k.strict, k.name);
    assert.deepEqual(k.kept.filter((key) => has(strict, key)), [], k.name);
    const lenient = Cluster.load({ text: k.text, textName: 't.yaml', lenient: true });
    assert.deepEqual(lenient.diagnostics.filter((d) => d.code === 'PN1003').map(formatDiagnostic), k.lenient, k.name);
    assert.deepEqual(k.kept.filter((key) => has(lenient, key)), k.kept, k.name);
  }
});

test('--lenient drops the nodePort it forbade on a ClusterIP Service, so no node port is modelled', () => {
  const c = Cluster.load({ text: `---\napiVersion: v1\nkind: Service\nmetadata: {name: gw, namespace: default}\nspec:\n  selector: {app: gw}\n  ports: [{name: http, port: 80, nodePort: 31380}]\n`, textName: 't.yaml', lenient: true });
  const svc = c.get<any>('Service', 'default', 'gw');
  assert.equal(svc.spec.type, 'ClusterIP');
  assert.deepEqual(svc.spec.ports, [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 80 }]);
});
