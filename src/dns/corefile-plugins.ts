// Meaning for the Corefile's server blocks: which zones and port each serves, and the plugins podnet models
// (kubernetes, forward, hosts, rewrite name, cache) with their options. Plugins that do not change answers (errors,
// health, ready, prometheus, loop, reload, log, ...) are accepted; anything else is reported, never silently ignored.
import type { Diagnostic } from '../api/diagnostics.js';
import { parseSelectorString } from '../api/labels.js';
import type { SourceRef } from '../api/types.js';
import { DnsCodes } from './codes.js';
import type { Directive, ServerBlockSyntax } from './corefile.js';
import { DEFAULT_KUBERNETES_OPTIONS, type KubernetesOptions, type PodsMode } from './kubernetes.js';
import { DEFAULT_EXTERNAL, type ExternalConfig } from './k8s-external.js';
import { canonical, parseIPText, reverseName } from './names.js';
import type { TransferConfig } from './transfer.js';

export interface ForwardConfig { from: string; to: string[]; except: string[]; policy: string; line: number }
export interface HostsConfig { origins: string[]; entries: { ip: string; names: string[] }[]; ttl: number; fallthrough?: string[]; noReverse: boolean; file: string }
/** `rewrite name`: answers are renamed back for exact rules always, for the others only with `answer auto`. */
export interface RewriteRule { stop: boolean; match: 'exact' | 'prefix' | 'suffix' | 'substring' | 'regex'; from: string; to: string; answerAuto: boolean; line: number }
export interface CacheConfig { ttl: number; minTtl: number; denialTtl: number; denialMinTtl: number; zones: string[] }

export interface ServerBlock {
  /** As written (`.:53`, `example.local:53`). */
  key: string;
  zones: string[];
  port: number;
  line: number;
  kubernetes?: KubernetesOptions & { labels?: ReturnType<typeof parseSelectorString>; namespaceLabels?: ReturnType<typeof parseSelectorString> };
  forward?: ForwardConfig;
  hosts?: HostsConfig;
  rewrites: RewriteRule[];
  cache?: CacheConfig;
  /** `k8s_external`: Services' external addresses under their own zones. */
  external?: ExternalConfig;
  /** `transfer`: AXFR/IXFR of the kubernetes zones to the listed clients. */
  transfer?: TransferConfig;
  loadbalance: boolean;
  /** `autopath @kubernetes`: the server walks the client pod's search path itself. */
  autopath: boolean;
  autopathLine?: number;
  /** Plugins present that podnet accepts but that do not change answers. */
  passive: string[];
}

const PASSIVE = new Set(['errors', 'health', 'ready', 'prometheus', 'loop', 'reload', 'log', 'debug', 'bind', 'cancel', 'timeouts', 'bufsize', 'nsid', 'pprof', 'trace', 'metadata', 'local', 'root']);

export function compileServerBlocks(blocks: readonly ServerBlockSyntax[], where: SourceRef, diags: Diagnostic[]): ServerBlock[] {
  const out: ServerBlock[] = [];
  const at = (line: number): SourceRef => ({ file: where.file, line: where.line + line - 1 });
  for (const b of blocks) {
    for (const key of b.keys) {
      const parsed = parseServerKey(key);
      if (!parsed) { diags.push({ code: DnsCodes.pluginArgument, level: 'error', source: at(b.line), message: `Corefile:${b.line}: server block key "${key}" is not a zone[:port]` }); continue; }
      const sb: ServerBlock = { key, zones: [parsed.zone], port: parsed.port, line: b.line, rewrites: [], loadbalance: false, autopath: false, passive: [] };
      for (const d of b.directives) compileDirective(sb, d, at, diags);
      out.push(sb);
    }
  }
  return out;
}

