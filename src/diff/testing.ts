// Fixtures for the diff tests: a small shop (namespace app: Deployments web ×2 on 8080 and db ×1 on 5432, their
// Services, an Ingress, a default-deny ingress and web → db on 5432), and edits of it, one kind of change each.
import { Cluster } from '../cluster/cluster.js';
import { toText } from '../policy/testing.js';

type Obj = Record<string, any>;

const deploy = (name: string, replicas: number, port: { name: string; containerPort: number }): Obj => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'app' },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image: 'registry.k8s.io/e2e-test-images/agnhost:2.47', ports: [{ ...port, protocol: 'TCP' }] }] } } },
});
const service = (name: string, port: number, targetPort: string, extra: Obj = {}): Obj => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'app' }, spec: { selector: { app: name }, ports: [{ name: targetPort, port, targetPort }], ...extra } });
export const netpol = (name: string, spec: Obj): Obj => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: 'app' }, spec });

export const webToDb = (ports: Obj[] = [{ port: 5432 }]) => netpol('allow-web-to-db', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports }] });

export const ingress = (backend: string, extra: Obj = {}): Obj => ({
  apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'shop', namespace: 'app', ...extra },
  spec: { ingressClassName: 'nginx', rules: [{ host: 'shop.example.com', http: { paths: [{ path: '/api', pathType: 'Prefix', backend: { service: { name: backend, port: { number: 80 } } } }] } }] },
});

export function baseObjects(): Obj[] {
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'app' } },
    deploy('web', 2, { name: 'http', containerPort: 8080 }),
    deploy('db', 1, { name: 'pg', containerPort: 5432 }),
    service('web', 80, 'http'),
    service('db', 5432, 'pg'),
    ingress('web'),
    netpol('deny-all', { podSelector: {}, policyTypes: ['Ingress'] }),
    webToDb(),
  ];
}

/** The base with `edit` applied to a copy of its objects. */
export function edited(edit: (objs: Obj[]) => Obj[]): Obj[] {
  return edit(structuredClone(baseObjects()));
}

export const without = (objs: Obj[], name: string) => objs.filter((o) => o.metadata.name !== name || o.kind !== 'NetworkPolicy');
export const replacing = (objs: Obj[], kind: string, name: string, by: Obj) => objs.map((o) => (o.kind === kind && o.metadata.name === name ? by : o));

export const load = (objs: Obj[], file = 'shop.yaml') => Cluster.load({ text: toText(objs), textName: file });
export { service, deploy };
