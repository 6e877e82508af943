// `podnet exec NS/POD -- curl|wget|nslookup|dig|nc|agnhost connect ...`: the tool run from inside a pod of the lab. Every decision
// comes from the engine — the pod's resolver (src/dns), policy, kube-proxy's endpoint pick and the CNI path
// (src/trace) — and when the trace delivers, the request really goes to the virtual pod (or the ingress proxy) that
// the model chose, so the body is that pod's answer. What is printed is what the real tool prints in a real pod
// (tools/: curl 8.5, BusyBox wget, BIND 9.18 dig and nslookup, OpenBSD netcat), followed by podnet's explanation.
import http from 'node:http';
import { PodReferenceError, resolvePodReference } from '../../cluster/refs.js';
import { flatHeaders } from '../headers.js';
import { SOURCE_HEADER } from '../virtual-pods.js';
import type { HttpAnswer } from './mesh-runtime.js';
import { ExecInputError, type ExecContext, type ExecResult } from './tools/common.js';
import { agnhost } from './tools/agnhost.js';
import { curl } from './tools/curl.js';
import { dig } from './tools/dig.js';
import { nc } from './tools/nc.js';
import { nslookup } from './tools/nslookup.js';
import { wget } from './tools/wget.js';

export { decidingPolicies, ExecInputError, type ExecContext, type ExecResult } from './tools/common.js';

const TOOLS: Record<string, (ctx: ExecContext, pod: string, args: string[]) => Promise<ExecResult>> = { curl, wget, nslookup, dig, nc, agnhost };

export async function execInPod(ctx: ExecContext, pod: string, argv: string[]): Promise<ExecResult> {
  if (!pod.includes('/')) pod = `default/${pod}`;
  // NS/deploy/NAME (sts, ds, rs, job) runs in the workload's first pod, as `kubectl exec deploy/NAME` does.
  try { pod = resolvePodReference(ctx.snapshot.cluster, pod); } catch (e) { if (e instanceof PodReferenceError) throw new ExecInputError(e.message); throw e; }
  const [ns, name] = pod.split('/', 2);
  if (!ctx.snapshot.cluster.get('Pod', ns, name)) throw new ExecInputError(`pods "${name}" not found in namespace ${ns}`);
  const [given, ...args] = argv;
  // The e2e test image keeps its binary at /agnhost, where probes call it.
  const tool = given === '/agnhost' ? 'agnhost' : given;
  const run = Object.hasOwn(TOOLS, tool ?? '') ? TOOLS[tool] : undefined;
  if (!run) throw new ExecInputError(`podnet exec runs ${Object.keys(TOOLS).join(', ')} (got ${JSON.stringify(tool ?? '')}): the lab's pods are virtual, there is no shell`);
  return run(ctx, pod, args);
}

/** One HTTP request to a virtual pod for the mesh runtime, settled within `budgetMs`. */
export function sendToPod(target: { host: string; port: number } | undefined, req: { method: string; path: string; headers: Record<string, string>; body?: string }, budgetMs: number, srcIP: string): Promise<HttpAnswer | { error: 'timeout' | 'reset' | 'refused' }> {
  if (!target) return Promise.resolve({ error: 'refused' });
  return new Promise((resolve) => {
    let settled = false;
    const settle = (v: HttpAnswer | { error: 'timeout' | 'reset' | 'refused' }) => { if (!settled) { settled = true; clearTimeout(timer); resolve(v); } };
    const r = http.request({ host: target.host, port: target.port, method: req.method, path: req.path, headers: { ...req.headers, [SOURCE_HEADER]: srcIP }, agent: false });
    const timer = setTimeout(() => { settle({ error: 'timeout' }); r.destroy(); }, budgetMs);
    r.on('error', (e: NodeJS.ErrnoException) => settle({ error: e.code === 'ECONNREFUSED' ? 'refused' : 'reset' }));
    r.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('error', () => settle({ error: 'reset' }));
      res.on('end', () => settle({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: flatHeaders(res.headers), body: Buffer.concat(chunks).toString('utf8') }));
    });
    r.end(req.body);
  });
}