function parseServerKey(key: string): { zone: string; port: number } | undefined {
  let k = key.replace(/^dns:\/\//, '');
  let port = 53;
  const m = k.match(/^(.*):(\d+)$/);
  if (m) { k = m[1]; port = Number(m[2]); }
  if (/^[a-z]+:\/\//i.test(k)) return undefined;
  if (k.includes('/')) {
    // A CIDR key (10.0.0.0/24) stands for its reverse zone; only octet (IPv4) and nibble (IPv6) boundaries are modelled.
    const [ip, bits] = k.split('/');
    const addr = parseIPText(ip);
    if (!addr || !/^\d+$/.test(bits)) return undefined;
    const v6 = addr.includes(':');
    const keep = Number(bits) / (v6 ? 4 : 8);
    if (!Number.isInteger(keep)) return undefined;
    const full = reverseName(addr).split('.').slice(0, v6 ? 32 : 4).reverse();
    return { zone: canonical([...full.slice(0, keep).reverse(), v6 ? 'ip6' : 'in-addr', 'arpa'].join('.')), port };
  }
  return { zone: canonical(k || '.'), port };
}

function compileDirective(sb: ServerBlock, d: Directive, at: (line: number) => SourceRef, diags: Diagnostic[]): void {
  const warn = (message: string, code: string = DnsCodes.optionNotModelled) => diags.push({ code, level: 'warning', source: at(d.line), message: `Corefile:${d.line}: ${message}` });
  const error = (message: string, line = d.line) => diags.push({ code: DnsCodes.pluginArgument, level: 'error', source: at(line), message: `Corefile:${line}: ${message}` });
  switch (d.name) {
    case 'kubernetes': {
      const zones = d.args.length > 0 ? d.args.map(zoneArg) : sb.zones;
      const k: NonNullable<ServerBlock['kubernetes']> = { ...DEFAULT_KUBERNETES_OPTIONS, zones: zones.filter((z) => sb.zones.some((s) => isUnder(z, s))) };
      if (k.zones.length === 0) { error(`kubernetes zones ${zones.join(' ')} are not inside the server block's zones ${sb.zones.join(' ')}`); return; }
      for (const o of d.block) {
        switch (o.name) {
          case 'pods':
            if (!['disabled', 'insecure', 'verified'].includes(o.args[0])) error(`pods: "${o.args[0] ?? ''}" must be disabled, insecure or verified`, o.line);
            else k.pods = o.args[0] as PodsMode;
            break;
          case 'ttl': {
            const n = Number(o.args[0]);
            if (!/^\d+$/.test(o.args[0] ?? '') || n > 3600) error(`ttl: "${o.args[0] ?? ''}" must be a number of seconds from 0 to 3600`, o.line);
            else k.ttl = n;
            break;
          }
          case 'fallthrough': k.fallthrough = o.args.map(zoneArg); break;
          case 'endpoint_pod_names': k.endpointPodNames = true; break;
          case 'namespaces': k.namespaces = o.args.map((a) => a.toLowerCase()); break;
          case 'ignore':
            if (o.args[0] === 'empty_service') k.ignoreEmptyService = true;
            else error(`ignore: "${o.args[0] ?? ''}" is not an option (only empty_service)`, o.line);
            break;
          case 'noendpoints': k.noEndpoints = true; break;
          case 'labels': k.labels = tryParseSelector(o.args.join(' '), () => error(`labels: "${o.args.join(' ')}" is not a label selector`, o.line)); break;
          case 'namespace_labels': k.namespaceLabels = tryParseSelector(o.args.join(' '), () => error(`namespace_labels: "${o.args.join(' ')}" is not a label selector`, o.line)); break;
          case 'multicluster': case 'zonal':
            diags.push({ code: DnsCodes.optionNotModelled, level: 'warning', source: at(o.line), message: `Corefile:${o.line}: kubernetes option "${o.name}"${o.args.length ? ` ${o.args.join(' ')}` : ''} is parsed but not modelled (${o.name === 'multicluster' ? 'multi-cluster Services (MCS ServiceImport) zones' : 'zone.pin / zone.prefer topology names'}); answers are computed without it` });
            break;
          case 'endpoint': case 'tls': case 'kubeconfig': case 'startup_timeout': case 'apiserver_qps': case 'apiserver_burst': case 'apiserver_max_inflight':
            break; // how CoreDNS reaches the API server: podnet has the objects already.
          default:
            diags.push({ code: DnsCodes.optionNotModelled, level: 'warning', source: at(o.line), message: `Corefile:${o.line}: kubernetes option "${o.name}" is not modelled; answers are computed without it` });
        }
      }
      sb.kubernetes = k;
      return;
    }
    case 'forward': {
      if (d.args.length < 2) { error('forward needs FROM and at least one TO'); return; }
      const f: ForwardConfig = { from: zoneArg(d.args[0]), to: d.args.slice(1), except: [], policy: 'random', line: d.line };
      if (f.to.length > 15) error('forward accepts at most 15 upstreams');
      for (const o of d.block) {
        if (o.name === 'except') f.except = o.args.map(zoneArg);
        else if (o.name === 'policy') f.policy = o.args[0] ?? 'random';
        else if (!['max_concurrent', 'max_fails', 'expire', 'health_check', 'force_tcp', 'prefer_udp', 'tls', 'tls_servername', 'next', 'failfast_all_unhealthy_upstreams', 'max_idle_conns'].includes(o.name)) {
          diags.push({ code: DnsCodes.optionNotModelled, level: 'warning', source: at(o.line), message: `Corefile:${o.line}: forward option "${o.name}" is not modelled` });
        }
      }
      sb.forward = f;
      return;
    }
    case 'hosts': {
      const args = [...d.args];
      const file = args[0]?.startsWith('/') ? args.shift()! : '/etc/hosts';
      const h: HostsConfig = { origins: args.length ? args.map(zoneArg) : sb.zones, entries: [], ttl: 3600, noReverse: false, file };
      for (const o of d.block) {
        if (o.name === 'ttl') h.ttl = Number(o.args[0]) || 3600;
        else if (o.name === 'fallthrough') h.fallthrough = o.args.map(zoneArg);
        else if (o.name === 'no_reverse') h.noReverse = true;
        else if (o.name === 'reload') continue;
        else if (parseIPText(o.name)) h.entries.push({ ip: parseIPText(o.name)!, names: o.args.map(canonical) });
        else error(`hosts: "${o.name}" is neither an option nor an IP address`, o.line);
      }
      if (file !== '/etc/hosts' || d.block.length === 0) warn(`hosts reads ${file} on the CoreDNS pod's node, which podnet does not have; only inline entries are served`);
      sb.hosts = h;
      return;
    }
    case 'rewrite': {
      const args = [...d.args];
      let stop = true;
      if (args[0] === 'stop' || args[0] === 'continue') stop = args.shift() === 'stop';
      if (args[0] !== 'name') { warn(`rewrite ${args[0] ?? ''} is not modelled (only "rewrite name"); the rule is ignored`, DnsCodes.pluginNotModelled); return; }
      args.shift();
      let match: RewriteRule['match'] = 'exact';
      if (['exact', 'prefix', 'suffix', 'substring', 'regex'].includes(args[0]) && args.length >= 3) match = args.shift() as RewriteRule['match'];
      if (args.length < 2) { error('rewrite name needs FROM and TO'); return; }
      const options = args.slice(2);
      const answerAuto = options.length === 2 && options[0] === 'answer' && options[1] === 'auto';
      if (options.length > 0 && !answerAuto) warn(`rewrite name options (${options.join(' ')}) are not modelled; only "answer auto" is`);
      const rule: RewriteRule = { stop, match, from: args[0], to: args[1], answerAuto: answerAuto || match === 'exact', line: d.line };
      if (match === 'exact' || match === 'suffix') { rule.from = match === 'exact' ? canonical(rule.from) : rule.from.toLowerCase(); rule.to = match === 'exact' ? canonical(rule.to) : rule.to.toLowerCase(); }
      if (match === 'regex') {
        try { new RegExp(rule.from); } catch { error(`rewrite name regex "${rule.from}" does not compile`); return; }
      }
      sb.rewrites.push(rule);
      return;
    }
    case 'cache': {
      const args = [...d.args];
      const c: CacheConfig = { ttl: 3600, minTtl: 5, denialTtl: 1800, denialMinTtl: 5, zones: sb.zones };
      if (args[0] && /^\d+$/.test(args[0])) { const t = Number(args.shift()); c.ttl = t; c.denialTtl = Math.min(t, 1800); }
      if (args.length) c.zones = args.map(zoneArg);
      for (const o of d.block) {
        if ((o.name === 'success' || o.name === 'denial') && o.args[1] !== undefined) {
          const ttl = Number(o.args[1]);
          const min = o.args[2] !== undefined ? Number(o.args[2]) : undefined;
          if (o.name === 'success') { c.ttl = ttl; if (min !== undefined) c.minTtl = min; } else { c.denialTtl = ttl; if (min !== undefined) c.denialMinTtl = min; }
        }
      }
      sb.cache = c;
      return;
    }
    case 'k8s_external': {
      const e: ExternalConfig = { ...DEFAULT_EXTERNAL, zones: d.args.length ? d.args.map(zoneArg) : sb.zones, line: d.line };
      for (const o of d.block) {
        if (o.name === 'ttl') {
          const n = Number(o.args[0]);
          if (!/^\d+$/.test(o.args[0] ?? '') || n > 3600) error(`k8s_external ttl: "${o.args[0] ?? ''}" must be in range [0, 3600]`, o.line);
          else e.ttl = n;
        } else if (o.name === 'apex') {
          if (!o.args[0]) error('k8s_external apex needs a name', o.line);
          else e.apex = o.args[0].toLowerCase();
        } else if (o.name === 'headless') e.headless = true;
        else if (o.name === 'fallthrough') e.fallthrough = o.args.map(zoneArg);
        else error(`k8s_external: unknown property "${o.name}"`, o.line);
      }
      sb.external = e;
      return;
    }
    case 'transfer': {
      const t: TransferConfig = { zones: d.args.length ? d.args.map(zoneArg) : sb.zones, to: [], line: d.line };
      for (const o of d.block) {
        if (o.name === 'to') {
          if (o.args.length === 0) error('transfer to needs at least one address or *', o.line);
          for (const a of o.args) {
            if (a !== '*' && !parseIPText(a.replace(/^\[|\](:\d+)?$|:\d+$/g, ''))) error(`transfer to: "${a}" is not an IP address or *`, o.line);
            else t.to.push(a);
          }
        } else if (o.name === 'source') continue; // where NOTIFY is sent from: podnet sends none
        else error(`transfer: unknown property "${o.name}"`, o.line);
      }
      if (t.to.length === 0) warn('transfer without "to": no client may transfer the zone');
      sb.transfer = t;
      return;
    }
    case 'loadbalance': sb.loadbalance = true; sb.passive.push('loadbalance'); return;
    case 'autopath':
      if (d.args[0] !== '@kubernetes') { warn(`autopath ${d.args.join(' ')} is not modelled (only autopath @kubernetes)`, DnsCodes.pluginNotModelled); return; }
      sb.autopath = true;
      sb.autopathLine = d.line;
      return;
    default:
      if (PASSIVE.has(d.name)) { sb.passive.push(d.name); return; }
      warn(`plugin "${d.name}" is not modelled by podnet; answers are computed as if it were absent`, DnsCodes.pluginNotModelled);
  }
}

function tryParseSelector(text: string, onError: () => void) {
  try { return parseSelectorString(text); } catch { onError(); return undefined; }
}

function zoneArg(a: string): string {
  return canonical(a.replace(/^dns:\/\//, '').replace(/:\d+$/, '') || '.');
}

function isUnder(name: string, zone: string): boolean {
  return zone === '.' || name === zone || name.endsWith(`.${zone}`);
}
