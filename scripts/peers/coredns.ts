// `node dist/scripts/peers/coredns.js [-v] [CASE...]`: asks podnet's DNS model the questions of CoreDNS's
// plugin/kubernetes test tables (each suite's cluster and Corefile) and compares the replies as CoreDNS's
// plugin/test SortAndCheck does: rcode, answer and authority as multisets of (owner, type, rdata), owners
// case-sensitive, SOA on owner, type and MNAME only. TTLs and the additional section are counted apart. A
// measurement, not a test.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster } from '../../src/cluster/cluster.js';
import { compileDns } from '../../src/dns/index.js';
import type { DnsRecord } from '../../src/dns/index.js';
import { percent, suiteRun } from './external.js';

interface Rec { name: string; type: string; ttl: number; data: string }
interface Row { id: string; qname: string; qtype: string; rcode: string; answer: Rec[]; authority: Rec[]; additional: Rec[]; skip?: string }
interface Suite { manifests: string; corefile: string; notes?: string[]; cases: Row[] }
interface Data { suites: Suite[]; skipped: { test: string; count: number; kind: string; reason: string }[] }

const { dir, verbose, only } = suiteRun('coredns');
const data = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as Data;
// Tables translated beside the suite later (k8s_external/): the same row format, one more suite each.
for (const extra of ['k8s_external']) {
  const file = join(dir, extra, 'cases.json');
  if (existsSync(file)) data.suites.push(...(JSON.parse(readFileSync(file, 'utf8')) as Data).suites);
}

// A CNAME target is absolute on the wire; CoreDNS's in-memory tests sometimes write it without the dot (k8s_external
// copies a LoadBalancer hostname as is), so targets are compared absolute.
const key = (r: Rec | DnsRecord) => r.type === 'SOA' ? `${r.name} SOA ${r.data.split(' ')[0]}` : `${r.name} ${r.type} ${r.type === 'TXT' ? r.data.replace(/^"|"$/g, '') : r.type === 'CNAME' && !r.data.endsWith('.') ? `${r.data}.` : r.data}`;
const multiset = (l: readonly (Rec | DnsRecord)[]) => l.map(key).sort().join('\n');

let compared = 0, agree = 0, skippedRows = 0, ttlAgree = 0, additionalAgree = 0, transferRows = 0, kExternalRows = 0;
const misses = new Map<string, string[]>();
const miss = (reason: string, text: string) => { const l = misses.get(reason) ?? []; l.push(text); misses.set(reason, l); };
for (const s of data.suites) {
  const rows = s.cases.filter((c) => only.length === 0 || only.some((o) => c.id.includes(o)));
  if (rows.length === 0) continue;
  const cluster = Cluster.load({ paths: [join(dir, s.manifests)] });
  const dns = compileDns(cluster, { corefile: s.corefile, serial: 3 });
  for (const c of rows) {
    // The suite skips its zone-transfer row because podnet did not model `transfer`; it does now, so it is compared.
    const xfr = c.qtype === 'AXFR' || c.qtype === 'IXFR';
    if (c.skip && !xfr) { skippedRows++; miss(`skipped: ${c.skip}`, c.id); continue; }
    if (xfr) transferRows++;
    if (c.id.startsWith('k8s_external/')) kExternalRows++;
    compared++;
    const a = xfr ? dns.transfer(c.qname, c.qtype as 'AXFR' | 'IXFR', { transport: 'tcp', clientIP: '127.0.0.1' }) : dns.query(c.qname, c.qtype);
    if (xfr && (s.notes ?? []).some((n) => n.includes('kube-dns Service every cluster has'))) {
      // The suite's note: the fake API has no kube-dns Service, which the translation adds as every cluster has it;
      // its records in the transfer are not CoreDNS's expectation, and are left out of the comparison.
      a.answers = a.answers.filter((r) => !r.name.toLowerCase().endsWith('kube-dns.kube-system.svc.cluster.local.'));
    }
    const problems: string[] = [];
    if (a.rcode !== c.rcode) problems.push(`rcode ${a.rcode}, expected ${c.rcode}`);
    if (multiset(a.answers) !== multiset(c.answer)) problems.push(`answer [${a.answers.map(key).join('; ')}], expected [${c.answer.map(key).join('; ')}]`);
    if (multiset(a.authority) !== multiset(c.authority)) problems.push(`authority [${a.authority.map(key).join('; ')}], expected [${c.authority.map(key).join('; ')}]`);
    if (problems.length === 0) {
      agree++;
      const ttls = (l: readonly (Rec | DnsRecord)[]) => l.map((r) => `${key(r)} ${r.ttl}`).sort().join('\n');
      if (ttls(a.answers) === ttls(c.answer)) ttlAgree++;
      if (multiset(a.additional) === multiset(c.additional)) additionalAgree++;
      continue;
    }
    miss(problems.map((p) => p.split(' ')[0]).join('+'), `${c.id} ${c.qname} ${c.qtype}: ${problems.join('; ')}`);
  }
}
const translatedSince = existsSync(join(dir, 'k8s_external', 'cases.json')) ? ['TestExternal'] : [];
const notTranslated = data.skipped.filter((s) => s.kind === 'query' && !translatedSince.includes(s.test)).reduce((n, s) => n + s.count, 0);
process.stdout.write(`coredns plugin/kubernetes tables: ${agree}/${compared} comparable queries agree (${percent(agree, compared)}; ${transferRows} zone-transfer row(s) and ${kExternalRows} k8s_external rows among them); skipped ${skippedRows} rows + ${notTranslated} untranslated query rows; of the agreeing, TTLs agree ${ttlAgree}, additional agrees ${additionalAgree}\n`);
for (const [reason, l] of [...misses].sort((a, b) => b[1].length - a[1].length)) {
  process.stdout.write(`  ${reason} (${l.length})\n`);
  for (const x of verbose ? l : l.slice(0, 4)) process.stdout.write(`    ${x}\n`);
  if (!verbose && l.length > 4) process.stdout.write(`    … ${l.length - 4} more\n`);
}
if (verbose) for (const s of data.skipped) process.stdout.write(`  not translated: ${s.test} (${s.count} ${s.kind}): ${s.reason}\n`);
