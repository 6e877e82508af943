// The live flow log: every request the lab carried, streamed over the lab's WebSocket.
import { useEffect, useState } from 'react';
import type { Flow } from './api';

export function useFlows(): Flow[] {
  const [flows, setFlows] = useState<Flow[]>([]);
  useEffect(() => {
    let ws: WebSocket | undefined;
    let stopped = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const connect = () => {
      ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/flows/stream`);
      ws.onmessage = (m) => {
        const f = JSON.parse(String(m.data)) as Flow;
        setFlows((prev) => (prev.some((p) => p.id === f.id) ? prev : [...prev.slice(-499), f]));
      };
      ws.onclose = () => { if (!stopped) retry = setTimeout(connect, 1000); };
    };
    connect();
    return () => { stopped = true; clearTimeout(retry); ws?.close(); };
  }, []);
  return flows;
}

export function FlowsPanel({ flows, kernel = false }: { flows: Flow[]; kernel?: boolean }) {
  const [open, setOpen] = useState<number>();
  const cols = kernel ? 7 : 6;
  return (
    <div className="panel" data-testid="flows-panel">
      {flows.length === 0 && <p className="muted">No flows yet. Try <code>podnet exec NS/POD -- curl URL</code>, or curl the ingress ports.</p>}
      <table className="flows">
        <thead><tr><th>time</th><th>verdict</th><th>via</th><th>source</th><th>destination</th><th>answered by / why</th>{kernel && <th>netfilter</th>}</tr></thead>
        <tbody>
          {[...flows].reverse().map((f) => (
            <>
              <tr key={f.id} className={f.verdict} onClick={() => setOpen(open === f.id ? undefined : f.id)}>
                <td>{f.time.slice(11, 23)}</td><td>{f.verdict}</td><td>{f.via}</td><td>{f.source}</td><td>{f.destination}</td><td>{f.pod ?? ''} {f.reason ?? ''}</td>
                {kernel && <td data-testid="netfilter">{f.netfilter ? <><b>{f.netfilter.verdict}</b> {f.netfilter.table} <code data-testid="netfilter-chain">{f.netfilter.chain}</code> on {f.netfilter.node}: <span data-testid="netfilter-rule">{f.netfilter.rule}</span></> : ''}</td>}
              </tr>
              {open === f.id && <tr key={`${f.id}-hops`}><td colSpan={cols}><ol className="hops">{f.hops.map((h, i) => <li key={i}><span className="step">{h.step}</span> {h.text}</li>)}</ol></td></tr>}
            </>
          ))}
        </tbody>
      </table>
    </div>
  );
}
