// nslookup as BIND 9.18 prints it (bin/dig/nslookup.c; the bind-tools of netshoot-like debug images): `nslookup
// [-type=T] [-port=N] NAME [SERVER]`, A and AAAA for a name, PTR for an address, the search list from resolv.conf.
import { isIP } from 'node:net';
import type { DnsRecord } from '../../../dns/index.js';
import { nameserverOf, toolResult, type ExecContext, type ExecResult } from './common.js';
import { bindLookup, reverseName, type BindOutcome } from './dns-lookup.js';

const TYPES = ['A', 'AAAA', 'CNAME', 'PTR', 'NS', 'SRV', 'TXT', 'SOA', 'MX', 'ANY'];
const TRIES = 3;

export async function nslookup(ctx: ExecContext, pod: string, args: string[]): Promise<ExecResult> {
  let type: string | undefined;
  let port = 53;
  const rest: string[] = [];
  // BIND warns about an option it does not know and goes on.
  let warnings = '';
  for (const a of args.slice(0, 64)) {
    const m = a.match(/^-([a-z]+)(?:=(.*))?$/i);
    if (!m) { rest.push(a); continue; }
    const [, opt, value] = m;
    const o = opt.toLowerCase();
    if ((o === 'type' || o === 'query' || o === 'querytype' || o === 'q' || o === 't') && value) {
      if (!TYPES.includes(value.toUpperCase())) return toolResult(`${warnings}unknown query type: ${value}\n`, '', 1, '');
      type = value.toUpperCase();
    } else if (o === 'port' && value && /^\d+$/.test(value) && Number(value) <= 65535) port = Number(value);
    else if ((o === 'timeout' || o === 'retry') && value && /^\d+$/.test(value)) { /* the lab answers at once */ }
    else if (o === 'debug' || o === 'nodebug' || o === 'search' || o === 'nosearch' || o === 'recurse') { /* accepted, no effect on the lab's answer */ }
    else warnings += `*** Invalid option: ${opt}${value !== undefined ? `=${value}` : ''}\n`;
  }
  const [name, serverArg] = rest;
  if (!name) return toolResult('', 'Usage: nslookup [-type=TYPE] [-port=N] NAME [SERVER]\n(the podnet lab runs nslookup with a name; it has no interactive mode)\n', 1, '');
  const server = serverArg ?? nameserverOf(ctx, pod);
  const reverse = isIP(name) !== 0 && (type === undefined || type === 'PTR');
  const qname = reverse ? reverseName(name) : name;
  const types = reverse ? ['PTR'] : type ? [type] : ['A', 'AAAA'];
  const header = `Server:\t\t${server}\nAddress:\t${server}#${port}\n\n`;
  const results: BindOutcome[] = [];
  for (const t of types) {
    const r = bindLookup(ctx, pod, { server, port, name: qname, type: t, search: !reverse });
    results.push(r);
    if (r.kind === 'no-reply') break;
  }
  const explain = results.map((r) => r.explain).join('') + results.flatMap((r, i) => (r.kind === 'answer' ? [`search walk for ${types[i]} (${r.stop}):\n${r.tried.map((n) => `  ${n}`).join('\n')}\n`] : [])).join('');
  const first = results[0];
  const dns = first.kind === 'answer' ? { dns: { tried: first.tried, rcode: first.answer.rcode, stop: first.stop } } : {};
  const noReply = results.find((r) => r.kind === 'no-reply');
  if (noReply && noReply.kind === 'no-reply') {
    const lines = Array(TRIES).fill(`;; communications error to ${server}#${port}: ${noReply.how}\n`).join('');
    return toolResult(`${warnings}${lines};; no servers could be reached\n\n`, '', 1, explain, { trace: noReply.trace, ...dns });
  }
  const answered = results.filter((r): r is Extract<BindOutcome, { kind: 'answer' }> => r.kind === 'answer');
  const failed = answered.find((r) => r.answer.rcode !== 'NOERROR');
  let out = warnings;
  if (failed) {
    const shown = failed.answer.rcode === 'NXDOMAIN' && !reverse ? name : failed.answer.question.name.replace(/\.$/, '');
    if (failed.answer.rcode === 'SERVFAIL') out += `;; Got SERVFAIL reply from ${server}\n`;
    out += `${reverse ? '' : header}** server can't find ${shown}: ${failed.answer.rcode}\n\n`;
    return toolResult(out, '', 1, explain, { trace: failed.trace, ...dns });
  }
  const records = answered.flatMap((r) => r.answer.answers);
  if (!reverse) out += header;
  if (records.length === 0) out += `*** Can't find ${name}: No answer\n`;
  if (answered.some((r) => !r.answer.authoritative) && records.length) out += 'Non-authoritative answer:\n';
  for (const r of records) out += recordText(r);
  return toolResult(out + '\n', '', 0, explain, { trace: answered.at(-1)!.trace, ...dns });
}

function recordText(r: DnsRecord): string {
  const owner = r.name.replace(/\.$/, '');
  const d = r.rdata;
  switch (d.type) {
    case 'A': case 'AAAA': return `Name:\t${owner}\nAddress: ${d.address}\n`;
    case 'CNAME': return `${owner}\tcanonical name = ${d.target}\n`;
    case 'PTR': return `${owner}\tname = ${d.target}\n`;
    case 'NS': return `${owner}\tnameserver = ${d.target}\n`;
    case 'SRV': return `${owner}\tservice = ${d.priority} ${d.weight} ${d.port} ${d.target}\n`;
    case 'TXT': return `${owner}\ttext = ${r.data}\n`;
    case 'SOA': return `${owner}\n\torigin = ${d.mname.replace(/\.$/, '')}\n\tmail addr = ${d.rname.replace(/\.$/, '')}\n\tserial = ${d.serial}\n\trefresh = ${d.refresh}\n\tretry = ${d.retry}\n\texpire = ${d.expire}\n\tminimum = ${d.minimum}\n`;
  }
}
