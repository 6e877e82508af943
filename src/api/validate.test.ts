// Core kinds: metadata, Service, Endpoints, EndpointSlice, Pod, Namespace, Node, Secret, ConfigMap.
// Each case is a small manifest and the exact kubectl-style messages the API server prints for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateObject } from './validate.js';
import type { KubeObject } from './types.js';
import { LABEL, SUBDOMAIN, RANGE, CIDR, runValidationCases, type ValidationCase } from './testing.js';

// More upstream texts, written out here independently of the implementation.
const DNS1035 = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const KEY_NAME = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const IP = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';


const svc = (spec: unknown, name = 'web'): Record<string, unknown> => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec });
const pod = (spec: unknown, metadata: Record<string, unknown> = { name: 'p' }): Record<string, unknown> => ({ apiVersion: 'v1', kind: 'Pod', metadata, spec });
const ctr = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ name: 'app', image: 'nginx', ...extra });
const S = (rest: string): string => `The Service "web" is invalid: ${rest}`;
const P = (rest: string): string => `The Pod "p" is invalid: ${rest}`;

runValidationCases([
  // metadata
  { name: 'namespace name must be a DNS label', obj: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'Team_A' } }, want: [`The Namespace "Team_A" is invalid: metadata.name: Invalid value: "Team_A": ${LABEL}`] },
  { name: 'namespace name may not contain dots', obj: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a.b' } }, want: ['The Namespace "a.b" is invalid: metadata.name: Invalid value: "a.b": must not contain dots'] },
  { name: 'name required', obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} }, want: ['The ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required'] },
  { name: 'subdomain name too long', obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a'.repeat(254) } }, want: [`The ConfigMap "${'a'.repeat(254)}" is invalid: metadata.name: Invalid value: "${'a'.repeat(254)}": must be no more than 253 characters`] },
  { name: 'bad namespace', obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'Prod' } }, want: [`The ConfigMap "c" is invalid: metadata.namespace: Invalid value: "Prod": ${LABEL}`] },
  { name: 'label value too long', obj: pod({ containers: [ctr()] }, { name: 'p', labels: { app: 'x'.repeat(64) } }), want: [P(`metadata.labels: Invalid value: "${'x'.repeat(64)}": must be no more than 63 characters`)] },
  { name: 'label key with an empty prefix', obj: pod({ containers: [ctr()] }, { name: 'p', labels: { '/app': 'x' } }), want: [P('metadata.labels: Invalid value: "/app": prefix part must be non-empty')] },
  { name: 'annotation key with a space', obj: pod({ containers: [ctr()] }, { name: 'p', annotations: { 'bad key': 'v' } }), want: [P(`metadata.annotations: Invalid value: "bad key": ${KEY_NAME}`)] },
  { name: 'a number where a label value goes', obj: pod({ containers: [ctr()] }, { name: 'p', labels: { version: 1.5 } }), want: [P('metadata.labels[version]: Invalid value: 1.5: must be of type string')] },

  // Service
  { name: 'port out of range (targetPort defaults to it)', obj: svc({ ports: [{ port: 70000 }] }), want: [S(`spec.ports[0].port: Invalid value: 70000: ${RANGE}`), S(`spec.ports[0].targetPort: Invalid value: 70000: ${RANGE}`)] },
  { name: 'unsupported protocol', obj: svc({ ports: [{ port: 80, protocol: 'HTTP' }] }), want: [S('spec.ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"')] },
  { name: 'multi-port needs names', obj: svc({ ports: [{ name: 'http', port: 80 }, { port: 443 }] }), want: [S('spec.ports[1].name: Required value')] },
  { name: 'duplicate port name', obj: svc({ ports: [{ name: 'http', port: 80 }, { name: 'http', port: 81 }] }), want: [S('spec.ports[1].name: Duplicate value: "http"')] },
  { name: 'duplicate port number', obj: svc({ ports: [{ name: 'a', port: 80 }, { name: 'b', port: 80, targetPort: 8080 }] }), want: [S('spec.ports[1]: Duplicate value: {"port":80,"protocol":"TCP"}')] },
  { name: 'unsupported type', obj: svc({ type: 'Internal', ports: [{ port: 80 }] }), want: [S('spec.type: Unsupported value: "Internal": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"')] },
  { name: 'ports required', obj: svc({ selector: { app: 'web' } }), want: [S('spec.ports: Required value')] },
  { name: 'name is a DNS-1035 label', obj: svc({ ports: [{ port: 80 }] }, '1web'), want: [`The Service "1web" is invalid: metadata.name: Invalid value: "1web": ${DNS1035}`] },
  { name: 'externalName must be a subdomain', obj: svc({ type: 'ExternalName', externalName: 'db_host.example.com' }), want: [S(`spec.externalName: Invalid value: "db_host.example.com": ${SUBDOMAIN}`)] },
  { name: 'clusterIP must be an IP', obj: svc({ clusterIP: '10.96.0.300', ports: [{ port: 80 }] }), want: [S(`spec.clusterIPs[0]: Invalid value: "10.96.0.300": ${IP}`)] },
  { name: 'headless NodePort', obj: svc({ type: 'NodePort', clusterIP: 'None', ports: [{ port: 80 }] }), want: [S('spec.clusterIPs[0]: Invalid value: "None": may not be set to \'None\' for NodePort services')] },
  { name: 'nodePort on ClusterIP', obj: svc({ ports: [{ port: 80, nodePort: 30080 }] }), want: [S("spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'")] },
  { name: 'externalTrafficPolicy on ClusterIP', obj: svc({ externalTrafficPolicy: 'Local', ports: [{ port: 80 }] }), want: [S('spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services')] },
  { name: 'sessionAffinity timeout', obj: svc({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 0 } }, ports: [{ port: 80 }] }), want: [S('spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 0: must be greater than 0 and less than 86400')] },
  { name: 'numeric string targetPort is a bad port name', obj: svc({ ports: [{ port: 80, targetPort: '8080' }] }), want: [S('spec.ports[0].targetPort: Invalid value: "8080": must contain at least one letter (a-z)')] },
  { name: 'targetPort name with hyphens at the ends', obj: svc({ ports: [{ port: 80, targetPort: '-http-' }] }), want: [S('spec.ports[0].targetPort: Invalid value: "-http-": must not begin or end with a hyphen')] },
  { name: 'ipFamilyPolicy value', obj: svc({ ipFamilyPolicy: 'DualStack', ports: [{ port: 80 }] }), want: [S('spec.ipFamilyPolicy: Unsupported value: "DualStack": supported values: "PreferDualStack", "RequireDualStack", "SingleStack"')] },
  { name: 'port given as a string', obj: svc({ ports: [{ port: '80' }] }), want: [S('spec.ports[0].port: Invalid value: "80": must be of type integer')] },
  { name: 'ports given as a map', obj: svc({ ports: { http: 80 } }), want: [S('spec.ports: Invalid value: {"http":80}: must be of type array')] },

  // Endpoints and EndpointSlice
  { name: 'subset without addresses', obj: { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web' }, subsets: [{ ports: [{ port: 80 }] }] }, want: ['The Endpoints "web" is invalid: subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`'] },
  { name: 'loopback address', obj: { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web' }, subsets: [{ addresses: [{ ip: '127.0.0.1' }] }] }, want: ['The Endpoints "web" is invalid: subsets[0].addresses[0].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)'] },
  { name: 'unsupported addressType', obj: { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-1' }, addressType: 'IP', endpoints: [] }, want: ['The EndpointSlice "web-1" is invalid: addressType: Unsupported value: "IP": supported values: "FQDN", "IPv4", "IPv6"'] },
  { name: 'bad IPv4 address', obj: { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-1' }, addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.300'] }, { addresses: [] }] }, want: ['The EndpointSlice "web-1" is invalid: endpoints[0].addresses[0]: Invalid value: "10.0.0.300": must be a valid IPv4 address', 'The EndpointSlice "web-1" is invalid: endpoints[0].addresses[0]: Invalid value: "10.0.0.300": must be a valid IP address', 'The EndpointSlice "web-1" is invalid: endpoints[1].addresses: Required value: must contain at least 1 address'] },
  { name: 'at most 20000 ports (kubernetes#99795 raised it from 100)', obj: { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-1' }, addressType: 'IPv4', endpoints: [], ports: Array.from({ length: 20_001 }, (_, i) => ({ name: `p${i}`, port: i + 1, protocol: 'TCP' })) }, want: ['The EndpointSlice "web-1" is invalid: ports: Too many: 20001: must have at most 20000 items'] },
  { name: '20000 ports are fine', obj: { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-1' }, addressType: 'IPv4', endpoints: [], ports: Array.from({ length: 20_000 }, (_, i) => ({ name: `p${i}`, port: i + 1, protocol: 'TCP' })) }, want: [] },
  { name: 'at most 1000 endpoints', obj: { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-1' }, addressType: 'IPv4', endpoints: Array.from({ length: 1001 }, () => ({ addresses: ['10.1.0.1'] })) }, want: ['The EndpointSlice "web-1" is invalid: endpoints: Too many: 1001: must have at most 1000 items'] },

  // Pod
  { name: 'containers required', obj: pod({}), want: [P('spec.containers: Required value')] },
  { name: 'container names: label, unique', obj: pod({ containers: [ctr({ name: 'Web' }), ctr(), ctr()] }), want: [P(`spec.containers[0].name: Invalid value: "Web": ${LABEL}`), P('spec.containers[2].name: Duplicate value: "app"')] },
  { name: 'image required', obj: pod({ containers: [{ name: 'app' }] }), want: [P('spec.containers[0].image: Required value')] },
  { name: 'containerPort required and in range', obj: pod({ containers: [ctr({ ports: [{ name: 'a', containerPort: 0 }, { containerPort: 70000 }] })] }), want: [P('spec.containers[0].ports[0].containerPort: Required value'), P(`spec.containers[0].ports[1].containerPort: Invalid value: 70000: ${RANGE}`)] },
  { name: 'hostPort in range', obj: pod({ containers: [ctr({ ports: [{ containerPort: 80, hostPort: -1 }] })] }), want: [P(`spec.containers[0].ports[0].hostPort: Invalid value: -1: ${RANGE}`)] },
  { name: 'port names are IANA service names', obj: pod({ containers: [ctr({ ports: [{ name: 'very-long-port-name', containerPort: 80 }, { name: 'a--b', containerPort: 81 }] })] }), want: [P('spec.containers[0].ports[0].name: Invalid value: "very-long-port-name": must be no more than 15 characters'), P('spec.containers[0].ports[1].name: Invalid value: "a--b": must not contain consecutive hyphens')] },
  { name: 'port names unique in a container', obj: pod({ containers: [ctr({ ports: [{ name: 'http', containerPort: 80 }, { name: 'http', containerPort: 81, protocol: 'ICMP' }] })] }), want: [P('spec.containers[0].ports[1].name: Duplicate value: "http"'), P('spec.containers[0].ports[1].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"')] },
  { name: 'hostPort conflicts across containers', obj: pod({ containers: [ctr({ ports: [{ containerPort: 80, hostPort: 8080 }] }), ctr({ name: 'side', ports: [{ containerPort: 81, hostPort: 8080 }] })] }), want: [P('spec.containers[1].ports[0].hostPort: Duplicate value: "TCP//8080"')] },
  { name: 'hostNetwork needs hostPort = containerPort', obj: pod({ hostNetwork: true, containers: [ctr({ ports: [{ containerPort: 80, hostPort: 8080 }] })] }), want: [P('spec.containers[0].ports[0].hostPort: Invalid value: 8080: must match `containerPort` when `hostNetwork` is true')] },
  { name: 'dnsPolicy values', obj: pod({ dnsPolicy: 'Cluster', containers: [ctr()] }), want: [P('spec.dnsPolicy: Unsupported value: "Cluster": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"')] },
  { name: 'dnsPolicy None needs nameservers', obj: pod({ dnsPolicy: 'None', dnsConfig: { searches: ['svc.cluster.local'] }, containers: [ctr()] }), want: [P('spec.dnsConfig.nameservers: Required value: must provide at least one DNS nameserver when `dnsPolicy` is None')] },
  { name: 'dnsConfig: at most 3 nameservers, all IPs', obj: pod({ dnsConfig: { nameservers: ['1.1.1.1', '8.8.8.8', '9.9.9.9', 'dns.local'] }, containers: [ctr()] }), want: [P('spec.dnsConfig.nameservers: Invalid value: ["1.1.1.1","8.8.8.8","9.9.9.9","dns.local"]: must not have more than 3 nameservers'), P(`spec.dnsConfig.nameservers[3]: Invalid value: "dns.local": ${IP}`)] },
  { name: 'hostname and subdomain are DNS labels', obj: pod({ hostname: 'db.0', subdomain: 'My_Sub', containers: [ctr()] }), want: [P('spec.hostname: Invalid value: "db.0": must not contain dots'), P(`spec.subdomain: Invalid value: "My_Sub": ${LABEL}`)] },
  { name: 'restartPolicy values', obj: pod({ restartPolicy: 'Sometimes', containers: [ctr()] }), want: [P('spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"')] },

  // Namespace, Node, Secret, ConfigMap
  { name: 'podCIDR must be a CIDR, taint effect known', obj: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' }, spec: { podCIDR: '10.244.1.0/33', taints: [{ key: 'dedicated', value: 'db', effect: 'NoRun' }] } }, want: ['The Node "node-1" is invalid: metadata.taints[0].effect: Unsupported value: "NoRun": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"', `The Node "node-1" is invalid: spec.podCIDRs[0]: Invalid value: "10.244.1.0/33": ${CIDR}`] },
  { name: 'TLS secret needs tls.crt and tls.key', obj: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'tls' }, type: 'kubernetes.io/tls', data: { 'tls.crt': 'Y2VydA==' } }, want: ['The Secret "tls" is invalid: data[tls.key]: Required value'] },
  { name: 'secret keys', obj: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { 'my key': 'v' } }, want: ['The Secret "s" is invalid: data[my key]: Invalid value: "my key": a valid config key must consist of alphanumeric characters, \'-\', \'_\' or \'.\' (e.g. \'key.name\',  or \'KEY_NAME\',  or \'key-name\', regex used for validation is \'[-._a-zA-Z0-9]+\')'] },
  { name: 'configmap key ..', obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { '..': 'x' } }, want: ["The ConfigMap \"c\" is invalid: data[..]: Invalid value: \"..\": must not be '..'"] },
]);

test('valid core objects yield no errors', () => {
  const valid: Record<string, unknown>[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'kubernetes.io/metadata.name': 'shop' } } },
    { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1.example.com' }, spec: { podCIDRs: ['10.244.1.0/24', 'fd00:10:244:1::/64'], taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] } },
    svc({ selector: { app: 'web' }, ports: [{ port: 80 }] }),
    svc({ type: 'LoadBalancer', externalTrafficPolicy: 'Local', healthCheckNodePort: 32000, ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv4', 'IPv6'], selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http', nodePort: 30080 }, { name: 'dns', port: 53, protocol: 'UDP' }] }),
    svc({ clusterIP: 'None', selector: { app: 'db' } }),
    svc({ type: 'ExternalName', externalName: 'db.example.com.' }),
    svc({ clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10', 'fd00::a'], sessionAffinity: 'ClientIP', ports: [{ port: 53, targetPort: 5353, appProtocol: 'kubernetes.io/h2c' }] }),
    { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web' }, subsets: [{ addresses: [{ ip: '10.244.1.5', hostname: 'web-0', nodeName: 'node-1' }], ports: [{ name: 'http', port: 8080 }, { name: 'dns', port: 53, protocol: 'UDP' }] }] },
    { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-abc12', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv4', endpoints: [{ addresses: ['10.244.1.5'], conditions: { ready: true }, nodeName: 'node-1' }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] },
    pod({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet', hostname: 'web-0', subdomain: 'web', containers: [ctr({ ports: [{ name: 'http', containerPort: 80 }, { containerPort: 9090, hostPort: 9090 }] })], initContainers: [{ name: 'init', image: 'busybox' }], tolerations: [{ operator: 'Exists' }], nodeSelector: { 'kubernetes.io/os': 'linux' } }),
    pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['10.96.0.10'], searches: ['svc.cluster.local', '_tcp.example.com', '.'], options: [{ name: 'ndots', value: '2' }] }, containers: [ctr()] }, { generateName: 'web-', namespace: 'shop' }),
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'tls' }, type: 'kubernetes.io/tls', data: { 'tls.crt': 'Y2VydA==' }, stringData: { 'tls.key': 'key' } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', annotations: { 'Example.com/Owner': 'me' } }, data: { 'app.properties': 'a=b' }, binaryData: { logo: 'AAEC' } },
    { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w.1', namespace: 'shop' }, spec: { anything: [1, 2] } },
    { apiVersion: 'podnet.dev/v1alpha1', kind: 'ClusterConfig', metadata: {}, spec: { cni: 'calico' } },
  ];
  for (const o of valid) assert.deepEqual(validateObject(o as unknown as KubeObject), [], `${String(o.kind)} ${JSON.stringify(o.metadata)}`);
});
