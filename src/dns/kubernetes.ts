// The CoreDNS `kubernetes` plugin, answering from a ZoneIndex: the Kubernetes DNS-Based Service Discovery
// specification 1.1.0 as coredns/plugin/kubernetes serves it (handler.go, parse.go, kubernetes.go findServices /
// findPods, reverse.go, ns.go) and plugin/backend_lookup.go (A, SRV, PTR, CNAME, SOA assembly).
import { addressFromReverse, canonical, dashedIP, fqdn, isReverse, isSubdomain, parseIPText, trimZone } from './names.js';
import { dedup, record, type DnsRecord } from './records.js';
import { isIPv4, serviceKey, type EndpointAddress, type ServiceInfo, type ZoneIndex } from './zone-index.js';
import { pushAll } from '../util/arrays.js';

export type PodsMode = 'disabled' | 'insecure' | 'verified';

export interface KubernetesOptions {
  /** Zones the plugin is authoritative for, absolute and lower-case (e.g. cluster.local., in-addr.arpa.). */
  zones: string[];
  pods: PodsMode;
  ttl: number;
  endpointPodNames: boolean;
  /** `namespaces a b`: only these are exposed (empty = all). */
  namespaces: string[];
  /** `fallthrough [ZONES]`: undefined = no fallthrough; [] = every zone. */
  fallthrough?: string[];
  ignoreEmptyService: boolean;
  noEndpoints: boolean;
}

export const DEFAULT_KUBERNETES_OPTIONS: Omit<KubernetesOptions, 'zones'> = {
  pods: 'disabled', ttl: 5, endpointPodNames: false, namespaces: [], ignoreEmptyService: false, noEndpoints: false,
};

export type Rcode = 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED' | 'FORMERR' | 'NOTIMP';

export interface PluginResult {
  rcode: Rcode;
  answers: DnsRecord[];
  authority: DnsRecord[];
  additional: DnsRecord[];
  /** True when the name error should go to the next plugin (fallthrough). */
  fallthrough?: boolean;
  /** An ExternalName CNAME whose target must be resolved by the server itself (re-entering its plugin chain). */
  chase?: { name: string; type: string };
  /** The zone that answered (for the SOA), and a sentence saying why. */
  zone?: string;
  why: string;
}

/** One backend entry (CoreDNS msg.Service): an address or a CNAME target, with port and the key its name comes from. */
interface Entry { host: string; port: number; key: string; from: string }

class NameError extends Error {}
const NO_ITEMS = 'no items found';

export class KubernetesPlugin {
  readonly primaryZone: string;
  constructor(readonly opts: KubernetesOptions, readonly index: ZoneIndex, readonly serial: number) {
    this.primaryZone = opts.zones.find((z) => isReverse(z) === 0) ?? opts.zones[0];
  }

  /** The most specific of the plugin's zones containing qname (plugin.Zones.Matches), or undefined. */
  matchZone(qname: string): string | undefined {
    let best: string | undefined;
    for (const z of this.opts.zones) if (isSubdomain(qname, z) && (!best || z.length > best.length)) best = z;
    return best;
  }

