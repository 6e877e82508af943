// `podnet apply -f FILE` / `podnet delete -f FILE | KIND NAME [-n NS]` against the running lab: the lab rebuilds its
// snapshot through the engine; requests in flight finish and removed pods drain. Printed as kubectl prints them.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { parseManifestText } from '../api/load.js';
import { formatDiagnostic } from '../api/diagnostics.js';
import { labRequest, labUrl, LabApiError, LabUnreachable } from '../serve/lab/client.js';
import { objectKey } from '../serve/lab/snapshot.js';
import { resolveResourceType, resourceTypeOfKind } from './printers/resources.js';
import { CliExit, requireManifests, type IO } from './common.js';

interface ManifestFile { name: string; text: string }

/** The files `-f` names (folders searched for .yaml/.yml/.json), or exit 1 with kubectl's message for a missing path. */
function readManifests(paths: string[], io: IO): ManifestFile[] {
  const files: ManifestFile[] = [];
  const visit = (p: string): void => {
    let st;
    try { st = statSync(p); } catch { io.err.write(`error: the path "${p}" does not exist\n`); throw new CliExit(1); }
    if (st.isDirectory()) { for (const f of readdirSync(p).sort()) if (/\.(ya?ml|json)$/.test(f) || statSync(join(p, f)).isDirectory()) visit(join(p, f)); }
    else files.push({ name: p, text: readFileSync(p, 'utf8') });
  };
  for (const p of paths) { if (p === '-') files.push({ name: 'STDIN', text: readFileSync(0, 'utf8') }); else visit(p); }
  return files;
}

async function call<T>(opts: { lab?: string }, path: string, body: unknown, io: IO): Promise<T> {
  try {
    return await labRequest<T>(labUrl(opts.lab), 'POST', path, body);
  } catch (e) {
    if (e instanceof LabUnreachable || e instanceof LabApiError) { io.err.write(`error: ${e.message}\n`); throw new CliExit(1); }
    throw e;
  }
}

const split = (key: string) => { const [kind, namespace, name] = key.split('/'); return { kind, namespace, name }; };
/** `service/web`, `deployment.apps/web`: kubectl's name printer. */
const named = (key: string) => { const { kind, name } = split(key); return `${resourceTypeOfKind(kind)?.singular ?? kind.toLowerCase()}/${name}`; };
/** `service "web"`: kubectl's deletion line. */
const quoted = (key: string) => { const { kind, name } = split(key); return `${resourceTypeOfKind(kind)?.singular ?? kind.toLowerCase()} "${name}"`; };
/** `services "web" not found`: the API server's NotFound. */
const notFound = (key: string) => { const { kind, name } = split(key); return `${resourceTypeOfKind(kind)?.resource ?? `${kind.toLowerCase()}s`} "${name}" not found`; };

export function registerApply(program: Command, io: IO): void {
  const collect = (v: string, prev: string[]) => [...prev, v];
  program.command('apply').description('create or replace objects in the running lab (podnet up)')
    .option('-f, --filename <path>', 'manifest file or folder (repeatable; - for stdin)', collect, [])
    .option('--lab <url>', 'the lab API (default $PODNET_LAB or http://127.0.0.1:7070)')
    .action(async (opts: { filename: string[]; lab?: string }) => {
      requireManifests(opts, io);
      const r = await call<{ results: { key: string; action: string }[]; errors: { key: string; messages: string[] }[] }>(opts, '/api/apply', { files: readManifests(opts.filename, io) }, io);
      for (const x of r.results) io.out.write(`${named(x.key)} ${x.action}\n`);
      for (const e of r.errors) for (const m of e.messages) io.err.write(`${m}\n`);
      if (r.errors.length > 0) throw new CliExit(1);
    });
  program.command('delete').description('delete objects from the running lab (podnet up): -f FILE, KIND NAME... or KIND/NAME')
    .argument('[kind]', 'kind (pod, svc, deploy, netpol, ingress, ...) or KIND/NAME')
    .argument('[names...]', 'object names')
    .option('-f, --filename <path>', 'manifest file or folder (repeatable)', collect, [])
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('--lab <url>', 'the lab API (default $PODNET_LAB or http://127.0.0.1:7070)')
    .action(async (kindArg: string | undefined, names: string[], opts: { filename: string[]; namespace: string; lab?: string }) => {
      const fail = (m: string): never => { io.err.write(`error: ${m}\n`); throw new CliExit(1); };
      /** key → the file it came from (for -f, as kubectl's "error when deleting"). */
      const keys = new Map<string, string | undefined>();
      if (opts.filename.length) {
        if (kindArg) fail('there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. \'podnet delete -f FILE\' instead of \'podnet delete KIND -f FILE\')');
        for (const f of readManifests(opts.filename, io)) {
          const parsed = parseManifestText(f.text, f.name);
          const errors = parsed.diagnostics.filter((d) => d.level === 'error');
          if (errors.length) { for (const d of errors) io.err.write(`${formatDiagnostic(d)}\n`); throw new CliExit(1); }
          for (const o of parsed.objects) keys.set(objectKey(o.object as never), f.name);
        }
        if (keys.size === 0) fail('no objects passed to delete');
      } else {
        if (!kindArg) return fail('You must provide one or more resources by argument or filename.');
        const first = kindArg;
        // KIND NAME..., or KIND/NAME forms (each argument its own kind)
        const pairs: [string, string][] = first.includes('/')
          ? [first, ...names].map((a): [string, string] => { const i = a.indexOf('/'); if (i <= 0 || i === a.length - 1) fail(`arguments in resource/name form must have a single resource and name, not "${a}"`); return [a.slice(0, i), a.slice(i + 1)]; })
          : names.map((n): [string, string] => [first, n]);
        // kubectl resolves the type before it asks for names
        const types = pairs.length ? pairs.map(([k]) => k) : [first];
        for (const k of types) if (!resolveResourceType(k)) fail(`the server doesn't have a resource type "${k}"`);
        if (pairs.length === 0) fail('resource(s) were provided, but no name was specified');
        for (const [k, name] of pairs) {
          const type = resolveResourceType(k)!;
          keys.set(`${type.kind}/${type.namespaced ? opts.namespace : ''}/${name}`, undefined);
        }
      }
      const r = await call<{ deleted: string[]; notFound: string[] }>(opts, '/api/delete', { keys: [...keys.keys()] }, io);
      for (const k of r.deleted) io.out.write(`${quoted(k)} deleted\n`);
      for (const k of r.notFound) {
        const file = keys.get(k);
        io.err.write(`Error from server (NotFound): ${file ? `error when deleting "${file}": ` : ''}${notFound(k)}\n`);
      }
      if (r.notFound.length) throw new CliExit(1);
    });
}
