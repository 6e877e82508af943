// `podnet kubeconfig [--merge] [--lab URL]`: the kubeconfig of the running lab's Kubernetes API (written by `podnet up`
// to a file only the user can read), printed, or merged into ~/.kube/config ($KUBECONFIG's first file) as context
// `podnet`, leaving the other contexts as they were.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import YAML from 'yaml';
import { labUrl } from '../serve/lab/client.js';
import { defaultKubeconfigPath, KubeconfigError, mergeKubeconfig, privateDir, type Kubeconfig } from '../kube/apiserver/kubeconfig.js';
import { CliExit, type IO } from './common.js';

/** Where the lab whose UI/API listens on `uiPort` writes its kubeconfig. */
export function labKubeconfigPath(uiPort: number, stateDir = privateDir()): string {
  return join(stateDir, `lab-${uiPort}.kubeconfig`);
}

export function registerKubeconfig(program: Command, io: IO): void {
  program.command('kubeconfig').description('print the running lab\'s kubeconfig (context podnet), or merge it into your kubeconfig')
    .option('--merge', 'add the podnet cluster, users and contexts to ~/.kube/config (or $KUBECONFIG\'s first file) and switch to context podnet')
    .option('--lab <url>', 'the lab API (default $PODNET_LAB or http://127.0.0.1:7070)')
    .action((opts: { merge?: boolean; lab?: string }) => {
      let port: number;
      try { port = Number(new URL(labUrl(opts.lab)).port || 80); } catch { io.err.write(`error: --lab ${opts.lab} is not a URL\n`); throw new CliExit(1); }
      const file = labKubeconfigPath(port);
      if (!existsSync(file)) {
        io.err.write(`error: no lab with a Kubernetes API is running on port ${port} (${file} does not exist): start one with \`podnet up -f PATH\`\n`);
        throw new CliExit(1);
      }
      const text = readFileSync(file, 'utf8');
      if (!opts.merge) { io.out.write(text); return; }
      const target = defaultKubeconfigPath();
      try {
        const { previous } = mergeKubeconfig(target, YAML.parse(text) as Kubeconfig);
        io.out.write(`Merged the podnet lab's cluster, users and contexts (podnet, podnet-token) into ${target}.\nSwitched to context "podnet".${previous ? ` (It was "${previous}": kubectl config use-context ${previous} switches back.)` : ''}\n`);
      } catch (e) {
        if (e instanceof KubeconfigError) { io.err.write(`error: ${e.message}\n`); throw new CliExit(1); }
        throw e;
      }
    });
}