  serve(qname: string, qtype: string): PluginResult | undefined {
    const configured = this.matchZone(qname);
    if (!configured) return undefined;
    // handler.go keeps the query's spelling of the zone (`zone = qname[len(qname)-len(zone):]`): the names CoreDNS
    // builds (SRV targets, SOA, NS) are the objects' lower-case names under the zone as the client typed it.
    const zone = fqdn(qname).slice(-configured.length);
    const ttl = this.opts.ttl;
    let records: DnsRecord[] = [];
    let extra: DnsRecord[] = [];
    let chase: PluginResult['chase'];
    let why = '';
    try {
      switch (qtype) {
        case 'A': case 'AAAA': {
          const r = this.address(qname, qtype, zone);
          records = r.records; chase = r.chase; why = r.why;
          break;
        }
        case 'TXT': {
          if (canonical(qname) === `dns-version.${configured}`) {
            records = [record(qname, 28800, { type: 'TXT', text: ['1.1.0'] }, 'the DNS schema version (Kubernetes DNS spec §2.2)')];
            why = 'dns-version is the schema version record';
          } else why = this.exists(qname, zone);
          break;
        }
        case 'CNAME': {
          const entries = this.services(qname, zone, 'CNAME');
          const first = entries[0];
          if (first && !parseIPText(first.host)) records = [record(qname, ttl, { type: 'CNAME', target: canonicalTarget(first.host) }, first.from)];
          why = first ? first.from : 'the name exists';
          break;
        }
        case 'PTR': {
          const r = this.reverse(qname, zone);
          records = r; why = r[0]?.from ?? 'the name exists but is not a reverse address';
          break;
        }
        case 'SRV': {
          const r = this.srv(qname, zone);
          records = r.records; extra = r.extra; why = r.why;
          break;
        }
        case 'SOA':
          if (canonical(qname) === configured) records = [this.soa(zone)];
          why = canonical(qname) === configured ? 'the zone apex' : 'SOA is only served at the zone apex';
          break;
        case 'NS':
          if (canonical(qname) === configured) {
            const ns = this.nsRecords(zone);
            records = ns.records; extra = ns.extra; why = 'NS at the zone apex points to the DNS Service';
            break;
          }
          why = this.exists(qname, zone);
          break;
        case 'AXFR': case 'IXFR':
          return { rcode: 'REFUSED', answers: [], authority: [], additional: [], zone, why: 'zone transfers need the transfer plugin, which is not configured' };
        default:
          // A hidden A lookup tells NODATA from NXDOMAIN (handler.go default branch).
          why = this.exists(qname, zone);
      }
    } catch (e) {
      if (!(e instanceof NameError)) throw e;
      const fall = this.fallsThrough(qname);
      return { rcode: 'NXDOMAIN', answers: [], authority: fall ? [] : [this.soa(zone)], additional: [], fallthrough: fall, zone, why: e.message };
    }
    if (records.length === 0 && !chase) {
      return { rcode: 'NOERROR', answers: [], authority: [this.soa(zone)], additional: [], zone, why: `NODATA: ${why || 'the name exists, without records of this type'}` };
    }
    return { rcode: 'NOERROR', answers: dedup(records), authority: [], additional: dedup(extra), ...(chase ? { chase } : {}), zone, why };
  }

  /**
   * kubernetes AutoPath: the search path of the pod with this source IP — [<ns>.svc.<zone>, svc.<zone>, <zone>,
   * CoreDNS's own resolv.conf search domains..., ""] — or undefined (pods not verified, or no such pod).
   */
  autopathSearch(clientIP: string, hostSearches: readonly string[]): string[] | undefined {
    if (this.opts.pods !== 'verified') return undefined;
    const pod = this.index.podsByIP.get(clientIP)?.[0];
    if (!pod) return undefined;
    const zone = this.primaryZone;
    return [`${pod.namespace.toLowerCase()}.svc.${zone}`, `svc.${zone}`, zone, ...hostSearches.map((h) => canonical(h)), ''];
  }

  fallsThrough(qname: string): boolean {
    const f = this.opts.fallthrough;
    if (!f) return false;
    return f.length === 0 || f.some((z) => isSubdomain(qname, z));
  }

  soa(zone: string): DnsRecord {
    const ttl = this.opts.ttl;
    return record(zone, Math.min(ttl, 300), {
      type: 'SOA', mname: `ns.dns.${zone}`, rname: `hostmaster.${zone}`, serial: this.serial, refresh: 7200, retry: 1800, expire: 86400, minimum: ttl,
    }, 'the zone SOA (negative answers carry it)');
  }

  /** "does the name exist": the hidden A lookup; throws NameError when it does not. */
  private exists(qname: string, zone: string): string {
    this.services(qname, zone, 'A');
    return 'the name exists, without records of this type';
  }

