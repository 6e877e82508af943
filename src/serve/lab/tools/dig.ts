// dig as BIND 9.18 prints it (bin/dig/dig.c, the masterfile style of lib/dns/masterdump.c): `dig [@server] [-p port]
// [-t type] [-x addr] [name] [type] [+short] [+search] [+[no]all +[no]answer …]`. Without +search dig sends the name as
// typed (absolute), as the real one does in a pod: `dig backend` asks for `backend.`, not the search list. Several
// names are several queries, answered in turn.
import { isIP } from 'node:net';
import dnsPacket from 'dns-packet';
import type { DnsRecord } from '../../../dns/index.js';
import { encodeReply, errorReply, RCODES, toWireRecord } from '../../dns-wire.js';
import { clockOf, nameserverOf, seedOf, toolResult, type ExecContext, type ExecResult } from './common.js';
import { absolute, bindLookup, reverseName } from './dns-lookup.js';

export const DIG_VERSION = '9.18.28';
const TYPES = new Set(['A', 'AAAA', 'CNAME', 'PTR', 'NS', 'SRV', 'TXT', 'SOA', 'MX', 'ANY', 'CAA', 'HINFO']);
const SECTIONS = ['cmd', 'comments', 'question', 'answer', 'authority', 'additional', 'stats'] as const;
type Section = (typeof SECTIONS)[number];

const USAGE = 'Usage:  dig [@global-server] [domain] [q-type] [q-class] {q-opt}\n            {global-d-opt} host [@local-server] {local-d-opt}\n            [ host [@local-server] {local-d-opt} [...]]\n\nUse "dig -h" (or "dig -h | more") for complete list of options\n';

interface DigArgs { server?: string; port: number; name?: string; type?: string; reverse?: string; short: boolean; search: boolean; tcp: boolean; tries: number; show: Record<Section, boolean>; warnings: string[] }

function parseDig(args: readonly string[]): DigArgs | { usage: string } {
  const d: DigArgs = { port: 53, short: false, search: false, tcp: false, tries: 3, show: Object.fromEntries(SECTIONS.map((s) => [s, true])) as Record<Section, boolean>, warnings: [] };
  const words = args.slice(0, 64);
  for (let i = 0; i < words.length; i++) {
    const a = words[i];
    const next = () => words[++i];
    if (a.startsWith('@')) { d.server = a.slice(1); continue; }
    if (a.startsWith('+')) {
      const m = a.slice(1).toLowerCase().match(/^(no)?([a-z]+)(?:=(.*))?$/);
      if (!m) return { usage: `Invalid option: ${a}\n${USAGE}` };
      const [, no, opt, value] = m;
      const on = !no;
      if (opt === 'short') { d.short = on; if (on) for (const s of SECTIONS) d.show[s] = false; d.show.answer = true; }
      else if (opt === 'search') d.search = on;
      else if (opt === 'tcp' || opt === 'vc') d.tcp = on;
      else if (opt === 'all') for (const s of SECTIONS) d.show[s] = on;
      else if ((SECTIONS as readonly string[]).includes(opt)) d.show[opt as Section] = on;
      else if ((opt === 'tries' || opt === 'retry') && value && /^\d+$/.test(value)) d.tries = Math.max(1, Number(value) + (opt === 'retry' ? 1 : 0));
      else if ((opt === 'time' || opt === 'timeout') && value && /^\d+$/.test(value)) { /* the lab answers at once */ }
      else if (opt === 'recurse' || opt === 'edns' || opt === 'cookie' || opt === 'ttlid' || opt === 'class') { /* accepted, no effect on the lab's answer */ }
      else return { usage: `Invalid option: ${a}\n${USAGE}` };
      continue;
    }
    if (a === '-p') { const p = next(); if (!p || !/^\d+$/.test(p) || Number(p) > 65535) return { usage: `invalid port number: ${p ?? ''}\n` }; d.port = Number(p); continue; }
    if (a === '-t') { const t = next(); if (!t) return { usage: USAGE }; if (TYPES.has(t.toUpperCase())) d.type = t.toUpperCase(); else d.warnings.push(`;; Warning, ignoring invalid type ${t}\n`); continue; }
    if (a === '-x') { const x = next(); if (!x || isIP(x) === 0) return { usage: `Invalid IP address ${x ?? ''}\n` }; d.reverse = x; continue; }
    if (a === '-4' || a === '-6') continue;
    if (a.startsWith('-')) return { usage: `Invalid option: ${a}\n${USAGE}` };
    if (d.name !== undefined && TYPES.has(a.toUpperCase())) { d.type = a.toUpperCase(); continue; }
    if (d.name === undefined) { d.name = a; continue; }
    if (a.toUpperCase() === 'IN') continue;
    return { usage: `the podnet lab's dig takes one name per query (got ${d.name} and ${a})\n` };
  }
  return d;
}

