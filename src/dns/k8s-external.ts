// The CoreDNS `k8s_external` plugin (plugin/k8s_external: external.go, apex.go, msg_to_dns.go; the kubernetes
// side in plugin/kubernetes/external.go and ns.go nsAddrs(external)): Services' external addresses — spec.externalIPs
// and LoadBalancer ingress IPs or hostnames — as `<service>.<namespace>.<zone>`, `_port._proto.<service>.<ns>.<zone>`
// SRV, PTR in reverse zones; with `headless`, a headless Service's endpoints as `<endpoint>.<service>.<ns>.<zone>`;
// SOA and NS at the apex, `ns1.<apex>.<zone>` carrying the addresses of the Services fronting CoreDNS.
import type { KubernetesPlugin, PluginResult, Rcode } from './kubernetes.js';
import { addressFromReverse, canonical, fqdn, isReverse, isSubdomain, parseIPText, trimZone } from './names.js';
import { dedup, record, type DnsRecord } from './records.js';
import { isIPv4, serviceKey } from './zone-index.js';

export interface ExternalConfig {
  zones: string[];
  /** The label under the zone for the server's own names (`ns1.<apex>.<zone>`); default `dns`. */
  apex: string;
  ttl: number;
  headless: boolean;
  /** undefined = no fallthrough; [] = every zone. */
  fallthrough?: string[];
  line: number;
}

export const DEFAULT_EXTERNAL: Omit<ExternalConfig, 'zones' | 'line'> = { apex: 'dns', ttl: 5, headless: false };

/** msg.Service: an address (or hostname) with its port and the name its records get. */
interface Entry { host: string; port: number; name: string; from: string }

export class ExternalPlugin {
  constructor(readonly config: ExternalConfig, readonly k: KubernetesPlugin, readonly serial: number) {}

