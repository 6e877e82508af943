// VirtualService checks of `podnet mesh analyze` with istioctl analyze's meaning: each finding names its IST message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../cluster/cluster.js';
import { analyzeMesh, compileMesh } from './index.js';

const NS = (...names: string[]) => names.map((n) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${n}, labels: {istio-injection: enabled}}\n---\n`).join('');
const SVC = (ns: string, name: string, ports = '[{name: http, port: 80}]', extra = '') => `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: ${ns}${extra}}\nspec: {selector: {app: ${name}}, ports: ${ports}}\n---\n`;

function findings(text: string, codes: string[]): [string, string | undefined, string, string][] {
  return analyzeMesh(compileMesh(Cluster.load({ text }))).filter((d) => codes.includes(d.code)).map((d) => [d.code, d.istio?.code, `${d.object?.namespace}/${d.object?.name}`, d.message]);
}
const who = (rows: [string, string | undefined, string, string][]) => rows.map(([c, i, o]) => `${c} ${i} ${o}`);

test('conflicting mesh hosts: every VirtualService involved is reported, wildcard overlaps count, exportTo scopes separate', () => {
  const text = NS('alpha', 'beta', 'p1', 'p2') + SVC('alpha', 'cart') + `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: cart, namespace: alpha}
spec: {hosts: [cart], http: [{route: [{destination: {host: cart}}]}]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: cart-too, namespace: beta}
spec: {hosts: [cart.alpha.svc.cluster.local], gateways: [mesh], http: [{route: [{destination: {host: cart.alpha.svc.cluster.local}}]}]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: edge-only, namespace: beta}
spec: {hosts: [cart.alpha.svc.cluster.local], gateways: [alpha/gw], http: [{route: [{destination: {host: cart.alpha.svc.cluster.local}}]}]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: narrow, namespace: p1}
spec: {hosts: ["*.shop.example"], exportTo: ["."], tcp: [{route: [{destination: {host: cart.alpha.svc.cluster.local}}]}]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: broad, namespace: p2}
spec: {hosts: ["*.example"], exportTo: ["*"], tcp: [{route: [{destination: {host: cart.alpha.svc.cluster.local}}]}]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: local-a, namespace: p1}
spec: {hosts: [inventory.internal], exportTo: ["."], tcp: [{route: [{destination: {host: cart.alpha.svc.cluster.local}}]}]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: local-b, namespace: p2}
spec: {hosts: [inventory.internal], exportTo: ["."], tcp: [{route: [{destination: {host: cart.alpha.svc.cluster.local}}]}]}
`;
  const rows = findings(text, ['PN5012']);
  assert.deepEqual(who(rows).sort(), ['PN5012 IST0109 alpha/cart', 'PN5012 IST0109 beta/cart-too', 'PN5012 IST0109 p1/narrow', 'PN5012 IST0109 p2/broad']);
  assert.equal(rows.find((r) => r[2] === 'p2/broad')?.[3], 'VirtualService p2/broad: the VirtualServices p1/narrow, p2/broad bound to the mesh gateway define the same host "*.shop.example"; sidecars use only one of them (merge them into one VirtualService)');
});

test('exportTo: a ServiceEntry or Service exported elsewhere does not satisfy a host in another namespace', () => {
  const text = NS('owner', 'other') + SVC('owner', 'private', '[{name: http, port: 80}]', ", annotations: {networking.istio.io/exportTo: '.'}") + `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ext, namespace: owner}
