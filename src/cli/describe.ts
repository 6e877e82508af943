// `podnet describe KIND [NAME]`: kubectl's describe over the emulated cluster. With a name, the object of that name
// or, as kubectl does, every object whose name starts with it; without, every object of the kind. Objects are
// separated by two blank lines, as kubectl prints them.
import type { Command } from 'commander';
import type { KubeObject } from '../api/types.js';
import { CliExit, loadCluster, selectorFromFlag, withManifestOptions, type IO, type ManifestOptions } from './common.js';
import { describeObject } from './printers/describe.js';
import { listObjects, resolveResourceType, resourceTypeOfKind } from './printers/resources.js';
import { pushAll } from '../util/arrays.js';

interface DescribeOptions extends ManifestOptions {
  namespace: string;
  allNamespaces?: boolean;
  selector?: string;
}

export function registerDescribe(program: Command, io: IO): void {
  withManifestOptions(program.command('describe').description('show details of a resource, as kubectl describe prints them'))
    .argument('[args...]', 'TYPE [NAME_PREFIX], or TYPE/NAME')
    .option('-n, --namespace <namespace>', 'the namespace of the object', 'default')
    .option('-A, --all-namespaces', 'describe matching objects across all namespaces')
    .option('-l, --selector <selector>', 'label selector to filter on')
    .action((args: string[], opts: DescribeOptions) => runDescribe(args, opts, io, new Date()));
}

export function runDescribe(args: string[], opts: DescribeOptions, io: IO, now: Date): void {
  if (args.length === 0) {
    io.err.write('You must specify the type of resource to describe. Use "podnet get all" to list the networking resources.\n\nerror: Required resource not specified.\n');
    throw new CliExit(1);
  }
  let typeName = args[0];
  let names = args.slice(1);
  if (typeName.includes('/')) {
    names = [typeName.slice(typeName.indexOf('/') + 1), ...names];
    typeName = typeName.slice(0, typeName.indexOf('/'));
  }
  const matches = selectorFromFlag(opts.selector, io);
  const cluster = loadCluster(opts, io);
  const type = resolveResourceType(typeName, cluster);
  if (!type) {
    io.err.write(`error: the server doesn't have a resource type "${typeName}"\n`);
    throw new CliExit(1);
  }
  const candidates = listObjects(cluster, type, opts.allNamespaces ? undefined : opts.namespace);
  const selected: KubeObject[] = [];
  const errors: string[] = [];
  if (names.length === 0) {
    pushAll(selected, candidates.filter((o) => matches(o.metadata.labels as Record<string, string> | undefined)));
  } else {
    for (const name of names) {
      const exact = candidates.filter((o) => o.metadata.name === name);
      const found = exact.length > 0 ? exact : candidates.filter((o) => o.metadata.name.startsWith(name));
      if (found.length === 0) errors.push(`Error from server (NotFound): ${type.resource} "${name}" not found`);
      for (const o of found) if (!selected.includes(o)) selected.push(o);
    }
  }
  const ctx = {
    now,
    list: (kind: string, namespace?: string) => {
      const t = resourceTypeOfKind(kind, cluster);
      return t ? listObjects(cluster, t, namespace) : [];
    },
  };
  io.out.write(selected.map((o) => describeObject(o as Record<string, any>, ctx)).join('\n\n'));
  if (selected.length === 0 && errors.length === 0) {
    io.err.write(opts.allNamespaces || !type.namespaced ? 'No resources found\n' : `No resources found in ${opts.namespace} namespace.\n`);
  }
  for (const e of errors) io.err.write(e + '\n');
  if (errors.length > 0 || cluster.hasErrors) throw new CliExit(1);
}
