// Workloads (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job) and networking.k8s.io (NetworkPolicy, Ingress,
// IngressClass): each case a small manifest and the exact messages the API server prints for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateObject } from './validate.js';
import type { KubeObject } from './types.js';
import { LABEL, SUBDOMAIN, RANGE, CIDR, runValidationCases, type ValidationCase } from './testing.js';

const WILDCARD = "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_VALUE = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

const template = (labels: Record<string, string> | undefined = { app: 'web' }, spec: Record<string, unknown> = {}): Record<string, unknown> => ({
  metadata: labels ? { labels } : {},
  spec: { containers: [{ name: 'app', image: 'nginx' }], ...spec },
});
const sel = { matchLabels: { app: 'web' } };
const workload = (kind: string, spec: unknown, name = 'web'): Record<string, unknown> => ({ apiVersion: kind === 'Job' ? 'batch/v1' : 'apps/v1', kind, metadata: { name }, spec });
const netpol = (spec: unknown): Record<string, unknown> => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'np' }, spec });
const ingress = (spec: unknown): Record<string, unknown> => ({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'ing' }, spec });
const rule = (path: Record<string, unknown>, host?: string): Record<string, unknown> => ({ ...(host ? { host } : {}), http: { paths: [path] } });
const backend = { service: { name: 'web', port: { number: 80 } } };
const D = (rest: string): string => `The Deployment "web" is invalid: ${rest}`;
const N = (rest: string): string => `The NetworkPolicy "np" is invalid: ${rest}`;
const I = (rest: string): string => `The Ingress "ing" is invalid: ${rest}`;
const MISMATCH = 'spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`';