/** masterdump.c's columns: owner, then TTL at 24, class at 32, type at 40, RDATA at 48; tabs to reach, one space past. */
export function digLine(fields: { name: string; ttl?: number; type: string; data?: string }): string {
  let line = fields.name;
  let col = line.length;
  const cols: [number, string | undefined][] = [[24, fields.ttl !== undefined ? String(fields.ttl) : undefined], [32, 'IN'], [40, fields.type], [48, fields.data]];
  for (const [target, text] of cols) {
    if (text === undefined) continue;
    if (col >= target) { line += ' '; col++; } else while (col < target) { line += '\t'; col = (Math.floor(col / 8) + 1) * 8; }
    line += text;
    col += text.length;
  }
  return line;
}

function recordLine(r: DnsRecord): string {
  return digLine({ name: r.name, ttl: r.ttl, type: r.type, data: r.data });
}

function when(ms: number): string {
  const d = new Date(ms);
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()];
  const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${day} ${mon} ${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

/**
 * Several queries in one command line (`dig +search web A db A`), as dig.c takes them: the options before the first
 * name apply to every query; each further name starts a query of its own. Answered one after another, each printed
 * in full; the exit status is the worst.
 */
export async function dig(ctx: ExecContext, pod: string, args: string[]): Promise<ExecResult> {
  const groups = queriesOf(args);
  if (groups.length <= 1) return digOne(ctx, pod, args, args);
  const results: ExecResult[] = [];
  for (const g of groups) results.push(await digOne(ctx, pod, g, args));
  const last = results[results.length - 1];
  return { ...last, stdout: results.map((r) => r.stdout).join(''), stderr: results.map((r) => r.stderr).join(''), exitCode: Math.max(...results.map((r) => r.exitCode)), explanation: results.map((r) => r.explanation ?? '').join('') || undefined };
}

/** The argument lists of each query: global options, then one name with its type, class and own options. */
function queriesOf(args: readonly string[]): string[][] {
  const global: string[] = [];
  const queries: string[][] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const takesValue = a === '-p' || a === '-t' || a === '-x';
    const cur = queries[queries.length - 1];
    const positional = !a.startsWith('+') && !a.startsWith('@') && !a.startsWith('-');
    const named = cur?.some((w, k) => !w.startsWith('+') && !w.startsWith('@') && !w.startsWith('-') && !(k > 0 && ['-p', '-t', '-x'].includes(cur[k - 1])));
    if (positional && (!cur || (named && !TYPES.has(a.toUpperCase()) && a.toUpperCase() !== 'IN'))) queries.push([...global, a]);
    else if (cur) cur.push(a, ...(takesValue && i + 1 < args.length ? [args[++i]] : []));
    else global.push(a, ...(takesValue && i + 1 < args.length ? [args[++i]] : []));
  }
  return queries.length ? queries : [global];
}

