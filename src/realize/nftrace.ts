// The netfilter verdict of each new connection through a node, read from the kernel itself: a table of this lab's in
// every node namespace marks the first packet of each connection (ct state new, after conntrack at -200) for nftables
// tracing (`meta nftrace set 1`, nft(8) "nftrace"), and `nft monitor trace` in the same namespace reports every chain
// and rule the packet met. The NetworkPolicy table's part of that trace is the verdict: the rule that dropped the
// packet (its comment names the policies, src/policy/nftables.ts), or the rules that let it through. The marking
// rule changes no verdict. `stdbuf -oL`: nft writes its events through stdio, block-buffered into a pipe otherwise.
import { spawn, type ChildProcess } from 'node:child_process';
import { execInOk } from './netns.js';

export const TRACE_TABLE = 'podnet-trace';
/** The policy table whose verdicts are reported (src/policy/nftables.ts). */
export const POLICY_TABLE = 'podnet-policy';

export const TRACE_RULES = `table inet ${TRACE_TABLE} {\n  chain prerouting {\n    type filter hook prerouting priority -190; policy accept;\n    ct state new meta nftrace set 1\n  }\n  chain output {\n    type filter hook output priority -190; policy accept;\n    ct state new meta nftrace set 1\n  }\n}\n`;

/** One rule of the policy table the packet met, with the verdict it gave. */
export interface TracedRule { chain: string; rule: string; comment?: string; verdict: string }

export interface NetfilterVerdict {
  node: string;
  /** nft's trace id (per packet). */
  trace: string;
  protocol: string;
  saddr: string;
  daddr: string;
  sport?: number;
  dport?: number;
  /** The address the packet had when it came into the node, before kube-proxy's DNAT. */
  original?: { daddr: string; dport?: number };
  /** `accept` or `drop` (a policy table's base chain policy, or the terminal rule). */
  verdict: string;
  /** Where the verdict was given: `inet podnet-policy CHAIN`. */
  table: string;
  chain: string;
  /** The deciding rule's comment (or its text); for a base chain's policy, the allowing rules' (else `policy accept`). */
  rule: string;
  /** Every policy-table rule with a verdict the packet met, in order (jumps to the per-pod chains left out). */
  rules: TracedRule[];
}

interface Packet { protocol: string; saddr: string; daddr: string; sport?: number; dport?: number }

function parsePacket(text: string): Packet | undefined {
  const saddr = text.match(/\bip saddr (\S+)/)?.[1];
  const daddr = text.match(/\bip daddr (\S+)/)?.[1];
  if (!saddr || !daddr) return undefined;
  const l4 = text.match(/\b(tcp|udp|sctp) sport (\d+) \1 dport (\d+)/);
  const protocol = l4?.[1] ?? text.match(/\bip protocol (\S+)/)?.[1] ?? 'ip';
  return { protocol, saddr, daddr, ...(l4 ? { sport: Number(l4[2]), dport: Number(l4[3]) } : {}) };
}

const LINE = /^trace id (\S+) (\S+) (\S+) (\S+) (packet|rule|policy):? ?(.*)$/;

/** Reads `nft monitor trace` lines for one node; `emit` gets each packet's policy verdict once it is known. */
export class TraceParser {
  private readonly open = new Map<string, { first?: Packet; policy?: Packet; rules: TracedRule[] }>();

  constructor(private readonly node: string, private readonly emit: (v: NetfilterVerdict) => void, private readonly maxOpen = 2000) {}

  line(raw: string): void {
    const m = raw.trim().match(LINE);
    if (!m) return;
    const [, id, family, table, chain, kind, rest] = m;
    let t = this.open.get(id);
    if (!t) {
      // A packet's trace starts with a packet line; the rest of a packet let go (or never seen) names nothing.
      if (kind !== 'packet') return;
      if (this.open.size >= this.maxOpen) this.open.delete(this.open.keys().next().value!);
      this.open.set(id, (t = { rules: [] }));
    }
    if (kind === 'packet') {
      const p = parsePacket(rest);
      if (p && !t.first) t.first = p;
      if (p && table === POLICY_TABLE && !t.policy) t.policy = p;
      return;
    }
    if (table !== POLICY_TABLE || family !== 'inet') return;
    if (kind === 'policy') {
      // Through the base chain to its policy: the rules that let the packet on (per-pod chains' returns) decided.
      const allowing = t.rules.filter((r) => r.verdict === 'return').map((r) => r.comment ?? r.rule);
      this.done(id, t, chain, allowing.length ? allowing.join('; ') : `policy ${rest.trim()}`, rest.trim().split(' ')[0]);
      return;
    }
    const v = rest.match(/\(verdict (\w+)(?: (\S+))?\)\s*$/);
    if (!v) return;
    const verdict = v[1];
    if (verdict === 'jump' || verdict === 'goto') return;
    const comment = rest.match(/comment "((?:[^"\\]|\\.)*)"/)?.[1];
    const rule = rest.slice(0, v.index).trim();
    t.rules.push({ chain, rule, ...(comment !== undefined ? { comment } : {}), verdict });
    if (verdict === 'drop' || verdict === 'accept' || verdict === 'reject') this.done(id, t, chain, comment ?? rule, verdict);
  }

  private done(id: string, t: { first?: Packet; policy?: Packet; rules: TracedRule[] }, chain: string, rule: string, verdict: string): void {
    this.open.delete(id);
    const p = t.policy ?? t.first;
    if (!p) return;
    const original = t.first && (t.first.daddr !== p.daddr || t.first.dport !== p.dport) ? { daddr: t.first.daddr, ...(t.first.dport !== undefined ? { dport: t.first.dport } : {}) } : undefined;
    this.emit({ node: this.node, trace: id, ...p, ...(original ? { original } : {}), verdict, table: `inet ${POLICY_TABLE}`, chain, rule, rules: t.rules });
  }
}

/** `nft monitor trace` in each node namespace, feeding a parser per node. */
export class NetfilterMonitor {
  private readonly children: ChildProcess[] = [];

  constructor(private readonly emit: (v: NetfilterVerdict) => void) {}

  /** Loads the marking table into the node's namespace (once) and starts its monitor. */
  async watch(node: string, netns: string): Promise<void> {
    await execInOk(netns, 'nft', ['-f', '-'], { input: TRACE_RULES });
    const child = spawn('ip', ['netns', 'exec', netns, 'stdbuf', '-oL', 'nft', 'monitor', 'trace'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const parser = new TraceParser(node, this.emit);
    let buf = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) { parser.line(buf.slice(0, nl)); buf = buf.slice(nl + 1); }
      if (buf.length > 65_536) buf = '';
    });
    child.on('error', () => undefined);
    this.children.push(child);
  }

  close(): void {
    for (const c of this.children.splice(0)) if (c.exitCode === null) c.kill();
  }
}
