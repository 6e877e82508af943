// The /etc/hosts kubelet writes into every pod (pkg/kubelet/kubelet_pods.go managedHostsFileContent): localhost
// lines, the pod's own IPs with its hostname (and FQDN when it has a subdomain), then spec.hostAliases. Both glibc and
// musl read it before sending any DNS query (nsswitch `hosts: files dns`), so a name found here never reaches CoreDNS.
import { canonical } from './names.js';

type Obj = Record<string, any>;

export interface HostsEntry { ip: string; names: string[]; source: 'kubelet' | 'hostAliases' }

export function podEtcHosts(pod: Obj, clusterDomain: string): HostsEntry[] {
  const spec = pod.spec ?? {};
  const entries: HostsEntry[] = [
    { ip: '127.0.0.1', names: ['localhost'], source: 'kubelet' },
    { ip: '::1', names: ['localhost', 'ip6-localhost', 'ip6-loopback'], source: 'kubelet' },
    { ip: 'fe00::', names: ['ip6-localnet', 'ip6-mcastprefix'], source: 'kubelet' },
    { ip: 'fe00::1', names: ['ip6-allnodes'], source: 'kubelet' },
    { ip: 'fe00::2', names: ['ip6-allrouters'], source: 'kubelet' },
  ];
  if (spec.hostNetwork === true) {
    // hostNetwork pods see the node's /etc/hosts (not modelled) plus their hostAliases.
    entries.length = 0;
  } else {
    const hostname: string = (spec.hostname || pod.metadata?.name || '').slice(0, 63);
    const domain = spec.subdomain ? `${spec.subdomain}.${pod.metadata?.namespace ?? 'default'}.svc.${clusterDomain}` : '';
    const ips: string[] = pod.status?.podIPs?.length ? pod.status.podIPs.map((p: Obj) => p.ip) : pod.status?.podIP ? [pod.status.podIP] : [];
    for (const ip of ips) entries.push({ ip, names: domain ? [`${hostname}.${domain}`, hostname] : [hostname], source: 'kubelet' });
  }
  for (const a of (spec.hostAliases ?? []) as Obj[]) {
    if (typeof a?.ip === 'string' && Array.isArray(a.hostnames)) entries.push({ ip: a.ip, names: a.hostnames.filter((h: unknown) => typeof h === 'string'), source: 'hostAliases' });
  }
  return entries;
}

/** Entries for `name` of the asked family (A: IPv4, AAAA: IPv6), case-insensitive, trailing dot ignored. */
export function lookupEtcHosts(entries: readonly HostsEntry[], name: string, type: string): HostsEntry[] {
  if (type !== 'A' && type !== 'AAAA') return [];
  const n = canonical(name);
  return entries.filter((e) => e.names.some((h) => canonical(h) === n) && e.ip.includes(':') === (type === 'AAAA'));
}

export function formatEtcHosts(entries: readonly HostsEntry[]): string {
  return entries.map((e) => `${e.ip}\t${e.names.join(' ')}`).join('\n') + '\n';
}
