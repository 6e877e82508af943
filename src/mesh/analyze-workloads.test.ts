// Namespace, pod, Sidecar, Gateway, ServiceEntry and AuthorizationPolicy checks of `podnet mesh analyze`, with
// istioctl analyze's meaning and level; subsets against the topology labels Istio adds; ambient redirection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../cluster/cluster.js';
import { clusterFindings } from '../findings/index.js';
import { analyzeMesh, compileMesh } from './index.js';

type Row = [code: string, istio: string | undefined, level: string, object: string];
function rows(text: string, codes: string[]): Row[] {
  return analyzeMesh(compileMesh(Cluster.load({ text }))).filter((d) => codes.includes(d.code)).map((d) => [d.code, d.istio?.code, d.level, `${d.object?.kind} ${d.object?.namespace ? `${d.object.namespace}/` : ''}${d.object?.name}`]);
}
const message = (text: string, code: string) => analyzeMesh(compileMesh(Cluster.load({ text }))).find((d) => d.code === code)?.message;

const INJECTION = `apiVersion: v1
kind: Namespace
metadata: {name: apps, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Namespace
metadata: {name: plain}
---
apiVersion: v1
kind: Namespace
metadata: {name: both, labels: {istio-injection: enabled, istio.io/rev: canary}}
---
apiVersion: v1
kind: Namespace
metadata: {name: off, labels: {istio-injection: disabled, istio.io/rev: canary}}
---
apiVersion: v1
kind: Pod
metadata: {name: injected, namespace: apps}
spec: {containers: [{name: app, image: app:1}, {name: istio-proxy, image: istio/proxyv2:1.24}]}
---
apiVersion: v1
kind: Pod
metadata: {name: stale, namespace: apps}
spec: {containers: [{name: app, image: app:1}]}
---
apiVersion: v1
kind: Pod
metadata: {name: opted-out, namespace: apps, labels: {sidecar.istio.io/inject: "false"}}
spec: {containers: [{name: app, image: app:1}]}
`;

test('injection: multiple injection labels, a namespace without injection (info), a running pod without its proxy', () => {
  assert.deepEqual(rows(INJECTION, ['PN5020', 'PN5021', 'PN5024', 'PN5030']), [
    ['PN5020', 'IST0102', 'info', 'Namespace plain'],
    ['PN5024', 'IST0123', 'warning', 'Namespace both'],
    ['PN5021', 'IST0103', 'warning', 'Pod apps/stale'],
  ]);
  assert.equal(message(INJECTION, 'PN5024'), 'Namespace both: has more than one kind of injection label (istio-injection=enabled, istio.io/rev=canary), which may lead to undefined behavior: keep only one');
  const byDefault = `${INJECTION}---
apiVersion: v1
kind: ConfigMap
metadata: {name: istio-sidecar-injector, namespace: istio-system}
data: {values: '{"sidecarInjectorWebhook": {"enableNamespacesByDefault": true}}'}
`;
  assert.deepEqual(rows(byDefault, ['PN5020', 'PN5030']), [['PN5030', 'IST0148', 'info', 'Namespace plain']]);
  // Manifests before injection (no pod has a proxy yet): podnet's own injection applies, nothing is missing.
  assert.deepEqual(rows(INJECTION.replace(', {name: istio-proxy, image: istio/proxyv2:1.24}', ''), ['PN5021']), []);
  // Info is below the default threshold of the findings list, as in istioctl analyze.
  assert.deepEqual(clusterFindings(Cluster.load({ text: INJECTION }), { components: ['mesh'] }).map((f) => f.code), ['PN5024', 'PN5021']);
});

const SIDECARS = `apiVersion: v1
kind: Namespace
metadata: {name: apps, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Namespace
metadata: {name: amb, labels: {istio.io/dataplane-mode: ambient}}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: apps, labels: {app: web, tier: front}}
spec: {containers: [{name: app, image: app:1}]}
---
apiVersion: v1
kind: Pod
metadata: {name: zt, namespace: amb, labels: {app: zt}, annotations: {ambient.istio.io/redirection: enabled}}
spec: {containers: [{name: app, image: app:1}]}
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: by-app, namespace: apps}
spec: {workloadSelector: {labels: {app: web}}, egress: [{hosts: ["./*"]}]}
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: by-tier, namespace: apps}
spec: {workloadSelector: {labels: {tier: front}}, egress: [{hosts: ["./*"]}]}
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: nobody, namespace: apps}
spec: {workloadSelector: {labels: {app: gone}}, egress: [{hosts: ["./*"]}]}
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default-a, namespace: apps}
spec: {egress: [{hosts: ["./*"]}], outboundTrafficPolicy: {mode: REGISTRY_ONLY, egressProxy: {host: egress.example}}}
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default-b, namespace: apps}
spec: {egress: [{hosts: ["./*"]}]}
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: for-zt, namespace: amb}
spec: {workloadSelector: {labels: {app: zt}}}
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: ns-wide, namespace: amb}
spec: {egress: [{hosts: ["./*"]}]}
`;

