// The kernel as `podnet verify`'s referee: each flow made real from its source's namespace in a realised lab. All
// connection flows go to one small Python client whose worker threads each enter the flow's namespace (setns(2) moves
// only the calling thread; a thread that cannot enter reports an error and never connects) and report per connection
// how it ended — established, refused (RST or ICMP unreachable), no answer within the timeout (a drop), reset — and,
// over the same connection, what the netexec agent says: /hostname (which pod answered) and /clientip (the source it
// saw: SNAT shows here). One process for all: a Python start costs seconds of wall time on a loaded 2-core machine.
// Without python3, curl does it one connection at a time (probe.ts). A DNS flow is `dig` inside the pod's namespace
// (`ip netns exec`, so its resolv.conf and search list apply), one dig per pod asking each of its names in turn.
import { failedObservation, type ConnectAttempt, type ConnectObservation, type DnsObservation, type Observation, type ProbePlan } from '../verify/compare.js';
import type { ConnectFlow, DnsFlow, Flow } from '../verify/flows.js';
import type { Referee } from '../verify/verify.js';
import { findBinary } from './host.js';
import { probeConnection } from './probe.js';
import { inParallel, run } from './run.js';
import type { Cluster } from '../cluster/cluster.js';
import type { ClusterConfig } from '../cluster/config.js';
import { compileDns, type DnsModel } from '../dns/index.js';
import type { KernelLab, PreparedKernel } from './realize.js';

const CONNECT_CLIENT = String.raw`
import ctypes, errno, json, os, queue, re, socket, ssl, sys, threading
libc = ctypes.CDLL(None, use_errno=True)
def enter(name):
    fd = os.open('/run/netns/' + name, os.O_RDONLY)
    try:
        if libc.setns(fd, 0x40000000) != 0: raise OSError(ctypes.get_errno(), 'setns ' + name)
    finally:
        os.close(fd)
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
ANSWER_LIMIT = 1 << 20
def request(s, q):
    if q['scheme'] == 'https':
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        s = ctx.wrap_socket(s, server_hostname=q['host'])
    extra = ''.join('%s: %s\r\n' % (k, v) for k, v in (q.get('headers') or {}).items())
    s.sendall(('%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: podnet-verify\r\n%sConnection: close\r\n\r\n' % (q.get('method', 'GET'), q['path'], q['host'], extra)).encode())
    buf = b''
    while True:
        try: c = s.recv(65536)
        except ssl.SSLEOFError: break
        if not c: break
        buf += c
        # The status line, the headers and the agent's first body line are all that is read: an endless answer ends here.
        if len(buf) > ANSWER_LIMIT: break
    head, _, body = buf.partition(b'\r\n\r\n')
    status = head.split(b'\r\n', 1)[0].split(b' ')
    if len(status) < 2 or not status[1].isdigit(): raise ValueError('no HTTP status line in the answer')
    r = {'status': int(status[1])}
    for line in head.split(b'\r\n')[1:]:
        k, _, v = line.partition(b':')
        if k.strip().lower() == b'location': r['location'] = v.strip().decode('utf-8', 'replace')
    m = re.match(rb'pod [^/\s]+/(\S+) \(', body)
    if m: r['hostname'] = m.group(1).decode()
    return r
def failed(e):
    # socket.timeout is an OSError too: the drop is told first.
    if isinstance(e, socket.timeout): return {'outcome': 'timeout'}
    if isinstance(e, ConnectionRefusedError): return {'outcome': 'refused'}
    if isinstance(e, ConnectionResetError): return {'outcome': 'reset'}
    # An ICMP unreachable (a REJECT rule's answer) is a refusal, as the model calls it.
    return {'outcome': 'refused' if e.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH) else 'error', 'detail': str(e)}
def datagram(a):
    r = {}
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(a['timeout'])
    try:
        s.connect((a['host'], a['port']))
        # A DNS query (id 0x7076, RD, "podnet-verify." A): the agents echo it, a DNS server on the port answers it;
        # either reply shows the datagram arrived.
        s.send(bytes.fromhex('707601000001000000000000') + b'\x0dpodnet-verify\x00\x00\x01\x00\x01')
        r['outcome'] = 'allowed' if len(s.recv(2048)) >= 12 else 'error'
    except OSError as e:
        r.update(failed(e))
    s.close()
    return r
def attempt(a):
    if a.get('protocol') == 'UDP': return datagram(a)
    r = {}
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(a['timeout'])
    try:
        s.connect((a['host'], a['port']))
        r['outcome'] = 'allowed'
        s.settimeout(a['answerTimeout'])
    except OSError as e:
        r.update(failed(e))
    if r['outcome'] == 'allowed' and a.get('request'):
        try:
            r.update(request(s, a['request']))
        except Exception as e:
            r['detail'] = '%s: %s' % (type(e).__name__, e)
    elif r['outcome'] == 'allowed' and a['identify']:
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
given = json.loads(sys.stdin.read())
jobs = given['jobs']
results = [[] for _ in jobs]
todo = queue.Queue()
for i in range(len(jobs)): todo.put(i)
def worker():
    while True:
        try: i = todo.get_nowait()
        except queue.Empty: return
        try:
            enter(jobs[i]['netns'])
        except OSError as e:
            results[i].append({'outcome': 'error', 'detail': str(e)})
            continue
        flow(jobs[i], results[i])
threads = [threading.Thread(target=worker) for _ in range(min(given['threads'], len(jobs)))]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps(results))
`;

