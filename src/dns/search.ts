// A pod's stub resolver walking its search list: which names it sends, in which order, and when it stops.
// glibc (res_search, resolv/res_query.c) and musl (name_from_dns_search, src/network/lookup_name.c) differ.
import type { DnsAnswer } from './chain.js';
import { ndotsOf, type ResolvConf } from './resolvconf.js';

export type ResolverFlavour = 'glibc' | 'musl';

/** The names the resolver would try, in order, before it knows any answer. */
export function searchCandidates(name: string, rc: ResolvConf, flavour: ResolverFlavour): string[] {
  if (name.endsWith('.')) return [name];
  const dots = (name.match(/\./g) ?? []).length;
  const ndots = ndotsOf(rc);
  const suffixed = rc.searches.filter((s) => s !== '.' && s !== '').map((s) => `${name}.${s.replace(/\.$/, '')}.`);
  const asIs = `${name}.`;
  if (dots >= ndots) {
    // glibc tries the name as is first, then the search list; musl does not search at all.
    return flavour === 'musl' ? [asIs] : [asIs, ...suffixed];
  }
  return [...suffixed, asIs];
}

export interface WalkStep { name: string; answer: DnsAnswer }

export interface WalkResult {
  /** The answer the application gets. */
  final: DnsAnswer;
  steps: WalkStep[];
  /** Why the walk stopped where it did. */
  stop: string;
}

/**
 * Walks the candidates with `query` (one name at a time). glibc keeps going on NXDOMAIN, NODATA (remembered) and
 * SERVFAIL; any other error (REFUSED, FORMERR, NOTIMP) ends the search-domain loop, but a name not yet tried as is is
 * still tried. When nothing has records glibc reports the as-is answer if it went first, else a NODATA it saw, else a
 * SERVFAIL, else the last reply. musl stops at the first reply that is not NXDOMAIN. A FORWARDED reply ends the walk:
 * its outcome is the upstream's, which podnet does not invent.
 */
export function walkSearch(candidates: string[], flavour: ResolverFlavour, query: (name: string) => DnsAnswer, name = ''): WalkResult {
  const asIs = name === '' ? '' : name.endsWith('.') ? name : `${name}.`;
  const steps: WalkStep[] = [];
  let nodata: DnsAnswer | undefined;
  let servfail: DnsAnswer | undefined;
  let note = '';
  for (let i = 0; i < candidates.length; i++) {
    const candidate = candidates[i];
    const answer = query(candidate);
    steps.push({ name: candidate, answer });
    if (answer.rcode === 'FORWARDED') return { final: answer, steps, stop: `${candidate} goes to an upstream resolver; what it answers decides the rest` };
    if (answer.rcode === 'NOERROR' && answer.answers.length > 0) return { final: answer, steps, stop: `${candidate} has records` };
    if (flavour === 'musl') {
      if (answer.rcode !== 'NXDOMAIN') return { final: answer, steps, stop: `musl stops at the first reply that is not NXDOMAIN (${answer.rcode === 'NOERROR' ? 'NODATA' : answer.rcode} for ${candidate})` };
      continue;
    }
    if (answer.rcode === 'NOERROR') { nodata ??= answer; continue; }
    if (answer.rcode === 'SERVFAIL') { servfail ??= answer; continue; }
    if (answer.rcode !== 'NXDOMAIN') {
      note = `glibc stops searching on ${answer.rcode}`;
      const last = candidates.length - 1;
      if (candidates[last] === asIs && i < last && candidate !== asIs) { note += `, but still tries ${asIs} as is`; i = last - 1; continue; }
      break;
    }
  }
  const prefix = note ? `${note}; ` : '';
  if (candidates.length > 1 && candidates[0] === asIs) return { final: steps[0].answer, steps, stop: `${prefix}no candidate has records; glibc reports the reply to the name as is, tried first` };
  if (nodata) return { final: nodata, steps, stop: `${prefix}no candidate has records; glibc reports the NODATA it saw for ${nodata.question.name}` };
  if (servfail) return { final: servfail, steps, stop: `${prefix}no candidate has records; glibc reports the SERVFAIL it saw (TRY_AGAIN)` };
  const last = steps[steps.length - 1].answer;
  return { final: last, steps, stop: `${prefix}${last.rcode === 'NXDOMAIN' ? 'every candidate is NXDOMAIN' : `the walk ended on ${last.rcode}`}` };
}
