// `podnet fault NS/POD 503 [50%] | hang | delay=2s`, `--clear`, `--list`: makes a pod of the running lab misbehave,
// so retries, timeouts and outlier detection have something to act on (src/serve/pod-faults.ts has the grammar, the
// same as the `podnet.dev/fault` pod annotation's).
import type { Command } from 'commander';
import { labRequest, labUrl, LabApiError, LabUnreachable } from '../serve/lab/client.js';
import { CliExit, type IO } from './common.js';

export function registerFault(program: Command, io: IO): void {
  program.command('fault').description('make a pod of the running lab answer 5xx, hang or answer late (for retries, timeouts, outlier detection)')
    .argument('[pod]', 'NAMESPACE/POD, or NAMESPACE/deploy/NAME for the workload\'s first pod')
    .argument('[fault...]', '503 [50%] | hang [25%] | delay=2s [50%]')
    .option('--clear', 'the pod behaves again')
    .option('--list', 'the pods that have a fault now')
    .option('--lab <url>', 'the lab API (default $PODNET_LAB or http://127.0.0.1:7070)')
    .action(async (pod: string | undefined, fault: string[], opts: { clear?: boolean; list?: boolean; lab?: string }) => {
      const base = labUrl(opts.lab);
      const fail = (m: string): never => { io.err.write(`error: ${m}\n`); throw new CliExit(1); };
      try {
        if (opts.list) {
          const faults = await labRequest<Record<string, string>>(base, 'GET', '/api/faults');
          const rows = Object.entries(faults);
          io.out.write(rows.length ? rows.map(([p, f]) => `${p}\t${f}`).join('\n') + '\n' : 'no pod has a fault\n');
          return;
        }
        if (!pod) fail('which pod? podnet fault NS/POD 503 [50%] | hang | delay=2s, or --clear, or --list');
        if (opts.clear && fault.length) fail('--clear takes no fault');
        if (!opts.clear && !fault.length) fail('which fault? 503 [50%] | hang [25%] | delay=2s [50%] (or --clear)');
        const r = await labRequest<{ pod: string; fault: string | null }>(base, 'POST', '/api/fault', { pod, fault: opts.clear ? null : fault.join(' ') });
        io.out.write(r.fault ? `${r.pod}: ${r.fault}\n` : `${r.pod}: no fault\n`);
      } catch (e) {
        if (e instanceof LabUnreachable || e instanceof LabApiError) fail(e.message);
        throw e;
      }
    });
}