/** Once connected, how long the agent may take to answer: it runs in this (busy) process's event loop, so a slow
 *  answer is load, not a verdict; the verdict is the connection's, decided within the plan's timeout. */
const ANSWER_TIMEOUT_MS = 10_000;
/** Namespaces whose digs run at once (a shell each). */
const NAMESPACES_AT_ONCE = 8;
/** dig retries once: the cluster DNS answers from this process's event loop, which a loaded machine can delay. */
const DIG_TRIES = 2;

/**
 * dig's wait per try, in whole seconds: at least 2 (that event loop again); a plan under a second (a query the model
 * says gets no reply, asked with a short drop timeout) gets dig's shortest, 1.
 */
const digSeconds = (plan: ProbePlan) => (plan.timeoutMs < 1000 ? 1 : Math.max(2, Math.round(plan.timeoutMs / 1000)));

interface Item { flow: Flow; plan: ProbePlan; index: number }

/**
 * Realises a cluster for verification: the model is built with what this kernel can realise (a substituted tunnel),
 * so its traces say what the kernel does. `load(config)` loads the manifests, with a replaced ClusterConfig when given;
 * `say` hears each substitution before anything is realised.
 */
export async function realiseForVerify(prepared: PreparedKernel, load: (config?: ClusterConfig) => Cluster, say?: (line: string) => void): Promise<{ lab: KernelLab; cluster: Cluster; dns: DnsModel }> {
  let cluster = load();
  const k = prepared.cniFor(cluster.config);
  for (const s of k.substitutions) say?.(`${s.realised} stands in for ${s.wanted}: ${s.reason}`);
  if (k.substitutions.length) cluster = load({ ...cluster.config, cniOptions: k.options });
  const dns = compileDns(cluster);
  const lab = await prepared.realise({ cluster, dns });
  return { lab, cluster, dns };
}

/** dig's output for several queries: per query, in order, the reply's status and A records, or TIMEOUT. */
export function parseDigs(text: string): DnsObservation[] {
  const out: DnsObservation[] = [];
  let cur: DnsObservation | undefined;
  let inAnswer = false;
  for (const line of text.split('\n')) {
    const status = line.match(/^;; ->>HEADER<<-.*status: ([A-Z]+)/);
    if (status) { out.push((cur = { kind: 'dns', rcode: status[1], answers: [] })); inAnswer = false; continue; }
    if (/^;; no servers could be reached/.test(line)) { out.push({ kind: 'dns', rcode: 'TIMEOUT', answers: [], detail: 'dig: no reply from the server' }); cur = undefined; continue; }
    if (line.startsWith(';; ANSWER SECTION:')) { inAnswer = true; continue; }
    if (line.trim() === '' || line.startsWith(';;')) { inAnswer = false; continue; }
    const f = line.trim().split(/\s+/);
    if (inAnswer && cur && f[3] === 'A') cur.answers.push(f[4]);
  }
  for (const o of out) o.answers.sort();
  return out;
}

export class KernelReferee implements Referee {
  readonly name = 'kernel';
  readonly setup: string;
  private readonly python = findBinary('python3');

