// What the conformance tests change mid-test, restated as edits to the test's objects (each from the Go test named):
// the cases the extraction marked "follows an object mutation" are then compared on a cluster built from the edited
// objects, as podnet would compute it after `kubectl apply` / `delete`. A spec change bumps metadata.generation, as the
// API server does. Tests whose change is not restated here stay skipped. A measurement, not a test.
type Obj = Record<string, any>;

const NS = 'gateway-conformance-infra';

function find(objects: Obj[], kind: string, name: string, ns: string | undefined = NS): Obj {
  const o = objects.find((x) => x.kind === kind && x.metadata?.name === name && (ns === undefined || (x.metadata?.namespace ?? NS) === ns));
  if (!o) throw new Error(`mutation: ${kind} ${ns ?? ''}/${name} not in the test's objects`);
  return o;
}

function bump(o: Obj): void {
  o.metadata.generation = (o.metadata.generation ?? 1) + 1;
}

/** A second route created after the first one is Accepted (the Go test sleeps 5 s so that it is strictly newer). */
function newerRoute(objects: Obj[], kind: 'TCPRoute' | 'UDPRoute', name: string, gateway: string, section: string, backend: string, port: number): void {
  const older = find(objects, kind, name.replace('newer', 'older'));
  older.metadata.creationTimestamp ??= '2026-01-01T00:00:00Z';
  objects.push({
    apiVersion: 'gateway.networking.k8s.io/v1alpha2', kind,
    metadata: { name, namespace: NS, creationTimestamp: '2026-01-01T00:00:05Z' },
    spec: { parentRefs: [{ name: gateway, sectionName: section }], rules: [{ backendRefs: [{ name: backend, port }] }] },
  });
}

function deleteAll(objects: Obj[], kind: string): Obj[] {
  return objects.filter((o) => o.kind !== kind);
}

export const MUTATIONS: Record<string, (objects: Obj[]) => Obj[]> = {
  // gatewayclass-observed-generation-bump.go: spec.description = "new".
  GatewayClassObservedGenerationBump: (objects) => {
    const gc = find(objects, 'GatewayClass', 'gatewayclass-observed-generation-bump', undefined);
    gc.spec.description = 'new';
    bump(gc);
    return objects;
  },
  // gateway-observed-generation-bump.go: a listener "alternate" (HTTP 80, hostname foo.com, routes from All) appended.
  GatewayObservedGenerationBump: (objects) => {
    const gw = find(objects, 'Gateway', 'gateway-observed-generation-bump');
    gw.spec.listeners.push({ name: 'alternate', hostname: 'foo.com', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } });
    bump(gw);
    return objects;
  },
  // httproute-observed-generation-bump.go: rules[0].backendRefs[0].name = infra-backend-v2.
  HTTPRouteObservedGenerationBump: (objects) => {
    const r = find(objects, 'HTTPRoute', 'observed-generation-bump');
    r.spec.rules[0].backendRefs[0].name = 'infra-backend-v2';
    bump(r);
    return objects;
  },
  // backendtlspolicy-observed-generation-bump.go: validation.hostname = foo.example.com.
  BackendTLSPolicyObservedGenerationBump: (objects) => {
    const p = find(objects, 'BackendTLSPolicy', 'observed-generation-bump');
    p.spec.validation.hostname = 'foo.example.com';
    bump(p);
    return objects;
  },
  // gateway-modify-listeners.go: gateway-add-listener gains "http" (80, data.test.com, routes from All);
  // gateway-remove-listener loses "https". Each subtest looks at its own Gateway, so both edits are made at once.
  GatewayModifyListeners: (objects) => {
    const add = find(objects, 'Gateway', 'gateway-add-listener');
    add.spec.listeners.push({ name: 'http', port: 80, protocol: 'HTTP', hostname: 'data.test.com', allowedRoutes: { namespaces: { from: 'All' } } });
    bump(add);
    const remove = find(objects, 'Gateway', 'gateway-remove-listener');
    remove.spec.listeners = remove.spec.listeners.filter((l: Obj) => l.name === 'http');
    bump(remove);
    return objects;
  },
  // *-reference-grant.go: the ReferenceGrant is deleted.
  HTTPRouteReferenceGrant: (objects) => deleteAll(objects, 'ReferenceGrant'),
  TCPRouteReferenceGrant: (objects) => deleteAll(objects, 'ReferenceGrant'),
  UDPRouteReferenceGrant: (objects) => deleteAll(objects, 'ReferenceGrant'),
  // {tcp,udp}route-multiple-routes-attachment.go: a newer route on the same listener, to the second backend.
  TCPRouteMultipleRoutesAttachment: (objects) => { newerRoute(objects, 'TCPRoute', 'tcproute-attach-newer', 'tcp-multi-route-attach-gateway', 'tcp', 'tcp-attach-backend-2', 3000); return objects; },
  UDPRouteMultipleRoutesAttachment: (objects) => { newerRoute(objects, 'UDPRoute', 'udproute-attach-newer', 'udp-multi-route-attach-gateway', 'udp', 'udp-attach-backend-2', 8080); return objects; },
};
