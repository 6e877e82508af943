// What a fresh kubeadm cluster already has before any manifest is applied: the system namespaces, the `kubernetes`
// Service (first address of the service CIDR) with the API server's endpoint, and CoreDNS behind `kube-dns` (the
// tenth address). Each is added only when the manifests do not carry it themselves (a dump does).
import { applyDefaults } from '../api/defaults.js';
import type { KubeObject, SourceRef } from '../api/types.js';
import { familyOf, ipAt, parseCidr } from '../net/cidr.js';
import type { ClusterConfig } from './config.js';
import type { ClusterStore } from './store.js';

export const BUILTIN_SOURCE: SourceRef = { file: '<builtin>', line: 0 };
export const SYSTEM_NAMESPACES = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];
export const COREDNS_IMAGE = 'registry.k8s.io/coredns/coredns:v1.11.1';

/** The `kubernetes` and kube-dns ClusterIPs: index 1 and 10 of the primary service CIDR. */
export function wellKnownServiceIPs(config: ClusterConfig): { apiserver: string; dns: string } {
  const cidr = parseCidr(config.serviceCIDRs[0]);
  return { apiserver: ipAt(cidr, 1n), dns: ipAt(cidr, 10n) };
}

export function addNamespaces(store: ClusterStore, names: Iterable<string>): void {
  for (const name of names) {
    if (store.has('Namespace', '', name)) continue;
    store.put({
      apiVersion: 'v1', kind: 'Namespace',
      metadata: { name, labels: { 'kubernetes.io/metadata.name': name } },
      spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' },
    }, BUILTIN_SOURCE);
  }
}

/** Adds the built-in Services and CoreDNS where missing. Runs before allocation so their fixed IPs are reserved first. */
export function addBuiltins(store: ClusterStore, config: ClusterConfig, apiserverIP: string | undefined): void {
  addNamespaces(store, SYSTEM_NAMESPACES);
  const ips = wellKnownServiceIPs(config);
  if (!store.has('Service', 'default', 'kubernetes')) {
    store.put({
      apiVersion: 'v1', kind: 'Service',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: {
        type: 'ClusterIP', clusterIP: ips.apiserver, clusterIPs: [ips.apiserver], sessionAffinity: 'None',
        internalTrafficPolicy: 'Cluster', ipFamilyPolicy: 'SingleStack', ipFamilies: [familyOf(ips.apiserver)],
        ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }],
      },
    }, BUILTIN_SOURCE);
    if (apiserverIP && !store.has('EndpointSlice', 'default', 'kubernetes')) {
      // The API server reconciles this slice itself (no managed-by controller label, mirroring skipped).
      store.put({
        apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
        metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
        addressType: familyOf(apiserverIP),
        endpoints: [{ addresses: [apiserverIP], conditions: { ready: true } }],
        ports: [{ name: 'https', port: 6443, protocol: 'TCP' }],
      }, BUILTIN_SOURCE);
      store.put({
        apiVersion: 'v1', kind: 'Endpoints',
        metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
        subsets: [{ addresses: [{ ip: apiserverIP }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }],
      }, BUILTIN_SOURCE);
    }
  }
  if (!store.has('Service', 'kube-system', 'kube-dns')) {
    store.put({
      apiVersion: 'v1', kind: 'Service',
      metadata: {
        name: 'kube-dns', namespace: 'kube-system',
        labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' },
        annotations: { 'prometheus.io/port': '9153', 'prometheus.io/scrape': 'true' },
      },
      spec: {
        type: 'ClusterIP', clusterIP: ips.dns, clusterIPs: [ips.dns], selector: { 'k8s-app': 'kube-dns' }, sessionAffinity: 'None',
        internalTrafficPolicy: 'Cluster', ipFamilyPolicy: 'SingleStack', ipFamilies: [familyOf(ips.dns)],
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
          { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
          { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153 },
        ],
      },
    }, BUILTIN_SOURCE);
  }
  const hasCoreDNS = store.has('Deployment', 'kube-system', 'coredns') ||
    store.list('Pod', 'kube-system').some((p) => p.metadata.labels?.['k8s-app'] === 'kube-dns');
  if (!hasCoreDNS) store.put(applyDefaults(coreDNSDeployment()), BUILTIN_SOURCE);
  addIngressNginx(store);
}

