// `podnet exec NS/POD -- curl|wget|dig|nslookup|nc ...`: runs the tool from that pod of the running lab (its resolver,
// its policies, its node) and prints what the tool would print in a real pod, then podnet's explanation (the trace).
import type { Command } from 'commander';
import type { ExecResult } from '../serve/lab/exec.js';
import { labRequest, labUrl, LabApiError, LabUnreachable } from '../serve/lab/client.js';
import { CliExit, type IO } from './common.js';

export function registerExec(program: Command, io: IO): void {
  program.command('exec').description('run curl, wget, dig, nslookup or nc from a pod of the running lab (podnet up), through the model')
    .argument('<pod>', 'NAMESPACE/POD, or NAMESPACE/deploy/NAME (sts, ds, rs, job) for the workload\'s first pod')
    .argument('<command...>', 'after --: curl [-sSvfL -o FILE -w FMT ...] URL | wget -qO- URL | dig [+short] NAME | nslookup NAME | nc -zv HOST PORT')
    .option('--lab <url>', 'the lab API (default $PODNET_LAB or http://127.0.0.1:7070)')
    .option('-o, --output <format>', 'text or json', 'text')
    .option('--no-trace', 'print only what the tool prints (no trace, no notes on what the lab did instead)')
    .action(async (pod: string, command: string[], opts: { lab?: string; output: string; trace: boolean }) => {
      let r: ExecResult;
      try {
        r = await labRequest<ExecResult>(labUrl(opts.lab), 'POST', '/api/exec', { pod, argv: command });
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
