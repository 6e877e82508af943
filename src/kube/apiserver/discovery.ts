// Discovery as kube-apiserver serves it: /version, the legacy documents (/api APIVersions, /apis APIGroupList,
// /api/v1 and /apis/<group>/<version> APIResourceList, /apis/<group> APIGroup) and aggregated discovery
// (apidiscovery.k8s.io v2 and v2beta1 APIGroupDiscoveryList, one document per /api and /apis), which kubectl ≥ 1.30
// asks for first (client-go discovery: Accept v2, then v2beta1, then plain JSON).
import { apiGroups, apiResources, groupVersion, resourcesIn, type ApiResource } from './resources.js';

export const SERVER_VERSION = {
  major: '1', minor: '32', gitVersion: 'v1.32.0+podnet', gitCommit: '0000000000000000000000000000000000000000', gitTreeState: 'clean',
  buildDate: '2025-01-01T00:00:00Z', goVersion: 'go1.23.4', compiler: 'gc', platform: 'linux/amd64',
};

export const AGGREGATED = (v: 'v2' | 'v2beta1') => `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`;

/** Which aggregated version an Accept header asks for (first acceptable wins), or undefined for the legacy document. */
export function aggregatedVersion(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  for (const part of (accept ?? '').split(',')) {
    const [type, ...params] = part.split(';').map((s) => s.trim());
    if (type !== 'application/json' && type !== '*/*') continue;
    const p = Object.fromEntries(params.map((x) => x.split('=').map((s) => s.trim())));
    if (p.as === 'APIGroupDiscoveryList' && p.g === 'apidiscovery.k8s.io' && (p.v === 'v2' || p.v === 'v2beta1')) return p.v;
    if (!p.as) return undefined;
  }
  return undefined;
}

export function apiVersions(serverAddress: string): object {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function groupDoc(g: { name: string; versions: string[] }): object {
  const versions = g.versions.map((v) => ({ groupVersion: `${g.name}/${v}`, version: v }));
  return { name: g.name, versions, preferredVersion: versions[0] };
}

export function apiGroupList(): object {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: apiGroups().map(groupDoc) };
}

export function apiGroup(name: string): object | undefined {
  const g = apiGroups().find((x) => x.name === name);
  return g && { kind: 'APIGroup', apiVersion: 'v1', ...groupDoc(g) };
}

/** /api/v1, /apis/<group>/<version>: the resources and subresources with their verbs; undefined when not served. */
export function apiResourceList(group: string, version: string): object | undefined {
  const rs = resourcesIn(group, version);
  if (rs.length === 0) return undefined;
  const resources: object[] = [];
  for (const r of rs) {
    resources.push({
      name: r.plural, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: r.verbs,
      ...(r.shortNames.length ? { shortNames: r.shortNames } : {}), ...(r.categories.length ? { categories: r.categories } : {}),
    });
    for (const s of r.subresources) {
      resources.push({
        name: `${r.plural}/${s.name}`, singularName: '', namespaced: r.namespaced,
        ...(s.group !== undefined ? { group: s.group, version: s.version } : {}), kind: s.kind || r.kind, verbs: s.verbs,
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersion(group, version), resources };
}

function resourceDiscovery(r: ApiResource, version: string): object {
  return {
    resource: r.plural, responseKind: { group: r.group, version, kind: r.kind }, scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singular, verbs: r.verbs,
    ...(r.shortNames.length ? { shortNames: r.shortNames } : {}), ...(r.categories.length ? { categories: r.categories } : {}),
    ...(r.subresources.length ? {
      subresources: r.subresources.map((s) => ({
        subresource: s.name, responseKind: { group: s.group ?? r.group, version: s.version ?? version, kind: s.kind || r.kind }, verbs: s.verbs,
      })),
    } : {}),
  };
}

/** The aggregated document for /api (core) or /apis (every group). */
export function aggregatedDiscovery(which: 'api' | 'apis', v: 'v2' | 'v2beta1'): object {
  const groups = which === 'api' ? [{ name: '', versions: ['v1'] }] : apiGroups();
  const items = groups.map((g) => ({
    metadata: { ...(g.name ? { name: g.name } : {}), creationTimestamp: null },
    versions: g.versions.map((version) => ({
      version,
      resources: apiResources().filter((r) => r.group === g.name && r.versions.includes(version)).map((r) => resourceDiscovery(r, version)),
      freshness: 'Current',
    })),
  }));
  return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${v}`, metadata: {}, items };
}