  private address(qname: string, qtype: 'A' | 'AAAA', zone: string): { records: DnsRecord[]; chase?: PluginResult['chase']; why: string } {
    const entries = this.services(qname, zone, qtype);
    const records: DnsRecord[] = [];
    let chase: PluginResult['chase'];
    for (const e of entries) {
      const ip = parseIPText(e.host);
      if (ip) {
        if (isIPv4(ip) === (qtype === 'A')) records.push(record(qname, this.opts.ttl, { type: qtype, address: ip }, e.from));
        continue;
      }
      // ExternalName: CNAME, then the target's records (resolved in-zone, else through the server: plugin.A).
      const target = canonicalTarget(e.host);
      if (canonical(target) === canonical(qname)) continue;
      const cname = record(qname, this.opts.ttl, { type: 'CNAME', target }, e.from);
      if (isSubdomain(target, zone)) {
        try {
          const next = this.address(target, qtype, zone).records;
          if (next.length > 0) { records.push(cname); pushAll(records, next); }
        } catch (err) {
          if (!(err instanceof NameError)) throw err;
        }
        continue;
      }
      records.push(cname);
      chase = { name: target, type: qtype };
    }
    return { records, chase, why: entries[0]?.from ?? '' };
  }

  private srv(qname: string, zone: string): { records: DnsRecord[]; extra: DnsRecord[]; why: string } {
    // SRV for ExternalName is not implemented in CoreDNS: CNAME-type entries are dropped (Services()).
    const entries = this.services(qname, zone, 'SRV').filter((e) => parseIPText(e.host));
    const records: DnsRecord[] = [];
    const extra: DnsRecord[] = [];
    const seen = new Set<string>();
    // All entries have priority 0 and weight 100, so each SRV gets floor(100 / entries), at least 1 (plugin.SRV).
    const weight = Math.max(1, Math.floor(100 / entries.length));
    for (const e of entries) {
      if (e.port === -1) continue;
      const target = keyDomain(e.key);
      const ip = parseIPText(e.host)!;
      const srvKey = `${target}|${e.port}`;
      if (!seen.has(srvKey)) { seen.add(srvKey); records.push(record(qname, this.opts.ttl, { type: 'SRV', priority: 0, weight, port: e.port, target }, e.from)); }
      const addrKey = `${target}|${ip}`;
      if (!seen.has(addrKey)) { seen.add(addrKey); extra.push(record(target, this.opts.ttl, { type: isIPv4(ip) ? 'A' : 'AAAA', address: ip }, e.from)); }
    }
    return { records, extra, why: entries[0]?.from ?? '' };
  }

  private reverse(qname: string, zone: string): DnsRecord[] {
    const ip = addressFromReverse(qname);
    if (!ip) {
      this.services(qname, zone, 'PTR');
      return [];
    }
    const ttl = this.opts.ttl;
    const ns = this.opts.namespaces;
    // A ClusterIP first (only the first Service that owns it), then endpoint addresses (reverse.go serviceRecordForIP).
    for (const svc of this.index.servicesByClusterIP.get(ip) ?? []) {
      if (ns.length > 0 && !ns.includes(svc.namespace.toLowerCase())) continue;
      return [record(qname, ttl, { type: 'PTR', target: `${svc.name}.${svc.namespace}.svc.${this.primaryZone}` }, describeService(svc))];
    }
    const out: DnsRecord[] = [];
    for (const { service, address } of this.index.endpointsByIP.get(ip) ?? []) {
      if (ns.length > 0 && !ns.includes(service.namespace.toLowerCase())) continue;
      out.push(record(qname, ttl, { type: 'PTR', target: `${this.endpointHostname(address)}.${service.name}.${service.namespace}.svc.${this.primaryZone}` }, `endpoint ${address.ip} of Service ${service.namespace}/${service.name} (EndpointSlice ${address.slice})`));
    }
    if (out.length === 0) throw new NameError(`no Service ClusterIP or ready endpoint has the address ${ip}`);
    return out;
  }

  private nsRecords(zone: string): { records: DnsRecord[]; extra: DnsRecord[] } {
    const records: DnsRecord[] = [];
    const extra: DnsRecord[] = [];
    for (const a of this.nsAddrs(zone)) {
      records.push(record(zone, this.opts.ttl, { type: 'NS', target: a.name }, a.from));
      extra.push(record(a.name, this.opts.ttl, { type: isIPv4(a.ip) ? 'A' : 'AAAA', address: a.ip }, a.from));
    }
    return { records: dedup(records), extra };
  }