test('Sidecars: selectors matching nothing or the same pod, several without selector, ambient workloads, egressProxy deprecated', () => {
  assert.deepEqual(rows(SIDECARS, ['PN5019', 'PN5022', 'PN5023', 'PN5034', 'PN5037']), [
    ['PN5022', 'IST0110', 'error', 'Sidecar apps/by-app'],
    ['PN5022', 'IST0110', 'error', 'Sidecar apps/by-tier'],
    ['PN5037', 'IST0101', 'error', 'Sidecar apps/nobody'],
    ['PN5019', 'IST0002', 'warning', 'Sidecar apps/default-a'],
    ['PN5023', 'IST0111', 'error', 'Sidecar apps/default-a'],
    ['PN5023', 'IST0111', 'error', 'Sidecar apps/default-b'],
    ['PN5034', 'IST0167', 'warning', 'Sidecar amb/for-zt'],
    ['PN5034', 'IST0167', 'warning', 'Sidecar amb/ns-wide'],
  ]);
  assert.equal(message(SIDECARS, 'PN5022'), 'Sidecar apps/by-app: the Sidecars by-app, by-tier in namespace apps select the same pod web, which leads to undefined behavior');
});

const GATEWAYS = `apiVersion: v1
kind: Namespace
metadata: {name: edge}
---
apiVersion: v1
kind: Pod
metadata: {name: gw-0, namespace: edge, labels: {istio: edge}}
spec: {containers: [{name: istio-proxy, image: istio/proxyv2, ports: [{containerPort: 8080, name: http}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: edge, namespace: edge}
spec: {selector: {istio: edge}, ports: [{name: http, port: 80, targetPort: 8080}]}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: edge}
spec: {selector: {istio: edge}, servers: [{port: {number: 8080, name: http, protocol: HTTP}, hosts: ["*.shop.example"]}, {port: {number: 8443, name: https, protocol: HTTPS}, hosts: ["*"], tls: {mode: SIMPLE, credentialName: cert}}]}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: shop, namespace: edge}
spec: {selector: {istio: edge}, servers: [{port: {number: 8080, name: http, protocol: HTTP}, hosts: ["www.shop.example"]}]}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: blog, namespace: edge}
spec: {selector: {istio: edge}, servers: [{port: {number: 8080, name: http, protocol: HTTP}, hosts: ["blog.example"]}]}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: orphan, namespace: edge}
spec: {selector: {istio: nowhere}, servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]}
`;

test('Gateways: a selector without pods, a port the Service does not expose, two Gateways claiming one host on one port', () => {
  assert.deepEqual(rows(GATEWAYS, ['PN5029', 'PN5032', 'PN5036']), [
    ['PN5029', 'IST0145', 'error', 'Gateway.networking.istio.io edge/public'],
    ['PN5032', 'IST0162', 'warning', 'Gateway.networking.istio.io edge/public'],
    ['PN5029', 'IST0145', 'error', 'Gateway.networking.istio.io edge/shop'],
    ['PN5036', 'IST0101', 'error', 'Gateway.networking.istio.io edge/orphan'],
  ]);
  assert.equal(message(GATEWAYS, 'PN5032'), 'Gateway edge/public: listens on port 8443, which no Service of its workload (selector istio=edge) exposes: clients cannot reach that port through the Service');
  assert.equal(message(GATEWAYS, 'PN5029'), 'Gateway edge/public: conflicts with gateways edge/shop (same workload, port 8080, hosts *.shop.example): the proxy serves only one of them');
});

const ENTRIES = `apiVersion: v1
kind: Namespace
metadata: {name: ext}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: db, namespace: ext}
spec: {hosts: [db.partner.example], ports: [{number: 5432, name: pg}], resolution: DNS}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: api-http, namespace: ext}
spec: {hosts: [api.partner.example], addresses: [192.0.2.5], ports: [{number: 8000, name: http, protocol: HTTP}], resolution: DNS}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: api-grpc, namespace: ext}
spec: {hosts: [api.partner.example], addresses: [192.0.2.5], ports: [{number: 8000, name: grpc, protocol: GRPC}], resolution: DNS}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: mine, namespace: ext}
spec: {hosts: [cache.partner.example], exportTo: ["."], addresses: [192.0.2.6], ports: [{number: 6379, name: http, protocol: HTTP}], resolution: DNS}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: theirs, namespace: elsewhere}
spec: {hosts: [cache.partner.example], exportTo: ["."], addresses: [192.0.2.6], ports: [{number: 6379, name: tcp, protocol: TCP}], resolution: DNS}
`;

