// The CoreDNS `transfer` plugin over the kubernetes plugin's zone (plugin/transfer/transfer.go, plugin/kubernetes/xfr.go
// Transfer/transferServices): AXFR, and IXFR answered with the SOA alone when the client's serial is current, else a
// full transfer. Only over TCP and only to the clients `to` lists (`*` = everyone); otherwise REFUSED.
import type { KubernetesPlugin } from './kubernetes.js';
import { canonical, isSubdomain, parseIPText } from './names.js';
import { record, type DnsRecord } from './records.js';
import { isIPv4, serviceKey } from './zone-index.js';

export interface TransferConfig { zones: string[]; to: string[]; line: number }

/** May this client (an IP, or undefined when asked through the model, not a socket) transfer the zone? */
export function transferAllowed(t: TransferConfig, clientIP: string | undefined): boolean {
  if (t.to.includes('*')) return true;
  if (clientIP === undefined) return true;
  return t.to.some((a) => parseIPText(a.replace(/^\[|\](:\d+)?$|:\d+$/g, '')) === parseIPText(clientIP));
}

export function transferZones(t: TransferConfig, qname: string): boolean {
  return t.zones.some((z) => isSubdomain(qname, z));
}

/** Kubernetes.Transfer: SOA, NS and their addresses, every exposed Service's records, SOA again. */
export function zoneTransfer(k: KubernetesPlugin, zone: string, serial?: number): DnsRecord[] | undefined {
  const z = canonical(zone);
  if (!k.opts.zones.includes(z)) return undefined;
  const soa = k.soa(z);
  if (serial !== undefined && serial !== 0 && serial === k.serial) return [soa];
  const ttl = k.opts.ttl;
  const out: DnsRecord[] = [soa];
  const ns = k.nsAddrs(z);
  for (const host of [...new Set(ns.map((a) => a.name))]) out.push(record(z, ttl, { type: 'NS', target: host }, 'the DNS Service'));
  for (const a of ns) out.push(record(a.name, ttl, { type: isIPv4(a.ip) ? 'A' : 'AAAA', address: a.ip }, a.from));
  const allowed = k.opts.namespaces;
  const services = [...k.index.services.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const addr = (name: string, ip: string, from: string) => record(name, ttl, { type: isIPv4(ip) ? 'A' : 'AAAA', address: ip }, from);
  for (const svc of services) {
    const nsName = svc.namespace.toLowerCase();
    if ((allowed.length > 0 && !allowed.includes(nsName)) || !k.index.namespaces.has(nsName)) continue;
    const base = `${svc.name}.${svc.namespace}.svc.${z}`.toLowerCase();
    const from = `Service ${svc.namespace}/${svc.name}`;
    if (svc.type === 'ExternalName') {
      if (svc.externalName && !parseIPText(svc.externalName)) out.push(record(base, ttl, { type: 'CNAME', target: svc.externalName.endsWith('.') ? svc.externalName : `${svc.externalName}.` }, from));
      continue;
    }
    if (svc.clusterIPs.length > 0) {
      for (const ip of svc.clusterIPs) out.push(addr(base, ip, from));
      for (const p of svc.ports) {
        out.push(record(base, ttl, { type: 'SRV', priority: 0, weight: 100, port: p.port, target: base }, from));
        if (p.name) out.push(record(`_${p.name.toLowerCase()}._${p.protocol.toLowerCase()}.${base}`, ttl, { type: 'SRV', priority: 0, weight: 100, port: p.port, target: base }, from));
      }
      continue;
    }
    const eps = k.index.endpoints.get(serviceKey(svc.namespace, svc.name)) ?? [];
    const weight = Math.max(1, Math.floor(100 / Math.max(1, eps.length)));
    for (const a of eps) {
      const host = `${k.endpointHostname(a)}.${base}`;
      out.push(addr(base, a.ip, `endpoint ${a.ip} of ${from}`), addr(host, a.ip, `endpoint ${a.ip} of ${from}`));
      for (const p of a.ports) if (p.name && p.port !== -1) out.push(record(`_${p.name.toLowerCase()}._${p.protocol.toLowerCase()}.${base}`, ttl, { type: 'SRV', priority: 0, weight, port: p.port, target: host }, `endpoint ${a.ip} of ${from}`));
    }
  }
  out.push(soa);
  return out;
}
