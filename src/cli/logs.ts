// `podnet logs --flows [-f] [-o json]`: the running lab's flow log (every request the lab carried), following it over
// the lab's WebSocket with -f.
import type { Command } from 'commander';
import WebSocket from 'ws';
import { formatFlow, type FlowRecord } from '../serve/lab/flows.js';
import { labRequest, labUrl, LabApiError, LabUnreachable } from '../serve/lab/client.js';
import { CliExit, type IO } from './common.js';

export function registerLogs(program: Command, io: IO): void {
  program.command('logs').description('the running lab\'s flow log (podnet up): time, source, destination, verdict')
    .option('--flows', 'the flow log (the only log the lab keeps)')
    .option('-f, --follow', 'keep printing new flows')
    .option('--tail <n>', 'how many recent flows to print first', '50')
    .option('-o, --output <format>', 'text or json (one JSON object per line)', 'text')
    .option('--lab <url>', 'the lab API (default $PODNET_LAB or http://127.0.0.1:7070)')
    .action(async (opts: { flows?: boolean; follow?: boolean; tail: string; output: string; lab?: string }) => {
      if (!opts.flows) { io.err.write('error: the lab keeps flow logs only: use podnet logs --flows\n'); throw new CliExit(1); }
      const base = labUrl(opts.lab);
      const print = (f: FlowRecord) => io.out.write((opts.output === 'json' ? JSON.stringify(f) : formatFlow(f)) + '\n');
      if (!opts.follow) {
        try {
          for (const f of await labRequest<FlowRecord[]>(base, 'GET', `/api/flows?limit=${Number(opts.tail) || 50}`)) print(f);
        } catch (e) {
          if (e instanceof LabUnreachable || e instanceof LabApiError) { io.err.write(`error: ${e.message}\n`); throw new CliExit(1); }
          throw e;
        }
        return;
      }
      const ws = new WebSocket(new URL('/api/flows/stream', base).toString().replace(/^http/, 'ws'));
      await new Promise<void>((resolve, reject) => {
        ws.on('message', (m) => { try { print(JSON.parse(String(m)) as FlowRecord); } catch { /* not a flow */ } });
        ws.on('error', (e) => reject(new LabUnreachable(`cannot reach the lab at ${base}: ${e.message}`)));
        ws.on('close', () => resolve());
        const stop = () => { process.off('SIGINT', stop); ws.close(); };
        process.on('SIGINT', stop);
      }).catch((e) => { io.err.write(`error: ${(e as Error).message}\n`); throw new CliExit(1); });
    });
}
