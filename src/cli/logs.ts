// `podnet logs --flows [-f] [--tail N] [--since D] [-o json]`: the running lab's flow log (every request the lab
// carried), following it over the lab's WebSocket with -f. --tail and --since mean what they mean to `kubectl logs`.
import type { Command } from 'commander';
import WebSocket from 'ws';
import { formatFlow, type FlowRecord } from '../serve/lab/flows.js';
import { labAuthHeaders, labRequest, labUrl, LabApiError, LabUnreachable } from '../serve/lab/client.js';
import { DurationError, parseGoDuration } from '../util/duration.js';
import { CliExit, type IO } from './common.js';

interface LogsOptions { flows?: boolean; follow?: boolean; tail: string; since?: string; sinceTime?: string; output: string; lab?: string }

/** kubectl's checks of --tail, --since and --since-time, as the lab API's query (tailLines, sinceSeconds, sinceTime). */
export function logQuery(opts: LogsOptions): URLSearchParams {
  const bad = (m: string): never => { throw new LogsFlagError(m); };
  if (!/^[+-]?\d+$/.test(opts.tail)) bad(`invalid argument ${JSON.stringify(opts.tail)} for "--tail" flag: strconv.ParseInt: parsing ${JSON.stringify(opts.tail)}: invalid syntax`);
  const tail = Number(opts.tail);
  if (tail < -1) bad('--tail must be greater than or equal to -1');
  const q = new URLSearchParams({ tailLines: String(tail) });
  if (opts.since !== undefined) {
    let ms = 0;
    try { ms = parseGoDuration(opts.since); } catch (e) { if (e instanceof DurationError) bad(`invalid argument ${JSON.stringify(opts.since)} for "--since" flag: ${e.message}`); throw e; }
    if (ms < 0) bad('--since must be greater than 0');
    // kubectl rounds to whole seconds; 0 means no limit
    const seconds = Math.round(ms / 1000);
    if (seconds > 0) q.set('sinceSeconds', String(seconds));
  }
  if (opts.sinceTime !== undefined) {
    if (q.has('sinceSeconds')) bad('at most one of `sinceTime` or `sinceSeconds` may be specified');
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(opts.sinceTime) || Number.isNaN(Date.parse(opts.sinceTime))) bad(`--since-time must be an RFC3339 time such as 2024-08-30T06:00:00Z, not ${JSON.stringify(opts.sinceTime)}`);
    q.set('sinceTime', opts.sinceTime);
  }
  return q;
}

class LogsFlagError extends Error {}

export function registerLogs(program: Command, io: IO): void {
  program.command('logs').description('the running lab\'s flow log (podnet up): time, source, destination, verdict')
    .option('--flows', 'the flow log (the only log the lab keeps)')
    .option('-f, --follow', 'keep printing new flows')
    .option('--tail <n>', 'how many recent flows to print first; -1 prints all the lab keeps (up to 2000), as kubectl logs', '-1')
    .option('--since <duration>', 'only flows newer than a relative duration like 5s, 2m or 3h (default: all)')
    .option('--since-time <time>', 'only flows at or after an RFC3339 time (default: all); only one of --since and --since-time')
    .option('-o, --output <format>', 'text or json (one JSON object per line)', 'text')
    .option('--lab <url>', 'the lab API (default $PODNET_LAB or http://127.0.0.1:7070)')
    .action(async (opts: LogsOptions) => {
      const fail = (m: string): never => { io.err.write(`error: ${m}\n`); throw new CliExit(1); };
      if (!opts.flows) fail('the lab keeps flow logs only: use podnet logs --flows');
      if (!['text', 'json'].includes(opts.output)) fail(`unknown output format "${opts.output}": use text or json`);
      let q: URLSearchParams;
      try { q = logQuery(opts); } catch (e) { if (e instanceof LogsFlagError) fail(e.message); throw e; }
      const base = labUrl(opts.lab);
      const print = (f: FlowRecord) => io.out.write((opts.output === 'json' ? JSON.stringify(f) : formatFlow(f)) + '\n');
      if (!opts.follow) {
        try {
          for (const f of await labRequest<FlowRecord[]>(base, 'GET', `/api/flows?${q!}`)) print(f);
        } catch (e) {
          if (e instanceof LabUnreachable || e instanceof LabApiError) fail(e.message);
          throw e;
        }
        return;
      }
      const ws = new WebSocket(new URL(`/api/flows/stream?${q!}`, base).toString().replace(/^http/, 'ws'), { headers: labAuthHeaders(base) });
      await new Promise<void>((resolve, reject) => {
        ws.on('message', (m) => { try { print(JSON.parse(String(m)) as FlowRecord); } catch { /* not a flow */ } });
        ws.on('error', (e) => reject(new LabUnreachable(`cannot reach the lab at ${base}: ${e.message}`)));
        ws.on('close', () => { process.off('SIGINT', stop); resolve(); });
        const stop = () => { process.off('SIGINT', stop); ws.close(); };
        process.on('SIGINT', stop);
      }).catch((e) => fail((e as Error).message));
    });
}
