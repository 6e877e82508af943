// `podnet get KIND[,KIND...] [NAME...]`: kubectl's get over the emulated cluster: the same columns, -o wide/json/yaml/
// name, -l selectors, -A, --show-labels, `all`, and kubectl's messages for empty results and missing objects. The
// printers live in ./printers; this file only parses, queries the cluster and writes.
import type { Command } from 'commander';
import type { KubeObject } from '../api/types.js';
import { CliExit, loadCluster, selectorFromFlag, withManifestOptions, type IO, type ManifestOptions } from './common.js';
import { asList, toJSON, toYAML } from './printers/output.js';
import { ALL_CATEGORY, listObjects, resolveResourceType, resourceTypeOfKind, type ResourceType } from './printers/resources.js';
import { renderTable } from './printers/table.js';
import { pushAll } from '../util/arrays.js';

export interface GetOptions extends ManifestOptions {
  namespace: string;
  allNamespaces?: boolean;
  output?: string;
  selector?: string;
  showLabels?: boolean;
  noHeaders?: boolean;
}

const OUTPUT_FORMATS = ['json', 'name', 'wide', 'yaml'];

/** Splits `pods,svc foo bar` / `pod/foo svc/bar` into types and names, as kubectl's ResourceTypeOrNameArgs does. */
export function parseGetArgs(args: string[]): { typeNames: string[]; names: string[]; pairs: [string, string][] } {
  if (args.length > 0 && args.every((a) => a.includes('/'))) {
    return { typeNames: [], names: [], pairs: args.map((a) => [a.slice(0, a.indexOf('/')), a.slice(a.indexOf('/') + 1)] as [string, string]) };
  }
  const [first = '', ...names] = args;
  return { typeNames: first.split(',').filter((t) => t !== ''), names, pairs: [] };
}

interface Group { type: ResourceType; objects: KubeObject[] }

export function registerGet(program: Command, io: IO): void {
  withManifestOptions(program.command('get').description('display one or many resources, as kubectl get prints them'))
    .argument('[args...]', 'TYPE[,TYPE...] [NAME...] or TYPE/NAME...')
    .option('-n, --namespace <namespace>', 'the namespace to list', 'default')
    .option('-A, --all-namespaces', 'list the requested objects across all namespaces')
    .option('-o, --output <format>', 'output format: wide, json, yaml or name')
    .option('-l, --selector <selector>', 'label selector to filter on (e.g. -l app=backend,tier!=db)')
    .option('--show-labels', 'show all labels as the last column')
    .option('--no-headers', 'do not print headers')
    .action((args: string[], opts: GetOptions & { headers?: boolean }) => {
      runGet(args, { ...opts, noHeaders: opts.headers === false }, io, new Date());
    });
}

export function runGet(args: string[], opts: GetOptions, io: IO, now: Date): void {
  if (args.length === 0) {
    io.err.write('You must specify the type of resource to get. Use "podnet get all" to list the networking resources.\n\nerror: Required resource not specified.\n');
    throw new CliExit(1);
  }
  const output = opts.output ?? '';
  if (output !== '' && !OUTPUT_FORMATS.includes(output)) {
    io.err.write(`error: unable to match a printer suitable for the output format "${output}", allowed formats are: ${OUTPUT_FORMATS.join(',')}\n`);
    throw new CliExit(1);
  }
  const matches = selectorFromFlag(opts.selector, io);
  const { typeNames, names, pairs } = parseGetArgs(args);
  if (opts.allNamespaces && (names.length > 0 || pairs.length > 0)) {
    io.err.write('error: a resource cannot be retrieved by name across all namespaces\n');
    throw new CliExit(1);
  }
  const cluster = loadCluster(opts, io);
  const namespace = opts.allNamespaces ? undefined : opts.namespace;

  // Resolve every type first: kubectl fails before printing anything when one is unknown.
  const requested: { type: ResourceType; names: string[] }[] = [];
  const resolve = (t: string): ResourceType[] => {
    if (t.toLowerCase() === 'all') return ALL_CATEGORY.map((k) => resourceTypeOfKind(k)!);
    const type = resolveResourceType(t, cluster);
    if (!type) {
      io.err.write(`error: the server doesn't have a resource type "${t}"\n`);
      throw new CliExit(1);
    }
    return [type];
  };
  for (const t of typeNames) for (const type of resolve(t)) requested.push({ type, names });
  for (const [t, name] of pairs) {
    const [type] = resolve(t);
    const prev = requested.find((r) => r.type.kind === type.kind);
    if (prev) prev.names.push(name); else requested.push({ type, names: [name] });
  }
  const withKind = typeNames.some((t) => t.toLowerCase() === 'all') || new Set(requested.map((r) => r.type.kind)).size > 1;

  const groups: Group[] = [];
  const notFound: string[] = [];
  for (const { type, names: wanted } of requested) {
    const all = listObjects(cluster, type, namespace);
    let objects: KubeObject[];
    if (wanted.length > 0) {
      objects = [];
      for (const name of wanted) {
        const obj = all.find((o) => o.metadata.name === name);
        if (obj) objects.push(obj);
        else notFound.push(`Error from server (NotFound): ${type.resource} "${name}" not found`);
      }
    } else {
      objects = all.filter((o) => matches(o.metadata.labels as Record<string, string> | undefined));
    }
    const existing = groups.find((g) => g.type.kind === type.kind);
    if (existing) pushAll(existing.objects, objects.filter((o) => !existing.objects.includes(o)));
    else groups.push({ type, objects });
  }

  const items = groups.flatMap((g) => g.objects);
  const singleNamed = requested.length === 1 && requested[0].names.length === 1 && items.length === 1;
  if (output === 'json' || output === 'yaml') {
    if (items.length > 0 || notFound.length === 0) {
      const doc = singleNamed ? items[0] : asList(items);
      io.out.write(output === 'json' ? toJSON(doc) : toYAML(doc));
    }
  } else if (output === 'name') {
    for (const g of groups) for (const o of g.objects) io.out.write(`${g.type.singular}/${o.metadata.name}\n`);
  } else {
    const tables = groups.filter((g) => g.objects.length > 0).map((g) => renderTable(g.type, g.objects, {
      wide: output === 'wide', allNamespaces: opts.allNamespaces, showLabels: opts.showLabels, noHeaders: opts.noHeaders, withKind, now,
    }));
    io.out.write(tables.join('\n'));
  }
  if (items.length === 0 && notFound.length === 0 && output !== 'json' && output !== 'yaml') {
    const clusterScoped = groups.length > 0 && groups.every((g) => !g.type.namespaced);
    io.err.write(opts.allNamespaces || clusterScoped ? 'No resources found\n' : `No resources found in ${opts.namespace} namespace.\n`);
  }
  for (const line of notFound) io.err.write(line + '\n');
  if (notFound.length > 0 || cluster.hasErrors) throw new CliExit(1);
}