  /** ns.go nsAddrs: the Services fronting CoreDNS's own pods, else ns.dns.<zone> with the pod's IP. */
  nsAddrs(zone: string): { name: string; ip: string; from: string }[] {
    const out: { name: string; ip: string; from: string }[] = [];
    for (const svc of this.index.dnsServices) {
      for (const ip of svc.clusterIPs) out.push({ name: `${svc.name}.${svc.namespace}.svc.${zone}`, ip, from: describeService(svc) });
      // A headless Service fronting CoreDNS: one NS per CoreDNS endpoint, named as its headless record.
      if (svc.headless) {
        for (const a of this.index.endpoints.get(serviceKey(svc.namespace, svc.name)) ?? []) {
          if (this.index.dnsPodIPs.includes(a.ip)) out.push({ name: `${this.endpointHostname(a)}.${svc.name}.${svc.namespace}.svc.${zone}`, ip: a.ip, from: `endpoint ${a.ip} of ${describeService(svc)}` });
        }
      }
    }
    if (out.length === 0) out.push({ name: `ns.dns.${zone}`, ip: this.index.dnsPodIPs[0] ?? '127.0.0.1', from: 'the CoreDNS pod itself' });
    return out;
  }

  endpointHostname(a: EndpointAddress): string {
    if (a.hostname) return a.hostname;
    if (this.opts.endpointPodNames && a.targetRefName && a.targetRefName.length < 64) return a.targetRefName;
    return dashedIP(a.ip);
  }

  private namespaceExposed(ns: string): boolean {
    const allowed = this.opts.namespaces;
    if (allowed.length > 0 && !allowed.includes(ns)) return false;
    return this.index.namespaces.has(ns);
  }

  /**
   * Services() + Records(): the backend entries for a name, or a NameError (NXDOMAIN). An empty list is NODATA.
   */
  private services(qname: string, zone: string, qtype: string): Entry[] {
    const rel = trimZone(qname, zone).map((l) => l.toLowerCase());
    // dns.<zone> and ns.dns.<zone> carry the DNS server's own addresses (isDefaultNS).
    if ((rel.length === 1 && rel[0] === 'dns') || (rel.length === 2 && rel[0] === 'ns' && rel[1] === 'dns')) {
      return this.nsAddrs(zone).filter((a) => (qtype === 'A' && isIPv4(a.ip)) || (qtype === 'AAAA' && !isIPv4(a.ip))).map((a) => ({ host: a.ip, port: 0, key: canonical(qname), from: a.from }));
    }
    // parse.go parseRequest: from the right, svc|pod, namespace, service, then endpoint or _port._proto.
    if (rel.length === 0) return [];
    const podOrSvc = rel[rel.length - 1];
    if (podOrSvc !== 'svc' && podOrSvc !== 'pod') throw new NameError(`"${podOrSvc}" is neither svc nor pod: not a name of the cluster zone ${zone}`);
    if (rel.length > 5) throw new NameError(`too many labels for a ${podOrSvc} name`);
    if (isReverse(qname) > 0) throw new NameError(NO_ITEMS);
    if (rel.length === 1) return [];
    const namespace = rel[rel.length - 2];
    if (!this.namespaceExposed(namespace)) throw new NameError(this.index.namespaces.has(namespace) ? `namespace ${namespace} is not exposed by the namespaces option` : `namespace "${namespace}" does not exist`);
    const service = rel.length >= 3 ? rel[rel.length - 3] : '';
    let endpoint = '';
    let port = '';
    let protocol = '';
    if (rel.length === 4) endpoint = rel[0];
    if (rel.length === 5) { port = stripUnderscore(rel[0]); protocol = stripUnderscore(rel[1]); }
    if (podOrSvc === 'pod') {
      // Like CoreDNS, labels left of <a-b-c-d> are parsed (as endpoint or port) but not checked for pod names.
      return this.findPods(namespace, service, zone);
    }
    if (service === '') return [];
    return this.findServices(namespace, service, endpoint, port, protocol, zone);
  }