spec: {hosts: [api.partner.example], exportTo: ["."], addresses: [192.0.2.10], ports: [{number: 443, name: https, protocol: TLS}], resolution: DNS}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: mine, namespace: owner}
spec: {hosts: [api.partner.example], tls: [{match: [{port: 443, sniHosts: [api.partner.example]}], route: [{destination: {host: api.partner.example}}]}], http: [{route: [{destination: {host: private}}]}]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: theirs, namespace: other}
spec: {hosts: [theirs.example], tls: [{match: [{port: 443, sniHosts: [theirs.example]}], route: [{destination: {host: api.partner.example}}]}], http: [{route: [{destination: {host: private.owner.svc.cluster.local}}]}]}
`;
  assert.deepEqual(findings(text, ['PN5001']).map((r) => r[3]), [
    'VirtualService other/theirs: Referenced host not found: "api.partner.example" (tls[0].route[0])',
    'VirtualService other/theirs: Referenced host not found: "private.owner.svc.cluster.local" (http[0].route[0])',
  ]);
});

test('destinations: no host, a port the Service lacks, mirrors, and a multi-port Service without port on a mesh VirtualService', () => {
  const text = NS('web') + SVC('web', 'api', '[{name: http, port: 80}, {name: grpc, port: 9090}]') + SVC('web', 'one') + `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: routes, namespace: web}
spec:
  hosts: [one]
  http:
  - route: [{destination: {port: {number: 80}}}]
    mirror: {host: shadow}
    mirrors: [{destination: {host: one, port: {number: 8080}}}]
  - route: [{destination: {host: api}}]
`;
  assert.deepEqual(findings(text, ['PN5001', 'PN5017']).map((r) => [r[0], r[1], r[3]]), [
    ['PN5001', 'IST0101', 'VirtualService web/routes: http[0].route[0]: the destination has no host'],
    ['PN5001', 'IST0101', 'VirtualService web/routes: Referenced mirror host not found: "shadow" (http[0].mirror)'],
    ['PN5001', 'IST0101', 'VirtualService web/routes: Referenced host:port not found: "one:8080" (http[0].mirrors[0]); one exposes 80'],
    ['PN5017', 'IST0112', 'VirtualService web/routes: http[1].route[0] routes to api, which exposes 2 ports (80, 9090), without destination.port'],
  ]);
});

test('one finding never stops the other checks on the same object', () => {
  const text = NS('web') + `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ghost, namespace: web}
spec: {hosts: [ghost], http: [{route: [{destination: {host: ghost, subset: v2}}]}]}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ghost, namespace: web}
spec: {host: ghost, trafficPolicy: {tls: {mode: SIMPLE}}}
`;
  assert.deepEqual(who(findings(text, ['PN5001', 'PN5002', 'PN5010', 'PN5018'])), [
    'PN5001 IST0101 web/ghost', 'PN5002 IST0101 web/ghost', 'PN5010 IST0174 web/ghost', 'PN5018 IST0128 web/ghost',
  ]);
});

test('unreachable rules and ineffective matches: duplicates in HTTP, TCP and TLS, a rule after one without matches, covered prefixes', () => {
  const text = NS('web') + SVC('web', 'api') + `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: dup, namespace: web}
spec:
  hosts: [api]
  http:
  - name: first
    match: [{name: a, uri: {prefix: /v1}}]
    route: [{destination: {host: api}}]
  - match: [{uri: {prefix: /v1}}]
    route: [{destination: {host: api}}]
  - match: [{uri: {prefix: /v1/items}, method: {exact: GET}}, {uri: {prefix: /v1/items}, method: {exact: PUT}}]
    route: [{destination: {host: api}}]
  - route: [{destination: {host: api}}]
  - match: [{uri: {exact: /late}}]
    route: [{destination: {host: api}}]
  tcp:
  - match: [{port: 9000}]
    route: [{destination: {host: api}}]
  - match: [{port: 9000}]
    route: [{destination: {host: api}}]
  tls:
  - match: [{port: 443, sniHosts: [a.example]}]
    route: [{destination: {host: api}}]
  - match: [{port: 443, sniHosts: [a.example]}, {port: 443, sniHosts: [b.example]}]
    route: [{destination: {host: api}}]