export const INGRESS_NGINX_NAMESPACE = 'ingress-nginx';
export const INGRESS_NGINX_CONTROLLER = 'k8s.io/ingress-nginx';
const INGRESS_NGINX_LABELS = { 'app.kubernetes.io/component': 'controller', 'app.kubernetes.io/instance': 'ingress-nginx', 'app.kubernetes.io/name': 'ingress-nginx' };

/**
 * Ingresses need a controller to do anything. When the manifests hold Ingresses but no ingress-nginx, podnet installs
 * it the way its cloud manifest does (namespace, controller Deployment, LoadBalancer Service with
 * externalTrafficPolicy Local) and an `nginx` IngressClass marked default when there is no IngressClass at all.
 */
function addIngressNginx(store: ClusterStore): void {
  if (store.count('Ingress') === 0) return;
  const hasController = store.list('Deployment').some((d) => d.metadata.labels?.['app.kubernetes.io/name'] === 'ingress-nginx') ||
    store.list('Pod').some((p) => p.metadata.labels?.['app.kubernetes.io/name'] === 'ingress-nginx');
  if (store.count('IngressClass') === 0) {
    store.put({
      apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass',
      metadata: { name: 'nginx', labels: { ...INGRESS_NGINX_LABELS }, annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
      spec: { controller: INGRESS_NGINX_CONTROLLER },
    }, BUILTIN_SOURCE);
  }
  if (hasController) return;
  if (!store.has('Namespace', '', INGRESS_NGINX_NAMESPACE)) {
    store.put(applyDefaults({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: INGRESS_NGINX_NAMESPACE, labels: { 'app.kubernetes.io/instance': 'ingress-nginx', 'app.kubernetes.io/name': 'ingress-nginx' } } }), BUILTIN_SOURCE);
  }
  const selector = { ...INGRESS_NGINX_LABELS };
  store.put(applyDefaults({
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: 'ingress-nginx-controller', namespace: INGRESS_NGINX_NAMESPACE, labels: { ...INGRESS_NGINX_LABELS } },
    spec: {
      replicas: 1,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: { ...INGRESS_NGINX_LABELS } },
        spec: {
          serviceAccountName: 'ingress-nginx',
          containers: [{
            name: 'controller', image: 'registry.k8s.io/ingress-nginx/controller:v1.10.1',
            args: ['/nginx-ingress-controller', '--publish-service=$(POD_NAMESPACE)/ingress-nginx-controller', '--election-id=ingress-nginx-leader', '--controller-class=k8s.io/ingress-nginx', '--ingress-class=nginx'],
            ports: [
              { name: 'http', containerPort: 80, protocol: 'TCP' },
              { name: 'https', containerPort: 443, protocol: 'TCP' },
              { name: 'webhook', containerPort: 8443, protocol: 'TCP' },
            ],
          }],
        },
      },
    },
  }), BUILTIN_SOURCE);
  store.put(applyDefaults({
    apiVersion: 'v1', kind: 'Service',
    metadata: { name: 'ingress-nginx-controller', namespace: INGRESS_NGINX_NAMESPACE, labels: { ...INGRESS_NGINX_LABELS } },
    spec: {
      type: 'LoadBalancer', externalTrafficPolicy: 'Local', selector,
      ports: [
        { name: 'http', port: 80, protocol: 'TCP', targetPort: 'http', appProtocol: 'http' },
        { name: 'https', port: 443, protocol: 'TCP', targetPort: 'https', appProtocol: 'https' },
      ],
    },
  }), BUILTIN_SOURCE);
}

function coreDNSDeployment(): KubeObject {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: 'coredns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { 'k8s-app': 'kube-dns' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: '25%' } },
      template: {
        metadata: { labels: { 'k8s-app': 'kube-dns' } },
        spec: {
          priorityClassName: 'system-cluster-critical',
          serviceAccountName: 'coredns',
          dnsPolicy: 'Default',
          containers: [{
            name: 'coredns', image: COREDNS_IMAGE, args: ['-conf', '/etc/coredns/Corefile'],
            ports: [
              { name: 'dns', containerPort: 53, protocol: 'UDP' },
              { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
              { name: 'metrics', containerPort: 9153, protocol: 'TCP' },
            ],
            readinessProbe: { httpGet: { path: '/ready', port: 8181, scheme: 'HTTP' } },
            livenessProbe: { httpGet: { path: '/health', port: 8080, scheme: 'HTTP' } },
          }],
          tolerations: [{ key: 'CriticalAddonsOnly', operator: 'Exists' }, { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
        },
      },
    },
  };
}