  /** `connectionsAtOnce`: the connect client's threads, each one connection (attempt after attempt) at a time. */
  constructor(private readonly lab: KernelLab, private readonly opts: { connectionsAtOnce?: number } = {}) {
    this.setup = `${lab.cni.profile.name}/${lab.cluster.config.kubeProxyMode}`;
  }

  async probe(flow: Flow, plan: ProbePlan): Promise<Observation> {
    return (await this.probeAll([{ flow, plan }]))[0];
  }

  /** Every connection flow in one client process, the DNS flows in one shell per source namespace, all at once. */
  async probeAll(items: readonly { flow: Flow; plan: ProbePlan }[]): Promise<Observation[]> {
    const out: Observation[] = new Array(items.length);
    const conns: (Item & { netns: string })[] = [];
    const digs = new Map<string, { netns: string; items: Item[] }>();
    items.forEach((it, index) => {
      const netns = this.lab.namespaceOf(it.flow.from);
      // Only this lab's namespaces: the client's threads enter exactly the namespace named here.
      if (!netns || !netns.startsWith(this.lab.prefix)) { out[index] = failedObservation(it.flow, `${it.flow.from} is not realised in lab ${this.lab.prefix.slice(0, -1)}`); return; }
      if (it.flow.kind === 'connect') conns.push({ ...it, index, netns });
      else {
        // One dig per namespace and wait: its +time is one for all its queries.
        const key = `${netns} ${digSeconds(it.plan)}`;
        const g = digs.get(key);
        if (g) g.items.push({ ...it, index }); else digs.set(key, { netns, items: [{ ...it, index }] });
      }
    });
    await Promise.all([this.connect(conns, out), inParallel([...digs.values()], NAMESPACES_AT_ONCE, (g) => this.dig(g.netns, g.items, out))]);
    return out;
  }

  private async connect(items: (Item & { netns: string })[], out: Observation[]): Promise<void> {
    if (items.length === 0) return;
    if (!this.python) {
      await inParallel(items, NAMESPACES_AT_ONCE, async (it) => { out[it.index] = (it.flow as ConnectFlow).protocol === 'UDP' ? failedObservation(it.flow, 'UDP flows need python3 (curl sends no datagrams)') : await this.connectWithCurl(it.flow as ConnectFlow, it.plan); });
      return;
    }
    const args = items.map(({ flow, plan, netns }) => {
      const f = flow as ConnectFlow;
      return { netns, host: f.host, port: f.port, timeout: plan.timeoutMs / 1000, answerTimeout: ANSWER_TIMEOUT_MS / 1000, min: plan.minAttempts, max: plan.maxAttempts, until: plan.until, identify: f.identify, protocol: f.protocol, ...(f.request ? { request: f.request } : {}) };
    });
    const threads = this.opts.connectionsAtOnce ?? 64;
    const budget = items.reduce((sum, { plan }) => sum + plan.maxAttempts * plan.timeoutMs, 0) / Math.min(threads, 8) + 180_000;
    const r = await run(this.python, ['-c', CONNECT_CLIENT], { input: JSON.stringify({ threads, jobs: args }), timeoutMs: budget });
    let results: ConnectAttempt[][] | undefined;
    try { if (r.code === 0) results = JSON.parse(r.stdout) as ConnectAttempt[][]; } catch { /* reported below */ }
    items.forEach((it, i) => { out[it.index] = results ? { kind: 'connect', attempts: results[i] } : failedObservation(it.flow, `the connect client exited ${r.code}: ${r.stderr.trim().split('\n').pop() ?? ''}`); });
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

  /** One dig in the namespace asks every name of the pod in turn (one answer block per query, in order). */
  private async dig(netns: string, items: Item[], out: Observation[]): Promise<void> {
    if (items.length === 0) return;
    const seconds = digSeconds(items[0].plan);
    const queries = items.flatMap(({ flow }) => [(flow as DnsFlow).name, (flow as DnsFlow).type]);
    const r = await this.lab.exec(netns, ['dig', '+search', `+time=${seconds}`, `+tries=${DIG_TRIES}`, ...queries], { timeoutMs: items.length * seconds * DIG_TRIES * 1000 + 60_000 });
    const answers = parseDigs(r.stdout);
    items.forEach((it, i) => { out[it.index] = answers.length === items.length ? answers[i] : failedObservation(it.flow, `dig gave ${answers.length} answers to ${items.length} queries (exit ${r.code}: ${r.stderr.trim().split('\n').pop() ?? ''})`); });
  }
}