runValidationCases([
  // Deployment / ReplicaSet
  { name: 'selector required (and then matches nothing)', obj: workload('Deployment', { template: template() }), want: [D('spec.selector: Required value'), D(MISMATCH)] },
  { name: 'selector must match the template labels', obj: workload('Deployment', { selector: { matchLabels: { app: 'api' } }, template: template() }), want: [D(MISMATCH)] },
  { name: 'replicas >= 0', obj: workload('Deployment', { replicas: -1, selector: sel, template: template() }), want: [D('spec.replicas: Invalid value: -1: must be greater than or equal to 0')] },
  { name: 'empty selector', obj: workload('Deployment', { selector: {}, template: template() }), want: [D('spec.selector: Invalid value: {}: empty selector is invalid for deployment')] },
  { name: 'In needs values', obj: workload('Deployment', { selector: { matchExpressions: [{ key: 'app', operator: 'In' }] }, template: template() }), want: [D("spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"), D('spec.selector: Invalid value: {"matchExpressions":[{"key":"app","operator":"In"}]}: invalid label selector')] },
  { name: 'template containers required, restartPolicy Always', obj: workload('Deployment', { selector: sel, template: { metadata: { labels: { app: 'web' } }, spec: { restartPolicy: 'Never' } } }), want: [D('spec.template.spec.containers: Required value'), D('spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"')] },
  { name: 'template labels reported at spec.template.labels', obj: workload('ReplicaSet', { selector: { matchExpressions: [{ key: 'app', operator: 'Exists' }] }, template: template({ app: 'web', tier: 'front end' }) }), want: [`The ReplicaSet "web" is invalid: spec.template.labels: Invalid value: "front end": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`] },
  { name: 'Exists takes no values', obj: workload('ReplicaSet', { selector: { matchExpressions: [{ key: 'app', operator: 'Exists', values: ['web'] }] }, template: template() }), want: ["The ReplicaSet \"web\" is invalid: spec.selector.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'", 'The ReplicaSet "web" is invalid: spec.selector: Invalid value: {"matchExpressions":[{"key":"app","operator":"Exists","values":["web"]}]}: invalid label selector'] },

  // DaemonSet / StatefulSet / Job
  { name: 'unknown selector operator', obj: workload('DaemonSet', { selector: { matchExpressions: [{ key: 'app', operator: 'Equals', values: ['web'] }] }, template: template() }), want: ['The DaemonSet "web" is invalid: spec.selector.matchExpressions[0].operator: Invalid value: "Equals": not a valid selector operator'] },
  { name: 'container name in the template', obj: workload('DaemonSet', { selector: sel, template: template({ app: 'web' }, { containers: [{ name: 'Agent', image: 'agent' }] }) }), want: [`The DaemonSet "web" is invalid: spec.template.spec.containers[0].name: Invalid value: "Agent": ${LABEL}`] },
  { name: 'serviceName is a DNS label', obj: workload('StatefulSet', { serviceName: 'db.headless', selector: sel, template: template() }), want: ['The StatefulSet "web" is invalid: spec.serviceName: Invalid value: "db.headless": must not contain dots'] },
  { name: 'name is a DNS label', obj: workload('StatefulSet', { selector: sel, template: template() }, 'db.v1'), want: ['The StatefulSet "db.v1" is invalid: metadata.name: Invalid value: "db.v1": must not contain dots'] },
  { name: 'restartPolicy must be Always', obj: workload('StatefulSet', { selector: sel, template: template({ app: 'web' }, { restartPolicy: 'OnFailure' }) }), want: ['The StatefulSet "web" is invalid: spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"'] },
  { name: 'restartPolicy defaults to Always, which a Job refuses', obj: workload('Job', { template: template() }), want: ['The Job "web" is invalid: spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"'] },
  { name: 'selector without manualSelector', obj: workload('Job', { selector: sel, template: template({ app: 'web' }, { restartPolicy: 'Never' }) }), want: ['The Job "web" is invalid: spec.selector: Invalid value: {"matchLabels":{"app":"web"}}: `selector` not auto-generated'] },

  // NetworkPolicy
  { name: 'podSelector omitted is the empty selector', obj: netpol({ policyTypes: ['Ingress'] }), want: [] },
  { name: 'podSelector null is the empty selector', obj: netpol({ podSelector: null, ingress: [{}] }), want: [] },
  { name: 'podSelector present is still checked', obj: netpol({ podSelector: { matchLabels: { app: 'web app' } } }), want: [N(`spec.podSelector.matchLabels: Invalid value: "web app": ${LABEL_VALUE}`)] },
  { name: 'policyTypes values', obj: netpol({ podSelector: {}, policyTypes: ['Ingress', 'Sideways'] }), want: [N('spec.policyTypes[1]: Unsupported value: "Sideways": supported values: "Ingress", "Egress"')] },
  { name: 'ipBlock cidr', obj: netpol({ podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0' } }] }] }), want: [N(`spec.ingress[0].from[0].ipBlock.cidr: Invalid value: "10.0.0.0": ${CIDR}`)] },
  { name: 'except must be a strict subset', obj: netpol({ podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/16', except: ['10.1.0.0/24', '10.0.0.0/16'] } }] }] }), want: [N('spec.egress[0].to[0].ipBlock.except[0]: Invalid value: "10.1.0.0/24": must be a strict subset of `cidr`'), N('spec.egress[0].to[0].ipBlock.except[1]: Invalid value: "10.0.0.0/16": must be a strict subset of `cidr`')] },
  { name: 'ipBlock with another peer', obj: netpol({ podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8' }, namespaceSelector: {} }] }] }), want: [N('spec.ingress[0].from[0]: Forbidden: may not specify both ipBlock and another peer')] },
  { name: 'empty peer', obj: netpol({ podSelector: {}, ingress: [{ from: [{}] }] }), want: [N('spec.ingress[0].from[0]: Required value: must specify a peer')] },
  { name: 'endPort below port', obj: netpol({ podSelector: {}, ingress: [{ ports: [{ port: 8080, endPort: 80 }] }] }), want: [N('spec.ingress[0].ports[0].endPort: Invalid value: 80: must be greater than or equal to `port`')] },
  { name: 'endPort needs a numeric port', obj: netpol({ podSelector: {}, ingress: [{ ports: [{ port: 'http', endPort: 90 }, { endPort: 90 }, { port: 0, protocol: 'ICMP' }] }] }), want: [N('spec.ingress[0].ports[0].endPort: Invalid value: 90: may not be specified when `port` is non-numeric'), N('spec.ingress[0].ports[1].endPort: Invalid value: 90: may not be specified when `port` is not specified'), N('spec.ingress[0].ports[2].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"'), N(`spec.ingress[0].ports[2].port: Invalid value: 0: ${RANGE}`)] },

  // Ingress / IngressClass
  { name: 'rules or defaultBackend', obj: ingress({}), want: [I('spec: Invalid value: null: either `defaultBackend` or `rules` must be specified')] },
  { name: 'wildcard only as a *. prefix', obj: ingress({ rules: [rule({ path: '/', pathType: 'Prefix', backend }, 'shop.*.example.com')] }), want: [I(`spec.rules[0].host: Invalid value: "shop.*.example.com": ${WILDCARD}`)] },
  { name: 'host is not an IP', obj: ingress({ rules: [rule({ path: '/', pathType: 'Prefix', backend }, '10.0.0.1')] }), want: [I('spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address')] },
  { name: 'host is a subdomain', obj: ingress({ rules: [rule({ path: '/', pathType: 'Prefix', backend }, 'Shop.example.com')] }), want: [I(`spec.rules[0].host: Invalid value: "Shop.example.com": ${SUBDOMAIN}`)] },
  { name: 'pathType required', obj: ingress({ rules: [rule({ path: '/', backend })] }), want: [I('spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified')] },
  { name: 'pathType values', obj: ingress({ rules: [rule({ path: '/', pathType: 'Regex', backend })] }), want: [I('spec.rules[0].http.paths[0].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"')] },
  { name: 'Prefix paths are absolute', obj: ingress({ rules: [rule({ path: 'api', pathType: 'Prefix', backend })] }), want: [I('spec.rules[0].http.paths[0].path: Invalid value: "api": must be an absolute path')] },
  { name: 'one kind of backend', obj: ingress({ rules: [rule({ path: '/', pathType: 'Exact', backend: { ...backend, resource: { kind: 'Bucket', name: 'b' } } })] }), want: [I('spec.rules[0].http.paths[0].backend: Invalid value: "": cannot set both resource and service backends')] },
  { name: 'service port name or number', obj: ingress({ defaultBackend: { service: { name: 'web', port: {} } } }), want: [I('spec.defaultBackend: Required value: port name or number is required')] },
  { name: 'controller is a domain-prefixed path', obj: { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'nginx' }, spec: { controller: 'nginx' } }, want: ['The IngressClass "nginx" is invalid: spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")'] },
]);

test('valid workloads and networking objects yield no errors', () => {
  const valid: Record<string, unknown>[] = [
    workload('Deployment', { replicas: 3, selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }] }, template: template({ app: 'web', tier: 'front' }) }),
    workload('ReplicaSet', { selector: sel, template: template() }),
    workload('StatefulSet', { serviceName: 'web', replicas: 0, selector: sel, template: template() }),
    workload('DaemonSet', { selector: sel, template: template({ app: 'web' }, { hostNetwork: true }) }),
    workload('Job', { template: template(undefined, { restartPolicy: 'OnFailure' }) }),
    workload('Job', { manualSelector: true, selector: sel, template: template({ app: 'web' }, { restartPolicy: 'Never' }) }),
    netpol({ podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Ingress', 'Egress'], ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'a' } }, podSelector: {} }, { ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }], ports: [{ port: 5432 }, { port: 'metrics' }, { port: 32000, endPort: 32768, protocol: 'UDP' }] }], egress: [{}] }),
    netpol({ podSelector: {} }),
    ingress({ ingressClassName: 'nginx', tls: [{ hosts: ['*.example.com'], secretName: 'tls' }], rules: [rule({ path: '/api', pathType: 'Prefix', backend }, '*.example.com'), rule({ pathType: 'ImplementationSpecific', backend: { service: { name: 'web', port: { name: 'http' } } } })] }),
    ingress({ defaultBackend: { resource: { apiGroup: 'storage.example.com', kind: 'Bucket', name: 'static' } } }),
    { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx', parameters: { kind: 'Params', name: 'p', scope: 'Namespace', namespace: 'ingress' } } },
  ];
  for (const o of valid) assert.deepEqual(validateObject(o as unknown as KubeObject), [], `${String(o.kind)} ${JSON.stringify(o.spec)}`);
});
