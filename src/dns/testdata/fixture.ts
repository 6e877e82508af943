// A small cluster for the DNS tables: fixed pod and Service IPs so every record can be written down exactly.
import { Cluster } from '../../cluster/cluster.js';

const HTTP = [{ name: 'http', containerPort: 8080 }];
const WEB = [{ name: 'web', containerPort: 80 }];

function pod(ns: string, name: string, ip: string, labels: Record<string, string>, spec: Record<string, unknown> = {}, ports: unknown[] = HTTP, annotations: Record<string, string> = {}): string {
  return JSON.stringify({
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace: ns, labels, annotations },
    spec: { containers: [{ name: 'c', image: 'busybox', ports }], ...spec },
    status: { podIP: ip, podIPs: [{ ip }], phase: 'Running' },
  }) + '\n';
}

const svc = (ns: string, name: string, spec: Record<string, unknown>) => `
apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${ns}}
spec: ${JSON.stringify(spec)}
`;

export const FIXTURE = [
  'apiVersion: v1\nkind: Namespace\nmetadata: {name: production}\n',
  'apiVersion: v1\nkind: Namespace\nmetadata: {name: staging}\n',
  pod('production', 'backend-a', '10.244.1.11', { app: 'backend' }),
  pod('production', 'backend-b', '10.244.2.12', { app: 'backend' }),
  pod('production', 'backend-c', '10.244.1.13', { app: 'backend' }, {}, HTTP, { 'podnet.dev/ready': 'false' }),
  pod('production', 'web-0', '10.244.1.20', { app: 'web' }, { hostname: 'web-0', subdomain: 'nginx' }, WEB),
  pod('production', 'web-1', '10.244.2.21', { app: 'web' }, { hostname: 'web-1', subdomain: 'nginx' }, WEB),
  pod('production', 'lone', '10.244.1.30', { app: 'lone' }, { hostname: 'lone', subdomain: 'elsewhere' }, []),
  pod('production', 'hostnet', '10.0.1.10', { app: 'hostnet' }, { hostNetwork: true, nodeName: 'node-1' }, []),
  pod('production', 'hostnet-cf', '10.0.2.10', { app: 'hostnet' }, { hostNetwork: true, nodeName: 'node-2', dnsPolicy: 'ClusterFirstWithHostNet' }, []),
  pod('production', 'dflt', '10.244.2.31', { app: 'dflt' }, { dnsPolicy: 'Default' }, []),
  pod('production', 'custom', '10.244.2.32', { app: 'custom' }, {
    dnsPolicy: 'None',
    dnsConfig: { nameservers: ['1.2.3.4'], searches: ['ns1.svc.cluster-domain.example', 'my.dns.search.suffix'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] },
  }, []),
  pod('production', 'merged', '10.244.2.33', { app: 'merged' }, {
    dnsConfig: { nameservers: ['192.0.2.53'], searches: ['corp.example', 'svc.cluster.local'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] },
  }, []),
  pod('staging', 'client', '10.244.2.40', { app: 'client' }, {}, []),
  svc('production', 'backend', { clusterIP: '10.96.100.10', selector: { app: 'backend' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }, { name: 'grpc', port: 9000, protocol: 'TCP', targetPort: 9000 }] }),
  svc('production', 'metrics', { clusterIP: '10.96.100.11', selector: { app: 'backend' }, ports: [{ port: 9090 }] }),
  svc('production', 'nginx', { clusterIP: 'None', selector: { app: 'web' }, ports: [{ name: 'web', port: 80, targetPort: 'web' }] }),
  svc('production', 'backend-headless', { clusterIP: 'None', selector: { app: 'backend' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] }),
  svc('production', 'backend-all', { clusterIP: 'None', publishNotReadyAddresses: true, selector: { app: 'backend' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] }),
  svc('production', 'lone', { clusterIP: 'None', selector: { app: 'lone' } }),
  svc('production', 'external', { type: 'ExternalName', externalName: 'db.example.com' }),
  svc('production', 'to-internal', { type: 'ExternalName', externalName: 'backend.production.svc.cluster.local' }),
  svc('production', 'empty', { clusterIP: '10.96.100.12', selector: { app: 'none' }, ports: [{ name: 'http', port: 80 }] }),
  svc('staging', 'cache', { clusterIP: '10.96.200.10', selector: { app: 'cache' }, ports: [{ name: 'redis', port: 6379 }] }),
].join('---\n');

export function fixtureCluster(extra = ''): Cluster {
  return Cluster.load({ text: FIXTURE + (extra ? `---\n${extra}` : ''), textName: 'fixture.yaml' });
}

/** A ConfigMap carrying a Corefile, to append to the fixture. */
export function corefileConfigMap(corefile: string): string {
  const indented = corefile.split('\n').map((l) => `    ${l}`).join('\n');
  return `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: coredns, namespace: kube-system}\ndata:\n  Corefile: |\n${indented}\n`;
}
