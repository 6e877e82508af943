// Pick a source (a pod or an outside client) and a destination URL; the lab's trace comes back hop by hop and is
// drawn on the topology beside.
import { useState } from 'react';
import { api, type TraceResult } from './api';

export function TracePanel({ pods, trace, onTrace }: { pods: string[]; trace?: TraceResult; onTrace: (t: TraceResult | undefined) => void }) {
  const app = pods.filter((p) => !p.startsWith('kube-system/'));
  const [from, setFrom] = useState(app.find((p) => p.includes('frontend')) ?? app[0] ?? 'external');
  const [to, setTo] = useState('http://backend.production:8080/');
  const [err, setErr] = useState<string>();
  const run = () => {
    setErr(undefined);
    api<TraceResult>(`/api/trace?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&seed=1`).then(onTrace, (e) => { onTrace(undefined); setErr(String(e.message)); });
  };
  return (
    <div className="panel trace-panel" data-testid="trace-panel">
      <div className="controls">
        <label>From <select value={from} onChange={(e) => setFrom(e.target.value)} data-testid="trace-from">
          <option value="external">external client</option>
          {pods.map((p) => <option key={p} value={p}>{p}</option>)}
        </select></label>
        <label>To <input value={to} onChange={(e) => setTo(e.target.value)} size={36} data-testid="trace-to" onKeyDown={(e) => e.key === 'Enter' && run()} /></label>
        <button onClick={run} data-testid="trace-run">Trace</button>
      </div>
      {err && <div className="error">{err}</div>}
      {trace && (
        <div data-testid="trace-result">
          <div className={trace.verdict === 'delivered' ? 'verdict ok' : 'verdict bad'}>
            {trace.verdict === 'delivered' ? 'DELIVERED' : `DROPPED at ${trace.dropAt}`}
          </div>
          <ol className="hops">
            {trace.hops.map((h, i) => (
              <li key={i} className={h.detail.dropped ? 'dropped' : ''}><span className="step">{h.step}</span>{h.node && <span className="muted"> {h.node}</span>} {h.text}</li>
            ))}
          </ol>
        </div>
      )}
    </div>
  );
}