async function digOne(ctx: ExecContext, pod: string, args: string[], shown: string[]): Promise<ExecResult> {
  const parsed = parseDig(args);
  if ('usage' in parsed) return toolResult('', parsed.usage, 1, '');
  const d = parsed;
  const server = d.server ?? nameserverOf(ctx, pod);
  const qname = d.reverse ? reverseName(d.reverse) : absolute(d.name ?? '.');
  const type = d.type ?? (d.reverse ? 'PTR' : d.name === undefined ? 'NS' : 'A');
  const clock = clockOf(ctx);
  const t0 = clock();
  const r = bindLookup(ctx, pod, { server, port: d.port, name: d.reverse ? qname : d.name ?? '.', type, search: d.search && !d.reverse });
  const elapsed = Math.round(clock() - t0);
  const banner = `\n; <<>> DiG ${DIG_VERSION} <<>> ${shown.join(' ')}\n${d.server ? '; (1 server found)\n' : ''};; global options: +cmd\n`;
  const warn = d.warnings.join('');
  if (r.kind === 'no-reply') {
    const errors = Array(d.tries).fill(`;; communications error to ${server}#${d.port}: ${r.how}\n`).join('');
    return toolResult(errors + (d.short || !d.show.cmd ? '' : banner) + ';; no servers could be reached\n', warn, 9, r.explain, { trace: r.trace });
  }
  const a = r.answer;
  const dns = { dns: { tried: r.tried, rcode: a.rcode, stop: r.stop } };
  if (d.short) return toolResult(a.answers.map((x) => `${x.data}\n`).join(''), warn, 0, r.explain, { trace: r.trace, ...dns });
  const asked = a.question.name;
  const id = seedOf(ctx) & 0xffff;
  const query = { type: 'query' as const, id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: type as 'A', class: 'IN' as const, name: asked.replace(/\.$/, '') || '.' }], additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, flags: 0 } as unknown as dnsPacket.Answer] };
  const decoded = dnsPacket.decode(dnsPacket.encode(query));
  const rcode = RCODES[a.rcode] ?? RCODES.SERVFAIL;
  const servfail = a.rcode === 'SERVFAIL';
  const wire = servfail ? errorReply(id, 0, true, rcode, decoded.questions) : encodeReply(decoded, { rcode, authoritative: a.authoritative, answers: a.answers.map(toWireRecord), authorities: a.authority.map(toWireRecord), additionals: a.additional.map(toWireRecord) }, d.tcp ? 65535 : 1232);
  const counts = { answer: a.answers.length, authority: a.authority.length, additional: a.additional.length + (servfail ? 0 : 1) };
  let out = d.show.cmd ? banner : '';
  if (d.show.comments) {
    out += ';; Got answer:\n';
    if (/\.local\.$/i.test(asked)) out += ';; WARNING: .local is reserved for Multicast DNS\n;; You are currently testing what happens when an mDNS query is leaked to DNS\n';
    out += `;; ->>HEADER<<- opcode: QUERY, status: ${a.rcode}, id: ${id}\n`;
    out += `;; flags: qr${a.authoritative && !servfail ? ' aa' : ''} rd; QUERY: 1, ANSWER: ${counts.answer}, AUTHORITY: ${counts.authority}, ADDITIONAL: ${counts.additional}\n;; WARNING: recursion requested but not available\n\n`;
    if (!servfail) out += ';; OPT PSEUDOSECTION:\n; EDNS: version: 0, flags:; udp: 1232\n';
  }
  if (d.show.question) out += `${d.show.comments ? ';; QUESTION SECTION:\n' : ''}${digLine({ name: `;${asked}`, type })}\n${d.show.comments ? '\n' : ''}`;
  const section = (key: Section, title: string, records: DnsRecord[]) => {
    if (!d.show[key] || records.length === 0) return;
    out += `${d.show.comments ? `;; ${title} SECTION:\n` : ''}${records.map(recordLine).join('\n')}\n${d.show.comments ? '\n' : ''}`;
  };
  section('answer', 'ANSWER', a.answers);
  section('authority', 'AUTHORITY', a.authority);
  section('additional', 'ADDITIONAL', a.additional);
  if (d.show.stats) out += `;; Query time: ${elapsed} msec\n;; SERVER: ${server}#${d.port}(${server}) (${d.tcp ? 'TCP' : 'UDP'})\n;; WHEN: ${when((ctx.wallClock ?? Date.now)())}\n;; MSG SIZE  rcvd: ${wire.length}\n\n`;
  return toolResult(out, warn, 0, r.explain, { trace: r.trace, ...dns });
}
