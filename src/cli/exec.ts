// `podnet exec NS/POD -- curl|wget|dig|nslookup|nc ...`: runs the tool from that pod of the running lab (its resolver,
// its policies, its node) and prints what the tool would print in a real pod, then podnet's explanation (the trace).
import type { Command } from 'commander';
import type { ExecResult } from '../serve/lab/exec.js';
import { labRequest, labUrl, LabApiError, LabUnreachable } from '../serve/lab/client.js';
import { CliExit, type IO } from './common.js';
import { cleanupStale, execInNamespace } from './kernel.js';

export function registerExec(program: Command, io: IO): void {
  program.command('exec').description('run curl, wget, dig, nslookup or nc from a pod of the running lab (podnet up), through the model; with podnet up --kernel, any real command inside the pod\'s, a node\'s or the outside client\'s network namespace')
    .argument('[pod]', 'NAMESPACE/POD, or NAMESPACE/deploy/NAME (sts, ds, rs, job) for the workload\'s first pod; `external` (kernel mode)')
    .argument('[command...]', 'after --: curl [-sSvfL -o FILE -w FMT ...] URL | wget -qO- URL | dig [+short] NAME | nslookup NAME | nc -zv HOST PORT; in kernel mode any command (curl, dig, ip, tcpdump, busybox …)')
    .option('--node <node>', 'kernel mode: run the command in this node\'s namespace (iptables-save, conntrack -L, ip route, nft list ruleset …)')
    .option('--lab <url>', 'the lab API (default $PODNET_LAB or http://127.0.0.1:7070)')
    .option('-o, --output <format>', 'text or json', 'text')
    .option('--no-trace', 'print only what the tool prints (no trace, no notes on what the lab did instead)')
    .action(async (pod: string | undefined, command: string[], opts: { lab?: string; node?: string; output: string; trace: boolean }) => {
      const argv = opts.node ? [...(pod === undefined ? [] : [pod]), ...command] : command;
      const target = opts.node ?? pod;
      if (!target || argv.length === 0) { io.err.write('error: usage: podnet exec NS/POD -- COMMAND [ARGS] | podnet exec --node NODE -- COMMAND | podnet exec external -- COMMAND\n'); throw new CliExit(1); }
      const base = labUrl(opts.lab);
      let netns: string | undefined;
      try {
        netns = (await labRequest<{ netns: string }>(base, 'GET', `/api/kernel/netns?target=${encodeURIComponent(target)}`)).netns;
      } catch (e) {
        if (e instanceof LabApiError && e.status === 409 && !opts.node && target !== 'external') netns = undefined;
        else if (e instanceof LabUnreachable || e instanceof LabApiError) { io.err.write(`error: ${e.message}\n`); throw new CliExit(1); }
        else throw e;
      }
      if (netns) {
        const code = await execInNamespace(netns, argv, io);
        if (code !== 0) throw new CliExit(code);
        return;
      }
      let r: ExecResult;
      try {
        r = await labRequest<ExecResult>(base, 'POST', '/api/exec', { pod: target, argv });
      } catch (e) {
        if (e instanceof LabUnreachable || e instanceof LabApiError) { io.err.write(`error: ${e.message}\n`); throw new CliExit(1); }
        throw e;
      }
      if (opts.output === 'json') io.out.write(JSON.stringify(r, null, 2) + '\n');
      else {
        io.out.write(r.stdout);
        const explanation = r.explanation && r.stderr.endsWith(r.explanation) ? r.explanation : '';
        io.err.write(r.stderr.slice(0, r.stderr.length - explanation.length));
        if (opts.trace && explanation) {
          // A body without a final newline (agnhost's `NOW: ...`) would run into the explanation on a terminal.
          if (r.stdout && !r.stdout.endsWith('\n')) io.err.write('\n');
          io.err.write(explanation);
        }
      }
      if (r.exitCode !== 0) throw new CliExit(r.exitCode);
    });
}

/** `podnet down`: stops the running lab (its namespaces go with it), then removes what killed kernel labs left. */
export function registerDown(program: Command, io: IO): void {
  program.command('down').description('stop the running lab (podnet up), removing its network namespaces in kernel mode, and clean up after labs that were killed')
    .option('--lab <url>', 'the lab API (default $PODNET_LAB or http://127.0.0.1:7070)')
    .action(async (opts: { lab?: string }) => {
      const base = labUrl(opts.lab);
      let stopped = false;
      try {
        const summary = await labRequest<{ kernel?: { prefix: string } }>(base, 'GET', '/api/summary');
        await labRequest(base, 'POST', '/api/shutdown', {});
        // The lab answers before it stops; wait until its API is gone (its namespaces are removed before that).
        for (let i = 0; i < 300; i++) {
          await new Promise((r) => setTimeout(r, 100));
          try { await labRequest(base, 'GET', '/api/summary'); } catch (e) { if (e instanceof LabUnreachable) { stopped = true; break; } }
        }
        io.out.write(stopped ? `lab at ${base} stopped${summary.kernel ? ` (kernel lab ${summary.kernel.prefix} removed)` : ''}\n` : `lab at ${base} is still stopping\n`);
      } catch (e) {
        if (!(e instanceof LabUnreachable || e instanceof LabApiError)) throw e;
        io.out.write(`no lab answers at ${base}\n`);
      }
      if (process.getuid?.() === 0) await cleanupStale(io);
    });
}
