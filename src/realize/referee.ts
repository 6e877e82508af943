// The kernel as `podnet verify`'s referee: each flow made real from its source's namespace in a realised lab. A
// connection flow is a small Python client run inside the namespace (one process opens all of a flow's connections:
// Python starts in ~20 ms where a curl per connection would cost a process each), which reports per connection how it
// ended — established, refused (RST or ICMP unreachable), no answer within the timeout (a drop), reset — and, over the
// same connection, what the netexec agent says: /hostname (which pod answered) and /clientip (the source it saw: SNAT
// shows here). Without python3, curl does the same one connection at a time (probe.ts). A DNS flow is `dig` inside
// the pod's namespace, through its resolv.conf and search list.
import type { ConnectAttempt, ConnectObservation, DnsObservation, Observation, ProbePlan } from '../verify/compare.js';
import type { ConnectFlow, DnsFlow, Flow } from '../verify/flows.js';
import type { Referee } from '../verify/verify.js';
import { findBinary } from './host.js';
import { probeConnection } from './probe.js';
import { inParallel } from './run.js';
import type { Cluster } from '../cluster/cluster.js';
import type { ClusterConfig } from '../cluster/config.js';
import { compileDns, type DnsModel } from '../dns/index.js';
import type { KernelLab, PreparedKernel } from './realize.js';

const CONNECT_CLIENT = String.raw`
import errno, json, socket, sys, threading
def get(s, host, port, path, last):
    s.sendall(('GET %s HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: podnet-verify\r\n%s\r\n' % (path, host, port, 'Connection: close\r\n' if last else '')).encode())
    buf = b''
    while b'\r\n\r\n' not in buf:
        c = s.recv(4096)
        if not c: raise EOFError('the connection closed before an HTTP answer')
        buf += c
    head, body = buf.split(b'\r\n\r\n', 1)
    n = None
    for line in head.split(b'\r\n')[1:]:
        k, _, v = line.partition(b':')
        if k.strip().lower() == b'content-length': n = int(v.strip())
    if n is None: raise ValueError('HTTP answer without Content-Length')
    while len(body) < n:
        c = s.recv(4096)
        if not c: break
        body += c
    return body[:n].decode('utf-8', 'replace').strip()
def attempt(a):
    r = {}
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(a['timeout'])
    try:
        s.connect((a['host'], a['port']))
        r['outcome'] = 'allowed'
        s.settimeout(a['answerTimeout'])
    except socket.timeout:
        r['outcome'] = 'timeout'
    except ConnectionRefusedError:
        r['outcome'] = 'refused'
    except ConnectionResetError:
        r['outcome'] = 'reset'
    except OSError as e:
        r['outcome'] = 'refused' if e.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH) else 'error'
        r['detail'] = str(e)
    if r['outcome'] == 'allowed' and a['identify']:
        try:
            r['hostname'] = get(s, a['host'], a['port'], '/hostname', False)
            r['clientIP'] = get(s, a['host'], a['port'], '/clientip', True).rsplit(':', 1)[0]
        except Exception as e:
            r['detail'] = '%s: %s' % (type(e).__name__, e)
    s.close()
    return r
def flow(a, out):
    seen = set()
    for i in range(a['max']):
        r = attempt(a)
        out.append(r)
        if 'hostname' in r: seen.add(r['hostname'])
        if i + 1 >= a['min'] and all(h in seen for h in a['until']): break
jobs = json.loads(sys.stdin.read())
results = [[] for _ in jobs]
gate = threading.BoundedSemaphore(64)
def run(j, out):
    with gate: flow(j, out)
threads = [threading.Thread(target=run, args=(j, results[i])) for i, j in enumerate(jobs)]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps(results))
`;

/** Once connected, how long the agent may take to answer: it runs in this (busy) process's event loop, so a slow
 *  answer is load, not a verdict; the verdict is the connection's, decided within the plan's timeout. */
const ANSWER_TIMEOUT_MS = 10_000;
/** Source namespaces probed at once (each by one client process). */
const NAMESPACES_AT_ONCE = 6;
/** dig retries once: the cluster DNS answers from this process's event loop, which a loaded machine can delay. */
const DIG_TRIES = 2;
const DIG_END = '=== podnet-verify dig exit';

interface Item { flow: Flow; plan: ProbePlan; index: number }

/**
 * Realises a cluster for verification: the model is built with what this kernel can realise (a substituted tunnel),
 * so its traces say what the kernel does. `load(config)` loads the manifests, with a replaced ClusterConfig when given.
 */
export async function realiseForVerify(prepared: PreparedKernel, load: (config?: ClusterConfig) => Cluster): Promise<{ lab: KernelLab; cluster: Cluster; dns: DnsModel }> {
  let cluster = load();
  const k = prepared.cniFor(cluster.config);
  if (k.substitutions.length) cluster = load({ ...cluster.config, cniOptions: k.options });
  const dns = compileDns(cluster);
  const lab = await prepared.realise({ cluster, dns });
  return { lab, cluster, dns };
}

/** dig's answer: the status of the final reply and its A records. */
export function parseDig(text: string, code: number): DnsObservation {
  if (code === 9) return { kind: 'dns', rcode: 'TIMEOUT', answers: [], detail: 'dig: no reply from the server' };
  const status = text.match(/->>HEADER<<-.*status: ([A-Z]+)/g)?.pop()?.match(/status: ([A-Z]+)/)?.[1];
  if (!status) return { kind: 'dns', rcode: 'ERROR', answers: [], detail: `dig exit ${code}: ${text.trim().split('\n').pop() ?? ''}` };
  const section = text.slice(text.lastIndexOf('->>HEADER<<-'));
  const answer = section.match(/;; ANSWER SECTION:\n([\s\S]*?)(?:\n\n|$)/)?.[1] ?? '';
  const answers = answer.split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => f[3] === 'A').map((f) => f[4]).sort();
  return { kind: 'dns', rcode: status, answers };
}

