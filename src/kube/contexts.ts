// Which cluster a command reads, by kubectl's loading rules (client-go clientcmd): `--kubeconfig FILE` alone when
// given (it must exist); else every file of $KUBECONFIG (missing ones skipped), merged so that the first file to name
// a cluster, user or context, or to set current-context, wins; else ~/.kube/config. `--context NAME` picks the context,
// otherwise current-context. No network here: src/kube/client.ts talks to the server.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig, type Cluster, type Context, type User } from '@kubernetes/client-node';

/** A kubeconfig problem, worded as kubectl words it; the CLI prints `error: <message>`. */
export class KubeconfigChoiceError extends Error {}

export interface KubeconfigChoice {
  kubeconfig?: string;
  context?: string;
}

export interface ChosenContext {
  kc: KubeConfig;
  context: string;
  cluster: Cluster;
  /** The files read, in order. */
  files: string[];
}

/** The kubeconfig files kubectl would read, in precedence order. */
export function kubeconfigFiles(choice: KubeconfigChoice, env: NodeJS.ProcessEnv = process.env): string[] {
  if (choice.kubeconfig !== undefined) {
    if (!existsSync(choice.kubeconfig)) throw new KubeconfigChoiceError(`stat ${choice.kubeconfig}: no such file or directory`);
    return [choice.kubeconfig];
  }
  const listed = (env.KUBECONFIG ?? '').split(delimiter).filter((f) => f !== '');
  if (listed.length > 0) return [...new Set(listed)].filter((f) => existsSync(f));
  const home = join(env.HOME || homedir(), '.kube', 'config');
  return existsSync(home) ? [home] : [];
}

function readOne(file: string): KubeConfig {
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(file);
  } catch (e) {
    throw new KubeconfigChoiceError(`error loading config file "${file}": ${(e as Error).message.split('\n')[0]}`);
  }
  return kc;
}

/** Loads and merges the files, then resolves the context (the given one, else current-context). */
export function chooseContext(choice: KubeconfigChoice, env: NodeJS.ProcessEnv = process.env): ChosenContext {
  const files = kubeconfigFiles(choice, env);
  if (files.length === 0) {
    throw new KubeconfigChoiceError('invalid configuration: no configuration has been provided: pass --kubeconfig FILE, set KUBECONFIG, or write ~/.kube/config');
  }
  const clusters = new Map<string, Cluster>();
  const users = new Map<string, User>();
  const contexts = new Map<string, Context>();
  let current: string | undefined;
  for (const file of files) {
    const kc = readOne(file);
    for (const c of kc.clusters) if (!clusters.has(c.name)) clusters.set(c.name, c);
    for (const u of kc.users) if (!users.has(u.name)) users.set(u.name, u);
    for (const c of kc.contexts) if (!contexts.has(c.name)) contexts.set(c.name, c);
    if (current === undefined && kc.currentContext) current = kc.currentContext;
  }
  const name = choice.context ?? current;
  const where = files.length === 1 ? files[0] : files.join(delimiter);
  if (name === undefined || name === '') throw new KubeconfigChoiceError(`current-context is not set in ${where}: pass --context NAME`);
  const ctx = contexts.get(name);
  if (!ctx) {
    const known = [...contexts.keys()];
    throw new KubeconfigChoiceError(`context "${name}" does not exist${known.length > 0 ? ` (${where} has ${known.map((k) => `"${k}"`).join(', ')})` : ` (${where} has no contexts)`}`);
  }
  const cluster = clusters.get(ctx.cluster);
  if (!cluster) throw new KubeconfigChoiceError(`context "${name}" names cluster "${ctx.cluster}", which ${where} does not define`);
  if (!cluster.server) throw new KubeconfigChoiceError(`invalid configuration: no server found for cluster "${ctx.cluster}"`);
  if (ctx.user && !users.has(ctx.user)) throw new KubeconfigChoiceError(`context "${name}" names user "${ctx.user}", which ${where} does not define`);
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters: [...clusters.values()], users: [...users.values()], contexts: [...contexts.values()], currentContext: name });
  return { kc, context: name, cluster, files };
}