  serve(qname: string, qtype: string): PluginResult | undefined {
    let configured: string | undefined;
    for (const z of this.config.zones) if (isSubdomain(qname, z) && (!configured || z.length > configured.length)) configured = z;
    if (!configured) return undefined;
    const zone = fqdn(qname).slice(-configured.length);
    const lower = canonical(qname);
    const ttl = this.config.ttl;
    const soa = this.soa(zone);
    const reply = (rcode: Rcode, answers: DnsRecord[], why: string, additional: DnsRecord[] = []): PluginResult =>
      ({ rcode, answers: dedup(answers), authority: answers.length ? [] : [soa], additional, zone: configured, why });
    if (lower === configured) {
      if (qtype === 'SOA') return reply('NOERROR', [soa], 'k8s_external: the zone apex SOA');
      if (qtype === 'NS') {
        const glue = this.externalAddress(zone).map((a) => record(`ns1.${this.config.apex}.${zone}`, ttl, { type: isIPv4(a.ip) ? 'A' : 'AAAA', address: a.ip }, a.from));
        return reply('NOERROR', [record(zone, ttl, { type: 'NS', target: `ns1.${this.config.apex}.${zone}` }, 'k8s_external apex')], 'k8s_external: NS at the apex', glue);
      }
      return reply('NOERROR', [], 'k8s_external: the apex has only SOA and NS');
    }
    if (isSubdomain(qname, `${this.config.apex}.${configured}`)) {
      const base = trimZone(qname, configured);
      if (base.length === 1) return reply('NOERROR', [], `k8s_external: ${this.config.apex}.${configured} holds only ns1`);
      if (base.length !== 2 || base[0].toLowerCase() !== 'ns1') return reply('NXDOMAIN', [], `k8s_external: only ns1.${this.config.apex} exists under the apex label`);
      const want = qtype === 'A' ? 'A' : qtype === 'AAAA' ? 'AAAA' : undefined;
      const answers = want ? this.externalAddress(zone).filter((a) => isIPv4(a.ip) === (want === 'A')).map((a) => record(qname, ttl, { type: want, address: a.ip }, a.from)) : [];
      return reply('NOERROR', answers, 'k8s_external: the addresses of the Services fronting CoreDNS');
    }
    const { entries, rcode, why } = this.external(qname, qtype, configured, zone);
    if (entries.length === 0) {
      if (rcode === 'NXDOMAIN' && this.fallsThrough(qname)) return { ...reply(rcode, [], why), authority: [], fallthrough: true };
      return reply(rcode, [], why);
    }
    switch (qtype) {
      case 'A': case 'AAAA': {
        const answers: DnsRecord[] = [];
        let chase: PluginResult['chase'];
        for (const e of entries) {
          const ip = parseIPText(e.host);
          if (!ip) {
            const target = fqdn(e.host);
            answers.push(record(qname, ttl, { type: 'CNAME', target }, e.from));
            chase ??= { name: target, type: qtype };
          } else if (isIPv4(ip) === (qtype === 'A')) answers.push(record(qname, ttl, { type: qtype, address: ip }, e.from));
        }
        return { ...reply('NOERROR', answers, why), ...(chase ? { chase } : {}) };
      }
      case 'SRV': {
        const weight = Math.max(1, Math.floor(100 / entries.length));
        const answers: DnsRecord[] = [];
        const extra: DnsRecord[] = [];
        const seen = new Set<string>();
        for (const e of entries) {
          if (e.port === -1) continue;
          const ip = parseIPText(e.host);
          const target = ip ? e.name : fqdn(e.host);
          if (!seen.has(`${target}|${e.port}`)) { seen.add(`${target}|${e.port}`); answers.push(record(qname, ttl, { type: 'SRV', priority: 0, weight, port: e.port, target }, e.from)); }
          if (ip && !seen.has(`${target}|${ip}`)) { seen.add(`${target}|${ip}`); extra.push(record(target, ttl, { type: isIPv4(ip) ? 'A' : 'AAAA', address: ip }, e.from)); }
        }
        return reply('NOERROR', answers, why, extra);
      }
      case 'PTR': {
        const answers = entries.map((e) => record(qname, ttl, { type: 'PTR', target: `${e.host}.${this.config.zones[0]}` }, e.from));
        return reply('NOERROR', answers, why);
      }
      default:
        return reply('NOERROR', [], `${why}; k8s_external serves only A, AAAA, SRV and PTR`);
    }
  }

  private fallsThrough(qname: string): boolean {
    const f = this.config.fallthrough;
    return f !== undefined && (f.length === 0 || f.some((z) => isSubdomain(qname, z)));
  }

  soa(zone: string): DnsRecord {
    const { apex, ttl } = this.config;
    return record(zone, ttl, { type: 'SOA', mname: `ns1.${apex}.${zone}`, rname: `hostmaster.${apex}.${zone}`, serial: this.serial, refresh: 7200, retry: 1800, expire: 86400, minimum: ttl }, 'the k8s_external zone SOA');
  }

  private exposed(ns: string): boolean {
    const allowed = this.k.opts.namespaces;
    return (allowed.length === 0 || allowed.includes(ns)) && this.k.index.namespaces.has(ns);
  }

  /** ns.go nsAddrs(external): the external addresses (or, with headless, endpoints) of the Services fronting CoreDNS. */
  externalAddress(zone: string): { name: string; ip: string; from: string }[] {
    const idx = this.k.index;
    const out: { name: string; ip: string; from: string }[] = [];
    if (idx.dnsServices.length === 0) return idx.dnsPodIPs.slice(0, 1).map((ip) => ({ name: `ns.dns.${zone}`, ip, from: 'the CoreDNS pod itself' }));
    for (const svc of idx.dnsServices) {
      const name = `${svc.name}.${svc.namespace}.${zone}`;
      if (this.config.headless && svc.headless) {
        for (const a of idx.endpoints.get(serviceKey(svc.namespace, svc.name)) ?? []) out.push({ name: `${this.k.endpointHostname(a)}.${name}`, ip: a.ip, from: `endpoint ${a.ip} of Service ${svc.namespace}/${svc.name}` });
      } else {
        for (const ip of svc.externalIPs) if (parseIPText(ip)) out.push({ name, ip: parseIPText(ip)!, from: `external address of Service ${svc.namespace}/${svc.name}` });
      }
    }
    return out;
  }