export class KernelReferee implements Referee {
  readonly name = 'kernel';
  readonly setup: string;
  private readonly python = findBinary('python3');

  constructor(private readonly lab: KernelLab) {
    this.setup = `${lab.cni.profile.name}/${lab.cluster.config.kubeProxyMode}`;
  }

  async probe(flow: Flow, plan: ProbePlan): Promise<Observation> {
    return (await this.probeAll([{ flow, plan }]))[0];
  }

  /** Every flow from one source namespace in one client process (and one shell for its digs), namespaces in parallel. */
  async probeAll(items: readonly { flow: Flow; plan: ProbePlan }[]): Promise<Observation[]> {
    const out: Observation[] = new Array(items.length);
    const bySource = new Map<string, Item[]>();
    items.forEach((it, index) => {
      const l = bySource.get(it.flow.from);
      if (l) l.push({ ...it, index }); else bySource.set(it.flow.from, [{ ...it, index }]);
    });
    await inParallel([...bySource], NAMESPACES_AT_ONCE, async ([from, group]) => {
      const netns = this.lab.namespaceOf(from);
      if (!netns) {
        for (const it of group) out[it.index] = failed(it.flow, `${from} is not realised in lab ${this.lab.prefix.slice(0, -1)}`);
        return;
      }
      const conns = group.filter((it) => it.flow.kind === 'connect');
      const digs = group.filter((it) => it.flow.kind === 'dns');
      await Promise.all([this.connect(netns, conns, out), this.dig(netns, digs, out)]);
    });
    return out;
  }

  private async connect(netns: string, items: Item[], out: Observation[]): Promise<void> {
    if (items.length === 0) return;
    if (!this.python) {
      for (const it of items) out[it.index] = await this.connectWithCurl(it.flow as ConnectFlow, it.plan);
      return;
    }
    const args = items.map(({ flow, plan }) => {
      const f = flow as ConnectFlow;
      return { host: f.host, port: f.port, timeout: plan.timeoutMs / 1000, answerTimeout: ANSWER_TIMEOUT_MS / 1000, min: plan.minAttempts, max: plan.maxAttempts, until: plan.until, identify: f.identify };
    });
    const budget = items.reduce((sum, { plan }) => sum + plan.maxAttempts * plan.timeoutMs, 0) + 120_000;
    const r = await this.lab.exec(netns, [this.python, '-c', CONNECT_CLIENT], { input: JSON.stringify(args), timeoutMs: budget });
    let results: ConnectAttempt[][] | undefined;
    try { if (r.code === 0) results = JSON.parse(r.stdout) as ConnectAttempt[][]; } catch { /* reported below */ }
    items.forEach((it, i) => { out[it.index] = results ? { kind: 'connect', attempts: results[i] } : failed(it.flow, `the connect client exited ${r.code}: ${r.stderr.trim().split('\n').pop() ?? ''}`); });
  }

  /** curl, one connection at a time (probe.ts), where python3 is missing. */
  private async connectWithCurl(flow: ConnectFlow, plan: ProbePlan): Promise<ConnectObservation> {
    const attempts: ConnectAttempt[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < plan.maxAttempts; i++) {
      const r = await probeConnection(this.lab, flow.from, { host: flow.host, port: flow.port }, { timeoutMs: plan.timeoutMs });
      const outcome = r.outcome === 'unresolved' ? 'error' : r.outcome;
      attempts.push({ outcome, ...(r.hostname !== undefined && flow.identify ? { hostname: r.hostname } : {}), ...(r.clientIP && flow.identify ? { clientIP: r.clientIP.replace(/:\d+$/, '') } : {}), detail: r.detail });
      if (r.hostname) seen.add(r.hostname);
      if (i + 1 >= plan.minAttempts && plan.until.every((h) => seen.has(h))) break;
    }
    return { kind: 'connect', attempts };
  }

  /** One shell in the namespace runs dig for each name in turn (a process per name would cost an `ip netns exec` each). */
  private async dig(netns: string, items: Item[], out: Observation[]): Promise<void> {
    if (items.length === 0) return;
    const seconds = Math.max(2, Math.round(items[0].plan.timeoutMs / 1000));
    const script = `for q in "$@"; do dig +search +time=${seconds} +tries=${DIG_TRIES} "\${q% *}" "\${q#* }"; echo "${DIG_END} $?"; done`;
    const names = items.map(({ flow }) => `${(flow as DnsFlow).name} ${(flow as DnsFlow).type}`);
    const r = await this.lab.exec(netns, ['sh', '-c', script, 'sh', ...names], { timeoutMs: items.length * seconds * DIG_TRIES * 2000 + 60_000 });
    const blocks = r.stdout.split(new RegExp(`^${DIG_END} (\\d+)$`, 'm'));
    items.forEach((it, i) => { out[it.index] = blocks[2 * i + 1] !== undefined ? parseDig(blocks[2 * i], Number(blocks[2 * i + 1])) : failed(it.flow, `dig did not run (exit ${r.code}: ${r.stderr.trim().split('\n').pop() ?? ''})`); });
  }
}

function failed(flow: Flow, detail: string): Observation {
  return flow.kind === 'dns' ? { kind: 'dns', rcode: 'ERROR', answers: [], detail } : { kind: 'connect', attempts: [{ outcome: 'error', detail }] };
}
