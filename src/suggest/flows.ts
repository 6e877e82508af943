// Observed connections from a flow log (the records of `podnet logs --flows -o json`, FlowRecord): who connected to
// which pod on which port, as the destination pod saw it (after kube-proxy's DNAT and any SNAT). What a record does not
// let us place (dropped flows, a destination without a pod) is counted with the reason, never guessed.
import type { FlowRecord } from '../serve/lab/flows.js';

/** One observed connection: the source as the destination pod sees it (a pod, or an address) and the pod's port. */
export interface ObservedFlow {
  /** `ns/pod`, or an IP address (an outside client, or a node after SNAT). */
  source: string;
  destination: string;
  port: number;
  protocol: 'TCP' | 'UDP' | 'SCTP';
  /** The flow log ids this connection stands for. */
  ids: number[];
}

export interface FlowsRead { flows: ObservedFlow[]; records: number; skipped: { reason: string; ids: number[] }[] }

export class FlowFileError extends Error {}

/** The most records one file may hold (the lab keeps 2,000; files may gather several). */
export const MAX_FLOW_RECORDS = 1_000_000;

/** Reads `podnet logs --flows -o json` output (one JSON object per line) or a JSON array of the same records. */
export function parseFlowFile(text: string, file: string): FlowRecord[] {
  const trimmed = text.trimStart();
  const bad = (line: number, why: string): never => { throw new FlowFileError(`${file}:${line}: ${why}`); };
  let items: unknown[];
  if (trimmed.startsWith('[')) {
    try { items = JSON.parse(text) as unknown[]; } catch (e) { return bad(1, `not JSON: ${(e as Error).message}`); }
    if (!Array.isArray(items)) return bad(1, 'not a JSON array of flow records');
    if (items.length > MAX_FLOW_RECORDS) bad(1, `more than ${MAX_FLOW_RECORDS} flow records`);
  } else {
    items = [];
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (lines[i].trim() === '') continue;
      try { items.push(JSON.parse(lines[i])); } catch (e) { bad(i + 1, `not a JSON flow record: ${(e as Error).message}`); }
      if (items.length > MAX_FLOW_RECORDS) bad(i + 1, `more than ${MAX_FLOW_RECORDS} flow records`);
    }
  }
  items.forEach((r, i) => {
    const o = r as Record<string, unknown>;
    if (o === null || typeof o !== 'object' || typeof o.source !== 'string' || typeof o.destination !== 'string' || typeof o.verdict !== 'string' || !Array.isArray(o.hops)) {
      bad(trimmed.startsWith('[') ? 1 : i + 1, 'a flow record needs source, destination, verdict and hops (the shape of podnet logs --flows -o json)');
    }
  });
  return items as FlowRecord[];
}

const DELIVER = /^delivered to (\S+\/\S+) (\S+):(\d+)\/(TCP|UDP|SCTP)/;
const SNAT = /(?:SNATs|MASQUERADEs the source) \S+ to ([0-9a-fA-F.:]+[0-9a-fA-F])/;
const EDGE_ENDPOINT = / \S+\/\S+:\d+ ([0-9.]+):(\d+)$/;

/**
 * The connections the records show. `edgeSource` names the proxy pod an Ingress/Gateway flow came from (the flow log
 * records the outside client; the backend pod sees the controller).
 */
export function observedFlows(records: readonly FlowRecord[], edgeSource: (f: FlowRecord) => string | undefined): FlowsRead {
  const byKey = new Map<string, ObservedFlow>();
  const skipped = new Map<string, number[]>();
  const skip = (reason: string, id: number) => { const l = skipped.get(reason); if (l) l.push(id); else skipped.set(reason, [id]); };
  for (const f of records) {
    if (f.verdict === 'dropped') { skip('dropped: the cluster refused them, so no rule admits them', f.id); continue; }
    const deliver = [...f.hops].reverse().find((h) => h.step === 'deliver');
    const m = deliver ? DELIVER.exec(deliver.text) : null;
    let source: string | undefined;
    let destination: string | undefined;
    let port: number | undefined;
    let protocol: ObservedFlow['protocol'] = 'TCP';
    if (m) {
      destination = m[1];
      port = Number(m[3]);
      protocol = m[4] as ObservedFlow['protocol'];
      const snat = [...f.hops].reverse().find((h) => h.step === 'snat' && SNAT.test(h.text));
      source = snat ? SNAT.exec(snat.text)![1] : f.source.startsWith('external:') ? f.source.slice('external:'.length) : f.source;
    } else if (f.hops.some((h) => h.step === 'ingress') && f.pod) {
      const e = EDGE_ENDPOINT.exec(f.hops[0].text);
      source = edgeSource(f);
      destination = f.pod;
      port = e ? Number(e[2]) : undefined;
    }
    if (!destination || port === undefined) { skip('no destination pod and port in the record', f.id); continue; }
    if (!source || source === 'external') { skip('no source address in the record', f.id); continue; }
    const key = `${source}|${destination}|${port}/${protocol}`;
    const o = byKey.get(key);
    if (o) o.ids.push(f.id);
    else byKey.set(key, { source, destination, port, protocol, ids: [f.id] });
  }
  return { flows: [...byKey.values()], records: records.length, skipped: [...skipped].map(([reason, ids]) => ({ reason, ids })) };
}