  private findPods(namespace: string, podname: string, zone: string): Entry[] {
    if (this.opts.pods === 'disabled') throw new NameError('pod records are disabled (kubernetes plugin option pods disabled, the default)');
    if (podname === '') return [];
    const ip = podname.split('-').length === 4 && !podname.includes('--') ? podname.replaceAll('-', '.') : podname.replaceAll('-', ':');
    const parsed = parseIPText(ip);
    const key = `${podname}.${namespace}.pod.${zone}`;
    if (this.opts.pods === 'insecure') {
      if (!parsed) throw new NameError(`"${podname}" is not an IP address written with dashes`);
      return [{ host: parsed, port: 0, key, from: `pods insecure: the address written in the name (no pod is checked)` }];
    }
    const found = (this.index.podsByIP.get(parsed ?? ip) ?? []).filter((p) => p.namespace.toLowerCase() === namespace);
    if (found.length === 0) throw new NameError(`pods verified: no pod in namespace ${namespace} has the IP ${parsed ?? ip}`);
    return found.map((p) => ({ host: p.ip, port: 0, key, from: `Pod ${p.namespace}/${p.name} (pods verified)` }));
  }

  private findServices(namespace: string, service: string, endpoint: string, port: string, protocol: string, zone: string): Entry[] {
    const svc = this.index.services.get(serviceKey(namespace, service));
    if (!svc) throw new NameError(`no Service "${service}" in namespace ${namespace}`);
    const base = `${svc.name}.${svc.namespace}`.toLowerCase() + `.svc.${zone}`;
    const portMatches = (p: { name: string; protocol: string }) => (port === '' || port === p.name.toLowerCase()) && (protocol === '' || protocol === p.protocol.toLowerCase());
    const endpoints = this.opts.noEndpoints ? [] : this.index.endpoints.get(serviceKey(svc.namespace, svc.name)) ?? [];
    if (this.opts.ignoreEmptyService && svc.type !== 'ExternalName' && !svc.headless && endpoints.length === 0) {
      throw new NameError(`Service ${svc.namespace}/${svc.name} has no ready endpoints (ignore empty_service)`);
    }
    if (svc.type === 'ExternalName') {
      if (endpoint || port || protocol) throw new NameError(`ExternalName Service ${svc.namespace}/${svc.name} has no names below it`);
      if (!svc.externalName || parseIPText(svc.externalName)) throw new NameError(`ExternalName Service ${svc.namespace}/${svc.name}: externalName ${JSON.stringify(svc.externalName ?? '')} is an IP address or empty, so CoreDNS serves no CNAME`);
      return [{ host: svc.externalName, port: 0, key: base, from: describeService(svc) }];
    }
    const out: Entry[] = [];
    if (svc.headless || endpoint) {
      for (const a of endpoints) {
        const host = this.endpointHostname(a);
        if (endpoint && endpoint !== host.toLowerCase()) continue;
        for (const p of a.ports) {
          if (!portMatches(p)) continue;
          out.push({ host: a.ip, port: p.port, key: `${host}.${base}`, from: `endpoint ${a.ip}${a.targetRefName ? ` (Pod ${svc.namespace}/${a.targetRefName})` : ''} of ${describeService(svc)}` });
        }
      }
      if (out.length === 0) {
        const what = endpoint ? `no ready endpoint named "${endpoint}"` : 'no ready endpoints';
        throw new NameError(`${describeService(svc)} has ${what}${port ? ` with port _${port}._${protocol}` : ''}`);
      }
      return out;
    }
    for (const p of svc.ports) {
      if (!portMatches(p)) continue;
      for (const ip of svc.clusterIPs) out.push({ host: ip, port: p.port, key: base, from: describeService(svc) });
    }
    if (out.length === 0) throw new NameError(port ? `${describeService(svc)} has no port named "${port}" with protocol ${protocol.toUpperCase()}` : `${describeService(svc)} has no ports`);
    return out;
  }
}

export function describeService(svc: ServiceInfo): string {
  const kind = svc.type === 'ExternalName' ? 'ExternalName' : svc.headless ? 'headless' : svc.type;
  return `Service ${svc.namespace}/${svc.name} (${kind})`;
}

function stripUnderscore(s: string): string {
  return s.startsWith('_') ? s.slice(1) : s;
}

function keyDomain(key: string): string {
  return key.endsWith('.') ? key : `${key}.`;
}

function canonicalTarget(host: string): string {
  return host.endsWith('.') ? host : `${host}.`;
}
