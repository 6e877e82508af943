// `podnet apply -f FILE` / `podnet delete -f FILE | KIND NAME [-n NS]` against the running lab: the lab rebuilds its
// snapshot through the engine; requests in flight finish and removed pods drain.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { labRequest, labUrl, LabApiError, LabUnreachable } from '../serve/lab/client.js';
import { CliExit, type IO } from './common.js';

const KIND_ALIASES: Record<string, string> = {
  pod: 'Pod', pods: 'Pod', po: 'Pod', service: 'Service', services: 'Service', svc: 'Service', deployment: 'Deployment', deployments: 'Deployment', deploy: 'Deployment',
  networkpolicy: 'NetworkPolicy', networkpolicies: 'NetworkPolicy', netpol: 'NetworkPolicy', ingress: 'Ingress', ingresses: 'Ingress', ing: 'Ingress',
  namespace: 'Namespace', namespaces: 'Namespace', ns: 'Namespace', configmap: 'ConfigMap', configmaps: 'ConfigMap', cm: 'ConfigMap', secret: 'Secret', secrets: 'Secret',
  statefulset: 'StatefulSet', statefulsets: 'StatefulSet', sts: 'StatefulSet', daemonset: 'DaemonSet', daemonsets: 'DaemonSet', ds: 'DaemonSet',
  gateway: 'Gateway', gateways: 'Gateway', httproute: 'HTTPRoute', httproutes: 'HTTPRoute', replicaset: 'ReplicaSet', replicasets: 'ReplicaSet', rs: 'ReplicaSet',
};
const CLUSTER_SCOPED = new Set(['Namespace', 'Node', 'IngressClass', 'GatewayClass', 'AdminNetworkPolicy', 'BaselineAdminNetworkPolicy']);

function readManifests(paths: string[], io: IO): string {
  const texts: string[] = [];
  const visit = (p: string): void => {
    let st;
    try { st = statSync(p); } catch { io.err.write(`error: the path "${p}" does not exist\n`); throw new CliExit(1); }
    if (st.isDirectory()) { for (const f of readdirSync(p).sort()) if (/\.(ya?ml|json)$/.test(f) || statSync(join(p, f)).isDirectory()) visit(join(p, f)); }
    else texts.push(readFileSync(p, 'utf8'));
  };
  for (const p of paths) { if (p === '-') texts.push(readFileSync(0, 'utf8')); else visit(p); }
  return texts.join('\n---\n');
}

async function call<T>(opts: { lab?: string }, path: string, body: unknown, io: IO): Promise<T> {
  try {
    return await labRequest<T>(labUrl(opts.lab), 'POST', path, body);
  } catch (e) {
    if (e instanceof LabUnreachable || e instanceof LabApiError) { io.err.write(`error: ${e.message}\n`); throw new CliExit(1); }
    throw e;
  }
}

const pretty = (key: string) => { const [kind, ns, name] = key.split('/'); return `${kind.toLowerCase()}/${name}${ns ? ` (namespace ${ns})` : ''}`; };

export function registerApply(program: Command, io: IO): void {
  const collect = (v: string, prev: string[]) => [...prev, v];
  program.command('apply').description('create or replace objects in the running lab (podnet up)')
    .option('-f, --filename <path>', 'manifest file or folder (repeatable; - for stdin)', collect, [])
    .option('--lab <url>', 'the lab API (default $PODNET_LAB or http://127.0.0.1:7070)')
    .action(async (opts: { filename: string[]; lab?: string }) => {
      if (opts.filename.length === 0) { io.err.write('error: must specify -f\n'); throw new CliExit(1); }
      const r = await call<{ applied: string[]; snapshot: number }>(opts, '/api/apply', { text: readManifests(opts.filename, io), name: opts.filename.join(',') }, io);
      for (const k of r.applied) io.out.write(`${pretty(k)} configured\n`);
      io.out.write(`lab snapshot ${r.snapshot}\n`);
    });
  program.command('delete').description('delete objects from the running lab (podnet up): -f FILE or KIND NAME')
    .argument('[kind]', 'kind (pod, svc, deploy, netpol, ingress, ...)')
    .argument('[names...]', 'object names')
    .option('-f, --filename <path>', 'manifest file or folder (repeatable)', collect, [])
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('--lab <url>', 'the lab API (default $PODNET_LAB or http://127.0.0.1:7070)')
    .action(async (kindArg: string | undefined, names: string[], opts: { filename: string[]; namespace: string; lab?: string }) => {
      let body: unknown;
      if (opts.filename.length) body = { text: readManifests(opts.filename, io) };
      else {
        if (!kindArg || names.length === 0) { io.err.write('error: give -f FILE or KIND NAME\n'); throw new CliExit(1); }
        const [k, inlineName] = kindArg.split('/', 2);
        const kind = KIND_ALIASES[k.toLowerCase()] ?? k;
        const all = inlineName ? [inlineName, ...names] : names;
        body = { keys: all.map((n) => `${kind}/${CLUSTER_SCOPED.has(kind) ? '' : opts.namespace}/${n}`) };
      }
      const r = await call<{ deleted: string[]; notFound: string[]; snapshot: number }>(opts, '/api/delete', body, io);
      for (const k of r.deleted) io.out.write(`${pretty(k)} deleted\n`);
      for (const k of r.notFound) io.err.write(`Error from server (NotFound): ${pretty(k)} not found\n`);
      if (r.notFound.length) throw new CliExit(1);
    });
}
