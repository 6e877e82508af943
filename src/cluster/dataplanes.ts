// Gateway API data planes: one proxy Deployment and one LoadBalancer Service per Gateway, in the Gateway's namespace
// (owned by the ingress component). Shaped like Istio's automated Gateway deployment: both named
// `<gateway>-<gatewayclass>`, pods labelled gateway.networking.k8s.io/gateway-name, one port per distinct listener
// port. Modelling the proxy as pods is what lets NetworkPolicies, kube-proxy and traces apply to proxied traffic.
import { applyDefaults } from '../api/defaults.js';
import type { KubeObject } from '../api/types.js';
import { refOfObject, type ClusterStore } from './store.js';

type Obj = Record<string, any>;
export const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';
export const GATEWAY_PROXY_IMAGE = 'docker.io/envoyproxy/envoy:distroless-v1.31.0';

/** `<gateway>-<gatewayclass>`, at most 63 characters (a DNS label). */
export function dataPlaneName(gateway: string, className: string): string {
  const name = `${gateway}-${className}`;
  return name.length <= 63 ? name : name.slice(0, 63).replace(/-+$/, '');
}

export function addGatewayDataPlanes(store: ClusterStore): void {
  for (const gw of store.list<KubeObject & { spec?: Obj }>('Gateway')) {
    const className = String(gw.spec?.gatewayClassName ?? '');
    if (!className || !store.has('GatewayClass', '', className)) continue; // no controller: nothing is deployed
    const ns = gw.metadata.namespace ?? 'default';
    const name = dataPlaneName(gw.metadata.name, className);
    const source = store.sourceOf(refOfObject(gw));
    const ports = [...new Set(((gw.spec?.listeners ?? []) as Obj[]).map((l) => Number(l.port)).filter((p) => Number.isInteger(p) && p > 0 && p < 65536))].sort((a, b) => a - b);
    const labels = { [GATEWAY_NAME_LABEL]: gw.metadata.name, 'gateway.networking.k8s.io/gateway-class-name': className };
    const owner = [{ apiVersion: gw.apiVersion, kind: 'Gateway', name: gw.metadata.name, uid: gw.metadata.uid ?? '', controller: true }];
    if (!store.has('Deployment', ns, name)) {
      store.put(applyDefaults({
        apiVersion: 'apps/v1', kind: 'Deployment',
        metadata: { name, namespace: ns, labels, ownerReferences: owner },
        spec: {
          replicas: 1,
          selector: { matchLabels: { [GATEWAY_NAME_LABEL]: gw.metadata.name } },
          template: {
            metadata: { labels },
            spec: { containers: [{ name: 'proxy', image: GATEWAY_PROXY_IMAGE, ports: ports.map((p) => ({ containerPort: p, protocol: 'TCP' })), readinessProbe: { httpGet: { path: '/ready', port: 15021 } } }] },
          },
        },
      }), source);
    }
    if (!store.has('Service', ns, name) && ports.length > 0) {
      store.put(applyDefaults({
        apiVersion: 'v1', kind: 'Service',
        metadata: { name, namespace: ns, labels, ownerReferences: owner },
        spec: { type: 'LoadBalancer', selector: { [GATEWAY_NAME_LABEL]: gw.metadata.name }, ports: ports.map((p) => ({ name: `tcp-${p}`, port: p, targetPort: p, protocol: 'TCP' })) },
      }), source);
    }
  }
}
