// Istio host names: a short name (no dot) is `<name>.<namespace of the config>.svc.<cluster domain>`; names with a dot
// are taken as written; `*.example.com` and `*` are wildcards (istio.io VirtualService.hosts, DestinationRule.host).

export function fqdn(host: string, configNamespace: string, clusterDomain: string): string {
  return host.includes('.') || host.includes('*') ? host.toLowerCase() : `${host}.${configNamespace}.svc.${clusterDomain}`.toLowerCase();
}

export function hostMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  const h = host.toLowerCase();
  if (p === '*') return true;
  if (p.startsWith('*.')) return h.endsWith(p.slice(1));
  if (p.startsWith('*')) return h.endsWith(p.slice(1));
  return p === h;
}

/** `name.ns.svc.<domain>` -> {namespace, name} when the host is a cluster Service name. */
export function serviceOfHost(host: string, clusterDomain: string): { namespace: string; name: string } | undefined {
  const suffix = `.svc.${clusterDomain}`.toLowerCase();
  if (!host.toLowerCase().endsWith(suffix)) return undefined;
  const parts = host.slice(0, -suffix.length).split('.');
  return parts.length === 2 ? { name: parts[0], namespace: parts[1] } : undefined;
}

/** exportTo: absent or `*` = all namespaces, `.` = own namespace, else the listed namespaces. */
export function visibleTo(o: Record<string, any>, namespace: string): boolean {
  const e = o.spec?.exportTo;
  if (!Array.isArray(e) || e.length === 0) return true;
  return e.some((x) => x === '*' || (x === '.' && o.metadata.namespace === namespace) || x === namespace);
}