`;
  assert.deepEqual(findings(text, ['PN5011', 'PN5025']).map((r) => [r[0], r[1], r[3].replace('VirtualService web/dup: ', '')]), [
    ['PN5011', 'IST0130', 'http[1] is unreachable: all its matches are used by earlier rules'],
    ['PN5011', 'IST0130', 'http[4] is unreachable: http[3] matches every request'],
    ['PN5011', 'IST0130', 'tcp[1] is unreachable: all its matches are used by earlier rules'],
    ['PN5025', 'IST0131', 'http[1] match[0] is not used: the same match is in http[0] "first"'],
    ['PN5025', 'IST0131', 'http[2] match[0] (prefix /v1/items) is not used: http[0] match[0] (prefix /v1) takes every request it would'],
    ['PN5025', 'IST0131', 'tcp[1] match[0] is not used: the same match is in tcp[0]'],
    ['PN5025', 'IST0131', 'tls[1] match[0] is not used: the same match is in tls[0]'],
  ]);
  assert.equal(analyzeMesh(compileMesh(Cluster.load({ text }))).find((d) => d.code === 'PN5025')?.level, 'info');
});

test('gateway references: hosts the Gateway does not serve, internal Gateways, missing Gateways, JWT claims without RequestAuthentication', () => {
  const text = NS('web') + SVC('web', 'api') + `apiVersion: v1
kind: Pod
metadata: {name: ingress-0, namespace: web, labels: {istio: edge}}
spec: {containers: [{name: istio-proxy, image: istio/proxyv2}]}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: web}
spec: {selector: {istio: edge}, servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["other/*.example", "./shop.example"]}]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: served, namespace: web}
spec: {hosts: [shop.example], gateways: [gw], http: [{route: [{destination: {host: api}}]}]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: unserved, namespace: web}
spec: {hosts: [blog.example], gateways: [gw, missing, "web/gw~istio-autogenerated-k8s-gateway~http"], http: [{match: [{headers: {"@request.auth.claims.group": {exact: admin}}}], route: [{destination: {host: api}}]}]}
`;
  assert.deepEqual(who(findings(text, ['PN5003', 'PN5026', 'PN5033', 'PN5031'])), [
    'PN5003 IST0101 web/unserved', 'PN5026 IST0132 web/unserved', 'PN5026 IST0132 web/unserved', 'PN5031 IST0149 web/unserved', 'PN5033 IST0165 web/unserved',
  ]);
  const jwt = findings(text, ['PN5031'])[0][3];
  assert.equal(jwt, 'VirtualService web/unserved: routes on the JWT claim "@request.auth.claims.group" but no RequestAuthentication applies to pod web/ingress-0 of gateway web/gw: the claim is never set, so the rule never matches');
  const withAuthn = text + `---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt, namespace: web}
spec: {selector: {matchLabels: {istio: edge}}, jwtRules: [{issuer: https://issuer.example}]}
`;
  assert.deepEqual(findings(withAuthn, ['PN5031']), []);
});

test('a gateway route without subset to a host the mesh splits by subset (IST0140); fault.delay.percent is deprecated (IST0002)', () => {
  const text = NS('web', 'edge') + SVC('web', 'api') + `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: edge}
spec: {selector: {app: nothing}, servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: split, namespace: web}
spec: {hosts: [api], http: [{fault: {delay: {percent: 10, fixedDelay: 1s}}, route: [{destination: {host: api, subset: v1}}]}]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: public, namespace: web}
spec: {hosts: [api.example], gateways: [edge/gw], http: [{route: [{destination: {host: api}}]}]}
`;
  assert.deepEqual(findings(text, ['PN5028', 'PN5019']).map((r) => [r[0], r[1], r[3]]), [
    ['PN5019', 'IST0002', 'VirtualService web/split: HTTPRoute.fault.delay.percent is deprecated; use HTTPRoute.fault.delay.percentage'],
    ['PN5028', 'IST0140', 'VirtualService web/public: http[0].route[0] sends gateway traffic to api without a subset: the subsets VirtualService web/split routes by are not applied to these requests'],
  ]);
});