test('ServiceEntries: a TCP port without addresses (unless istiod allocates them), conflicting protocols in one exportTo scope', () => {
  assert.deepEqual(rows(ENTRIES, ['PN5027', 'PN5035']), [
    ['PN5027', 'IST0134', 'warning', 'ServiceEntry ext/db'],
    ['PN5035', 'IST0177', 'warning', 'ServiceEntry ext/api-http'],
    ['PN5035', 'IST0177', 'warning', 'ServiceEntry ext/api-grpc'],
  ]);
  assert.equal(message(ENTRIES, 'PN5035'), 'ServiceEntry ext/api-http: the ServiceEntries ext/api-grpc, ext/api-http define host "api.partner.example" port 8000 with conflicting protocols (GRPC, HTTP)');
  const allocating = `${ENTRIES}---
apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    defaultConfig:
      proxyMetadata: {ISTIO_META_DNS_CAPTURE: "true", ISTIO_META_DNS_AUTO_ALLOCATE: "true"}
`;
  assert.deepEqual(rows(allocating, ['PN5027']), []);
});

const AUTHZ = `apiVersion: v1
kind: Namespace
metadata: {name: apps, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Namespace
metadata: {name: empty, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Namespace
metadata: {name: amb}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: apps, labels: {app: web}}
spec: {containers: [{name: app, image: app:1}]}
---
apiVersion: v1
kind: Pod
metadata: {name: captured, namespace: amb, labels: {app: captured}, annotations: {ambient.istio.io/redirection: enabled}}
spec: {containers: [{name: app, image: app:1}]}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-all, namespace: empty}
spec: {}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: from-teams, namespace: apps}
spec: {rules: [{from: [{source: {namespaces: [apps, "team-*"], notNamespaces: [legacy]}}]}]}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: captured-only, namespace: amb}
spec: {selector: {matchLabels: {app: captured}}, rules: [{from: [{source: {namespaces: ["*"]}}]}]}
`;

test('AuthorizationPolicies: a namespace-wide policy where no pod runs, source namespaces that match no Namespace; ambient redirection is in the mesh', () => {
  assert.deepEqual(rows(AUTHZ, ['PN5005', 'PN5016', 'PN5038']), [
    ['PN5005', 'IST0127', 'warning', 'AuthorizationPolicy empty/deny-all'],
    ['PN5038', 'IST0101', 'error', 'AuthorizationPolicy apps/from-teams'],
    ['PN5038', 'IST0101', 'error', 'AuthorizationPolicy apps/from-teams'],
  ]);
  assert.deepEqual(analyzeMesh(compileMesh(Cluster.load({ text: AUTHZ }))).filter((d) => d.code === 'PN5038').map((d) => d.message), [
    'AuthorizationPolicy apps/from-teams: Referenced namespace not found: "team-*" (rules[0].from[0].source.namespaces)',
    'AuthorizationPolicy apps/from-teams: Referenced namespace not found: "legacy" (rules[0].from[0].source.notNamespaces)',
  ]);
  const m = compileMesh(Cluster.load({ text: AUTHZ })).membership('amb', 'captured');
  assert.equal(m?.dataPlane, 'ambient');
  assert.equal(m?.reason, 'pod annotation ambient.istio.io/redirection=enabled (istio-cni redirects it to ztunnel)');
});

const TOPOLOGY = `apiVersion: v1
kind: Node
metadata: {name: node-a, labels: {topology.kubernetes.io/region: eu-west, topology.kubernetes.io/zone: eu-west-1b}}
---
apiVersion: v1
kind: Namespace
metadata: {name: apps, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Pod
metadata: {name: api-0, namespace: apps, labels: {app: api, version: v1}}
spec: {nodeName: node-a, containers: [{name: app, image: app:1, ports: [{containerPort: 8080}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: apps, labels: {app: client}}
spec: {nodeName: node-a, containers: [{name: app, image: app:1}]}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: apps}
spec: {selector: {app: api}, ports: [{name: http, port: 80, targetPort: 8080}]}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: api, namespace: apps}
spec:
  host: api
  subsets:
  - {name: zone-b, labels: {topology.kubernetes.io/zone: eu-west-1b}}
  - {name: v1-here, labels: {version: v1, kubernetes.io/hostname: node-a}}
  - {name: zone-c, labels: {topology.kubernetes.io/zone: eu-west-1c}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: api, namespace: apps}
spec: {hosts: [api], http: [{route: [{destination: {host: api, subset: zone-b}}]}]}
`;

test('subsets match the locality and host labels Istio adds from the node, in the analyzer and in the request path', () => {
  assert.deepEqual(rows(TOPOLOGY, ['PN5009']), [['PN5009', 'IST0173', 'error', 'DestinationRule apps/api']]);
  assert.match(message(TOPOLOGY, 'PN5009') ?? '', /subset "zone-c" selects no pod/);
  const e = compileMesh(Cluster.load({ text: TOPOLOGY })).evaluate({ from: { kind: 'Pod', namespace: 'apps', name: 'client' }, to: { kind: 'Service', namespace: 'apps', name: 'api' }, port: 80, method: 'GET', path: '/' });
  assert.equal(e.allowed, true);
  assert.equal(e.subset, 'zone-b');
  assert.equal(e.destination?.pod, 'apps/api-0');
});