  /** kubernetes External(): the entries for a name, with NXDOMAIN when nothing matches a name that cannot exist. */
  private external(qname: string, qtype: string, configured: string, zone: string): { entries: Entry[]; rcode: Rcode; why: string } {
    if (qtype === 'PTR' && isReverse(qname) > 0) {
      const ip = addressFromReverse(qname);
      if (ip) {
        const entries: Entry[] = [];
        for (const svc of this.k.index.services.values()) {
          if (!svc.externalIPs.some((x) => parseIPText(x) === ip) || !this.exposed(svc.namespace.toLowerCase())) continue;
          entries.push({ host: `${svc.name}.${svc.namespace}`, port: 0, name: '', from: `external address ${ip} of Service ${svc.namespace}/${svc.name}` });
        }
        return entries.length ? { entries, rcode: 'NOERROR', why: entries[0].from } : { entries, rcode: 'NXDOMAIN', why: `no Service has the external address ${ip}` };
      }
    }
    const segs = trimZone(qname, configured).map((l) => l.toLowerCase());
    if (segs.length === 0) return { entries: [], rcode: 'SERVFAIL', why: 'k8s_external: empty name' };
    const namespace = segs[segs.length - 1];
    if (!this.exposed(namespace)) return { entries: [], rcode: 'NXDOMAIN', why: `namespace "${namespace}" is not exposed` };
    if (segs.length === 1) return { entries: [], rcode: 'NOERROR', why: `${namespace} is a namespace, not a Service` };
    const service = segs[segs.length - 2];
    let endpoint = '', port = '', protocol = '';
    if (segs.length === 3) endpoint = strip(segs[0]);
    else if (segs.length === 4) { port = strip(segs[0]); protocol = strip(segs[1]); }
    else if (segs.length > 4) return { entries: [], rcode: 'NXDOMAIN', why: 'too many labels for a k8s_external name' };
    const svc = this.k.index.services.get(serviceKey(namespace, service));
    const matches = (p: { name: string; protocol: string }) => (port === '' || port === '*' || port === p.name.toLowerCase()) && (protocol === '' || protocol === '*' || protocol === p.protocol.toLowerCase());
    const entries: Entry[] = [];
    const base = `${service}.${namespace}.${zone}`;
    if (svc && this.config.headless && svc.externalIPs.length === 0 && (svc.headless || endpoint)) {
      for (const a of this.k.index.endpoints.get(serviceKey(namespace, service)) ?? []) {
        const host = this.k.endpointHostname(a);
        if (endpoint && endpoint !== host.toLowerCase()) continue;
        for (const p of a.ports) if (matches(p)) entries.push({ host: a.ip, port: p.port, name: `${host}.${base}`, from: `endpoint ${a.ip} of headless Service ${svc.namespace}/${svc.name} (k8s_external headless)` });
      }
    } else if (svc && !endpoint) {
      for (const ip of svc.externalIPs) for (const p of svc.ports) if (matches(p)) entries.push({ host: parseIPText(ip) ?? ip, port: p.port, name: base, from: `external address ${ip} of Service ${svc.namespace}/${svc.name}` });
    }
    if (qtype === 'PTR') return { entries: [], rcode: entries.length ? 'NOERROR' : 'NXDOMAIN', why: 'PTR is served in reverse zones only' };
    if (entries.length === 0) return { entries, rcode: 'NXDOMAIN', why: svc ? `Service ${namespace}/${service} has no external address${port ? ` with port _${port}._${protocol}` : ''}` : `no Service "${service}" in namespace ${namespace}` };
    return { entries, rcode: 'NOERROR', why: entries[0].from };
  }
}

function strip(s: string): string {
  return s.startsWith('_') ? s.slice(1) : s;
}
